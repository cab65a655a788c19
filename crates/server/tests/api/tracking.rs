//! Shipment tracking over HTTP on both databases (docs/adr/0021): the signed carrier
//! webhook (forged, tampered and unsigned deliveries refused with nothing stored, replays
//! idempotent, unknown parcels reported), out-of-order events, orders delivered once all
//! their shipments are, carrier exceptions in the exception queue until cleared, the
//! tracking CSV import with its per-line report, and the shopper's public look-up that
//! shows nothing but the order number, status and shipments.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::access::Permission;
use omnihub_domain::fulfilment::tracking::sign;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json, urlenc};
use serde_json::Value;

use crate::catalog::call;
use crate::fixtures;
use crate::orders::{Shop, api_order, order, post_order, receive, shop};

pub const CARRIER_SECRET: &str = "carrier-secret-0123456789abcdef";

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

/// Places an order of `units` of the first SKU and ships it from every location it was
/// allocated at, one shipment each with tracking numbers `{prefix}1`, `{prefix}2`...
/// Returns the order.
pub async fn shipped_order(app: &TestApp, sh: &Shop, body: &Value, prefix: &str) -> Value {
    let r = post_order(app, sh, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let o = r.json()["order"].clone();
    let id = s(&o, "id").to_owned();
    let code = &sh.skus[0].1;
    let mut n = 0;
    for loc in [&sh.wh1, &sh.wh2] {
        let units: i64 = o["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| s(a, "location_id") == loc.as_str() && s(a, "status") == "open")
            .map(|a| a["quantity"].as_i64().unwrap())
            .sum();
        if units == 0 {
            continue;
        }
        let pack = json!({"location_id": loc, "code": code, "quantity": units});
        let r = call(
            app,
            Method::POST,
            &sh.clerk,
            &format!("/api/v1/orders/{id}/pack"),
            &pack,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        n += 1;
        let ship = json!({"location_id": loc, "carrier": "sf", "service": "standard", "tracking_number": format!("{prefix}{n}")});
        let r = call(
            app,
            Method::POST,
            &sh.clerk,
            &format!("/api/v1/orders/{id}/shipments"),
            &ship,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    order(app, sh, &id).await
}

/// A shop with an order of two units shipped in two parcels (`SF1` from WH1, `SF2` from
/// WH2), and an `sf` carrier with a webhook secret. Returns (shop, order, carrier id).
pub async fn two_parcels(app: &TestApp, code: &str) -> (Shop, Value, String) {
    let sh = shop(app, code).await;
    let sku = sh.skus[0].0.clone();
    receive(app, &sh, &sh.wh1, &sku, 1).await;
    receive(app, &sh, &sh.wh2, &sku, 1).await;
    let mut body = api_order("trk-1", &[(&sh.skus[0].1, 2, "10.00")]);
    body["customer"]["phone"] = json!("+86 138-0013-8000");
    let o = shipped_order(app, &sh, &body, "SF").await;
    assert_eq!(s(&o, "status"), "shipped", "{o}");
    let c = carrier(app, &sh, "sf").await;
    (sh, o, c)
}

pub async fn carrier(app: &TestApp, sh: &Shop, code: &str) -> String {
    let body = json!({"code": code, "name": "SF Express", "webhook_secret": CARRIER_SECRET});
    let r = call(app, Method::POST, &sh.clerk, "/api/v1/carriers", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(
        (c["has_secret"].as_bool(), s(&c, "secret_hint")),
        (Some(true), "cdef")
    );
    assert!(
        !r.text().contains(CARRIER_SECRET),
        "the secret is never shown"
    );
    s(&c, "id").to_owned()
}

pub async fn deliver(
    app: &TestApp,
    carrier: &str,
    body: &Value,
    signature: Option<&str>,
) -> TestResponse {
    let raw = body.to_string();
    let sig = signature.map_or_else(|| sign(CARRIER_SECRET, raw.as_bytes()), str::to_owned);
    let mut headers = vec![(header::CONTENT_TYPE, "application/json")];
    let name = HeaderName::from_static("x-omnihub-signature");
    if !sig.is_empty() {
        headers.push((name, sig.as_str()));
    }
    app.request(
        Method::POST,
        &format!("/api/v1/carriers/{carrier}/webhooks"),
        &headers,
        Body::from(raw),
    )
    .await
}

pub fn event(id: &str, tracking: &str, kind: &str, at: &str) -> Value {
    json!({"event_id": id, "tracking_number": tracking, "event": kind, "occurred_at": at, "location": "Shanghai hub", "description": "scanned"})
}

pub async fn shipment_by_tracking(app: &TestApp, sh: &Shop, tracking: &str) -> Value {
    let r = app
        .get_as(&sh.clerk, &format!("/api/v1/shipments?q={tracking}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id = r.json()["items"][0]["id"].as_str().unwrap().to_owned();
    app.get_as(&sh.clerk, &format!("/api/v1/shipments/{id}"))
        .await
        .json()
}

fn outcomes(r: &TestResponse) -> Vec<String> {
    r.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(e, "outcome").to_owned())
        .collect()
}

fn count(o: &Value, event: &str) -> usize {
    o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == event)
        .count()
}

both_dbs! {
    async fn carrier_webhooks_are_verified_then_applied_once(app: TestApp) {
        let (sh, o, c) = two_parcels(app, "acme").await;
        let body = json!({"events": [
            event("e1", "SF1", "in_transit", "2026-12-01T08:00:00Z"),
            event("e2", "NOPE", "delivered", "2026-12-01T08:00:00Z"),
            {"event_id": "e3", "tracking_number": "SF1", "event": "teleported", "occurred_at": "2026-12-01T08:00:00Z"}
        ]});
        let forged = sign("another-secret-0123456789", body.to_string().as_bytes());
        let tampered = sign(CARRIER_SECRET, b"{\"events\":[]}");
        for (sig, code) in [(forged.as_str(), "signature-mismatch"), (tampered.as_str(), "signature-mismatch"), ("", "signature-malformed"), ("sha256=00", "signature-malformed")] {
            deliver(app, &c, &body, Some(sig)).await.assert_problem(StatusCode::UNAUTHORIZED, code);
        }
        let before = shipment_by_tracking(app, &sh, "SF1").await;
        assert_eq!((s(&before, "status"), before["events"].as_array().unwrap().len()), ("shipped", 0), "nothing stored");
        assert!(!app.audit_actions(Some(sh.m)).await.iter().any(|a| a == "shipment.event"));

        let r = deliver(app, &c, &body, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(outcomes(&r), ["applied", "unknown_tracking_number", "invalid"]);
        assert_eq!(r.json()["events"][2]["problems"][0]["field"], "event");
        let again = deliver(app, &c, &body, None).await;
        assert_eq!(outcomes(&again), ["duplicate", "unknown_tracking_number", "invalid"], "a replay changes nothing");
        let older = json!({"events": [event("e0", "SF1", "picked_up", "2026-12-01T07:00:00Z")]});
        assert_eq!(outcomes(&deliver(app, &c, &older, None).await), ["recorded"]);

        let now = shipment_by_tracking(app, &sh, "SF1").await;
        assert_eq!(s(&now, "status"), "in_transit", "the older pick-up does not move it back");
        let kinds: Vec<&str> = now["events"].as_array().unwrap().iter().map(|e| s(e, "event")).collect();
        assert_eq!(kinds, ["picked_up", "in_transit"], "by time, each stored once");
        let detail = order(app, &sh, s(&o, "id")).await;
        assert_eq!(count(&detail, "shipment_event"), 2);
        assert_eq!(app.audit_actions(Some(sh.m)).await.iter().filter(|a| *a == "shipment.event").count(), 2);
        let list = app.get_as(&sh.clerk, "/api/v1/shipments?status=in_transit&carrier=sf").await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        app.get_as(&sh.clerk, "/api/v1/shipments?status=lost").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

        let other = shop(app, "bravo").await;
        let id = s(&now, "id");
        assert_eq!(app.get_as(&other.clerk, &format!("/api/v1/shipments/{id}")).await.status, StatusCode::NOT_FOUND);
        let r = call(app, Method::PUT, &other.clerk, &format!("/api/v1/carriers/{c}/secret"), &json!({"secret": "0123456789abcdefXYZ"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let theirs = carrier(app, &other, "sf").await;
        let r = deliver(app, &theirs, &json!({"events": [event("x1", "SF1", "delivered", "2026-12-01T09:00:00Z")]}), None).await;
        assert_eq!(outcomes(&r), ["unknown_tracking_number"], "another merchant's carrier does not reach our parcels");
        let reader = fixtures::staff_token(app, Some(sh.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        let r = call(app, Method::POST, &reader, "/api/v1/carriers", &json!({"code": "ups", "name": "UPS"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

both_dbs! {
    async fn an_order_is_delivered_once_every_shipment_is(app: TestApp) {
        let (sh, o, c) = two_parcels(app, "acme").await;
        let id = s(&o, "id");
        let first = json!({"events": [event("d1", "SF1", "delivered", "2026-12-02T10:00:00Z")]});
        assert_eq!(outcomes(&deliver(app, &c, &first, None).await), ["applied"]);
        assert_eq!(s(&order(app, &sh, id).await, "status"), "shipped", "one parcel is still out");
        let late = json!({"events": [event("d1b", "SF1", "exception", "2026-12-02T11:00:00Z")]});
        assert_eq!(outcomes(&deliver(app, &c, &late, None).await), ["recorded"], "delivered is final");
        assert_eq!(s(&shipment_by_tracking(app, &sh, "SF1").await, "status"), "delivered");
        let second = json!({"events": [event("d2", "SF2", "delivered", "2026-12-02T12:00:00Z")]});
        assert_eq!(outcomes(&deliver(app, &c, &second, None).await), ["applied"]);
        let done = order(app, &sh, id).await;
        assert_eq!((s(&done, "status"), done["queue"].clone()), ("delivered", Value::Null), "{done}");
        assert_eq!(count(&done, "delivered"), 1);
    }
}

both_dbs! {
    async fn a_carrier_exception_holds_the_order_in_the_exception_queue_until_cleared(app: TestApp) {
        let (sh, o, c) = two_parcels(app, "acme").await;
        let id = s(&o, "id");
        let clear = format!("/api/v1/orders/{id}/clear-shipment-exception");
        call(app, Method::POST, &sh.clerk, &clear, &json!({})).await.assert_problem(StatusCode::CONFLICT, "no-shipment-exception");
        let body = json!({"events": [event("x1", "SF2", "exception", "2026-12-02T10:00:00Z")]});
        assert_eq!(outcomes(&deliver(app, &c, &body, None).await), ["applied"]);
        let held = order(app, &sh, id).await;
        assert_eq!((s(&held, "status"), s(&held, "queue")), ("shipped", "exception"), "{held}");
        assert!(held["hold_reasons"].as_array().unwrap().contains(&json!("shipment_exception")));
        let queue = app.get_as(&sh.clerk, "/api/v1/orders?queue=exception").await.json();
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);

        let reader = fixtures::staff_token(app, Some(sh.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        assert_eq!(call(app, Method::POST, &reader, &clear, &json!({})).await.status, StatusCode::FORBIDDEN);
        let other = shop(app, "bravo").await;
        assert_eq!(call(app, Method::POST, &other.clerk, &clear, &json!({})).await.status, StatusCode::NOT_FOUND);
        let r = call(app, Method::POST, &sh.clerk, &clear, &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let cleared = order(app, &sh, id).await;
        assert_eq!((s(&cleared, "status"), cleared["queue"].clone()), ("shipped", Value::Null));
        assert_eq!(count(&cleared, "exception_resolved"), 1);
        assert!(app.get_as(&sh.clerk, "/api/v1/orders?queue=exception").await.json()["items"].as_array().unwrap().is_empty());
    }
}

both_dbs! {
    async fn tracking_csv_import_reports_each_line_and_stores_only_good_rows(app: TestApp) {
        let (sh, _, _) = two_parcels(app, "acme").await;
        let csv = "carrier,tracking_number,event,occurred_at,location,description,event_id\n\
            sf,SF1,out_for_delivery,2026-12-02T08:00:00Z,Pudong,On the van,\n\
            sf,SF2,exploded,2026-12-02T08:00:00Z,,,\n\
            sf,SF9,delivered,2026-12-02T08:00:00Z,,,\n\
            sf,SF2,in_transit,not-a-time,,,\n";
        let auth = format!("Bearer {}", sh.clerk);
        let send = async |body: &str, ct: &str| {
            app.request(Method::POST, "/api/v1/tracking/import", &[(header::CONTENT_TYPE, ct), (header::AUTHORIZATION, &auth)], Body::from(body.to_owned())).await
        };
        let r = send(csv, "text/csv").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let rows = r.json()["events"].as_array().unwrap().clone();
        let got: Vec<(u64, &str)> = rows.iter().map(|e| (e["position"].as_u64().unwrap(), s(e, "outcome"))).collect();
        assert_eq!(got, [(2, "applied"), (3, "invalid"), (4, "unknown_tracking_number"), (5, "invalid")]);
        assert_eq!(rows[3]["problems"][0]["field"], "occurred_at");
        assert_eq!(s(&shipment_by_tracking(app, &sh, "SF1").await, "status"), "out_for_delivery");
        let untouched = shipment_by_tracking(app, &sh, "SF2").await;
        assert_eq!((s(&untouched, "status"), untouched["events"].as_array().unwrap().len()), ("shipped", 0));
        let again = send(csv, "text/csv").await.json();
        assert_eq!(again["events"][0]["outcome"], "duplicate", "the same file twice changes nothing");
        assert_eq!(send(csv, "application/json").await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        send("a,b\n1,2\n", "text/csv").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
}

both_dbs! {
    async fn shoppers_see_their_parcels_with_the_order_number_and_contact_only(app: TestApp) {
        let (sh, o, c) = two_parcels(app, "acme").await;
        let body = json!({"events": [event("t1", "SF1", "in_transit", "2026-12-02T08:00:00Z")]});
        deliver(app, &c, &body, None).await;
        let number = s(&o, "number");
        let track = async |contact: &str| app.get(&format!("/api/v1/track?order={}&contact={}", urlenc(number), urlenc(contact))).await;

        let r = track("TRK-1@Buyer.Test").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let t = r.json();
        let mut keys: Vec<&String> = t.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["order", "shipments", "status"]);
        assert_eq!((s(&t, "order"), s(&t, "status")), (number, "shipped"));
        let parcel = &t["shipments"][0];
        let mut keys: Vec<&String> = parcel.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["carrier", "events", "service", "status", "tracking_number"]);
        assert_eq!((s(parcel, "tracking_number"), s(parcel, "status")), ("SF1", "in_transit"));
        assert_eq!(parcel["events"][0].as_object().unwrap().len(), 4, "kind, time, location, description");
        let text = r.text();
        for secret in ["Buyer", "上海", "世纪大道", "20.00", s(&o, "id"), "trk-1@buyer.test", "8000", &sh.m.to_string()] {
            assert!(!text.contains(secret), "{secret} must not show: {text}");
        }
        assert_eq!(track("13800138000").await.status, StatusCode::OK, "the phone without its country code");
        assert_eq!(track("+86 (138) 0013 8000").await.status, StatusCode::OK);

        let wrong = track("someone@else.test").await;
        let wrong_phone = track("13900000000").await;
        let unknown = app.get("/api/v1/track?order=NOPE-1&contact=trk-1%40buyer.test").await;
        let empty = app.get("/api/v1/track").await;
        for r in [&wrong, &wrong_phone, &unknown, &empty] {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
            let (mut a, mut b) = (r.json(), wrong.json());
            a["request_id"] = Value::Null;
            b["request_id"] = Value::Null;
            assert_eq!(a, b, "every miss looks the same");
        }
        let mut limited = None;
        for i in 0..30 {
            let r = track(&format!("guess{i}@else.test")).await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(r);
                break;
            }
        }
        let limited = limited.expect("misses are throttled per client");
        assert!(limited.header("retry-after").is_some());
        assert_eq!(track("trk-1@buyer.test").await.status, StatusCode::TOO_MANY_REQUESTS, "a locked client waits");
    }
}
