//! What happens to orders after intake, over HTTP on both databases: review rules holding
//! orders and staff approving or rejecting them, split allocation, cancellation (of an
//! order or a line) returning stock, shortages waiting for stock, exceptions retried once
//! a listing exists, re-routing, CSV import with its per-order report, settings,
//! permissions and tenancy.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::Permission;
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::{call, created};
use crate::fixtures;
use crate::orders::{action, api_order, level, order, orders, post_order, receive, shop};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

async fn place(app: &TestApp, shop: &crate::orders::Shop, body: &Value) -> Value {
    let r = post_order(app, shop, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"].clone()
}

fn events(o: &Value) -> Vec<String> {
    o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(e, "event").to_owned())
        .collect()
}

both_dbs! {
    async fn orders_split_only_when_needed_and_cancelling_returns_stock(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        let (sku1, code1) = (&sh.skus[1].0, &sh.skus[1].1);
        receive(app, &sh, &sh.wh1, sku, 3).await;
        receive(app, &sh, &sh.wh2, sku, 5).await;
        receive(app, &sh, &sh.wh2, sku1, 2).await;
        let whole = place(app, &sh, &api_order("o-1", &[(code, 2, "10.00"), (code1, 1, "10.00")])).await;
        assert_eq!(s(&whole, "status"), "allocated");
        let locations: Vec<&str> = whole["allocations"].as_array().unwrap().iter().map(|a| s(a, "location_id")).collect();
        assert_eq!(locations, [sh.wh2.as_str(), sh.wh2.as_str()], "WH2 fills the whole order, so no split despite WH1's priority");
        assert_eq!(level(app, &sh, sku, &sh.wh2).await, (5, 2));

        let split = place(app, &sh, &api_order("o-2", &[(code, 4, "10.00")])).await;
        assert_eq!(s(&split, "status"), "allocated");
        let parts: Vec<(String, i64)> = split["allocations"].as_array().unwrap().iter().map(|a| (s(a, "location_id").to_owned(), a["quantity"].as_i64().unwrap())).collect();
        assert_eq!(parts.len(), 2, "no single location has 4 left: {parts:?}");
        assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), 4);
        assert_eq!(split["timeline"].as_array().unwrap().last().unwrap()["data"]["split"], true);
        assert_eq!(level(app, &sh, sku, &sh.wh1).await.1 + level(app, &sh, sku, &sh.wh2).await.1, 6);

        let r = action(app, &sh, s(&split, "id"), "cancel", &json!({"reason": "customer asked"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let cancelled = r.json();
        assert_eq!(s(&cancelled, "status"), "cancelled");
        assert!(cancelled["allocations"].as_array().unwrap().iter().all(|a| a["status"] == "released"));
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (3, 0), "cancelling returned WH1's units");
        assert_eq!(level(app, &sh, sku, &sh.wh2).await, (5, 2), "and WH2's, leaving the first order's");
        let again = action(app, &sh, s(&split, "id"), "cancel", &json!({})).await;
        assert_eq!((again.status, again.json()["code"].as_str()), (StatusCode::CONFLICT, Some("order-state")));

        let line1 = whole["lines"][1]["id"].as_str().unwrap();
        let r = action(app, &sh, s(&whole, "id"), &format!("lines/{line1}/cancel"), &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!((s(&r.json(), "status"), r.json()["lines"][1]["cancelled_quantity"].as_i64()), ("allocated", Some(1)));
        assert_eq!(level(app, &sh, sku1, &sh.wh2).await, (2, 0), "the line's reservation went back");
        let line0 = whole["lines"][0]["id"].as_str().unwrap();
        let r = action(app, &sh, s(&whole, "id"), &format!("lines/{line0}/cancel"), &json!({})).await;
        assert_eq!(s(&r.json(), "status"), "cancelled", "the last open line cancels the order");
        assert_eq!(level(app, &sh, sku, &sh.wh2).await, (5, 0));
        let r = action(app, &sh, s(&whole, "id"), &format!("lines/{line0}/cancel"), &json!({})).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }

    async fn review_rules_hold_orders_and_staff_approve_or_reject(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 20).await;
        let defaults = app.get_as(&sh.clerk, "/api/v1/orders/settings").await.json();
        assert_eq!((s(&defaults, "number_prefix"), defaults["duplicate_window_minutes"].as_i64()), ("SO-", Some(30)));
        let mut settings = defaults.clone();
        settings["amount_thresholds"] = json!([{"currency": "CNY", "amount": "500.00"}]);
        settings["number_prefix"] = json!("WEB-");
        settings["blacklist_emails"] = json!(["fraud@bad.test"]);
        let r = call(app, Method::PUT, &sh.clerk, "/api/v1/orders/settings", &settings).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        for (field, value, path) in [
            ("number_prefix", json!("W3B"), "number_prefix"),
            ("amount_thresholds", json!([{"currency": "CNY", "amount": "-1"}]), "amount_thresholds[0].amount"),
            ("duplicate_window_minutes", json!(0), "duplicate_window_minutes"),
            ("risk_weights", json!({"vibes": 10}), "risk_weights.vibes"),
        ] {
            let mut bad = settings.clone();
            bad[field] = value;
            let r = call(app, Method::PUT, &sh.clerk, "/api/v1/orders/settings", &bad).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text());
            assert_eq!(r.json()["errors"][0]["field"], path);
        }
        let generic = call(app, Method::PUT, &sh.owner, &format!("/api/v1/merchants/{}/settings/orders.settings", sh.m), &json!({"value": {"number_prefix": 7}})).await;
        assert!(generic.status.is_client_error(), "the generic settings API checks the value too: {}", generic.text());

        let big = place(app, &sh, &api_order("big-1", &[(code, 6, "100.00")])).await;
        assert!(s(&big, "number").starts_with("WEB-"), "{big}");
        assert_eq!((s(&big, "status"), s(&big, "queue")), ("on_hold", "review"));
        assert_eq!(big["hold_reasons"], json!(["amount_over_threshold"]));
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (20, 0));
        let queues = app.get_as(&sh.clerk, "/api/v1/orders/queues").await.json();
        assert_eq!(queues["review"], 1);
        let r = action(app, &sh, s(&big, "id"), "approve", &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(s(&r.json(), "status"), "allocated");
        assert!(events(&r.json()).ends_with(&["held".into(), "released".into(), "allocated".into()]));
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (20, 6));

        let mut fraud = api_order("fraud-1", &[(code, 1, "10.00")]);
        fraud["customer"]["email"] = json!("Fraud@Bad.test");
        let held = place(app, &sh, &fraud).await;
        assert_eq!(held["hold_reasons"], json!(["blacklisted_customer"]));
        let r = action(app, &sh, s(&held, "id"), "reject", &json!({"reason": "known fraud"})).await;
        assert_eq!(s(&r.json(), "status"), "cancelled");
        assert_eq!(r.json()["timeline"].as_array().unwrap().last().unwrap()["data"]["reason"], "known fraud");

        let first = api_order("dup-1", &[(code, 1, "10.00")]);
        let mut second = api_order("dup-2", &[(code, 1, "10.00")]);
        second["customer"] = first["customer"].clone();
        let original = place(app, &sh, &first).await;
        assert_eq!(s(&original, "status"), "allocated");
        let dup = place(app, &sh, &second).await;
        assert_eq!(dup["hold_reasons"], json!(["suspected_duplicate"]), "same customer, same items, within 30 minutes");
        assert_eq!(dup["customer_id"], original["customer_id"], "one customer record, matched by e-mail");
        assert!(dup["timeline"].as_array().unwrap().iter().any(|e| e["data"]["duplicate_of"] == original["id"]));

        let mut bare = api_order("bare-1", &[(code, 1, "10.00")]);
        bare["shipping_address"] = json!({"country": "CN"});
        let incomplete = place(app, &sh, &bare).await;
        assert_eq!(incomplete["hold_reasons"], json!(["incomplete_address"]));
        let r = action(app, &sh, s(&incomplete, "id"), "hold", &json!({"reason": "call the customer"})).await;
        assert_eq!(r.json()["hold_reasons"], json!(["incomplete_address", "manual"]));
    }

    async fn shortages_wait_for_stock_and_exceptions_are_retried(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        let short = place(app, &sh, &api_order("short-1", &[(code, 5, "10.00")])).await;
        assert_eq!((s(&short, "status"), s(&short, "queue")), ("confirmed", "exception"));
        assert_eq!(short["hold_reasons"], json!(["insufficient_stock"]));
        assert_eq!(short["problems"][0]["code"], "insufficient_stock");
        let r = action(app, &sh, s(&short, "id"), "approve", &json!({})).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("order-has-exception")));
        let r = action(app, &sh, s(&short, "id"), "backorder", &json!({})).await;
        assert_eq!((s(&r.json(), "queue"), r.json()["backorder"].as_bool()), ("allocate", Some(true)), "{}", r.text());
        let run = call(app, Method::POST, &sh.clerk, "/api/v1/orders/allocate-waiting", &json!({})).await.json();
        assert_eq!((run["tried"].as_u64(), run["allocated"].as_u64()), (Some(1), Some(0)), "still nothing in stock");
        receive(app, &sh, &sh.wh2, sku, 5).await;
        let run = call(app, Method::POST, &sh.clerk, "/api/v1/orders/allocate-waiting", &json!({})).await.json();
        assert_eq!(run["allocated"], 1);
        let now = order(app, &sh, s(&short, "id")).await;
        assert_eq!((s(&now, "status"), now["queue"].clone()), ("allocated", Value::Null));
        assert_eq!(level(app, &sh, sku, &sh.wh2).await, (5, 5));

        let (sku2, _) = (&sh.skus[2].0, &sh.skus[2].1);
        receive(app, &sh, &sh.wh1, sku2, 2).await;
        let unknown = place(app, &sh, &api_order("unk-1", &[("THEIR-CODE-9", 2, "10.00")])).await;
        assert_eq!(s(&unknown, "queue"), "exception");
        let r = action(app, &sh, s(&unknown, "id"), "retry", &json!({})).await;
        assert_eq!((r.status, s(&r.json(), "queue")), (StatusCode::OK, "exception"), "nothing changed yet: {}", r.text());
        let listing = json!({"sku_id": sku2, "external_sku": "their-code-9"});
        created(app, &sh.owner, &format!("/api/v1/channels/{}/listings", sh.api), &listing).await;
        let r = action(app, &sh, s(&unknown, "id"), "retry", &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let fixed = r.json();
        assert_eq!((s(&fixed, "status"), s(&fixed["lines"][0], "sku_id")), ("allocated", sku2.as_str()));
        assert!(events(&fixed).contains(&"exception_resolved".to_owned()));
        assert_eq!(level(app, &sh, sku2, &sh.wh1).await, (2, 2));

        let r = action(app, &sh, s(&fixed, "id"), "reroute", &json!({"location_id": sh.wh2})).await;
        assert_eq!((r.status, s(&r.json(), "queue")), (StatusCode::OK, "exception"), "WH2 has none of it: {}", r.text());
        assert_eq!(level(app, &sh, sku2, &sh.wh1).await, (2, 0), "re-routing released WH1 first");
        let r = action(app, &sh, s(&fixed, "id"), "reroute", &json!({})).await;
        assert_eq!(s(&r.json(), "status"), "allocated", "{}", r.text());
        assert_eq!(level(app, &sh, sku2, &sh.wh1).await, (2, 2));
    }

    async fn csv_import_reports_each_order_and_is_idempotent(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 10).await;
        let header = omnihub_domain::orders::csv_format::TEMPLATE_HEADER;
        let row = |id: &str, q: &str, price: &str, sku: &str| format!(
            "{id},,2026-11-30T10:00:00Z,CNY,paid,false,{id}@x.test,,Ann,Ann,,CN,上海市,上海市,200000,世纪大道 1 号,,{sku},Tee,{q},{price},,,,,,,"
        );
        let csv = [header.to_owned(), row("c-1", "2", "10.00", code), row("c-2", "x", "10.00", code), row("c-3", "1", "5.00", "NOPE")].join("\n");
        let auth = format!("Bearer {}", sh.clerk);
        let post = async |body: String, ct: &'static str| {
            let headers = [(axum::http::header::CONTENT_TYPE, ct), (axum::http::header::AUTHORIZATION, auth.as_str())];
            app.request(Method::POST, &format!("/api/v1/orders/import?channel_id={}", sh.api), &headers, axum::body::Body::from(body)).await
        };
        let r = post(csv.clone(), "text/csv").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        let outcomes: Vec<&str> = report["orders"].as_array().unwrap().iter().map(|o| s(o, "outcome")).collect();
        assert_eq!(outcomes, ["created", "invalid", "exception"]);
        assert_eq!((report["created"].as_u64(), report["invalid"].as_u64(), report["exceptions"].as_u64()), (Some(2), Some(1), Some(1)));
        let bad = &report["orders"][1];
        assert_eq!((bad["rows"].clone(), bad["problems"][0]["row"].as_u64(), s(&bad["problems"][0], "column")), (json!([3]), Some(3), "quantity"));
        assert_eq!(orders(app, &sh, "").await.len(), 2, "the invalid order is reported, not stored");
        let first = order(app, &sh, s(&report["orders"][0], "order_id")).await;
        assert_eq!((s(&first, "source"), s(&first, "status")), ("csv", "allocated"));
        let again = post(csv, "text/csv").await.json();
        assert_eq!(again["duplicates"], 2, "{again}");
        assert_eq!(orders(app, &sh, "").await.len(), 2);
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (10, 2));
        let r = post("sku,qty\nA,1".into(), "text/csv").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(post(header.into(), "application/json").await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    async fn orders_need_permissions_and_stay_within_their_merchant(app: TestApp) {
        let sh = shop(app, "acme").await;
        let code = sh.skus[0].1.clone();
        let placed = place(app, &sh, &api_order("p-1", &[(&code, 1, "10.00")])).await;
        let reader = fixtures::staff_token(app, Some(sh.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        assert_eq!(app.get_as(&reader, &format!("/api/v1/orders/{}", s(&placed, "id"))).await.status, StatusCode::OK);
        let r = call(app, Method::POST, &reader, &format!("/api/v1/orders/{}/cancel", s(&placed, "id")), &json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut as_reader = crate::orders::Shop { clerk: reader.clone(), ..sh };
        let r = post_order(app, &as_reader, &api_order("p-2", &[(&code, 1, "10.00")]), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let other = shop(app, "bravo").await;
        assert_eq!(app.get_as(&other.clerk, &format!("/api/v1/orders/{}", s(&placed, "id"))).await.status, StatusCode::NOT_FOUND);
        let r = call(app, Method::POST, &other.clerk, &format!("/api/v1/orders/{}/cancel", s(&placed, "id")), &json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        as_reader.clerk = other.clerk.clone();
        let r = post_order(app, &as_reader, &api_order("p-3", &[(&code, 1, "10.00")]), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another merchant's channel");
        assert!(orders(app, &other, "").await.is_empty());
    }
}
