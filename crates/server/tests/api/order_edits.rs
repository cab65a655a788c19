//! Order edits before shipment over HTTP on both databases (ORD-6): a line's quantity up
//! and down, a line added, a line cancelled, the shipping address; totals computed again,
//! reservations following, the payment status derived again, everything on the timeline;
//! refusals that change nothing (not enough stock, shipped, being packed, invoiced, bad
//! input, permissions, another merchant's order), and concurrent edits of one order.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::Permission;
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::fixtures;
use crate::orders::{Shop, action, api_order, level, order, post_order, receive, shop};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

async fn place(app: &TestApp, sh: &Shop, body: &Value) -> Value {
    let r = post_order(app, sh, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"].clone()
}

async fn quantity(
    app: &TestApp,
    token: &str,
    o: &Value,
    line: usize,
    q: i64,
) -> omnihub_testkit::TestResponse {
    let (id, line) = (s(o, "id"), s(&o["lines"][line], "id"));
    call(
        app,
        Method::PUT,
        token,
        &format!("/api/v1/orders/{id}/lines/{line}/quantity"),
        &json!({"quantity": q}),
    )
    .await
}

async fn add_line(
    app: &TestApp,
    sh: &Shop,
    o: &Value,
    body: &Value,
) -> omnihub_testkit::TestResponse {
    call(
        app,
        Method::POST,
        &sh.clerk,
        &format!("/api/v1/orders/{}/lines", s(o, "id")),
        body,
    )
    .await
}

fn open_units(o: &Value, sku: &str) -> i64 {
    o["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| s(a, "sku_id") == sku && s(a, "status") == "open")
        .map(|a| a["quantity"].as_i64().unwrap())
        .sum()
}

fn total(o: &Value) -> &str {
    s(&o["total"], "amount")
}

both_dbs! {
    async fn edits_recompute_totals_and_move_the_reservations(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        let (sku1, code1) = (&sh.skus[1].0, &sh.skus[1].1);
        receive(app, &sh, &sh.wh1, sku, 5).await;
        receive(app, &sh, &sh.wh1, sku1, 2).await;
        let o = place(app, &sh, &api_order("e-1", &[(code, 2, "10.00")])).await;
        assert_eq!((s(&o, "status"), total(&o)), ("allocated", "20.00"), "{o}");

        let r = quantity(app, &sh.clerk, &o, 0, 4).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let up = r.json();
        assert_eq!((s(&up, "status"), total(&up), up["lines"][0]["quantity"].as_i64()), ("allocated", "40.00", Some(4)));
        assert_eq!(open_units(&up, sku), 4);
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (5, 4));

        let r = quantity(app, &sh.clerk, &up, 0, 6).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("insufficient-stock")), "{}", r.text());
        let same = order(app, &sh, s(&o, "id")).await;
        assert_eq!((total(&same), same["version"].clone(), open_units(&same, sku)), ("40.00", up["version"].clone(), 4), "a refused edit changes nothing");
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (5, 4));

        let r = quantity(app, &sh.clerk, &up, 0, 1).await;
        let down = r.json();
        assert_eq!((r.status, total(&down)), (StatusCode::OK, "10.00"), "{down}");
        assert_eq!((down["lines"][0]["quantity"].as_i64(), down["lines"][0]["cancelled_quantity"].as_i64()), (Some(4), Some(3)), "fewer units cancel units");
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (5, 1));

        let r = add_line(app, &sh, &o, &json!({"sku": code1, "quantity": 2, "unit_price": "7.50"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let added = r.json();
        assert_eq!((added["lines"].as_array().unwrap().len(), total(&added)), (2, "25.00"));
        assert_eq!((open_units(&added, sku), open_units(&added, sku1)), (1, 2));
        assert_eq!(level(app, &sh, sku1, &sh.wh1).await, (2, 2));

        let line1 = s(&added["lines"][1], "id");
        let r = action(app, &sh, s(&o, "id"), &format!("lines/{line1}/cancel"), &json!({})).await;
        let cut = r.json();
        assert_eq!((r.status, s(&cut, "status"), total(&cut)), (StatusCode::OK, "allocated", "10.00"), "{cut}");
        assert_eq!(level(app, &sh, sku1, &sh.wh1).await, (2, 0));
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (5, 1), "the other line keeps its stock");

        let address = json!({"name": "Li Lei", "phone": "+8613800138000", "country": "CN", "province": "浙江省", "city": "杭州市", "postcode": "310000", "lines": ["西湖区文三路 1 号"]});
        let r = call(app, Method::PUT, &sh.clerk, &format!("/api/v1/orders/{}/shipping-address", s(&o, "id")), &address).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["shipping_address"]["city"], "杭州市");
        let done = r.json();
        let edits: Vec<&Value> = done["timeline"].as_array().unwrap().iter().filter(|e| e["event"] == "edited").collect();
        assert_eq!(edits.len(), 5, "every edit is on the timeline");
        assert_eq!(edits[0]["data"]["total_minor"], json!({"from": 2000, "to": 4000}));
        let audit = app.get_as(&sh.owner, "/api/v1/audit?action=order.edit_line").await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.text());
        assert_eq!(audit.json()["items"].as_array().unwrap().len(), 2, "the refused edit left no audit entry");
    }

    async fn bad_edits_are_refused_and_change_nothing(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 10).await;
        let o = place(app, &sh, &api_order("b-1", &[(code, 2, "10.00")])).await;
        let id = s(&o, "id");
        for q in [0, -1, 100_001] {
            let r = quantity(app, &sh.clerk, &o, 0, q).await;
            assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("quantity")), "{q}: {}", r.text());
        }
        let r = add_line(app, &sh, &o, &json!({"sku": "NO-SUCH-SKU", "quantity": 1, "unit_price": "1.00"})).await;
        assert_eq!((r.status, r.json()["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_sku")), "{}", r.text());
        let r = add_line(app, &sh, &o, &json!({"sku": code, "quantity": 1, "unit_price": "1.005"})).await;
        assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].unit_price")), "{}", r.text());
        let r = add_line(app, &sh, &o, &json!({"sku": code, "quantity": 1, "unit_price": "1.00", "colour": "red"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused: {}", r.text());
        let r = call(app, Method::PUT, &sh.clerk, &format!("/api/v1/orders/{id}/shipping-address"), &json!({"country": "Narnia"})).await;
        assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("shipping_address.country")), "{}", r.text());

        let reader = fixtures::staff_token(app, Some(sh.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        assert_eq!(quantity(app, &reader, &o, 0, 3).await.status, StatusCode::FORBIDDEN);
        let other = shop(app, "bravo").await;
        assert_eq!(quantity(app, &other.clerk, &o, 0, 3).await.status, StatusCode::NOT_FOUND);
        let now = order(app, &sh, id).await;
        assert_eq!((now["version"].clone(), total(&now)), (o["version"].clone(), "20.00"), "nothing changed");
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (10, 2));

        let pack = json!({"location_id": sh.wh1, "code": code, "quantity": 1});
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/pack"), &pack).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = quantity(app, &sh.clerk, &o, 0, 3).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("order-being-packed")));
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/pack"), &pack).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let ship = json!({"location_id": sh.wh1, "carrier": "sf", "tracking_number": "SF-E1", "packages": 1});
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/shipments"), &ship).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = call(app, Method::PUT, &sh.clerk, &format!("/api/v1/orders/{id}/shipping-address"), &json!({"country": "CN", "city": "上海市"})).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("order-not-editable")), "shipped orders are not edited");

        let invoiced = place(app, &sh, &api_order("b-2", &[(code, 1, "10.00")])).await;
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{}/invoices", s(&invoiced, "id")), &json!({"buyer_title": "Li Lei"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = quantity(app, &sh.clerk, &invoiced, 0, 2).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::CONFLICT, Some("order-invoiced")));
    }

    async fn an_edit_derives_the_payment_status_again(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 10).await;
        let mut body = api_order("p-1", &[(code, 2, "10.00")]);
        body["payment_status"] = json!("unpaid");
        body["cash_on_delivery"] = json!(true);
        let o = place(app, &sh, &body).await;
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{}/payments", s(&o, "id")), &json!({"method": "alipay", "amount": "20.00", "state": "captured"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(s(&order(app, &sh, s(&o, "id")).await, "payment_status"), "paid");
        let r = quantity(app, &sh.clerk, &o, 0, 3).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_ne!(s(&r.json(), "payment_status"), "paid", "30.00 is owed and 20.00 was paid");
        let r = quantity(app, &sh.clerk, &o, 0, 2).await;
        assert_eq!(s(&r.json(), "payment_status"), "paid");
    }

    async fn concurrent_edits_of_one_order_all_apply_in_turn(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 100).await;
        let o = place(app, &sh, &api_order("c-1", &[(code, 1, "10.00")])).await;
        let line = s(&o["lines"][0], "id").to_owned();
        let id = s(&o, "id").to_owned();
        let tasks = (2..=9).map(|q| {
            let (token, id, line) = (&sh.clerk, &id, &line);
            async move {
                let path = format!("/api/v1/orders/{id}/lines/{line}/quantity");
                call(app, Method::PUT, token, &path, &json!({"quantity": q})).await.status
            }
        });
        let statuses = futures_util::future::join_all(tasks).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "edits of one order queue up on its row: {statuses:?}");
        let now = order(app, &sh, &id).await;
        let open = now["lines"][0]["quantity"].as_i64().unwrap() - now["lines"][0]["cancelled_quantity"].as_i64().unwrap();
        assert_eq!(open_units(&now, sku), open, "the reservation matches the line: {now}");
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (100, open));
        assert_eq!(total(&now), format!("{open}0.00"), "10.00 a unit");
    }
}
