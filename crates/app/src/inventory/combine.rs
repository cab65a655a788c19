//! Group commit for hot stock levels (ADR 0025): single-line reservations of one level that
//! arrive while a transaction for that level is running wait for it, then all go in the
//! next one. Under a flash sale that turns hundreds of transactions (each with its begin,
//! its commit and its audit entry on the merchant's hash chain) into one per round, while
//! every decision is still the database's conditional update, one buyer after the other,
//! in arrival order.
//!
//! A round runs on its own task, so a client that disconnects cannot strand the buyers
//! queued behind it. Each buyer's steps run behind a savepoint: one refused (sold out,
//! reference reused) leaves the others' reservations in place. If the round's transaction
//! fails as a whole, each buyer is served again on their own, so every answer is exactly
//! what [`reserve`](super::reservations::reserve) would have given.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use omnihub_domain::ids::MerchantId;
use omnihub_store::inventory::{self as store, ReservationRow};
use omnihub_store::{Savepoint, Tx, time};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::reservations::{
    Reservation, ReserveLine, existing, open_row, record_reserved, reserve_alone,
};
use super::{alerts, corrupt, insufficient, require_location};
use crate::catalog::require_listed;
use crate::error::Result;
use crate::{Actor, App};

type Level = (MerchantId, Uuid, Uuid);

/// The most buyers one round takes.
const ROUND: usize = 256;

struct Waiting {
    actor: Actor,
    line: ReserveLine,
    reply: oneshot::Sender<Result<Vec<Reservation>>>,
}

#[derive(Default)]
struct Queue {
    running: bool,
    waiting: Vec<Waiting>,
}

/// The per-process queues, one per level with a round running.
#[derive(Default)]
pub struct Combiner {
    queues: Mutex<HashMap<Level, Queue>>,
}

impl std::fmt::Debug for Combiner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Combiner").finish_non_exhaustive()
    }
}

/// Reserves one line in the next round of its level (starting the rounds if none runs).
pub(super) async fn reserve_combined(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    line: ReserveLine,
) -> Result<Vec<Reservation>> {
    let level = (merchant, line.sku_id.as_uuid(), line.location_id.as_uuid());
    let (reply, answer) = oneshot::channel();
    let start = {
        let mut queues = app
            .combiner
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let queue = queues.entry(level).or_default();
        queue.waiting.push(Waiting {
            actor: actor.clone(),
            line,
            reply,
        });
        !std::mem::replace(&mut queue.running, true)
    };
    if start {
        tokio::spawn(rounds(app.clone(), level));
    }
    answer
        .await
        .map_err(|_| corrupt("the reservation round ended without an answer"))?
}

/// Runs rounds until the level's queue is empty.
async fn rounds(app: App, level: Level) {
    loop {
        let batch = {
            let mut queues = app
                .combiner
                .queues
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let Some(queue) = queues.get_mut(&level) else {
                return;
            };
            if queue.waiting.is_empty() {
                queues.remove(&level);
                return;
            }
            let take = queue.waiting.len().min(ROUND);
            queue.waiting.drain(..take).collect::<Vec<_>>()
        };
        round(&app, level.0, batch).await;
    }
}

/// One transaction for the batch; on a failure of the whole, each buyer on their own.
async fn round(app: &App, merchant: MerchantId, batch: Vec<Waiting>) {
    match run_round(app, merchant, &batch).await {
        Ok(answers) => {
            for (w, answer) in batch.into_iter().zip(answers) {
                let _ = w.reply.send(answer);
            }
        }
        Err(err) => {
            tracing::debug!(error = %err, "reservation round failed; serving its buyers one by one");
            for w in batch {
                let answer =
                    reserve_alone(app, &w.actor, merchant, std::slice::from_ref(&w.line)).await;
                let _ = w.reply.send(answer);
            }
        }
    }
}

async fn run_round(
    app: &App,
    merchant: MerchantId,
    batch: &[Waiting],
) -> Result<Vec<Result<Vec<Reservation>>>> {
    let Some(first) = batch.first() else {
        return Ok(Vec::new());
    };
    let mut tx = app.db.begin_write().await?;
    require_listed(&mut tx, merchant, &[first.line.sku_id]).await?;
    require_location(&mut tx, merchant, first.line.location_id, true).await?;
    let now = time::to_db(app.now());
    let mut answers = Vec::with_capacity(batch.len());
    let mut made: Vec<(&Actor, ReservationRow)> = Vec::new();
    let mut last_level = None;
    for w in batch {
        match one(app, &mut tx, merchant, &w.line, now).await? {
            Ok((row, fresh, level)) => {
                if fresh {
                    made.push((&w.actor, row.clone()));
                    last_level = level.or(last_level);
                }
                answers.push(Reservation::try_from(&row).map(|r| vec![r]));
            }
            Err(refused) => answers.push(Err(refused)),
        }
    }
    if let Some(level) = &last_level {
        alerts::refresh(app, &mut tx, merchant, level).await?;
    }
    audit_by_actor(app, &mut tx, merchant, &made).await?;
    tx.commit().await?;
    Ok(answers)
}

/// One buyer behind a savepoint: their reservation (fresh or the one they hold) and the
/// level after it, or their refusal. The outer error is the round's.
async fn one(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    line: &ReserveLine,
    now: i64,
) -> Result<Result<(ReservationRow, bool, Option<store::LevelRow>)>> {
    // The line was validated before it queued; this only normalises the reference.
    let reference = omnihub_domain::inventory::Reference::parse(&line.reference)
        .map_or_else(|_| line.reference.trim().to_owned(), |r| r.to_string());
    let row = open_row(app, reference, line, now);
    let point = Savepoint::set(tx, "combined_buyer").await?;
    let Some(new) = store::insert_reservation(tx, merchant, &row).await? else {
        point.release(tx).await?;
        return Ok(existing(tx, merchant, &row).await.map(|r| (r, false, None)));
    };
    match store::reserve(tx, merchant, new.sku_id, new.location_id, new.quantity, now).await? {
        Some(level) => {
            point.release(tx).await?;
            Ok(Ok((new, true, Some(level))))
        }
        None => {
            point.roll_back(tx).await?;
            Ok(Err(insufficient(new.sku_id, new.location_id, new.quantity)))
        }
    }
}

/// One `stock.reserve` audit entry per actor for the round's new reservations.
async fn audit_by_actor(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    made: &[(&Actor, ReservationRow)],
) -> Result<()> {
    let mut actors: Vec<&Actor> = Vec::new();
    for (a, _) in made {
        if !actors.contains(a) {
            actors.push(a);
        }
    }
    for actor in actors {
        let mine: Vec<&ReservationRow> = made
            .iter()
            .filter(|(a, _)| *a == actor)
            .map(|(_, r)| r)
            .collect();
        record_reserved(app, tx, actor, merchant, &mine).await?;
    }
    Ok(())
}
