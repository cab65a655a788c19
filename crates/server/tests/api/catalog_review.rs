//! The listing review over HTTP: levels, rejections, the reviewer rules, compliance
//! findings in the review queue, listing and delisting, what sends a product back to
//! review, history and diffs, and the sellability check order intake will call.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::Permission;
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::{Shop, call, category, created, field_errors, shop, tee};
use crate::fixtures;

/// A reviewer of the shop (catalog.read + catalog.review).
async fn reviewer(app: &TestApp, s: &Shop, email: &str) -> String {
    let perms = [Permission::CatalogRead, Permission::CatalogReview];
    fixtures::staff_token(app, Some(s.id), email, &perms).await
}

async fn set_levels(app: &TestApp, s: &Shop, levels: i64) {
    let r = call(
        app,
        Method::PUT,
        &s.owner,
        "/api/v1/catalog/settings",
        &json!({"review_levels": levels}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// Creates a submittable product named `name` and returns it.
async fn product(app: &TestApp, s: &Shop, name: &str) -> Value {
    let cat = category(app, &s.owner, &format!("Cat {name}"), None).await;
    let mut body = tee(name, &cat);
    if !name.contains("best in the world") {
        // SKU codes come from the name, so products of one test do not collide.
        let prefix: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
        body["generate"]["code_prefix"] = json!(prefix);
    }
    created(app, &s.owner, "/api/v1/catalog/products", &body).await
}

async fn act(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    body: &Value,
) -> axum::http::StatusCode {
    let r = call(
        app,
        Method::POST,
        token,
        &format!("/api/v1/catalog/products/{id}/{action}"),
        body,
    )
    .await;
    assert!(r.status.is_success(), "{action}: {} {}", r.status, r.text());
    r.status
}

async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    level: u8,
    decision: &str,
    reason: Option<&str>,
) -> omnihub_testkit::TestResponse {
    let body = json!({"level": level, "decision": decision, "reason": reason});
    call(
        app,
        Method::POST,
        token,
        &format!("/api/v1/catalog/products/{id}/review"),
        &body,
    )
    .await
}

async fn sellable(app: &TestApp, token: &str, body: &Value) -> omnihub_testkit::TestResponse {
    call(
        app,
        Method::POST,
        token,
        "/api/v1/catalog/sellability",
        body,
    )
    .await
}

fn queue_ids(queue: &Value) -> Vec<String> {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

both_dbs! {
    async fn a_product_passes_three_review_levels_by_three_people_then_sells_until_delisted(app: TestApp) {
        // Arrange: three levels, three reviewers, a product with banned words (zh and en).
        let s = shop(app, "acme").await;
        set_levels(app, &s, 3).await;
        let (r1, r2, r3) = (reviewer(app, &s, "r1@acme.test").await, reviewer(app, &s, "r2@acme.test").await, reviewer(app, &s, "r3@acme.test").await);
        let p = product(app, &s, "最舒适 T恤, best in the world").await;
        let id = p["id"].as_str().unwrap().to_owned();
        let sku_ids: Vec<&str> = p["skus"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
        let all = json!({"sku_ids": sku_ids});
        sellable(app, &s.owner, &all).await.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");

        // Submit: the findings are warnings the queue shows reviewers.
        act(app, &s.owner, &id, "submit", &json!({})).await;
        let queue = app.get_as(&r1, "/api/v1/catalog/review-queue").await.json();
        assert_eq!(queue_ids(&queue), [id.as_str()]);
        let item = &queue["items"][0];
        assert_eq!((item["status"].as_str(), item["review_level"].as_u64(), item["review_levels"].as_u64()), (Some("in_review"), Some(1), Some(3)));
        let messages: Vec<&str> = item["findings"].as_array().unwrap().iter()
            .filter(|f| f["code"] == "banned_word" && f["severity"] == "warning").map(|f| f["message"].as_str().unwrap()).collect();
        assert!(messages.iter().any(|m| m.contains('最')) && messages.iter().any(|m| m.contains("best in the world")), "{messages:?}");
        // The submitter does not see their own submission in the queue, and may not decide it.
        assert!(queue_ids(&app.get_as(&s.owner, "/api/v1/catalog/review-queue").await.json()).is_empty());
        decide(app, &s.owner, &id, 1, "approve", None).await.assert_problem(StatusCode::CONFLICT, "own-submission");

        // Level 1 by r1; r1 may not take level 2 too, and r2 cannot decide level 1 again.
        assert_eq!(decide(app, &r1, &id, 1, "approve", None).await.json()["review_level"], 2);
        decide(app, &r1, &id, 2, "approve", None).await.assert_problem(StatusCode::CONFLICT, "already-reviewed");
        assert!(queue_ids(&app.get_as(&r1, "/api/v1/catalog/review-queue").await.json()).is_empty());
        decide(app, &r2, &id, 1, "approve", None).await.assert_problem(StatusCode::CONFLICT, "wrong-review-level");
        assert_eq!(decide(app, &r2, &id, 2, "approve", None).await.json()["review_level"], 3);
        let approved = decide(app, &r3, &id, 3, "approve", None).await.json();
        assert_eq!(approved["status"], "approved");
        assert!(approved["review_level"].is_null());

        // Approved is not yet on sale; listed is; delisted is not again.
        sellable(app, &s.owner, &all).await.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
        act(app, &s.owner, &id, "list", &json!({})).await;
        let ok = sellable(app, &s.owner, &json!({"sku_ids": [sku_ids[0]], "sku_codes": ["tee-blue-l"]})).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
        assert_eq!(ok.json()["sellable"], true);
        let body = ok.json();
        let codes: Vec<&str> = body["skus"].as_array().unwrap().iter().map(|k| k["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["TEE-RED-M", "TEE-BLUE-L"]);
        let unknown = sellable(app, &s.owner, &json!({"sku_ids": [sku_ids[0]], "sku_codes": ["NOPE-1"]})).await;
        let problem = unknown.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
        assert!(problem["detail"].as_str().unwrap().contains("NOPE-1"), "{problem}");
        act(app, &s.owner, &id, "delist", &json!({})).await;
        let refused = sellable(app, &s.owner, &all).await.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
        assert!(refused["detail"].as_str().unwrap().contains(sku_ids[3]), "{refused}");
        let again = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/products/{id}/delist"), &json!({})).await;
        again.assert_problem(StatusCode::CONFLICT, "illegal-transition");

        // The log and the audit chain hold every step.
        let log = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/reviews")).await.json();
        let steps: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(steps, ["submit", "approve", "approve", "approve", "list", "delist"]);
        assert_eq!(log[0]["findings"].as_array().unwrap().len(), messages.len());
        let actions = app.audit_actions(Some(s.id)).await;
        for action in ["product.submit", "product.approve", "product.list", "product.delist"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }
        assert_eq!(actions.iter().filter(|a| *a == "product.approve").count(), 3);
    }

    async fn a_rejection_needs_a_reason_and_resubmitting_starts_a_new_round(app: TestApp) {
        let s = shop(app, "acme").await;
        set_levels(app, &s, 2).await;
        let (r1, r2) = (reviewer(app, &s, "r1@acme.test").await, reviewer(app, &s, "r2@acme.test").await);
        let p = product(app, &s, "Plain tee").await;
        let id = p["id"].as_str().unwrap();
        act(app, &s.owner, id, "submit", &json!({})).await;
        decide(app, &r1, id, 1, "approve", None).await;
        let no_reason = decide(app, &r2, id, 2, "reject", None).await;
        assert_eq!(field_errors(&no_reason), [("reason".to_owned(), "required".to_owned())]);
        let bad = call(app, Method::POST, &r2, &format!("/api/v1/catalog/products/{id}/review"), &json!({"level": 2, "decision": "maybe"})).await;
        bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
        let rejected = decide(app, &r2, id, 2, "reject", Some("photo is blurry")).await;
        assert_eq!(rejected.json()["status"], "rejected");
        decide(app, &r2, id, 2, "approve", None).await.assert_problem(StatusCode::CONFLICT, "illegal-transition");
        let list = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/products/{id}/list"), &json!({})).await;
        list.assert_problem(StatusCode::CONFLICT, "illegal-transition");

        let log = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/reviews")).await.json();
        let last = log.as_array().unwrap().last().unwrap();
        assert_eq!((last["action"].as_str(), last["level"].as_i64(), last["reason"].as_str()), (Some("reject"), Some(2), Some("photo is blurry")));
        // Resubmitting starts round 2 at level 1; r1 may review again in the new round.
        let again = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/products/{id}/submit"), &json!({})).await.json();
        assert_eq!((again["review_round"].as_i64(), again["review_level"].as_u64()), (Some(2), Some(1)));
        assert_eq!(queue_ids(&app.get_as(&r1, "/api/v1/catalog/review-queue").await.json()), [id.to_owned()]);
        assert!(app.audit_actions(Some(s.id)).await.contains(&"product.reject".to_owned()));
    }

    async fn reviewing_needs_catalog_review(app: TestApp) {
        let s = shop(app, "acme").await;
        let writer = fixtures::staff_token(app, Some(s.id), "writer@acme.test", &[Permission::CatalogRead, Permission::CatalogWrite]).await;
        let p = product(app, &s, "Plain tee").await;
        let id = p["id"].as_str().unwrap();
        act(app, &s.owner, id, "submit", &json!({})).await;
        decide(app, &writer, id, 1, "approve", None).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        app.get_as(&writer, "/api/v1/catalog/review-queue").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
    }

    async fn submission_is_refused_until_compliance_errors_are_fixed(app: TestApp) {
        let s = shop(app, "acme").await;
        // No category, no description, no image; price below cost.
        let p = created(app, &s.owner, "/api/v1/catalog/products", &json!({"name": "Clearance mug",
            "skus": [{"code": "MUG-1", "price": {"amount": "5"}, "cost": {"amount": "8"}}]})).await;
        let id = p["id"].as_str().unwrap();
        let r = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/products/{id}/submit"), &json!({})).await;
        let errors = field_errors(&r);
        for (field, code) in [("category_id", "required"), ("description", "required"), ("images", "required"), ("skus[MUG-1].price", "below_cost")] {
            assert!(errors.contains(&(field.to_owned(), code.to_owned())), "{field} {code}: {errors:?}");
        }
        let cat = category(app, &s.owner, "Home", None).await;
        let fix = json!({"category_id": cat, "description": "A mug", "images": ["https://cdn.example.com/m.jpg"]});
        call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/products/{id}"), &fix).await;
        let r = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/products/{id}/submit"), &json!({})).await;
        assert_eq!(field_errors(&r), [("skus[MUG-1].price".to_owned(), "below_cost".to_owned())]);
        // Flagged as allowed below cost (clearance), it may be submitted.
        call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/products/{id}"), &json!({"allow_below_cost": true})).await;
        act(app, &s.owner, id, "submit", &json!({})).await;
        let product = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}")).await.json();
        assert_eq!(product["status"], "in_review");
    }

    async fn a_price_edit_sends_a_listed_product_back_to_review_but_a_cost_edit_does_not(app: TestApp) {
        let s = shop(app, "acme").await;
        let r1 = reviewer(app, &s, "r1@acme.test").await;
        let p = product(app, &s, "Plain tee").await;
        let id = p["id"].as_str().unwrap();
        let sku = p["skus"][0]["id"].as_str().unwrap();
        act(app, &s.owner, id, "submit", &json!({})).await;
        decide(app, &r1, id, 1, "approve", None).await;
        act(app, &s.owner, id, "list", &json!({})).await;
        let sku_path = format!("/api/v1/catalog/products/{id}/skus/{sku}");

        let cost = call(app, Method::PATCH, &s.owner, &sku_path, &json!({"cost": {"amount": "31"}, "weight": "250g"})).await.json();
        assert_eq!((cost["status"].as_str(), cost["version"].as_i64()), (Some("listed"), Some(2)));
        assert_eq!(sellable(app, &s.owner, &json!({"sku_ids": [sku]})).await.status, StatusCode::OK);

        let price = call(app, Method::PATCH, &s.owner, &sku_path, &json!({"price": {"amount": "89.90"}})).await.json();
        assert_eq!((price["status"].as_str(), price["review_level"].as_u64(), price["review_round"].as_i64()), (Some("in_review"), Some(1), Some(2)));
        sellable(app, &s.owner, &json!({"sku_ids": [sku]})).await.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
        let log = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/reviews")).await.json();
        assert_eq!(log.as_array().unwrap().last().unwrap()["action"], "resubmit");
        // The same reviewer may decide the new round.
        decide(app, &r1, id, 1, "approve", None).await;
        act(app, &s.owner, id, "list", &json!({})).await;
        let renamed = call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/products/{id}"), &json!({"name": "Plain tee v2"})).await.json();
        assert_eq!(renamed["status"], "in_review");
    }

    async fn history_lists_versions_shows_snapshots_and_diffs_them(app: TestApp) {
        let s = shop(app, "acme").await;
        let p = product(app, &s, "Plain tee").await;
        let id = p["id"].as_str().unwrap();
        let sku = p["skus"][0]["id"].as_str().unwrap();
        call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/products/{id}"), &json!({"name": "Plain tee v2"})).await;
        call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/products/{id}/skus/{sku}"), &json!({"price": {"amount": "79"}})).await;

        let versions = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/versions")).await.json();
        let numbers: Vec<i64> = versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
        assert_eq!(numbers, [3, 2, 1]);
        assert_eq!(versions[0]["changed"], json!(["skus"]));
        assert_eq!(versions[1]["changed"], json!(["name"]));
        assert_eq!(versions[0]["actor_label"], "owner@acme.test");
        assert!(versions[0].get("snapshot").is_none());

        let v2 = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/versions/2")).await.json();
        assert_eq!(v2["snapshot"]["name"], "Plain tee v2");
        assert_eq!(v2["snapshot"]["skus"][sku]["price_minor"], 9900);
        let diff = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/diff?from=1&to=3")).await.json();
        let paths: Vec<&str> = diff.as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["name".to_owned(), format!("skus.{sku}.price_minor")]);
        assert_eq!(diff[1]["before"], 9900);
        assert_eq!(diff[1]["after"], 7900);
        app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/versions/9")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/diff?from=1")).await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
    }

    async fn the_review_queue_is_in_submission_order_with_cursor_pages(app: TestApp) {
        let s = shop(app, "acme").await;
        let r1 = reviewer(app, &s, "r1@acme.test").await;
        let mut ids = Vec::new();
        for name in ["First made", "Second made", "Third made"] {
            ids.push(product(app, &s, name).await["id"].as_str().unwrap().to_owned());
        }
        // Submitted in another order than made: third, first, second.
        for i in [2, 0, 1] {
            app.clock.advance(jiff::SignedDuration::from_secs(60));
            act(app, &s.owner, &ids[i], "submit", &json!({})).await;
        }
        let first = app.get_as(&r1, "/api/v1/catalog/review-queue?limit=2").await.json();
        assert_eq!(queue_ids(&first), [ids[2].as_str(), ids[0].as_str()]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get_as(&r1, &format!("/api/v1/catalog/review-queue?limit=2&cursor={cursor}")).await.json();
        assert_eq!(queue_ids(&second), [ids[1].as_str()]);
        assert!(second["next_cursor"].is_null());
        // Deciding takes a product out of the queue.
        decide(app, &r1, &ids[2], 1, "approve", None).await;
        let after = app.get_as(&r1, "/api/v1/catalog/review-queue").await.json();
        assert_eq!(queue_ids(&after), [ids[0].as_str(), ids[1].as_str()]);
    }
}
