//! Stock locations: warehouses, stores and third-party warehouses with region, address,
//! priority and an active flag. Codes are unique per merchant (`locations.code`).

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A location as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LocationRow {
    /// Id.
    pub id: Uuid,
    /// Upper-cased code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `warehouse`, `store`, `third_party_warehouse`.
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Province code.
    pub province: Option<String>,
    /// City code.
    pub city: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Lower first.
    pub priority: i64,
    /// Inactive locations take no new stock or reservations.
    pub active: bool,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

macro_rules! location_columns {
    () => {
        "id, code, name, kind, country, province, city, address, priority, active, created_at, updated_at"
    };
}

/// Stores a new location; `Conflict { key: "locations.code" }` if the code is taken.
pub async fn insert_location(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &LocationRow,
) -> Result<LocationRow, StoreError> {
    const SQL: &str = concat!(
        "INSERT INTO locations (merchant_id, ",
        location_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
        location_columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, LocationRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.code)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.country)
        .bind(&row.province)
        .bind(&row.city)
        .bind(&row.address)
        .bind(row.priority)
        .bind(row.active)
        .bind(row.created_at)
        .bind(row.updated_at)
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "locations.code"))
}

/// Rewrites a location's fields (all but id and created_at); `None` if there is no such
/// location. `Conflict { key: "locations.code" }` if the new code is taken.
pub async fn update_location(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &LocationRow,
) -> Result<Option<LocationRow>, StoreError> {
    const SQL: &str = concat!(
        "UPDATE locations SET code = $3, name = $4, kind = $5, country = $6, province = $7, city = $8, ",
        "address = $9, priority = $10, active = $11, updated_at = $12 WHERE merchant_id = $1 AND id = $2 RETURNING ",
        location_columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, LocationRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.code)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.country)
        .bind(&row.province)
        .bind(&row.city)
        .bind(&row.address)
        .bind(row.priority)
        .bind(row.active)
        .bind(row.updated_at)
        .fetch_optional(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "locations.code"))
}

/// One location of the merchant.
pub async fn get_location(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<LocationRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        location_columns!(),
        " FROM locations WHERE merchant_id = $1 AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LocationRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Filters for the location list.
#[derive(Debug, Clone, Default)]
pub struct LocationFilter<'a> {
    /// Only this kind.
    pub kind: Option<&'a str>,
    /// Only active (true) or inactive (false) ones.
    pub active: Option<bool>,
    /// Only in this country.
    pub country: Option<&'a str>,
}

/// The merchant's locations by priority then code (a merchant has tens, not thousands).
pub async fn list_locations(
    tx: &mut Tx,
    merchant: MerchantId,
    filter: &LocationFilter<'_>,
) -> Result<Vec<LocationRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        location_columns!(),
        " FROM locations WHERE merchant_id = $1 AND ($2 IS NULL OR kind = $2) ",
        "AND ($3 IS NULL OR active = $3) AND ($4 IS NULL OR country = $4) ORDER BY priority, code"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LocationRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(filter.kind)
        .bind(filter.active)
        .bind(filter.country)
        .fetch_all(c)
        .await)?)
}
