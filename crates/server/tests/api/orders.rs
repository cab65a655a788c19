//! Order intake, review, allocation and cancellation over HTTP on both databases: our own
//! format with `Idempotency-Key`, Shopify and WooCommerce webhooks (signatures over the
//! raw body, replays, forged deliveries, unmappable payloads, 100 concurrent deliveries of
//! one order), CSV import, the review and exception queues, split allocation, and
//! cancellation returning stock. `omnihub check` runs after every test (the harness), so
//! reservations always agree with allocations and the ledger.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::access::Permission;
use omnihub_domain::channels::OrderTopic;
use omnihub_domain::channels::demo::{self, DemoLine, DemoOrder};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::Currency;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::channels::{channel, world};
use crate::fixtures;

pub const SECRET: &str = "whsec-test-0123456789abcdefghijklmnop";

/// What an order clerk holds in these tests.
const CLERK: [Permission; 6] = [
    Permission::OrdersRead,
    Permission::OrdersManage,
    Permission::InventoryRead,
    Permission::InventoryAdjust,
    Permission::SettingsManage,
    Permission::ChannelsRead,
];

/// A merchant with listed SKUs, two warehouses, a clerk, and an API, a Shopify and a
/// WooCommerce channel linked to both warehouses (WH1 first).
pub struct Shop {
    pub m: MerchantId,
    pub clerk: String,
    pub owner: String,
    pub skus: Vec<(String, String)>,
    pub wh1: String,
    pub wh2: String,
    pub api: String,
    pub shopify: String,
    pub woo: String,
}

pub async fn shop(app: &TestApp, code: &str) -> Shop {
    let w = world(app, code).await;
    let clerk = fixtures::staff_token(app, Some(w.m), &format!("clerk@{code}.test"), &CLERK).await;
    let links =
        json!([{"location_id": w.wh1, "priority": 1}, {"location_id": w.wh2, "priority": 2}]);
    let make = async |code: &str, extra: Value| {
        let mut body = json!({"code": code, "name": code, "kind": "own_store", "locations": links, "webhook_secret": SECRET});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        channel(app, &w.owner, &body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let api = make("api", json!({"platform": "api"})).await;
    let shopify = make(
        "shopify",
        json!({"platform": "shopify", "kind": "marketplace", "shop_domain": "acme.myshopify.com"}),
    )
    .await;
    let woo = make(
        "woo",
        json!({"platform": "woocommerce", "base_url": "https://shop.example.com"}),
    )
    .await;
    Shop {
        m: w.m,
        clerk,
        owner: w.owner,
        skus: w.skus,
        wh1: w.wh1,
        wh2: w.wh2,
        api,
        shopify,
        woo,
    }
}

pub async fn receive(app: &TestApp, s: &Shop, loc: &str, sku: &str, q: i64) {
    let body =
        json!({"location_id": loc, "lines": [{"sku_id": sku, "quantity": q}], "reference": "PO-1"});
    let r = call(
        app,
        Method::POST,
        &s.clerk,
        "/api/v1/inventory/receipts",
        &body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// (on_hand, reserved) of a level.
pub async fn level(app: &TestApp, s: &Shop, sku: &str, loc: &str) -> (i64, i64) {
    let r = app
        .get_as(&s.clerk, &format!("/api/v1/inventory/levels/{sku}/{loc}"))
        .await;
    if r.status == StatusCode::NOT_FOUND {
        return (0, 0);
    }
    let l = r.json();
    (
        l["on_hand"].as_i64().unwrap(),
        l["reserved"].as_i64().unwrap(),
    )
}

/// A paid order of our own format with a complete address.
pub fn api_order(external_id: &str, lines: &[(&str, i64, &str)]) -> Value {
    let cents: i64 = lines
        .iter()
        .map(|(_, q, price)| q * price.replace('.', "").parse::<i64>().unwrap())
        .sum();
    let lines: Vec<Value> = lines
        .iter()
        .map(|(sku, q, price)| json!({"sku": sku, "quantity": q, "unit_price": price}))
        .collect();
    json!({
        "total": format!("{}.{:02}", cents / 100, cents % 100),
        "external_id": external_id, "currency": "CNY", "placed_at": "2026-11-30T10:00:00Z",
        "payment_status": "paid",
        "customer": {"email": format!("{external_id}@buyer.test"), "name": "Buyer"},
        "shipping_address": {"name": "Buyer", "country": "CN", "province": "上海市", "city": "上海市",
            "postcode": "200000", "lines": ["世纪大道 100 号"]},
        "lines": lines
    })
}

pub async fn post_order(app: &TestApp, s: &Shop, body: &Value, key: Option<&str>) -> TestResponse {
    let auth = format!("Bearer {}", s.clerk);
    let mut headers = vec![
        (header::CONTENT_TYPE, "application/json"),
        (header::AUTHORIZATION, auth.as_str()),
    ];
    if let Some(k) = key {
        headers.push((HeaderName::from_static("idempotency-key"), k));
    }
    let path = format!("/api/v1/orders?channel_id={}", s.api);
    app.request(Method::POST, &path, &headers, Body::from(body.to_string()))
        .await
}

/// A demo order of `lines` (SKU code, quantity, unit price) in CNY.
pub fn demo_order(external_id: &str, lines: &[(&str, u32, &str)], paid: bool) -> DemoOrder {
    let start = "2026-11-30T10:00:00Z".parse().unwrap();
    let mut o = demo::demo_order(
        7,
        1,
        &[lines[0].0.to_owned()],
        Currency::parse("CNY").unwrap(),
        start,
    );
    o.external_id = external_id.to_owned();
    o.lines = lines
        .iter()
        .map(|(sku, quantity, price)| DemoLine {
            sku: (*sku).to_owned(),
            quantity: *quantity,
            unit_price: (*price).to_owned(),
        })
        .collect();
    o.paid = paid;
    o
}

/// Sends a signed delivery to a channel's webhook URL.
pub async fn deliver(app: &TestApp, channel: &str, kind: &str, d: &demo::Delivery) -> TestResponse {
    let headers: Vec<(HeaderName, &str)> = d
        .headers()
        .map(|(n, v)| {
            (
                HeaderName::from_bytes(n.to_ascii_lowercase().as_bytes()).unwrap(),
                v,
            )
        })
        .collect();
    let path = format!("/api/v1/channels/{channel}/webhooks/{kind}");
    app.request(Method::POST, &path, &headers, Body::from(d.body.clone()))
        .await
}

pub async fn order(app: &TestApp, s: &Shop, id: &str) -> Value {
    let r = app.get_as(&s.clerk, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

pub async fn orders(app: &TestApp, s: &Shop, query: &str) -> Vec<Value> {
    let r = app
        .get_as(&s.clerk, &format!("/api/v1/orders?{query}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

pub async fn action(app: &TestApp, s: &Shop, id: &str, what: &str, body: &Value) -> TestResponse {
    call(
        app,
        Method::POST,
        &s.clerk,
        &format!("/api/v1/orders/{id}/{what}"),
        body,
    )
    .await
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

both_dbs! {
    async fn api_orders_are_reviewed_allocated_and_taken_once(app: TestApp) {
        let s = shop(app, "acme").await;
        let (sku, code) = (&s.skus[0].0, &s.skus[0].1);
        receive(app, &s, &s.wh1, sku, 10).await;
        let body = api_order("web-1", &[(code, 2, "99.00")]);
        let r = post_order(app, &s, &body, Some("key-1")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let first = r.json();
        let o = &first["order"];
        assert_eq!((str_of(&first, "outcome"), str_of(o, "status"), str_of(o, "payment_status")), ("created", "allocated", "paid"));
        assert!(str_of(o, "number").starts_with("SO-"), "{o}");
        assert_eq!(o["total"], json!({"amount": "198.00", "currency": "CNY"}));
        assert_eq!(o["allocations"].as_array().unwrap().len(), 1);
        assert_eq!(str_of(&o["allocations"][0], "location_id"), s.wh1);
        let events: Vec<&str> = o["timeline"].as_array().unwrap().iter().map(|e| str_of(e, "event")).collect();
        assert_eq!(events, ["received", "review_passed", "allocated"]);
        assert_eq!(level(app, &s, sku, &s.wh1).await, (10, 2));

        let replay = post_order(app, &s, &body, Some("key-1")).await;
        assert_eq!(replay.status, StatusCode::CREATED);
        assert_eq!(replay.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
        assert_eq!(replay.json(), first, "the same key replays the same bytes");
        let again = post_order(app, &s, &body, None).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
        assert_eq!(str_of(&again.json(), "outcome"), "duplicate");
        assert_eq!(str_of(&again.json()["order"], "id"), str_of(o, "id"));
        assert_eq!(orders(app, &s, "").await.len(), 1, "one order, whatever the retries");
        assert_eq!(level(app, &s, sku, &s.wh1).await, (10, 2), "and stock reserved once");

        let mut bad = api_order("web-2", &[(code, 1, "9.999")]);
        let r = post_order(app, &s, &bad, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["errors"][0]["field"], "lines[0].unit_price");
        bad["currency"] = json!("XXX");
        let r = post_order(app, &s, &bad, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad["shiping"] = json!("1.00");
        let r = post_order(app, &s, &bad, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused");
        assert_eq!(orders(app, &s, "").await.len(), 1, "refused bodies store nothing");

        let unknown = post_order(app, &s, &api_order("web-3", &[("NO-SUCH-SKU", 1, "5.00")]), None).await;
        assert_eq!(unknown.status, StatusCode::CREATED, "{}", unknown.text());
        let u = &unknown.json()["order"];
        assert_eq!((str_of(u, "status"), str_of(u, "queue")), ("on_hold", "exception"));
        assert_eq!(u["hold_reasons"], json!(["unknown_sku"]));
        assert_eq!(u["problems"][0]["code"], "unknown_sku");
        assert!(u["lines"][0]["sku_id"].is_null());
        let exceptions = orders(app, &s, "queue=exception").await;
        assert_eq!(exceptions.len(), 1);
        let found = orders(app, &s, &format!("q={}", str_of(o, "number"))).await;
        assert_eq!(found.len(), 1, "search by number");
        let lower = orders(app, &s, &format!("q={}", str_of(o, "number").to_lowercase())).await;
        assert_eq!(lower.len(), 1, "the number in any case");
        assert_eq!(orders(app, &s, "q=web-3@buyer").await.len(), 1, "search by customer e-mail");
        assert_eq!(orders(app, &s, "q=web-1").await.len(), 1, "search by external id");
        let r = app.get_as(&s.clerk, "/api/v1/orders?status=lost").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn shopify_webhooks_are_verified_deduplicated_and_never_lost(app: TestApp) {
        let s = shop(app, "acme").await;
        let (sku, code) = (&s.skus[0].0, &s.skus[0].1);
        receive(app, &s, &s.wh1, sku, 5).await;
        let o = demo_order("820982911946154508", &[(code, 2, "25.00")], true);
        let d = demo::shopify_delivery(SECRET, OrderTopic::Created, &o);
        let r = deliver(app, &s.shopify, "shopify", &d).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = str_of(&r.json(), "order_id").to_owned();
        assert_eq!(str_of(&r.json(), "outcome"), "created");
        let replay = deliver(app, &s.shopify, "shopify", &d).await;
        assert_eq!(replay.status, StatusCode::OK);
        assert_eq!((str_of(&replay.json(), "outcome"), str_of(&replay.json(), "order_id")), ("duplicate", id.as_str()));
        let detail = order(app, &s, &id).await;
        assert_eq!((str_of(&detail, "status"), str_of(&detail, "source")), ("allocated", "shopify"));
        assert!(detail["timeline"].as_array().unwrap().iter().all(|e| e["actor"] == format!("channel:{}", s.shopify)));

        let audit_before = app.get_as(&s.owner, "/api/v1/audit?limit=500").await.text().len();
        let forged = demo::shopify_delivery("not-the-secret-0123456789abcdefgh", OrderTopic::Created, &demo_order("forged-1", &[(code, 1, "1.00")], true));
        let r = deliver(app, &s.shopify, "shopify", &forged).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
        assert_eq!(r.json()["code"], "signature-mismatch");
        let mut tampered = demo::shopify_delivery(SECRET, OrderTopic::Created, &demo_order("forged-2", &[(code, 1, "1.00")], true));
        tampered.body.extend_from_slice(b" ");
        assert_eq!(deliver(app, &s.shopify, "shopify", &tampered).await.status, StatusCode::UNAUTHORIZED, "a byte changed after signing");
        let mut unsigned = demo::shopify_delivery(SECRET, OrderTopic::Created, &demo_order("forged-3", &[(code, 1, "1.00")], true));
        unsigned.signature.value = String::new();
        let r = deliver(app, &s.shopify, "shopify", &unsigned).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("signature-malformed")));
        assert_eq!(orders(app, &s, "").await.len(), 1, "forged deliveries store nothing");
        let audit_after = app.get_as(&s.owner, "/api/v1/audit?limit=500").await.text().len();
        assert_eq!(audit_before, audit_after, "nor leave an audit trace");
        let r = deliver(app, &s.shopify, "woocommerce", &d).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "the kind must be the channel's platform");
        let r = deliver(app, &uuid::Uuid::new_v4().to_string(), "shopify", &d).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let unknown = demo::shopify_delivery(SECRET, OrderTopic::Created, &demo_order("77", &[("GHOST-1", 1, "3.00")], true));
        let r = deliver(app, &s.shopify, "shopify", &unknown).await;
        assert_eq!((r.status, str_of(&r.json(), "queue")), (StatusCode::CREATED, "exception"), "{}", r.text());
        let broken = demo::shopify_delivery(SECRET, OrderTopic::Created, &demo_order("78", &[(code, 1, "abc")], true));
        let r = deliver(app, &s.shopify, "shopify", &broken).await;
        assert_eq!((r.status, str_of(&r.json(), "queue")), (StatusCode::CREATED, "exception"), "{}", r.text());
        let kept = order(app, &s, str_of(&r.json(), "order_id")).await;
        assert_eq!(kept["hold_reasons"], json!(["unmappable"]));
        assert_eq!(kept["problems"][0]["code"], "bad_amount");
        let mut not_json = demo::shopify_delivery(SECRET, OrderTopic::Created, &demo_order("79", &[(code, 1, "1.00")], true));
        not_json.body = b"{not json".to_vec();
        not_json.signature.value = omnihub_domain::channels::sign_shopify(SECRET, &not_json.body);
        let r = deliver(app, &s.shopify, "shopify", &not_json).await;
        assert_eq!((r.status, str_of(&r.json(), "queue")), (StatusCode::CREATED, "exception"), "even garbage that is signed is kept: {}", r.text());
        let r = deliver(app, &s.shopify, "shopify", &not_json).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "duplicate"), "its retries are known by the delivery id: {}", r.text());
        assert_eq!(orders(app, &s, "queue=exception").await.len(), 3);

        let mut product = demo::shopify_delivery(SECRET, OrderTopic::Created, &o);
        product.topic.value = "products/update".to_owned();
        let r = deliver(app, &s.shopify, "shopify", &product).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "ignored"));

        let mut moved = o.clone();
        moved.city = "Hangzhou".to_owned();
        moved.lines[0].quantity = 9;
        let r = deliver(app, &s.shopify, "shopify", &demo::shopify_delivery(SECRET, OrderTopic::Updated, &moved)).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "updated"), "{}", r.text());
        let now = order(app, &s, &id).await;
        assert_eq!(now["shipping_address"]["city"], "Hangzhou", "an address change applies before shipping");
        assert_eq!(now["lines"][0]["quantity"], 2, "line changes are staff's to make");
        let last = now["timeline"].as_array().unwrap().last().unwrap();
        assert!(last["data"]["changed"].as_array().unwrap().contains(&json!("shipping_address")), "{last}");
        assert_eq!(last["data"]["not_applied"], json!(["lines_and_totals"]));
        assert_eq!(level(app, &s, sku, &s.wh1).await, (5, 2), "the reservation is untouched");
        let cancel = demo::shopify_delivery(SECRET, OrderTopic::Cancelled, &o);
        let r = deliver(app, &s.shopify, "shopify", &cancel).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "updated"), "{}", r.text());
        assert_eq!(str_of(&order(app, &s, &id).await, "status"), "cancelled");
        assert_eq!(level(app, &s, sku, &s.wh1).await, (5, 0), "the channel's cancellation returned the stock");
    }

    async fn woocommerce_webhooks_answer_the_ping_and_follow_payment(app: TestApp) {
        let s = shop(app, "acme").await;
        let (sku, code) = (&s.skus[0].0, &s.skus[0].1);
        receive(app, &s, &s.wh2, sku, 4).await;
        let mut ping = demo::woocommerce_delivery(SECRET, OrderTopic::Created, &demo_order("1", &[(code, 1, "1.00")], true));
        ping.body = b"webhook_id=42".to_vec();
        ping.signature.value = omnihub_domain::channels::sign_woocommerce(SECRET, &ping.body);
        let r = deliver(app, &s.woo, "woocommerce", &ping).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "ping"), "{}", r.text());

        let unpaid = demo_order("5001", &[(code, 3, "10.00")], false);
        let r = deliver(app, &s.woo, "woocommerce", &demo::woocommerce_delivery(SECRET, OrderTopic::Created, &unpaid)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = str_of(&r.json(), "order_id").to_owned();
        let held = order(app, &s, &id).await;
        assert_eq!((str_of(&held, "status"), str_of(&held, "queue")), ("on_hold", "review"));
        assert_eq!(held["hold_reasons"], json!(["unpaid_not_cod"]));
        assert_eq!(level(app, &s, sku, &s.wh2).await, (4, 0), "a held order holds no stock");

        let mut paid = unpaid.clone();
        paid.paid = true;
        let r = deliver(app, &s.woo, "woocommerce", &demo::woocommerce_delivery(SECRET, OrderTopic::Updated, &paid)).await;
        assert_eq!((r.status, str_of(&r.json(), "outcome")), (StatusCode::OK, "updated"), "{}", r.text());
        let now = order(app, &s, &id).await;
        assert_eq!((str_of(&now, "status"), str_of(&now, "payment_status")), ("allocated", "paid"), "{now}");
        assert_eq!(str_of(&now["allocations"][0], "location_id"), s.wh2, "WH1 has none: the whole order goes to WH2");
        assert_eq!(level(app, &s, sku, &s.wh2).await, (4, 3));
        let events: Vec<&str> = now["timeline"].as_array().unwrap().iter().map(|e| str_of(e, "event")).collect();
        assert!(events.ends_with(&["payment_changed", "channel_updated", "released", "allocated"]), "{events:?}");
    }

    async fn a_hundred_concurrent_deliveries_of_one_order_make_one_order(app: TestApp) {
        let s = shop(app, "acme").await;
        let (sku, code) = (s.skus[0].0.clone(), s.skus[0].1.clone());
        receive(app, &s, &s.wh1, &sku, 10).await;
        let o = demo_order("4242", &[(&code, 3, "12.00")], true);
        let d = demo::shopify_delivery(SECRET, OrderTopic::Created, &o);
        let tasks = (0..100).map(|_| async { deliver(app, &s.shopify, "shopify", &d).await.status });
        let statuses = futures_util::future::join_all(tasks).await;
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        let dup = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!((created, dup), (1, 99), "{statuses:?}");
        assert_eq!(orders(app, &s, "").await.len(), 1);
        assert_eq!(level(app, &s, &sku, &s.wh1).await, (10, 3), "reserved once");
    }
}
