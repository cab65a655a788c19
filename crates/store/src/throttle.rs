//! Sign-in throttling counters, kept in the database so every server instance enforces the
//! same limits.

use crate::{StoreError, Tx, with_conn};

/// A counter's state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    /// `account:<email>` or `client:<address>`.
    pub key: String,
    /// Failures in the current window.
    pub failures: i64,
    /// When the window started (µs).
    pub window_started_at: i64,
    /// How many lockouts so far (drives the back-off).
    pub lockouts: i64,
    /// Locked until then (µs), if locked.
    pub locked_until: Option<i64>,
}

/// The counter for `key`, if any.
pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<ThrottleRow>, StoreError> {
    const SQL: &str = "SELECT key, failures, window_started_at, lockouts, locked_until FROM login_throttle WHERE key = $1";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ThrottleRow>(SQL)
        .bind(key)
        .fetch_optional(c)
        .await)?)
}

/// Stores a counter's new state.
pub async fn put(tx: &mut Tx, row: &ThrottleRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO login_throttle (key, failures, window_started_at, lockouts, locked_until) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         window_started_at = excluded.window_started_at, lockouts = excluded.lockouts, locked_until = excluded.locked_until";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(&row.key)
        .bind(row.failures)
        .bind(row.window_started_at)
        .bind(row.lockouts)
        .bind(row.locked_until)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Forgets a counter (after a successful sign-in).
pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), StoreError> {
    with_conn!(tx, |c| sqlx::query(
        "DELETE FROM login_throttle WHERE key = $1"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}
