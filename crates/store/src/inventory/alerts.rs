//! Alert thresholds per SKU and location, the alerts raised and cleared as stock changes,
//! and the `events` table: domain events written in the same transaction as the change
//! that caused them (a transactional outbox for the webhook relay).

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// The thresholds of one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertRuleRow {
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Low-stock threshold.
    pub low_stock: Option<i64>,
    /// Reorder point.
    pub reorder_point: Option<i64>,
    /// Overstock threshold.
    pub overstock: Option<i64>,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Sets (inserts or replaces) the thresholds of a SKU at a location.
pub async fn put_alert_rule(
    tx: &mut Tx,
    merchant: MerchantId,
    r: &AlertRuleRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO stock_alert_rules (merchant_id, sku_id, location_id, low_stock, reorder_point, \
         overstock, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (merchant_id, sku_id, location_id) DO UPDATE SET low_stock = excluded.low_stock, \
         reorder_point = excluded.reorder_point, overstock = excluded.overstock, updated_at = excluded.updated_at";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(r.sku_id)
        .bind(r.location_id)
        .bind(r.low_stock)
        .bind(r.reorder_point)
        .bind(r.overstock)
        .bind(r.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "stock_alert_rules.sku_location"))
}

/// The thresholds of a SKU at a location, if any were set.
pub async fn get_alert_rule(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
) -> Result<Option<AlertRuleRow>, StoreError> {
    const SQL: &str = "SELECT sku_id, location_id, low_stock, reorder_point, overstock, updated_at \
         FROM stock_alert_rules WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AlertRuleRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .bind(location)
        .fetch_optional(c)
        .await)?)
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertRow {
    /// Id.
    pub id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// `low_stock`, `out_of_stock`, `overstock`.
    pub kind: String,
    /// `active` or `cleared`.
    pub status: String,
    /// On hand when raised.
    pub on_hand: i64,
    /// Available when raised.
    pub available: i64,
    /// Microseconds since the epoch.
    pub raised_at: i64,
    /// When cleared.
    pub cleared_at: Option<i64>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
    /// Their label.
    pub acknowledged_label: Option<String>,
    /// When acknowledged.
    pub acknowledged_at: Option<i64>,
}

const ALERT_COLUMNS: &str = "id, sku_id, location_id, kind, status, on_hand, available, raised_at, cleared_at, \
     acknowledged_by, acknowledged_label, acknowledged_at";

/// Stores a raised alert.
pub async fn insert_alert(
    tx: &mut Tx,
    merchant: MerchantId,
    a: &AlertRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO stock_alerts (merchant_id, {ALERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(a.id)
        .bind(a.sku_id)
        .bind(a.location_id)
        .bind(&a.kind)
        .bind(&a.status)
        .bind(a.on_hand)
        .bind(a.available)
        .bind(a.raised_at)
        .bind(a.cleared_at)
        .bind(a.acknowledged_by)
        .bind(&a.acknowledged_label)
        .bind(a.acknowledged_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The active alerts of one level.
pub async fn active_alerts(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
) -> Result<Vec<AlertRow>, StoreError> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM stock_alerts WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3 \
         AND status = 'active' ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AlertRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(sku)
    .bind(location)
    .fetch_all(c)
    .await)?)
}

/// Clears an active alert.
pub async fn clear_alert(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE stock_alerts SET status = 'cleared', cleared_at = $3 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'active'";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Filters and paging for the alert list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter<'a> {
    /// `active` or `cleared`.
    pub status: Option<&'a str>,
    /// Alert kind code.
    pub kind: Option<&'a str>,
    /// Only this SKU.
    pub sku: Option<Uuid>,
    /// Only this location.
    pub location: Option<Uuid>,
    /// Only unacknowledged (true) or acknowledged (false) alerts.
    pub unacknowledged: Option<bool>,
    /// Ids below this (newest first).
    pub before: Option<Uuid>,
    /// Rows to return.
    pub limit: u32,
}

/// Alerts newest first.
pub async fn list_alerts(
    tx: &mut Tx,
    merchant: MerchantId,
    f: &AlertFilter<'_>,
) -> Result<Vec<AlertRow>, StoreError> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM stock_alerts WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR sku_id = $4) AND ($5 IS NULL OR location_id = $5) \
         AND ($6 IS NULL OR (acknowledged_at IS NULL) = $6) AND ($7 IS NULL OR id < $7) \
         ORDER BY id DESC LIMIT $8"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AlertRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(f.status)
    .bind(f.kind)
    .bind(f.sku)
    .bind(f.location)
    .bind(f.unacknowledged)
    .bind(f.before)
    .bind(i64::from(f.limit))
    .fetch_all(c)
    .await)?)
}

/// Acknowledges an alert (once; later calls keep the first acknowledgement).
pub async fn acknowledge_alert(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    by: Option<Uuid>,
    label: &str,
    now: i64,
) -> Result<Option<AlertRow>, StoreError> {
    let sql = format!(
        "UPDATE stock_alerts SET acknowledged_by = COALESCE(acknowledged_by, $3), \
         acknowledged_label = COALESCE(acknowledged_label, $4), acknowledged_at = COALESCE(acknowledged_at, $5) \
         WHERE merchant_id = $1 AND id = $2 RETURNING {ALERT_COLUMNS}"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AlertRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .bind(by)
    .bind(label)
    .bind(now)
    .fetch_optional(c)
    .await)?)
}

/// A domain event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// Id (UUIDv7: the relay reads in id order).
    pub id: Uuid,
    /// Kind, e.g. `inventory.alert.raised`.
    pub kind: String,
    /// JSON text.
    pub payload: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// Appends a domain event.
pub async fn insert_event(
    tx: &mut Tx,
    merchant: MerchantId,
    e: &EventRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO events (id, merchant_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(e.id)
        .bind(merchant.as_uuid())
        .bind(&e.kind)
        .bind(&e.payload)
        .bind(e.created_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Events after `after` (exclusive) in id order, optionally of one kind.
pub async fn list_events(
    tx: &mut Tx,
    merchant: MerchantId,
    kind: Option<&str>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<EventRow>, StoreError> {
    const SQL: &str = "SELECT id, kind, payload, created_at FROM events WHERE merchant_id = $1 \
         AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, EventRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(kind)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}
