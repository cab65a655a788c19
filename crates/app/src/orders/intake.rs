//! Order intake (ORD-1): every path (our API, Shopify and WooCommerce webhooks, CSV,
//! manual entry) hands over a [`Delivery`] and gets the one order it names, never two and
//! never none. Idempotent by (channel, external id): a replay changes nothing; an update
//! or cancellation from the channel applies to the order already held. A payload we
//! cannot map is kept as an order in the exception queue with its problems, never
//! dropped. In the same transaction a new order is reviewed and, once confirmed,
//! allocated (a shortage leaves it in the exception queue, never loses it).

use omnihub_domain::access::Permission;
use omnihub_domain::channels::{
    ChannelId, ChannelPlatform, ChannelStatus, OrderTopic, ShipByHours,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::orders::review::{OrderFacts, ReviewOutcome};
use omnihub_domain::orders::{
    FulfilmentStatus, HoldReason, IncomingLine, IncomingOrder, MappingProblem, OrderNumber,
    OrderStatus, PaymentStatus, TimelineEvent, Unmappable, WorkQueue,
};
use omnihub_store::channels::ChannelRow;
use omnihub_store::orders::{self as store, CustomerRow, LineRow, OrderRow};
use omnihub_store::{Tx, time};

use super::allocation::allocate_in;
use super::review::{load_settings, review_in};
use super::rows::Problem;
use super::{OrderDetail, detail_in, note, save, timeline_actor};
use crate::audit::{self, Change};
use crate::channels::{require_channel, resolve_item_in};
use crate::error::{Error, Result};
use crate::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use crate::inventory::corrupt;
use crate::{Actor, App};

/// An order as it arrived, already mapped (or found unmappable) by the path's adapter.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The channel it belongs to.
    pub channel: ChannelId,
    /// How it arrived (`api`, `shopify`, `woocommerce`, `csv`, `manual`).
    pub source: ChannelPlatform,
    /// What the sender says happened.
    pub topic: OrderTopic,
    /// The payload as received (kept so an exception can be mapped again once fixed).
    pub payload: String,
    /// The adapter's result.
    pub mapped: std::result::Result<IncomingOrder, Unmappable>,
}

/// What intake did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// A new order (possibly in the exception queue).
    Created,
    /// The order was already held and nothing changed (a replay).
    Duplicate,
    /// The order was already held and the delivery changed it.
    Updated,
}

impl IntakeOutcome {
    /// A stable code for reports.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Duplicate => "duplicate",
            Self::Updated => "updated",
        }
    }
}

/// The order intake ended with.
#[derive(Debug, Clone)]
pub struct Intake {
    /// What happened.
    pub outcome: IntakeOutcome,
    /// The order now.
    pub order: OrderDetail,
}

/// Takes an order in through our API, CSV or the console. Needs `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %delivery.channel), err)]
pub async fn take_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    delivery: &Delivery,
) -> Result<Intake> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let out = take_order_in(app, &mut tx, actor, merchant, delivery, None).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`take_order`] once per `Idempotency-Key`, the key record written in the order's own
/// transaction. Needs `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %delivery.channel), err)]
pub async fn take_order_once(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    delivery: &Delivery,
    request: Option<&IdempotentRequest>,
    render: impl FnOnce(Intake) -> Result<StoredResponse>,
) -> Result<Outcome> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let op = async |tx: &mut Tx| take_order_in(app, tx, actor, merchant, delivery, None).await;
    idempotency::run(app, actor, merchant, request, op, render).await
}

/// Takes in a channel's webhook delivery. No permission check: the caller has verified
/// the delivery's signature with the channel's secret, which is the sender's credential.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %delivery.channel), err)]
pub async fn receive_webhook(
    app: &App,
    merchant: MerchantId,
    delivery: &Delivery,
) -> Result<Intake> {
    let actor = Actor {
        merchant: Some(merchant),
        platform: false,
        ..Actor::system()
    };
    let mut tx = app.db.begin_write().await?;
    let who = Some(delivery.channel);
    let out = take_order_in(app, &mut tx, &actor, merchant, delivery, who).await?;
    tx.commit().await?;
    Ok(out)
}

/// Where a channel's webhooks go: its merchant, platform and webhook secret.
#[derive(Clone)]
pub struct WebhookTarget {
    /// The merchant that owns the channel.
    pub merchant: MerchantId,
    /// The channel's platform (must match the URL's kind).
    pub platform: ChannelPlatform,
    /// The plaintext secret; `None` when none is set (every delivery is then refused).
    pub secret: Option<String>,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("merchant", &self.merchant)
            .field("platform", &self.platform)
            .field("secret_set", &self.secret.is_some())
            .finish()
    }
}

/// The target of a webhook URL's channel id (`None`: no such channel). Internal: the
/// receiver is authenticated by the signature it checks with the secret returned here.
pub async fn webhook_target(app: &App, channel: ChannelId) -> Result<Option<WebhookTarget>> {
    let mut tx = app.db.begin_read().await?;
    let Some(merchant) = store::channel_owner(&mut tx, channel.as_uuid()).await? else {
        return Ok(None);
    };
    let merchant = MerchantId::from_uuid(merchant);
    let row = require_channel(&mut tx, merchant, channel).await?;
    drop(tx);
    let platform = ChannelPlatform::parse(&row.platform).map_err(corrupt)?;
    // Unsealed from the row just read, rather than through `channels::webhook_secret`,
    // which would read the channel again: this runs for every delivery.
    let secret = row
        .webhook_secret
        .map(|sealed| String::from_utf8(app.secrets.open(&sealed)?).map_err(Error::internal))
        .transpose()?;
    Ok(Some(WebhookTarget {
        merchant,
        platform,
        secret,
    }))
}

fn external_id(d: &Delivery) -> Option<String> {
    match &d.mapped {
        Ok(o) => Some(o.external_id.to_string()),
        Err(u) => u.external_id.as_ref().map(ToString::to_string),
    }
}

/// Intake inside the caller's transaction. `channel_actor` names the channel as the
/// timeline's actor for webhook deliveries.
pub(crate) async fn take_order_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    d: &Delivery,
    channel_actor: Option<ChannelId>,
) -> Result<Intake> {
    let channel = require_channel(tx, merchant, d.channel).await?;
    let who = timeline_actor(actor, channel_actor);
    let ext = external_id(d);
    if let Some(ext) = &ext
        && let Some(existing) = store::order_by_external_id(tx, merchant, channel.id, ext).await?
    {
        return super::actions::apply_channel_update(app, tx, actor, merchant, existing, d, &who)
            .await;
    }
    // The number comes last (below): the merchant's sequence row stays locked from then to
    // commit, so taking it first would serialise the merchant's whole intake behind it. The
    // placeholder is unique and never seen outside this transaction.
    let mut row = new_row(app, &channel, d, String::new())?;
    row.number = format!("~{}", row.id);
    if !store::insert_order(tx, merchant, &row).await? {
        // Lost a race with a concurrent delivery of the same order: answer with the order
        // that won (visible now that its transaction committed; nothing was written).
        let ext = ext.as_deref().unwrap_or_default();
        let winner = store::order_by_external_id(tx, merchant, channel.id, ext)
            .await?
            .ok_or_else(|| corrupt("an order conflicted on intake but cannot be found"))?;
        let order = detail_in(tx, merchant, winner).await?;
        return Ok(Intake {
            outcome: IntakeOutcome::Duplicate,
            order,
        });
    }
    let data =
        serde_json::json!({"source": d.source.code(), "topic": d.topic.code(), "external_id": ext});
    note(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::Received,
        &who,
        data,
    )
    .await?;
    process(app, tx, actor, merchant, &channel, &mut row, d, &who).await?;
    let change = Change {
        action: "order.create",
        entity_type: "order",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({
            "channel_id": row.channel_id, "external_id": row.external_id,
            "source": row.source, "status": row.status, "queue": row.queue,
        })),
    };
    audit::record(app, tx, actor, change).await?;
    // Last, and after every audit entry: the sequence row is locked from here to commit,
    // and taking locks in one order (audit chain, then sequence) keeps intakes from
    // deadlocking on PostgreSQL.
    let sequence = store::next_order_sequence(tx, merchant).await?;
    let settings = load_settings(tx, merchant).await?.check()?;
    let number = OrderNumber::new(&settings.prefix, u64::try_from(sequence).map_err(corrupt)?)
        .map_err(corrupt)?;
    row.number = number.to_string();
    store::set_order_number(tx, merchant, row.id, &row.number).await?;
    let order = detail_in(tx, merchant, row).await?;
    Ok(Intake {
        outcome: IntakeOutcome::Created,
        order,
    })
}

fn channel_currency(channel: &ChannelRow) -> Result<Currency> {
    Currency::parse(&channel.currency).map_err(corrupt)
}

/// The order's row before its data is applied: what every order has.
fn new_row(app: &App, channel: &ChannelRow, d: &Delivery, number: String) -> Result<OrderRow> {
    let now = time::to_db(app.now());
    Ok(OrderRow {
        id: app.ids.new_id(),
        channel_id: channel.id,
        number,
        external_id: external_id(d),
        external_number: None,
        source: d.source.code().to_owned(),
        status: OrderStatus::PendingReview.code().to_owned(),
        payment_status: PaymentStatus::Unpaid.code().to_owned(),
        fulfilment_status: FulfilmentStatus::Unfulfilled.code().to_owned(),
        queue: Some(WorkQueue::Review.code().to_owned()),
        hold_reasons: "[]".to_owned(),
        problems: "[]".to_owned(),
        risk_score: 0,
        backorder: false,
        customer_id: None,
        customer_email: None,
        customer_phone: None,
        customer_name: None,
        shipping_address: None,
        billing_address: None,
        currency: channel_currency(channel)?.to_string(),
        items_minor: 0,
        discounts_minor: 0,
        shipping_minor: 0,
        fees_minor: 0,
        tax_minor: 0,
        tax_included: false,
        total_minor: 0,
        cash_on_delivery: false,
        payment_gateways: "[]".to_owned(),
        channel_status: None,
        note: None,
        tags: "[]".to_owned(),
        payload: Some(d.payload.clone()),
        placed_at: now,
        received_at: now,
        ship_by: now,
        version: 0,
        created_at: now,
        updated_at: now,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

/// Copies the mapped order's head into the row.
fn apply_head(row: &mut OrderRow, o: &IncomingOrder, channel: &ChannelRow) -> Result<()> {
    let t = &o.totals;
    row.external_number = o.external_number.as_ref().map(ToString::to_string);
    row.payment_status = o.channel_state.payment.code().to_owned();
    row.channel_status = Some(o.channel_state.raw.clone());
    row.customer_email = o.customer.email.as_ref().map(ToString::to_string);
    row.customer_phone = o.customer.phone.as_ref().map(ToString::to_string);
    row.customer_name = o.customer.name.as_ref().map(ToString::to_string);
    row.shipping_address = o.shipping_address.as_ref().map(to_json).transpose()?;
    row.billing_address = o.billing_address.as_ref().map(to_json).transpose()?;
    row.currency = o.currency.to_string();
    row.items_minor = t.items().minor();
    row.discounts_minor = t.discounts().minor();
    row.shipping_minor = t.shipping().minor();
    row.fees_minor = t.fees().minor();
    row.tax_minor = t.tax().minor();
    row.tax_included = t.tax_included();
    row.total_minor = t.total().minor();
    row.cash_on_delivery = o.payment.cash_on_delivery;
    row.payment_gateways = to_json(&o.payment.gateways)?;
    row.note = o.note.as_ref().map(ToString::to_string);
    row.tags = to_json(&o.tags.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    row.placed_at = time::to_db(o.placed_at);
    let hours = ShipByHours::new(channel.ship_by_hours).map_err(corrupt)?;
    row.ship_by = time::to_db(hours.deadline(o.placed_at));
    Ok(())
}

const CONTACT_FIELDS: [&str; 7] = [
    "shipping_address",
    "billing_address",
    "note",
    "tags",
    "customer_email",
    "customer_phone",
    "customer_name",
];

/// The fields of [`CONTACT_FIELDS`], in that order.
fn contact_fields(row: &OrderRow) -> [Option<String>; 7] {
    [
        row.shipping_address.clone(),
        row.billing_address.clone(),
        row.note.clone(),
        Some(row.tags.clone()),
        row.customer_email.clone(),
        row.customer_phone.clone(),
        row.customer_name.clone(),
    ]
}

/// Applies what a channel update may change on an order it already sent: contact,
/// addresses, note and tags, until the order ships. Lines and totals are not changed by
/// the channel (order edits are staff's, so reserved stock never moves behind their back);
/// a difference is recorded on the timeline as not applied. Returns the timeline data.
pub(crate) fn apply_channel_changes(
    row: &mut OrderRow,
    o: &IncomingOrder,
    status: OrderStatus,
    topic: OrderTopic,
) -> Result<serde_json::Value> {
    let mut not_applied = Vec::new();
    if row.total_minor != o.totals.total().minor() || row.currency != o.currency.to_string() {
        not_applied.push("lines_and_totals");
    }
    let before = contact_fields(row);
    if status.cancel().is_ok() {
        row.customer_email = o.customer.email.as_ref().map(ToString::to_string);
        row.customer_phone = o.customer.phone.as_ref().map(ToString::to_string);
        row.customer_name = o.customer.name.as_ref().map(ToString::to_string);
        row.shipping_address = o.shipping_address.as_ref().map(to_json).transpose()?;
        row.billing_address = o.billing_address.as_ref().map(to_json).transpose()?;
        row.note = o.note.as_ref().map(ToString::to_string);
        row.tags = to_json(&o.tags.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    } else {
        // Shipped (or cancelled): the parcel's address is history now.
        not_applied.push("contact_and_addresses");
    }
    let after = contact_fields(row);
    let changed: Vec<&str> = CONTACT_FIELDS
        .iter()
        .zip(before.iter().zip(after.iter()))
        .filter(|(_, (b, a))| b != a)
        .map(|(name, _)| *name)
        .collect();
    Ok(serde_json::json!({"topic": topic.code(), "changed": changed, "not_applied": not_applied}))
}

/// Finds the customer by e-mail, else phone, or records a new one.
async fn match_customer(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    row: &OrderRow,
) -> Result<Option<uuid::Uuid>> {
    let (email, phone) = (row.customer_email.as_deref(), row.customer_phone.as_deref());
    if email.is_none() && phone.is_none() {
        return Ok(None);
    }
    if let Some(c) = store::find_customer(tx, merchant, email, phone).await? {
        return Ok(Some(c.id));
    }
    let now = time::to_db(app.now());
    let new = CustomerRow {
        id: app.ids.new_id(),
        email: email.map(str::to_owned),
        phone: phone.map(str::to_owned),
        name: row.customer_name.clone(),
        created_at: now,
        updated_at: now,
    };
    if store::insert_customer(tx, merchant, &new).await? {
        return Ok(Some(new.id));
    }
    // A concurrent intake created them first.
    Ok(store::find_customer(tx, merchant, email, phone)
        .await?
        .map(|c| c.id))
}

/// The lines of a mapped order, resolved to our SKUs; unknown items become problems.
async fn resolve_lines(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: uuid::Uuid,
    channel: ChannelId,
    o: &IncomingOrder,
) -> Result<(Vec<LineRow>, Vec<MappingProblem>)> {
    let now = time::to_db(app.now());
    let text =
        |e: &Option<omnihub_domain::channels::ExternalId>| e.as_ref().map(ToString::to_string);
    let mut lines = Vec::with_capacity(o.lines.len());
    let mut problems = Vec::new();
    for (i, l) in o.lines.iter().enumerate() {
        let resolved = resolve_item_in(tx, merchant, channel, &l.item).await?;
        if resolved.is_none() {
            let item = [&l.item.sku, &l.item.variant_id, &l.item.product_id]
                .into_iter()
                .find_map(&text)
                .unwrap_or_default();
            problems.push(MappingProblem::UnknownSku { line: i, item });
        }
        let matched = resolved.as_ref().map_or((None, None), |r| {
            (
                Some(r.sku_id.as_uuid()),
                r.listing_id.map(|id| id.as_uuid()),
            )
        });
        let position = i64::try_from(i).map_err(corrupt)?;
        lines.push(line_row(
            (app.ids.new_id(), order, position),
            l,
            matched,
            now,
        ));
    }
    Ok((lines, problems))
}

/// A mapping problem as stored with the order.
pub(crate) fn problem_of(p: &MappingProblem) -> Problem {
    let field = match p {
        MappingProblem::Missing { field }
        | MappingProblem::BadQuantity { field, .. }
        | MappingProblem::BadAmount { field, .. }
        | MappingProblem::BadValue { field, .. }
        | MappingProblem::LineWithoutItem { field } => Some(field.clone()),
        MappingProblem::UnknownSku { line, .. } => Some(format!("lines[{line}]")),
        _ => None,
    };
    Problem {
        code: p.code().to_owned(),
        field,
        message: p.to_string(),
    }
}

/// Sets status, reasons, problems and queue together, so the queue never disagrees.
pub(crate) fn set_state(
    row: &mut OrderRow,
    status: OrderStatus,
    reasons: &[HoldReason],
    problems: &[Problem],
) -> Result<()> {
    row.status = status.code().to_owned();
    row.hold_reasons = to_json(&reasons.iter().map(|r| r.code()).collect::<Vec<_>>())?;
    row.problems = to_json(&problems)?;
    row.queue = WorkQueue::for_order(status, reasons, row.backorder).map(|q| q.code().to_owned());
    Ok(())
}

/// Applies a delivery's data to a stored order (new, or an exception mapped again) and
/// takes it as far as it goes: exception, cancelled, held for review, or allocated.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn process(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    channel: &ChannelRow,
    row: &mut OrderRow,
    d: &Delivery,
    who: &str,
) -> Result<()> {
    let expected = row.version;
    let o = match &d.mapped {
        Ok(o) => o,
        Err(u) => {
            let problems: Vec<Problem> = u.problems.iter().map(problem_of).collect();
            set_state(
                row,
                OrderStatus::OnHold,
                &[HoldReason::Unmappable],
                &problems,
            )?;
            let data = serde_json::json!({"problems": problems});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ExceptionRaised,
                who,
                data,
            )
            .await?;
            return save(app, tx, merchant, row, expected).await;
        }
    };
    apply_head(row, o, channel)?;
    row.customer_id = match_customer(app, tx, merchant, row).await?;
    let channel_id = ChannelId::from_uuid(channel.id);
    let (lines, unknown) = resolve_lines(app, tx, merchant, row.id, channel_id, o).await?;
    store::delete_lines(tx, merchant, row.id).await?;
    for l in &lines {
        store::insert_line(tx, merchant, l).await?;
    }
    let mut reasons: Vec<HoldReason> = unknown.iter().map(MappingProblem::hold_reason).collect();
    reasons.dedup();
    if channel.status == ChannelStatus::Archived.code() {
        reasons.push(HoldReason::ChannelArchived);
    }
    if o.channel_state.cancelled || d.topic == OrderTopic::Cancelled {
        set_state(row, OrderStatus::Cancelled, &[], &[])?;
        note(
            app,
            tx,
            merchant,
            row.id,
            TimelineEvent::ChannelCancelled,
            who,
            serde_json::json!({}),
        )
        .await?;
        return save(app, tx, merchant, row, expected).await;
    }
    if !reasons.is_empty() {
        let problems: Vec<Problem> = unknown.iter().map(problem_of).collect();
        set_state(row, OrderStatus::OnHold, &reasons, &problems)?;
        let data = serde_json::json!({"reasons": reasons.iter().map(|r| r.code()).collect::<Vec<_>>(), "problems": problems});
        note(
            app,
            tx,
            merchant,
            row.id,
            TimelineEvent::ExceptionRaised,
            who,
            data,
        )
        .await?;
        return save(app, tx, merchant, row, expected).await;
    }
    review_and_route(app, tx, actor, merchant, row, o, who, expected).await
}

#[allow(clippy::too_many_arguments)]
async fn review_and_route(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    o: &IncomingOrder,
    who: &str,
    expected: i64,
) -> Result<()> {
    let settings = load_settings(tx, merchant).await?.check()?;
    let facts = OrderFacts::of_order(o);
    let outcome = review_in(
        tx,
        merchant,
        &settings.rules,
        &facts,
        row.customer_id,
        row.id,
    )
    .await?;
    match outcome {
        ReviewOutcome::Pass {
            risk_score,
            signals,
        } => {
            row.risk_score = i64::from(risk_score.get());
            set_state(row, OrderStatus::Confirmed, &[], &[])?;
            let data = serde_json::json!({"risk_score": row.risk_score, "signals": signals.iter().map(|s| s.code()).collect::<Vec<_>>()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ReviewPassed,
                who,
                data,
            )
            .await?;
            save(app, tx, merchant, row, expected).await?;
            allocate_in(app, tx, actor, merchant, row, who, None)
                .await
                .map(|_| ())
        }
        ReviewOutcome::Hold {
            reasons,
            risk_score,
            signals,
            duplicate_of,
        } => {
            row.risk_score = i64::from(risk_score.get());
            set_state(row, OrderStatus::OnHold, &reasons, &[])?;
            let data = serde_json::json!({
                "reasons": reasons.iter().map(|r| r.code()).collect::<Vec<_>>(),
                "risk_score": row.risk_score,
                "signals": signals.iter().map(|s| s.code()).collect::<Vec<_>>(),
                "duplicate_of": duplicate_of,
            });
            note(app, tx, merchant, row.id, TimelineEvent::Held, who, data).await?;
            save(app, tx, merchant, row, expected).await
        }
    }
}

/// The stored row of incoming line `l`: its `(id, order, position)`, the SKU and listing
/// it was `matched` to, and the channel's item ids as received.
pub(crate) fn line_row(
    (id, order, position): (uuid::Uuid, uuid::Uuid, i64),
    l: &IncomingLine,
    (sku_id, listing_id): (Option<uuid::Uuid>, Option<uuid::Uuid>),
    now: i64,
) -> LineRow {
    let text =
        |e: &Option<omnihub_domain::channels::ExternalId>| e.as_ref().map(ToString::to_string);
    LineRow {
        id,
        order_id: order,
        position,
        external_line_id: text(&l.external_line_id),
        sku_id,
        listing_id,
        item_sku: text(&l.item.sku),
        item_product_id: text(&l.item.product_id),
        item_variant_id: text(&l.item.variant_id),
        title: l.title.as_ref().map(ToString::to_string),
        quantity: l.quantity.get(),
        cancelled_quantity: 0,
        unit_price_minor: l.unit_price.minor(),
        subtotal_minor: l.subtotal.minor(),
        discount_minor: l.discount.minor(),
        tax_minor: l.tax.minor(),
        created_at: now,
        updated_at: now,
    }
}
