//! Inventory documents: reservations (one per reference), adjustments (applied or awaiting
//! approval), transfers with their lines, and stocktakes with their lines. Status changes
//! are conditional on the expected current status, so two concurrent requests cannot both
//! move a document (the loser sees `false`/`None` and reports a conflict).

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A reservation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReservationRow {
    /// Id.
    pub id: Uuid,
    /// The order line (or other holder) it belongs to; unique per merchant.
    pub reference: String,
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Units held.
    pub quantity: i64,
    /// `open`, `released`, `consumed`.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const RESERVATION_COLUMNS: &str =
    "id, reference, sku_id, location_id, quantity, status, created_at, updated_at";

/// Inserts an open reservation unless the reference already has one: `None` then (the
/// caller reads the existing one). ON CONFLICT DO NOTHING, so a concurrent insert of the
/// same reference never aborts a PostgreSQL transaction.
pub async fn insert_reservation(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ReservationRow,
) -> Result<Option<ReservationRow>, StoreError> {
    let sql = format!(
        "INSERT INTO reservations (merchant_id, {RESERVATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (merchant_id, reference) DO NOTHING RETURNING {RESERVATION_COLUMNS}"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ReservationRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(row.id)
    .bind(&row.reference)
    .bind(row.sku_id)
    .bind(row.location_id)
    .bind(row.quantity)
    .bind(&row.status)
    .bind(row.created_at)
    .bind(row.updated_at)
    .fetch_optional(c)
    .await)?)
}

/// The reservation of a reference.
pub async fn get_reservation(
    tx: &mut Tx,
    merchant: MerchantId,
    reference: &str,
) -> Result<Option<ReservationRow>, StoreError> {
    let sql = format!(
        "SELECT {RESERVATION_COLUMNS} FROM reservations WHERE merchant_id = $1 AND reference = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ReservationRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(reference)
    .fetch_optional(c)
    .await)?)
}

/// Closes an open reservation (`released` or `consumed`); `None` if it was not open any
/// more (someone else closed it first).
pub async fn close_reservation(
    tx: &mut Tx,
    merchant: MerchantId,
    reference: &str,
    status: &str,
    now: i64,
) -> Result<Option<ReservationRow>, StoreError> {
    let sql = format!(
        "UPDATE reservations SET status = $3, updated_at = $4 WHERE merchant_id = $1 AND reference = $2 \
         AND status = 'open' RETURNING {RESERVATION_COLUMNS}"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ReservationRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(reference)
    .bind(status)
    .bind(now)
    .fetch_optional(c)
    .await)?)
}

/// Open reservations of one level, oldest first.
pub async fn open_reservations(
    tx: &mut Tx,
    merchant: MerchantId,
    sku: Uuid,
    location: Uuid,
) -> Result<Vec<ReservationRow>, StoreError> {
    let sql = format!(
        "SELECT {RESERVATION_COLUMNS} FROM reservations WHERE merchant_id = $1 AND sku_id = $2 \
         AND location_id = $3 AND status = 'open' ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ReservationRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(sku)
    .bind(location)
    .fetch_all(c)
    .await)?)
}

/// An adjustment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdjustmentRow {
    /// Id.
    pub id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// Location.
    pub location_id: Uuid,
    /// Signed change.
    pub delta: i64,
    /// Reason code.
    pub reason: String,
    /// Free text.
    pub note: Option<String>,
    /// Unit cost when requested.
    pub unit_cost_minor: Option<i64>,
    /// `applied`, `pending`, `rejected`.
    pub status: String,
    /// Requesting user.
    pub requested_by: Option<Uuid>,
    /// Requester's label.
    pub requested_label: String,
    /// Deciding user.
    pub decided_by: Option<Uuid>,
    /// Decider's label.
    pub decided_label: Option<String>,
    /// Why approved or rejected.
    pub decision_note: Option<String>,
    /// When decided.
    pub decided_at: Option<i64>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const ADJUSTMENT_COLUMNS: &str = "id, sku_id, location_id, delta, reason, note, unit_cost_minor, status, \
     requested_by, requested_label, decided_by, decided_label, decision_note, decided_at, created_at, updated_at";

/// Stores an adjustment.
pub async fn insert_adjustment(
    tx: &mut Tx,
    merchant: MerchantId,
    r: &AdjustmentRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO adjustments (merchant_id, {ADJUSTMENT_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(r.id)
        .bind(r.sku_id)
        .bind(r.location_id)
        .bind(r.delta)
        .bind(&r.reason)
        .bind(&r.note)
        .bind(r.unit_cost_minor)
        .bind(&r.status)
        .bind(r.requested_by)
        .bind(&r.requested_label)
        .bind(r.decided_by)
        .bind(&r.decided_label)
        .bind(&r.decision_note)
        .bind(r.decided_at)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// One adjustment.
pub async fn get_adjustment(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<AdjustmentRow>, StoreError> {
    let sql =
        format!("SELECT {ADJUSTMENT_COLUMNS} FROM adjustments WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AdjustmentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// Adjustments, newest first, optionally of one status; `before` pages.
pub async fn list_adjustments(
    tx: &mut Tx,
    merchant: MerchantId,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<AdjustmentRow>, StoreError> {
    let sql = format!(
        "SELECT {ADJUSTMENT_COLUMNS} FROM adjustments WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AdjustmentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(status)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Records the decision on a pending adjustment; `false` if it was no longer pending.
pub async fn decide_adjustment(
    tx: &mut Tx,
    merchant: MerchantId,
    r: &AdjustmentRow,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE adjustments SET status = $3, decided_by = $4, decided_label = $5, \
         decision_note = $6, decided_at = $7, updated_at = $7 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'pending'";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(r.id)
        .bind(&r.status)
        .bind(r.decided_by)
        .bind(&r.decided_label)
        .bind(&r.decision_note)
        .bind(r.decided_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A transfer as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    /// Id.
    pub id: Uuid,
    /// Source.
    pub from_location_id: Uuid,
    /// Destination.
    pub to_location_id: Uuid,
    /// Status code.
    pub status: String,
    /// Free text.
    pub note: Option<String>,
    /// Creator's label.
    pub created_label: String,
    /// When dispatched.
    pub dispatched_at: Option<i64>,
    /// When closed.
    pub received_at: Option<i64>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const TRANSFER_COLUMNS: &str = "id, from_location_id, to_location_id, status, note, created_label, \
     dispatched_at, received_at, created_at, updated_at";

/// One line of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferLineRow {
    /// Id.
    pub id: Uuid,
    /// Order on the document.
    pub position: i64,
    /// SKU.
    pub sku_id: Uuid,
    /// Units shipped.
    pub quantity: i64,
    /// Units received so far.
    pub received: i64,
    /// Units shipped that never arrived (set when closed short).
    pub discrepancy: i64,
}

/// Stores a transfer and its lines.
pub async fn insert_transfer(
    tx: &mut Tx,
    merchant: MerchantId,
    t: &TransferRow,
    lines: &[TransferLineRow],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO transfers (merchant_id, {TRANSFER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    const LINE: &str = "INSERT INTO transfer_lines (merchant_id, transfer_id, id, position, sku_id, quantity, \
         received, discrepancy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(t.id)
        .bind(t.from_location_id)
        .bind(t.to_location_id)
        .bind(&t.status)
        .bind(&t.note)
        .bind(&t.created_label)
        .bind(t.dispatched_at)
        .bind(t.received_at)
        .bind(t.created_at)
        .bind(t.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    for l in lines {
        with_conn!(tx, |c| sqlx::query(LINE)
            .bind(merchant.as_uuid())
            .bind(t.id)
            .bind(l.id)
            .bind(l.position)
            .bind(l.sku_id)
            .bind(l.quantity)
            .bind(l.received)
            .bind(l.discrepancy)
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(|e| StoreError::from_sqlx(e, "transfer_lines.sku_id"))?;
    }
    Ok(())
}

/// One transfer with its lines.
pub async fn get_transfer(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<(TransferRow, Vec<TransferLineRow>)>, StoreError> {
    let sql =
        format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE merchant_id = $1 AND id = $2");
    const LINES: &str = "SELECT id, position, sku_id, quantity, received, discrepancy FROM transfer_lines \
         WHERE merchant_id = $1 AND transfer_id = $2 ORDER BY position";
    let Some(t) = with_conn!(tx, |c| sqlx::query_as::<_, TransferRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?
    else {
        return Ok(None);
    };
    let lines = with_conn!(tx, |c| sqlx::query_as::<_, TransferLineRow>(LINES)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_all(c)
        .await)?;
    Ok(Some((t, lines)))
}

/// Transfers newest first, optionally of one status or touching one location.
pub async fn list_transfers(
    tx: &mut Tx,
    merchant: MerchantId,
    status: Option<&str>,
    location: Option<Uuid>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<TransferRow>, StoreError> {
    let sql = format!(
        "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR from_location_id = $3 OR to_location_id = $3) AND ($4 IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TransferRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(status)
    .bind(location)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Moves a transfer from status `from` to `t.status` with its timestamps; `false` if it
/// was no longer in `from`.
pub async fn set_transfer_status(
    tx: &mut Tx,
    merchant: MerchantId,
    t: &TransferRow,
    from: &str,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE transfers SET status = $3, dispatched_at = $4, received_at = $5, updated_at = $6 \
         WHERE merchant_id = $1 AND id = $2 AND status = $7";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(t.id)
        .bind(&t.status)
        .bind(t.dispatched_at)
        .bind(t.received_at)
        .bind(t.updated_at)
        .bind(from)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Writes a line's received quantity and discrepancy.
pub async fn update_transfer_line(
    tx: &mut Tx,
    merchant: MerchantId,
    line: &TransferLineRow,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE transfer_lines SET received = $3, discrepancy = $4 WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(line.id)
        .bind(line.received)
        .bind(line.discrepancy)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A stocktake as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StocktakeRow {
    /// Id.
    pub id: Uuid,
    /// Counted location.
    pub location_id: Uuid,
    /// Status code.
    pub status: String,
    /// Free text.
    pub note: Option<String>,
    /// Who opened it.
    pub opened_label: String,
    /// When posted.
    pub posted_at: Option<i64>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const STOCKTAKE_COLUMNS: &str =
    "id, location_id, status, note, opened_label, posted_at, created_at, updated_at";

/// One line of a stocktake.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StocktakeLineRow {
    /// Id.
    pub id: Uuid,
    /// SKU.
    pub sku_id: Uuid,
    /// On hand when opened.
    pub snapshot_on_hand: i64,
    /// Counted units.
    pub counted: Option<i64>,
    /// On hand when counted.
    pub on_hand_at_count: Option<i64>,
    /// When counted.
    pub counted_at: Option<i64>,
    /// Booked variance (after posting).
    pub variance: Option<i64>,
    /// Unit cost at posting.
    pub unit_cost_minor: Option<i64>,
}

const STOCKTAKE_LINE_COLUMNS: &str = "id, sku_id, snapshot_on_hand, counted, on_hand_at_count, counted_at, \
     variance, unit_cost_minor";

/// Stores a stocktake.
pub async fn insert_stocktake(
    tx: &mut Tx,
    merchant: MerchantId,
    s: &StocktakeRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO stocktakes (merchant_id, {STOCKTAKE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(s.id)
        .bind(s.location_id)
        .bind(&s.status)
        .bind(&s.note)
        .bind(&s.opened_label)
        .bind(s.posted_at)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Adds a line to a stocktake; `Conflict { key: "stocktake_lines.sku_id" }` if the SKU
/// already has one.
pub async fn insert_stocktake_line(
    tx: &mut Tx,
    merchant: MerchantId,
    stocktake: Uuid,
    l: &StocktakeLineRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO stocktake_lines (merchant_id, stocktake_id, {STOCKTAKE_LINE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(stocktake)
        .bind(l.id)
        .bind(l.sku_id)
        .bind(l.snapshot_on_hand)
        .bind(l.counted)
        .bind(l.on_hand_at_count)
        .bind(l.counted_at)
        .bind(l.variance)
        .bind(l.unit_cost_minor)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "stocktake_lines.sku_id"))
}

/// One stocktake with its lines.
pub async fn get_stocktake(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<(StocktakeRow, Vec<StocktakeLineRow>)>, StoreError> {
    let sql =
        format!("SELECT {STOCKTAKE_COLUMNS} FROM stocktakes WHERE merchant_id = $1 AND id = $2");
    let lines_sql = format!(
        "SELECT {STOCKTAKE_LINE_COLUMNS} FROM stocktake_lines WHERE merchant_id = $1 AND stocktake_id = $2 ORDER BY id"
    );
    let Some(s) = with_conn!(tx, |c| sqlx::query_as::<_, StocktakeRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?
    else {
        return Ok(None);
    };
    let lines = with_conn!(tx, |c| sqlx::query_as::<_, StocktakeLineRow>(
        sqlx::AssertSqlSafe(lines_sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_all(c)
    .await)?;
    Ok(Some((s, lines)))
}

/// Stocktakes newest first, optionally of one status or location.
pub async fn list_stocktakes(
    tx: &mut Tx,
    merchant: MerchantId,
    status: Option<&str>,
    location: Option<Uuid>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<StocktakeRow>, StoreError> {
    let sql = format!(
        "SELECT {STOCKTAKE_COLUMNS} FROM stocktakes WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR location_id = $3) AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StocktakeRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(status)
    .bind(location)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Records a count: the counted units and, in the same statement, what the books said at
/// that moment (so movements during the count are accounted for). `false` if the SKU has
/// no line on the stocktake.
pub async fn record_count(
    tx: &mut Tx,
    merchant: MerchantId,
    stocktake: Uuid,
    location: Uuid,
    sku: Uuid,
    counted: i64,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE stocktake_lines SET counted = $4, counted_at = $5, \
         on_hand_at_count = COALESCE((SELECT l.on_hand FROM stock_levels l WHERE l.merchant_id = $1 \
         AND l.sku_id = $3 AND l.location_id = $6), 0) \
         WHERE merchant_id = $1 AND stocktake_id = $2 AND sku_id = $3";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(stocktake)
        .bind(sku)
        .bind(counted)
        .bind(now)
        .bind(location)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Writes a line's booked variance and unit cost when posting.
pub async fn set_line_variance(
    tx: &mut Tx,
    merchant: MerchantId,
    line: Uuid,
    variance: i64,
    unit_cost_minor: Option<i64>,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE stocktake_lines SET variance = $3, unit_cost_minor = $4 WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(line)
        .bind(variance)
        .bind(unit_cost_minor)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Moves a stocktake from `open` to `status`; `false` if it was no longer open.
pub async fn close_stocktake(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    status: &str,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE stocktakes SET status = $3, posted_at = CASE WHEN $3 = 'posted' THEN $4 ELSE NULL END, \
         updated_at = $4 WHERE merchant_id = $1 AND id = $2 AND status = 'open'";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
