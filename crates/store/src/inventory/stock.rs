//! Stock levels and the movement ledger. [`apply_movement`] is the only function that
//! changes `on_hand`, and it writes the ledger row in the same transaction; [`reserve`]
//! and [`unreserve`] change `reserved` with single conditional statements.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// One stock level as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LevelRow {
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Physically on hand.
    pub on_hand: i64,
    /// Held for open reservations.
    pub reserved: i64,
    /// In transit towards this location.
    pub incoming: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const LEVEL_COLUMNS: &str = "sku_id, location_id, on_hand, reserved, incoming, updated_at";

/// Makes sure the level row exists (all zero) so conditional updates have a row to hit.
pub async fn ensure_level(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO stock_levels (merchant_id, sku_id, location_id, on_hand, reserved, incoming, updated_at) \
         VALUES ($1, $2, $3, 0, 0, 0, $4) ON CONFLICT (merchant_id, sku_id, location_id) DO NOTHING";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .bind(location)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "stock_levels.sku_location"))
}

/// One level; `None` if nothing was ever booked there.
pub async fn get_level(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
) -> Result<Option<LevelRow>, StoreError> {
    let sql = format!(
        "SELECT {LEVEL_COLUMNS} FROM stock_levels WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LevelRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(sku)
    .bind(location)
    .fetch_optional(c)
    .await)?)
}

/// The levels at one location.
pub async fn levels_at(
    tx: &mut Tx,
    merchant: MerchantId,
    location: Uuid,
) -> Result<Vec<LevelRow>, StoreError> {
    let sql = format!(
        "SELECT {LEVEL_COLUMNS} FROM stock_levels WHERE merchant_id = $1 AND location_id = $2 ORDER BY sku_id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LevelRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(location)
    .fetch_all(c)
    .await)?)
}

/// A ledger entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMovement {
    /// Id.
    pub id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Ledger reason code.
    pub reason: &'static str,
    /// Signed change of on_hand.
    pub quantity: i64,
    /// What caused it.
    pub reference: String,
    /// `user`, `api_key` or `system`.
    pub actor_type: &'static str,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// Free text.
    pub note: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// Books a movement: changes on_hand by `quantity` (and, for a shipment that consumes a
/// reservation, reserved by `-consumed`) and appends the ledger row. A decrease that would
/// leave less than nothing available is refused (`Ok(None)`, nothing written) unless the
/// SKU allows backorders.
pub async fn apply_movement(
    tx: &mut Tx,
    merchant: MerchantId,
    mv: &NewMovement,
    consumed: i64,
) -> Result<Option<LevelRow>, StoreError> {
    const UPDATE: &str = "UPDATE stock_levels SET on_hand = on_hand + $4, reserved = reserved - $5, updated_at = $6 \
         WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3 AND reserved - $5 >= 0 \
         AND ($4 >= 0 OR on_hand + $4 - (reserved - $5) >= 0 OR EXISTS (SELECT 1 FROM inventory_skus i \
         WHERE i.merchant_id = $1 AND i.sku_id = $2 AND i.allow_backorder)) \
         RETURNING sku_id, location_id, on_hand, reserved, incoming, updated_at";
    const INSERT: &str = "INSERT INTO stock_movements (id, merchant_id, sku_id, location_id, reason, quantity, \
         reference, actor_type, actor_id, actor_label, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    ensure_level(tx, merchant, mv.sku_id, mv.location_id, mv.created_at).await?;
    let level = with_conn!(tx, |c| sqlx::query_as::<_, LevelRow>(UPDATE)
        .bind(merchant.as_uuid())
        .bind(mv.sku_id)
        .bind(mv.location_id)
        .bind(mv.quantity)
        .bind(consumed)
        .bind(mv.created_at)
        .fetch_optional(c)
        .await)?;
    let Some(level) = level else {
        return Ok(None);
    };
    with_conn!(tx, |c| sqlx::query(INSERT)
        .bind(mv.id)
        .bind(merchant.as_uuid())
        .bind(mv.sku_id)
        .bind(mv.location_id)
        .bind(mv.reason)
        .bind(mv.quantity)
        .bind(&mv.reference)
        .bind(mv.actor_type)
        .bind(mv.actor_id)
        .bind(&mv.actor_label)
        .bind(&mv.note)
        .bind(mv.created_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(Some(level))
}

/// Reserves `quantity` in one conditional statement: succeeds only while that much is
/// available (or the SKU allows backorders). `Ok(None)` means not enough stock.
pub async fn reserve(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
    quantity: i64,
    now: i64,
) -> Result<Option<LevelRow>, StoreError> {
    const SQL: &str = "UPDATE stock_levels SET reserved = reserved + $4, updated_at = $5 \
         WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3 \
         AND (on_hand - reserved >= $4 OR EXISTS (SELECT 1 FROM inventory_skus i \
         WHERE i.merchant_id = $1 AND i.sku_id = $2 AND i.allow_backorder)) \
         RETURNING sku_id, location_id, on_hand, reserved, incoming, updated_at";
    ensure_level(tx, merchant, sku, location, now).await?;
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LevelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .bind(location)
        .bind(quantity)
        .bind(now)
        .fetch_optional(c)
        .await)?)
}

/// Gives back `quantity` reserved units (a released reservation).
pub async fn unreserve(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
    quantity: i64,
    now: i64,
) -> Result<Option<LevelRow>, StoreError> {
    const SQL: &str = "UPDATE stock_levels SET reserved = reserved - $4, updated_at = $5 \
         WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3 AND reserved >= $4 \
         RETURNING sku_id, location_id, on_hand, reserved, incoming, updated_at";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LevelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .bind(location)
        .bind(quantity)
        .bind(now)
        .fetch_optional(c)
        .await)?)
}

/// Changes the in-transit quantity towards a location by `delta`.
pub async fn add_incoming(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
    delta: i64,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE stock_levels SET incoming = incoming + $4, updated_at = $5 \
         WHERE merchant_id = $1 AND sku_id = $2 AND location_id = $3";
    ensure_level(tx, merchant, sku, location, now).await?;
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .bind(location)
        .bind(delta)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A level in a list, with codes and alert thresholds for display.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LevelListRow {
    /// SKU.
    pub sku_id: Uuid,
    /// SKU code.
    pub sku_code: String,
    /// Location.
    pub location_id: Uuid,
    /// Location code.
    pub location_code: String,
    /// On hand.
    pub on_hand: i64,
    /// Reserved.
    pub reserved: i64,
    /// Incoming.
    pub incoming: i64,
    /// Low-stock threshold.
    pub low_stock: Option<i64>,
    /// Reorder point.
    pub reorder_point: Option<i64>,
    /// Overstock threshold.
    pub overstock: Option<i64>,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Filters and paging for level lists.
#[derive(Debug, Clone, Default)]
pub struct LevelFilter {
    /// Only this SKU.
    pub sku: Option<Uuid>,
    /// Only this location.
    pub location: Option<Uuid>,
    /// Only levels at or below their low-stock threshold or reorder point.
    pub low_only: bool,
    /// Only SKUs whose code starts with this (upper-cased, as `code_key`).
    pub code_prefix: Option<String>,
    /// Continue after this (sku, location).
    pub after: Option<(Uuid, Uuid)>,
    /// Rows to return.
    pub limit: u32,
}

/// Levels ordered by (sku, location).
pub async fn list_levels(
    tx: &mut Tx,
    merchant: MerchantId,
    f: &LevelFilter,
) -> Result<Vec<LevelListRow>, StoreError> {
    // Only the filters given become predicates: `($2 IS NULL OR l.sku_id = $2)` kept SQLite
    // from using the level's key, so one level's look-up read all of the merchant's levels.
    let sku = if f.sku.is_some() {
        "l.sku_id = $2"
    } else {
        "$2 IS NULL"
    };
    let location = if f.location.is_some() {
        "l.location_id = $3"
    } else {
        "$3 IS NULL"
    };
    let after = if f.after.is_some() {
        "(l.sku_id > $5 OR (l.sku_id = $5 AND l.location_id > $6))"
    } else {
        "($5 IS NULL AND $6 IS NULL)"
    };
    let sql = format!(
        "SELECT l.sku_id, s.code AS sku_code, l.location_id, o.code AS location_code, \
         l.on_hand, l.reserved, l.incoming, r.low_stock, r.reorder_point, r.overstock, l.updated_at \
         FROM stock_levels l JOIN skus s ON s.id = l.sku_id JOIN locations o ON o.id = l.location_id \
         LEFT JOIN stock_alert_rules r ON r.merchant_id = l.merchant_id AND r.sku_id = l.sku_id \
         AND r.location_id = l.location_id \
         WHERE l.merchant_id = $1 AND {sku} AND {location} \
         AND ($4 = FALSE OR (r.low_stock IS NOT NULL AND l.on_hand - l.reserved <= r.low_stock) \
              OR (r.reorder_point IS NOT NULL AND l.on_hand - l.reserved <= r.reorder_point)) \
         AND {after} \
         AND ($8 IS NULL OR substr(s.code_key, 1, length($8)) = $8) \
         ORDER BY l.sku_id, l.location_id LIMIT $7"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LevelListRow>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(merchant.as_uuid())
    .bind(f.sku)
    .bind(f.location)
    .bind(f.low_only)
    .bind(f.after.map(|a| a.0))
    .bind(f.after.map(|a| a.1))
    .bind(i64::from(f.limit))
    .bind(f.code_prefix.as_deref())
    .fetch_all(c)
    .await)?)
}

/// A ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MovementRow {
    /// Id.
    pub id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Reason code.
    pub reason: String,
    /// Signed change.
    pub quantity: i64,
    /// What caused it.
    pub reference: String,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// Free text.
    pub note: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// Filters and paging for the ledger.
#[derive(Debug, Clone, Default)]
pub struct MovementFilter<'a> {
    /// Only this SKU.
    pub sku: Option<Uuid>,
    /// Only this location.
    pub location: Option<Uuid>,
    /// Only this reason code.
    pub reason: Option<&'a str>,
    /// Only this reference.
    pub reference: Option<&'a str>,
    /// At or after (microseconds).
    pub from: Option<i64>,
    /// Before (microseconds).
    pub until: Option<i64>,
    /// Continue after this id (newest first, so: ids below it).
    pub before_id: Option<Uuid>,
    /// Rows to return.
    pub limit: u32,
}

/// Ledger entries, newest first.
pub async fn list_movements(
    tx: &mut Tx,
    merchant: MerchantId,
    f: &MovementFilter<'_>,
) -> Result<Vec<MovementRow>, StoreError> {
    const SQL: &str = "SELECT id, sku_id, location_id, reason, quantity, reference, actor_type, actor_id, \
         actor_label, note, created_at FROM stock_movements WHERE merchant_id = $1 \
         AND ($2 IS NULL OR sku_id = $2) AND ($3 IS NULL OR location_id = $3) \
         AND ($4 IS NULL OR reason = $4) AND ($5 IS NULL OR reference = $5) \
         AND ($6 IS NULL OR created_at >= $6) AND ($7 IS NULL OR created_at < $7) \
         AND ($8 IS NULL OR id < $8) ORDER BY id DESC LIMIT $9";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, MovementRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(f.sku)
        .bind(f.location)
        .bind(f.reason)
        .bind(f.reference)
        .bind(f.from)
        .bind(f.until)
        .bind(f.before_id)
        .bind(i64::from(f.limit))
        .fetch_all(c)
        .await)?)
}
