//! The invariants checked after every run: every check of `omnihub check` (on_hand equals
//! the sum of movements, reserved equals the open reservations and never exceeds on_hand,
//! allocations agree with reservations, one outbox event per pushed change, audit chains
//! intact), and every acknowledged order held exactly once.

use std::collections::HashMap;

use omnihub_app::orders::{self, OrderQuery};
use omnihub_app::{Actor, App};

use super::fixture::Fixture;

/// What the checks found; empty lists mean everything held.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    /// Orders the database holds for the merchant.
    pub orders_held: u64,
}

/// Runs the integrity checks and matches the held orders against `acknowledged` external
/// ids (each must be held exactly once). `strict`: no order may be held that was not
/// acknowledged (false after a crash, when an order may commit without its answer).
pub async fn verify(
    app: &App,
    f: &Fixture,
    acknowledged: impl Iterator<Item = String>,
    strict: bool,
) -> anyhow::Result<Findings> {
    let mut out = Findings::default();
    for check in omnihub_app::system::run_checks(app).await? {
        out.problems.extend(
            check
                .problems
                .iter()
                .map(|p| format!("{}: {p}", check.name)),
        );
    }
    let held = held_orders(app, f).await?;
    out.orders_held = held.values().sum();
    let mut acked = 0u64;
    for id in acknowledged {
        acked += 1;
        match held.get(&id) {
            Some(1) => {}
            Some(n) => out.problems.push(format!("order {id} is held {n} times")),
            None => out
                .problems
                .push(format!("acknowledged order {id} is missing")),
        }
    }
    if strict && out.orders_held != acked {
        out.problems.push(format!(
            "{} orders held but {acked} acknowledged",
            out.orders_held
        ));
    }
    Ok(out)
}

/// External id → how many orders carry it, paging through every order of the merchant.
async fn held_orders(app: &App, f: &Fixture) -> anyhow::Result<HashMap<String, u64>> {
    let mut held = HashMap::new();
    let mut cursor = None;
    loop {
        let q = OrderQuery {
            cursor,
            limit: Some(500),
            ..OrderQuery::default()
        };
        let page = orders::list_orders(app, &Actor::system(), f.merchant, q).await?;
        for o in &page.items {
            if let Some(id) = &o.external_id {
                *held.entry(id.clone()).or_insert(0) += 1;
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(held),
        }
    }
}
