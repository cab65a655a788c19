//! kill -9 under load: for each iteration, B1 orders and single-unit reservations run from
//! the clients while the server is killed with SIGKILL at a random moment; the server is
//! started again on the same port (its restart-to-ready time is recorded), and then every
//! order and every reservation the clients were told about must be there exactly once,
//! and every integrity check must pass. Orders that committed without their answer
//! reaching the client may exist too (that is not a loss).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use omnihub_app::Actor;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;

use super::load::{Pace, class_of, drive};
use super::target::Server;
use super::{Run, checks};

/// Runs the iterations; the problems found go to `run.problems`.
pub async fn run(run: &mut Run) -> anyhow::Result<()> {
    println!("== crash: {} kill -9 iterations", run.args.iterations);
    let mut rng = rand::rngs::StdRng::seed_from_u64(run.args.seed);
    let mut ready_ms = Vec::new();
    let loads: Vec<_> = (0..run.args.iterations)
        .map(|i| run.order_load(&format!("crash{i}")))
        .collect();
    let reserved: Arc<Mutex<Vec<String>>> = Arc::default();
    for (i, load) in loads.iter().enumerate() {
        let kill_at = Duration::from_millis(rng.random_range(300..=2_500));
        let (l, r) = (load.clone(), reserved.clone());
        let (http, base, key) = (run.http.clone(), run.base(), run.fixture.key.clone());
        let sku = run.fixture.skus.clone();
        let location = run.fixture.locations[1];
        let pace = Pace {
            clients: run.args.clients,
            duration: kill_at + Duration::from_millis(300),
            max_ops: None,
            rate: None,
        };
        let clients = tokio::spawn(drive(pace, move |n| {
            let (l, r, http, base, key, sku) = (
                l.clone(),
                r.clone(),
                http.clone(),
                base.clone(),
                key.clone(),
                sku.clone(),
            );
            async move {
                if n % 2 == 0 {
                    return l.place(n).await;
                }
                let reference = format!("crash-{i}-{n}");
                let sku_id = sku[usize::try_from(n).unwrap_or(0) % sku.len()].0;
                let body = json!({"lines": [{"reference": reference, "sku_id": sku_id.to_string(), "location_id": location.to_string(), "quantity": 1}]});
                match http
                    .post(format!("{base}/api/v1/inventory/reservations"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let bytes = resp.bytes().await.unwrap_or_default();
                        if status == 201 || status == 200 {
                            r.lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .push(reference);
                        }
                        class_of(status, &bytes)
                    }
                    Err(_) => "no answer".to_owned(),
                }
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
        ready_ms.push(ready.as_secs_f64() * 1000.0);
        let acked = load.acknowledged.lock().map(|a| a.len()).unwrap_or(0);
        println!(
            "   iteration {i}: killed at {} ms, {} answers ({} orders acknowledged), ready again in {:.0} ms",
            kill_at.as_millis(),
            tally.total(),
            acked,
            ready.as_secs_f64() * 1000.0
        );
        let ids: Vec<String> = load
            .acknowledged
            .lock()
            .map(|a| a.keys().cloned().collect())
            .unwrap_or_default();
        let found = checks::verify(&run.target.app, &run.fixture, ids.into_iter(), false).await?;
        run.problems.extend(
            found
                .problems
                .into_iter()
                .map(|p| format!("iteration {i}: {p}")),
        );
    }
    let refs = reserved.lock().map(|r| r.clone()).unwrap_or_default();
    for reference in &refs {
        let got = omnihub_app::inventory::get_reservation(
            &run.target.app,
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
        "   {} iterations: {total} acknowledged orders and {} acknowledged reservations all found; restart-to-ready p50 {:.0} ms, max {:.0} ms",
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
