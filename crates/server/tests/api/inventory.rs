//! The inventory API over HTTP, on both databases: locations, receipts and the ledger,
//! adjustments with approval, transfers, stocktakes (JSON and CSV counts), reservations
//! (all-or-nothing, idempotent by reference, backorders), alerts and the events feed,
//! permissions and tenancy, and the concurrency guarantees (200 concurrent clients cannot
//! oversell; a seeded random mix keeps the totals). `both_dbs!` runs `omnihub check` after
//! each body.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tower::ServiceExt;

use crate::catalog::{call, created, field_errors};
use crate::fixtures;

/// Everything the inventory flows need, for the owner and the approver.
const STOCK_ALL: [Permission; 7] = [
    Permission::CatalogRead,
    Permission::CatalogWrite,
    Permission::CatalogReview,
    Permission::SettingsManage,
    Permission::InventoryRead,
    Permission::InventoryAdjust,
    Permission::InventoryApprove,
];

/// A merchant with an owner, a second person (approver and catalogue reviewer) and
/// listed SKUs `SKU-0..n` (price 25, cost 10), made over HTTP.
struct Shop {
    id: MerchantId,
    owner: String,
    approver: String,
    approver_email: String,
    owner_email: String,
    category: String,
    skus: Vec<String>,
}

async fn shop(app: &TestApp, code: &str, n: usize) -> Shop {
    let id = fixtures::merchant(app, code, &format!("Shop {code}"))
        .await
        .id;
    let owner_email = format!("owner@{code}.test");
    let approver_email = format!("approver@{code}.test");
    let owner = fixtures::staff_token(app, Some(id), &owner_email, &STOCK_ALL).await;
    let approver = fixtures::staff_token(app, Some(id), &approver_email, &STOCK_ALL).await;
    let cat = created(
        app,
        &owner,
        "/api/v1/catalog/categories",
        &json!({"name": "Goods"}),
    )
    .await;
    let mut s = Shop {
        id,
        owner,
        approver,
        approver_email,
        owner_email,
        category: cat["id"].as_str().unwrap().to_owned(),
        skus: Vec::new(),
    };
    for i in 0..n {
        let sku = product(app, &s, &format!("SKU-{i}")).await;
        list(app, &s, &sku.0).await;
        s.skus.push(sku.1);
    }
    s
}

/// Creates a one-SKU product that passes the compliance checks; returns (product, SKU).
async fn product(app: &TestApp, s: &Shop, code: &str) -> (String, String) {
    let body = json!({"name": format!("Widget {code}"), "category_id": s.category,
        "description": "A widget", "images": ["https://cdn.example.com/w.jpg"],
        "skus": [{"code": code, "price": {"amount": "25"}, "cost": {"amount": "10"}}]});
    let p = created(app, &s.owner, "/api/v1/catalog/products", &body).await;
    let id = p["id"].as_str().unwrap().to_owned();
    (id, p["skus"][0]["id"].as_str().unwrap().to_owned())
}

/// Submits, approves (as the second person) and lists a product.
async fn list(app: &TestApp, s: &Shop, product: &str) {
    let base = format!("/api/v1/catalog/products/{product}");
    created(app, &s.owner, &format!("{base}/submit"), &json!({})).await;
    let review = json!({"level": 1, "decision": "approve"});
    created(app, &s.approver, &format!("{base}/review"), &review).await;
    created(app, &s.owner, &format!("{base}/list"), &json!({})).await;
}

async fn location(app: &TestApp, token: &str, code: &str) -> String {
    let body = json!({"code": code, "name": format!("Location {code}"), "kind": "warehouse",
        "country": "CN", "province": "310000", "city": "310100"});
    let l = created(app, token, "/api/v1/inventory/locations", &body).await;
    l["id"].as_str().unwrap().to_owned()
}

async fn receive(app: &TestApp, token: &str, loc: &str, sku: &str, q: i64) -> TestResponse {
    let body =
        json!({"location_id": loc, "lines": [{"sku_id": sku, "quantity": q}], "reference": "PO-1"});
    call(
        app,
        Method::POST,
        token,
        "/api/v1/inventory/receipts",
        &body,
    )
    .await
}

/// (on_hand, reserved, available, incoming) over HTTP.
async fn level(app: &TestApp, token: &str, sku: &str, loc: &str) -> (i64, i64, i64, i64) {
    let r = app
        .get_as(token, &format!("/api/v1/inventory/levels/{sku}/{loc}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let l = r.json();
    let n = |k: &str| l[k].as_i64().unwrap();
    (n("on_hand"), n("reserved"), n("available"), n("incoming"))
}

/// GETs and asserts 200; returns the body.
async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.get_as(token, path).await;
    assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.text());
    r.json()
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> TestResponse {
    call(app, Method::POST, token, path, body).await
}

async fn adjust(
    app: &TestApp,
    token: &str,
    sku: &str,
    loc: &str,
    delta: i64,
    reason: &str,
) -> TestResponse {
    let body = json!({"sku_id": sku, "location_id": loc, "delta": delta, "reason": reason});
    post(app, token, "/api/v1/inventory/adjustments", &body).await
}

fn strings(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

fn reserve_body(lines: &[(&str, &str, &str, i64)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(r, s, l, q)| json!({"reference": r, "sku_id": s, "location_id": l, "quantity": q}))
        .collect();
    json!({"lines": lines})
}

/// A request straight to a router, for clients running in their own tasks.
async fn send(
    router: Router,
    method: Method,
    path: String,
    token: String,
    body: Value,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

both_dbs! {
    async fn the_openapi_document_describes_every_inventory_route_with_its_problems(app: TestApp) {
        // Arrange/Act
        let doc = app.get("/api/v1/openapi.json").await.json();
        let paths = doc["paths"].as_object().unwrap();
        // Assert
        let expected = [
            ("get", "/api/v1/inventory/locations"), ("post", "/api/v1/inventory/locations"),
            ("get", "/api/v1/inventory/locations/{location_id}"), ("patch", "/api/v1/inventory/locations/{location_id}"),
            ("get", "/api/v1/inventory/levels"), ("get", "/api/v1/inventory/levels/{sku_id}/{location_id}"),
            ("get", "/api/v1/inventory/levels/{sku_id}/{location_id}/thresholds"), ("put", "/api/v1/inventory/levels/{sku_id}/{location_id}/thresholds"),
            ("put", "/api/v1/inventory/skus/{sku_id}/policy"), ("get", "/api/v1/inventory/movements"),
            ("post", "/api/v1/inventory/receipts"),
            ("get", "/api/v1/inventory/adjustments"), ("post", "/api/v1/inventory/adjustments"),
            ("get", "/api/v1/inventory/adjustments/{adjustment_id}"),
            ("post", "/api/v1/inventory/adjustments/{adjustment_id}/approve"), ("post", "/api/v1/inventory/adjustments/{adjustment_id}/reject"),
            ("get", "/api/v1/inventory/transfers"), ("post", "/api/v1/inventory/transfers"), ("get", "/api/v1/inventory/transfers/{transfer_id}"),
            ("post", "/api/v1/inventory/transfers/{transfer_id}/dispatch"), ("post", "/api/v1/inventory/transfers/{transfer_id}/receive"),
            ("post", "/api/v1/inventory/transfers/{transfer_id}/cancel"),
            ("get", "/api/v1/inventory/stocktakes"), ("post", "/api/v1/inventory/stocktakes"), ("get", "/api/v1/inventory/stocktakes/{stocktake_id}"),
            ("post", "/api/v1/inventory/stocktakes/{stocktake_id}/counts"), ("post", "/api/v1/inventory/stocktakes/{stocktake_id}/counts.csv"),
            ("post", "/api/v1/inventory/stocktakes/{stocktake_id}/post"), ("post", "/api/v1/inventory/stocktakes/{stocktake_id}/cancel"),
            ("post", "/api/v1/inventory/reservations"), ("get", "/api/v1/inventory/reservations/{reference}"),
            ("post", "/api/v1/inventory/reservations/{reference}/release"), ("post", "/api/v1/inventory/reservations/{reference}/consume"),
            ("get", "/api/v1/inventory/alerts"), ("post", "/api/v1/inventory/alerts/{alert_id}/acknowledge"),
            ("get", "/api/v1/inventory/events"), ("get", "/api/v1/inventory/settings"), ("put", "/api/v1/inventory/settings"),
        ];
        let documented: Vec<(String, String)> = paths.iter().filter(|(p, _)| p.starts_with("/api/v1/inventory")).flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(|m| (m.clone(), p.clone())).collect::<Vec<_>>()).collect();
        let mut want: Vec<(String, String)> = expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
        let mut got = documented.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        for (method, path) in &documented {
            let op = &paths[path.as_str()][method.as_str()];
            assert_eq!(op["tags"][0], "inventory", "{method} {path}");
            let problems = op["responses"].as_object().unwrap().iter().filter(|(status, r)| status.starts_with('4') && r["content"]["application/problem+json"].is_object()).count();
            assert!(problems >= 1, "{method} {path} documents no problem response");
        }
        let conflicts = paths["/api/v1/inventory/reservations"]["post"]["responses"]["409"]["description"].as_str().unwrap();
        assert!(conflicts.contains("insufficient-stock") && conflicts.contains("sku-not-sellable"), "{conflicts}");
    }

    async fn locations_are_created_read_edited_filtered_and_validated(app: TestApp) {
        // Arrange
        let s = shop(app, "acme", 0).await;
        let body = json!({"code": "wh-sh", "name": "Shanghai DC", "kind": "warehouse", "country": "CN", "province": "310000", "city": "310100"});
        // Act
        let wh = post(app, &s.owner, "/api/v1/inventory/locations", &body).await;
        // Assert
        assert_eq!(wh.status, StatusCode::CREATED, "{}", wh.text());
        let wh = wh.json();
        assert_eq!((wh["code"].as_str(), wh["priority"].as_i64(), wh["active"].as_bool()), (Some("WH-SH"), Some(100), Some(true)));
        let id = wh["id"].as_str().unwrap();
        assert_eq!(get(app, &s.owner, &format!("/api/v1/inventory/locations/{id}")).await["name"], "Shanghai DC");

        let patch = json!({"active": false, "priority": 5, "city": null});
        let r = call(app, Method::PATCH, &s.owner, &format!("/api/v1/inventory/locations/{id}"), &patch).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let edited = r.json();
        assert_eq!((edited["active"].as_bool(), edited["priority"].as_i64(), edited["city"].is_null(), edited["province"].as_str()), (Some(false), Some(5), true, Some("310000")));

        location(app, &s.owner, "ST-1").await;
        let codes = |v: Value| strings(&v, "code");
        assert_eq!(codes(get(app, &s.owner, "/api/v1/inventory/locations?active=true").await), ["ST-1"]);
        assert_eq!(codes(get(app, &s.owner, "/api/v1/inventory/locations?active=false").await), ["WH-SH"]);
        assert_eq!(codes(get(app, &s.owner, "/api/v1/inventory/locations").await).len(), 2);
        let bad_kind = app.get_as(&s.owner, "/api/v1/inventory/locations?kind=shed").await;
        assert_eq!(field_errors(&bad_kind), [("kind".to_owned(), "invalid".to_owned())]);

        let cases: [Case; 3] = [
            ("a code already used (any case)", json!({"code": "wh-SH", "name": "Again", "kind": "store", "country": "CN"}), &[("code", "taken")]),
            ("every field wrong", json!({"code": "bad code", "name": " ", "kind": "shed", "country": "China"}), &[("code", "invalid"), ("name", "invalid"), ("kind", "invalid"), ("country", "invalid")]),
            ("a negative priority", json!({"code": "X1", "name": "X", "kind": "store", "country": "CN", "priority": -1}), &[("priority", "out_of_range")]),
        ];
        for (why, body, expected) in cases {
            let r = post(app, &s.owner, "/api/v1/inventory/locations", &body).await;
            let expected: Vec<(String, String)> = expected.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
            assert_eq!(field_errors(&r), expected, "{why}");
        }
        let shapes = [
            ("a missing name", json!({"code": "X2", "kind": "store", "country": "CN"})),
            ("an unknown field", json!({"code": "X2", "name": "X", "kind": "store", "country": "CN", "colour": "red"})),
        ];
        for (why, body) in shapes {
            let r = post(app, &s.owner, "/api/v1/inventory/locations", &body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {}", r.text());
            r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
        }
        let missing = app.get_as(&s.owner, &format!("/api/v1/inventory/locations/{}", uuid::Uuid::new_v4())).await;
        missing.assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn receipts_and_small_adjustments_book_at_once_and_large_ones_wait_for_another_person(app: TestApp) {
        // Arrange
        let s = shop(app, "acme", 1).await;
        let (sku, wh) = (s.skus[0].clone(), location(app, &s.owner, "WH").await);
        // Act: a receipt.
        let body = json!({"location_id": wh, "lines": [{"sku_id": sku, "quantity": 20}], "reference": "PO-1", "note": "first delivery"});
        let r = post(app, &s.owner, "/api/v1/inventory/receipts", &body).await;
        // Assert: the level and the ledger show it.
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let m = &r.json()["movements"][0];
        assert_eq!((m["reason"].as_str(), m["quantity"].as_i64(), m["reference"].as_str()), (Some("receipt"), Some(20), Some("PO-1")));
        assert_eq!(level(app, &s.owner, &sku, &wh).await, (20, 0, 20, 0));
        let ledger = get(app, &s.owner, &format!("/api/v1/inventory/movements?sku_id={sku}&reason=receipt")).await;
        assert_eq!(ledger["items"][0]["actor"], s.owner_email.as_str());

        // Thresholds: more than 5 units, or more than 100.00 of value, needs approval.
        let settings = json!({"approval_quantity": 5, "approval_value_minor": 10_000});
        let r = call(app, Method::PUT, &s.owner, "/api/v1/inventory/settings", &settings).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(get(app, &s.owner, "/api/v1/inventory/settings").await, settings);
        let r = call(app, Method::PUT, &s.owner, "/api/v1/inventory/settings", &json!({"approval_quantity": -1, "approval_value_minor": null})).await;
        assert_eq!(field_errors(&r), [("approval_quantity".to_owned(), "out_of_range".to_owned())]);

        let small = adjust(app, &s.owner, &sku, &wh, -2, "damaged").await;
        assert_eq!(small.status, StatusCode::CREATED, "{}", small.text());
        assert_eq!((small.json()["status"].as_str(), small.json()["value_minor"].as_i64()), (Some("applied"), Some(2_000)));
        assert_eq!(level(app, &s.owner, &sku, &wh).await.0, 18);
        assert_eq!(field_errors(&adjust(app, &s.owner, &sku, &wh, 3, "damaged").await), [("delta".to_owned(), "direction".to_owned())]);

        let big = adjust(app, &s.owner, &sku, &wh, -6, "scrap").await;
        assert_eq!(big.status, StatusCode::ACCEPTED, "{}", big.text());
        let big = big.json();
        assert_eq!(big["status"], "pending");
        let id = big["id"].as_str().unwrap();
        assert_eq!(level(app, &s.owner, &sku, &wh).await.0, 18, "a pending adjustment books nothing");
        assert_eq!(strings(&get(app, &s.owner, "/api/v1/inventory/adjustments?status=pending").await["items"], "id"), [id]);

        let approve = format!("/api/v1/inventory/adjustments/{id}/approve");
        post(app, &s.owner, &approve, &json!({})).await.assert_problem(StatusCode::FORBIDDEN, "self-approval");
        let done = post(app, &s.approver, &approve, &json!({"note": "checked the bin"})).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!((done.json()["status"].as_str(), done.json()["decided_by"].as_str()), (Some("applied"), Some(s.approver_email.as_str())));
        assert_eq!(level(app, &s.owner, &sku, &wh).await.0, 12);
        for again in ["approve", "reject"] {
            let r = post(app, &s.approver, &format!("/api/v1/inventory/adjustments/{id}/{again}"), &json!({})).await;
            r.assert_problem(StatusCode::CONFLICT, "adjustment-decided");
        }
        assert_eq!(get(app, &s.owner, &format!("/api/v1/inventory/adjustments/{id}")).await["status"], "applied");
        let scrap = get(app, &s.owner, &format!("/api/v1/inventory/movements?reference=adjustment:{id}")).await;
        assert_eq!((scrap["items"][0]["reason"].as_str(), scrap["items"][0]["quantity"].as_i64()), (Some("scrap"), Some(-6)));

        // The ledger, newest first, in pages; and by time.
        let all = get(app, &s.owner, &format!("/api/v1/inventory/movements?sku_id={sku}&location_id={wh}")).await;
        assert_eq!(strings(&all["items"], "reason"), ["scrap", "adjustment", "receipt"]);
        let first = get(app, &s.owner, &format!("/api/v1/inventory/movements?sku_id={sku}&limit=2")).await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = get(app, &s.owner, &format!("/api/v1/inventory/movements?sku_id={sku}&limit=2&cursor={cursor}")).await;
        assert_eq!((first["items"].as_array().unwrap().len(), strings(&second["items"], "reason")), (2, vec!["receipt".to_owned()]));
        assert!(second["next_cursor"].is_null());
        let at = all["items"][2]["created_at"].as_str().unwrap().to_owned();
        let from = get(app, &s.owner, &format!("/api/v1/inventory/movements?from={at}")).await;
        let until = get(app, &s.owner, &format!("/api/v1/inventory/movements?until={at}")).await;
        assert_eq!((from["items"].as_array().unwrap().len(), until["items"].as_array().unwrap().len()), (3, 0));
        let bad = app.get_as(&s.owner, "/api/v1/inventory/movements?reason=gift").await;
        assert_eq!(field_errors(&bad), [("reason".to_owned(), "invalid".to_owned())]);
    }

    async fn a_transfer_moves_stock_through_transit_and_closes_short_with_a_discrepancy(app: TestApp) {
        // Arrange
        let s = shop(app, "acme", 1).await;
        let sku = s.skus[0].clone();
        let (a, b) = (location(app, &s.owner, "A").await, location(app, &s.owner, "B").await);
        receive(app, &s.owner, &a, &sku, 10).await;
        let same = post(app, &s.owner, "/api/v1/inventory/transfers", &json!({"from_location_id": a, "to_location_id": a, "lines": [{"sku_id": sku, "quantity": 1}]})).await;
        assert_eq!(field_errors(&same), [("to_location_id".to_owned(), "same-location".to_owned())]);
        // Act: create and dispatch.
        let t = created(app, &s.owner, "/api/v1/inventory/transfers", &json!({"from_location_id": a, "to_location_id": b, "lines": [{"sku_id": sku, "quantity": 6}], "note": "restock B"})).await;
        assert_eq!(t["status"], "draft");
        let base = format!("/api/v1/inventory/transfers/{}", t["id"].as_str().unwrap());
        let r = post(app, &s.owner, &format!("{base}/dispatch"), &json!({})).await;
        // Assert: out of the source, incoming at the destination.
        assert_eq!((r.status, r.json()["status"].as_str()), (StatusCode::OK, Some("in_transit")), "{}", r.text());
        assert_eq!(level(app, &s.owner, &sku, &a).await, (4, 0, 4, 0));
        assert_eq!(level(app, &s.owner, &sku, &b).await, (0, 0, 0, 6));
        for (action, code) in [("dispatch", "transfer-state"), ("cancel", "transfer-state")] {
            post(app, &s.owner, &format!("{base}/{action}"), &json!({})).await.assert_problem(StatusCode::CONFLICT, code);
        }

        // A partial receipt, then closing short.
        let part = post(app, &s.owner, &format!("{base}/receive"), &json!({"lines": [{"sku_id": sku, "quantity": 4}]})).await;
        assert_eq!(part.json()["status"], "partially_received", "{}", part.text());
        assert_eq!(level(app, &s.owner, &sku, &b).await, (4, 0, 4, 2));
        let over = post(app, &s.owner, &format!("{base}/receive"), &json!({"lines": [{"sku_id": sku, "quantity": 3}]})).await;
        assert_eq!(field_errors(&over), [("lines[0].quantity".to_owned(), "over-received".to_owned())]);
        let closed = post(app, &s.owner, &format!("{base}/receive"), &json!({"close": true})).await;
        let closed = closed.json();
        assert_eq!(closed["status"], "received");
        assert_eq!((closed["lines"][0]["received"].as_i64(), closed["lines"][0]["discrepancy"].as_i64()), (Some(4), Some(2)));
        assert_eq!(level(app, &s.owner, &sku, &b).await, (4, 0, 4, 0));
        assert_eq!(get(app, &s.owner, &base).await["lines"][0]["discrepancy"], 2);
        let reference = format!("transfer:{}", t["id"].as_str().unwrap());
        let ledger = get(app, &s.owner, &format!("/api/v1/inventory/movements?reference={reference}")).await;
        let moves: Vec<(String, i64)> = ledger["items"].as_array().unwrap().iter().map(|m| (m["reason"].as_str().unwrap().to_owned(), m["quantity"].as_i64().unwrap())).collect();
        assert_eq!(moves, [("transfer_in".to_owned(), 4), ("transfer_out".to_owned(), -6)]);
        post(app, &s.owner, &format!("{base}/receive"), &json!({"close": true})).await.assert_problem(StatusCode::CONFLICT, "transfer-state");

        // A draft can be cancelled; lists filter by status.
        let draft = created(app, &s.owner, "/api/v1/inventory/transfers", &json!({"from_location_id": a, "to_location_id": b, "lines": [{"sku_id": sku, "quantity": 1}]})).await;
        let cancelled = post(app, &s.owner, &format!("/api/v1/inventory/transfers/{}/cancel", draft["id"].as_str().unwrap()), &json!({})).await;
        assert_eq!(cancelled.json()["status"], "cancelled");
        let received = get(app, &s.owner, "/api/v1/inventory/transfers?status=received").await;
        assert_eq!(strings(&received["items"], "id"), [t["id"].as_str().unwrap()]);
        assert_eq!(get(app, &s.owner, &format!("/api/v1/inventory/transfers?location_id={b}")).await["items"].as_array().unwrap().len(), 2);
    }

    async fn a_stocktake_takes_counts_by_json_and_csv_and_posts_the_variance(app: TestApp) {
        // Arrange: 10 of SKU-0 and 5 of SKU-1.
        let s = shop(app, "acme", 2).await;
        let wh = location(app, &s.owner, "WH").await;
        receive(app, &s.owner, &wh, &s.skus[0], 10).await;
        receive(app, &s.owner, &wh, &s.skus[1], 5).await;
        let owner = &s.owner;
        let by_code = |q: &'static str| async move { strings(&get(app, owner, &format!("/api/v1/inventory/levels?q={q}")).await["items"], "sku_code") };
        assert_eq!((by_code("sku-1").await, by_code("SKU-").await.len(), by_code("KU").await.len()), (vec!["SKU-1".to_owned()], 2, 0), "q matches the start of SKU codes, any case");
        let st = created(app, &s.owner, "/api/v1/inventory/stocktakes", &json!({"location_id": wh, "note": "year end"})).await;
        assert_eq!((st["status"].as_str(), st["uncounted"].as_i64()), (Some("open"), Some(2)));
        let base = format!("/api/v1/inventory/stocktakes/{}", st["id"].as_str().unwrap());
        // Act: 2 units of SKU-0 are damaged while counting, then it is counted at 7.
        assert_eq!(adjust(app, &s.owner, &s.skus[0], &wh, -2, "damaged").await.status, StatusCode::CREATED);
        let counted = post(app, &s.owner, &format!("{base}/counts"), &json!({"counts": [{"sku_id": s.skus[0], "counted": 7}]})).await;
        assert_eq!(counted.status, StatusCode::OK, "{}", counted.text());
        // A bad CSV records nothing and reports each bad row by line.
        let bad = app.request(Method::POST, &format!("{base}/counts.csv"), &[(header::AUTHORIZATION, &format!("Bearer {}", s.owner)), (header::CONTENT_TYPE, "text/csv")], Body::from("sku_code,counted\nSKU-1,4\nNOPE,3\nSKU-1,-1\n")).await;
        let problem = bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import-rejected");
        assert_eq!(strings(&problem["errors"], "field"), ["line[3].sku_code", "line[4].counted"]);
        assert_eq!(get(app, &s.owner, &base).await["uncounted"], 1, "nothing of the bad file was recorded");
        let csv_as_json = post(app, &s.owner, &format!("{base}/counts.csv"), &json!({})).await;
        csv_as_json.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
        let good = app.request(Method::POST, &format!("{base}/counts.csv"), &[(header::AUTHORIZATION, &format!("Bearer {}", s.owner)), (header::CONTENT_TYPE, "text/csv; charset=utf-8")], Body::from("\u{feff}counted,sku_code\n8,sku-1\n")).await;
        assert_eq!(good.status, StatusCode::OK, "{}", good.text());
        assert_eq!(good.json()["rows"], 1);
        let posted = post(app, &s.owner, &format!("{base}/post"), &json!({})).await;
        // Assert: the variance report and the levels.
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.text());
        let report = get(app, &s.owner, &base).await;
        let lines: Vec<Vec<i64>> = report["lines"].as_array().unwrap().iter().map(|l| ["snapshot", "movements_during_count", "expected", "counted", "variance", "value_minor"].iter().map(|k| l[*k].as_i64().unwrap()).collect()).collect();
        assert_eq!(lines, [vec![10, -2, 8, 7, -1, -1_000], vec![5, 0, 5, 8, 3, 3_000]]);
        assert_eq!((report["status"].as_str(), report["net_variance"].as_i64(), report["net_value_minor"].as_i64(), report["uncounted"].as_i64()), (Some("posted"), Some(2), Some(2_000), Some(0)));
        assert_eq!(level(app, &s.owner, &s.skus[0], &wh).await.0, 7);
        assert_eq!(level(app, &s.owner, &s.skus[1], &wh).await.0, 8);
        let counts = get(app, &s.owner, "/api/v1/inventory/movements?reason=count").await;
        assert_eq!(counts["items"].as_array().unwrap().len(), 2);
        for (path, body) in [("counts", json!({"counts": [{"sku_id": s.skus[0], "counted": 1}]})), ("post", json!({})), ("cancel", json!({}))] {
            post(app, &s.owner, &format!("{base}/{path}"), &body).await.assert_problem(StatusCode::CONFLICT, "stocktake-state");
        }
        assert_eq!(strings(&get(app, &s.owner, "/api/v1/inventory/stocktakes?status=posted").await["items"], "id"), [st["id"].as_str().unwrap()]);
    }

    async fn a_sold_out_level_is_refused_by_the_gate_until_its_stock_changes(app: TestApp) {
        // Arrange: 2 units, two buyers told yes.
        let s = shop(app, "flash", 1).await;
        let sku = s.skus[0].clone();
        let wh = location(app, &s.owner, "WH").await;
        receive(app, &s.owner, &wh, &sku, 2).await;
        let path = "/api/v1/inventory/reservations";
        let buy = |who: &str| reserve_body(&[(who, &sku, &wh, 1)]);
        for who in ["buyer-1", "buyer-2"] {
            assert_eq!(post(app, &s.owner, path, &buy(who)).await.status, StatusCode::CREATED);
        }
        let (sku_id, wh_id): (uuid::Uuid, uuid::Uuid) = (sku.parse().unwrap(), wh.parse().unwrap());
        let noted = || app.app.sold_out.is_sold_out(s.id, sku_id, wh_id, app.app.now());
        assert!(!noted(), "nothing refused yet");
        // Act/Assert: the database refuses buyer 3, and the gate learns it.
        post(app, &s.owner, path, &buy("buyer-3")).await.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        assert!(noted());
        // Buyer 4 gets the same answer from the gate; a holder asking again still gets their own.
        post(app, &s.owner, path, &buy("buyer-4")).await.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        let again = post(app, &s.owner, path, &buy("buyer-1")).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
        assert_eq!(again.json()["reservations"][0]["reference"], "buyer-1");
        assert_eq!(level(app, &s.owner, &sku, &wh).await, (2, 2, 0, 0));
        // A release gives the unit back at once: the note is gone, the next buyer gets it.
        assert_eq!(post(app, &s.owner, &format!("{path}/buyer-1/release"), &json!({})).await.status, StatusCode::OK);
        assert!(!noted(), "a release clears the note");
        assert_eq!(post(app, &s.owner, path, &buy("buyer-5")).await.status, StatusCode::CREATED);
        // Sold out again; a goods-in clears the note as well.
        post(app, &s.owner, path, &buy("buyer-6")).await.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        assert!(noted());
        assert_eq!(receive(app, &s.owner, &wh, &sku, 1).await.status, StatusCode::CREATED);
        assert!(!noted(), "a receipt clears the note");
        assert_eq!(post(app, &s.owner, path, &buy("buyer-7")).await.status, StatusCode::CREATED);
        assert_eq!(level(app, &s.owner, &sku, &wh).await, (3, 3, 0, 0));
    }

    async fn reservations_are_all_or_nothing_idempotent_by_reference_and_released_or_consumed(app: TestApp) {
        // Arrange: 5 of SKU-0, 1 of SKU-1, and a SKU that is not listed.
        let s = shop(app, "acme", 2).await;
        let (sku0, sku1) = (s.skus[0].clone(), s.skus[1].clone());
        let wh = location(app, &s.owner, "WH").await;
        receive(app, &s.owner, &wh, &sku0, 5).await;
        receive(app, &s.owner, &wh, &sku1, 1).await;
        let (_, unlisted) = product(app, &s, "DRAFT-1").await;
        let path = "/api/v1/inventory/reservations";
        // Act/Assert: the second line is short, so nothing is reserved.
        let short = post(app, &s.owner, path, &reserve_body(&[("order-1/1", &sku0, &wh, 2), ("order-1/2", &sku1, &wh, 3)])).await;
        short.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        assert_eq!(level(app, &s.owner, &sku0, &wh).await, (5, 0, 5, 0));
        app.get_as(&s.owner, &format!("{path}/order-1%2F1")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");

        let body = reserve_body(&[("order-1/1", &sku0, &wh, 2), ("order-1/2", &sku1, &wh, 1)]);
        let first = post(app, &s.owner, path, &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(strings(&first.json()["reservations"], "status"), ["open", "open"]);
        let replay = post(app, &s.owner, path, &body).await;
        assert_eq!((replay.status, replay.json()), (StatusCode::CREATED, first.json()), "a replay returns the same reservations");
        assert_eq!(level(app, &s.owner, &sku0, &wh).await, (5, 2, 3, 0), "reserved once, not twice");
        let reused = post(app, &s.owner, path, &reserve_body(&[("order-1/1", &sku0, &wh, 3)])).await;
        reused.assert_problem(StatusCode::CONFLICT, "reference-reused");
        let one = get(app, &s.owner, &format!("{path}/order-1%2F1")).await;
        assert_eq!((one["quantity"].as_i64(), one["status"].as_str()), (Some(2), Some("open")));

        // Release gives the units back; again is a no-op.
        for _ in 0..2 {
            let r = post(app, &s.owner, &format!("{path}/order-1%2F2/release"), &json!({})).await;
            assert_eq!((r.status, r.json()["status"].as_str()), (StatusCode::OK, Some("released")), "{}", r.text());
        }
        assert_eq!(level(app, &s.owner, &sku1, &wh).await, (1, 0, 1, 0));
        // Consume ships: on hand and reserved both go down, with a shipment movement.
        let consumed = post(app, &s.owner, &format!("{path}/order-1%2F1/consume"), &json!({})).await;
        assert_eq!(consumed.json()["status"], "consumed", "{}", consumed.text());
        assert_eq!(level(app, &s.owner, &sku0, &wh).await, (3, 0, 3, 0));
        let shipment = get(app, &s.owner, "/api/v1/inventory/movements?reference=order-1%2F1").await;
        assert_eq!((shipment["items"][0]["reason"].as_str(), shipment["items"][0]["quantity"].as_i64()), (Some("shipment"), Some(-2)));
        post(app, &s.owner, &format!("{path}/order-1%2F1/release"), &json!({})).await.assert_problem(StatusCode::CONFLICT, "reservation-state");
        post(app, &s.owner, &format!("{path}/order-1%2F2/consume"), &json!({})).await.assert_problem(StatusCode::CONFLICT, "reservation-state");

        // Backorders only for SKUs that allow them.
        let beyond = reserve_body(&[("order-2/1", &sku1, &wh, 5)]);
        post(app, &s.owner, path, &beyond).await.assert_problem(StatusCode::CONFLICT, "insufficient-stock");
        let policy = call(app, Method::PUT, &s.owner, &format!("/api/v1/inventory/skus/{sku1}/policy"), &json!({"allow_backorder": true})).await;
        assert_eq!(policy.status, StatusCode::OK, "{}", policy.text());
        assert_eq!(post(app, &s.owner, path, &beyond).await.status, StatusCode::CREATED);
        assert_eq!(level(app, &s.owner, &sku1, &wh).await, (1, 5, -4, 0));

        // Only listed SKUs can be reserved; bad lines are field errors.
        post(app, &s.owner, path, &reserve_body(&[("order-3/1", &unlisted, &wh, 1)])).await.assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
        let invalid = post(app, &s.owner, path, &reserve_body(&[("order-4/1", &sku0, &wh, 0), ("order-4/1", &sku0, &wh, 1)])).await;
        assert_eq!(field_errors(&invalid), [("lines[0].quantity".to_owned(), "invalid".to_owned()), ("lines[1].reference".to_owned(), "duplicate".to_owned())]);
    }

    async fn two_hundred_concurrent_http_clients_cannot_oversell_fifty_units(app: TestApp) {
        // Arrange
        let s = shop(app, "acme", 1).await;
        let (sku, wh) = (s.skus[0].clone(), location(app, &s.owner, "WH").await);
        receive(app, &s.owner, &wh, &sku, 50).await;
        // Act: 200 clients at once, one unit each.
        let tasks: Vec<_> = (0..200).map(|i| {
            let body = reserve_body(&[(&format!("order-{i}/1"), &sku, &wh, 1)]);
            let (router, token) = (app.router.clone(), s.owner.clone());
            tokio::spawn(send(router, Method::POST, "/api/v1/inventory/reservations".to_owned(), token, body))
        }).collect();
        let (mut ok, mut refused) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                (StatusCode::CREATED, _) => ok += 1,
                (StatusCode::CONFLICT, p) if p["code"] == "insufficient-stock" => refused += 1,
                (status, body) => panic!("unexpected answer: {status} {body}"),
            }
        }
        // Assert
        assert_eq!((ok, refused), (50, 150));
        assert_eq!(level(app, &s.owner, &sku, &wh).await, (50, 50, 0, 0));
    }

    async fn a_random_concurrent_http_mix_keeps_the_totals(app: TestApp) {
        // Arrange: 3 SKUs, 2 locations, 16 seeded clients.
        let s = shop(app, "acme", 3).await;
        let locs = [location(app, &s.owner, "A").await, location(app, &s.owner, "B").await];
        let world = Arc::new(World { router: app.router.clone(), token: s.owner.clone(), skus: s.skus.clone(), locs, totals: Default::default() });
        // Act
        let tasks: Vec<_> = (0..16u64).map(|seed| tokio::spawn(client(world.clone(), seed))).collect();
        let mut done = 0;
        for t in tasks {
            done += t.await.unwrap();
        }
        // Assert: on hand = receipts + adjustments - consumed - lost in transit; reserved =
        // the open reservations.
        assert!(done > 100, "only {done} operations succeeded");
        let t = &world.totals;
        let load = |a: &AtomicI64| a.load(Ordering::SeqCst);
        let levels = get(app, &s.owner, "/api/v1/inventory/levels?limit=500").await;
        let sum = |k: &str| levels["items"].as_array().unwrap().iter().map(|l| l[k].as_i64().unwrap()).sum::<i64>();
        assert_eq!(sum("on_hand"), load(&t.received) + load(&t.adjusted) - load(&t.consumed) - load(&t.lost));
        assert_eq!(sum("reserved"), load(&t.reserved));
        assert_eq!(sum("incoming"), 0);
        assert!(levels["items"].as_array().unwrap().iter().all(|l| l["available"].as_i64().unwrap() >= 0), "{levels}");
    }

    async fn alerts_are_raised_and_cleared_by_stock_changes_acknowledged_and_fed_as_events(app: TestApp) {
        // Arrange: 10 units, low stock at 5 or fewer, overstock above 20.
        let s = shop(app, "acme", 1).await;
        let (sku, wh) = (s.skus[0].clone(), location(app, &s.owner, "WH").await);
        receive(app, &s.owner, &wh, &sku, 10).await;
        let path = format!("/api/v1/inventory/levels/{sku}/{wh}/thresholds");
        let thresholds = json!({"low_stock": 5, "reorder_point": null, "overstock": 20});
        let r = call(app, Method::PUT, &s.owner, &path, &thresholds).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(get(app, &s.owner, &path).await, thresholds);
        assert!(get(app, &s.owner, "/api/v1/inventory/alerts").await["items"].as_array().unwrap().is_empty());
        let kinds = |v: &Value| strings(&v["items"], "kind");
        // Act/Assert: down to 4 is low stock.
        adjust(app, &s.owner, &sku, &wh, -6, "damaged").await;
        assert_eq!(kinds(&get(app, &s.owner, "/api/v1/inventory/alerts?active=true").await), ["low_stock"]);
        assert_eq!(get(app, &s.owner, "/api/v1/inventory/levels?low_stock=true").await["items"][0]["low_stock"], true);
        // Down to 0 is out of stock (and no longer merely low).
        adjust(app, &s.owner, &sku, &wh, -4, "lost").await;
        assert_eq!(kinds(&get(app, &s.owner, "/api/v1/inventory/alerts?active=true").await), ["out_of_stock"]);
        let low = get(app, &s.owner, "/api/v1/inventory/alerts?kind=low_stock").await;
        assert_eq!((low["items"][0]["active"].as_bool(), low["items"][0]["cleared_at"].is_string()), (Some(false), true));
        // A restock clears it.
        receive(app, &s.owner, &wh, &sku, 10).await;
        assert!(get(app, &s.owner, "/api/v1/inventory/alerts?active=true").await["items"].as_array().unwrap().is_empty());
        assert!(get(app, &s.owner, "/api/v1/inventory/levels?low_stock=true").await["items"].as_array().unwrap().is_empty());
        // Acknowledging.
        let out = get(app, &s.owner, "/api/v1/inventory/alerts?kind=out_of_stock").await;
        let id = out["items"][0]["id"].as_str().unwrap();
        let ack = post(app, &s.approver, &format!("/api/v1/inventory/alerts/{id}/acknowledge"), &json!({})).await;
        assert_eq!(ack.json()["acknowledged_by"], s.approver_email.as_str(), "{}", ack.text());
        assert_eq!(kinds(&get(app, &s.owner, "/api/v1/inventory/alerts?acknowledged=true").await), ["out_of_stock"]);
        assert_eq!(kinds(&get(app, &s.owner, "/api/v1/inventory/alerts?acknowledged=false").await), ["low_stock"]);
        app.get_as(&s.owner, "/api/v1/inventory/alerts?kind=gone").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

        // The events feed: each raise and clear, in order, read in pages with `after`.
        let feed = get(app, &s.owner, "/api/v1/inventory/events").await;
        let seen: Vec<(String, String)> = feed.as_array().unwrap().iter().map(|e| (e["kind"].as_str().unwrap().to_owned(), e["payload"]["kind"].as_str().unwrap().to_owned())).collect();
        let expect = [("raised", "low_stock"), ("raised", "out_of_stock"), ("cleared", "low_stock"), ("cleared", "out_of_stock")];
        let expect: Vec<(String, String)> = expect.iter().map(|(k, a)| (format!("inventory.alert.{k}"), (*a).to_owned())).collect();
        assert_eq!(seen, expect);
        let page = get(app, &s.owner, "/api/v1/inventory/events?limit=2").await;
        let after = page[1]["id"].as_str().unwrap();
        let rest = get(app, &s.owner, &format!("/api/v1/inventory/events?after={after}")).await;
        assert_eq!(strings(&rest, "id"), strings(&feed, "id")[2..]);
        let cleared = get(app, &s.owner, "/api/v1/inventory/events?kind=inventory.alert.cleared").await;
        assert_eq!(cleared.as_array().unwrap().len(), 2);
    }

    async fn inventory_routes_check_permissions_and_hide_other_merchants(app: TestApp) {
        // Arrange: a reader (inventory.read only), a catalogue-only user, and merchant B.
        let s = shop(app, "acme", 1).await;
        let (sku, wh) = (s.skus[0].clone(), location(app, &s.owner, "WH").await);
        receive(app, &s.owner, &wh, &sku, 5).await;
        let pending = {
            call(app, Method::PUT, &s.owner, "/api/v1/inventory/settings", &json!({"approval_quantity": 1, "approval_value_minor": null})).await;
            adjust(app, &s.owner, &sku, &wh, -2, "lost").await.json()["id"].as_str().unwrap().to_owned()
        };
        let reader = fixtures::staff_token(app, Some(s.id), "reader@acme.test", &[Permission::InventoryRead]).await;
        let outsider = fixtures::staff_token(app, Some(s.id), "catalog@acme.test", &[Permission::CatalogRead]).await;
        let line = json!([{"sku_id": sku, "quantity": 1}]);
        // Act/Assert: writes without inventory.adjust (or settings.manage, inventory.approve).
        let writes: Vec<(Method, String, Value, &str)> = vec![
            (Method::POST, "/api/v1/inventory/receipts".into(), json!({"location_id": wh, "lines": line, "reference": "PO"}), "inventory.adjust"),
            (Method::POST, "/api/v1/inventory/adjustments".into(), json!({"sku_id": sku, "location_id": wh, "delta": 1, "reason": "found"}), "inventory.adjust"),
            (Method::POST, "/api/v1/inventory/transfers".into(), json!({"from_location_id": wh, "to_location_id": wh, "lines": line}), "inventory.adjust"),
            (Method::POST, "/api/v1/inventory/stocktakes".into(), json!({"location_id": wh}), "inventory.adjust"),
            (Method::POST, "/api/v1/inventory/reservations".into(), reserve_body(&[("o/1", &sku, &wh, 1)]), "inventory.adjust"),
            (Method::POST, "/api/v1/inventory/reservations/o%2F1/release".into(), json!({}), "inventory.adjust"),
            (Method::PUT, format!("/api/v1/inventory/levels/{sku}/{wh}/thresholds"), json!({"low_stock": 1, "reorder_point": null, "overstock": null}), "inventory.adjust"),
            (Method::PUT, format!("/api/v1/inventory/skus/{sku}/policy"), json!({"allow_backorder": true}), "inventory.adjust"),
            (Method::POST, format!("/api/v1/inventory/adjustments/{pending}/approve"), json!({}), "inventory.approve"),
            (Method::POST, "/api/v1/inventory/locations".into(), json!({"code": "X", "name": "X", "kind": "store", "country": "CN"}), "settings.manage"),
            (Method::PUT, "/api/v1/inventory/settings".into(), json!({"approval_quantity": null, "approval_value_minor": null}), "settings.manage"),
        ];
        for (method, path, body, permission) in writes {
            let r = call(app, method.clone(), &reader, &path, &body).await;
            let problem = r.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
            assert!(problem["detail"].as_str().unwrap().contains(permission), "{method} {path}: {problem}");
        }
        assert_eq!(level(app, &reader, &sku, &wh).await, (5, 0, 5, 0), "the reader may read");
        let reads = ["/api/v1/inventory/locations".to_owned(), "/api/v1/inventory/levels".into(), format!("/api/v1/inventory/levels/{sku}/{wh}"), "/api/v1/inventory/movements".into(), "/api/v1/inventory/adjustments".into(), "/api/v1/inventory/transfers".into(), "/api/v1/inventory/stocktakes".into(), "/api/v1/inventory/alerts".into(), "/api/v1/inventory/events".into(), "/api/v1/inventory/settings".into(), "/api/v1/inventory/reservations/o%2F1".into()];
        for path in reads {
            let r = app.get_as(&outsider, &path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "GET {path}: {}", r.text());
        }

        // Merchant B's location and SKU are not found for A.
        let b = shop(app, "bravo", 1).await;
        let b_wh = location(app, &b.owner, "WH").await;
        let b_sku = b.skus[0].clone();
        receive(app, &b.owner, &b_wh, &b_sku, 3).await;
        for path in [format!("/api/v1/inventory/locations/{b_wh}"), format!("/api/v1/inventory/levels/{b_sku}/{wh}"), format!("/api/v1/inventory/levels/{sku}/{b_wh}"), format!("/api/v1/inventory/levels/{b_sku}/{b_wh}/thresholds")] {
            app.get_as(&s.owner, &path).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        }
        receive(app, &s.owner, &b_wh, &sku, 1).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(field_errors(&receive(app, &s.owner, &wh, &b_sku, 1).await), [("lines[0].sku_id".to_owned(), "unknown".to_owned())]);
        let theirs = get(app, &s.owner, &format!("/api/v1/inventory/levels?sku_id={b_sku}")).await;
        assert!(theirs["items"].as_array().unwrap().is_empty());
        assert_eq!(level(app, &b.owner, &b_sku, &b_wh).await, (3, 0, 3, 0));
    }
}

/// A table-driven validation case: why, the body, the expected (field, code) pairs.
type Case = (&'static str, Value, &'static [(&'static str, &'static str)]);

/// What the random mix's totals must come to.
#[derive(Default)]
struct Totals {
    received: AtomicI64,
    adjusted: AtomicI64,
    consumed: AtomicI64,
    lost: AtomicI64,
    reserved: AtomicI64,
}

/// The shared state of the random mix.
struct World {
    router: Router,
    token: String,
    skus: Vec<String>,
    locs: [String; 2],
    totals: Totals,
}

impl World {
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(
            self.router.clone(),
            Method::POST,
            path.to_owned(),
            self.token.clone(),
            body,
        )
        .await
    }
}

/// Whether an answer is a success; `insufficient-stock` is a legitimate refusal, anything
/// else fails the test.
#[track_caller]
fn succeeded(op: &str, (status, body): &(StatusCode, Value)) -> bool {
    match *status {
        s if s.is_success() => true,
        StatusCode::CONFLICT if body["code"] == "insufficient-stock" => false,
        s => panic!("{op}: unexpected {s} {body}"),
    }
}

/// One client of the random mix: 20 seeded operations over HTTP. Returns how many
/// succeeded.
async fn client(w: Arc<World>, seed: u64) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut open: Vec<(String, i64)> = Vec::new();
    let t = &w.totals;
    let mut ok = 0;
    for n in 0..20 {
        let sku = w.skus[rng.random_range(0..w.skus.len())].clone();
        let from = rng.random_range(0..2);
        let (loc, other) = (w.locs[from].clone(), w.locs[1 - from].clone());
        let q: i64 = rng.random_range(1..=5);
        let done = match rng.random_range(0..6) {
            0 => {
                let r = w.post("/api/v1/inventory/receipts", json!({"location_id": loc, "lines": [{"sku_id": sku, "quantity": q}], "reference": "PO"})).await;
                succeeded("receipt", &r)
                    .then(|| t.received.fetch_add(q, Ordering::SeqCst))
                    .is_some()
            }
            1 => {
                let (delta, reason) = if rng.random_bool(0.5) {
                    (q, "found")
                } else {
                    (-q, "damaged")
                };
                let r = w.post("/api/v1/inventory/adjustments", json!({"sku_id": sku, "location_id": loc, "delta": delta, "reason": reason})).await;
                succeeded("adjustment", &r)
                    .then(|| t.adjusted.fetch_add(delta, Ordering::SeqCst))
                    .is_some()
            }
            2 => {
                let lost = rng.random_range(0..=1).min(q);
                transfer(&w, &sku, &loc, &other, q, lost).await
            }
            3 => {
                let reference = format!("c{seed}-{n}");
                let r = w
                    .post(
                        "/api/v1/inventory/reservations",
                        reserve_body(&[(&reference, &sku, &loc, q)]),
                    )
                    .await;
                let done = succeeded("reserve", &r);
                if done {
                    t.reserved.fetch_add(q, Ordering::SeqCst);
                    open.push((reference, q));
                }
                done
            }
            _ if open.is_empty() => continue,
            op => {
                let (reference, q) = open.swap_remove(rng.random_range(0..open.len()));
                let action = if op == 4 { "release" } else { "consume" };
                let r = w
                    .post(
                        &format!("/api/v1/inventory/reservations/{reference}/{action}"),
                        json!({}),
                    )
                    .await;
                assert!(r.0.is_success(), "{action} {reference}: {} {}", r.0, r.1);
                t.reserved.fetch_sub(q, Ordering::SeqCst);
                if op != 4 {
                    t.consumed.fetch_add(q, Ordering::SeqCst);
                }
                true
            }
        };
        ok += usize::from(done);
    }
    ok
}

/// Moves `q` from `from` to `to`; `lost` units never arrive and the transfer is closed
/// short. A dispatch refused for lack of stock cancels the draft.
async fn transfer(w: &World, sku: &str, from: &str, to: &str, q: i64, lost: i64) -> bool {
    let body = json!({"from_location_id": from, "to_location_id": to, "lines": [{"sku_id": sku, "quantity": q}]});
    let (status, t) = w.post("/api/v1/inventory/transfers", body).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let base = format!("/api/v1/inventory/transfers/{}", t["id"].as_str().unwrap());
    let dispatched = w.post(&format!("{base}/dispatch"), json!({})).await;
    if !succeeded("dispatch", &dispatched) {
        let cancelled = w.post(&format!("{base}/cancel"), json!({})).await;
        assert!(cancelled.0.is_success(), "{}", cancelled.1);
        return false;
    }
    let lines = if q > lost {
        json!([{"sku_id": sku, "quantity": q - lost}])
    } else {
        json!([])
    };
    let received = w
        .post(
            &format!("{base}/receive"),
            json!({"lines": lines, "close": true}),
        )
        .await;
    assert!(received.0.is_success(), "{}", received.1);
    w.totals.lost.fetch_add(lost, Ordering::SeqCst);
    true
}
