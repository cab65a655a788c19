//! Health, readiness, metrics and system status.

use axum::http::StatusCode;
use omnihub_testkit::{TestApp, TestBackend, backend_enabled, both_dbs};

both_dbs! {
    async fn healthz_answers_without_touching_the_database(app: TestApp) {
        let response = app.get("/healthz").await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json()["status"], "ok");
    }

    async fn readyz_is_ready_when_the_schema_is_current(app: TestApp) {
        let response = app.get("/readyz").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let body = response.json();
        assert_eq!(body["status"], "ready");
        assert_eq!(body["database"], true);
        assert_eq!(body["migrations_current"], true);
    }

    async fn every_response_carries_a_request_id_and_security_headers(app: TestApp) {
        let response = app.get("/healthz").await;
        assert_eq!(response.header("x-request-id").map(str::len), Some(32));
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("x-frame-options"), Some("DENY"));
        assert!(response.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(response.header("referrer-policy"), Some("same-origin"));
    }

    async fn a_sane_client_request_id_is_kept_and_a_bad_one_replaced(app: TestApp) {
        use axum::http::{HeaderName, Method};
        let id = HeaderName::from_static("x-request-id");
        let kept = app.request(Method::GET, "/healthz", &[(id.clone(), "trace-abc-123")], axum::body::Body::empty()).await;
        assert_eq!(kept.header("x-request-id"), Some("trace-abc-123"));
        let long = "x".repeat(200);
        let replaced = app.request(Method::GET, "/healthz", &[(id, long.as_str())], axum::body::Body::empty()).await;
        assert_ne!(replaced.header("x-request-id"), Some(long.as_str()));
    }

    async fn metrics_count_requests_by_route_and_status_with_latency_histograms(app: TestApp) {
        app.get("/healthz").await;
        app.get("/healthz").await;
        app.get("/no/such/route").await;
        let response = app.get("/metrics").await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(response.header("content-type").unwrap().starts_with("text/plain"));
        let text = response.text();
        assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 2"#), "{text}");
        assert!(text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#), "{text}");
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"}"#), "{text}");
        assert!(text.contains("db_pool_max_connections{pool="), "{text}");
    }

    async fn metrics_label_rejected_requests_by_their_route(app: TestApp) {
        app.post_raw("/api/v1/auth/login", "application/json", "{").await;
        let text = app.get("/metrics").await.text();
        assert!(text.contains(r#"http_requests_total{method="POST",route="/api/v1/auth/login",status="400"} 1"#), "{text}");
    }

    async fn system_status_reports_version_backend_migrations_and_uptime(app: TestApp) {
        app.clock.advance(jiff::SignedDuration::from_secs(90));
        let response = app.get("/api/v1/system/status").await;
        assert_eq!(response.status, StatusCode::OK);
        let body = response.json();
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        let expected = match app.backend { TestBackend::Sqlite => "sqlite", TestBackend::Postgres => "postgresql" };
        assert_eq!(body["database_backend"], expected);
        assert_eq!(body["migrations_current"], true);
        assert_eq!(body["migrations_applied"], body["migrations_expected"]);
        assert_eq!(body["uptime_seconds"], 90);
    }
}

/// Readiness must fail (503) on a database that was never migrated; run on both backends.
async fn readyz_refuses_an_unmigrated_database(backend: TestBackend) {
    if !backend_enabled(backend) {
        return;
    }
    let app = TestApp::spawn_unmigrated(backend).await;
    let response = app.get("/readyz").await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.text()
    );
    let body = response.json();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["database"], true);
    assert_eq!(body["migrations_current"], false);
    assert_eq!(body["missing_migrations"][0], 1);
    // After migrating, the same instance becomes ready.
    omnihub_app::system::migrate(&app.app).await.unwrap();
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.close().await;
}

#[tokio::test]
async fn readyz_refuses_an_unmigrated_sqlite_database() {
    readyz_refuses_an_unmigrated_database(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn readyz_refuses_an_unmigrated_postgres_database() {
    readyz_refuses_an_unmigrated_database(TestBackend::Postgres).await;
}

/// Readiness must fail (503) when the database is unreachable.
async fn readyz_refuses_when_the_database_is_gone(backend: TestBackend) {
    if !backend_enabled(backend) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    app.app.db.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["database"], false);
    // Other endpoints that need the database give a 503 problem, not a 500.
    app.get("/api/v1/system/status")
        .await
        .assert_problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

#[tokio::test]
async fn readyz_refuses_when_sqlite_is_gone() {
    readyz_refuses_when_the_database_is_gone(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn readyz_refuses_when_postgres_is_gone() {
    readyz_refuses_when_the_database_is_gone(TestBackend::Postgres).await;
}
