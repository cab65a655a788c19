//! The load tool's floors (`omnihub bench`, issue 8): the cheapest statements that do what
//! a reservation does, run straight on the engine, so every scenario's figure can be read
//! as a ratio to what the database itself manages on the same machine in the same run.
//!
//! They work on scratch tables (`bench_floor_*`) that hold no business data, so unlike
//! every other module nothing here takes a merchant id. [`durability`] reports the commit
//! settings the run used, because a figure without them means little.

use sqlx::Row as _;

use crate::{Db, StoreError};

/// Rows of the spread-rows floor.
pub const SPREAD_ROWS: i64 = 10_000;
/// Units each scratch row starts with: no floor ever runs out.
pub const START_UNITS: i64 = 1_000_000_000_000;

/// Creates (or empties) the scratch tables: one stock row per id in `1..=SPREAD_ROWS` and
/// an empty movement ledger.
pub async fn prepare(db: &Db) -> Result<(), StoreError> {
    let statements = [
        "DROP TABLE IF EXISTS bench_floor_ledger",
        "DROP TABLE IF EXISTS bench_floor_stock",
        "CREATE TABLE bench_floor_stock (id BIGINT PRIMARY KEY, available BIGINT NOT NULL)",
        "CREATE TABLE bench_floor_ledger (row_id BIGINT NOT NULL, delta BIGINT NOT NULL, note TEXT NOT NULL)",
    ];
    let mut tx = db.begin_write().await?;
    for sql in statements {
        crate::with_conn!(&mut tx, |c| sqlx::query(sql)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let fill = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
                INSERT INTO bench_floor_stock (id, available) SELECT i, $2 FROM n";
    crate::with_conn!(&mut tx, |c| sqlx::query(fill)
        .bind(SPREAD_ROWS)
        .bind(START_UNITS)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Drops the scratch tables.
pub async fn drop_tables(db: &Db) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    for sql in [
        "DROP TABLE IF EXISTS bench_floor_ledger",
        "DROP TABLE IF EXISTS bench_floor_stock",
    ] {
        crate::with_conn!(&mut tx, |c| sqlx::query(sql)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    tx.commit().await
}

/// The hot-row floor: one conditional decrement of row `row`, its own transaction
/// (autocommit on PostgreSQL, `BEGIN IMMEDIATE … COMMIT` on SQLite's single writer).
/// True when a unit was taken.
pub async fn decrement(db: &Db, row: i64) -> Result<bool, StoreError> {
    const SQL: &str =
        "UPDATE bench_floor_stock SET available = available - 1 WHERE id = $1 AND available >= 1";
    let affected = match db {
        Db::Pg(pool) => sqlx::query(SQL)
            .bind(row)
            .execute(pool)
            .await?
            .rows_affected(),
        Db::Sqlite { .. } => {
            let mut tx = db.begin_write().await?;
            let done = crate::with_conn!(&mut tx, |c| sqlx::query(SQL)
                .bind(row)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            tx.commit().await?;
            done
        }
    };
    Ok(affected == 1)
}

/// The spread-rows floor: the conditional decrement of row `row` and its ledger insert in
/// one transaction, which is what a reservation is at its barest.
pub async fn decrement_with_ledger(db: &Db, row: i64) -> Result<bool, StoreError> {
    let mut tx = db.begin_write().await?;
    let done = crate::with_conn!(&mut tx, |c| {
        sqlx::query(
        "UPDATE bench_floor_stock SET available = available - 1 WHERE id = $1 AND available >= 1"
    )
    .bind(row)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if done == 1 {
        crate::with_conn!(&mut tx, |c| sqlx::query(
            "INSERT INTO bench_floor_ledger (row_id, delta, note) VALUES ($1, -1, 'floor')"
        )
        .bind(row)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

/// PostgreSQL only: loads `rows` ledger rows with one `COPY … FROM STDIN` (text format) and
/// returns how many the server took. `None` on SQLite, which has no COPY.
pub async fn copy_ledger_rows(db: &Db, rows: u64) -> Result<Option<u64>, StoreError> {
    let Db::Pg(pool) = db else {
        return Ok(None);
    };
    let mut conn = pool.acquire().await?;
    let mut copy = conn
        .copy_in_raw("COPY bench_floor_ledger (row_id, delta, note) FROM STDIN")
        .await?;
    let mut chunk = String::with_capacity(1 << 20);
    for i in 0..rows {
        chunk.push_str(&format!("{}\t-1\tcopy floor row\n", i % 10_000 + 1));
        if chunk.len() >= (1 << 20) - 64 {
            copy.send(chunk.as_bytes()).await?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        copy.send(chunk.as_bytes()).await?;
    }
    Ok(Some(copy.finish().await?))
}

/// Units left on row `row` (the floors check they took exactly what they counted).
pub async fn available(db: &Db, row: i64) -> Result<i64, StoreError> {
    let mut tx = db.begin_read().await?;
    let value: i64 = crate::with_conn!(&mut tx, |c| sqlx::query_scalar(
        "SELECT available FROM bench_floor_stock WHERE id = $1"
    )
    .bind(row)
    .fetch_one(c)
    .await)?;
    Ok(value)
}

/// The commit settings in force, as `name = value` pairs: PostgreSQL's `fsync`,
/// `synchronous_commit`, `full_page_writes` and `wal_sync_method`; SQLite's
/// `journal_mode` and `synchronous` on the writer.
pub async fn durability(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    match db {
        Db::Pg(pool) => {
            for name in [
                "fsync",
                "synchronous_commit",
                "full_page_writes",
                "wal_sync_method",
            ] {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SHOW {name}")))
                    .fetch_one(pool)
                    .await?;
                out.push((name.to_owned(), row.try_get::<String, _>(0)?));
            }
        }
        Db::Sqlite { writer, .. } => {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(writer)
                .await?;
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(writer)
                .await?;
            let sync = match sync {
                0 => "OFF",
                1 => "NORMAL",
                2 => "FULL",
                _ => "EXTRA",
            };
            out.push(("journal_mode".to_owned(), mode));
            out.push(("synchronous".to_owned(), sync.to_owned()));
        }
    }
    Ok(out)
}

/// Creates database `name` (a name the load tool generated: letters, digits and `_`).
pub async fn create_database(db: &Db, name: &str) -> Result<(), StoreError> {
    let Db::Pg(pool) = db else {
        return Ok(());
    };
    let name = checked_name(name)?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops database `name`, closing whatever still holds it.
pub async fn drop_database(db: &Db, name: &str) -> Result<(), StoreError> {
    let Db::Pg(pool) = db else {
        return Ok(());
    };
    let name = checked_name(name)?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(pool)
    .await?;
    Ok(())
}

fn checked_name(name: &str) -> Result<&str, StoreError> {
    if !name.is_empty()
        && name.len() < 60
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(name)
    } else {
        Err(StoreError::Corrupt(format!(
            "not a scratch database name: {name:?}"
        )))
    }
}
