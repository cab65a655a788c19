//! Catalogue benchmark: seeds 50,000 SKUs (10,000 products with five sizes each) through
//! the CSV import, then times the list, filter and search requests staff make, through the
//! same router `omnihub serve` runs: the REST API and the console pages (full page and the
//! htmx live-search partial), plus the export. Run with
//!
//! ```text
//! cargo bench -p omnihub-server --bench catalog              # SQLite and PostgreSQL
//! OMNIHUB_TEST_DB=sqlite cargo bench -p omnihub-server --bench catalog
//! OMNIHUB_BENCH_OLIST=../shared/data/olist cargo bench ...   # real Olist categories and weights
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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_app::Actor;
use omnihub_app::catalog::transfer::{ImportMode, import_csv};
use omnihub_app::catalog::{self, ListQuery, taxonomy};
use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{TestApp, TestBackend, backend_enabled};

const HX_REQUEST: HeaderName = HeaderName::from_static("hx-request");

/// Products seeded; each gets [`SIZES`] SKUs.
const PRODUCTS: usize = 10_000;
const SIZES: [&str; 5] = ["S", "M", "L", "XL", "XXL"];
/// Rows per import call (the import's own limit is 50,000).
const IMPORT_CHUNK: usize = 10_000;
/// Timed repetitions of each request.
const RUNS: usize = 30;

/// Words product names are made of: Chinese and English, as a mixed catalogue has.
const ADJECTIVES: &[&str] = &[
    "纯棉", "轻薄", "加厚", "复古", "Classic", "Slim", "Organic", "Vintage", "儿童", "Sport",
];
const NOUNS: &[&str] = &[
    "T恤",
    "连衣裙",
    "卫衣",
    "牛仔裤",
    "Hoodie",
    "Sneaker",
    "Backpack",
    "Jacket",
    "羽绒服",
    "Cap",
];

struct Seed {
    categories: Vec<(String, u32)>,
}

/// Category names and typical weights: Olist's real ones when asked, else a fixed set.
fn seed_data() -> Seed {
    if let Ok(dir) = std::env::var("OMNIHUB_BENCH_OLIST") {
        return olist_seed(Path::new(&dir));
    }
    let names = [
        "Apparel/Tees",
        "Apparel/Dresses",
        "Apparel/Outerwear",
        "Shoes/Sneakers",
        "Shoes/Boots",
        "Bags/Backpacks",
        "Kids/Tops",
        "Kids/Bottoms",
        "Sport/Running",
        "Sport/Training",
    ];
    Seed {
        categories: names.iter().map(|n| ((*n).to_owned(), 400)).collect(),
    }
}

/// Reads Olist's products table (gzip) for its categories and median weight per category.
fn olist_seed(dir: &Path) -> Seed {
    let file = dir.join("olist_products_dataset.csv.gz");
    let output = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&file)
        .output()
        .expect("gzip -dc the Olist products table");
    let mut weights: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    for row in reader.records() {
        let row = row.expect("Olist row");
        let category = row.get(1).unwrap_or_default();
        let weight = row.get(5).and_then(|w| w.parse().ok()).unwrap_or(0);
        if !category.is_empty() {
            weights
                .entry(format!("Olist/{category}"))
                .or_default()
                .push(weight);
        }
    }
    let categories = weights
        .into_iter()
        .map(|(name, mut w)| {
            w.sort_unstable();
            let median = w[w.len() / 2].max(1);
            (name, median)
        })
        .collect();
    Seed { categories }
}

/// The import CSV for products `from..to`: one row per SKU.
fn csv_chunk(seed: &Seed, from: usize, to: usize) -> String {
    let mut out = String::from(
        "product_ref,name,brand,category,description,option1_name,option1_value,sku_code,barcode,price,cost,weight_g\n",
    );
    for p in from..to {
        let name = format!(
            "{} {} {p:05}",
            ADJECTIVES[p % ADJECTIVES.len()],
            NOUNS[(p / ADJECTIVES.len()) % NOUNS.len()]
        );
        let brand = format!("Brand {:02}", p % 20);
        let (category, weight) = &seed.categories[p % seed.categories.len()];
        for (s, size) in SIZES.iter().enumerate() {
            let barcode = ean13(&format!("69{:010}", p * SIZES.len() + s));
            let price = 19 + (p % 300);
            writeln!(
                out,
                "P{p},{name},{brand},{category},Bench product {p},Size,{size},SKU-{p:05}-{size},{barcode},{price}.90,{}.00,{weight}",
                price / 2
            )
            .unwrap();
        }
    }
    out
}

/// A 12-digit stem with its EAN-13 check digit.
fn ean13(stem: &str) -> String {
    let sum: u32 = stem
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{stem}{}", (10 - sum % 10) % 10)
}

async fn seed(app: &TestApp, merchant: MerchantId, seed: &Seed) -> Duration {
    let actor = Actor::system();
    for b in 0..20 {
        taxonomy::create_brand(&app.app, &actor, merchant, &format!("Brand {b:02}"))
            .await
            .unwrap();
    }
    let mut made: BTreeMap<String, omnihub_domain::catalog::CategoryId> = BTreeMap::new();
    for (path, _) in &seed.categories {
        let mut parent = None;
        let mut so_far = String::new();
        for part in path.split('/') {
            so_far = if so_far.is_empty() {
                part.to_owned()
            } else {
                format!("{so_far}/{part}")
            };
            let id = match made.get(&so_far) {
                Some(id) => *id,
                None => {
                    let c = taxonomy::create_category(&app.app, &actor, merchant, part, parent)
                        .await
                        .unwrap();
                    made.insert(so_far.clone(), c.id);
                    c.id
                }
            };
            parent = Some(id);
        }
    }
    let started = Instant::now();
    for from in (0..PRODUCTS).step_by(IMPORT_CHUNK / SIZES.len()) {
        let to = (from + IMPORT_CHUNK / SIZES.len()).min(PRODUCTS);
        let csv = csv_chunk(seed, from, to);
        let report = import_csv(
            &app.app,
            &actor,
            merchant,
            csv.as_bytes(),
            ImportMode::AllOrNothing,
        )
        .await
        .unwrap();
        assert!(
            report.committed,
            "{:?}",
            &report.errors[..report.errors.len().min(5)]
        );
    }
    started.elapsed()
}

/// p50, p95 and max of `RUNS` timed calls of `f`.
async fn time<F, Fut>(mut f: F) -> (Duration, Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    f().await; // warm the caches once
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        f().await;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    (
        samples[RUNS / 2],
        samples[RUNS * 95 / 100],
        samples[RUNS - 1],
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// One GET: `/admin…` paths with the console cookie (and `HX-Request` when they end in
/// `#htmx`, as live search sends), others with the API token.
async fn fetch(
    app: &TestApp,
    token: &str,
    console: &omnihub_testkit::ConsoleSession,
    path: &str,
) -> omnihub_testkit::TestResponse {
    if let Some(partial) = path.strip_suffix("#htmx") {
        let headers = [
            (header::COOKIE, console.cookie.as_str()),
            (HX_REQUEST, "true"),
        ];
        app.request(Method::GET, partial, &headers, Body::empty())
            .await
    } else if path.starts_with("/admin") {
        app.console_get(console, path).await
    } else {
        app.get_as(token, path).await
    }
}

/// Times each request path through the router with `token` (API) or the console cookie.
async fn http_rows(
    app: &TestApp,
    token: &str,
    console: &omnihub_testkit::ConsoleSession,
    cases: &[(&str, String)],
) -> Vec<String> {
    let mut rows = Vec::new();
    for (label, path) in cases {
        let check = fetch(app, token, console, path).await;
        assert_eq!(check.status, StatusCode::OK, "{path}: {}", check.text());
        let bytes = check.text().len();
        let (p50, p95, max) = time(|| async {
            let r = fetch(app, token, console, path).await;
            assert_eq!(r.status, StatusCode::OK);
        })
        .await;
        rows.push(format!(
            "| {label} | `{path}` | {} | {} | {} | {} KiB |",
            ms(p50),
            ms(p95),
            ms(max),
            bytes / 1024
        ));
    }
    rows
}

async fn run(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let merchant = app.merchant("bench").await;
    let data = seed_data();
    let import = seed(&app, merchant, &data).await;
    println!(
        "\n## {backend:?}: {} SKUs in {PRODUCTS} products, {} categories\n\nImport: {:.1} s ({:.0} SKUs/s)\n",
        PRODUCTS * SIZES.len(),
        data.categories.len(),
        import.as_secs_f64(),
        (PRODUCTS * SIZES.len()) as f64 / import.as_secs_f64()
    );

    let codes: Vec<&str> = Permission::ALL
        .iter()
        .filter(|p| p.code().starts_with("catalog."))
        .map(|p| p.code())
        .collect();
    app.custom_role(merchant, "bench_catalog", &codes).await;
    let token = app
        .staff_user(Some(merchant), "bench@omnihub.test", &["bench_catalog"])
        .await;
    let console = app
        .console_login_as("bench@omnihub.test", TestApp::STAFF_PASSWORD)
        .await;

    let actor = Actor::system();
    let category = taxonomy::list_categories(&app.app, &actor, merchant, None)
        .await
        .unwrap()[0]
        .id;
    let brand = taxonomy::list_brands(&app.app, &actor, merchant)
        .await
        .unwrap()[3]
        .id;
    let deep = deep_cursor(&app, merchant).await;

    let cases = cases(category, brand, &deep);
    println!("| Request | Path | p50 ms | p95 ms | max ms | size |\n|---|---|---|---|---|---|");
    for row in http_rows(&app, &token, &console, &cases).await {
        println!("{row}");
    }

    time_export(&app, &token).await;
    app.close().await;
}

/// The requests timed: the API's and the console's list, filter and search.
fn cases(
    category: omnihub_domain::catalog::CategoryId,
    brand: omnihub_domain::catalog::BrandId,
    deep: &str,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "API: first page",
            "/api/v1/catalog/products?limit=50".into(),
        ),
        (
            "API: page 100 (cursor)",
            format!("/api/v1/catalog/products?limit=50&cursor={deep}"),
        ),
        (
            "API: category subtree",
            format!("/api/v1/catalog/products?category_id={category}"),
        ),
        (
            "API: brand",
            format!("/api/v1/catalog/products?brand_id={brand}"),
        ),
        (
            "API: status draft",
            "/api/v1/catalog/products?status=draft".into(),
        ),
        (
            "API: search name (zh)",
            "/api/v1/catalog/products?q=%E7%BE%BD%E7%BB%92".into(),
        ),
        (
            "API: search name (en)",
            "/api/v1/catalog/products?q=hoodie".into(),
        ),
        (
            "API: search SKU code",
            "/api/v1/catalog/products?q=SKU-04321-XL".into(),
        ),
        (
            "API: search no hit",
            "/api/v1/catalog/products?q=zzzz-nothing".into(),
        ),
        (
            "API: SKU list search",
            "/api/v1/catalog/skus?q=hoodie".into(),
        ),
        ("Console: product list", "/admin/catalog/products".into()),
        (
            "Console: search (full page)",
            "/admin/catalog/products?q=hoodie".into(),
        ),
        (
            "Console: category + brand",
            format!("/admin/catalog/products?category={category}&brand={brand}"),
        ),
        (
            "Console: live search partial",
            "/admin/catalog/products?q=%E7%BE%BD%E7%BB%92#htmx".into(),
        ),
    ]
}

/// Times the CSV export of the whole catalogue.
async fn time_export(app: &TestApp, token: &str) {
    let started = Instant::now();
    let csv = app.get_as(token, "/api/v1/catalog/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    println!(
        "\nExport of all {} SKUs as CSV: {:.2} s ({} KiB)",
        PRODUCTS * SIZES.len(),
        started.elapsed().as_secs_f64(),
        csv.body.len() / 1024
    );
}

/// The cursor that starts page 100 of the unfiltered list.
async fn deep_cursor(app: &TestApp, merchant: MerchantId) -> String {
    let mut cursor = None;
    for _ in 0..99 {
        let query = ListQuery {
            cursor,
            limit: Some(50),
            ..ListQuery::default()
        };
        let page = catalog::list(&app.app, &Actor::system(), merchant, query)
            .await
            .unwrap();
        cursor = page.next_cursor;
    }
    cursor.expect("100 pages").to_string()
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
