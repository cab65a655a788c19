//! An order's lines, the stock allocated to them and its timeline, plus the stock
//! figures allocation plans with.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// An order line as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LineRow {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// 0-based.
    pub position: i64,
    /// The channel's line id.
    pub external_line_id: Option<String>,
    /// Our SKU, once known.
    pub sku_id: Option<Uuid>,
    /// The listing it was matched through.
    pub listing_id: Option<Uuid>,
    /// The channel's SKU code.
    pub item_sku: Option<String>,
    /// The channel's product id.
    pub item_product_id: Option<String>,
    /// The channel's variant id.
    pub item_variant_id: Option<String>,
    /// Title as sold.
    pub title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Units cancelled.
    pub cancelled_quantity: i64,
    /// Price of one unit.
    pub unit_price_minor: i64,
    /// quantity x unit price.
    pub subtotal_minor: i64,
    /// Line discount.
    pub discount_minor: i64,
    /// Line tax.
    pub tax_minor: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const LINE_COLUMNS: &str = "id, order_id, position, external_line_id, sku_id, listing_id, item_sku, \
     item_product_id, item_variant_id, title, quantity, cancelled_quantity, unit_price_minor, \
     subtotal_minor, discount_minor, tax_minor, created_at, updated_at";

/// Stores a line.
pub async fn insert_line(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &LineRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO order_lines (merchant_id, {LINE_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.order_id)
        .bind(row.position)
        .bind(&row.external_line_id)
        .bind(row.sku_id)
        .bind(row.listing_id)
        .bind(&row.item_sku)
        .bind(&row.item_product_id)
        .bind(&row.item_variant_id)
        .bind(&row.title)
        .bind(row.quantity)
        .bind(row.cancelled_quantity)
        .bind(row.unit_price_minor)
        .bind(row.subtotal_minor)
        .bind(row.discount_minor)
        .bind(row.tax_minor)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The order's lines by position.
pub async fn lines_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<LineRow>, StoreError> {
    let sql = format!(
        "SELECT {LINE_COLUMNS} FROM order_lines WHERE merchant_id = $1 AND order_id = $2 ORDER BY position"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, LineRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}

/// Deletes the order's lines (an exception mapped again replaces them).
pub async fn delete_lines(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<(), StoreError> {
    const SQL: &str = "DELETE FROM order_lines WHERE merchant_id = $1 AND order_id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(order)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Sets a line's cancelled units.
pub async fn set_line_cancelled(
    tx: &mut Tx,
    merchant: MerchantId,
    line: Uuid,
    cancelled: i64,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE order_lines SET cancelled_quantity = $3, updated_at = $4 \
         WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(line)
        .bind(cancelled)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A line's units and figures after an order edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineUnits {
    /// Units ordered.
    pub quantity: i64,
    /// Units cancelled.
    pub cancelled_quantity: i64,
    /// What the open units cost before discounts.
    pub subtotal_minor: i64,
    /// Line discount.
    pub discount_minor: i64,
    /// Line tax.
    pub tax_minor: i64,
}

/// Rewrites a line's units and figures (an order edit).
pub async fn set_line_units(
    tx: &mut Tx,
    merchant: MerchantId,
    line: Uuid,
    units: &LineUnits,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE order_lines SET quantity = $3, cancelled_quantity = $4, \
         subtotal_minor = $5, discount_minor = $6, tax_minor = $7, updated_at = $8 \
         WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(line)
        .bind(units.quantity)
        .bind(units.cancelled_quantity)
        .bind(units.subtotal_minor)
        .bind(units.discount_minor)
        .bind(units.tax_minor)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Stock held for a line at a location.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllocationRow {
    /// Id, also the reservation's reference.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The line.
    pub order_line_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Units.
    pub quantity: i64,
    /// The reservation.
    pub reservation_id: Uuid,
    /// `open`, `released`, `consumed`.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const ALLOCATION_COLUMNS: &str = "id, order_id, order_line_id, location_id, sku_id, quantity, \
     reservation_id, status, created_at, updated_at";

/// Stores an allocation.
pub async fn insert_allocation(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &AllocationRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO order_allocations (merchant_id, {ALLOCATION_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.order_id)
        .bind(row.order_line_id)
        .bind(row.location_id)
        .bind(row.sku_id)
        .bind(row.quantity)
        .bind(row.reservation_id)
        .bind(&row.status)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The order's allocations (all, or only those with `status`), oldest first.
pub async fn allocations_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
    status: Option<&str>,
) -> Result<Vec<AllocationRow>, StoreError> {
    let sql = format!(
        "SELECT {ALLOCATION_COLUMNS} FROM order_allocations WHERE merchant_id = $1 AND order_id = $2 \
         AND ($3 IS NULL OR status = $3) ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AllocationRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .bind(status)
    .fetch_all(c)
    .await)?)
}

/// Moves an allocation from `open` to `status`; `false` when it was not open.
pub async fn close_allocation(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    status: &str,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE order_allocations SET status = $3, updated_at = $4 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'open'";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// A timeline entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimelineRow {
    /// Id (UUIDv7: id order is time order).
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Event code.
    pub event: String,
    /// Who: `user:<id>`, `api_key:<id>`, `channel:<id>`, `system`.
    pub actor: String,
    /// JSON object.
    pub data: String,
    /// Microseconds since the epoch.
    pub at: i64,
}

/// Appends a timeline entry.
pub async fn append_timeline(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &TimelineRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO order_timeline (merchant_id, id, order_id, event, actor, data, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.order_id)
        .bind(&row.event)
        .bind(&row.actor)
        .bind(&row.data)
        .bind(row.at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The order's timeline, oldest first.
pub async fn timeline_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<TimelineRow>, StoreError> {
    const SQL: &str = "SELECT id, order_id, event, actor, data, at FROM order_timeline \
         WHERE merchant_id = $1 AND order_id = $2 ORDER BY id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TimelineRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(order)
        .fetch_all(c)
        .await)?)
}

/// Stock of one SKU at a location, as allocation plans with it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AvailableRow {
    /// Location.
    pub location_id: Uuid,
    /// on_hand - reserved.
    pub available: i64,
}

/// Available stock of a SKU at every location that has a level for it.
pub async fn available_by_location(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
) -> Result<Vec<AvailableRow>, StoreError> {
    const SQL: &str = "SELECT location_id, on_hand - reserved AS available FROM stock_levels \
         WHERE merchant_id = $1 AND sku_id = $2 ORDER BY location_id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AvailableRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(sku)
        .fetch_all(c)
        .await)?)
}
