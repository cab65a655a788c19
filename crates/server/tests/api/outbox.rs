//! The channel push-back outbox over HTTP on both databases: a shipment of a pushing
//! channel's order queues exactly one fulfilment event in its own transaction (a refused
//! shipment none), a staff cancellation one cancellation event and the channel's own
//! cancellation none; the worker delivers to an in-process receiver with the platform's
//! path, authentication and body, retries a 500 after the backoff (the fixed clock moved
//! on, no sleeping), gives up at once on a 404, and a staff retry delivers a dead event;
//! two workers at once deliver each event once; tenancy and permissions; the console page
//! lists dead events and retries one in place (htmx). `omnihub check`
//! (including `outbox.events`) runs after every test.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, Uri, header};
use jiff::SignedDuration;
use omnihub_app::outbox::RelaySettings;
use omnihub_domain::channels::OrderTopic;
use omnihub_domain::channels::demo;
use omnihub_jobs::outbox::{HttpPusher, RunStats, run_once};
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::orders::{
    SECRET, Shop, action, api_order, deliver, demo_order, post_order, receive, shop,
};

/// One request the receiver saw.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Value,
}

/// A mock channel endpoint on 127.0.0.1: records every request and answers with the
/// scripted statuses in turn (200 once the script is used up).
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start(script: &[u16]) -> (Self, String) {
        let r = Self::default();
        r.script.lock().unwrap().extend(script);
        let state = r.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let path = uri.path().to_owned();
                    state.seen.lock().unwrap().push(Seen {
                        method,
                        path,
                        headers,
                        body,
                    });
                    let code = state.script.lock().unwrap().pop_front().unwrap_or(200);
                    StatusCode::from_u16(code).unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}"))
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn settings() -> RelaySettings {
    RelaySettings {
        batch: 10,
        ..RelaySettings::default()
    }
}

async fn relay(app: &TestApp) -> RunStats {
    let pusher = HttpPusher::new(Duration::from_secs(10)).unwrap();
    run_once(&app.app, &settings(), &pusher).await.unwrap()
}

/// Points a channel at `url` and gives it an API token.
async fn point(app: &TestApp, sh: &Shop, channel: &str, url: &str, token: &str) {
    let path = format!("/api/v1/channels/{channel}");
    let r = call(
        app,
        Method::PATCH,
        &sh.owner,
        &path,
        &json!({"base_url": url}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = call(
        app,
        Method::POST,
        &sh.owner,
        &format!("{path}/credentials"),
        &json!({"api_token": token}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get_as(token, &format!("/api/v1/outbox?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

/// A paid Shopify order of 2 units of the first SKU, allocated at WH1; returns its id.
async fn shopify_order(app: &TestApp, sh: &Shop, external: &str) -> String {
    let o = demo_order(external, &[(&sh.skus[0].1, 2, "25.00")], true);
    let r = deliver(
        app,
        &sh.shopify,
        "shopify",
        &demo::shopify_delivery(SECRET, OrderTopic::Created, &o),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order_id"].as_str().unwrap().to_owned()
}

async fn pack_and_ship(app: &TestApp, sh: &Shop, id: &str, tracking: &str) -> (StatusCode, Value) {
    let pack = json!({"location_id": sh.wh1, "code": sh.skus[0].1, "quantity": 2});
    let r = call(
        app,
        Method::POST,
        &sh.clerk,
        &format!("/api/v1/orders/{id}/pack"),
        &pack,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    ship(app, sh, id, tracking).await
}

async fn ship(app: &TestApp, sh: &Shop, id: &str, tracking: &str) -> (StatusCode, Value) {
    let body =
        json!({"location_id": sh.wh1, "carrier": "sf", "tracking_number": tracking, "packages": 1});
    let r = call(
        app,
        Method::POST,
        &sh.clerk,
        &format!("/api/v1/orders/{id}/shipments"),
        &body,
    )
    .await;
    (r.status, r.json())
}

both_dbs! {
    async fn a_shipment_of_a_pushing_channel_queues_exactly_one_fulfilment_event(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 10).await;
        point(app, &sh, &sh.shopify, "http://127.0.0.1:9", "shpat_0123456789abcdef").await;
        let id = shopify_order(app, &sh, "820982911946154508").await;

        // Arrange a refusal first: nothing is packed, so the shipment is refused.
        let (status, _) = ship(app, &sh, &id, "SF1").await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(events(app, &sh.clerk, "").await.is_empty(), "a refused shipment queues nothing");

        // Act
        let (status, shipment) = pack_and_ship(app, &sh, &id, "SF1").await;
        assert_eq!(status, StatusCode::CREATED, "{shipment}");

        // Assert
        let all = events(app, &sh.clerk, "").await;
        assert_eq!(all.len(), 1, "{all:?}");
        let e = &all[0];
        assert_eq!((e["kind"].as_str(), e["status"].as_str(), e["attempts"].as_i64()), (Some("fulfilment"), Some("pending"), Some(0)));
        assert_eq!((e["order_id"].as_str(), e["subject_id"].as_str()), (Some(id.as_str()), shipment["id"].as_str()));
        assert_eq!(e["channel_id"], sh.shopify.as_str());
        assert_eq!(e["request"]["method"], "POST");
        assert_eq!(e["request"]["path"], "/admin/api/2024-10/orders/820982911946154508/fulfillments.json");
        let f = &e["request"]["body"]["fulfillment"];
        assert_eq!((f["tracking_number"].as_str(), f["tracking_company"].as_str()), (Some("SF1"), Some("sf")));
        let items = f["line_items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{f}");
        assert_eq!(items[0]["quantity"], 2);
        assert!(!items[0]["id"].is_null(), "the channel's own line id: {f}");
        let one = app.get_as(&sh.clerk, &format!("/api/v1/outbox/{}", e["id"].as_str().unwrap())).await;
        assert_eq!((one.status, one.json()["id"].clone()), (StatusCode::OK, e["id"].clone()));
        assert_eq!(events(app, &sh.clerk, &format!("channel_id={}", sh.api)).await.len(), 0);

        // A channel without a base URL (our API channel here) gets no events.
        let r = post_order(app, &sh, &api_order("api-1", &[(&sh.skus[0].1, 2, "10.00")]), None).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let api_id = r.json()["order"]["id"].as_str().unwrap().to_owned();
        assert_eq!(pack_and_ship(app, &sh, &api_id, "SF2").await.0, StatusCode::CREATED);
        assert_eq!(events(app, &sh.clerk, "").await.len(), 1, "no event for a channel we cannot reach");
        let doc = app.get("/api/v1/openapi.json").await.json();
        for path in ["/api/v1/outbox", "/api/v1/outbox/{event_id}"] {
            assert_eq!(doc["paths"][path]["get"]["tags"], json!(["outbox"]), "{path}");
        }
        assert_eq!(doc["paths"]["/api/v1/outbox/{event_id}/retry"]["post"]["tags"], json!(["outbox"]));
    }

    async fn staff_cancellations_are_pushed_and_the_channels_own_are_not(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 10).await;
        point(app, &sh, &sh.shopify, "http://127.0.0.1:9", "shpat_0123456789abcdef").await;
        let by_staff = shopify_order(app, &sh, "1001").await;
        let r = action(app, &sh, &by_staff, "cancel", &json!({"reason": "customer asked"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        let o = demo_order("1002", &[(&sh.skus[0].1, 2, "25.00")], true);
        let r = deliver(app, &sh.shopify, "shopify", &demo::shopify_delivery(SECRET, OrderTopic::Created, &o)).await;
        let by_channel = r.json()["order_id"].as_str().unwrap().to_owned();
        let r = deliver(app, &sh.shopify, "shopify", &demo::shopify_delivery(SECRET, OrderTopic::Cancelled, &o)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let status = app.get_as(&sh.clerk, &format!("/api/v1/orders/{by_channel}")).await.json()["status"].clone();
        assert_eq!(status, "cancelled");

        let all = events(app, &sh.clerk, "").await;
        assert_eq!(all.len(), 1, "only the staff cancellation: {all:?}");
        assert_eq!((all[0]["kind"].as_str(), all[0]["order_id"].as_str(), all[0]["subject_id"].as_str()),
            (Some("cancellation"), Some(by_staff.as_str()), Some(by_staff.as_str())));
        assert_eq!(all[0]["request"]["path"], "/admin/api/2024-10/orders/1001/cancel.json");
    }

    async fn the_worker_delivers_with_the_platforms_path_auth_and_body_and_retries_a_500(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 10).await;
        let (rx, url) = Receiver::start(&[500]).await;
        point(app, &sh, &sh.shopify, &url, "shpat_0123456789abcdef").await;
        point(app, &sh, &sh.woo, &url, "ck_0123456789:cs_abcdefghij").await;
        let id = shopify_order(app, &sh, "820982911946154508").await;
        assert_eq!(pack_and_ship(app, &sh, &id, "SF9").await.0, StatusCode::CREATED);

        let first = relay(app).await;
        assert_eq!((first.sent, first.retrying), (1, 1), "{first:?}");
        let e = events(app, &sh.clerk, "").await.remove(0);
        assert_eq!((e["status"].as_str(), e["attempts"].as_i64(), e["last_status"].as_i64()), (Some("pending"), Some(1), Some(500)), "{e}");
        assert_eq!(relay(app).await.sent, 0, "not due again before the backoff");
        app.clock.advance(SignedDuration::from_secs(38)); // 30 s plus at most 25 % jitter
        assert_eq!(relay(app).await.delivered, 1);

        let seen = rx.seen();
        assert_eq!(seen.len(), 2, "one failed attempt, one success");
        let s = &seen[1];
        assert_eq!((s.method.clone(), s.path.as_str()), (Method::POST, "/admin/api/2024-10/orders/820982911946154508/fulfillments.json"));
        assert_eq!(s.headers["x-shopify-access-token"], "shpat_0123456789abcdef");
        assert_eq!(s.headers["x-omnihub-event-id"], e["id"].as_str().unwrap());
        assert_eq!(seen[0].headers["x-omnihub-event-id"], seen[1].headers["x-omnihub-event-id"], "a retry is the same event");
        assert_eq!(s.body["fulfillment"]["tracking_number"], "SF9");
        let done = events(app, &sh.clerk, "status=delivered").await;
        assert_eq!((done.len(), done[0]["attempts"].as_i64()), (1, Some(2)));
        assert!(done[0]["delivered_at"].is_string());

        // WooCommerce: a staff cancellation is a PUT of the order with REST keys as Basic auth.
        let o = demo_order("727", &[(&sh.skus[0].1, 1, "25.00")], true);
        let r = deliver(app, &sh.woo, "woocommerce", &demo::woocommerce_delivery(SECRET, OrderTopic::Created, &o)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let woo = r.json()["order_id"].as_str().unwrap().to_owned();
        assert_eq!(action(app, &sh, &woo, "cancel", &json!({})).await.status, StatusCode::OK);
        assert_eq!(relay(app).await.delivered, 1);
        let s = rx.seen().pop().unwrap();
        assert_eq!((s.method, s.path.as_str()), (Method::PUT, "/wp-json/wc/v3/orders/727"));
        assert_eq!(s.body, json!({"status": "cancelled"}));
        assert_eq!(s.headers["authorization"], "Basic Y2tfMDEyMzQ1Njc4OTpjc19hYmNkZWZnaGlq");
    }

    async fn a_refusal_is_dead_at_once_and_a_staff_retry_delivers_it(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 10).await;
        let (rx, url) = Receiver::start(&[404]).await;
        point(app, &sh, &sh.shopify, &url, "shpat_0123456789abcdef").await;
        let id = shopify_order(app, &sh, "2001").await;
        assert_eq!(action(app, &sh, &id, "cancel", &json!({})).await.status, StatusCode::OK);

        assert_eq!(relay(app).await.dead, 1, "a 404 is not retried");
        let dead = events(app, &sh.clerk, "status=dead").await;
        assert_eq!((dead.len(), dead[0]["last_status"].as_i64()), (1, Some(404)));
        let event = dead[0]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/outbox/{event}/retry");
        app.clock.advance(SignedDuration::from_hours(1));
        assert_eq!(relay(app).await.sent, 0, "a dead event stays dead");

        let r = call(app, Method::POST, &sh.clerk, &path, &json!({})).await;
        r.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let other = crate::orders::shop(app, "rival").await;
        assert_eq!(app.get_as(&other.owner, &format!("/api/v1/outbox/{event}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(call(app, Method::POST, &other.owner, &path, &json!({})).await.status, StatusCode::NOT_FOUND);
        assert!(events(app, &other.owner, "").await.is_empty(), "another merchant's events are not listed");

        let r = call(app, Method::POST, &sh.owner, &path, &json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!((r.json()["status"].as_str(), r.json()["attempts"].as_i64()), (Some("pending"), Some(0)));
        assert_eq!(relay(app).await.delivered, 1);
        assert_eq!(rx.seen().len(), 2);
        let r = call(app, Method::POST, &sh.owner, &path, &json!({})).await;
        r.assert_problem(StatusCode::CONFLICT, "outbox-not-dead");
        assert!(app.audit_actions(Some(sh.m)).await.contains(&"outbox.retry".to_owned()));
    }

    async fn two_workers_at_once_deliver_every_event_exactly_once(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 100).await;
        let (rx, url) = Receiver::start(&[]).await;
        point(app, &sh, &sh.api, &url, "api-token-0123456789").await;
        for i in 0..12 {
            let r = post_order(app, &sh, &api_order(&format!("c-{i}"), &[(&sh.skus[0].1, 1, "10.00")]), None).await;
            let id = r.json()["order"]["id"].as_str().unwrap().to_owned();
            assert_eq!(action(app, &sh, &id, "cancel", &json!({})).await.status, StatusCode::OK);
        }
        assert_eq!(events(app, &sh.clerk, "status=pending").await.len(), 12);

        let small = RelaySettings { batch: 2, ..RelaySettings::default() };
        let worker = async || {
            let pusher = HttpPusher::new(Duration::from_secs(10)).unwrap();
            let mut sent = 0;
            loop {
                let s = run_once(&app.app, &small, &pusher).await.unwrap();
                if s.sent == 0 { return sent; }
                sent += s.sent;
            }
        };
        let (a, b) = tokio::join!(worker(), worker());
        assert_eq!(a + b, 12, "{a} + {b}");

        let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
        for s in rx.seen() {
            assert_eq!((s.method.clone(), s.path.as_str()), (Method::POST, "/"), "our own platform posts to the base URL");
            assert_eq!(s.headers["authorization"], "Bearer api-token-0123456789");
            *per_event.entry(s.headers["x-omnihub-event-id"].to_str().unwrap().to_owned()).or_default() += 1;
        }
        assert_eq!(per_event.len(), 12);
        assert!(per_event.values().all(|n| *n == 1), "{per_event:?}");
        assert_eq!(events(app, &sh.clerk, "status=delivered").await.len(), 12);
    }

    async fn the_console_lists_dead_events_and_retries_one_in_place(app: TestApp) {
        let sh = shop(app, "acme").await;
        receive(app, &sh, &sh.wh1, &sh.skus[0].0, 10).await;
        let (_rx, url) = Receiver::start(&[422]).await;
        point(app, &sh, &sh.shopify, &url, "shpat_0123456789abcdef").await;
        let id = shopify_order(app, &sh, "3001").await;
        assert_eq!(action(app, &sh, &id, "cancel", &json!({})).await.status, StatusCode::OK);
        assert_eq!(relay(app).await.dead, 1);
        let event = events(app, &sh.clerk, "").await[0]["id"].as_str().unwrap().to_owned();
        app.custom_role(sh.m, "outbox_keeper", &["channels.read", "channels.manage"]).await;
        app.staff_user(Some(sh.m), "keeper@acme.test", &["outbox_keeper"]).await;
        let s = app.console_login_as("keeper@acme.test", TestApp::STAFF_PASSWORD).await;

        let page = app.console_get(&s, "/admin/outbox?status=dead").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("渠道回传队列"), "Chinese by default");
        assert!(html.contains(&format!("data-event=\"{event}\" data-status=\"dead\"")), "{html}");
        assert!(html.contains("HTTP 422") && html.contains(&format!("data-testid=\"retry-{event}\"")));
        let pending = app.console_get(&s, "/admin/outbox?status=pending").await.text();
        assert!(!pending.contains(&event), "the filter applies");

        let body = format!("csrf_token={}", s.csrf);
        let headers = [
            (header::COOKIE, s.cookie.as_str()),
            (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            (HeaderName::from_static("hx-request"), "true"),
        ];
        let r = app.request(Method::POST, &format!("/admin/outbox/{event}/retry"), &headers, Body::from(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let row = r.text();
        assert!(row.trim_start().starts_with("<tr") && row.contains("data-status=\"pending\""), "{row}");
        assert!(!row.contains("retry-"), "no retry button on a pending event");
        assert_eq!(relay(app).await.delivered, 1);
    }
}
