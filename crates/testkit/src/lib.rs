//! Omnihub's test harness (a dev-dependency only).
//!
//! [`TestApp::spawn`] builds the same router `omnihub serve` uses over a fresh, migrated
//! database — a temp SQLite file with production settings, or a PostgreSQL database cloned
//! from a migrated template — with a [`FixedClock`], and offers typed request helpers.
//! [`both_dbs!`] runs a test body on both backends and checks the integrity invariants
//! after it. `OMNIHUB_TEST_DB=sqlite|postgres|both` selects backends; `TEST_LOG=1` prints
//! tracing output.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Once};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::Timestamp;
use omnihub_app::entropy::OsEntropy;
use omnihub_app::passwords::HashCost;
use omnihub_app::{Actor, App};
use omnihub_domain::clock::{Clock, FixedClock, V7Ids};
use omnihub_server::{AppState, HttpSettings};
use omnihub_store::{Db, DbOptions};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::OnceCell;
use tower::ServiceExt;

pub mod pg;
pub mod schema;

pub use omnihub_store;
pub use serde_json::json;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The instant every test starts at.
pub fn test_epoch() -> Timestamp {
    "2026-01-15T08:00:00Z".parse().expect("valid timestamp")
}

/// The password of the platform administrator [`TestApp::admin_token`] creates.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// Its email.
pub const ADMIN_EMAIL: &str = "admin@omnihub.test";

/// One application instance over its own database.
pub struct TestApp {
    /// The router, exactly as `omnihub serve` builds it.
    pub router: Router,
    /// The use cases' context, for seeding through the app layer.
    pub app: App,
    /// The injected clock; advance it to expire things.
    pub clock: Arc<FixedClock>,
    /// The backend in use.
    pub backend: TestBackend,
    _sqlite_dir: Option<TempDir>,
    pg: Option<pg::PgTestDb>,
    /// The platform admin's TOTP seed and the last step used, once enrolled.
    admin_mfa: std::sync::Mutex<Option<(String, i64)>>,
}

/// Test settings from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Sqlite,
    Postgres,
    Both,
    /// Unset: PostgreSQL when available, else SQLite with a notice.
    Auto,
}

fn selection() -> Selection {
    match std::env::var("OMNIHUB_TEST_DB").as_deref() {
        Ok("sqlite") => Selection::Sqlite,
        Ok("postgres") => Selection::Postgres,
        Ok("both") => Selection::Both,
        Ok(other) if !other.is_empty() => {
            panic!("OMNIHUB_TEST_DB must be sqlite, postgres or both, not {other:?}")
        }
        _ => Selection::Auto,
    }
}

/// Whether tests should run on `backend` now. Panics when PostgreSQL is required
/// (`OMNIHUB_TEST_DB=postgres|both`) but cannot be had, so CI never skips it silently.
pub fn backend_enabled(backend: TestBackend) -> bool {
    let selection = selection();
    match backend {
        TestBackend::Sqlite => matches!(
            selection,
            Selection::Sqlite | Selection::Both | Selection::Auto
        ),
        TestBackend::Postgres => match selection {
            Selection::Sqlite => false,
            Selection::Postgres | Selection::Both => match pg::server_url() {
                Ok(Some(_)) => true,
                Ok(None) => panic!(
                    "OMNIHUB_TEST_DB requires PostgreSQL, but it is not installed and OMNIHUB_TEST_PG_URL is unset"
                ),
                Err(e) => panic!("OMNIHUB_TEST_DB requires PostgreSQL, which failed to start: {e}"),
            },
            Selection::Auto => match pg::server_url() {
                Ok(Some(_)) => true,
                other => {
                    static NOTICE: Once = Once::new();
                    NOTICE.call_once(|| {
                        eprintln!("\n*** NOTICE: PostgreSQL tests SKIPPED ({other:?}). Install PostgreSQL or set OMNIHUB_TEST_PG_URL; CI sets OMNIHUB_TEST_DB=both. ***\n");
                    });
                    false
                }
            },
        },
    }
}

fn init_test_log() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("debug,sqlx=info"))
                .with_test_writer()
                .try_init();
        }
    });
}

/// A short hash of every migration, naming templates so a changed migration is never
/// served from a stale template.
fn migrations_key() -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (version, name, sqlite, pg) in omnihub_store::migrations::MIGRATIONS {
        hasher.update(format!("{version}{name}{sqlite}{pg}"));
    }
    hex::encode(&hasher.finalize()[..8])
}

static SQLITE_TEMPLATE: LazyLock<OnceCell<(TempDir, PathBuf)>> = LazyLock::new(OnceCell::new);

/// A migrated SQLite file made once per test process, copied for each test.
async fn sqlite_template() -> PathBuf {
    let (_, path) = SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("template.db");
            let db = Db::open_sqlite(&path, &DbOptions::default())
                .await
                .expect("open template");
            omnihub_store::migrations::run(&db)
                .await
                .expect("migrate template");
            db.close().await; // closing the last connection checkpoints the WAL into the file
            (dir, path)
        })
        .await;
    path.clone()
}

impl TestApp {
    /// A fresh application over a new, migrated database.
    pub async fn spawn(backend: TestBackend) -> Self {
        Self::build(backend, true).await
    }

    /// A fresh application over an empty, never-migrated database.
    pub async fn spawn_unmigrated(backend: TestBackend) -> Self {
        Self::build(backend, false).await
    }

    async fn build(backend: TestBackend, migrated: bool) -> Self {
        init_test_log();
        let options = DbOptions {
            max_connections: 8,
            ..DbOptions::default()
        };
        let (db, sqlite_dir, pg_db) = match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("omnihub.db");
                if migrated {
                    std::fs::copy(sqlite_template().await, &path).expect("copy template");
                }
                let db = Db::open_sqlite(&path, &options).await.expect("open sqlite");
                (db, Some(dir), None)
            }
            TestBackend::Postgres => {
                let server = pg::server_url()
                    .expect("postgres")
                    .expect("postgres available");
                let template = if migrated {
                    pg::ensure_template(&server, &migrations_key(), |url| async move {
                        let db = Db::connect(&url, &DbOptions::default())
                            .await
                            .map_err(|e| e.to_string())?;
                        let result = omnihub_store::migrations::run(&db)
                            .await
                            .map_err(|e| e.to_string());
                        db.close().await;
                        result
                    })
                    .await
                    .expect("template")
                } else {
                    "template0".to_owned()
                };
                let test_db = pg::PgTestDb::create(&server, &template)
                    .await
                    .expect("create test database");
                let db = Db::connect(test_db.url(), &options)
                    .await
                    .expect("connect postgres");
                (db, None, Some(test_db))
            }
        };
        let clock = Arc::new(FixedClock::new(test_epoch()));
        let secrets = Arc::new(omnihub_app::secrets::SecretBox::new([42; 32]));
        let app = App::new(
            db,
            clock.clone(),
            Arc::new(V7Ids::new(clock.clone())),
            Arc::new(OsEntropy),
            HashCost::TEST,
            secrets,
        );
        let router = omnihub_server::router(AppState::new(app.clone(), HttpSettings::default()));
        Self {
            admin_mfa: std::sync::Mutex::new(None),
            router,
            app,
            clock,
            backend,
            _sqlite_dir: sqlite_dir,
            pg: pg_db,
        }
    }

    /// The URL of this test's database, SQLite file or PostgreSQL (for tests that run the
    /// real binary against it).
    pub fn database_url(&self) -> String {
        match (&self.pg, &self._sqlite_dir) {
            (Some(pg), _) => pg.url().to_owned(),
            (None, Some(dir)) => format!("sqlite://{}", dir.path().join("omnihub.db").display()),
            (None, None) => panic!("no database"),
        }
    }

    /// A second application instance over the same database, clock and instance key, as a
    /// second server behind a load balancer would be.
    pub async fn sibling(&self) -> Router {
        let url = self.database_url();
        let db = Db::connect(
            &url,
            &DbOptions {
                max_connections: 4,
                ..DbOptions::default()
            },
        )
        .await
        .expect("second pool");
        let secrets = Arc::new(omnihub_app::secrets::SecretBox::new([42; 32]));
        let app = App::new(
            db,
            self.clock.clone(),
            Arc::new(V7Ids::new(self.clock.clone())),
            Arc::new(OsEntropy),
            HashCost::TEST,
            secrets,
        );
        omnihub_server::router(AppState::new(app, HttpSettings::default()))
    }

    /// The PostgreSQL URL of this test's database (for tests that start the real binary).
    pub fn pg_url(&self) -> Option<&str> {
        self.pg.as_ref().map(pg::PgTestDb::url)
    }

    /// Sends a request through the router.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(HeaderName, &str)],
        body: Body,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(builder.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// GET without credentials.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, &[], Body::empty()).await
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> TestResponse {
        let auth = format!("Bearer {token}");
        self.request(
            Method::GET,
            path,
            &[(header::AUTHORIZATION, &auth)],
            Body::empty(),
        )
        .await
    }

    /// A JSON request, with a bearer token if given.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> TestResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![(header::CONTENT_TYPE, "application/json")];
        if let Some(auth) = &auth {
            headers.push((header::AUTHORIZATION, auth));
        }
        self.request(method, path, &headers, Body::from(body.to_string()))
            .await
    }

    /// POST JSON without credentials.
    pub async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.send_json(Method::POST, path, None, body).await
    }

    /// POST raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> TestResponse {
        self.request(
            Method::POST,
            path,
            &[(header::CONTENT_TYPE, content_type)],
            Body::from(body.into()),
        )
        .await
    }

    /// Signs in as the platform administrator (created through the app layer on first use)
    /// and returns a full session token. The first call enrols MFA (platform admins must);
    /// later calls complete the TOTP step, moving the clock to an unused 30-second step
    /// when needed (codes cannot be replayed).
    pub async fn admin_token(&self) -> String {
        let _ = omnihub_app::staff::create_platform_admin(
            &self.app,
            &Actor::system(),
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
        )
        .await;
        let login = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(
            login.status,
            StatusCode::OK,
            "admin login: {}",
            login.text()
        );
        let body = login.json();
        let token = body["token"].as_str().expect("token").to_owned();
        if body["mfa_required"] == true {
            let code = self.next_admin_totp();
            let done = self
                .post_json(
                    "/api/v1/auth/login/mfa",
                    &json!({"mfa_token": token, "code": code}),
                )
                .await;
            assert_eq!(
                done.status,
                StatusCode::OK,
                "admin MFA step: {}",
                done.text()
            );
        } else {
            let enrol = self
                .send_json(
                    Method::POST,
                    "/api/v1/auth/mfa/enrol",
                    Some(&token),
                    &json!({}),
                )
                .await;
            assert_eq!(enrol.status, StatusCode::OK, "enrol: {}", enrol.text());
            let secret = enrol.json()["secret"].as_str().expect("secret").to_owned();
            *self.admin_mfa.lock().expect("lock") = Some((secret, -1));
            let code = self.next_admin_totp();
            let confirm = self
                .send_json(
                    Method::POST,
                    "/api/v1/auth/mfa/confirm",
                    Some(&token),
                    &json!({"code": code}),
                )
                .await;
            assert_eq!(
                confirm.status,
                StatusCode::OK,
                "confirm: {}",
                confirm.text()
            );
        }
        token
    }

    /// A TOTP code for the admin at an unused step (advancing the clock if needed).
    pub fn next_admin_totp(&self) -> String {
        let mut guard = self.admin_mfa.lock().expect("lock");
        let (secret, last) = guard.as_mut().expect("admin enrolled in MFA");
        let step = self.clock.now().as_second() / 30;
        if step <= *last {
            let next = (*last + 1) * 30;
            self.clock
                .set(Timestamp::from_second(next).expect("timestamp"));
        }
        let now = self.clock.now();
        *last = now.as_second() / 30;
        omnihub_app::mfa::code_at(secret, now).expect("code")
    }

    /// Signs the platform administrator in through the console (password, then the TOTP
    /// step) and returns the session cookie and CSRF token.
    pub async fn console_login(&self) -> ConsoleSession {
        self.admin_token().await;
        let form = format!(
            "email={}&password={}&next=/admin",
            urlenc(ADMIN_EMAIL),
            urlenc(ADMIN_PASSWORD)
        );
        let login = self
            .post_raw("/admin/login", "application/x-www-form-urlencoded", form)
            .await;
        assert_eq!(
            login.status,
            StatusCode::SEE_OTHER,
            "console login: {}",
            login.text()
        );
        let cookie = login
            .header("set-cookie")
            .expect("session cookie")
            .split(';')
            .next()
            .expect("cookie")
            .to_owned();
        let token = cookie.split_once('=').expect("name=value").1.to_owned();
        let session = ConsoleSession {
            csrf: omnihub_server::console::session::csrf_token(&token),
            cookie,
        };
        let code = self.next_admin_totp();
        let step = self
            .console_post(
                &session,
                "/admin/login/mfa",
                &[("code", &code), ("next", "/admin")],
            )
            .await;
        assert_eq!(
            step.status,
            StatusCode::SEE_OTHER,
            "console MFA step: {}",
            step.text()
        );
        session
    }

    /// Signs a user without MFA into the console with a password; returns the session.
    pub async fn console_login_as(&self, email: &str, password: &str) -> ConsoleSession {
        let form = format!(
            "email={}&password={}&next=/admin",
            urlenc(email),
            urlenc(password)
        );
        let login = self
            .post_raw("/admin/login", "application/x-www-form-urlencoded", form)
            .await;
        assert_eq!(
            login.status,
            StatusCode::SEE_OTHER,
            "console login: {}",
            login.text()
        );
        assert_eq!(
            login.header("location"),
            Some("/admin"),
            "signed in without an MFA step"
        );
        let cookie = login
            .header("set-cookie")
            .expect("session cookie")
            .split(';')
            .next()
            .expect("cookie")
            .to_owned();
        let token = cookie.split_once('=').expect("name=value").1.to_owned();
        ConsoleSession {
            csrf: omnihub_server::console::session::csrf_token(&token),
            cookie,
        }
    }

    /// A console GET with a session cookie.
    pub async fn console_get(&self, session: &ConsoleSession, path: &str) -> TestResponse {
        self.request(
            Method::GET,
            path,
            &[(header::COOKIE, &session.cookie)],
            Body::empty(),
        )
        .await
    }

    /// A console form POST with a session cookie and the CSRF token.
    pub async fn console_post(
        &self,
        session: &ConsoleSession,
        path: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlenc(k), urlenc(v)))
            .collect();
        body.push(format!("csrf_token={}", session.csrf));
        let headers = [
            (header::COOKIE, session.cookie.as_str()),
            (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
        ];
        self.request(Method::POST, path, &headers, Body::from(body.join("&")))
            .await
    }

    /// Asserts every integrity check passes (run after every `both_dbs!` test body).
    pub async fn assert_invariants(&self) {
        let outcomes = omnihub_app::system::run_checks(&self.app)
            .await
            .expect("checks run");
        let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
        assert!(failed.is_empty(), "integrity checks failed: {failed:#?}");
    }

    /// Closes the pools (PostgreSQL databases are dropped when the app is dropped).
    pub async fn close(self) {
        self.app.db.close().await;
    }

    // --- rbac fixtures ---
    // Set-up goes through the app and store layers directly: it creates users and grants
    // roles without the approval the API insists on.

    /// The password of users made by [`TestApp::staff_user`].
    pub const STAFF_PASSWORD: &'static str = "staff horse battery staple";

    /// Creates a merchant (as the system operator) and returns its id.
    pub async fn merchant(&self, code: &str) -> omnihub_domain::ids::MerchantId {
        let input = omnihub_app::merchants::MerchantInput {
            code: code.to_owned(),
            name: format!("Merchant {code}"),
            ..Default::default()
        };
        omnihub_app::merchants::create(&self.app, &Actor::system(), input)
            .await
            .expect("create merchant")
            .id
    }

    /// Creates a custom role of `merchant` holding `permissions` (no MFA required) and
    /// returns its id.
    pub async fn custom_role(
        &self,
        merchant: omnihub_domain::ids::MerchantId,
        code: &str,
        permissions: &[&str],
    ) -> omnihub_domain::roles::RoleId {
        let id = omnihub_domain::roles::RoleId::from_uuid(self.app.ids.new_id());
        let role = omnihub_store::roles::NewCustomRole {
            code,
            name: code,
            description: "",
            requires_mfa: false,
        };
        let mut tx = self.app.db.begin_write().await.expect("begin");
        omnihub_store::roles::insert_custom(&mut tx, merchant, id, &role, self.app.now())
            .await
            .expect("insert role");
        omnihub_store::roles::set_permissions(&mut tx, merchant, id, permissions, self.app.now())
            .await
            .expect("set permissions");
        tx.commit().await.expect("commit");
        id
    }

    /// Creates a staff user of `merchant` (platform staff when `None`) with the password
    /// [`Self::STAFF_PASSWORD`], holding `roles` (built-in codes, or custom codes of the
    /// merchant), enrolled in MFA when a role requires it; returns a live session token
    /// opened directly (MFA enrolment and its sign-in step are not needed in set-up).
    pub async fn staff_user(
        &self,
        merchant: Option<omnihub_domain::ids::MerchantId>,
        email: &str,
        roles: &[&str],
    ) -> String {
        use omnihub_domain::access::BuiltInRole;
        let email = omnihub_domain::identity::Email::parse(email).expect("email");
        let password =
            omnihub_domain::identity::NewPassword::parse(Self::STAFF_PASSWORD).expect("password");
        let hash = omnihub_app::passwords::hash(&password, self.app.hash_cost, &OsEntropy)
            .await
            .expect("hash");
        let id = omnihub_domain::ids::UserId::from_uuid(self.app.ids.new_id());
        let new = omnihub_store::staff::NewStaffUser {
            merchant,
            email: &email,
            display_name: email.as_ref(),
            password_hash: &hash,
            is_platform_admin: false,
        };
        let now = self.app.now();
        let mut tx = self.app.db.begin_write().await.expect("begin");
        omnihub_store::staff::insert(&mut tx, id, &new, now)
            .await
            .expect("insert user");
        let custom = match merchant {
            Some(m) => omnihub_store::roles::list_custom(&mut tx, m)
                .await
                .expect("roles"),
            None => Vec::new(),
        };
        let mut needs_mfa = false;
        for code in roles {
            let (role, mfa) = match BuiltInRole::from_code(code) {
                Some(b) => (b.id(), b.requires_mfa()),
                None => custom
                    .iter()
                    .find(|r| r.code == *code)
                    .map(|r| (r.id, r.requires_mfa))
                    .unwrap_or_else(|| panic!("no role {code}")),
            };
            needs_mfa |= mfa;
            omnihub_store::access::grant_role(
                &mut tx,
                id.as_uuid(),
                role,
                None,
                now.as_microsecond(),
            )
            .await
            .expect("grant");
        }
        if needs_mfa {
            omnihub_store::users::mark_mfa_enrolled(&mut tx, merchant, id, now)
                .await
                .expect("mfa");
        }
        let token = format!(
            "ohs_{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let session = omnihub_store::sessions::NewSession {
            token_hash: &omnihub_app::auth::token_hash(&token),
            user: id,
            idle_expires_at: now + omnihub_app::auth::SESSION_IDLE,
            absolute_expires_at: now + omnihub_app::auth::SESSION_ABSOLUTE,
            client_address: None,
            user_agent: None,
            stage: "active",
            channel: "api",
        };
        omnihub_store::sessions::insert(&mut tx, &session, now)
            .await
            .expect("session");
        tx.commit().await.expect("commit");
        token
    }

    /// Signs in through the API with a password; returns the token.
    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// The id of the user with this email.
    pub async fn user_id(&self, email: &str) -> String {
        let email = omnihub_domain::identity::Email::parse(email).expect("email");
        let mut tx = self.app.db.begin_read().await.expect("begin");
        omnihub_store::staff::find_by_email(&mut tx, &email)
            .await
            .expect("find")
            .expect("user exists")
            .id
            .to_string()
    }

    /// The audit entries of a merchant's chain (the platform's when `None`), in order, as
    /// `(action, entity_id, after_json)`.
    pub async fn audit_entries(
        &self,
        merchant: Option<omnihub_domain::ids::MerchantId>,
    ) -> Vec<(String, Option<String>, Option<Value>)> {
        let chain = merchant.map_or_else(|| "platform".to_owned(), |m| m.to_string());
        let mut tx = self.app.db.begin_read().await.expect("begin");
        omnihub_store::audit::chain_page(&mut tx, &chain, 0, 10_000)
            .await
            .expect("audit")
            .into_iter()
            .map(|row| {
                let after = row
                    .after_json
                    .as_deref()
                    .map(|j| serde_json::from_str(j).expect("json"));
                (row.action, row.entity_id, after)
            })
            .collect()
    }

    /// The audit actions of a merchant's chain (the platform's when `None`), in order.
    pub async fn audit_actions(
        &self,
        merchant: Option<omnihub_domain::ids::MerchantId>,
    ) -> Vec<String> {
        self.audit_entries(merchant)
            .await
            .into_iter()
            .map(|(action, _, _)| action)
            .collect()
    }
}

/// A console session: the cookie header value and the CSRF token.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// `omnihub_session=...`
    pub cookie: String,
    /// The CSRF token forms must carry.
    pub csrf: String,
}

/// Percent-encodes a form value.
pub fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response: status, headers and the whole body.
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl TestResponse {
    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }

    /// Asserts this is a problem response with `status` and `code`, and returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["code"], code, "problem: {problem}");
        assert_eq!(problem["status"], status.as_u16(), "problem: {problem}");
        assert_eq!(problem["type"], format!("/problems/{code}"));
        assert!(problem["title"].is_string());
        problem
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL, each over a fresh database,
/// then checks the integrity invariants.
///
/// ```ignore
/// both_dbs! {
///     async fn creating_a_merchant_returns_it(app: TestApp) { ... }
/// }
/// ```
#[macro_export]
macro_rules! both_dbs {
    ($(async fn $name:ident($app:ident : TestApp) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: &$crate::TestApp) $body

            async fn run(backend: $crate::TestBackend) {
                if !$crate::backend_enabled(backend) {
                    return;
                }
                let app = $crate::TestApp::spawn(backend).await;
                body(&app).await;
                app.assert_invariants().await;
                app.close().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::TestBackend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::TestBackend::Postgres).await;
            }
        }
    )*};
}
