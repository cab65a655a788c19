//! The audit log (IAM-8): search with filters and cursors, scoping per merchant, CSV
//! export, chain verification, tamper detection, and the console page.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::access::Permission as P;
use omnihub_testkit::omnihub_store::with_conn;
use omnihub_testkit::{TestApp, TestBackend, backend_enabled, both_dbs, json};
use serde_json::Value;

use crate::fixtures;

const OPERATOR: &str = "ops@omnihub.test";

/// A platform operator who may create merchants, change settings and read the audit log.
async fn operator(app: &TestApp) -> String {
    fixtures::staff_token(
        app,
        None,
        OPERATOR,
        &[P::MerchantsManage, P::SettingsManage, P::AuditRead],
    )
    .await
}

/// A request with a bearer token, a JSON body (if any) and extra headers.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
    extra: &[(&'static str, &str)],
) -> omnihub_testkit::TestResponse {
    let auth = format!("Bearer {token}");
    let mut headers = vec![(header::AUTHORIZATION, auth.as_str())];
    if body.is_some() {
        headers.push((header::CONTENT_TYPE, "application/json"));
    }
    for (name, value) in extra {
        headers.push((HeaderName::from_static(name), value));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    app.request(method, path, &headers, body).await
}

/// Creates merchant `code` and sets `catalog.review_levels` to 2, then 3, one minute apart.
/// Returns the merchant's id. The chain then holds: 1 merchant.create, 2 and 3
/// setting.update.
async fn busy_merchant(app: &TestApp, token: &str, code: &str) -> String {
    let created = call(
        app,
        Method::POST,
        "/api/v1/merchants",
        token,
        Some(&json!({"code": code, "name": format!("{code} 旗舰店")})),
        &[
            ("x-request-id", &format!("req-{code}")),
            ("user-agent", "audit-test/1.0"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    for value in [2, 3] {
        app.clock.advance(jiff::SignedDuration::from_mins(1));
        let path = format!("/api/v1/merchants/{id}/settings/catalog.review_levels");
        let put = call(
            app,
            Method::PUT,
            &path,
            token,
            Some(&json!({"value": value})),
            &[],
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    }
    id
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["seq"], e["action"].as_str().unwrap()))
        .collect()
}

both_dbs! {
    async fn platform_staff_search_a_merchants_chain_newest_first_with_everything_stored(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        busy_merchant(app, &token, "beta").await;

        // The platform chain is the default: the operator's sign-in is there, merchant
        // entries are not.
        let platform = app.get_as(&token, "/api/v1/audit").await;
        assert_eq!(platform.status, StatusCode::OK, "{}", platform.text());
        assert_eq!(actions(&platform.json()), ["1:session.create"]);

        let page = app.get_as(&token, &format!("/api/v1/audit?merchant_id={alpha}")).await.json();
        assert_eq!(actions(&page), ["3:setting.update", "2:setting.update", "1:merchant.create"]);
        let newest = &page["items"][0];
        assert_eq!(newest["chain"], alpha.as_str());
        assert_eq!(newest["merchant_id"], alpha.as_str());
        assert_eq!(newest["actor_type"], "user");
        assert_eq!(newest["actor_label"], OPERATOR);
        assert!(newest["actor_id"].is_string());
        assert_eq!(newest["entity_type"], "setting");
        assert_eq!(newest["entity_id"], "catalog.review_levels");
        assert_eq!(newest["before"], 2, "before and after are JSON values");
        assert_eq!(newest["after"], 3);
        assert_eq!(newest["created_at"], "2026-01-15T08:02:00Z");
        assert_eq!(newest["hash"].as_str().unwrap().len(), 64);
        assert_eq!(newest["prev_hash"], page["items"][1]["hash"]);
        let created = &page["items"][2];
        assert_eq!(created["before"], Value::Null);
        assert_eq!(created["after"]["code"], "alpha");
        assert_eq!(created["after"]["name"], "alpha 旗舰店");
        assert_eq!(created["request_id"], "req-alpha");
        assert_eq!(created["user_agent"], "audit-test/1.0");
        assert_eq!(created["prev_hash"], "genesis");

        // The merchant chosen with the header is the default chain too.
        let chosen = call(app, Method::GET, "/api/v1/audit", &token, None, &[("x-omnihub-merchant", &alpha)]).await.json();
        assert_eq!(actions(&chosen), actions(&page));
    }

    async fn a_platform_administrator_reads_and_verifies_the_platform_chain(app: TestApp) {
        let token = app.admin_token().await;
        let page = app.get_as(&token, "/api/v1/audit").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let page = page.json();
        let seen = actions(&page);
        assert_eq!(seen.last().map(String::as_str), Some("1:staff_user.create"), "{seen:?}");
        assert!(seen.iter().any(|a| a.ends_with(":staff_user.mfa_enable")), "{seen:?}");
        assert_eq!(page["items"][page["items"].as_array().unwrap().len() - 1]["actor_type"], "system");
        let verified = app.get_as(&token, "/api/v1/audit/verify").await.json();
        assert_eq!(verified["ok"], true, "{verified}");
        assert_eq!(verified["chains"][0]["chain"], "platform");
    }

    async fn every_filter_narrows_the_search(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        let user_id = app.get_as(&token, "/api/v1/auth/me").await.json()["id"].as_str().unwrap().to_owned();
        let base = format!("/api/v1/audit?merchant_id={alpha}");
        let cases: &[(&str, &[&str])] = &[
            ("action=setting.update", &["3:setting.update", "2:setting.update"]),
            ("action=merchant.*", &["1:merchant.create"]),
            ("action=MERCHANT.*", &["1:merchant.create"]),
            ("action=merchant", &[]),
            ("action=*", &["3:setting.update", "2:setting.update", "1:merchant.create"]),
            ("entity_type=merchant", &["1:merchant.create"]),
            ("entity_id=catalog.review_levels", &["3:setting.update", "2:setting.update"]),
            ("actor=OPS@omnihub.test", &["3:setting.update", "2:setting.update", "1:merchant.create"]),
            ("actor=someone@omnihub.test", &[]),
            (&format!("actor={user_id}"), &["3:setting.update", "2:setting.update", "1:merchant.create"]),
            ("request_id=req-alpha", &["1:merchant.create"]),
            ("from=2026-01-15T08:01:00Z", &["3:setting.update", "2:setting.update"]),
            ("to=2026-01-15T08:01:00Z", &["1:merchant.create"]),
            ("from=2026-01-15T16:01:00%2B08:00&to=2026-01-15T08:02:00Z", &["2:setting.update"]),
            ("action=setting.*&from=2026-01-15T08:02:00Z", &["3:setting.update"]),
        ];
        for (query, expected) in cases {
            let response = app.get_as(&token, &format!("{base}&{query}")).await;
            assert_eq!(response.status, StatusCode::OK, "{query}: {}", response.text());
            assert_eq!(actions(&response.json()), *expected, "{query}");
        }
    }

    async fn pages_follow_the_cursor_to_the_oldest_entry(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        let mut seen = Vec::new();
        let mut path = format!("/api/v1/audit?merchant_id={alpha}&limit=2");
        loop {
            let page = app.get_as(&token, &path).await.json();
            seen.extend(actions(&page));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/audit?merchant_id={alpha}&limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen, ["3:setting.update", "2:setting.update", "1:merchant.create"]);
    }

    async fn bad_filters_and_paging_are_refused(app: TestApp) {
        let token = operator(app).await;
        let bad = app.get_as(&token, "/api/v1/audit?from=yesterday&action=a%20b&merchant_id=nope").await;
        let problem = bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["from", "action", "merchant_id"]);
        for (query, why) in [("limit=0", "limit too small"), ("limit=501", "limit too large"), ("cursor=abc", "cursor not a position"), ("cursor=-4", "negative cursor")] {
            app.get_as(&token, &format!("/api/v1/audit?{query}")).await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
            let _ = why;
        }
        let ghost = "01940000-0000-7000-8000-000000000000";
        app.get_as(&token, &format!("/api/v1/audit?merchant_id={ghost}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn reading_the_audit_log_needs_audit_read(app: TestApp) {
        app.get("/api/v1/audit").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.get("/api/v1/audit/verify").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.get("/api/v1/audit/export.csv").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let token = fixtures::staff_token(app, None, "nosy@omnihub.test", &[P::MerchantsManage]).await;
        for path in ["/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/export.csv"] {
            app.get_as(&token, path).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        }
    }

    async fn merchant_staff_see_and_verify_only_their_own_chain(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        let beta = busy_merchant(app, &token, "beta").await;
        let staff = fixtures::staff_token(app, Some(alpha.parse().unwrap()), "clerk@alpha.test", &[P::AuditRead]).await;

        let own = app.get_as(&staff, "/api/v1/audit").await.json();
        let expected = ["4:session.create", "3:setting.update", "2:setting.update", "1:merchant.create"];
        assert_eq!(actions(&own), expected, "the clerk's own sign-in is in their merchant's chain");
        assert!(own["items"].as_array().unwrap().iter().all(|e| e["chain"] == alpha.as_str()));
        // Another merchant's chain is not found, whichever way it is asked for.
        app.get_as(&staff, &format!("/api/v1/audit?merchant_id={beta}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        app.get_as(&staff, &format!("/api/v1/audit/export.csv?merchant_id={beta}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        let header = call(app, Method::GET, "/api/v1/audit", &staff, None, &[("x-omnihub-merchant", &beta)]).await.json();
        assert_eq!(actions(&header), actions(&own), "the header cannot switch merchant staff's chain");
        // The platform chain is not theirs either.
        assert!(!app.get_as(&staff, "/api/v1/audit").await.text().contains(&beta));

        let verified = app.get_as(&staff, "/api/v1/audit/verify").await.json();
        assert_eq!(verified, json!({"ok": true, "chains": [{"chain": alpha, "entries": 4, "ok": true, "broken": null}]}));
        // Platform staff verify every chain.
        let all = app.get_as(&token, "/api/v1/audit/verify").await.json();
        assert_eq!(all["ok"], true);
        let chains: Vec<&str> = all["chains"].as_array().unwrap().iter().map(|c| c["chain"].as_str().unwrap()).collect();
        let mut expected = vec![alpha.as_str(), beta.as_str(), "platform"];
        expected.sort_unstable();
        assert_eq!(chains, expected);
    }

    async fn the_csv_export_holds_every_matching_entry_and_is_itself_audited(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        let response = app.get_as(&token, &format!("/api/v1/audit/export.csv?merchant_id={alpha}&action=setting.*")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            response.header("content-disposition"),
            Some(format!("attachment; filename=\"audit-{alpha}-20260115T080200Z.csv\"").as_str())
        );
        assert_eq!(response.header(omnihub_server::api::audit::TRUNCATED_HEADER), Some("false"));
        assert!(response.body.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte order mark for spreadsheets");
        let mut reader = csv::Reader::from_reader(&response.body[3..]);
        let headers = reader.headers().unwrap().clone();
        assert_eq!(&headers[0], "seq");
        assert_eq!(headers.len(), 18);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        assert_eq!(&rows[0][column("seq")], "3");
        assert_eq!(&rows[0][column("action")], "setting.update");
        assert_eq!(&rows[0][column("before")], "2");
        assert_eq!(&rows[0][column("after")], "3");
        assert_eq!(&rows[0][column("actor_label")], OPERATOR);
        assert_eq!(&rows[1][column("seq")], "2");

        // The export is in the log, with what was asked for and how much went out.
        let logged = app.get_as(&token, &format!("/api/v1/audit?merchant_id={alpha}&action=audit.export")).await.json();
        let entry = &logged["items"][0];
        assert_eq!(entry["seq"], 4);
        assert_eq!(entry["entity_type"], "audit_log");
        assert_eq!(entry["after"]["rows"], 2);
        assert_eq!(entry["after"]["truncated"], false);
        assert_eq!(entry["after"]["filters"]["action"], "setting.*");
    }

    async fn spreadsheet_formulas_in_exported_cells_are_neutralised(app: TestApp) {
        let token = operator(app).await;
        let created = call(app, Method::POST, "/api/v1/merchants", &token, Some(&json!({"code": "gamma", "name": "Gamma"})),
            &[("user-agent", "=HYPERLINK(\"http://evil.example\")")]).await;
        let gamma = created.json()["id"].as_str().unwrap().to_owned();
        let csv = app.get_as(&token, &format!("/api/v1/audit/export.csv?merchant_id={gamma}")).await.text();
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
    }

    async fn the_console_audit_page_filters_pages_exports_and_shows_the_chain_status(app: TestApp) {
        let token = operator(app).await;
        let alpha = busy_merchant(app, &token, "alpha").await;
        let path = format!("/api/v1/merchants/{alpha}/settings/ui.banner");
        call(app, Method::PUT, &path, &token, Some(&json!({"value": "<script>alert(1)</script>"})), &[]).await;

        // Signed out: off to the sign-in page.
        let signed_out = app.get("/admin/audit").await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
        assert!(signed_out.header("location").unwrap().starts_with("/admin/login"));

        // The console cookie carries the same kind of session token as the API.
        let cookie = format!("omnihub_session={token}");
        let get = |path: String| {
            let cookie = format!("{cookie}; omnihub_lang=en");
            async move { app.request(Method::GET, &path, &[(header::COOKIE, &cookie)], Body::empty()).await }
        };

        let page = get(format!("/admin/audit?merchant_id={alpha}&limit=2")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("Audit log") && html.contains("href=\"/admin/audit\""), "title and nav link");
        assert!(html.contains("&#60;script&#62;alert(1)") && !html.contains("<script>alert(1)"), "JSON is escaped: {html}");
        assert!(html.contains("setting.update"));
        assert!(!html.contains("merchant.create"), "only the first page of two");
        assert!(html.contains(&format!("/admin/audit?merchant_id={alpha}&#38;cursor=3")), "a link to the next page: {html}");
        assert!(html.contains(&format!("/admin/audit/export.csv?merchant_id={alpha}")), "a link to the export");
        assert!(html.contains("hx-get=\"/admin/audit/verify\""));

        let older = get(format!("/admin/audit?merchant_id={alpha}&limit=2&cursor=3")).await.text();
        assert!(older.contains("merchant.create"));

        let filtered = get(format!("/admin/audit?merchant_id={alpha}&action=merchant.*")).await.text();
        assert!(filtered.contains("merchant.create") && !filtered.contains("setting.update"));
        let invalid = get("/admin/audit?from=soon".into()).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.text().contains("from: must be an RFC 3339 instant"));

        let banner = get("/admin/audit/verify".into()).await;
        assert_eq!(banner.status, StatusCode::OK);
        assert!(banner.text().contains("data-testid=\"audit-chains-ok\""), "{}", banner.text());

        let csv = get(format!("/admin/audit/export.csv?merchant_id={alpha}&action=setting.*")).await;
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(csv.text().lines().count(), 1 + 3);
    }

    async fn the_console_refuses_staff_without_audit_read(app: TestApp) {
        let token = fixtures::staff_token(app, None, "nosy@omnihub.test", &[P::MerchantsManage]).await;
        let cookie = format!("omnihub_session={token}");
        let page = app.request(Method::GET, "/admin/audit", &[(header::COOKIE, &cookie)], Body::empty()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.text().contains("audit.read"));
        let csv = app.request(Method::GET, "/admin/audit/export.csv", &[(header::COOKIE, &cookie)], Body::empty()).await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN);
    }
}

/// Runs raw SQL against the test's database, as an intruder with database access would.
async fn tamper(app: &TestApp, sql: &'static str, chain: &str, seq: i64) {
    let mut tx = app.app.db.begin_write().await.unwrap();
    with_conn!(&mut tx, |c| sqlx::query(sql)
        .bind(chain)
        .bind(seq)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
}

/// The code and position of the break the verify report gives for `chain`.
fn broken_at(report: &Value, chain: &str) -> (Option<String>, Option<i64>) {
    let status = status_of(report, chain);
    assert_eq!(status["ok"], status["broken"].is_null(), "{status}");
    (
        status["broken"]["code"].as_str().map(str::to_owned),
        status["broken"]["seq"].as_i64(),
    )
}

fn status_of<'a>(report: &'a Value, chain: &str) -> &'a Value {
    report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == chain)
        .unwrap_or_else(|| panic!("{chain} missing from {report}"))
}

/// Altering, deleting or truncating audit rows behind the application's back is reported by
/// the API and by the integrity checks, naming the chain and the position.
async fn tampering_is_detected(backend: TestBackend) {
    if !backend_enabled(backend) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let token = operator(&app).await;
    let alpha = busy_merchant(&app, &token, "alpha").await;
    let beta = busy_merchant(&app, &token, "beta").await;
    let gamma = busy_merchant(&app, &token, "gamma").await;
    assert_eq!(
        app.get_as(&token, "/api/v1/audit/verify").await.json()["ok"],
        true
    );

    // Rewrite history: alpha's second entry now claims the value was set to 99.
    tamper(
        &app,
        "UPDATE audit_log SET after_json = '99' WHERE chain = $1 AND seq = $2",
        &alpha,
        2,
    )
    .await;
    // Delete beta's middle entry, and gamma's last.
    let delete = "DELETE FROM audit_log WHERE chain = $1 AND seq = $2";
    tamper(&app, delete, &beta, 2).await;
    tamper(&app, delete, &gamma, 3).await;

    let report = app.get_as(&token, "/api/v1/audit/verify").await;
    assert_eq!(
        report.status,
        StatusCode::OK,
        "a broken chain is a finding, not an error"
    );
    let report = report.json();
    assert_eq!(report["ok"], false);
    assert_eq!(
        broken_at(&report, &alpha),
        (Some("altered".into()), Some(2))
    );
    let message = &status_of(&report, &alpha)["broken"]["message"];
    assert!(message.as_str().unwrap().contains("entry 2 was altered"));
    assert_eq!(broken_at(&report, &beta), (Some("gap".into()), Some(2)));
    assert_eq!(
        broken_at(&report, &gamma),
        (Some("truncated".into()), Some(3))
    );

    // The search still shows the tampered row as stored.
    let rows = app
        .get_as(
            &token,
            &format!("/api/v1/audit?merchant_id={alpha}&action=setting.*"),
        )
        .await
        .json();
    assert_eq!(rows["items"][1]["after"], 99);

    // `omnihub check` (and so every both_dbs! test) fails on it too.
    let outcomes = omnihub_app::system::run_checks(&app.app).await.unwrap();
    let chains = outcomes
        .iter()
        .find(|o| o.name == "audit.hash_chains")
        .unwrap();
    assert_eq!(chains.problems.len(), 3, "{chains:?}");
    assert!(
        chains
            .problems
            .iter()
            .any(|p| p.contains(&alpha) && p.contains("entry 2 was altered")),
        "{chains:?}"
    );

    // Putting the row back as it was restores the chain.
    tamper(
        &app,
        "UPDATE audit_log SET after_json = '2' WHERE chain = $1 AND seq = $2",
        &alpha,
        2,
    )
    .await;
    let report = app.get_as(&token, "/api/v1/audit/verify").await.json();
    assert_eq!(status_of(&report, &alpha)["ok"], true);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_detected_on_sqlite() {
    tampering_is_detected(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_detected_on_postgres() {
    tampering_is_detected(TestBackend::Postgres).await;
}

/// An intruder who knows the hashing rewrites the last entry and recomputes its hash: the
/// entry verifies on its own, but no longer matches the hash the chain's head recorded.
async fn a_rehashed_last_entry_does_not_match_the_head(backend: TestBackend) {
    if !backend_enabled(backend) {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let token = operator(&app).await;
    let alpha = busy_merchant(&app, &token, "alpha").await;
    let mut tx = app.app.db.begin_write().await.unwrap();
    let mut rows = omnihub_testkit::omnihub_store::audit::chain_page(&mut tx, &alpha, 2, 10)
        .await
        .unwrap();
    let mut last = rows.pop().unwrap();
    assert_eq!(last.seq, 3);
    last.after_json = Some("99".into());
    last.hash = last.chained().hash();
    with_conn!(&mut tx, |c| sqlx::query(
        "UPDATE audit_log SET after_json = $1, hash = $2 WHERE chain = $3 AND seq = 3"
    )
    .bind(&last.after_json)
    .bind(&last.hash)
    .bind(&alpha)
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
    let report = app.get_as(&token, "/api/v1/audit/verify").await.json();
    let a = status_of(&report, &alpha);
    assert_eq!(
        (a["broken"]["code"].as_str(), a["broken"]["seq"].as_i64()),
        (Some("head_mismatch"), Some(3)),
        "{report}"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehashed_last_entry_does_not_match_the_head_on_sqlite() {
    a_rehashed_last_entry_does_not_match_the_head(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehashed_last_entry_does_not_match_the_head_on_postgres() {
    a_rehashed_last_entry_does_not_match_the_head(TestBackend::Postgres).await;
}
