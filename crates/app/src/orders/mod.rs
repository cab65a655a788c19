//! Order use cases (issue 6, ORD-1..5, ORD-7): intake from every channel ([`intake`]),
//! review ([`review`]), allocation to locations ([`allocation`]), staff actions on held,
//! excepted and allocated orders ([`actions`]), and the read side here: orders, their
//! lines, allocations and timeline, and the work queues (docs/adr/0017).
//!
//! Reading needs `orders.read`; every change needs `orders.manage`, appends to the
//! order's timeline and is audited. Intake through a channel webhook is authenticated by
//! the channel's signature instead (the server checks it before calling [`intake`]).

pub mod actions;
pub mod allocation;
pub mod bulk_import;
pub mod edits;
pub mod import;
pub mod intake;
pub mod review;
mod rows;

pub use actions::*;
pub use allocation::*;
pub use edits::*;
pub use import::*;
pub use intake::*;
pub use review::*;
pub use rows::{Allocation, Order, OrderLine, Problem, TimelineEntry};

use omnihub_domain::access::Permission;
use omnihub_domain::channels::ChannelId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::{OrderId, OrderStatus, TimelineEvent, WorkQueue};
use omnihub_store::orders::{self as store, OrderFilter, OrderRow, TimelineRow};
use omnihub_store::{Tx, time};

use crate::error::{Error, Result, Validator};
use crate::inventory::{Page, id_cursor, page_limit, paged};
use crate::{Actor, App, Principal};

/// An order with everything its detail page shows.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    /// The order.
    pub order: Order,
    /// Its lines by position.
    pub lines: Vec<OrderLine>,
    /// Stock allocated to its lines, oldest first (released ones too).
    pub allocations: Vec<Allocation>,
    /// Everything that happened to it, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

pub(crate) async fn require_order(
    tx: &mut Tx,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderRow> {
    store::get_order(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "order" })
}

/// The order, locked until the write transaction ends: write paths use this instead of
/// [`require_order`] so the order row is always the first lock they take (ADR 0017).
pub(crate) async fn lock_order(tx: &mut Tx, merchant: MerchantId, id: OrderId) -> Result<OrderRow> {
    store::lock_order(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "order" })
}

pub(crate) async fn detail_in(
    tx: &mut Tx,
    merchant: MerchantId,
    row: OrderRow,
) -> Result<OrderDetail> {
    let lines = store::lines_of(tx, merchant, row.id).await?;
    let allocations = store::allocations_of(tx, merchant, row.id, None).await?;
    let timeline = store::timeline_of(tx, merchant, row.id).await?;
    Ok(OrderDetail {
        order: Order::try_from(&row)?,
        lines: lines
            .iter()
            .map(OrderLine::try_from)
            .collect::<Result<_>>()?,
        allocations: allocations
            .iter()
            .map(Allocation::try_from)
            .collect::<Result<_>>()?,
        timeline: timeline
            .iter()
            .map(TimelineEntry::try_from)
            .collect::<Result<_>>()?,
    })
}

/// One order with its lines, allocations and timeline. Needs `orders.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn get_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderDetail> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_order(&mut tx, merchant, id).await?;
    detail_in(&mut tx, merchant, row).await
}

/// Filters of the order list; text as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// Status code.
    pub status: Option<String>,
    /// Work queue code (`review`, `exception`, `allocate`).
    pub queue: Option<String>,
    /// Channel.
    pub channel: Option<ChannelId>,
    /// Received at or after (RFC 3339).
    pub from: Option<String>,
    /// Received before (RFC 3339).
    pub to: Option<String>,
    /// Number, external id, or part of the customer's e-mail, phone or name.
    pub q: Option<String>,
    /// Fulfilment stage (`to_pick`, `to_ship`, `late`; see [`crate::dashboard`]).
    pub stage: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

fn instant(v: &mut Validator, field: &str, raw: Option<&str>) -> Option<i64> {
    raw.filter(|s| !s.trim().is_empty()).and_then(|s| {
        v.check(field, "invalid", s.trim().parse::<jiff::Timestamp>())
            .map(time::to_db)
    })
}

/// A page of orders, first in first out (the work queues' order). Needs `orders.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_orders(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: OrderQuery,
) -> Result<Page<Order>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut v = Validator::default();
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.check("status", "invalid", OrderStatus::parse(s)));
    let queue = q
        .queue
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.check("queue", "invalid", WorkQueue::parse(s)));
    let from = instant(&mut v, "from", q.from.as_deref());
    let to = instant(&mut v, "to", q.to.as_deref());
    let stage = q
        .stage
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| v.check("stage", "invalid", crate::dashboard::parse_stage(s)));
    v.finish()?;
    let text =
        q.q.as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
    let filter = OrderFilter {
        status: status.map(OrderStatus::code),
        queue: queue.map(WorkQueue::code),
        channel: q.channel.map(|c| c.as_uuid()),
        from,
        to,
        q: text.as_deref(),
        stage: stage.map(|s| (s, time::to_db(app.now()))),
    };
    let after = id_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit);
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_orders(&mut tx, merchant, &filter, after, limit + 1).await?;
    let items = rows
        .iter()
        .map(Order::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |o| o.id.to_string()))
}

/// How many orders wait in each work queue. Needs `orders.read`.
pub async fn queue_counts(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
) -> Result<Vec<(WorkQueue, i64)>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::queue_counts(&mut tx, merchant).await?;
    Ok(WorkQueue::ALL
        .iter()
        .map(|q| {
            let n = rows
                .iter()
                .find(|(c, _)| c == q.code())
                .map_or(0, |(_, n)| *n);
            (*q, n)
        })
        .collect())
}

/// Who a timeline entry names: the channel for webhook deliveries, else the principal.
pub(crate) fn timeline_actor(actor: &Actor, channel: Option<ChannelId>) -> String {
    if let Some(c) = channel {
        return format!("channel:{c}");
    }
    match &actor.principal {
        Principal::System => "system".to_owned(),
        Principal::User { id, .. } => format!("user:{id}"),
        Principal::ApiKey { id, .. } => format!("api_key:{id}"),
    }
}

/// Appends one timeline entry.
pub(crate) async fn note(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: uuid::Uuid,
    event: TimelineEvent,
    who: &str,
    data: serde_json::Value,
) -> Result<()> {
    let row = TimelineRow {
        id: app.ids.new_id(),
        order_id: order,
        event: event.code().to_owned(),
        actor: who.to_owned(),
        data: data.to_string(),
        at: time::to_db(app.now()),
    };
    store::append_timeline(tx, merchant, &row).await?;
    Ok(())
}

/// Writes `row` back if nobody changed the order since `expected`; the version and
/// `updated_at` are bumped here. A lost race is a conflict the client may retry.
pub(crate) async fn save(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    row: &mut OrderRow,
    expected: i64,
) -> Result<()> {
    row.version = expected + 1;
    row.updated_at = time::to_db(app.now());
    if store::update_order(tx, merchant, row, expected).await? {
        Ok(())
    } else {
        Err(Error::Conflict {
            code: "order-changed",
            message: "the order was changed by someone else; reload and retry".to_owned(),
        })
    }
}
