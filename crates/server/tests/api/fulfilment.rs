//! Fulfilment over HTTP on both databases: a pick wave at a location with its pick list,
//! packing by scan (refusals for unknown items and over-packing), partial shipments and a
//! shipment from each of two locations for one order, stock consumed once per allocation,
//! and the order moving to partially shipped and shipped. The stock ledger check runs after.

use axum::http::{Method, StatusCode};
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::orders::{Shop, action, api_order, level, order, post_order, receive, shop};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

async fn place(app: &TestApp, sh: &Shop, body: &Value) -> Value {
    let r = post_order(app, sh, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"].clone()
}

async fn pack(
    app: &TestApp,
    sh: &Shop,
    order: &str,
    location: &str,
    code: &str,
    q: i64,
) -> (StatusCode, Value) {
    let body = json!({"location_id": location, "code": code, "quantity": q});
    let r = call(
        app,
        Method::POST,
        &sh.clerk,
        &format!("/api/v1/orders/{order}/pack"),
        &body,
    )
    .await;
    (r.status, r.json())
}

async fn ship(
    app: &TestApp,
    sh: &Shop,
    order: &str,
    location: &str,
    tracking: &str,
) -> (StatusCode, Value) {
    let body = json!({"location_id": location, "carrier": "sf", "service": "standard", "tracking_number": tracking, "packages": 1});
    let r = call(
        app,
        Method::POST,
        &sh.clerk,
        &format!("/api/v1/orders/{order}/shipments"),
        &body,
    )
    .await;
    (r.status, r.json())
}

fn units_at(o: &Value, location: &str, sku: &str) -> i64 {
    o["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            s(a, "location_id") == location && s(a, "sku_id") == sku && s(a, "status") == "open"
        })
        .map(|a| a["quantity"].as_i64().unwrap())
        .sum()
}

both_dbs! {
    async fn orders_are_picked_in_waves_packed_by_scan_and_shipped_from_each_location(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        let (sku1, code1) = (&sh.skus[1].0, &sh.skus[1].1);
        receive(app, &sh, &sh.wh1, sku, 3).await;
        receive(app, &sh, &sh.wh2, sku, 5).await;
        receive(app, &sh, &sh.wh1, sku1, 2).await;
        let a = place(app, &sh, &api_order("ful-a", &[(code, 6, "10.00"), (code1, 1, "10.00")])).await;
        assert_eq!(s(&a, "status"), "allocated", "{a}");
        let (at1, at2) = (units_at(&a, &sh.wh1, sku), units_at(&a, &sh.wh2, sku));
        assert_eq!((at1 + at2, at1 > 0 && at2 > 0), (6, true), "split over both warehouses: {a}");
        assert_eq!(units_at(&a, &sh.wh1, sku1), 1);
        let b = place(app, &sh, &api_order("ful-b", &[(code1, 1, "10.00")])).await;
        assert_eq!(s(&b, "status"), "allocated");

        let r = call(app, Method::POST, &sh.clerk, "/api/v1/fulfilment/waves", &json!({"location_id": sh.wh1})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let wave = r.json();
        let numbers: Vec<&str> = wave["orders"].as_array().unwrap().iter().map(|o| s(o, "number")).collect();
        assert_eq!(numbers, [s(&a, "number"), s(&b, "number")], "first in, first out by ship-by");
        let picks: Vec<(String, i64)> = wave["pick_list"].as_array().unwrap().iter().map(|p| (s(p, "sku_code").to_owned(), p["quantity"].as_i64().unwrap())).collect();
        let mut sorted = picks.clone();
        sorted.sort();
        assert_eq!(picks, sorted, "the pick list is sorted by SKU code");
        assert_eq!(picks.iter().map(|p| p.1).sum::<i64>(), at1 + 2, "A's units at WH1 and B's one: {picks:?}");
        let again = call(app, Method::POST, &sh.clerk, "/api/v1/fulfilment/waves", &json!({"location_id": sh.wh1})).await;
        assert_eq!((again.status, again.json()["code"].as_str()), (StatusCode::CONFLICT, Some("nothing-to-pick")), "both orders are in the open wave");

        let id = s(&a, "id");
        assert_eq!(pack(app, &sh, id, &sh.wh1, "NOT-IN-ORDER", 1).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = pack(app, &sh, id, &sh.wh1, code, at1 + 1).await;
        assert_eq!(status, StatusCode::CONFLICT, "cannot pack more than allocated here");
        let (status, _) = ship(app, &sh, id, &sh.wh1, "SF100").await;
        assert_eq!(status, StatusCode::CONFLICT, "nothing packed yet");
        for _ in 0..at1 {
            assert_eq!(pack(app, &sh, id, &sh.wh1, &code.to_lowercase(), 1).await.0, StatusCode::OK);
        }
        let (status, packed) = pack(app, &sh, id, &sh.wh1, code1, 1).await;
        assert_eq!(status, StatusCode::OK);
        assert!(packed.as_array().unwrap().iter().all(|p| p["packed"] == p["quantity"]), "{packed}");

        let on_hand_before = level(app, &sh, sku, &sh.wh1).await;
        let (status, first) = ship(app, &sh, id, &sh.wh1, "SF100").await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first["lines"].as_array().unwrap().len(), 2);
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (on_hand_before.0 - at1, on_hand_before.1 - at1), "on hand and reserved both went down");
        let now = order(app, &sh, id).await;
        assert_eq!((s(&now, "status"), s(&now, "fulfilment_status")), ("partially_shipped", "partial"));
        let r = action(app, &sh, id, "cancel", &json!({})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a partly shipped order is not cancelled");
        assert_eq!(ship(app, &sh, id, &sh.wh1, "SF101").await.0, StatusCode::CONFLICT, "everything at WH1 has left");

        assert_eq!(pack(app, &sh, id, &sh.wh2, code, at2).await.0, StatusCode::OK);
        let (status, taken) = ship(app, &sh, id, &sh.wh2, "SF100").await;
        assert_eq!((status, taken["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("tracking_number")), "tracking numbers are unique per carrier");
        let (status, second) = ship(app, &sh, id, &sh.wh2, "SF102").await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        let done = order(app, &sh, id).await;
        assert_eq!((s(&done, "status"), s(&done, "fulfilment_status")), ("shipped", "fulfilled"));
        assert!(done["timeline"].as_array().unwrap().iter().filter(|e| e["event"] == "shipped").count() == 2);
        assert_eq!(level(app, &sh, sku, &sh.wh2).await, (5 - at2, 0));
        let list = app.get_as(&sh.clerk, &format!("/api/v1/orders/{id}/shipments")).await.json();
        assert_eq!(list.as_array().unwrap().len(), 2);
        let ledger = app.get_as(&sh.clerk, &format!("/api/v1/inventory/movements?sku_id={sku}&reason=shipment")).await;
        assert_eq!(ledger.status, StatusCode::OK, "{}", ledger.text());
        assert_eq!(ledger.json()["items"].as_array().unwrap().len(), 2, "one shipment movement per line and location");

        let wave_id = s(&wave, "id");
        let closed = call(app, Method::POST, &sh.clerk, &format!("/api/v1/fulfilment/waves/{wave_id}/close"), &json!({})).await;
        assert_eq!(s(&closed.json(), "status"), "closed");
        let r = call(app, Method::POST, &sh.clerk, "/api/v1/fulfilment/waves", &json!({"location_id": sh.wh1})).await;
        assert_eq!(r.status, StatusCode::CREATED, "B may join a new wave once the first is closed");
        assert_eq!(r.json()["orders"].as_array().unwrap().len(), 1);
        let other = shop(app, "bravo").await;
        assert_eq!(app.get_as(&other.clerk, &format!("/api/v1/fulfilment/waves/{wave_id}")).await.status, StatusCode::NOT_FOUND);
        let r = call(app, Method::POST, &other.clerk, &format!("/api/v1/orders/{}/pack", s(&b, "id")), &json!({"location_id": sh.wh1, "code": code1})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}
