//! System status, readiness and integrity checks: what `/readyz`, the console's status page
//! and `omnihub check` report.

use jiff::{SignedDuration, Timestamp};
use omnihub_store::checks::{self, CheckOutcome};
use omnihub_store::migrations::{self, MigrationStatus};
pub use omnihub_store::{Backend, PoolStats};

use crate::App;
use crate::error::Result;

/// The version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the status page shows.
#[derive(Debug, Clone)]
pub struct SystemStatus {
    /// Build version.
    pub version: &'static str,
    /// Database engine.
    pub backend: Backend,
    /// Applied and expected migrations.
    pub migrations: MigrationStatus,
    /// When this process started.
    pub started_at: Timestamp,
    /// How long it has been running.
    pub uptime: SignedDuration,
    /// Connection pool figures.
    pub pools: Vec<PoolStats>,
}

/// Reads the system status. Fails only if the database cannot be reached.
#[tracing::instrument(skip_all, err)]
pub async fn status(app: &App) -> Result<SystemStatus> {
    let migrations = migrations::status(&app.db).await?;
    let now = app.now();
    Ok(SystemStatus {
        version: VERSION,
        backend: app.db.backend(),
        migrations,
        started_at: app.started_at,
        uptime: now.duration_since(app.started_at),
        pools: app.db.pool_stats(),
    })
}

/// Whether this instance can take traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Database reachable and schema current.
    Ready,
    /// The database could not be reached.
    DatabaseUnreachable,
    /// The schema lacks migrations this binary needs.
    MigrationsPending {
        /// The versions missing.
        missing: Vec<i64>,
    },
}

/// Checks readiness; never fails, the answer says what is wrong.
pub async fn readiness(app: &App) -> Readiness {
    match migrations::status(&app.db).await {
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database unreachable");
            Readiness::DatabaseUnreachable
        }
        Ok(status) if status.is_current() => Readiness::Ready,
        Ok(status) => Readiness::MigrationsPending {
            missing: status
                .expected
                .iter()
                .copied()
                .filter(|v| !status.applied.contains(v))
                .collect(),
        },
    }
}

/// Runs every integrity check (`omnihub check`): the store's, plus the audit log's hash
/// chains (`audit.hash_chains`), which need the domain's hashing.
#[tracing::instrument(skip_all, err)]
pub async fn run_checks(app: &App) -> Result<Vec<CheckOutcome>> {
    let mut outcomes = checks::run_all(&app.db).await?;
    let schema_current = outcomes
        .iter()
        .all(|o| o.name != "schema.migrations_current" || o.passed());
    let problems = if schema_current {
        crate::audit::verify(app)
            .await?
            .into_iter()
            .filter_map(|status| {
                let link = status.broken?;
                Some(format!("chain {} is broken: {link}", status.chain))
            })
            .collect()
    } else {
        vec!["not checked: the schema is not current".to_owned()]
    };
    outcomes.push(CheckOutcome {
        name: "audit.hash_chains",
        problems,
    });
    Ok(outcomes)
}

/// Applies pending migrations (`omnihub migrate`, and at `serve` start).
#[tracing::instrument(skip_all, err)]
pub async fn migrate(app: &App) -> Result<MigrationStatus> {
    migrations::run(&app.db).await?;
    Ok(migrations::status(&app.db).await?)
}
