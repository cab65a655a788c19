//! The admin console shell, the API viewer and the embedded assets.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_testkit::both_dbs;

both_dbs! {
    async fn the_status_page_shows_version_backend_migrations_and_uptime(app: TestApp) {
        let session = app.console_login().await;
        let page = app.request(Method::GET, "/admin", &[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9"), (header::COOKIE, &session.cookie)], Body::empty()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        let html = page.text();
        assert!(html.contains("System status"));
        assert!(html.contains(env!("CARGO_PKG_VERSION")));
        let backend = match app.backend { omnihub_testkit::TestBackend::Sqlite => "sqlite", omnihub_testkit::TestBackend::Postgres => "postgresql" };
        assert!(html.contains(&format!("data-testid=\"backend\">{backend}<")));
        let migrations = omnihub_testkit::omnihub_store::migrations::MIGRATIONS;
        let latest = migrations.last().unwrap().0;
        let n = migrations.len();
        assert!(html.contains(&format!("{n} / {n} · {latest:04}")));
        assert!(html.contains("up to date"));
        assert!(html.contains("data-echarts="));
    }

    async fn pages_carry_a_nonce_based_content_security_policy(app: TestApp) {
        let page = app.get("/admin/login").await;
        let csp = page.header("content-security-policy").unwrap().to_owned();
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(page.text().contains(nonce), "the page uses its nonce");
        let again = app.get("/admin/login").await;
        assert_ne!(again.header("content-security-policy").unwrap(), csp, "a fresh nonce per page");
    }

    async fn the_console_speaks_chinese_by_default_and_switches_language(app: TestApp) {
        let zh = app.get("/admin/login").await.text();
        assert!(zh.contains("登录 Omnihub") && zh.contains("lang=\"zh-CN\""));
        let switch = app.get("/admin/lang/en?next=/admin").await;
        assert_eq!(switch.status, StatusCode::SEE_OTHER);
        assert_eq!(switch.header("location"), Some("/admin"));
        let cookie = switch.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
        assert_eq!(cookie, "omnihub_lang=en");
        let en = app.request(Method::GET, "/admin/login", &[(header::COOKIE, &cookie)], Body::empty()).await.text();
        assert!(en.contains("Sign in to Omnihub") && en.contains("lang=\"en\""));
    }

    async fn the_language_switch_never_redirects_off_the_console(app: TestApp) {
        for next in ["https://evil.example/", "//evil.example/", "/api/v1/merchants"] {
            let response = app.get(&format!("/admin/lang/en?next={next}")).await;
            assert_eq!(response.header("location"), Some("/admin"), "{next}");
        }
        assert_eq!(app.get("/admin/lang/fr").await.status, StatusCode::NOT_FOUND);
    }

    async fn the_sign_in_page_renders_its_form(app: TestApp) {
        let page = app.get("/admin/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
    }

    async fn unknown_console_pages_are_html_404s(app: TestApp) {
        let page = app.get("/admin/nowhere").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        assert!(page.text().contains("页面不存在"));
    }

    async fn vendored_assets_are_embedded_and_served(app: TestApp) {
        for (path, marker, mime) in [
            ("/assets/vendor/htmx.min.js", "htmx", "text/javascript"),
            ("/assets/vendor/echarts.min.js", "echarts", "text/javascript"),
            ("/assets/console.css", "--brand", "text/css"),
            ("/assets/console.js", "data-echarts", "text/javascript"),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status, StatusCode::OK, "{path}");
            assert!(response.header("content-type").unwrap().starts_with(mime), "{path}");
            assert!(response.text().contains(marker), "{path}");
            assert!(response.header("etag").is_some());
        }
        assert_eq!(app.get("/assets/vendor/missing.js").await.status, StatusCode::NOT_FOUND);
        // Large assets go out compressed to clients that accept it.
        let gz = app.request(Method::GET, "/assets/vendor/echarts.min.js", &[(header::ACCEPT_ENCODING, "gzip")], Body::empty()).await;
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert!(gz.body.len() < 600_000, "compressed to {} bytes", gz.body.len());
    }

    async fn the_api_viewer_and_openapi_document_are_served_offline(app: TestApp) {
        let viewer = app.get("/api/docs/").await;
        assert_eq!(viewer.status, StatusCode::OK);
        assert!(viewer.text().contains("swagger-ui"));
        let init = app.get("/api/docs/swagger-initializer.js").await;
        assert!(init.text().contains("/api/v1/openapi.json"));
        assert!(!init.text().contains("https://"), "no CDN: {}", init.text());
        let doc = app.get("/api/v1/openapi.json").await.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/system/status", "/api/v1/auth/login", "/api/v1/merchants", "/api/v1/merchants/{merchant_id}/settings/{key}"] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
        }
        assert!(doc["components"]["schemas"].get("Problem").is_some());
        assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    }

    async fn the_root_redirects_to_the_console(app: TestApp) {
        let response = app.request(Method::GET, "/", &[(HeaderName::from_static("accept"), "text/html")], Body::empty()).await;
        assert_eq!(response.header("location"), Some("/admin"));
    }
}
