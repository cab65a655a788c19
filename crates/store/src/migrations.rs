//! Schema migrations, embedded in the binary: one folder per backend
//! (`migrations/sqlite`, `migrations/postgres`) with the same numbers, kept in lockstep by
//! the schema-compare test. Forward-only; run at `omnihub serve` start and by
//! `omnihub migrate`.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Backend, Db, StoreError};

/// Lists the migrations of both folders. Adding one means adding its two files and a line
/// here; a test checks that the folders and this list agree.
macro_rules! migrations {
    ($(($version:literal, $name:literal)),* $(,)?) => {
        /// `(version, description, sqlite sql, postgres sql)` of every migration, in order.
        // Versions are written zero-padded, as in the file names (`0001_...`).
        #[allow(clippy::zero_prefixed_literal)]
        pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[$((
            $version,
            $name,
            include_str!(concat!("../migrations/sqlite/", stringify!($version), "_", $name, ".sql")),
            include_str!(concat!("../migrations/postgres/", stringify!($version), "_", $name, ".sql")),
        )),*];
    };
}

migrations![
    (0001, "foundation"),
    (0002, "identity"),
    (0003, "api_keys"),
    (0004, "catalog"),
    (0005, "inventory"),
    (0006, "channels"),
    (0007, "idempotency"),
    (0008, "orders"),
    (0009, "fulfilment"),
    (0010, "payments"),
    (0011, "invoices"),
    (0012, "tracking"),
    (0013, "outbox"),
    (0014, "order_imports"),
    (0015, "order_search"),
];

/// The embedded migrator for a backend.
pub fn migrator(backend: Backend) -> Migrator {
    let migrations: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|(version, name, sqlite, pg)| {
            let sql = match backend {
                Backend::Sqlite => *sqlite,
                Backend::Postgres => *pg,
            };
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                sqlx::SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Brings the schema up to date. Safe to run from several instances at once on PostgreSQL
/// (sqlx takes an advisory lock); SQLite serialises through its single writer.
pub async fn run(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite { writer, .. } => migrator(Backend::Sqlite).run(writer).await?,
        Db::Pg(pool) => migrator(Backend::Postgres).run(pool).await?,
    }
    Ok(())
}

/// Which migrations the database has and which this binary expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Versions applied successfully, ascending.
    pub applied: Vec<i64>,
    /// Versions this binary carries, ascending.
    pub expected: Vec<i64>,
}

impl MigrationStatus {
    /// True when every expected migration is applied.
    pub fn is_current(&self) -> bool {
        self.expected.iter().all(|v| self.applied.contains(v))
    }

    /// The highest applied version, if any.
    pub fn latest_applied(&self) -> Option<i64> {
        self.applied.last().copied()
    }
}

/// Reads the applied migrations. A database that was never migrated has none; an
/// unreachable one is an error.
pub async fn status(db: &Db) -> Result<MigrationStatus, StoreError> {
    let mut tx = db.begin_read().await?;
    crate::with_conn!(&mut tx, |c| sqlx::query("SELECT 1")
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(StoreError::Unavailable)?;
    // Dialect-specific: each engine has its own catalogue.
    let table_exists: bool = match &mut tx {
        crate::Tx::Sqlite(c) => sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&mut **c)
        .await?,
        crate::Tx::Pg(c) => sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut **c)
            .await?,
    };
    let applied = if table_exists {
        crate::with_conn!(&mut tx, |c| sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version"
        )
        .fetch_all(c)
        .await)?
    } else {
        Vec::new()
    };
    Ok(MigrationStatus {
        applied,
        expected: MIGRATIONS.iter().map(|m| m.0).collect(),
    })
}
