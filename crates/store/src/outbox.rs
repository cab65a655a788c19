//! The channel push-back outbox (issue 7, CH-3, docs/adr/0022): events written in the
//! same transaction as the change they report, claimed by the worker with a lease, and
//! marked delivered, pending again (with the next due time) or dead.
//!
//! A unique key `(merchant_id, kind, subject_id)` makes one committed change give exactly
//! one event. Claiming is one `UPDATE ... WHERE id IN (SELECT ... LIMIT n)`: PostgreSQL
//! adds `FOR UPDATE SKIP LOCKED` so concurrent workers take different events; SQLite has
//! one writer and `BEGIN IMMEDIATE`, so claims are serial there. A claim bumps `attempts`
//! and pushes `next_attempt_at` to the lease end: a worker that dies mid-delivery loses
//! the event only until the lease runs out, and a late result of a stale claim is ignored
//! (it names the old attempt number).
//!
//! Merchant-facing functions take the merchant first. The worker's [`claim_due`] and
//! [`record_attempt`] are platform-wide (one worker serves every merchant); the rows
//! they return carry their merchant.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{Backend, StoreError, Tx, with_conn};

const COLUMNS: &str = "id, merchant_id, channel_id, order_id, kind, subject_id, payload, status, \
     attempts, next_attempt_at, last_error, last_status, created_at, updated_at, delivered_at";

/// An outbox event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Id (sent as `X-Omnihub-Event-Id`).
    pub id: Uuid,
    /// Owner.
    pub merchant_id: Uuid,
    /// The channel told.
    pub channel_id: Uuid,
    /// The order concerned.
    pub order_id: Uuid,
    /// `fulfilment`, `tracking` or `cancellation`.
    pub kind: String,
    /// The shipment, tracking event, order or order line that changed.
    pub subject_id: Uuid,
    /// The platform request as JSON text (`{"method", "path", "body"}`).
    pub payload: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts started.
    pub attempts: i64,
    /// Due (or lease end), microseconds since the epoch.
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
    /// When the channel accepted it.
    pub delivered_at: Option<i64>,
}

/// Stores a new pending event; `false` (and nothing written) when the change it reports
/// already has one.
pub async fn insert_event(
    tx: &mut Tx,
    merchant: MerchantId,
    e: &OutboxRow,
) -> Result<bool, StoreError> {
    const SQL: &str = "INSERT INTO outbox_events (merchant_id, id, channel_id, order_id, kind, \
         subject_id, payload, status, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $9, $9) \
         ON CONFLICT (merchant_id, kind, subject_id) DO NOTHING";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(e.id)
        .bind(e.channel_id)
        .bind(e.order_id)
        .bind(&e.kind)
        .bind(e.subject_id)
        .bind(&e.payload)
        .bind(e.next_attempt_at)
        .bind(e.created_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from_sqlx(e, "outbox_events.subject"))?;
    Ok(n == 1)
}

/// One event of the merchant.
pub async fn get_event(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<OutboxRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox_events WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OutboxRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// Filters of the event list.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxFilter<'a> {
    /// Only this status.
    pub status: Option<&'a str>,
    /// Only this channel.
    pub channel: Option<Uuid>,
    /// Only this order.
    pub order: Option<Uuid>,
}

/// A page of the merchant's events, newest first, after the cursor id `before`.
pub async fn list_events(
    tx: &mut Tx,
    merchant: MerchantId,
    f: &OutboxFilter<'_>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<OutboxRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox_events WHERE merchant_id = $1 \
         AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR channel_id = $3) \
         AND ($4 IS NULL OR order_id = $4) AND ($5 IS NULL OR id < $5) ORDER BY id DESC LIMIT $6"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OutboxRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(f.status)
    .bind(f.channel)
    .bind(f.order)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Claims up to `limit` pending events due at `now` (oldest due first), across
/// merchants: each gets `attempts + 1` and is hidden from other claims until
/// `lease_until`. Returns them as claimed.
pub async fn claim_due(
    tx: &mut Tx,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> Result<Vec<OutboxRow>, StoreError> {
    // The one dialect branch: SKIP LOCKED lets concurrent PostgreSQL workers pass over
    // rows another claim holds; SQLite's single writer already serialises claims.
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox_events SET attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
         WHERE id IN (SELECT id FROM outbox_events WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $3{lock}) RETURNING {COLUMNS}"
    );
    let mut rows = with_conn!(tx, |c| sqlx::query_as::<_, OutboxRow>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(now)
    .bind(lease_until)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?;
    rows.sort_by_key(|r| (r.created_at, r.id));
    Ok(rows)
}

/// The result of one delivery attempt, to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord<'a> {
    /// The event.
    pub id: Uuid,
    /// The attempt number the claim gave it (a stale claim's result is ignored).
    pub attempt: i64,
    /// `pending`, `delivered` or `dead`.
    pub status: &'a str,
    /// When to try again (pending only; otherwise kept as is).
    pub next_attempt_at: i64,
    /// Why it failed.
    pub last_error: Option<&'a str>,
    /// The response status.
    pub last_status: Option<i64>,
    /// Now.
    pub now: i64,
}

/// Stores an attempt's result; `false` when the claim was stale (the event was claimed
/// again after its lease ran out, or is no longer pending).
pub async fn record_attempt(tx: &mut Tx, r: &AttemptRecord<'_>) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE outbox_events SET status = $3, next_attempt_at = $4, last_error = $5, \
         last_status = $6, updated_at = $7, \
         delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END \
         WHERE id = $1 AND attempts = $2 AND status = 'pending'";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(r.id)
        .bind(r.attempt)
        .bind(r.status)
        .bind(r.next_attempt_at)
        .bind(r.last_error)
        .bind(r.last_status)
        .bind(r.now)
        .execute(c)
        .await
        .map(|x| x.rows_affected()))?;
    Ok(n == 1)
}

/// Puts a dead event back in the queue, due now, with a fresh set of attempts; `false`
/// when it is not dead.
pub async fn revive_event(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE outbox_events SET status = 'pending', attempts = 0, \
         next_attempt_at = $3, updated_at = $3 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'dead'";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|x| x.rows_affected()))?;
    Ok(n == 1)
}

/// `omnihub check` `outbox.events`: events whose subject is not what their kind says
/// (a fulfilment event without its shipment on the same order; a cancellation event
/// without a cancelled order or line), events for another channel than their order's,
/// and shipments of pushing channels with no fulfilment event. The last is checked only
/// where it is sure: the channel has not changed since the shipment and already had an
/// event by then (so shipments from before the outbox existed are not reported).
pub async fn event_problems(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    const WRONG: &str = "SELECT e.merchant_id, e.id, e.kind FROM outbox_events e \
         WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.merchant_id = e.merchant_id \
             AND o.id = e.order_id AND o.channel_id = e.channel_id) \
         OR (e.kind = 'fulfilment' AND NOT EXISTS (SELECT 1 FROM shipments s \
             WHERE s.merchant_id = e.merchant_id AND s.id = e.subject_id AND s.order_id = e.order_id)) \
         OR (e.kind = 'cancellation' AND NOT EXISTS (SELECT 1 FROM orders o \
             WHERE o.merchant_id = e.merchant_id AND o.id = e.subject_id AND o.status = 'cancelled') \
             AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.merchant_id = e.merchant_id \
             AND l.id = e.subject_id AND l.order_id = e.order_id AND l.cancelled_quantity > 0))";
    const MISSING: &str = "SELECT s.merchant_id, s.id FROM shipments s \
         JOIN orders o ON o.merchant_id = s.merchant_id AND o.id = s.order_id \
         JOIN channels c ON c.merchant_id = o.merchant_id AND c.id = o.channel_id \
         WHERE c.platform IN ('shopify', 'woocommerce', 'api') AND c.base_url IS NOT NULL \
         AND c.base_url <> '' AND s.created_at > c.updated_at \
         AND EXISTS (SELECT 1 FROM outbox_events f WHERE f.merchant_id = c.merchant_id \
             AND f.channel_id = c.id AND f.created_at < s.created_at) \
         AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.merchant_id = s.merchant_id \
             AND e.kind = 'fulfilment' AND e.subject_id = s.id)";
    let wrong: Vec<(Uuid, Uuid, String)> =
        with_conn!(tx, |c| sqlx::query_as(WRONG).fetch_all(c).await)?;
    let mut problems: Vec<String> = wrong
        .into_iter()
        .map(|(m, id, kind)| {
            format!("merchant {m} outbox event {id}: the {kind} it reports is not on its order")
        })
        .collect();
    let missing: Vec<(Uuid, Uuid)> =
        with_conn!(tx, |c| sqlx::query_as(MISSING).fetch_all(c).await)?;
    problems.extend(missing.into_iter().map(|(m, s)| {
        format!("merchant {m} shipment {s}: its channel pushes but it has no fulfilment event")
    }));
    Ok(problems)
}
