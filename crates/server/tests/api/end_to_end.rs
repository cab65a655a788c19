//! One order's whole life over HTTP on both databases (issue 7's acceptance): a signed
//! Shopify webhook, held by review, paid (and so invoiced automatically), approved and
//! allocated, picked in a wave, packed by scan, shipped, tracked by the carrier's signed
//! webhook to delivered, and the shopper's tracking look-up. The stock ledger check (`omnihub check`) runs after it.

use axum::http::{Method, StatusCode};
use omnihub_domain::channels::{OrderTopic, demo};
use omnihub_testkit::{both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::orders::{SECRET, action, deliver, demo_order, level, order, receive, shop};
use crate::tracking::{carrier, deliver as track, event};

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

both_dbs! {
    async fn a_shopify_order_is_reviewed_paid_picked_packed_shipped_and_delivered(app: TestApp) {
        let sh = shop(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 10).await;
        let key = format!("/api/v1/merchants/{}/settings/invoices.auto_issue", sh.m);
        let r = app.send_json(Method::PUT, &key, Some(&sh.owner), &json!({"value": true})).await;
        assert!(r.status.is_success(), "{}", r.text());
        let mut settings = app.get_as(&sh.clerk, "/api/v1/orders/settings").await.json();
        settings["amount_thresholds"] = json!([{"currency": "CNY", "amount": "50.00"}]);
        let r = call(app, Method::PUT, &sh.clerk, "/api/v1/orders/settings", &settings).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // The channel sends the order: held for review (over 50.00), nothing reserved.
        let o = demo_order("e2e-1", &[(code, 3, "25.00")], false);
        let d = demo::shopify_delivery(SECRET, OrderTopic::Created, &o);
        let r = deliver(app, &sh.shopify, "shopify", &d).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["order_id"].as_str().unwrap().to_owned();
        let held = order(app, &sh, &id).await;
        assert_eq!((s(&held, "status"), s(&held, "queue")), ("on_hold", "review"), "{held}");
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (10, 0));

        // Paid in full: paid, and invoiced at once.
        let total = held["total"]["amount"].as_str().unwrap().to_owned();
        let body = json!({"method": "alipay", "amount": total, "state": "captured"});
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/payments"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(s(&order(app, &sh, &id).await, "payment_status"), "paid");
        let invoices = app.get_as(&sh.clerk, &format!("/api/v1/orders/{id}/invoices")).await.json();
        assert_eq!(invoices["items"].as_array().map(Vec::len), Some(1), "{invoices}");

        // Approved: allocated at WH1.
        let r = action(app, &sh, &id, "approve", &json!({})).await;
        assert_eq!((r.status, s(&r.json(), "status")), (StatusCode::OK, "allocated"), "{}", r.text());
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (10, 3));

        // Picked in a wave, packed by scanning, shipped.
        let r = call(app, Method::POST, &sh.clerk, "/api/v1/fulfilment/waves", &json!({"location_id": sh.wh1})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let wave = r.json();
        assert_eq!(wave["pick_list"][0]["quantity"], 3, "{wave}");
        for _ in 0..3 {
            let scan = json!({"location_id": sh.wh1, "code": code});
            let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/pack"), &scan).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
        let ship = json!({"location_id": sh.wh1, "carrier": "sf", "service": "standard", "tracking_number": "SF-E2E-1", "packages": 1});
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{id}/shipments"), &ship).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(level(app, &sh, sku, &sh.wh1).await, (7, 0), "the shipment took the stock out");
        assert_eq!(s(&order(app, &sh, &id).await, "status"), "shipped");
        let ledger = app.get_as(&sh.clerk, &format!("/api/v1/inventory/movements?sku_id={sku}&reason=shipment")).await;
        assert_eq!(ledger.json()["items"].as_array().map(Vec::len), Some(1));

        // The carrier reports through its signed webhook: in transit, then delivered.
        let c = carrier(app, &sh, "sf").await;
        let body = json!({"events": [
            event("ev-1", "SF-E2E-1", "picked_up", "2026-12-01T09:00:00Z"),
            event("ev-2", "SF-E2E-1", "in_transit", "2026-12-01T18:00:00Z"),
        ]});
        let r = track(app, &c, &body, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(s(&order(app, &sh, &id).await, "status"), "shipped");
        let body = json!({"events": [event("ev-3", "SF-E2E-1", "delivered", "2026-12-02T10:00:00Z")]});
        assert_eq!(track(app, &c, &body, None).await.status, StatusCode::OK);
        let done = order(app, &sh, &id).await;
        assert_eq!((s(&done, "status"), s(&done, "payment_status"), s(&done, "fulfilment_status")), ("delivered", "paid", "fulfilled"), "{done}");
        let events: Vec<&str> = done["timeline"].as_array().unwrap().iter().map(|e| s(e, "event")).collect();
        for wanted in ["received", "held", "payment_changed", "released", "allocated", "shipped", "shipment_event"] {
            assert!(events.contains(&wanted), "{wanted} missing from {events:?}");
        }
        let number = s(&done, "number");
        let email = s(&done, "customer_email").replace('@', "%40");
        let r = app.get(&format!("/api/v1/track?order={number}&contact={email}")).await;
        assert_eq!((r.status, s(&r.json(), "status")), (StatusCode::OK, "delivered"), "{}", r.text());
    }
}
