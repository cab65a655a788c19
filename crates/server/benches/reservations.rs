//! Reservation benchmark (issue 5): reservations per second with 64 concurrent clients, on
//! 1,000 SKUs (spread) and on one hot SKU, at three depths, on SQLite and PostgreSQL:
//!
//! - **floor**: the reservation's own two statements (insert the reservation row, the
//!   conditional `UPDATE stock_levels … WHERE on_hand - reserved >= q`) in one write
//!   transaction, straight through the store — no HTTP, no use case;
//! - **use case**: `omnihub_app::inventory::reserve` (permission, listed-SKU and location
//!   checks, alerts, the audit entry) called in process;
//! - **HTTP**: `POST /api/v1/inventory/reservations` over a real loopback socket to the
//!   same router `omnihub serve` runs, with keep-alive connections (reqwest).
//!
//! Each run ends with `omnihub check`'s inventory checks and compares the reserved total
//! with the successes counted by the clients. Run with
//!
//! ```text
//! cargo bench -p omnihub-server --bench reservations               # SQLite, then PostgreSQL
//! OMNIHUB_TEST_DB=sqlite cargo bench -p omnihub-server --bench reservations
//! OMNIHUB_BENCH_SECONDS=10 cargo bench -p omnihub-server --bench reservations
//! ```
//!
//! Figures go to docs/benchmarks.md. Timings are printed, never asserted.

// A benchmark measures wall-clock time, so `Instant::now` is its point, not ambient state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use omnihub_app::catalog::{self, ProductInput, ReviewInput, SkuInput, taxonomy};
use omnihub_app::inventory::{self as inv, LocationInput, ReceiptInput, ReceiptLine, ReserveLine};
use omnihub_app::{Actor, Principal, RequestMeta};
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::catalog::{Decision, SkuId};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::inventory::LocationId;
use omnihub_testkit::omnihub_store::inventory::{self as store, ReservationRow};
use omnihub_testkit::omnihub_store::{checks, time};
use omnihub_testkit::{TestApp, TestBackend, backend_enabled};

/// SKUs in the spread scenario.
const SKUS: usize = 1_000;
/// Concurrent clients.
const CLIENTS: usize = 64;
/// Units of each SKU on hand: enough that nothing sells out during a run.
const STOCK: i64 = 10_000_000;

/// How long each (depth, scenario) runs.
fn run_for() -> Duration {
    let secs = std::env::var("OMNIHUB_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    Duration::from_secs(secs)
}

/// What one run measured.
struct Figures {
    ok: u64,
    refused: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: usize) -> String {
        if self.latencies.is_empty() {
            return "-".into();
        }
        let i = (self.latencies.len() * p / 100).min(self.latencies.len() - 1);
        format!("{:.1}", self.latencies[i].as_secs_f64() * 1000.0)
    }
}

/// The merchant, a staff person with inventory permissions, the location and the SKUs.
struct Setup {
    merchant: MerchantId,
    person: Actor,
    token: String,
    location: LocationId,
    skus: Vec<SkuId>,
}

async fn person(app: &TestApp, merchant: MerchantId) -> (Actor, String) {
    let codes: Vec<&str> = [
        Permission::CatalogRead,
        Permission::CatalogReview,
        Permission::InventoryRead,
        Permission::InventoryAdjust,
    ]
    .iter()
    .map(|p| p.code())
    .collect();
    app.custom_role(merchant, "bench_inventory", &codes).await;
    let email = "bench@omnihub.test";
    let token = app
        .staff_user(Some(merchant), email, &["bench_inventory"])
        .await;
    let id: UserId = app.user_id(email).await.parse().unwrap();
    let actor = Actor {
        principal: Principal::User {
            id,
            email: email.to_owned(),
        },
        platform: false,
        merchant: Some(merchant),
        permissions: [
            Permission::CatalogRead,
            Permission::CatalogReview,
            Permission::InventoryRead,
            Permission::InventoryAdjust,
        ]
        .into_iter()
        .collect::<PermissionSet>(),
        mfa_enrolment_required: false,
        meta: RequestMeta::default(),
    };
    (actor, token)
}

/// 1,000 listed SKUs (the system operator submits, the person approves) with
/// [`STOCK`] units each at one warehouse.
async fn setup(app: &TestApp) -> Setup {
    let a = &app.app;
    let system = Actor::system();
    let merchant = app.merchant("bench").await;
    let (person, token) = person(app, merchant).await;
    let category = taxonomy::create_category(a, &system, merchant, "Goods", None)
        .await
        .unwrap();
    let mut skus = Vec::with_capacity(SKUS);
    for i in 0..SKUS {
        let input = ProductInput {
            name: format!("Widget {i:04}"),
            category_id: Some(category.id),
            description: "A widget".into(),
            images: vec!["https://cdn.example.com/w.jpg".into()],
            skus: vec![SkuInput {
                code: format!("W-{i:04}"),
                price: "25".into(),
                cost: Some("10".into()),
                ..SkuInput::default()
            }],
            ..ProductInput::default()
        };
        let p = catalog::create(a, &system, merchant, input).await.unwrap();
        catalog::submit(a, &system, merchant, p.id).await.unwrap();
        let approve = ReviewInput {
            level: 1,
            decision: Decision::Approve,
            reason: None,
        };
        catalog::decide(a, &person, merchant, p.id, approve)
            .await
            .unwrap();
        let p = catalog::list_for_sale(a, &system, merchant, p.id)
            .await
            .unwrap();
        skus.push(p.skus[0].id);
    }
    let location = inv::create_location(
        a,
        &system,
        merchant,
        LocationInput {
            code: "WH1".into(),
            name: "Warehouse 1".into(),
            kind: "warehouse".into(),
            country: "CN".into(),
            ..LocationInput::default()
        },
    )
    .await
    .unwrap()
    .id;
    let lines = skus
        .iter()
        .map(|&sku_id| ReceiptLine {
            sku_id,
            quantity: STOCK,
        })
        .collect();
    let receipt = ReceiptInput {
        location_id: Some(location),
        lines,
        reference: "BENCH-STOCK".into(),
        note: None,
    };
    inv::receive(a, &system, merchant, receipt).await.unwrap();
    Setup {
        merchant,
        person,
        token,
        location,
        skus,
    }
}

/// The depth a reservation is made at.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Depth {
    Floor,
    UseCase,
    Http,
}

impl Depth {
    fn label(self) -> &'static str {
        match self {
            Self::Floor => "floor: 2 statements, no HTTP",
            Self::UseCase => "use case in process",
            Self::Http => "HTTP over loopback",
        }
    }
}

/// Everything a client task needs.
struct Shared {
    app: omnihub_app::App,
    setup: Setup,
    http: reqwest::Client,
    base: String,
    hot: bool,
    depth: Depth,
    run: String,
    counter: AtomicU64,
}

impl Shared {
    /// The SKU of the `n`th reservation: always the first in the hot scenario, else spread.
    fn sku(&self, n: u64) -> SkuId {
        if self.hot {
            self.setup.skus[0]
        } else {
            let i = usize::try_from(n.wrapping_mul(2_654_435_761) % SKUS as u64).unwrap();
            self.setup.skus[i]
        }
    }
}

/// One reservation of one unit; `Ok(true)` reserved, `Ok(false)` refused (out of stock).
async fn reserve_one(s: &Shared, n: u64) -> bool {
    let sku = s.sku(n);
    let reference = format!("{}-{n}", s.run);
    let m = s.setup.merchant;
    match s.depth {
        Depth::Floor => {
            let now = time::to_db(s.app.now());
            let row = ReservationRow {
                id: s.app.ids.new_id(),
                reference,
                sku_id: sku.as_uuid(),
                location_id: s.setup.location.as_uuid(),
                quantity: 1,
                status: "open".into(),
                created_at: now,
                updated_at: now,
            };
            let mut tx = s.app.db.begin_write().await.unwrap();
            store::insert_reservation(&mut tx, m, &row).await.unwrap();
            let level = store::reserve(&mut tx, m, row.sku_id, row.location_id, 1, now)
                .await
                .unwrap();
            if level.is_some() {
                tx.commit().await.unwrap();
                true
            } else {
                drop(tx); // rolls back
                false
            }
        }
        Depth::UseCase => {
            let line = ReserveLine {
                reference,
                sku_id: sku,
                location_id: s.setup.location,
                quantity: 1,
            };
            inv::reserve(&s.app, &s.setup.person, m, &[line])
                .await
                .is_ok()
        }
        Depth::Http => {
            let body = serde_json::json!({"lines": [{
                "reference": reference,
                "sku_id": sku.to_string(),
                "location_id": s.setup.location.to_string(),
                "quantity": 1,
            }]});
            let r = s
                .http
                .post(format!("{}/api/v1/inventory/reservations", s.base))
                .bearer_auth(&s.setup.token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let text = r.text().await.unwrap();
            assert!(
                status.is_success() || status.as_u16() == 409,
                "{status}: {text}"
            );
            status.is_success()
        }
    }
}

/// [`CLIENTS`] tasks reserving one unit at a time until the time is up.
async fn run_clients(s: Arc<Shared>) -> Figures {
    let deadline = Instant::now() + run_for();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let (mut ok, mut refused, mut lat) = (0, 0, Vec::new());
                while Instant::now() < deadline {
                    let n = s.counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    if reserve_one(&s, n).await {
                        ok += 1;
                    } else {
                        refused += 1;
                    }
                    lat.push(t.elapsed());
                }
                (ok, refused, lat)
            })
        })
        .collect();
    let mut f = Figures {
        ok: 0,
        refused: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (ok, refused, lat) = t.await.unwrap();
        f.ok += ok;
        f.refused += refused;
        f.latencies.extend(lat);
    }
    f.elapsed = started.elapsed();
    f.latencies.sort_unstable();
    f
}

/// Serves the router on a loopback port, as `omnihub serve` does.
async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// The total reserved across every level, and the integrity checks of `omnihub check`.
async fn verify(app: &TestApp, merchant: MerchantId, expected: u64) {
    let mut reserved = 0;
    let mut cursor = None;
    loop {
        let q = inv::LevelQuery {
            cursor,
            limit: Some(500),
            ..inv::LevelQuery::default()
        };
        let page = inv::list_levels(&app.app, &Actor::system(), merchant, q)
            .await
            .unwrap();
        reserved += page.items.iter().map(|l| l.reserved).sum::<i64>();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        u64::try_from(reserved).unwrap(),
        expected,
        "reserved units differ from the successes counted"
    );
    for check in checks::run_all(&app.app.db).await.unwrap() {
        assert!(
            check.problems.is_empty(),
            "{}: {:?}",
            check.name,
            check.problems
        );
    }
}

async fn run(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let seeding = Instant::now();
    let setup = setup(&app).await;
    println!(
        "\n## {backend:?}: {CLIENTS} clients, {SKUS} SKUs, {} s per row (seeded in {:.1} s)\n",
        run_for().as_secs(),
        seeding.elapsed().as_secs_f64()
    );
    let base = serve(&app).await;
    let merchant = setup.merchant;
    let mut shared = Arc::new(Shared {
        app: app.app.clone(),
        setup,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENTS)
            .build()
            .unwrap(),
        base,
        hot: false,
        depth: Depth::Floor,
        run: String::new(),
        counter: AtomicU64::new(0),
    });
    println!(
        "| Scenario | Depth | reservations/s | ratio to floor | p50 ms | p99 ms | refused |\n|---|---|---|---|---|---|---|"
    );
    let mut total = 0;
    for hot in [false, true] {
        let mut floor = 0.0;
        for depth in [Depth::Floor, Depth::UseCase, Depth::Http] {
            let s = Arc::get_mut(&mut shared).unwrap();
            s.hot = hot;
            s.depth = depth;
            s.run = format!("{}-{depth:?}", if hot { "hot" } else { "spread" });
            let f = run_clients(shared.clone()).await;
            total += f.ok;
            let rate = f.per_second();
            if depth == Depth::Floor {
                floor = rate;
            }
            println!(
                "| {} | {} | {rate:.0} | {:.2} | {} | {} | {} |",
                if hot { "1 hot SKU" } else { "1,000 SKUs" },
                depth.label(),
                rate / floor,
                f.percentile(50),
                f.percentile(99),
                f.refused
            );
        }
    }
    verify(&app, merchant, total).await;
    println!(
        "\nChecks passed: reserved = {total} = successes; ledger and reservations consistent."
    );
    drop(shared);
    app.close().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        if backend_enabled(backend) {
            runtime.block_on(run(backend));
        }
    }
}
