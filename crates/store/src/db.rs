//! The database handle: embedded SQLite or PostgreSQL behind one enum, and the transaction
//! type every store function takes.
//!
//! SQLite runs with WAL, foreign keys on and a busy timeout; writes go through a single
//! writer connection and start with `BEGIN IMMEDIATE` (so a transaction never has to
//! upgrade a read lock and hit SQLITE_BUSY halfway), while reads use a separate pool that
//! WAL lets run beside the writer.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use sqlx::{Postgres, Sqlite};

use crate::StoreError;

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL (production).
    Postgres,
}

impl Backend {
    /// A short name for status pages and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        }
    }
}

/// Tuning for the connection pools.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// PostgreSQL: the pool size. SQLite: the reader pool size (the writer is always one).
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing with 503.
    pub acquire_timeout: Duration,
    /// SQLite: how long a statement waits on a lock before SQLITE_BUSY.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite: one writer connection and a pool of readers on the same file.
    Sqlite {
        /// The single writer connection.
        writer: SqlitePool,
        /// Readers (WAL lets them run beside the writer).
        readers: SqlitePool,
    },
    /// PostgreSQL.
    Pg(PgPool),
}

/// Figures of one connection pool, for `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    /// `writer`, `readers` or `main`.
    pub pool: &'static str,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool will open.
    pub max: u32,
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub enum Tx {
    /// SQLite transaction.
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Pg(sqlx::Transaction<'static, Postgres>),
}

/// Runs one expression against the connection inside a [`Tx`], once typed for each backend.
/// This is how one SQL text serves both databases: `$n` placeholders are understood by
/// PostgreSQL and by sqlx-sqlite alike.
///
/// ```ignore
/// with_conn!(tx, |c| sqlx::query("DELETE FROM t WHERE id = $1").bind(id).execute(c).await)
/// ```
#[macro_export]
macro_rules! with_conn {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Connects to `url`: `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://...`.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url).map_err(StoreError::Unavailable)?;
            let pool = PoolOptions::<Postgres>::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await
                .map_err(StoreError::Unavailable)?;
            return Ok(Self::Pg(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self::open_sqlite(Path::new(path), options).await
    }

    /// Opens (creating if needed) an SQLite database file with production settings.
    pub async fn open_sqlite(path: &Path, options: &DbOptions) -> Result<Self, StoreError> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes in WAL mode; only an OS crash or
            // power loss can lose the last transactions (https://sqlite.org/wal.html).
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let writer = PoolOptions::<Sqlite>::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.clone().create_if_missing(true))
            .await
            .map_err(StoreError::Unavailable)?;
        let readers = PoolOptions::<Sqlite>::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.read_only(true))
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(Self::Sqlite { writer, readers })
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Pg(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction that may write. On SQLite it takes the write lock at once.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite { writer, .. } => match writer.begin_with("BEGIN IMMEDIATE").await {
                Err(sqlx::Error::InvalidSavePointStatement) => {
                    // A COMMIT that failed (a full disk) leaves the writer connection
                    // counting itself inside a transaction, so it could never begin again:
                    // close it and let the pool open a fresh one.
                    tracing::warn!(
                        "the SQLite writer connection was wedged by a failed commit; reopening it"
                    );
                    if let Ok(conn) = writer.acquire().await {
                        let _ = conn.close().await;
                    }
                    writer
                        .begin_with("BEGIN IMMEDIATE")
                        .await
                        .map(Tx::Sqlite)
                        .map_err(begin_error)
                }
                other => other.map(Tx::Sqlite).map_err(begin_error),
            },
            Self::Pg(pool) => pool.begin().await.map(Tx::Pg).map_err(begin_error),
        }
    }

    /// Starts a read-only transaction (a consistent snapshot for multi-query reads).
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        match self {
            Self::Sqlite { readers, .. } => {
                readers.begin().await.map(Tx::Sqlite).map_err(begin_error)
            }
            Self::Pg(pool) => pool
                .begin_with("BEGIN READ ONLY")
                .await
                .map(Tx::Pg)
                .map_err(begin_error),
        }
    }

    /// Figures of every pool, for metrics.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        fn stats<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolStats {
            PoolStats {
                pool: name,
                size: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match self {
            Self::Sqlite { writer, readers } => {
                vec![stats("writer", writer), stats("readers", readers)]
            }
            Self::Pg(pool) => vec![stats("main", pool)],
        }
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        match self {
            Self::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
            Self::Pg(pool) => pool.close().await,
        }
    }
}

fn begin_error(err: sqlx::Error) -> StoreError {
    match StoreError::from(err) {
        StoreError::Other(err) => StoreError::Unavailable(err),
        other => other,
    }
}

impl Tx {
    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await,
            Self::Pg(tx) => tx.commit().await,
        }
        .map_err(StoreError::from)
    }

    /// Which engine this transaction runs on (for the few dialect-specific statements).
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Pg(_) => Backend::Postgres,
        }
    }
}

/// A savepoint inside a transaction: work after it can be undone without losing the
/// transaction (allocation tries to reserve, and on a shortage keeps the order but not
/// the half-made reservations). Spelled the same on both engines.
#[derive(Debug, Clone, Copy)]
pub struct Savepoint(&'static str);

impl Savepoint {
    /// Sets a savepoint named `name` (a fixed identifier, never user input).
    pub async fn set(tx: &mut Tx, name: &'static str) -> Result<Self, StoreError> {
        savepoint_sql(tx, format!("SAVEPOINT {name}")).await?;
        Ok(Self(name))
    }

    /// Undoes everything since the savepoint; the transaction goes on.
    pub async fn roll_back(self, tx: &mut Tx) -> Result<(), StoreError> {
        savepoint_sql(tx, format!("ROLLBACK TO SAVEPOINT {}", self.0)).await?;
        self.release(tx).await
    }

    /// Keeps the work done since the savepoint.
    pub async fn release(self, tx: &mut Tx) -> Result<(), StoreError> {
        savepoint_sql(tx, format!("RELEASE SAVEPOINT {}", self.0)).await
    }
}

async fn savepoint_sql(tx: &mut Tx, sql: String) -> Result<(), StoreError> {
    crate::with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}
