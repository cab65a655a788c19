//! kill -9 under load: for each iteration, B1 orders and single-unit reservations run from
//! the clients while the server is killed with SIGKILL at a random moment; the server is
//! started again on the same port (its restart-to-ready time is recorded), and then every
//! order and every reservation the clients were told about must be there exactly once,
//! and every integrity check must pass. Orders that committed without their answer
//! reaching the client may exist too (that is not a loss).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use omnihub_app::Actor;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::LocationId;
use rand::{Rng as _, SeedableRng as _};

use super::flash::post_unit;
use super::load::{Pace, drive};
use super::orders::OrderLoad;
use super::target::Server;
use super::{Run, checks};

/// References the clients were told are reserved.
type Acked = Arc<Mutex<Vec<String>>>;

/// Runs the iterations; the problems found go to `run.problems`.
pub async fn run(run: &mut Run) -> anyhow::Result<()> {
    println!("== crash: {} kill -9 iterations", run.args.iterations);
    let mut rng = rand::rngs::StdRng::seed_from_u64(run.args.seed);
    let mut ready_ms = Vec::new();
    let loads: Vec<_> = (0..run.args.iterations)
        .map(|i| run.order_load(&format!("crash{i}")))
        .collect();
    let reserved: Acked = Arc::default();
    for (i, load) in loads.iter().enumerate() {
        let kill_at = Duration::from_millis(rng.random_range(300..=2_500));
        ready_ms.push(iteration(run, i, load, &reserved, kill_at).await?);
    }
    let refs = reserved.lock().map(|r| r.clone()).unwrap_or_default();
    for reference in &refs {
        let app = &run.target.app;
        let got = omnihub_app::inventory::get_reservation(
            app,
            &Actor::system(),
            run.fixture.merchant,
            reference,
        )
        .await;
        if got.is_err() {
            run.problems
                .push(format!("acknowledged reservation {reference} is missing"));
        }
    }
    ready_ms.sort_by(f64::total_cmp);
    let total: usize = loads
        .iter()
        .map(|l| l.acknowledged.lock().map(|a| a.len()).unwrap_or(0))
        .sum();
    println!(
        "   {} iterations: {total} acknowledged orders and {} acknowledged reservations all checked; restart-to-ready p50 {:.0} ms, max {:.0} ms",
        run.args.iterations,
        refs.len(),
        ready_ms
            .get(ready_ms.len() / 2)
            .copied()
            .unwrap_or(f64::NAN),
        ready_ms.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

/// One blow: load, SIGKILL at `kill_at`, restart, check. The restart-to-ready time in ms.
async fn iteration(
    run: &mut Run,
    i: usize,
    load: &Arc<OrderLoad>,
    reserved: &Acked,
    kill_at: Duration,
) -> anyhow::Result<f64> {
    let (l, r) = (load.clone(), reserved.clone());
    let (http, base, key) = (run.http.clone(), run.base(), run.fixture.key.clone());
    let skus: Arc<Vec<SkuId>> = Arc::new(run.fixture.skus.iter().map(|s| s.0).collect());
    let location = run.fixture.locations[1];
    let pace = Pace {
        clients: run.args.clients,
        duration: kill_at + Duration::from_millis(300),
        max_ops: None,
        rate: None,
    };
    let clients = tokio::spawn(drive(pace, move |n| {
        let (l, r, http, base, key, skus) = (
            l.clone(),
            r.clone(),
            http.clone(),
            base.clone(),
            key.clone(),
            skus.clone(),
        );
        async move {
            if n.is_multiple_of(2) {
                return l.place(n).await;
            }
            let sku = skus[usize::try_from(n).unwrap_or(0) % skus.len()];
            reserve_one(
                &http,
                &base,
                &key,
                sku,
                location,
                format!("crash-{i}-{n}"),
                &r,
            )
            .await
        }
    }));
    tokio::time::sleep(kill_at).await;
    let port = run.server.as_ref().map_or(0, Server::port);
    if let Some(server) = run.server.take() {
        server.kill()?;
    }
    let tally = clients.await?;
    let (server, ready) = Server::start_on(&run.target, &run.http, port).await?;
    run.server = Some(server);
    let ids: Vec<String> = load
        .acknowledged
        .lock()
        .map(|a| a.keys().cloned().collect())
        .unwrap_or_default();
    println!(
        "   iteration {i}: killed at {} ms, {} answers ({} orders acknowledged), ready again in {:.0} ms",
        kill_at.as_millis(),
        tally.total(),
        ids.len(),
        ready.as_secs_f64() * 1000.0
    );
    let found = checks::verify(&run.target.app, &run.fixture, ids.into_iter(), false).await?;
    run.problems.extend(
        found
            .problems
            .into_iter()
            .map(|p| format!("iteration {i}: {p}")),
    );
    Ok(ready.as_secs_f64() * 1000.0)
}

/// One single-unit reservation; remembered when the server said yes.
async fn reserve_one(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    sku: SkuId,
    location: LocationId,
    reference: String,
    acked: &Acked,
) -> String {
    let Some(answer) = post_unit(http, base, key, sku, location, &reference).await else {
        return "no answer".to_owned();
    };
    if answer.status == 201 || answer.status == 200 {
        acked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reference);
    }
    answer.class()
}
