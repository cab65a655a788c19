//! Tests that launch the real `omnihub` binary: configuration, sockets, signals, the CLI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use omnihub_testkit::{TestApp, TestBackend, backend_enabled};

mod bench;
mod browser;
mod seed;

const BIN: &str = env!("CARGO_BIN_EXE_omnihub");

/// A running `omnihub serve`, killed on drop if still alive.
struct Server {
    child: Child,
    base: String,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OMNIHUB_DATA_DIR", data_dir)
        .env("OMNIHUB_LOG__FORMAT", "json")
        .current_dir(data_dir);
    cmd
}

fn start(data_dir: &Path, envs: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = command(data_dir);
    cmd.arg("serve")
        .env("OMNIHUB_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start omnihub");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not start listening on {port}");
}

fn run(data_dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = command(data_dir);
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run omnihub")
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn serve_starts_on_embedded_sqlite_with_nothing_configured() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[]);
    let client = reqwest::Client::new();
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/admin",
        "/api/docs/",
        "/api/v1/openapi.json",
    ] {
        let response = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let status: serde_json::Value = client
        .get(format!("{}/api/v1/system/status", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["database_backend"], "sqlite");
    assert!(
        dir.path().join("omnihub.db").exists(),
        "the database lives in OMNIHUB_DATA_DIR"
    );
}

#[tokio::test]
async fn serve_uses_postgresql_when_database_url_says_so() {
    if !backend_enabled(TestBackend::Postgres) {
        return;
    }
    // An empty database: serve must migrate it at start.
    let pg = TestApp::spawn_unmigrated(TestBackend::Postgres).await;
    let url = pg.pg_url().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[("DATABASE_URL", &url)]);
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let status: serde_json::Value = client
        .get(format!("{}/api/v1/system/status", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["database_backend"], "postgresql");
    assert_eq!(status["migrations_current"], true);
    drop(server);
    pg.close().await;
}

#[tokio::test]
async fn an_oversized_body_over_a_real_socket_is_a_413_problem() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[("OMNIHUB_HTTP__BODY_LIMIT_BYTES", "4096")]);
    let body = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(10_000)
    );
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "payload-too-large");
}

#[test]
fn sigterm_lets_an_in_flight_request_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path(), &[]);
    // Send a request whose body is still arriving when the signal comes.
    let body = br#"{"email": "nobody@example.com", "password": "not a real password"}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused once shutdown began...
    assert!(
        TcpStream::connect(("127.0.0.1", server.port)).is_err(),
        "listener should be closed"
    );
    // ...but the in-flight request completes.
    stream.write_all(&body[10..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "in-flight request answered: {response}"
    );
    let status = wait_for_exit(&mut server.child, Duration::from_secs(15));
    assert!(status.success(), "exit status {status:?}");
    let mut logs = String::new();
    server
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("shutdown requested") && logs.contains("\"stopped\""),
        "{logs}"
    );
    // Logs are JSON lines carrying request ids.
    let request_line = logs
        .lines()
        .find(|l| l.contains("request finished"))
        .expect("access log line");
    let parsed: serde_json::Value = serde_json::from_str(request_line).unwrap();
    assert_eq!(
        parsed["span"]["request_id"].as_str().map(str::len),
        Some(32),
        "{request_line}"
    );
}

#[tokio::test]
async fn admin_create_bootstraps_an_administrator_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let weak = run(
        dir.path(),
        &["admin", "create", "--email", "ops@example.com"],
        &[("OMNIHUB_ADMIN_PASSWORD", "short")],
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let created = run(
        dir.path(),
        &["admin", "create", "--email", "Ops@Example.com"],
        &[("OMNIHUB_ADMIN_PASSWORD", "a long enough passphrase")],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("ops@example.com"));
    // The password may also come on standard input.
    let mut child = command(dir.path())
        .args(["admin", "create", "--email", "second@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another long passphrase\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let duplicate = run(
        dir.path(),
        &["admin", "create", "--email", "ops@example.com"],
        &[("OMNIHUB_ADMIN_PASSWORD", "a long enough passphrase")],
    );
    assert_eq!(duplicate.status.code(), Some(2));

    let server = start(dir.path(), &[]);
    let login = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": "ops@example.com", "password": "a long enough passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
}

#[test]
fn check_reports_pending_migrations_and_passes_after_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let before = run(dir.path(), &["check"], &[]);
    assert_eq!(before.status.code(), Some(1));
    let report = String::from_utf8_lossy(&before.stdout);
    assert!(
        report.contains("FAIL  schema.migrations_current")
            && report.contains("migration 1 is not applied"),
        "{report}"
    );
    let migrate = run(dir.path(), &["migrate"], &[]);
    assert!(migrate.status.success());
    let count = omnihub_testkit::omnihub_store::migrations::MIGRATIONS.len();
    assert!(
        String::from_utf8_lossy(&migrate.stdout)
            .contains(&format!("{count} of {count} migrations applied"))
    );
    let again = run(dir.path(), &["migrate"], &[]);
    assert!(again.status.success(), "migrate is idempotent");
    let after = run(dir.path(), &["check"], &[]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    let report = String::from_utf8_lossy(&after.stdout);
    assert!(report.contains("all 8 checks passed"), "{report}");
    assert!(report.contains("outbox.events"), "{report}");
    assert!(report.contains("orders.allocations"), "{report}");
    assert!(report.contains("catalog.consistency"), "{report}");
    assert!(report.contains("inventory.ledger"), "{report}");
}

/// Runs SQL against the SQLite file of a data directory, as an intruder with file access
/// would, behind the application's back.
async fn tamper(dir: &Path, sql: &'static str, seq: i64) {
    let url = format!("sqlite://{}", dir.join("omnihub.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let done = sqlx::query(sql).bind(seq).execute(&pool).await.unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
    pool.close().await;
}

#[tokio::test]
async fn audit_verify_names_the_chain_and_entry_of_tampered_and_truncated_logs() {
    let dir = tempfile::tempdir().unwrap();
    for email in ["one@example.com", "two@example.com", "three@example.com"] {
        let created = run(
            dir.path(),
            &["admin", "create", "--email", email],
            &[("OMNIHUB_ADMIN_PASSWORD", "a long enough passphrase")],
        );
        assert!(created.status.success());
    }
    let verify = || run(dir.path(), &["audit", "verify"], &[]);
    let intact = verify();
    let report = String::from_utf8_lossy(&intact.stdout).into_owned();
    assert!(intact.status.success(), "{report}");
    assert!(report.contains("ok platform (3 entries)"), "{report}");

    // Rewrite who created the second administrator.
    tamper(
        dir.path(),
        "UPDATE audit_log SET actor_label = 'mallory' WHERE chain = 'platform' AND seq = $1",
        2,
    )
    .await;
    let altered = verify();
    let report = String::from_utf8_lossy(&altered.stdout).into_owned();
    assert_eq!(altered.status.code(), Some(1), "{report}");
    assert!(
        report.contains("BROKEN platform: entry 2 was altered"),
        "{report}"
    );
    let check = run(dir.path(), &["check"], &[]);
    let checked = String::from_utf8_lossy(&check.stdout).into_owned();
    assert_eq!(check.status.code(), Some(1), "{checked}");
    assert!(
        checked.contains("FAIL  audit.hash_chains")
            && checked.contains("chain platform is broken: entry 2 was altered"),
        "{checked}"
    );

    // Put it back, then delete the newest entry instead.
    tamper(
        dir.path(),
        "UPDATE audit_log SET actor_label = 'system' WHERE chain = 'platform' AND seq = $1",
        2,
    )
    .await;
    assert!(verify().status.success());
    tamper(
        dir.path(),
        "DELETE FROM audit_log WHERE chain = 'platform' AND seq = $1",
        3,
    )
    .await;
    let truncated = verify();
    let report = String::from_utf8_lossy(&truncated.stdout).into_owned();
    assert_eq!(truncated.status.code(), Some(1), "{report}");
    assert!(
        report.contains("BROKEN platform: entries 3 to 3 are missing from the end"),
        "{report}"
    );
}

#[test]
fn a_config_file_and_environment_layer_over_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("custom.toml"),
        "listen = \"127.0.0.1:9999\"\n[http]\nrequest_timeout_secs = 7\n",
    )
    .unwrap();
    let shown = run(
        dir.path(),
        &["--config", "custom.toml", "config", "show"],
        &[
            ("OMNIHUB_HTTP__BODY_LIMIT_BYTES", "8192"),
            ("DATABASE_URL", "postgres://app:s3cret@db/omnihub"),
        ],
    );
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(config["listen"], "127.0.0.1:9999");
    assert_eq!(config["http"]["request_timeout_secs"], 7);
    assert_eq!(config["http"]["body_limit_bytes"], 8192);
    assert_eq!(
        config["database_url"], "postgres://app:***@db/omnihub",
        "secrets are redacted"
    );
    let bad = run(
        dir.path(),
        &["config", "show"],
        &[("OMNIHUB_LISTEN", "not-an-address")],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("listen address"));
    let missing = run(
        dir.path(),
        &["--config", "nope.toml", "config", "show"],
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "lisen = \"x\"\n").unwrap();
    let unknown = run(
        dir.path(),
        &["--config", typo.to_str().unwrap(), "config", "show"],
        &[],
    );
    assert_eq!(unknown.status.code(), Some(2), "unknown keys are refused");
}

#[test]
fn openapi_prints_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["openapi"], &[]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["paths"]["/api/v1/merchants"].is_object());
}

/// Starts `serve`, stops it with SIGTERM, and returns its log.
fn serve_once(dir: &Path) -> String {
    let mut server = start(dir, &[]);
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for_exit(&mut server.child, Duration::from_secs(15));
    let mut logs = String::new();
    server
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    logs
}

#[test]
fn a_first_start_prints_a_set_up_token_until_an_administrator_exists() {
    let dir = tempfile::tempdir().unwrap();
    let logs = serve_once(dir.path());
    let line = logs
        .lines()
        .find(|l| l.contains("setup_token"))
        .unwrap_or_else(|| panic!("no set-up token logged: {logs}"));
    let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(parsed["setup_token"].as_str().map(str::len), Some(32));
    let created = run(
        dir.path(),
        &["admin", "create", "--email", "ops@example.com"],
        &[("OMNIHUB_ADMIN_PASSWORD", "a long enough passphrase")],
    );
    assert!(created.status.success());
    let logs = serve_once(dir.path());
    assert!(
        !logs.contains("setup_token"),
        "no token once an administrator exists: {logs}"
    );
}

/// Serves a test app's router on a loopback port, as `omnihub serve` does.
async fn serve_app(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// A Shopify channel of `merchant` with `secret`, made as the operator.
async fn demo_shop_channel(
    app: &TestApp,
    merchant: omnihub_domain::ids::MerchantId,
    secret: &str,
) -> String {
    use omnihub_app::Actor;
    use omnihub_app::channels::{ChannelInput, create_channel};
    let input = ChannelInput {
        code: "shop".into(),
        name: "Shop".into(),
        kind: "marketplace".into(),
        platform: "shopify".into(),
        currency: Some("USD".into()),
        shop_domain: Some("demo.myshopify.com".into()),
        webhook_secret: Some(secret.into()),
        ..ChannelInput::default()
    };
    create_channel(&app.app, &Actor::system(), merchant, input)
        .await
        .unwrap()
        .channel
        .id
        .to_string()
}

/// `omnihub demo channel` against a running server: its signed Shopify deliveries are
/// taken in once each however often they are replayed (orders naming SKUs the merchant
/// does not sell wait in the exception queue, never lost), and a wrong secret is refused.
async fn demo_channel_orders_are_taken_in_once(backend: TestBackend) {
    use omnihub_app::Actor;
    if !backend_enabled(backend) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let merchant = app.merchant("demo").await;
    let secret = "demo-secret-0123456789abcdefghijklmn";
    let channel = demo_shop_channel(&app, merchant, secret).await;
    let base = serve_app(&app).await;
    let send = |secret: &'static str| {
        let (base, channel) = (base.clone(), channel.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .args([
                    "demo",
                    "channel",
                    "--kind",
                    "shopify",
                    "--url",
                    &base,
                    "--channel",
                    &channel,
                ])
                .args([
                    "--secret", secret, "--orders", "5", "--replay", "3", "--seed", "11",
                ])
                .output()
                .unwrap()
        })
    };
    let out = send(secret).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2xx 15"), "{stdout}");
    let actor = Actor::system();
    let query = omnihub_app::orders::OrderQuery::default();
    let orders = omnihub_app::orders::list_orders(&app.app, &actor, merchant, query.clone())
        .await
        .unwrap()
        .items;
    assert_eq!(
        orders.len(),
        5,
        "one order per demo order, whatever the replays"
    );
    assert!(
        orders
            .iter()
            .all(|o| o.source == "shopify" && o.external_id.is_some())
    );
    let forged = send("not-the-channel-secret-0123456789abc").await.unwrap();
    let stdout = String::from_utf8_lossy(&forged.stdout).into_owned();
    assert!(forged.status.success(), "a 4xx is an answer: {stdout}");
    assert!(stdout.contains("401"), "{stdout}");
    let after = omnihub_app::orders::list_orders(&app.app, &actor, merchant, query)
        .await
        .unwrap()
        .items;
    assert_eq!(after.len(), 5, "forged deliveries store nothing");
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_channel_orders_are_taken_in_once_on_sqlite() {
    demo_channel_orders_are_taken_in_once(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_channel_orders_are_taken_in_once_on_postgres() {
    demo_channel_orders_are_taken_in_once(TestBackend::Postgres).await;
}

/// A new user's morning in a real browser (headless Chromium): `omnihub demo seed` fills
/// the database, a packer signs into the console, opens the dashboard, follows the "to
/// pick" count to an order, packs it by scanning its SKU codes and ships it; the order page
/// then shows it shipped and the stock ledger check passes.
async fn a_packer_ships_a_seeded_order_through_the_console(backend: TestBackend) {
    if !backend_enabled(backend) || !browser::available() {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let url = app.database_url();
    let dir = tempfile::tempdir().unwrap();
    let seeded = run(
        dir.path(),
        &[
            "demo", "seed", "--orders", "40", "--days", "10", "--seed", "7",
        ],
        &[("DATABASE_URL", url.as_str())],
    );
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let merchant = browser::merchant_by_code(&app, "demo").await;
    app.staff_user(Some(merchant), "packer@demo.test", &["operations"])
        .await;
    let base = serve_app(&app).await;
    let b = browser::launch().await;
    let c = &b.client;
    browser::sign_in(c, &base, "packer@demo.test", TestApp::STAFF_PASSWORD).await;
    let shipped = browser::pack_and_ship_from_the_dashboard(c, &base).await;
    assert!(
        ["shipped", "partially_shipped"].contains(&shipped.as_str()),
        "{shipped}"
    );
    c.clone().close().await.unwrap();
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packer_ships_a_seeded_order_through_the_console_on_sqlite() {
    a_packer_ships_a_seeded_order_through_the_console(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packer_ships_a_seeded_order_through_the_console_on_postgres() {
    a_packer_ships_a_seeded_order_through_the_console(TestBackend::Postgres).await;
}

#[tokio::test]
async fn the_channel_receiver_fails_the_first_requests_and_reports_redeliveries() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = command(dir.path())
        .args([
            "demo",
            "channel-receiver",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--fail-first",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the receiver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/admin/api/2024-10/orders/1/fulfillments.json");
    let mut answers = Vec::new();
    for _ in 0..3 {
        let r = client
            .post(&url)
            .header("X-Omnihub-Event-Id", "evt-1")
            .header("X-Shopify-Access-Token", "shpat_not_to_be_printed")
            .body(r#"{"fulfillment":{"tracking_number":"SF1"}}"#)
            .send()
            .await
            .unwrap();
        answers.push(r.status().as_u16());
    }
    assert_eq!(answers, [500, 200, 200]);
    child.kill().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = child.wait();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    let dup: Vec<bool> = lines
        .iter()
        .map(|l| l["duplicate"].as_bool().unwrap())
        .collect();
    assert_eq!(dup, [false, false, true], "{out}");
    assert_eq!(
        lines[1]["path"],
        "/admin/api/2024-10/orders/1/fulfillments.json"
    );
    assert_eq!(lines[1]["body"]["fulfillment"]["tracking_number"], "SF1");
    assert!(
        !out.contains("shpat_not_to_be_printed"),
        "credentials are never printed"
    );
}
