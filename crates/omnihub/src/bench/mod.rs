//! `omnihub bench SCENARIO`: the load tool of issue 8. It prepares a fresh database,
//! builds the fixture merchant through the use cases, starts `omnihub serve` as a child
//! process, measures the floors with the same HTTP client, runs the scenario, checks the
//! invariants and prints one table (docs/benchmarks.md explains every column).
//!
//! A benchmark measures wall-clock time, so `Instant::now` is its point, not ambient
//! state; the server it measures keeps its injected clock.
#![allow(clippy::disallowed_methods)]

mod checks;
mod crash;
mod fixture;
mod flash;
mod floors;
mod load;
mod orders;
mod outage;
mod procstat;
mod report;
mod target;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::ValueEnum;

use crate::config::Config;
use load::{Pace, Tally, drive};
use report::Row;
use target::{Server, Target};

/// `omnihub bench` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// What to run.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// A PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the run
    /// creates its own database there and drops it afterwards. Default: embedded SQLite.
    #[arg(long, env = "OMNIHUB_BENCH_POSTGRES", value_name = "URL")]
    pub postgres: Option<String>,
    /// SQLite: the run's data directory (default: a new temporary one).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Concurrent clients (B1, B3, B7, crash).
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds each measured row runs.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Seconds each floor runs.
    #[arg(long, default_value_t = 3.0)]
    pub floor_seconds: f64,
    /// Spread SKUs of the fixture (Zipf demand over them).
    #[arg(long, default_value_t = 10_000)]
    pub skus: usize,
    /// Units of each spread SKU at each of the three warehouses.
    #[arg(long, default_value_t = 100)]
    pub units: i64,
    /// B2: hot SKUs per sale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=5))]
    pub hot: u64,
    /// B2: units of each hot SKU.
    #[arg(long, default_value_t = 10_000)]
    pub hot_units: i64,
    /// B2: concurrent buyers, one sale each (comma-separated).
    #[arg(long, default_value = "256,2048", value_delimiter = ',')]
    pub buyers: Vec<usize>,
    /// B2: randomized short sales after the measured ones (hot SKUs, buyers and stock
    /// drawn at random), each checked for 0 oversold and 0 undersold.
    #[arg(long, default_value_t = 0)]
    pub runs: u32,
    /// crash: kill -9 iterations.
    #[arg(long, default_value_t = 20)]
    pub iterations: u32,
    /// Skip the floors.
    #[arg(long)]
    pub no_floors: bool,
    /// Keep the run's database.
    #[arg(long)]
    pub keep: bool,
    /// outage: the shell command that stops PostgreSQL at once (e.g. `pg_ctl -m immediate stop`).
    #[arg(long, value_name = "CMD")]
    pub outage_stop: Option<String>,
    /// outage: the shell command that starts it again.
    #[arg(long, value_name = "CMD")]
    pub outage_start: Option<String>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// Only the floors.
    Floors,
    /// Place order.
    B1,
    /// Flash sale.
    B2,
    /// Retry storm.
    B3,
    /// Reads with 5% B1 writes.
    B7,
    /// kill -9 the server under B1 + B2 load, restart, check.
    Crash,
    /// PostgreSQL stopped and started under B1 load (scripts/bench.sh outage).
    Outage,
    /// SQLite on a full disk under B1 load, then with space again (scripts/bench.sh diskfull).
    Diskfull,
}

/// Everything a scenario has at hand.
pub struct Run {
    pub args: BenchArgs,
    pub target: Target,
    pub fixture: fixture::Fixture,
    pub http: reqwest::Client,
    pub server: Option<Server>,
    pub rows: Vec<Row>,
    pub floors: Option<floors::Floors>,
    pub problems: Vec<String>,
}

/// Runs the scenario; exit code 1 when an invariant failed.
pub async fn run(config: &Config, args: BenchArgs) -> anyhow::Result<ExitCode> {
    let label = format!("{:?}", args.scenario).to_lowercase();
    let target = Target::prepare(
        config,
        args.postgres.as_deref(),
        args.data_dir.clone(),
        &label,
    )
    .await?;
    println!(
        "== {label} on {}: building the fixture ({} SKUs)",
        target.backend, args.skus
    );
    let t = std::time::Instant::now();
    let fixture = fixture::build(&target.app, args.skus, args.units).await?;
    println!("   fixture ready in {:.1} s", t.elapsed().as_secs_f64());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .timeout(Duration::from_secs(60))
        .build()?;
    let (server, ready) = Server::start(&target, &http).await?;
    println!(
        "   server ready in {:.0} ms (pid {})",
        ready.as_secs_f64() * 1000.0,
        server.pid()
    );
    let mut run = Run {
        args,
        target,
        fixture,
        http,
        server: Some(server),
        rows: Vec::new(),
        floors: None,
        problems: Vec::new(),
    };
    if !run.args.no_floors
        && matches!(
            run.args.scenario,
            Scenario::Floors | Scenario::B1 | Scenario::B2 | Scenario::B3 | Scenario::B7
        )
    {
        println!("== floors");
        run.floors = Some(floors::measure(&run.target, &run.http, run.args.floor_seconds).await?);
    }
    match run.args.scenario {
        Scenario::Floors => {}
        Scenario::B1 => b1(&mut run).await?,
        Scenario::B2 => b2(&mut run).await?,
        Scenario::B3 => b3(&mut run).await?,
        Scenario::B7 => b7(&mut run).await?,
        Scenario::Crash => crash::run(&mut run).await?,
        Scenario::Outage => outage::postgres(&mut run).await?,
        Scenario::Diskfull => outage::disk_full(&mut run).await?,
    }
    finish(run, &label).await
}

async fn finish(mut run: Run, label: &str) -> anyhow::Result<ExitCode> {
    let durability = omnihub_store::floors::durability(&run.target.app.db).await?;
    if let Some(server) = run.server.take() {
        server.stop()?;
    }
    let title = format!(
        "omnihub bench {label} ({} clients, {} s rows, {} SKUs)",
        run.args.clients, run.args.seconds, run.args.skus
    );
    report::print(
        &title,
        run.target.backend,
        &run.rows,
        run.floors.as_ref(),
        &durability,
    );
    let failed = !run.problems.is_empty();
    if failed {
        println!("INVARIANTS FAILED:");
        for p in run.problems.iter().take(50) {
            println!("  - {p}");
        }
    } else {
        println!(
            "Invariants held: omnihub check passes; every acknowledged order is held exactly once."
        );
    }
    run.target.clean_up(run.args.keep).await?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

impl Run {
    fn server_pid(&self) -> u32 {
        self.server.as_ref().map_or(0, Server::pid)
    }

    fn base(&self) -> String {
        self.server
            .as_ref()
            .map_or_else(String::new, |s| s.base.clone())
    }

    fn floor(&self, name: &'static str) -> Option<(&'static str, f64)> {
        self.floors
            .as_ref()
            .and_then(|f| f.rate(name))
            .map(|r| (name, r))
    }

    /// Drives `op` under `pace` and records the row with its CPU and memory figures.
    async fn measure<F, Fut>(
        &mut self,
        label: String,
        pace: Pace,
        floor: Option<&'static str>,
        op: F,
    ) -> Tally
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = String> + Send,
    {
        let pid = self.server_pid();
        let database = self.target.database_name().map(str::to_owned);
        let before = procstat::CpuTicks::sample(pid, database.as_deref());
        let tally = drive(pace, op).await;
        let cpu_ms = before.ms_until(&procstat::CpuTicks::sample(pid, database.as_deref()));
        println!(
            "   {label}: {} ops, {:.0}/s",
            tally.total(),
            tally.per_second()
        );
        self.rows.push(Row {
            label,
            tally: tally.clone(),
            cpu_ms,
            peak_rss_mib: procstat::peak_rss_mib(pid),
            floor: floor.and_then(|f| self.floor(f)),
            latency_of: None,
        });
        tally
    }

    fn order_load(&self, run: &str) -> Arc<orders::OrderLoad> {
        Arc::new(orders::OrderLoad {
            http: self.http.clone(),
            base: self.base(),
            fixture: self.fixture.clone(),
            zipf: orders::Zipf::new(self.fixture.skus.len()),
            seed: self.args.seed,
            run: run.to_owned(),
            acknowledged: Mutex::new(HashMap::new()),
            violations: Mutex::new(Vec::new()),
        })
    }

    async fn verify_orders(
        &mut self,
        loads: &[&orders::OrderLoad],
        strict: bool,
    ) -> anyhow::Result<()> {
        let ids: Vec<String> = loads
            .iter()
            .flat_map(|l| {
                l.acknowledged
                    .lock()
                    .map(|a| a.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .collect();
        let found =
            checks::verify(&self.target.app, &self.fixture, ids.into_iter(), strict).await?;
        println!(
            "   checks: {} orders held, {} problems",
            found.orders_held,
            found.problems.len()
        );
        self.problems.extend(found.problems);
        Ok(())
    }

    fn pace(&self, max_ops: Option<u64>, rate: Option<f64>) -> Pace {
        Pace {
            clients: self.args.clients,
            duration: Duration::from_secs_f64(self.args.seconds),
            max_ops,
            rate,
        }
    }
}

/// B1: the peak (closed loop), then an open loop at half the peak for the latency target.
async fn b1(run: &mut Run) -> anyhow::Result<()> {
    println!("== B1 place order");
    let load = run.order_load("b1");
    let l = load.clone();
    let peak = run
        .measure(
            "B1 peak (closed loop)".into(),
            run.pace(None, None),
            Some(floors::SPREAD),
            move |n| {
                let l = l.clone();
                async move { l.place(n).await }
            },
        )
        .await;
    let half = peak.per_second() / 2.0;
    let l = load.clone();
    let offset = peak.total() + 1_000_000;
    run.measure(
        format!("B1 at half the peak ({half:.0}/s, open loop)"),
        run.pace(None, Some(half)),
        Some(floors::SPREAD),
        move |n| {
            let l = l.clone();
            async move { l.place(n + offset).await }
        },
    )
    .await;
    run.verify_orders(&[&load], true).await
}

/// B3: B1 with a fifth of the orders retried.
async fn b3(run: &mut Run) -> anyhow::Result<()> {
    println!("== B3 retry storm");
    let load = run.order_load("b3");
    let l = load.clone();
    run.measure(
        "B3 retry storm (20% retried 1-3 times)".into(),
        run.pace(None, None),
        Some(floors::SPREAD),
        move |n| {
            let l = l.clone();
            async move { l.place_with_retries(n).await }
        },
    )
    .await;
    if let Ok(v) = load.violations.lock() {
        println!("   replay violations: {}", v.len());
        run.problems.extend(v.iter().cloned());
    }
    run.verify_orders(&[&load], true).await
}

/// B2: one measured sale per buyer count, then the randomized short sales.
async fn b2(run: &mut Run) -> anyhow::Result<()> {
    println!("== B2 flash sale");
    for (i, buyers) in run.args.buyers.clone().into_iter().enumerate() {
        let label = format!("F{i}");
        let hot = usize::try_from(run.args.hot)?;
        sale(run, &label, hot, run.args.hot_units, buyers, true).await?;
    }
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(run.args.seed);
    for r in 0..run.args.runs {
        use rand::Rng as _;
        let hot = rng.random_range(1..=5usize);
        let buyers = rng.random_range(256..=2048usize);
        let units = rng.random_range(20..=200i64);
        sale(run, &format!("R{r}"), hot, units, buyers, false).await?;
    }
    if run.args.runs > 0 {
        println!("   {} randomized sales checked", run.args.runs);
    }
    Ok(())
}

async fn sale(
    run: &mut Run,
    label: &str,
    hot: usize,
    units: i64,
    concurrency: usize,
    record: bool,
) -> anyhow::Result<()> {
    let skus = flash::hot_skus(&run.target.app, &run.fixture, label, hot, units).await?;
    let demand = u64::try_from(units)? * hot as u64 * 2;
    let sale = Arc::new(flash::Sale {
        http: run.http.clone(),
        base: run.base(),
        key: run.fixture.key.clone(),
        skus,
        location: run.fixture.locations[0],
        units,
        label: label.to_owned(),
        outcome: Mutex::new((0, 0, 0)),
    });
    let pace = Pace {
        clients: concurrency,
        duration: Duration::from_secs(600),
        max_ops: Some(demand),
        rate: None,
    };
    let s = sale.clone();
    let op = move |n| {
        let s = s.clone();
        async move { s.buy(n).await }
    };
    if record {
        let name = format!("B2 {concurrency} buyers, {hot} hot SKU × {units} units");
        run.measure(name, pace, Some(floors::HOT_64), op).await;
        if let Some(last) = run.rows.last() {
            let sold_out = Row {
                label: format!("… of which sold-out answers ({concurrency} buyers)"),
                tally: last.tally.clone(),
                cpu_ms: last.cpu_ms,
                peak_rss_mib: last.peak_rss_mib,
                floor: None,
                latency_of: Some(|c| c == "sold out"),
            };
            run.rows.push(sold_out);
        }
    } else {
        drive(pace, op).await;
    }
    let (over, under) = sale.verdict(&run.target.app, &run.fixture, demand).await?;
    let (repeats, shed) = sale.outcome.lock().map(|o| (o.1, o.2)).unwrap_or((0, 0));
    println!(
        "   sale {label}: {hot} SKU × {units} units, {concurrency} buyers at once, {demand} buyers: oversold {over}, undersold {under}, {shed} shed requests sent again"
    );
    if over != 0 || under != 0 || repeats != 0 {
        run.problems.push(format!("sale {label}: oversold {over}, undersold {under}, repeat buyers given another reservation {repeats}"));
    }
    Ok(())
}

/// B7: 95% reads (available-to-sell of a Zipf SKU, order search by external id) with 5%
/// B1 writes, after a B1 warm-up that leaves orders to find.
async fn b7(run: &mut Run) -> anyhow::Result<()> {
    println!("== B7 reads (warm-up: B1 for {} s)", run.args.seconds / 2.0);
    let load = run.order_load("b7");
    let l = load.clone();
    let warm = Pace {
        duration: Duration::from_secs_f64(run.args.seconds / 2.0),
        ..run.pace(None, None)
    };
    drive(warm, move |n| {
        let l = l.clone();
        async move { l.place(n).await }
    })
    .await;
    let known: Arc<Vec<String>> = Arc::new(
        load.acknowledged
            .lock()
            .map(|a| a.keys().cloned().collect())
            .unwrap_or_default(),
    );
    let l = load.clone();
    let http = run.http.clone();
    let (base, key) = (run.base(), run.fixture.key.clone());
    let location = run.fixture.locations.clone();
    run.measure(
        "B7 95% reads + 5% B1 writes".into(),
        run.pace(None, None),
        Some(floors::NOOP_GET),
        move |n| {
            let (l, http, base, key, known, location) = (
                l.clone(),
                http.clone(),
                base.clone(),
                key.clone(),
                known.clone(),
                location.clone(),
            );
            async move { read_or_write(&l, &http, &base, &key, &known, &location, n).await }
        },
    )
    .await;
    if let Some(last) = run.rows.last() {
        let reads = Row {
            label: "… of which reads".into(),
            tally: last.tally.clone(),
            cpu_ms: last.cpu_ms,
            peak_rss_mib: last.peak_rss_mib,
            floor: None,
            latency_of: Some(|c| c.starts_with("read")),
        };
        run.rows.push(reads);
    }
    run.verify_orders(&[&load], true).await
}

async fn read_or_write(
    l: &orders::OrderLoad,
    http: &reqwest::Client,
    base: &str,
    key: &str,
    known: &[String],
    locations: &[omnihub_domain::inventory::LocationId],
    n: u64,
) -> String {
    if n % 20 == 19 || known.is_empty() {
        return l.place(n + 10_000_000).await;
    }
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(n ^ 0x5eed);
    let (kind, url) = if n.is_multiple_of(2) {
        let sku = &l.fixture.skus[l.zipf.sample(&mut rng)].0;
        let loc = locations[usize::try_from(n % 3).unwrap_or(0)];
        (
            "read level",
            format!("{base}/api/v1/inventory/levels/{sku}/{loc}"),
        )
    } else {
        let id = &known[usize::try_from(n).unwrap_or(0) % known.len()];
        (
            "read order search",
            format!("{base}/api/v1/orders?q={id}&limit=20"),
        )
    };
    match http.get(url).bearer_auth(key).send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            let body = r.bytes().await.unwrap_or_default();
            if s == 200 {
                format!("{kind} 200")
            } else {
                format!("{kind} {}", load::class_of(s, &body))
            }
        }
        Err(_) => format!("{kind} no answer"),
    }
}
