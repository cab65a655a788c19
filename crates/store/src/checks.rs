//! Integrity checks run by `omnihub check`: migrations, the engine's own checks, the
//! catalogue (SKUs and categories consistent with their parents) and inventory (on_hand
//! equals the sum of movements on every level; reserved equals the open reservations and
//! nothing is oversold) orders (allocations agree with their reservations) and the channel outbox (each
//! event reports a change on its own order; shipments of pushing channels have their event). Each returns findings instead of failing fast, so one run reports
//! everything that is wrong.

use crate::migrations;
use crate::{Db, StoreError, Tx};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Stable name, e.g. `schema.migrations_current`.
    pub name: &'static str,
    /// Problems found; empty when the check passed.
    pub problems: Vec<String>,
}

impl CheckOutcome {
    /// True when nothing was found.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs every integrity check.
pub async fn run_all(db: &Db) -> Result<Vec<CheckOutcome>, StoreError> {
    let status = migrations::status(db).await?;
    let missing: Vec<String> = status
        .expected
        .iter()
        .filter(|v| !status.applied.contains(v))
        .map(|v| format!("migration {v} is not applied (run `omnihub migrate`)"))
        .collect();
    let mut outcomes = vec![CheckOutcome {
        name: "schema.migrations_current",
        problems: missing,
    }];
    let mut tx = db.begin_read().await?;
    outcomes.push(CheckOutcome {
        name: "database.integrity",
        problems: engine_integrity(&mut tx).await?,
    });
    // The catalogue's tables exist only once its migration ran.
    let catalog = if status.is_current() {
        crate::catalog::integrity_problems(&mut tx).await?
    } else {
        vec!["not checked: the schema is not current".to_owned()]
    };
    outcomes.push(CheckOutcome {
        name: "catalog.consistency",
        problems: catalog,
    });
    let (ledger, reservations, allocations, outbox) = if status.is_current() {
        (
            crate::inventory::ledger_problems(&mut tx).await?,
            crate::inventory::reservation_problems(&mut tx).await?,
            crate::orders::allocation_problems(&mut tx).await?,
            crate::outbox::event_problems(&mut tx).await?,
        )
    } else {
        let skipped = || vec!["not checked: the schema is not current".to_owned()];
        (skipped(), skipped(), skipped(), skipped())
    };
    outcomes.push(CheckOutcome {
        name: "inventory.ledger",
        problems: ledger,
    });
    outcomes.push(CheckOutcome {
        name: "inventory.reservations",
        problems: reservations,
    });
    outcomes.push(CheckOutcome {
        name: "orders.allocations",
        problems: allocations,
    });
    outcomes.push(CheckOutcome {
        name: "outbox.events",
        problems: outbox,
    });
    Ok(outcomes)
}

/// The engine's own consistency checks: SQLite's `quick_check` and `foreign_key_check`;
/// PostgreSQL keeps its own invariants, so only reachability is checked there.
async fn engine_integrity(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    match tx {
        Tx::Sqlite(c) => {
            let quick: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
                .fetch_all(&mut **c)
                .await?;
            let mut problems: Vec<String> = quick.into_iter().filter(|r| r != "ok").collect();
            let dangling: Vec<(String, i64)> =
                sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
                    .fetch_all(&mut **c)
                    .await?;
            problems.extend(
                dangling
                    .into_iter()
                    .map(|(table, row)| format!("{table} row {row} references a missing row")),
            );
            Ok(problems)
        }
        Tx::Pg(c) => {
            sqlx::query("SELECT 1").execute(&mut **c).await?;
            Ok(Vec::new())
        }
    }
}
