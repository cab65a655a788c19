//! Merchant settings: one JSON document per (merchant, key).

use jiff::Timestamp;
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::settings::SettingKey;

use crate::{StoreError, Tx, time, with_conn};

/// A setting as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingRow {
    /// The key.
    pub key: String,
    /// The value, as JSON text.
    pub value: String,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Every setting of a merchant, by key.
pub async fn list(tx: &mut Tx, merchant: MerchantId) -> Result<Vec<SettingRow>, StoreError> {
    const SQL: &str =
        "SELECT key, value, updated_at FROM settings WHERE merchant_id = $1 ORDER BY key";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, SettingRow>(SQL)
        .bind(merchant.as_uuid())
        .fetch_all(c)
        .await)?)
}

/// One setting, if set.
pub async fn get(
    tx: &mut Tx,
    merchant: MerchantId,
    key: &SettingKey,
) -> Result<Option<SettingRow>, StoreError> {
    const SQL: &str =
        "SELECT key, value, updated_at FROM settings WHERE merchant_id = $1 AND key = $2";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, SettingRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(key.as_ref())
        .fetch_optional(c)
        .await)?)
}

/// Sets (inserts or replaces) a setting.
pub async fn put(
    tx: &mut Tx,
    merchant: MerchantId,
    key: &SettingKey,
    value: &serde_json::Value,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<SettingRow, StoreError> {
    // ON CONFLICT ... DO UPDATE is spelled the same on SQLite (3.24+) and PostgreSQL.
    const SQL: &str = "INSERT INTO settings (merchant_id, key, value, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (merchant_id, key) DO UPDATE SET value = excluded.value, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by \
         RETURNING key, value, updated_at";
    with_conn!(tx, |c| sqlx::query_as::<_, SettingRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(key.as_ref())
        .bind(value.to_string())
        .bind(time::to_db(now))
        .bind(by.map(|u| u.as_uuid()))
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "settings.merchant_id"))
}
