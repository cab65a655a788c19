//! DTOs of the order routes. Money is `{"amount": "19.90", "currency": "CNY"}` as in the
//! catalogue; instants are RFC 3339.
//!
//! [`OrderBody`] and its parts describe our own order format for the OpenAPI document; the
//! route deserialises the body into the domain's `ApiOrder` (the one definition of the
//! format's rules); the request example is parsed by the domain in a test.

use omnihub_app::orders::{
    Allocation, AmountThreshold, BlacklistedAddress, ImportReport, Order, OrderDetail, OrderLine,
    OrderSettings, Problem, TimelineEntry,
};
use omnihub_domain::money::Money;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::catalog::dto::MoneyDto;

fn ts(t: jiff::Timestamp) -> String {
    t.to_string()
}

/// Why an order waits in the exception queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDto {
    /// Stable code: `unknown_sku`, `unknown_currency`, `bad_amount`, `insufficient_stock`...
    pub code: String,
    /// The field (a JSON path of the payload, `lines[i]`, `sku:<id>`), if about one.
    pub field: Option<String>,
    /// For people.
    pub message: String,
}

impl From<Problem> for ProblemDto {
    fn from(p: Problem) -> Self {
        Self {
            code: p.code,
            field: p.field,
            message: p.message,
        }
    }
}

/// An order's head, as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    /// Id.
    pub id: String,
    /// Human-readable number, unique per merchant (`SO-000123`).
    pub number: String,
    /// Channel id.
    pub channel_id: String,
    /// The channel's order id (intake is idempotent by channel and this).
    pub external_id: Option<String>,
    /// The channel's order number.
    pub external_number: Option<String>,
    /// `api`, `shopify`, `woocommerce`, `csv` or `manual`.
    pub source: String,
    /// `pending_review`, `on_hold`, `confirmed`, `allocated`, `partially_shipped`, `shipped`,
    /// `delivered`, `completed`, `cancelled`.
    pub status: String,
    /// `unpaid`, `authorized`, `paid`, `partially_refunded`, `refunded`.
    pub payment_status: String,
    /// `unfulfilled`, `partial`, `fulfilled`.
    pub fulfilment_status: String,
    /// The work queue it waits in: `review`, `exception`, `allocate`, or none.
    pub queue: Option<String>,
    /// Why it is held (`amount_over_threshold`, `unknown_sku`, `insufficient_stock`...).
    pub hold_reasons: Vec<String>,
    /// What is wrong with its data or stock.
    pub problems: Vec<ProblemDto>,
    /// 0-100.
    pub risk_score: i64,
    /// Staff chose to wait for stock.
    pub backorder: bool,
    /// The matched customer record.
    pub customer_id: Option<String>,
    /// Customer e-mail.
    pub customer_email: Option<String>,
    /// Customer phone.
    pub customer_phone: Option<String>,
    /// Customer name.
    pub customer_name: Option<String>,
    /// Shipping address.
    #[schema(value_type = Option<Object>)]
    pub shipping_address: Option<serde_json::Value>,
    /// Billing address.
    #[schema(value_type = Option<Object>)]
    pub billing_address: Option<serde_json::Value>,
    /// Sum of line subtotals.
    pub items: MoneyDto,
    /// Discounts.
    pub discounts: MoneyDto,
    /// Shipping charged.
    pub shipping: MoneyDto,
    /// Other fees.
    pub fees: MoneyDto,
    /// Tax.
    pub tax: MoneyDto,
    /// Whether prices include tax.
    pub tax_included: bool,
    /// What the customer pays.
    pub total: MoneyDto,
    /// Cash on delivery.
    pub cash_on_delivery: bool,
    /// Payment gateways the channel named.
    pub payment_gateways: Vec<String>,
    /// The channel's own status word.
    pub channel_status: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Placed at the channel.
    pub placed_at: String,
    /// Received here (work queues are first in, first out by this).
    pub received_at: String,
    /// Must ship by (placed + the channel's ship-by hours).
    pub ship_by: String,
    /// Bumped by every change.
    pub version: i64,
    /// Last changed.
    pub updated_at: String,
}

fn money(m: Money) -> MoneyDto {
    MoneyDto::from(m)
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        Self {
            id: o.id.to_string(),
            number: o.number,
            channel_id: o.channel_id.to_string(),
            external_id: o.external_id,
            external_number: o.external_number,
            source: o.source,
            status: o.status.code().to_owned(),
            payment_status: o.payment_status.code().to_owned(),
            fulfilment_status: o.fulfilment_status.code().to_owned(),
            queue: o.queue.map(|q| q.code().to_owned()),
            hold_reasons: o.hold_reasons.iter().map(|r| r.code().to_owned()).collect(),
            problems: o.problems.into_iter().map(ProblemDto::from).collect(),
            risk_score: o.risk_score,
            backorder: o.backorder,
            customer_id: o.customer_id.map(|c| c.to_string()),
            customer_email: o.customer_email,
            customer_phone: o.customer_phone,
            customer_name: o.customer_name,
            shipping_address: o.shipping_address,
            billing_address: o.billing_address,
            items: money(o.items),
            discounts: money(o.discounts),
            shipping: money(o.shipping),
            fees: money(o.fees),
            tax: money(o.tax),
            tax_included: o.tax_included,
            total: money(o.total),
            cash_on_delivery: o.cash_on_delivery,
            payment_gateways: o.payment_gateways,
            channel_status: o.channel_status,
            note: o.note,
            tags: o.tags,
            placed_at: ts(o.placed_at),
            received_at: ts(o.received_at),
            ship_by: ts(o.ship_by),
            version: o.version,
            updated_at: ts(o.updated_at),
        }
    }
}

/// One line of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineDto {
    /// Id.
    pub id: String,
    /// 0-based.
    pub position: i64,
    /// The channel's line id.
    pub external_line_id: Option<String>,
    /// Our SKU; absent while unknown (`unknown_sku`).
    pub sku_id: Option<String>,
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
    /// Price of one unit.
    pub unit_price: MoneyDto,
    /// quantity x unit price.
    pub subtotal: MoneyDto,
    /// Line discount.
    pub discount: MoneyDto,
    /// Line tax.
    pub tax: MoneyDto,
}

fn line_dto(l: OrderLine, o: &Order) -> OrderLineDto {
    let m = |minor| money(Money::from_minor(minor, o.currency));
    OrderLineDto {
        id: l.id.to_string(),
        position: l.position,
        external_line_id: l.external_line_id,
        sku_id: l.sku_id.map(|s| s.to_string()),
        item_sku: l.item_sku,
        item_product_id: l.item_product_id,
        item_variant_id: l.item_variant_id,
        title: l.title,
        quantity: l.quantity,
        cancelled_quantity: l.cancelled_quantity,
        unit_price: m(l.unit_price_minor),
        subtotal: m(l.subtotal_minor),
        discount: m(l.discount_minor),
        tax: m(l.tax_minor),
    }
}

/// Stock held for a line at a location.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationDto {
    /// Id (the reservation's reference in the inventory API).
    pub id: String,
    /// The line.
    pub order_line_id: String,
    /// Location.
    pub location_id: String,
    /// SKU.
    pub sku_id: String,
    /// Units.
    pub quantity: i64,
    /// `open`, `released`, `consumed`.
    pub status: String,
    /// When.
    pub created_at: String,
}

impl From<Allocation> for AllocationDto {
    fn from(a: Allocation) -> Self {
        Self {
            id: a.id.to_string(),
            order_line_id: a.order_line_id.to_string(),
            location_id: a.location_id.to_string(),
            sku_id: a.sku_id.to_string(),
            quantity: a.quantity,
            status: a.status,
            created_at: ts(a.created_at),
        }
    }
}

/// One entry of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineDto {
    /// `received`, `review_passed`, `held`, `allocated`, `cancelled`, `channel_updated`...
    pub event: String,
    /// `user:<id>`, `api_key:<id>`, `channel:<id>` or `system`.
    pub actor: String,
    /// Details of the event.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When.
    pub at: String,
}

impl From<TimelineEntry> for TimelineDto {
    fn from(t: TimelineEntry) -> Self {
        Self {
            event: t.event.code().to_owned(),
            actor: t.actor,
            data: t.data,
            at: ts(t.at),
        }
    }
}

/// An order with its lines, allocations and timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetailDto {
    /// The head.
    #[serde(flatten)]
    pub order: OrderDto,
    /// Lines by position.
    pub lines: Vec<OrderLineDto>,
    /// Allocations, oldest first.
    pub allocations: Vec<AllocationDto>,
    /// Timeline, oldest first.
    pub timeline: Vec<TimelineDto>,
}

impl From<OrderDetail> for OrderDetailDto {
    fn from(d: OrderDetail) -> Self {
        let lines = d.lines.into_iter().map(|l| line_dto(l, &d.order)).collect();
        Self {
            order: OrderDto::from(d.order),
            lines,
            allocations: d.allocations.into_iter().map(AllocationDto::from).collect(),
            timeline: d.timeline.into_iter().map(TimelineDto::from).collect(),
        }
    }
}

/// What intake did with an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeDto {
    /// `created`, `duplicate` (already held, nothing changed) or `updated`.
    pub outcome: String,
    /// The order now.
    pub order: OrderDetailDto,
}

/// Filters of the order list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// Status code.
    pub status: Option<String>,
    /// `review`, `exception` or `allocate`.
    pub queue: Option<String>,
    /// Channel id.
    pub channel_id: Option<String>,
    /// Received at or after (RFC 3339).
    pub from: Option<String>,
    /// Received before (RFC 3339).
    pub to: Option<String>,
    /// Number, external id (exact), or part of the customer's e-mail, phone or name.
    pub q: Option<String>,
    /// Fulfilment stage: `to_pick`, `to_ship` or `late` (as the console dashboard counts).
    pub stage: Option<String>,
    /// Page size (1-500, default 50).
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
}

/// The size of each work queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCountsDto {
    /// Held for review.
    pub review: i64,
    /// Exceptions to fix.
    pub exception: i64,
    /// Confirmed, waiting for stock.
    pub allocate: i64,
}

/// A reason for an action, kept on the timeline.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why (free text, optional).
    pub reason: Option<String>,
}

/// Where to re-route an order.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerouteBody {
    /// One active location to allocate from; absent = by the usual rule over the channel's
    /// locations.
    pub location_id: Option<String>,
}

/// The result of working the allocation queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRunDto {
    /// Orders tried.
    pub tried: usize,
    /// Orders now allocated.
    pub allocated: usize,
}

/// The merchant's order settings: numbering and review rules.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderSettingsDto {
    /// Prefix of order numbers (A-Z and `-`, up to 10; default `SO-`).
    pub number_prefix: String,
    /// Hold orders above these totals, at most one per currency.
    pub amount_thresholds: Vec<AmountThresholdDto>,
    /// Hold orders whose shipping address lacks parts a courier needs (default on).
    pub require_complete_address: bool,
    /// Hold orders neither paid nor cash on delivery (default on).
    pub hold_unpaid_non_cod: bool,
    /// Hold a same-customer, same-items order within this many minutes (1-10080; default
    /// 30; null = off).
    pub duplicate_window_minutes: Option<i64>,
    /// Hold when the risk score reaches this (0-100; null = off).
    pub risk_threshold: Option<i64>,
    /// Weight (0-100) per risk signal: `amount_over_threshold`, `incomplete_address`,
    /// `blacklisted_customer`, `blacklisted_address`, `suspected_duplicate`,
    /// `unpaid_not_cod`, `no_contact`, `country_mismatch`.
    pub risk_weights: std::collections::BTreeMap<String, i64>,
    /// Blacklisted e-mails.
    pub blacklist_emails: Vec<String>,
    /// Blacklisted phones.
    pub blacklist_phones: Vec<String>,
    /// Blacklisted addresses (every part given must match).
    pub blacklist_addresses: Vec<BlacklistedAddressDto>,
}

/// A threshold in one currency.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountThresholdDto {
    /// ISO 4217.
    pub currency: String,
    /// Decimal text.
    pub amount: String,
}

/// A blacklisted address.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BlacklistedAddressDto {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Street lines.
    pub lines: Vec<String>,
}

impl From<OrderSettings> for OrderSettingsDto {
    fn from(s: OrderSettings) -> Self {
        Self {
            number_prefix: s.number_prefix,
            amount_thresholds: s
                .amount_thresholds
                .into_iter()
                .map(|t| AmountThresholdDto {
                    currency: t.currency,
                    amount: t.amount,
                })
                .collect(),
            require_complete_address: s.require_complete_address,
            hold_unpaid_non_cod: s.hold_unpaid_non_cod,
            duplicate_window_minutes: s.duplicate_window_minutes,
            risk_threshold: s.risk_threshold,
            risk_weights: s.risk_weights,
            blacklist_emails: s.blacklist_emails,
            blacklist_phones: s.blacklist_phones,
            blacklist_addresses: s
                .blacklist_addresses
                .into_iter()
                .map(|a| BlacklistedAddressDto {
                    country: a.country,
                    province: a.province,
                    city: a.city,
                    postcode: a.postcode,
                    lines: a.lines,
                })
                .collect(),
        }
    }
}

impl From<OrderSettingsDto> for OrderSettings {
    fn from(s: OrderSettingsDto) -> Self {
        Self {
            number_prefix: s.number_prefix,
            amount_thresholds: s
                .amount_thresholds
                .into_iter()
                .map(|t| AmountThreshold {
                    currency: t.currency,
                    amount: t.amount,
                })
                .collect(),
            require_complete_address: s.require_complete_address,
            hold_unpaid_non_cod: s.hold_unpaid_non_cod,
            duplicate_window_minutes: s.duplicate_window_minutes,
            risk_threshold: s.risk_threshold,
            risk_weights: s.risk_weights,
            blacklist_emails: s.blacklist_emails,
            blacklist_phones: s.blacklist_phones,
            blacklist_addresses: s
                .blacklist_addresses
                .into_iter()
                .map(|a| BlacklistedAddress {
                    country: a.country,
                    province: a.province,
                    city: a.city,
                    postcode: a.postcode,
                    lines: a.lines,
                })
                .collect(),
        }
    }
}

/// What became of one order of a CSV file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedOrderDto {
    /// Its rows (the header is row 1).
    pub rows: Vec<u64>,
    /// Its external id.
    pub external_id: Option<String>,
    /// `created`, `duplicate`, `updated`, `exception` (created, in the exception queue) or
    /// `invalid` (not stored).
    pub outcome: String,
    /// The order, when stored.
    pub order_id: Option<String>,
    /// Its number, when stored.
    pub number: Option<String>,
    /// Problems, by row and column (row 0: about the order as a whole).
    pub problems: Vec<ImportProblemDto>,
}

/// One problem of an imported order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblemDto {
    /// Row (the header is 1; 0 when about the whole order).
    pub row: u64,
    /// Column or field.
    pub column: Option<String>,
    /// Stable code.
    pub code: String,
    /// For people.
    pub message: String,
}

/// The import report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    /// Orders created (including those in the exception queue).
    pub created: usize,
    /// Orders already held.
    pub duplicates: usize,
    /// Orders created into the exception queue.
    pub exceptions: usize,
    /// Orders not stored because their rows are invalid.
    pub invalid: usize,
    /// Per order, in file order.
    pub orders: Vec<ImportedOrderDto>,
}

impl From<ImportReport> for ImportReportDto {
    fn from(r: ImportReport) -> Self {
        Self {
            created: r.count("created") + r.count("exception"),
            duplicates: r.count("duplicate") + r.count("updated"),
            exceptions: r.count("exception"),
            invalid: r.count("invalid"),
            orders: r
                .orders
                .into_iter()
                .map(|o| ImportedOrderDto {
                    rows: o.rows,
                    external_id: o.external_id,
                    outcome: o.outcome.to_owned(),
                    order_id: o.order_id.map(|i| i.to_string()),
                    number: o.number,
                    problems: o
                        .problems
                        .into_iter()
                        .map(|p| ImportProblemDto {
                            row: p.row,
                            column: p.column,
                            code: p.code,
                            message: p.message,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Our own order format, the body of `POST /api/v1/orders` (documentation of the domain's
/// `ApiOrder`). Strict: unknown fields are refused; amounts are decimal strings in the
/// order's currency; `total` must equal items − discounts + shipping + fees
/// (+ tax unless prices include it).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "external_id": "web-1001", "currency": "USD", "placed_at": "2026-11-30T10:00:00Z",
    "payment_status": "paid",
    "customer": {"email": "ann@example.com", "name": "Ann Lee"},
    "shipping_address": {"name": "Ann Lee", "country": "US", "province": "CA", "city": "San Francisco", "postcode": "94103", "lines": ["1 Market St"]},
    "lines": [{"sku": "TEE-M", "quantity": 2, "unit_price": "19.90"}],
    "shipping": "5.00", "total": "44.80"
}))]
pub struct OrderBody {
    /// Your id for the order, unique per channel: intake is idempotent by it.
    pub external_id: String,
    /// The number the customer knows it by.
    pub number: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// RFC 3339.
    pub placed_at: String,
    /// `unpaid` (default), `authorized`, `paid`, `partially_refunded`, `refunded`.
    pub payment_status: Option<String>,
    /// Payment gateway name.
    pub payment_method: Option<String>,
    /// Cash on delivery (default false).
    pub cash_on_delivery: Option<bool>,
    /// Already cancelled (default false).
    pub cancelled: Option<bool>,
    /// Who ordered (matched to a customer record by e-mail, else phone).
    pub customer: Option<CustomerBody>,
    /// Where to ship.
    pub shipping_address: Option<AddressBody>,
    /// Where to bill.
    pub billing_address: Option<AddressBody>,
    /// At least one line.
    pub lines: Vec<LineBody>,
    /// Order-level discount.
    pub order_discount: Option<String>,
    /// Shipping charged.
    pub shipping: Option<String>,
    /// Other fees.
    pub fees: Option<String>,
    /// Tax beyond the lines' tax.
    pub extra_tax: Option<String>,
    /// Prices include tax (default false).
    pub tax_included: Option<bool>,
    /// What the customer pays (required): checked to add up.
    pub total: String,
    /// Customer note.
    pub note: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

/// The customer of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerBody {
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
}

/// A postal address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressBody {
    /// Recipient.
    pub name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Province or state.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Street lines.
    pub lines: Option<Vec<String>>,
}

/// One order line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineBody {
    /// Your SKU code (matched through the channel's listings, else our SKU codes).
    pub sku: String,
    /// Your line id.
    pub external_line_id: Option<String>,
    /// Title as sold.
    pub title: Option<String>,
    /// Units (1 or more).
    pub quantity: i64,
    /// Price of one unit, decimal text.
    pub unit_price: String,
    /// Line discount.
    pub discount: Option<String>,
    /// Line tax.
    pub tax: Option<String>,
}
