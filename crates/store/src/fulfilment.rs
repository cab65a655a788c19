//! Fulfilment storage (issue 7, FUL-1..3): pick waves and their orders, the pick list, the
//! units packed per allocation, and shipments with their lines. Packing is one conditional
//! UPDATE (never above the allocation); an allocation ships once (a unique key).
//! Every function takes the merchant first and scopes by it.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A pick wave as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WaveRow {
    /// Id.
    pub id: Uuid,
    /// Where it is picked.
    pub location_id: Uuid,
    /// `open` or `closed`.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Stores a new open wave.
pub async fn insert_wave(tx: &mut Tx, merchant: MerchantId, w: &WaveRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO pick_waves (merchant_id, id, location_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(w.id)
        .bind(w.location_id)
        .bind(&w.status)
        .bind(w.created_at)
        .bind(w.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// One wave.
pub async fn get_wave(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<WaveRow>, StoreError> {
    const SQL: &str = "SELECT id, location_id, status, created_at, updated_at FROM pick_waves \
         WHERE merchant_id = $1 AND id = $2";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, WaveRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// A page of waves, newest first, optionally only those with `status`.
pub async fn list_waves(
    tx: &mut Tx,
    merchant: MerchantId,
    status: Option<&str>,
    limit: u32,
) -> Result<Vec<WaveRow>, StoreError> {
    const SQL: &str = "SELECT id, location_id, status, created_at, updated_at FROM pick_waves \
         WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, WaveRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// Closes an open wave and lets its orders join another; `false` if it was not open.
pub async fn close_wave(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    const CLOSE: &str = "UPDATE pick_waves SET status = 'closed', updated_at = $3 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'open'";
    const FREE: &str =
        "UPDATE pick_wave_orders SET open_marker = NULL WHERE merchant_id = $1 AND wave_id = $2";
    let done = with_conn!(tx, |c| sqlx::query(CLOSE)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    with_conn!(tx, |c| sqlx::query(FREE)
        .bind(merchant.as_uuid())
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(done == 1)
}

/// Orders with open allocations at `location` that no open wave holds there yet, by
/// ship-by deadline then arrival (first in, first out).
pub async fn wave_candidates(
    tx: &mut Tx,
    merchant: MerchantId,
    location: Uuid,
    limit: u32,
) -> Result<Vec<Uuid>, StoreError> {
    const SQL: &str = "SELECT o.id FROM orders o WHERE o.merchant_id = $1 \
         AND o.status IN ('allocated', 'partially_shipped') \
         AND EXISTS (SELECT 1 FROM order_allocations a WHERE a.merchant_id = o.merchant_id \
             AND a.order_id = o.id AND a.location_id = $2 AND a.status = 'open') \
         AND NOT EXISTS (SELECT 1 FROM pick_wave_orders w WHERE w.merchant_id = o.merchant_id \
             AND w.order_id = o.id AND w.location_id = $2 AND w.open_marker = 1) \
         ORDER BY o.ship_by, o.id LIMIT $3";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, Uuid>(SQL)
        .bind(merchant.as_uuid())
        .bind(location)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// Puts an order in an open wave; `false` when another open wave took it first.
pub async fn add_to_wave(
    tx: &mut Tx,
    merchant: MerchantId,
    wave: Uuid,
    order: Uuid,
    location: Uuid,
    position: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "INSERT INTO pick_wave_orders (merchant_id, wave_id, order_id, location_id, open_marker, position) \
         VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT DO NOTHING";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(wave)
        .bind(order)
        .bind(location)
        .bind(position)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A wave's orders in wave order: (id, number, ship_by).
pub async fn wave_orders(
    tx: &mut Tx,
    merchant: MerchantId,
    wave: Uuid,
) -> Result<Vec<(Uuid, String, i64)>, StoreError> {
    const SQL: &str = "SELECT o.id, o.number, o.ship_by FROM pick_wave_orders w \
         JOIN orders o ON o.merchant_id = w.merchant_id AND o.id = w.order_id \
         WHERE w.merchant_id = $1 AND w.wave_id = $2 ORDER BY w.position";
    Ok(with_conn!(tx, |c| {
        sqlx::query_as::<_, (Uuid, String, i64)>(SQL)
            .bind(merchant.as_uuid())
            .bind(wave)
            .fetch_all(c)
            .await
    })?)
}

/// One line of a pick list: a SKU to take from the shelf for the wave.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PickRow {
    /// SKU.
    pub sku_id: Uuid,
    /// Its code.
    pub sku_code: String,
    /// Its barcode.
    pub barcode: Option<String>,
    /// Units to pick (open, not yet packed).
    pub quantity: i64,
    /// How many of the wave's orders want it.
    pub orders: i64,
}

/// The wave's pick list: open allocations of its orders at its location, by SKU code.
pub async fn pick_list(
    tx: &mut Tx,
    merchant: MerchantId,
    wave: Uuid,
) -> Result<Vec<PickRow>, StoreError> {
    const SQL: &str = "SELECT a.sku_id, s.code AS sku_code, s.barcode, \
         CAST(SUM(a.quantity - a.packed_quantity) AS BIGINT) AS quantity, CAST(COUNT(DISTINCT a.order_id) AS BIGINT) AS orders \
         FROM pick_wave_orders w JOIN pick_waves v ON v.merchant_id = w.merchant_id AND v.id = w.wave_id \
         JOIN order_allocations a ON a.merchant_id = w.merchant_id AND a.order_id = w.order_id \
             AND a.location_id = v.location_id AND a.status = 'open' \
         JOIN skus s ON s.merchant_id = a.merchant_id AND s.id = a.sku_id \
         WHERE w.merchant_id = $1 AND w.wave_id = $2 \
         GROUP BY a.sku_id, s.code, s.barcode ORDER BY s.code";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PickRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(wave)
        .fetch_all(c)
        .await)?)
}

/// How many of the order's open allocations have units packed (an order being packed
/// is not edited: the bench would lose track of what is in the box).
pub async fn packed_allocations_of_order(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM order_allocations \
         WHERE merchant_id = $1 AND order_id = $2 AND status = 'open' AND packed_quantity > 0";
    let packed: i64 = with_conn!(tx, |c| sqlx::query_scalar(SQL)
        .bind(merchant.as_uuid())
        .bind(order)
        .fetch_one(c)
        .await)?;
    Ok(packed)
}

/// An open allocation as the packing bench sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PackRow {
    /// The allocation.
    pub allocation_id: Uuid,
    /// Its line.
    pub order_line_id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Its code.
    pub sku_code: String,
    /// Its barcode.
    pub barcode: Option<String>,
    /// Units allocated.
    pub quantity: i64,
    /// Units packed so far.
    pub packed_quantity: i64,
}

/// The order's open allocations at a location, oldest first.
pub async fn packable(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
    location: Uuid,
) -> Result<Vec<PackRow>, StoreError> {
    const SQL: &str = "SELECT a.id AS allocation_id, a.order_line_id, a.sku_id, s.code AS sku_code, s.barcode, \
         a.quantity, a.packed_quantity FROM order_allocations a \
         JOIN skus s ON s.merchant_id = a.merchant_id AND s.id = a.sku_id \
         WHERE a.merchant_id = $1 AND a.order_id = $2 AND a.location_id = $3 AND a.status = 'open' ORDER BY a.id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PackRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(order)
        .bind(location)
        .fetch_all(c)
        .await)?)
}

/// Adds `units` packed to an open allocation unless that would pass its quantity.
pub async fn add_packed(
    tx: &mut Tx,
    merchant: MerchantId,
    allocation: Uuid,
    units: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE order_allocations SET packed_quantity = packed_quantity + $3 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'open' AND packed_quantity + $3 <= quantity";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(allocation)
        .bind(units)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A shipment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentRow {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Shipped from.
    pub location_id: Uuid,
    /// Carrier code.
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// Tracking status.
    pub status: String,
    /// Microseconds since the epoch.
    pub shipped_at: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const SHIPMENT_COLUMNS: &str = "id, order_id, location_id, carrier, service, tracking_number, packages, \
     status, shipped_at, created_at, updated_at";

/// Stores a shipment; `Conflict { key: "shipments.tracking_number" }` when the carrier's
/// tracking number is already used.
pub async fn insert_shipment(
    tx: &mut Tx,
    merchant: MerchantId,
    s: &ShipmentRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO shipments (merchant_id, {SHIPMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(s.id)
        .bind(s.order_id)
        .bind(s.location_id)
        .bind(&s.carrier)
        .bind(&s.service)
        .bind(&s.tracking_number)
        .bind(s.packages)
        .bind(&s.status)
        .bind(s.shipped_at)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "shipments.tracking_number"))?;
    Ok(())
}

/// One line of a shipment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentLineRow {
    /// The shipment.
    pub shipment_id: Uuid,
    /// The allocation it consumed.
    pub allocation_id: Uuid,
    /// The order line.
    pub order_line_id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Units.
    pub quantity: i64,
}

/// Stores a shipment line; `Conflict` when the allocation already shipped.
pub async fn insert_shipment_line(
    tx: &mut Tx,
    merchant: MerchantId,
    l: &ShipmentLineRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO shipment_lines (merchant_id, shipment_id, allocation_id, order_line_id, sku_id, quantity) \
         VALUES ($1, $2, $3, $4, $5, $6)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(l.shipment_id)
        .bind(l.allocation_id)
        .bind(l.order_line_id)
        .bind(l.sku_id)
        .bind(l.quantity)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "shipment_lines.allocation_id"))?;
    Ok(())
}

/// The order's shipments, oldest first.
pub async fn shipments_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<ShipmentRow>, StoreError> {
    let sql = format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE merchant_id = $1 AND order_id = $2 ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ShipmentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}

/// The lines of the order's shipments.
pub async fn shipment_lines_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<ShipmentLineRow>, StoreError> {
    const SQL: &str = "SELECT l.shipment_id, l.allocation_id, l.order_line_id, l.sku_id, l.quantity \
         FROM shipment_lines l JOIN shipments s ON s.merchant_id = l.merchant_id AND s.id = l.shipment_id \
         WHERE l.merchant_id = $1 AND s.order_id = $2 ORDER BY l.shipment_id, l.allocation_id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ShipmentLineRow>(
        SQL
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}
