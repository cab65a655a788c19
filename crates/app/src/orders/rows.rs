//! The order as the app hands it out, read back from its rows. Money stays in minor units
//! with the order's currency; addresses stay the JSON they were stored as.

use jiff::Timestamp;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::channels::ChannelId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::money::Money;
use omnihub_domain::orders::{
    FulfilmentStatus, HoldReason, OrderId, OrderLineId, OrderStatus, PaymentStatus, TimelineEvent,
    WorkQueue,
};
use omnihub_store::orders::{AllocationRow, LineRow, OrderRow, TimelineRow};
use omnihub_store::time;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inventory::corrupt;

/// Why an order is in the exception queue, as stored: a mapping problem's code, the field
/// (JSON path or `lines[i]`) and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable code (`unknown_sku`, `unknown_currency`, `insufficient_stock`...).
    pub code: String,
    /// Where, if it is about one field.
    pub field: Option<String>,
    /// For people.
    pub message: String,
}

/// An order's head.
#[derive(Debug, Clone)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Human-readable number.
    pub number: String,
    /// Channel.
    pub channel_id: ChannelId,
    /// The channel's order id.
    pub external_id: Option<String>,
    /// The channel's order number.
    pub external_number: Option<String>,
    /// Intake path (`api`, `shopify`, `woocommerce`, `csv`, `manual`).
    pub source: String,
    /// Order status.
    pub status: OrderStatus,
    /// Payment status.
    pub payment_status: PaymentStatus,
    /// Fulfilment status.
    pub fulfilment_status: FulfilmentStatus,
    /// The work queue it waits in.
    pub queue: Option<WorkQueue>,
    /// Why it is held.
    pub hold_reasons: Vec<HoldReason>,
    /// What is wrong with its data or stock.
    pub problems: Vec<Problem>,
    /// 0-100.
    pub risk_score: i64,
    /// Waiting for stock by staff's choice.
    pub backorder: bool,
    /// Matched customer record.
    pub customer_id: Option<uuid::Uuid>,
    /// E-mail as given.
    pub customer_email: Option<String>,
    /// Phone as given.
    pub customer_phone: Option<String>,
    /// Name as given.
    pub customer_name: Option<String>,
    /// Shipping address (JSON object).
    pub shipping_address: Option<serde_json::Value>,
    /// Billing address (JSON object).
    pub billing_address: Option<serde_json::Value>,
    /// Currency of every amount.
    pub currency: Currency,
    /// Sum of line subtotals.
    pub items: Money,
    /// Discounts.
    pub discounts: Money,
    /// Shipping.
    pub shipping: Money,
    /// Other fees.
    pub fees: Money,
    /// Tax.
    pub tax: Money,
    /// Prices include tax.
    pub tax_included: bool,
    /// What the customer pays.
    pub total: Money,
    /// Cash on delivery.
    pub cash_on_delivery: bool,
    /// Payment gateways named by the channel.
    pub payment_gateways: Vec<String>,
    /// The channel's status word.
    pub channel_status: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Placed at the channel.
    pub placed_at: Timestamp,
    /// Received here.
    pub received_at: Timestamp,
    /// Must ship by.
    pub ship_by: Timestamp,
    /// Bumped by every change.
    pub version: i64,
    /// Last changed.
    pub updated_at: Timestamp,
}

fn json<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T> {
    serde_json::from_str(raw).map_err(corrupt)
}

fn code<T>(parsed: std::result::Result<T, impl std::fmt::Display>) -> Result<T> {
    parsed.map_err(corrupt)
}

impl TryFrom<&OrderRow> for Order {
    type Error = Error;
    fn try_from(r: &OrderRow) -> Result<Self> {
        let currency = code(Currency::parse(&r.currency))?;
        let money = |minor| Money::from_minor(minor, currency);
        let reasons: Vec<String> = json(&r.hold_reasons)?;
        let address = |a: &Option<String>| a.as_deref().map(json).transpose();
        Ok(Self {
            id: OrderId::from_uuid(r.id),
            number: r.number.clone(),
            channel_id: ChannelId::from_uuid(r.channel_id),
            external_id: r.external_id.clone(),
            external_number: r.external_number.clone(),
            source: r.source.clone(),
            status: code(OrderStatus::parse(&r.status))?,
            payment_status: code(PaymentStatus::parse(&r.payment_status))?,
            fulfilment_status: code(FulfilmentStatus::parse(&r.fulfilment_status))?,
            queue: r
                .queue
                .as_deref()
                .map(WorkQueue::parse)
                .transpose()
                .map_err(corrupt)?,
            hold_reasons: reasons
                .iter()
                .map(|c| code(HoldReason::parse(c)))
                .collect::<Result<_>>()?,
            problems: json(&r.problems)?,
            risk_score: r.risk_score,
            backorder: r.backorder,
            customer_id: r.customer_id,
            customer_email: r.customer_email.clone(),
            customer_phone: r.customer_phone.clone(),
            customer_name: r.customer_name.clone(),
            shipping_address: address(&r.shipping_address)?,
            billing_address: address(&r.billing_address)?,
            currency,
            items: money(r.items_minor),
            discounts: money(r.discounts_minor),
            shipping: money(r.shipping_minor),
            fees: money(r.fees_minor),
            tax: money(r.tax_minor),
            tax_included: r.tax_included,
            total: money(r.total_minor),
            cash_on_delivery: r.cash_on_delivery,
            payment_gateways: json(&r.payment_gateways)?,
            channel_status: r.channel_status.clone(),
            note: r.note.clone(),
            tags: json(&r.tags)?,
            placed_at: time::from_db(r.placed_at)?,
            received_at: time::from_db(r.received_at)?,
            ship_by: time::from_db(r.ship_by)?,
            version: r.version,
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// One line of an order.
#[derive(Debug, Clone)]
pub struct OrderLine {
    /// Id.
    pub id: OrderLineId,
    /// 0-based.
    pub position: i64,
    /// The channel's line id.
    pub external_line_id: Option<String>,
    /// Our SKU; `None` while unknown.
    pub sku_id: Option<SkuId>,
    /// The channel's SKU code.
    pub item_sku: Option<String>,
    /// The channel's product id.
    pub item_product_id: Option<String>,
    /// The channel's variant id.
    pub item_variant_id: Option<String>,
    /// Title as sold.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Units cancelled.
    pub cancelled_quantity: i64,
    /// Price of one unit (minor units).
    pub unit_price_minor: i64,
    /// quantity x unit price.
    pub subtotal_minor: i64,
    /// Line discount.
    pub discount_minor: i64,
    /// Line tax.
    pub tax_minor: i64,
}

impl OrderLine {
    /// Units still to ship.
    pub const fn open_quantity(&self) -> i64 {
        self.quantity - self.cancelled_quantity
    }
}

impl TryFrom<&LineRow> for OrderLine {
    type Error = Error;
    fn try_from(r: &LineRow) -> Result<Self> {
        Ok(Self {
            id: OrderLineId::from_uuid(r.id),
            position: r.position,
            external_line_id: r.external_line_id.clone(),
            sku_id: r.sku_id.map(SkuId::from_uuid),
            item_sku: r.item_sku.clone(),
            item_product_id: r.item_product_id.clone(),
            item_variant_id: r.item_variant_id.clone(),
            title: r.title.clone(),
            quantity: r.quantity,
            cancelled_quantity: r.cancelled_quantity,
            unit_price_minor: r.unit_price_minor,
            subtotal_minor: r.subtotal_minor,
            discount_minor: r.discount_minor,
            tax_minor: r.tax_minor,
        })
    }
}

/// Stock held for a line at a location.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// Id (the reservation's reference).
    pub id: uuid::Uuid,
    /// The line.
    pub order_line_id: OrderLineId,
    /// Where.
    pub location_id: LocationId,
    /// What.
    pub sku_id: SkuId,
    /// Units.
    pub quantity: i64,
    /// `open`, `released`, `consumed`.
    pub status: String,
    /// When.
    pub created_at: Timestamp,
}

impl TryFrom<&AllocationRow> for Allocation {
    type Error = Error;
    fn try_from(r: &AllocationRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            order_line_id: OrderLineId::from_uuid(r.order_line_id),
            location_id: LocationId::from_uuid(r.location_id),
            sku_id: SkuId::from_uuid(r.sku_id),
            quantity: r.quantity,
            status: r.status.clone(),
            created_at: time::from_db(r.created_at)?,
        })
    }
}

/// One entry of an order's timeline.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    /// What happened.
    pub event: TimelineEvent,
    /// Who (`user:<id>`, `api_key:<id>`, `channel:<id>`, `system`).
    pub actor: String,
    /// Details.
    pub data: serde_json::Value,
    /// When.
    pub at: Timestamp,
}

impl TryFrom<&TimelineRow> for TimelineEntry {
    type Error = Error;
    fn try_from(r: &TimelineRow) -> Result<Self> {
        Ok(Self {
            event: code(TimelineEvent::parse(&r.event))?,
            actor: r.actor.clone(),
            data: json(&r.data)?,
            at: time::from_db(r.at)?,
        })
    }
}
