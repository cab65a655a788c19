//! Platform-wide state: small named values that belong to no merchant.

use crate::{StoreError, Tx, with_conn};

/// A value, if set.
pub async fn get(tx: &mut Tx, key: &str) -> Result<Option<String>, StoreError> {
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, String>(
        "SELECT value FROM platform_state WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(c)
    .await)?)
}

/// Sets a value.
pub async fn put(tx: &mut Tx, key: &str, value: &str, now: i64) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO platform_state (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(key)
        .bind(value)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Removes a value; true if it was set.
pub async fn delete(tx: &mut Tx, key: &str) -> Result<bool, StoreError> {
    Ok(with_conn!(tx, |c| sqlx::query(
        "DELETE FROM platform_state WHERE key = $1"
    )
    .bind(key)
    .execute(c)
    .await
    .map(|r| r.rows_affected() > 0))?)
}
