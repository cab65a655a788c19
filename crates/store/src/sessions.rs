//! Staff sign-in sessions, keyed by the SHA-256 of their opaque token.

use jiff::Timestamp;
use omnihub_domain::ids::UserId;

use crate::staff::StaffUserRow;
use crate::{StoreError, Tx, time, with_conn};

/// A new session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the token.
    pub token_hash: &'a [u8],
    /// Owner.
    pub user: UserId,
    /// Expires if unused until then.
    pub idle_expires_at: Timestamp,
    /// Expires at the latest then.
    pub absolute_expires_at: Timestamp,
    /// Client address at sign-in.
    pub client_address: Option<&'a str>,
    /// User agent at sign-in.
    pub user_agent: Option<&'a str>,
    /// `active`, or `mfa_pending` until the second factor is given.
    pub stage: &'a str,
    /// `api` or `console`.
    pub channel: &'a str,
}

/// Stores a new session.
pub async fn insert(
    tx: &mut Tx,
    session: &NewSession<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO staff_sessions (token_hash, user_id, created_at, last_seen_at, \
         idle_expires_at, absolute_expires_at, client_address, user_agent, stage, channel) \
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(session.token_hash)
        .bind(session.user.as_uuid())
        .bind(time::to_db(now))
        .bind(time::to_db(session.idle_expires_at))
        .bind(time::to_db(session.absolute_expires_at))
        .bind(session.client_address)
        .bind(session.user_agent)
        .bind(session.stage)
        .bind(session.channel)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "staff_sessions.token_hash"))
}

/// The user of a live session in `stage` (not revoked, not expired at `now`) and when the
/// session was last seen (microseconds), without changing anything: authentication reads
/// first and slides the expiry with [`touch`] only when the last sighting is old enough.
pub async fn live_user(
    tx: &mut Tx,
    token_hash: &[u8],
    stage: &str,
    now: Timestamp,
) -> Result<Option<(StaffUserRow, i64)>, StoreError> {
    const SESSION: &str = "SELECT user_id, last_seen_at FROM staff_sessions \
         WHERE token_hash = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2 \
         AND stage = $3";
    const USER: &str = "SELECT id, merchant_id, email, display_name, password_hash, is_platform_admin, \
         status, created_at, mfa_enabled_at FROM staff_users WHERE id = $1 AND status = 'active'";
    let found: Option<(uuid::Uuid, i64)> = with_conn!(tx, |c| sqlx::query_as(SESSION)
        .bind(token_hash)
        .bind(time::to_db(now))
        .bind(stage)
        .fetch_optional(c)
        .await)?;
    let Some((user_id, last_seen)) = found else {
        return Ok(None);
    };
    let user = with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(USER)
        .bind(user_id)
        .fetch_optional(c)
        .await)?;
    Ok(user.map(|u| (u, last_seen)))
}

/// The user of a live session in `stage` (not revoked, not expired at `now`), sliding its
/// idle expiry forward to `idle_expires_at` (never past the absolute expiry).
pub async fn touch(
    tx: &mut Tx,
    token_hash: &[u8],
    stage: &str,
    now: Timestamp,
    idle_expires_at: Timestamp,
) -> Result<Option<StaffUserRow>, StoreError> {
    const TOUCH: &str = "UPDATE staff_sessions SET last_seen_at = $2, \
         idle_expires_at = CASE WHEN $3 < absolute_expires_at THEN $3 ELSE absolute_expires_at END \
         WHERE token_hash = $1 AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2 \
         AND stage = $4 RETURNING user_id";
    const USER: &str = "SELECT id, merchant_id, email, display_name, password_hash, is_platform_admin, \
         status, created_at, mfa_enabled_at FROM staff_users WHERE id = $1 AND status = 'active'";
    let now = time::to_db(now);
    let user_id: Option<uuid::Uuid> = with_conn!(tx, |c| sqlx::query_scalar(TOUCH)
        .bind(token_hash)
        .bind(now)
        .bind(time::to_db(idle_expires_at))
        .bind(stage)
        .fetch_optional(c)
        .await)?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(USER)
        .bind(user_id)
        .fetch_optional(c)
        .await)?)
}

/// Revokes one session; true if it was live.
pub async fn revoke(tx: &mut Tx, token_hash: &[u8], now: Timestamp) -> Result<bool, StoreError> {
    const SQL: &str =
        "UPDATE staff_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(token_hash)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}

/// Promotes an `mfa_pending` session to `active` (after the second factor), with the
/// expiries of a full session.
pub async fn activate(
    tx: &mut Tx,
    token_hash: &[u8],
    idle_expires_at: Timestamp,
    absolute_expires_at: Timestamp,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE staff_sessions SET stage = 'active', idle_expires_at = $2, absolute_expires_at = $3 \
         WHERE token_hash = $1 AND stage = 'mfa_pending' AND revoked_at IS NULL";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(token_hash)
        .bind(time::to_db(idle_expires_at))
        .bind(time::to_db(absolute_expires_at))
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}

/// Revokes every live session of a user, except `keep` if given; returns how many.
pub async fn revoke_all(
    tx: &mut Tx,
    user: UserId,
    keep: Option<&[u8]>,
    now: Timestamp,
) -> Result<u64, StoreError> {
    const SQL: &str = "UPDATE staff_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
         AND ($3 IS NULL OR token_hash <> $3)";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(time::to_db(now))
        .bind(keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?)
}

/// A live session as listed to its owner.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 of the token (its id; the token itself is never stored).
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub absolute_expires_at: i64,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    pub channel: String,
}

/// A user's live sessions, newest first.
pub async fn list_live(
    tx: &mut Tx,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<SessionRow>, StoreError> {
    const SQL: &str = "SELECT token_hash, created_at, last_seen_at, absolute_expires_at, client_address, user_agent, channel \
         FROM staff_sessions WHERE user_id = $1 AND revoked_at IS NULL AND stage = 'active' \
         AND idle_expires_at > $2 AND absolute_expires_at > $2 ORDER BY created_at DESC";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, SessionRow>(SQL)
        .bind(user.as_uuid())
        .bind(time::to_db(now))
        .fetch_all(c)
        .await)?)
}
