//! Access change requests awaiting, or having had, a second person's decision (IAM-4).
//!
//! A request belongs to the tenant of the access it changes: the merchant of the target
//! user or custom role, or none for platform staff. Functions take that tenant first;
//! only [`list_all`] and [`get_any`] cross tenants, for platform staff.

use jiff::Timestamp;
use omnihub_domain::access_requests::AccessRequestId;
use omnihub_domain::ids::{MerchantId, UserId};
use uuid::Uuid;

use crate::{StoreError, Tx, time, with_conn};

/// A request as stored, with the emails and role names it refers to (for display).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessRequestRow {
    pub id: Uuid,
    pub merchant_id: Option<Uuid>,
    /// `grant_role`, `revoke_role` or `set_role_permissions`.
    pub kind: String,
    pub target_user_id: Option<Uuid>,
    pub target_email: Option<String>,
    pub role_id: Option<Uuid>,
    pub role_code: Option<String>,
    pub role_name: Option<String>,
    /// For `set_role_permissions`: the full new list, as a JSON array of codes.
    pub permissions: Option<String>,
    pub reason: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub requested_by: Uuid,
    pub requester_email: String,
    pub requested_at: i64,
    pub decided_by: Option<Uuid>,
    pub decider_email: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

/// The query of [`AccessRequestRow`]s, for `concat!` with a `WHERE` clause.
macro_rules! select {
    () => {
        "SELECT ar.id, ar.merchant_id, ar.kind, ar.target_user_id, tu.email AS target_email, \
         ar.role_id, r.code AS role_code, r.name AS role_name, ar.permissions, ar.reason, ar.status, \
         ar.requested_by, rb.email AS requester_email, ar.requested_at, ar.decided_by, \
         db.email AS decider_email, ar.decided_at, ar.decision_note \
         FROM access_requests ar \
         JOIN staff_users rb ON rb.id = ar.requested_by \
         LEFT JOIN staff_users tu ON tu.id = ar.target_user_id \
         LEFT JOIN staff_users db ON db.id = ar.decided_by \
         LEFT JOIN roles r ON r.id = ar.role_id "
    };
}

/// A new request, already validated.
#[derive(Debug, Clone)]
pub struct NewAccessRequest<'a> {
    /// Id.
    pub id: AccessRequestId,
    /// Kind code.
    pub kind: &'a str,
    /// The user whose roles change.
    pub target_user: Option<UserId>,
    /// The role granted, revoked or changed.
    pub role: Option<Uuid>,
    /// The new permission list (JSON array) for `set_role_permissions`.
    pub permissions: Option<&'a str>,
    /// Why.
    pub reason: Option<&'a str>,
    /// Who asks.
    pub requested_by: UserId,
}

/// Stores a pending request in the tenant `merchant` (`None`: platform).
pub async fn insert(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    request: &NewAccessRequest<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO access_requests (id, merchant_id, kind, target_user_id, role_id, \
         permissions, reason, status, requested_by, requested_at) \
         VALUES ($2, $1, $3, $4, $5, $6, $7, 'pending', $8, $9)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(request.id.as_uuid())
        .bind(request.kind)
        .bind(request.target_user.map(|u| u.as_uuid()))
        .bind(request.role)
        .bind(request.permissions)
        .bind(request.reason)
        .bind(request.requested_by.as_uuid())
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "access_requests.references"))
}

/// One request of the tenant `merchant`.
pub async fn get(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: AccessRequestId,
) -> Result<Option<AccessRequestRow>, StoreError> {
    const SQL: &str = concat!(
        select!(),
        "WHERE ar.merchant_id IS NOT DISTINCT FROM $1 AND ar.id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AccessRequestRow>(
        SQL
    )
    .bind(merchant.map(|m| m.as_uuid()))
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?)
}

/// One request of any tenant (platform staff only).
pub async fn get_any(
    tx: &mut Tx,
    id: AccessRequestId,
) -> Result<Option<AccessRequestRow>, StoreError> {
    const SQL: &str = concat!(select!(), "WHERE ar.id = $1");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AccessRequestRow>(
        SQL
    )
    .bind(id.as_uuid())
    .fetch_optional(c)
    .await)?)
}

/// How a page of requests is ordered: pending work queues oldest first, history newest
/// first. The cursor is the last id of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest first.
    OldestFirst,
    /// Newest first.
    NewestFirst,
}

/// One page of a merchant's requests, optionally of one status.
pub async fn list(
    tx: &mut Tx,
    merchant: MerchantId,
    status: Option<&str>,
    after: Option<AccessRequestId>,
    order: Order,
    limit: u32,
) -> Result<Vec<AccessRequestRow>, StoreError> {
    const ASC: &str = concat!(
        select!(),
        "WHERE ar.merchant_id = $1 AND ($2 IS NULL OR ar.status = $2) AND ($3 IS NULL OR ar.id > $3) \
         ORDER BY ar.id LIMIT $4"
    );
    const DESC: &str = concat!(
        select!(),
        "WHERE ar.merchant_id = $1 AND ($2 IS NULL OR ar.status = $2) AND ($3 IS NULL OR ar.id < $3) \
         ORDER BY ar.id DESC LIMIT $4"
    );
    let sql = match order {
        Order::OldestFirst => ASC,
        Order::NewestFirst => DESC,
    };
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AccessRequestRow>(
        sql
    )
    .bind(merchant.as_uuid())
    .bind(status)
    .bind(after.map(|a| a.as_uuid()))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// One page of every tenant's requests (platform staff only), optionally of one status.
pub async fn list_all(
    tx: &mut Tx,
    status: Option<&str>,
    after: Option<AccessRequestId>,
    order: Order,
    limit: u32,
) -> Result<Vec<AccessRequestRow>, StoreError> {
    const ASC: &str = concat!(
        select!(),
        "WHERE ($1 IS NULL OR ar.status = $1) AND ($2 IS NULL OR ar.id > $2) ORDER BY ar.id LIMIT $3"
    );
    const DESC: &str = concat!(
        select!(),
        "WHERE ($1 IS NULL OR ar.status = $1) AND ($2 IS NULL OR ar.id < $2) ORDER BY ar.id DESC LIMIT $3"
    );
    let sql = match order {
        Order::OldestFirst => ASC,
        Order::NewestFirst => DESC,
    };
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AccessRequestRow>(
        sql
    )
    .bind(status)
    .bind(after.map(|a| a.as_uuid()))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct DecisionRecord<'a> {
    /// `approved` or `rejected`.
    pub status: &'a str,
    /// Who decided.
    pub decided_by: UserId,
    /// Their note.
    pub note: Option<&'a str>,
}

/// Records the decision on a pending request of the tenant `merchant`. False when the
/// request is no longer pending (a concurrent decision won), so it is decided only once.
pub async fn decide(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: AccessRequestId,
    decision: &DecisionRecord<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE access_requests SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6 \
         WHERE merchant_id IS NOT DISTINCT FROM $1 AND id = $2 AND status = 'pending'";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id.as_uuid())
        .bind(decision.status)
        .bind(decision.decided_by.as_uuid())
        .bind(time::to_db(now))
        .bind(decision.note)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}
