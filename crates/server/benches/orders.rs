//! Order-intake benchmark (issue 6): orders ingested per second through the API with 64
//! concurrent clients, on SQLite and PostgreSQL. Every order is mapped, reviewed and
//! allocated (stock reserved) in one transaction, over a real loopback socket to the same
//! router `omnihub serve` runs, from keep-alive reqwest connections:
//!
//! - **use case in process**: the 1,000-SKU orders below handed straight to
//!   `omnihub_app::orders::take_order` (no HTTP, no key), to show what HTTP adds;
//! - **1,000 SKUs**: distinct orders of our own format (`POST /api/v1/orders`), 1 to 3
//!   lines each over 1,000 listed SKUs, each with its own `Idempotency-Key`;
//! - **without a key**: the same orders (other external ids) without `Idempotency-Key`;
//! - **1 hot SKU**: the same, but every order is one line of the same SKU;
//! - **2 merchants**: the 1,000-SKU orders, alternately for two merchants with the same
//!   catalogue and stock, to show how much of the ceiling is per merchant;
//! - **replay, same key**: the 1,000-SKU orders sent again with their keys (the stored
//!   response is replayed);
//! - **resend, no key**: the same bodies without a key (deduplicated by channel and
//!   external id, answered `200 duplicate`);
//! - **Shopify webhook**: signed `orders/create` deliveries
//!   (`omnihub_domain::channels::demo::shopify_delivery`), then the same deliveries again.
//!
//! Each scenario sends `OMNIHUB_BENCH_ORDERS` orders (default 3,000). The run ends by
//! checking that the database holds exactly the distinct orders sent, all allocated, that
//! the reserved units equal the units ordered, and that `omnihub check` passes. Run with
//!
//! ```text
//! cargo bench -p omnihub-server --bench orders                     # SQLite, then PostgreSQL
//! OMNIHUB_TEST_DB=sqlite cargo bench -p omnihub-server --bench orders
//! OMNIHUB_BENCH_ORDERS=200 cargo bench -p omnihub-server --bench orders
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
use omnihub_app::inventory::{self as inv, LocationInput, ReceiptInput, ReceiptLine};
use omnihub_app::orders::{self as orders, OrderQuery};
use omnihub_app::{Actor, Principal, RequestMeta};
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::catalog::{Decision, SkuId};
use omnihub_domain::channels::demo::{self, DEMO_SHOP_DOMAIN, DemoLine};
use omnihub_domain::channels::{ChannelPlatform, OrderTopic};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::inventory::LocationId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::orders::api_format::ApiOrder;
use omnihub_testkit::{TestApp, TestBackend, backend_enabled};
use serde_json::{Value, json};

/// SKUs in the spread scenarios.
const SKUS: usize = 1_000;
/// Concurrent clients.
const CLIENTS: usize = 64;
/// Units of each SKU received at each of the two warehouses: nothing sells out.
const STOCK: i64 = 10_000_000;
/// The Shopify channel's webhook secret (32+ characters).
const SECRET: &str = "whsec-bench-0123456789abcdefghijklmnop";
/// What the bench's staff person holds.
const PERMISSIONS: [Permission; 8] = [
    Permission::CatalogRead,
    Permission::CatalogReview,
    Permission::InventoryRead,
    Permission::InventoryAdjust,
    Permission::OrdersRead,
    Permission::OrdersManage,
    Permission::ChannelsRead,
    Permission::ChannelsManage,
];

/// Orders sent in each scenario.
fn orders_per_run() -> u64 {
    std::env::var("OMNIHUB_BENCH_ORDERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000)
}

/// What one run measured.
#[derive(Default)]
struct Figures {
    /// Orders sent to each merchant.
    sent: [u64; 2],
    /// Units newly ordered from each merchant.
    units: [u64; 2],
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        (self.sent[0] + self.sent[1]) as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: usize) -> String {
        if self.latencies.is_empty() {
            return "-".into();
        }
        let i = (self.latencies.len() * p / 100).min(self.latencies.len() - 1);
        format!("{:.1}", self.latencies[i].as_secs_f64() * 1000.0)
    }
}

/// The merchant, the bench's person and token, the SKU codes and the two channels.
struct Setup {
    merchant: MerchantId,
    person: Actor,
    token: String,
    codes: Vec<String>,
    api: String,
    shopify: String,
}

async fn person(app: &TestApp, merchant: MerchantId, code: &str) -> (Actor, String) {
    let codes: Vec<&str> = PERMISSIONS.iter().map(|p| p.code()).collect();
    app.custom_role(merchant, "bench_orders", &codes).await;
    let email = format!("bench@{code}.test");
    let token = app
        .staff_user(Some(merchant), &email, &["bench_orders"])
        .await;
    let id: UserId = app.user_id(&email).await.parse().unwrap();
    let actor = Actor {
        principal: Principal::User { id, email },
        platform: false,
        merchant: Some(merchant),
        permissions: PERMISSIONS.into_iter().collect::<PermissionSet>(),
        mfa_enrolment_required: false,
        meta: RequestMeta::default(),
    };
    (actor, token)
}

/// 1,000 listed SKUs (the system operator submits, the person approves); `(id, code)`.
async fn listed_skus(app: &TestApp, merchant: MerchantId, person: &Actor) -> Vec<(SkuId, String)> {
    let a = &app.app;
    let system = Actor::system();
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
        catalog::decide(a, person, merchant, p.id, approve)
            .await
            .unwrap();
        let p = catalog::list_for_sale(a, &system, merchant, p.id)
            .await
            .unwrap();
        skus.push((p.skus[0].id, p.skus[0].code.to_string()));
    }
    skus
}

/// A warehouse holding [`STOCK`] units of every SKU.
async fn stocked_warehouse(app: &TestApp, m: MerchantId, code: &str, skus: &[SkuId]) -> LocationId {
    let system = Actor::system();
    let input = LocationInput {
        code: code.into(),
        name: format!("Warehouse {code}"),
        kind: "warehouse".into(),
        country: "CN".into(),
        ..LocationInput::default()
    };
    let location = inv::create_location(&app.app, &system, m, input)
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
        reference: format!("BENCH-STOCK-{code}"),
        note: None,
    };
    inv::receive(&app.app, &system, m, receipt).await.unwrap();
    location
}

/// Creates a channel over the API, linked to both warehouses (WH1 first); its id.
async fn channel(http: &reqwest::Client, base: &str, token: &str, body: Value) -> String {
    let r = http
        .post(format!("{base}/api/v1/channels"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {v}");
    v["channel"]["id"].as_str().unwrap().to_owned()
}

/// Everything merchant `code` needs before the clients start.
async fn setup(app: &TestApp, http: &reqwest::Client, base: &str, code: &str) -> Setup {
    let merchant = app.merchant(code).await;
    let (person, token) = person(app, merchant, code).await;
    let skus = listed_skus(app, merchant, &person).await;
    let ids: Vec<SkuId> = skus.iter().map(|s| s.0).collect();
    let wh1 = stocked_warehouse(app, merchant, "WH1", &ids).await;
    let wh2 = stocked_warehouse(app, merchant, "WH2", &ids).await;
    let locations = json!([{"location_id": wh1.to_string(), "priority": 1},
        {"location_id": wh2.to_string(), "priority": 2}]);
    let api = json!({"code": "api", "name": "API", "kind": "own_store", "platform": "api",
        "locations": locations});
    let shopify = json!({"code": "shopify", "name": "Shopify", "kind": "marketplace",
        "platform": "shopify", "shop_domain": DEMO_SHOP_DOMAIN, "webhook_secret": SECRET,
        "locations": locations});
    Setup {
        merchant,
        person,
        api: channel(http, base, &token, api).await,
        shopify: channel(http, base, &token, shopify).await,
        token,
        codes: skus.into_iter().map(|s| s.1).collect(),
    }
}

/// What a scenario sends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scenario {
    UseCase,
    Spread,
    NoKey,
    Hot,
    TwoMerchants,
    Replay,
    Resend,
    Webhook,
    WebhookReplay,
}

impl Scenario {
    const ALL: [Self; 9] = [
        Self::UseCase,
        Self::Spread,
        Self::NoKey,
        Self::Hot,
        Self::TwoMerchants,
        Self::Replay,
        Self::Resend,
        Self::Webhook,
        Self::WebhookReplay,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::UseCase => "use case in process, 1,000 SKUs, new orders",
            Self::Spread => "API, 1,000 SKUs, new orders",
            Self::NoKey => "API, 1,000 SKUs, new orders without a key",
            Self::Hot => "API, 1 hot SKU, new orders",
            Self::TwoMerchants => "API, 1,000 SKUs, new orders, 2 merchants (half each)",
            Self::Replay => "API, replay with the same Idempotency-Key",
            Self::Resend => "API, resend without key (external id dedup)",
            Self::Webhook => "Shopify webhook, 1,000 SKUs, new orders",
            Self::WebhookReplay => "Shopify webhook, replayed deliveries",
        }
    }

    /// Whether it takes new orders in (as opposed to duplicates of earlier ones).
    fn creates(self) -> bool {
        matches!(
            self,
            Self::UseCase
                | Self::Spread
                | Self::NoKey
                | Self::Hot
                | Self::TwoMerchants
                | Self::Webhook
        )
    }
}

/// Everything a client task needs.
struct Shared {
    app: omnihub_app::App,
    /// The bench's merchant, and a second one for [`Scenario::TwoMerchants`].
    setups: [Setup; 2],
    http: reqwest::Client,
    base: String,
    scenario: Scenario,
    counter: AtomicU64,
}

impl Shared {
    /// The merchant order `n` goes to: alternately both in the two-merchant scenario,
    /// else the first.
    fn at(&self, n: u64) -> usize {
        if self.scenario == Scenario::TwoMerchants {
            usize::try_from(n % 2).unwrap()
        } else {
            0
        }
    }

    fn setup(&self, n: u64) -> &Setup {
        &self.setups[self.at(n)]
    }
}

/// `k` distinct SKU indexes for order `n` (a multiplicative hash, so spread evenly).
fn spread(n: u64, k: u64) -> Vec<usize> {
    let mut picked = Vec::new();
    let mut x = n.wrapping_mul(2_654_435_761);
    while picked.len() < usize::try_from(k).unwrap() {
        let i = usize::try_from(x % SKUS as u64).unwrap();
        if !picked.contains(&i) {
            picked.push(i);
        }
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
    picked
}

/// Order `n` of our own format, byte-identical every time it is built (replays and
/// resends build it again), and the units it orders.
fn api_order(s: &Shared, prefix: &str, n: u64) -> (String, u64) {
    let skus = if prefix == "hot" {
        vec![0]
    } else {
        spread(n, 1 + n % 3)
    };
    let external_id = format!("{prefix}-{n}");
    let lines: Vec<(String, u64)> = skus
        .iter()
        .enumerate()
        .map(|(j, &i)| (s.setups[0].codes[i].clone(), 1 + (n + j as u64) % 2))
        .collect();
    let units = lines.iter().map(|l| l.1).sum::<u64>();
    let total = lines.iter().map(|l| l.1).sum::<u64>() * 25;
    let lines: Vec<Value> = lines
        .iter()
        .map(|(sku, q)| json!({"sku": sku, "quantity": q, "unit_price": "25.00"}))
        .collect();
    let body = json!({
        "total": format!("{total}.00"),
        "external_id": external_id, "currency": "CNY", "placed_at": "2026-11-30T10:00:00Z",
        "payment_status": "paid",
        "customer": {"email": format!("{external_id}@buyer.test"), "name": "Buyer"},
        "shipping_address": {"name": "Buyer", "country": "CN", "province": "上海市",
            "city": "上海市", "postcode": "200000", "lines": ["世纪大道 100 号"]},
        "lines": lines
    });
    (body.to_string(), units)
}

/// The signed Shopify delivery of demo order `n` (1 to 3 SKUs, paid), and its units.
fn shopify_delivery(s: &Shared, n: u64) -> (demo::Delivery, u64) {
    let start = "2026-11-30T10:00:00Z".parse().unwrap();
    let currency = Currency::parse("CNY").unwrap();
    let codes: Vec<String> = spread(n, 3)
        .into_iter()
        .map(|i| s.setups[0].codes[i].clone())
        .collect();
    let mut o = demo::demo_order(6, n + 1, &codes, currency, start);
    o.paid = true;
    let units = o
        .lines
        .iter()
        .map(|l: &DemoLine| u64::from(l.quantity))
        .sum();
    (
        demo::shopify_delivery(SECRET, OrderTopic::Created, &o),
        units,
    )
}

/// Sends order `n` of the scenario; the units it ordered when it is new, else 0.
async fn send_one(s: &Shared, n: u64) -> u64 {
    let prefix = match s.scenario {
        Scenario::UseCase => return take_in_process(s, n).await,
        Scenario::Hot => "hot",
        Scenario::TwoMerchants => "two",
        Scenario::NoKey => "no-key",
        _ => "spread",
    };
    let (request, units) = match s.scenario {
        Scenario::Webhook | Scenario::WebhookReplay => {
            let (d, units) = shopify_delivery(s, n);
            let url = format!(
                "{}/api/v1/channels/{}/webhooks/shopify",
                s.base,
                s.setup(n).shopify
            );
            let mut r = s.http.post(url);
            for (name, value) in d.headers() {
                r = r.header(name, value);
            }
            (r.body(d.body), units)
        }
        _ => {
            let (body, units) = api_order(s, prefix, n);
            let url = format!("{}/api/v1/orders?channel_id={}", s.base, s.setup(n).api);
            let mut r = s
                .http
                .post(url)
                .bearer_auth(&s.setup(n).token)
                .header("content-type", "application/json")
                .body(body);
            if !matches!(s.scenario, Scenario::Resend | Scenario::NoKey) {
                r = r.header("idempotency-key", format!("{prefix}-{n}"));
            }
            (r, units)
        }
    };
    let r = request.send().await.unwrap();
    let (status, replayed) = (r.status(), r.headers().contains_key("idempotent-replayed"));
    let v: Value = r.json().await.unwrap();
    check_answer(s.scenario, status.as_u16(), replayed, &v);
    if s.scenario.creates() { units } else { 0 }
}

/// Order `n` straight through `omnihub_app::orders::take_order` (mapping, review,
/// allocation, timeline, audit; no HTTP, no idempotency key); the units it ordered.
async fn take_in_process(s: &Shared, n: u64) -> u64 {
    let (body, units) = api_order(s, "in-process", n);
    let delivery = orders::Delivery {
        channel: s.setup(n).api.parse().unwrap(),
        source: ChannelPlatform::Api,
        topic: OrderTopic::Created,
        mapped: Ok(ApiOrder::map_body(body.as_bytes()).unwrap()),
        payload: body,
    };
    let m = s.setup(n);
    let i = orders::take_order(&s.app, &m.person, m.merchant, &delivery)
        .await
        .unwrap();
    assert_eq!(i.order.order.status.code(), "allocated", "{n}");
    units
}

/// Panics unless the answer is what the scenario must get: new orders allocated, replays
/// replayed, duplicates recognised.
fn check_answer(scenario: Scenario, status: u16, replayed: bool, v: &Value) {
    let outcome = v["outcome"].as_str().unwrap_or_default();
    let ok = match scenario {
        Scenario::UseCase
        | Scenario::Spread
        | Scenario::NoKey
        | Scenario::Hot
        | Scenario::TwoMerchants => {
            status == 201 && !replayed && v["order"]["status"] == "allocated"
        }
        Scenario::Replay => status == 201 && replayed,
        Scenario::Resend | Scenario::WebhookReplay => status == 200 && outcome == "duplicate",
        Scenario::Webhook => status == 201 && outcome == "created" && v["queue"].is_null(),
    };
    assert!(ok, "{scenario:?}: {status} {v}");
}

/// [`CLIENTS`] tasks sending the scenario's orders one at a time until all are sent.
async fn run_clients(s: Arc<Shared>, total: u64) -> Figures {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let (mut sent, mut units, mut lat) = ([0; 2], [0; 2], Vec::new());
                loop {
                    let n = s.counter.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let t = Instant::now();
                    units[s.at(n)] += send_one(&s, n).await;
                    lat.push(t.elapsed());
                    sent[s.at(n)] += 1;
                }
                (sent, units, lat)
            })
        })
        .collect();
    let mut f = Figures::default();
    for t in tasks {
        let (sent, units, lat) = t.await.unwrap();
        for i in 0..2 {
            f.sent[i] += sent[i];
            f.units[i] += units[i];
        }
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

/// Orders held and how many of them are allocated, paging through the list.
async fn count_orders(app: &TestApp, merchant: MerchantId) -> (u64, u64) {
    let (mut all, mut allocated) = (0, 0);
    let mut cursor = None;
    loop {
        let q = OrderQuery {
            cursor,
            limit: Some(500),
            ..OrderQuery::default()
        };
        let page = orders::list_orders(&app.app, &Actor::system(), merchant, q)
            .await
            .unwrap();
        all += page.items.len() as u64;
        allocated += page
            .items
            .iter()
            .filter(|o| o.status.code() == "allocated")
            .count() as u64;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return (all, allocated),
        }
    }
}

/// The units reserved across every stock level.
async fn reserved_units(app: &TestApp, merchant: MerchantId) -> u64 {
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
            None => return u64::try_from(reserved).unwrap(),
        }
    }
}

/// Orders held by `merchant` = distinct orders sent to it, all allocated; reserved =
/// units ordered.
async fn verify(app: &TestApp, merchant: MerchantId, distinct: u64, units: u64) {
    let (held, allocated) = count_orders(app, merchant).await;
    assert_eq!(
        held, distinct,
        "orders held differ from distinct orders sent"
    );
    assert_eq!(allocated, distinct, "some orders are not allocated");
    let reserved = reserved_units(app, merchant).await;
    assert_eq!(
        reserved, units,
        "reserved units differ from the units ordered"
    );
    println!(
        "Checks passed: {held} orders held = distinct orders sent, all allocated; \
         reserved = {reserved} units = units ordered."
    );
}

/// Every integrity check of `omnihub check` passes.
async fn verify_checks(app: &TestApp) {
    for check in omnihub_app::system::run_checks(&app.app).await.unwrap() {
        assert!(
            check.problems.is_empty(),
            "{}: {:?}",
            check.name,
            check.problems
        );
    }
    println!("`omnihub check`: every check passed.");
}

async fn run(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let base = serve(&app).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let seeding = Instant::now();
    let setups = [
        setup(&app, &http, &base, "bench").await,
        setup(&app, &http, &base, "bench2").await,
    ];
    let total = orders_per_run();
    println!(
        "\n## {backend:?}: {CLIENTS} clients, {SKUS} SKUs, {total} orders per row (seeded in {:.1} s)\n",
        seeding.elapsed().as_secs_f64()
    );
    let merchants = [setups[0].merchant, setups[1].merchant];
    let mut shared = Arc::new(Shared {
        app: app.app.clone(),
        setups,
        http,
        base,
        scenario: Scenario::Spread,
        counter: AtomicU64::new(0),
    });
    println!("| Scenario | orders/s | p50 ms | p99 ms | units reserved |\n|---|---|---|---|---|");
    let (mut distinct, mut units) = ([0; 2], [0; 2]);
    for scenario in Scenario::ALL {
        let s = Arc::get_mut(&mut shared).unwrap();
        s.scenario = scenario;
        s.counter = AtomicU64::new(0);
        let f = run_clients(shared.clone(), total).await;
        for i in 0..2 {
            if scenario.creates() {
                distinct[i] += f.sent[i];
            }
            units[i] += f.units[i];
        }
        println!(
            "| {} | {:.0} | {} | {} | {} |",
            scenario.label(),
            f.per_second(),
            f.percentile(50),
            f.percentile(99),
            f.units[0] + f.units[1]
        );
    }
    println!();
    for i in 0..2 {
        verify(&app, merchants[i], distinct[i], units[i]).await;
    }
    verify_checks(&app).await;
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
