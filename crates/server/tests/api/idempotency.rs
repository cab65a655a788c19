//! The `Idempotency-Key` header over HTTP, on both databases (docs/adr/0016): on
//! `POST /api/v1/inventory/receipts` and `/reservations` the same key with the same body
//! replays the first response byte for byte with no second effect, another body is 422
//! `idempotency-key-reused`, keys are per caller, concurrent duplicates act once, and a
//! failed request does not consume its key.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use omnihub_domain::access::Permission;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;
use tower::ServiceExt;

use crate::catalog::created;
use crate::fixtures;

const RECEIPTS: &str = "/api/v1/inventory/receipts";
const RESERVATIONS: &str = "/api/v1/inventory/reservations";

const PERMISSIONS: [Permission; 6] = [
    Permission::SettingsManage,
    Permission::CatalogRead,
    Permission::CatalogWrite,
    Permission::CatalogReview,
    Permission::InventoryRead,
    Permission::InventoryAdjust,
];

/// A merchant with two staff tokens, one listed SKU and one warehouse.
struct Shop {
    owner: String,
    other: String,
    sku: String,
    wh: String,
}

async fn shop(app: &TestApp) -> Shop {
    let id = fixtures::merchant(app, "acme", "Acme").await.id;
    let owner = fixtures::staff_token(app, Some(id), "owner@acme.test", &PERMISSIONS).await;
    let other = fixtures::staff_token(app, Some(id), "other@acme.test", &PERMISSIONS).await;
    let cat = created(
        app,
        &owner,
        "/api/v1/catalog/categories",
        &json!({"name": "Goods"}),
    )
    .await;
    let body = json!({"name": "Widget", "category_id": cat["id"], "description": "A widget",
        "images": ["https://cdn.example.com/w.jpg"],
        "skus": [{"code": "W-1", "price": {"amount": "25"}, "cost": {"amount": "10"}}]});
    let p = created(app, &owner, "/api/v1/catalog/products", &body).await;
    let base = format!("/api/v1/catalog/products/{}", p["id"].as_str().unwrap());
    created(app, &owner, &format!("{base}/submit"), &json!({})).await;
    let review = json!({"level": 1, "decision": "approve"});
    created(app, &other, &format!("{base}/review"), &review).await;
    created(app, &owner, &format!("{base}/list"), &json!({})).await;
    let loc = json!({"code": "WH", "name": "Warehouse", "kind": "warehouse",
        "country": "CN", "province": "310000", "city": "310100"});
    let wh = created(app, &owner, "/api/v1/inventory/locations", &loc).await;
    Shop {
        sku: p["skus"][0]["id"].as_str().unwrap().to_owned(),
        wh: wh["id"].as_str().unwrap().to_owned(),
        owner,
        other,
    }
}

fn receipt(s: &Shop, quantity: i64) -> Value {
    json!({"location_id": s.wh, "lines": [{"sku_id": s.sku, "quantity": quantity}], "reference": "PO-1"})
}

fn reservation(s: &Shop, quantity: i64) -> Value {
    json!({"lines": [{"reference": "order-1/1", "sku_id": s.sku, "location_id": s.wh, "quantity": quantity}]})
}

/// POSTs JSON with a bearer token and, if given, an `Idempotency-Key`.
async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> TestResponse {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        (header::CONTENT_TYPE, "application/json"),
        (header::AUTHORIZATION, auth.as_str()),
    ];
    if let Some(key) = key {
        headers.push((header::HeaderName::from_static("idempotency-key"), key));
    }
    app.request(Method::POST, path, &headers, Body::from(body.to_string()))
        .await
}

/// The same POST straight to a router, for clients running in their own tasks.
async fn send(
    router: Router,
    token: String,
    key: &'static str,
    body: Value,
) -> (StatusCode, Option<String>, Bytes) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(RECEIPTS)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        replayed,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// The receipt movements of the ledger.
async fn receipts(app: &TestApp, s: &Shop) -> usize {
    let r = app
        .get_as(&s.owner, "/api/v1/inventory/movements?reason=receipt")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().len()
}

/// (on_hand, reserved).
async fn level(app: &TestApp, s: &Shop) -> (i64, i64) {
    let r = app
        .get_as(
            &s.owner,
            &format!("/api/v1/inventory/levels/{}/{}", s.sku, s.wh),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let l = r.json();
    (
        l["on_hand"].as_i64().unwrap(),
        l["reserved"].as_i64().unwrap(),
    )
}

both_dbs! {
    async fn a_second_post_with_the_same_idempotency_key_returns_the_first_response(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        // Act
        let first = post(app, &s.owner, RECEIPTS, Some("rcpt-1"), &receipt(&s, 5)).await;
        let second = post(app, &s.owner, RECEIPTS, Some("rcpt-1"), &receipt(&s, 5)).await;
        // Assert: the same bytes, marked as a replay, and one movement only.
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(first.header("idempotent-replayed"), None);
        assert_eq!(second.status, StatusCode::CREATED);
        assert_eq!(second.header("idempotent-replayed"), Some("true"));
        assert_eq!(second.header("content-type"), Some("application/json"));
        assert_eq!(first.body, second.body);
        assert_eq!(receipts(app, &s).await, 1);
        assert_eq!(level(app, &s).await, (5, 0));
        // Without a key nothing is deduplicated.
        assert_eq!(post(app, &s.owner, RECEIPTS, None, &receipt(&s, 5)).await.status, StatusCode::CREATED);
        assert_eq!(receipts(app, &s).await, 2);
    }

    async fn a_reservation_replayed_by_key_reserves_once(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        post(app, &s.owner, RECEIPTS, None, &receipt(&s, 10)).await;
        // Act
        let first = post(app, &s.owner, RESERVATIONS, Some("res-1"), &reservation(&s, 3)).await;
        let second = post(app, &s.owner, RESERVATIONS, Some("res-1"), &reservation(&s, 3)).await;
        // Assert
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(second.header("idempotent-replayed"), Some("true"));
        assert_eq!(first.body, second.body);
        assert_eq!(level(app, &s).await, (10, 3));
    }

    async fn the_same_key_with_another_body_or_route_is_refused_and_books_nothing(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        post(app, &s.owner, RECEIPTS, Some("k"), &receipt(&s, 5)).await;
        // Act
        let other_body = post(app, &s.owner, RECEIPTS, Some("k"), &receipt(&s, 6)).await;
        let other_route = post(app, &s.owner, RESERVATIONS, Some("k"), &reservation(&s, 1)).await;
        // Assert
        other_body.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
        other_route.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
        assert_eq!(receipts(app, &s).await, 1);
        assert_eq!(level(app, &s).await, (5, 0));
    }

    async fn the_same_key_from_two_users_is_independent(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        // Act
        let mine = post(app, &s.owner, RECEIPTS, Some("shared"), &receipt(&s, 2)).await;
        let theirs = post(app, &s.other, RECEIPTS, Some("shared"), &receipt(&s, 2)).await;
        // Assert: both booked, neither a replay.
        assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text());
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
        assert_eq!(theirs.header("idempotent-replayed"), None);
        assert_ne!(mine.body, theirs.body);
        assert_eq!(receipts(app, &s).await, 2);
        assert_eq!(level(app, &s).await, (4, 0));
    }

    async fn twenty_concurrent_requests_with_one_key_act_once_and_answer_alike(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        // Act
        let tasks: Vec<_> = (0..20).map(|_| {
            tokio::spawn(send(app.router.clone(), s.owner.clone(), "burst", receipt(&s, 7)))
        }).collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        // Assert: one fresh answer, nineteen replays, all the same bytes, one movement.
        assert!(answers.iter().all(|(status, _, _)| *status == StatusCode::CREATED), "{answers:?}");
        assert!(answers.iter().all(|(_, _, body)| *body == answers[0].2));
        let replays = answers.iter().filter(|(_, r, _)| r.as_deref() == Some("true")).count();
        assert_eq!(replays, 19);
        assert_eq!(receipts(app, &s).await, 1);
        assert_eq!(level(app, &s).await, (7, 0));
    }

    async fn a_failed_request_does_not_consume_its_key(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        // Act: nothing in stock yet, so the reservation is refused.
        let refused = post(app, &s.owner, RESERVATIONS, Some("retry-me"), &reservation(&s, 4)).await;
        post(app, &s.owner, RECEIPTS, None, &receipt(&s, 4)).await;
        let retried = post(app, &s.owner, RESERVATIONS, Some("retry-me"), &reservation(&s, 4)).await;
        // Assert
        refused.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text());
        assert_eq!(retried.header("idempotent-replayed"), None);
        assert_eq!(level(app, &s).await, (4, 4));
    }

    async fn an_invalid_idempotency_key_is_a_bad_request(app: TestApp) {
        // Arrange
        let s = shop(app).await;
        let long = "k".repeat(256);
        // Act/Assert: empty, too long and non-printable keys, each refused before any effect.
        for key in ["", long.as_str(), "tab\there"] {
            let r = post(app, &s.owner, RECEIPTS, Some(key), &receipt(&s, 1)).await;
            r.assert_problem(StatusCode::BAD_REQUEST, "idempotency-key-invalid");
        }
        let longest = "k".repeat(255);
        assert_eq!(post(app, &s.owner, RECEIPTS, Some(&longest), &receipt(&s, 1)).await.status, StatusCode::CREATED);
        assert_eq!(receipts(app, &s).await, 1);
    }

    async fn the_openapi_document_describes_the_idempotency_key_header(app: TestApp) {
        // Arrange/Act
        let doc = app.get("/api/v1/openapi.json").await.json();
        // Assert
        for path in [RECEIPTS, RESERVATIONS] {
            let params = doc["paths"][path]["post"]["parameters"].as_array().unwrap();
            assert!(params.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"), "{path}");
        }
    }
}
