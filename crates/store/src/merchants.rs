//! Merchants (tenants). The merchant row is the tenant itself, so its id is the key.

use jiff::Timestamp;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::NewMerchant;
use uuid::Uuid;

use crate::{StoreError, Tx, time, with_conn};

/// A merchant as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MerchantRow {
    /// Id.
    pub id: Uuid,
    /// Unique handle.
    pub code: String,
    /// Display name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// ISO 4217 default currency.
    pub currency: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Inserts a merchant. Fails with `Conflict { key: "merchants.code" }` if the code is taken.
pub async fn insert(
    tx: &mut Tx,
    id: MerchantId,
    merchant: &NewMerchant,
    now: Timestamp,
) -> Result<MerchantRow, StoreError> {
    const SQL: &str = "INSERT INTO merchants (id, code, name, time_zone, currency, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $6) \
         RETURNING id, code, name, time_zone, currency, status, created_at, updated_at";
    with_conn!(tx, |c| sqlx::query_as::<_, MerchantRow>(SQL)
        .bind(id.as_uuid())
        .bind(merchant.code.as_ref())
        .bind(merchant.name.as_ref())
        .bind(merchant.time_zone.as_ref())
        .bind(merchant.currency.as_ref())
        .bind(time::to_db(now))
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "merchants.code"))
}

/// One merchant by id.
pub async fn get(tx: &mut Tx, id: MerchantId) -> Result<MerchantRow, StoreError> {
    const SQL: &str = "SELECT id, code, name, time_zone, currency, status, created_at, updated_at \
         FROM merchants WHERE id = $1";
    with_conn!(tx, |c| sqlx::query_as::<_, MerchantRow>(SQL)
        .bind(id.as_uuid())
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "merchants.id"))
}

/// Merchants ordered by id (creation order), after `after` if given: one page.
pub async fn list(
    tx: &mut Tx,
    after: Option<MerchantId>,
    limit: u32,
) -> Result<Vec<MerchantRow>, StoreError> {
    const SQL: &str = "SELECT id, code, name, time_zone, currency, status, created_at, updated_at \
         FROM merchants WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2";
    let after = after.map(|id| id.as_uuid());
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, MerchantRow>(SQL)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// How many merchants exist.
pub async fn count(tx: &mut Tx) -> Result<i64, StoreError> {
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM merchants"
    )
    .fetch_one(c)
    .await)?)
}
