//! The floors every figure is divided by, measured in the same run with the same client:
//! an axum handler that does nothing (GET, and a small JSON POST) over the same HTTP
//! client; the database's own conditional decrement on one hot row (1 and 64 clients) and
//! over 10,000 rows with a ledger insert; PostgreSQL COPY; and the disk's fsync time.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use axum::routing::get;
use omnihub_store::{Db, DbOptions, floors};

use super::load::{Pace, Tally, drive};
use super::target::Target;

/// One floor's figure.
#[derive(Debug, Clone)]
pub struct Floor {
    pub name: String,
    pub tally: Tally,
}

/// What the floors measured.
#[derive(Debug, Clone, Default)]
pub struct Floors {
    pub rows: Vec<Floor>,
    /// PostgreSQL COPY rows per second.
    pub copy_rows_per_second: Option<f64>,
    /// Median and p99 of one 4 KiB write + fdatasync, in ms.
    pub fsync_ms: (f64, f64),
}

impl Floors {
    /// The throughput of the floor named `name`.
    pub fn rate(&self, name: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.tally.per_second())
    }
}

pub const NOOP_GET: &str = "axum no-op GET";
pub const NOOP_POST: &str = "axum no-op JSON POST";
pub const HOT_1: &str = "hot row decrement, 1 client";
pub const HOT_64: &str = "hot row decrement, 64 clients";
pub const SPREAD: &str = "10,000 rows decrement + ledger insert, 64 clients";

/// Measures every floor for `seconds` each.
pub async fn measure(
    target: &Target,
    http: &reqwest::Client,
    seconds: f64,
) -> anyhow::Result<Floors> {
    let duration = Duration::from_secs_f64(seconds);
    let mut out = Floors::default();
    let base = noop_server().await?;
    let get_url = format!("{base}/noop");
    let client = http.clone();
    let tally = drive(pace(64, duration), move |_| {
        let (client, url) = (client.clone(), get_url.clone());
        async move { status_class(client.get(url).send().await).await }
    })
    .await;
    out.rows.push(Floor {
        name: NOOP_GET.into(),
        tally,
    });
    let post_url = format!("{base}/noop");
    let client = http.clone();
    let tally = drive(pace(64, duration), move |n| {
        let (client, url) = (client.clone(), post_url.clone());
        let body = serde_json::json!({"reference": format!("floor-{n}"), "quantity": 1});
        async move { status_class(client.post(url).json(&body).send().await).await }
    })
    .await;
    out.rows.push(Floor {
        name: NOOP_POST.into(),
        tally,
    });
    database_floors(target, duration, &mut out).await?;
    out.fsync_ms = fsync_ms(&target.data_dir())?;
    Ok(out)
}

fn pace(clients: usize, duration: Duration) -> Pace {
    Pace {
        clients,
        duration,
        max_ops: None,
        rate: None,
    }
}

async fn status_class(r: reqwest::Result<reqwest::Response>) -> String {
    let Ok(r) = r else {
        return "no answer".into();
    };
    let status = r.status().as_u16();
    match r.bytes().await {
        Ok(body) => super::load::class_of(status, &body),
        Err(_) => "no answer".into(),
    }
}

/// An axum server on a free loopback port whose handlers do nothing.
async fn noop_server() -> anyhow::Result<String> {
    let app = axum::Router::new().route(
        "/noop",
        get(|| async { axum::http::StatusCode::NO_CONTENT }).post(
            |axum::Json(v): axum::Json<serde_json::Value>| async move {
                axum::Json(serde_json::json!({"ok": true, "echo": v.get("reference")}))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}"))
}

/// The database floors on a pool of 64 connections: the run's PostgreSQL database, or a
/// scratch SQLite file beside the run's (same settings as the server's, one writer).
async fn database_floors(
    target: &Target,
    duration: Duration,
    out: &mut Floors,
) -> anyhow::Result<()> {
    let options = DbOptions {
        max_connections: 64,
        ..DbOptions::default()
    };
    let db = match &target.config.database_url {
        Some(url) => Db::connect(url, &options).await?,
        None => Db::open_sqlite(&target.data_dir().join("floors.db"), &options).await?,
    };
    floors::prepare(&db).await?;
    for (name, clients, spread) in [(HOT_1, 1, false), (HOT_64, 64, false), (SPREAD, 64, true)] {
        let taken = Arc::new(AtomicI64::new(0));
        let (d, t) = (db.clone(), taken.clone());
        let tally = drive(pace(clients, duration), move |n| {
            let (db, taken) = (d.clone(), t.clone());
            async move {
                let row = if spread {
                    (n as i64 % floors::SPREAD_ROWS) + 1
                } else {
                    1
                };
                let done = if spread {
                    floors::decrement_with_ledger(&db, row).await
                } else {
                    floors::decrement(&db, row).await
                };
                match done {
                    Ok(true) => {
                        taken.fetch_add(1, Ordering::Relaxed);
                        "taken".to_owned()
                    }
                    Ok(false) => "none left".to_owned(),
                    Err(e) => format!("error {e}"),
                }
            }
        })
        .await;
        if !spread {
            let left = floors::available(&db, 1).await?;
            anyhow::ensure!(
                floors::START_UNITS - left == taken.swap(0, Ordering::Relaxed),
                "the hot-row floor took a different number of units than it counted"
            );
            floors::prepare(&db).await?;
        }
        out.rows.push(Floor {
            name: name.into(),
            tally,
        });
    }
    let started = Instant::now();
    if let Some(rows) = floors::copy_ledger_rows(&db, 1_000_000).await? {
        out.copy_rows_per_second = Some(rows as f64 / started.elapsed().as_secs_f64());
    }
    floors::drop_tables(&db).await?;
    db.close().await;
    Ok(())
}

/// 200 writes of 4 KiB, each followed by fdatasync, in `dir`: the disk's commit cost.
fn fsync_ms(dir: &std::path::Path) -> anyhow::Result<(f64, f64)> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("fsync-floor.bin");
    let mut file = std::fs::File::create(&path)?;
    let block = [0x5au8; 4096];
    let mut times = Vec::with_capacity(200);
    for _ in 0..200 {
        let t = Instant::now();
        file.write_all(&block)?;
        file.sync_data()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() * 99 / 100]))
}
