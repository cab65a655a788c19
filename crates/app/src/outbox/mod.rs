//! The channel push-back outbox (issue 7, CH-3, docs/adr/0022): fulfilment, tracking and
//! cancellation updates queued for the order's channel in the same transaction as the
//! change ([`enqueue`]), delivered by the worker in `omnihub-jobs` ([`relay`]), and
//! looked at and retried by staff (this module).
//!
//! Reading events needs `channels.read`; retrying a dead one `channels.manage` and is
//! audited. Another merchant's event is not found.

pub mod enqueue;
pub mod relay;

pub use enqueue::*;
pub use relay::*;

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::channels::ChannelId;
use omnihub_domain::channels::push::{PushKind, PushRequest, PushStatus};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::OrderId;
use omnihub_store::outbox::{self as store, OutboxFilter, OutboxRow};
use omnihub_store::{Tx, time};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::inventory::{Page, conflict, corrupt, id_cursor, page_limit, paged};
use crate::{Actor, App};

/// An outbox event as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Id (the receiver's dedup key, `X-Omnihub-Event-Id`).
    pub id: Uuid,
    /// The channel told.
    pub channel_id: ChannelId,
    /// The order concerned.
    pub order_id: OrderId,
    /// What it reports.
    pub kind: PushKind,
    /// The shipment, tracking event, order or line that changed.
    pub subject_id: Uuid,
    /// Where it is.
    pub status: PushStatus,
    /// Attempts started (since the last staff retry).
    pub attempts: i64,
    /// When it is next due (pending only).
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// The request sent to the channel.
    pub request: PushRequest,
    /// Queued.
    pub created_at: Timestamp,
    /// Accepted by the channel.
    pub delivered_at: Option<Timestamp>,
}

impl TryFrom<&OutboxRow> for OutboxEvent {
    type Error = Error;
    fn try_from(r: &OutboxRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            channel_id: ChannelId::from_uuid(r.channel_id),
            order_id: OrderId::from_uuid(r.order_id),
            kind: PushKind::parse(&r.kind).map_err(corrupt)?,
            subject_id: r.subject_id,
            status: PushStatus::parse(&r.status).map_err(corrupt)?,
            attempts: r.attempts,
            next_attempt_at: time::from_db(r.next_attempt_at)?,
            last_error: r.last_error.clone(),
            last_status: r.last_status,
            request: serde_json::from_str(&r.payload).map_err(corrupt)?,
            created_at: time::from_db(r.created_at)?,
            delivered_at: r.delivered_at.map(time::from_db).transpose()?,
        })
    }
}

/// Filters and paging for the event list.
#[derive(Debug, Clone, Default)]
pub struct OutboxQuery {
    /// Only this status code.
    pub status: Option<String>,
    /// Only this channel.
    pub channel_id: Option<ChannelId>,
    /// Only this order.
    pub order_id: Option<OrderId>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// A page of the merchant's outbox events, newest first. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_events(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: OutboxQuery,
) -> Result<Page<OutboxEvent>> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut v = Validator::default();
    let status = q
        .status
        .as_deref()
        .and_then(|s| v.check("status", "invalid", PushStatus::parse(s)));
    v.finish()?;
    let before = id_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit);
    let filter = OutboxFilter {
        status: status.map(PushStatus::code),
        channel: q.channel_id.map(|c| c.as_uuid()),
        order: q.order_id.map(|o| o.as_uuid()),
    };
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_events(&mut tx, merchant, &filter, before, limit + 1).await?;
    let items = rows
        .iter()
        .map(OutboxEvent::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |e| e.id.to_string()))
}

async fn require_event(tx: &mut Tx, merchant: MerchantId, id: Uuid) -> Result<OutboxRow> {
    store::get_event(tx, merchant, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "outbox event",
        })
}

/// One event. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, event_id = %id), err)]
pub async fn get_event(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
) -> Result<OutboxEvent> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut tx = app.db.begin_read().await?;
    OutboxEvent::try_from(&require_event(&mut tx, merchant, id).await?)
}

/// Puts a dead event back in the queue, due now, with a fresh set of attempts. `409
/// outbox-not-dead` for an event that is pending or delivered. Needs `channels.manage`;
/// audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, event_id = %id), err)]
pub async fn retry_event(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
) -> Result<OutboxEvent> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let before = require_event(&mut tx, merchant, id).await?;
    if !store::revive_event(&mut tx, merchant, id, time::to_db(app.now())).await? {
        return Err(conflict(
            "outbox-not-dead",
            format!(
                "the event is {}; only a dead event is retried",
                before.status
            ),
        ));
    }
    let after = OutboxEvent::try_from(&require_event(&mut tx, merchant, id).await?)?;
    let change = Change {
        action: "outbox.retry",
        entity_type: "outbox_event",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(
            serde_json::json!({"status": before.status, "attempts": before.attempts,
            "last_error": before.last_error}),
        ),
        after: Some(serde_json::json!({"status": after.status, "attempts": after.attempts})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}
