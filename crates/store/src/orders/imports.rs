//! Bulk import of historical orders (issue 8, docs/adr/0024): import runs with their
//! committed checkpoint ([`ImportRunRow`]), the first malformed lines of a run, and the
//! multi-row statements a batch is written with: SKU ids by code, external ids already
//! taken, a range of order numbers, and orders, lines and payments a few hundred rows per
//! statement.
//!
//! Statements are chunked so no statement binds more than [`MAX_BINDS`] values (SQLite's
//! limit is 32,766; PostgreSQL's 65,535). Every function takes the merchant first.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use super::{LineRow, ORDER_COLUMNS, OrderRow, placeholders};
use crate::{Backend, StoreError, Tx, with_conn};

/// Most values bound in one statement.
pub const MAX_BINDS: usize = 30_000;

/// Splits `items` into runs of `max` rows (rounded down to a power of two) and then the
/// binary digits of the rest: a batch of any size uses at most a dozen statement shapes
/// per table, so the prepared statements stay in sqlx's per-connection cache (100)
/// instead of being parsed again for every batch's odd remainder.
fn pieces<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let max = if max <= 1 { 1 } else { 1 << max.ilog2() };
    let mut out = Vec::new();
    let mut rest = items;
    while rest.len() >= max {
        let (head, tail) = rest.split_at(max);
        out.push(head);
        rest = tail;
    }
    let mut size = max;
    while size > 1 {
        size /= 2;
        if rest.len() >= size {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
    }
    out
}

/// `count` parameter marks from number `from`, for statements with thousands of
/// parameters: `$n` on PostgreSQL, bare `?` on SQLite. A numbered or named SQLite
/// parameter costs a linear search of the statement's parameter names each time it is
/// prepared and bound (`sqlite3_bind_parameter_name`, which sqlx-sqlite calls for every
/// parameter): quadratic, 2 s for one 30,000-parameter insert. Bare `?` are numbered in
/// order, so every mark of such a statement must be bare, fixed ones included.
fn marks(backend: Backend, from: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 7);
    for i in from..from + count {
        if i > from {
            out.push_str(", ");
        }
        match backend {
            Backend::Sqlite => out.push('?'),
            Backend::Postgres => {
                out.push('$');
                out.push_str(&i.to_string());
            }
        }
    }
    out
}

/// `(…), (…)` marks for `rows` rows of `columns` values each.
fn row_marks(backend: Backend, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", marks(backend, i * columns + 1, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An import run as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportRunRow {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The channel the orders are imported into.
    pub channel_id: Uuid,
    /// The file's name as given.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// sha256 (hex) of its first MiB.
    pub file_digest: String,
    /// `running` or `completed`.
    pub status: String,
    /// Bytes taken in by committed batches.
    pub committed_offset: i64,
    /// Lines taken in by committed batches.
    pub committed_line: i64,
    /// Orders stored.
    pub imported: i64,
    /// Orders skipped because their external id was taken.
    pub duplicates: i64,
    /// Lines refused.
    pub malformed: i64,
    /// Decimal text in `currency`.
    pub payment_total: String,
    /// ISO 4217.
    pub currency: String,
    /// Who started it.
    pub actor: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
    /// Microseconds since the epoch, once completed.
    pub finished_at: Option<i64>,
}

const RUN_COLUMNS: &str = "id, channel_id, file_name, file_size, file_digest, status, \
     committed_offset, committed_line, imported, duplicates, malformed, payment_total, currency, \
     actor, created_at, updated_at, finished_at";

/// A historic payment to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPaymentRow {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Method code.
    pub method: String,
    /// State code.
    pub state: String,
    /// Minor units.
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Kept with the payment.
    pub note: Option<String>,
    /// Instalments.
    pub installments: i64,
    /// Position among the order's payments.
    pub sequence: i64,
    /// Microseconds since the epoch.
    pub at: i64,
}

/// Stores a new run.
pub async fn insert_run(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ImportRunRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO order_imports (merchant_id, {RUN_COLUMNS}) VALUES ($1, {})",
        placeholders(2, 17)
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.channel_id)
        .bind(&row.file_name)
        .bind(row.file_size)
        .bind(&row.file_digest)
        .bind(&row.status)
        .bind(row.committed_offset)
        .bind(row.committed_line)
        .bind(row.imported)
        .bind(row.duplicates)
        .bind(row.malformed)
        .bind(&row.payment_total)
        .bind(&row.currency)
        .bind(&row.actor)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.finished_at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The newest unfinished run of the same file into the same channel, to resume.
pub async fn resumable_run(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    digest: &str,
    size: i64,
) -> Result<Option<ImportRunRow>, StoreError> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM order_imports WHERE merchant_id = $1 AND channel_id = $2 \
         AND file_digest = $3 AND file_size = $4 AND status = 'running' ORDER BY id DESC LIMIT 1"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ImportRunRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(channel)
    .bind(digest)
    .bind(size)
    .fetch_optional(c)
    .await)?)
}

/// One run of the merchant.
pub async fn get_run(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<ImportRunRow>, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM order_imports WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ImportRunRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// The merchant's runs, newest first.
pub async fn list_runs(
    tx: &mut Tx,
    merchant: MerchantId,
    limit: u32,
) -> Result<Vec<ImportRunRow>, StoreError> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM order_imports WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ImportRunRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Writes a run's checkpoint and counts if its committed offset is still `expected`:
/// `false` when another importer moved it first (the caller rolls its batch back).
pub async fn save_checkpoint(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ImportRunRow,
    expected: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE order_imports SET status = $3, committed_offset = $4, \
         committed_line = $5, imported = $6, duplicates = $7, malformed = $8, \
         payment_total = $9, updated_at = $10, finished_at = $11 \
         WHERE merchant_id = $1 AND id = $2 AND committed_offset = $12";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.status)
        .bind(row.committed_offset)
        .bind(row.committed_line)
        .bind(row.imported)
        .bind(row.duplicates)
        .bind(row.malformed)
        .bind(&row.payment_total)
        .bind(row.updated_at)
        .bind(row.finished_at)
        .bind(expected)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Records malformed lines of a run (line, reason); a line already recorded is kept.
pub async fn insert_problems(
    tx: &mut Tx,
    merchant: MerchantId,
    run: Uuid,
    problems: &[(i64, String)],
) -> Result<(), StoreError> {
    for chunk in pieces(problems, MAX_BINDS / 4) {
        let values = row_marks(tx.backend(), chunk.len(), 4);
        let sql = format!(
            "INSERT INTO order_import_problems (merchant_id, import_id, line, reason) \
             VALUES {values} ON CONFLICT DO NOTHING"
        );
        with_conn!(tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (line, reason) in chunk {
                q = q
                    .bind(merchant.as_uuid())
                    .bind(run)
                    .bind(*line)
                    .bind(reason);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A run's recorded malformed lines, in line order.
pub async fn problems_of(
    tx: &mut Tx,
    merchant: MerchantId,
    run: Uuid,
    limit: u32,
) -> Result<Vec<(i64, String)>, StoreError> {
    const SQL: &str = "SELECT line, reason FROM order_import_problems \
         WHERE merchant_id = $1 AND import_id = $2 ORDER BY line LIMIT $3";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, (i64, String)>(SQL)
        .bind(merchant.as_uuid())
        .bind(run)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// Runs `$sql(n)` over `$items` in chunks of at most `$per`, binding `$first` once, then
/// each item with `$bind`, and collects the rows each statement returns.
macro_rules! chunked_fetch {
    ($tx:expr, $items:expr, $per:expr, $sql:expr, |$q:ident, $item:ident| $bind:expr, $out:ty) => {
        chunked_fetch!($tx, $items, $per, $sql, |$q| $q, |$q, $item| $bind, $out)
    };
    ($tx:expr, $items:expr, $per:expr, $sql:expr, |$q0:ident| $first:expr, |$q:ident, $item:ident| $bind:expr, $out:ty) => {{
        let mut out: Vec<$out> = Vec::with_capacity($items.len());
        for chunk in pieces($items, $per) {
            let sql = $sql(chunk.len());
            let rows = with_conn!($tx, |c| {
                let $q0 = sqlx::query_as::<_, $out>(sqlx::AssertSqlSafe(sql));
                let mut $q = $first;
                for $item in chunk {
                    $q = $bind;
                }
                $q.fetch_all(c).await
            })?;
            out.extend(rows);
        }
        out
    }};
}

/// SKU ids of the merchant by upper-cased code (`code_key`); unknown codes are absent.
pub async fn sku_ids_by_key(
    tx: &mut Tx,
    merchant: MerchantId,
    keys: &[String],
) -> Result<Vec<(String, Uuid)>, StoreError> {
    let backend = tx.backend();
    let sql = |n| {
        format!(
            "SELECT code_key, id FROM skus WHERE merchant_id = {} AND code_key IN ({})",
            marks(backend, 1, 1),
            marks(backend, 2, n)
        )
    };
    let m = merchant.as_uuid();
    Ok(chunked_fetch!(
        tx,
        keys,
        MAX_BINDS,
        sql,
        |q| q.bind(m),
        |q, k| q.bind(k),
        (String, Uuid)
    ))
}

/// Which of `ids` the channel already has orders for.
pub async fn taken_external_ids(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    ids: &[String],
) -> Result<Vec<(String,)>, StoreError> {
    let backend = tx.backend();
    let sql = |n| {
        format!(
            "SELECT external_id FROM orders WHERE merchant_id = {} AND channel_id = {} \
             AND external_id IN ({})",
            marks(backend, 1, 1),
            marks(backend, 2, 1),
            marks(backend, 3, n)
        )
    };
    let m = merchant.as_uuid();
    Ok(chunked_fetch!(
        tx,
        ids,
        MAX_BINDS,
        sql,
        |q| q.bind(m).bind(channel),
        |q, id| q.bind(id),
        (String,)
    ))
}

/// Takes `count` order sequence numbers at once; returns the last (the range is
/// `last - count + 1 ..= last`). Like [`super::next_order_sequence`], the row stays locked
/// until the transaction ends, so ranges never overlap and a rollback leaves no gap.
pub async fn take_order_sequences(
    tx: &mut Tx,
    merchant: MerchantId,
    count: i64,
) -> Result<i64, StoreError> {
    const SQL: &str = "INSERT INTO order_sequences (merchant_id, last_value) VALUES ($1, $2) \
         ON CONFLICT (merchant_id) DO UPDATE SET last_value = order_sequences.last_value + $2 \
         RETURNING last_value";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(merchant.as_uuid())
        .bind(count)
        .fetch_one(c)
        .await)?)
}

/// Stores new orders, a few hundred per statement; returns the ids actually written (an
/// order whose external id or number is taken is skipped, never an error).
pub async fn insert_orders(
    tx: &mut Tx,
    merchant: MerchantId,
    rows: &[OrderRow],
) -> Result<Vec<Uuid>, StoreError> {
    let backend = tx.backend();
    let sql = |n: usize| {
        let values = row_marks(backend, n, 41);
        format!(
            "INSERT INTO orders (merchant_id, {ORDER_COLUMNS}) VALUES {values} \
             ON CONFLICT DO NOTHING RETURNING id"
        )
    };
    let m = merchant.as_uuid();
    let ids = chunked_fetch!(
        tx,
        rows,
        MAX_BINDS / 41,
        sql,
        |q, r| bind_order!(q.bind(m), r),
        (Uuid,)
    );
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Stores order lines, a few hundred per statement.
pub async fn insert_lines(
    tx: &mut Tx,
    merchant: MerchantId,
    rows: &[LineRow],
) -> Result<(), StoreError> {
    const COLUMNS: &str = "merchant_id, id, order_id, position, external_line_id, sku_id, \
         listing_id, item_sku, item_product_id, item_variant_id, title, quantity, \
         cancelled_quantity, unit_price_minor, subtotal_minor, discount_minor, tax_minor, \
         created_at, updated_at";
    let m = merchant.as_uuid();
    for chunk in pieces(rows, MAX_BINDS / 19) {
        let values = row_marks(tx.backend(), chunk.len(), 19);
        let sql = format!("INSERT INTO order_lines ({COLUMNS}) VALUES {values}");
        with_conn!(tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(m)
                    .bind(r.id)
                    .bind(r.order_id)
                    .bind(r.position)
                    .bind(&r.external_line_id)
                    .bind(r.sku_id)
                    .bind(r.listing_id)
                    .bind(&r.item_sku)
                    .bind(&r.item_product_id)
                    .bind(&r.item_variant_id)
                    .bind(&r.title)
                    .bind(r.quantity)
                    .bind(r.cancelled_quantity)
                    .bind(r.unit_price_minor)
                    .bind(r.subtotal_minor)
                    .bind(r.discount_minor)
                    .bind(r.tax_minor)
                    .bind(r.created_at)
                    .bind(r.updated_at);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Stores historic payments, a few hundred per statement (nothing refunded, no provider,
/// version 0).
pub async fn insert_payments(
    tx: &mut Tx,
    merchant: MerchantId,
    rows: &[ImportedPaymentRow],
) -> Result<(), StoreError> {
    const COLUMNS: &str = "merchant_id, id, order_id, method, state, amount_minor, currency, \
         refunded_minor, note, installments, sequence, created_at, updated_at, version";
    let m = merchant.as_uuid();
    for chunk in pieces(rows, MAX_BINDS / 14) {
        let values = row_marks(tx.backend(), chunk.len(), 14);
        let sql = format!("INSERT INTO payments ({COLUMNS}) VALUES {values}");
        with_conn!(tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(m)
                    .bind(r.id)
                    .bind(r.order_id)
                    .bind(&r.method)
                    .bind(&r.state)
                    .bind(r.amount_minor)
                    .bind(&r.currency)
                    .bind(0_i64)
                    .bind(&r.note)
                    .bind(r.installments)
                    .bind(r.sequence)
                    .bind(r.at)
                    .bind(r.at)
                    .bind(0_i64);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_cover_every_item_once_in_few_shapes() {
        for n in [0_usize, 1, 7, 512, 513, 2000, 4097] {
            let items: Vec<usize> = (0..n).collect();
            let parts = pieces(&items, 700);
            let joined: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
            assert_eq!(joined, items);
            assert!(
                parts
                    .iter()
                    .all(|p| p.len().is_power_of_two() && p.len() <= 512)
            );
        }
    }
}
