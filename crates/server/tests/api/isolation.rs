//! Tenant isolation over every route of the OpenAPI document, so a new route is covered as
//! soon as it is documented, with no test to remember.
//!
//! For each path and method the walker fills the path parameters with merchant B's ids (B's
//! merchant, B's user, B's setting key, ids of B's other records found in B's audit log,
//! else a random uuid) and calls the route:
//!
//! - with no credentials: every route outside [`PUBLIC`] must answer 401;
//! - as merchant A's staff holding every merchant permission: a route naming B's records
//!   must refuse (400/401/403/404/405/415/422); a route without parameters may answer, but
//!   only with A's own data. It is also asked for B through `?merchant_id=` and
//!   `X-Omnihub-Merchant`.
//!
//! No answer may be a 5xx, and no answer to A may contain anything identifying B: B's
//! merchant id, code or name, or B's user's id or email. Bodies are sent twice: `{}` and one
//! built from the route's request schema, so validation does not hide what lies behind it.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_app::Actor;
use omnihub_app::audit::SearchInput;
use omnihub_domain::access::Permission;
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::fixtures;

/// Routes anyone may call. Everything else must answer 401 without credentials.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/system/status",
    "/api/v1/openapi.json",
    // Sign-in: credentials travel in the body, not as a bearer token.
    "/api/v1/auth/login",
    "/api/v1/auth/login/mfa",
    "/api/v1/oauth/token",
    // First-run set-up, authorised by its one-time token.
    "/api/v1/setup",
    // Channel webhooks: authenticated by the channel's signature over the body.
    "/api/v1/channels/{channel_id}/webhooks/{kind}",
    // Payment provider notifications: authenticated by the provider's signature over the
    // body with the merchant's secret for it.
    "/api/v1/payments/providers/{provider}/notify",
    // Carrier tracking webhooks: authenticated by the carrier's signature over the body
    // with the merchant's secret for that carrier account.
    "/api/v1/carriers/{carrier_id}/webhooks",
    // The shopper's tracking look-up: the order number and the customer's e-mail or phone
    // are the credential; misses are throttled per client and all look the same.
    "/api/v1/track",
];

/// What A may get back when naming B's records.
const REFUSALS: &[u16] = &[400, 401, 403, 404, 405, 415, 422];

/// Merchant B and what identifies it.
struct Victim {
    merchant: MerchantId,
    user: UserId,
    /// entity type → an id of one of B's records of that type, from B's audit chain.
    records: BTreeMap<String, String>,
    secrets: Vec<String>,
}

impl Victim {
    /// A value for a path parameter or a body field called `name`.
    fn value_for(&self, name: &str) -> String {
        match name {
            "merchant_id" => self.merchant.to_string(),
            "user_id" | "staff_id" | "staff_user_id" | "target_user_id" => self.user.to_string(),
            "key" => "catalog.review_levels".to_owned(),
            // B's product has version 1 (its creation).
            "version" => "1".to_owned(),
            // A reservation is named by its reference (the audit entry's id).
            "reference" => self
                .records
                .get("reservation")
                .cloned()
                .unwrap_or_else(|| "no-such-reference".to_owned()),
            _ => {
                let stem = name.strip_suffix("_id").unwrap_or(name);
                let aliases = [
                    stem.to_owned(),
                    format!("staff_{stem}"),
                    stem.replace("key", "api_key"),
                    format!("access_{stem}"),
                    format!("stock_{stem}"),
                ];
                aliases
                    .iter()
                    .find_map(|t| self.records.get(t).cloned())
                    .unwrap_or_else(|| Uuid::new_v4().to_string())
            }
        }
    }

    /// Panics if `response` mentions B.
    #[track_caller]
    fn assert_not_leaked(&self, what: &str, response: &TestResponse) {
        let text = response.text();
        let headers = format!("{:?}", response.headers);
        for secret in &self.secrets {
            assert!(
                !text.contains(secret.as_str()) && !headers.contains(secret.as_str()),
                "{what} leaked {secret:?} of merchant B: {} {text}",
                response.status
            );
        }
    }
}

/// B's own records of every kind its audit chain names: a custom role, an access request
/// and an API key, made through the API as B's owner. Returns the role's id.
async fn access_records(app: &TestApp, email: &str, user: UserId) -> String {
    let token = fixtures::login(app, email).await;
    let role = app
        .send_json(
            Method::POST,
            "/api/v1/roles",
            Some(&token),
            &json!({"code": "bravo_packer", "name": "Bravo packer"}),
        )
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.text());
    let role_id = role.json()["id"].as_str().unwrap().to_owned();
    let grant = json!({"kind": "grant_role", "user_id": user.to_string(), "role_id": role_id, "reason": "bravo"});
    let request = app
        .send_json(
            Method::POST,
            "/api/v1/access-requests",
            Some(&token),
            &grant,
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{}", request.text());
    let key = app
        .send_json(
            Method::POST,
            "/api/v1/api-keys",
            Some(&token),
            &json!({"name": "bravo erp", "scopes": ["orders.read"]}),
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.text());
    role_id
}

/// B's catalogue: a brand, a category and a product with a SKU, made through the API as
/// B's owner (so B's audit chain names them). Returns the SKU's id, which the audit chain
/// does not name (SKUs are audited as part of their product).
async fn catalog_records(app: &TestApp, email: &str) -> String {
    let token = fixtures::login(app, email).await;
    let mut ids = Vec::new();
    for (path, body) in [
        ("/api/v1/catalog/brands", json!({"name": "Bravo Brand"})),
        (
            "/api/v1/catalog/categories",
            json!({"name": "Bravo Apparel"}),
        ),
    ] {
        let r = app.send_json(Method::POST, path, Some(&token), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let product = json!({"name": "Bravo secret tee", "brand_id": ids[0], "category_id": ids[1],
        "skus": [{"code": "BRAVO-TEE-1", "price": {"amount": "9.90"}}]});
    let r = app
        .send_json(
            Method::POST,
            "/api/v1/catalog/products",
            Some(&token),
            &product,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["skus"][0]["id"].as_str().unwrap().to_owned()
}

/// B's inventory over the API as B's owner: two locations, a receipt, thresholds that
/// raise a low-stock alert (acknowledged, so the audit chain names it), an adjustment, a
/// transfer, a stocktake, and a reservation of a SKU listed for the purpose (reviewed by
/// a second person of B's). Returns B's main location id.
async fn inventory_records(app: &TestApp, email: &str, merchant: MerchantId, sku: &str) -> String {
    let token = fixtures::login(app, email).await;
    let ok = |r: TestResponse, what: &str| {
        assert!(r.status.is_success(), "{what}: {} {}", r.status, r.text());
        r.json()
    };
    let post = |path: &'static str, body: Value| {
        let token = token.clone();
        async move { app.send_json(Method::POST, path, Some(&token), &body).await }
    };
    let mut locations = Vec::new();
    for code in ["BRAVO-WH", "BRAVO-ST"] {
        let body = json!({"code": code, "name": "Bravo secret warehouse", "kind": "warehouse", "country": "CN"});
        let l = ok(post("/api/v1/inventory/locations", body).await, "location");
        locations.push(l["id"].as_str().unwrap().to_owned());
    }
    let (wh, st) = (&locations[0], &locations[1]);
    let receipt = json!({"location_id": wh, "lines": [{"sku_id": sku, "quantity": 10}], "reference": "BRAVO-PO-7"});
    ok(post("/api/v1/inventory/receipts", receipt).await, "receipt");
    let thresholds = json!({"low_stock": 20, "reorder_point": null, "overstock": null});
    let path = format!("/api/v1/inventory/levels/{sku}/{wh}/thresholds");
    ok(
        app.send_json(Method::PUT, &path, Some(&token), &thresholds)
            .await,
        "thresholds",
    );
    let alerts = ok(
        app.get_as(&token, "/api/v1/inventory/alerts").await,
        "alerts",
    );
    let alert = alerts["items"][0]["id"].as_str().unwrap().to_owned();
    let ack = format!("/api/v1/inventory/alerts/{alert}/acknowledge");
    ok(
        app.send_json(Method::POST, &ack, Some(&token), &json!({}))
            .await,
        "acknowledge",
    );
    let adjustment = json!({"sku_id": sku, "location_id": wh, "delta": -1, "reason": "damaged"});
    ok(
        post("/api/v1/inventory/adjustments", adjustment).await,
        "adjustment",
    );
    let transfer = json!({"from_location_id": wh, "to_location_id": st, "lines": [{"sku_id": sku, "quantity": 1}]});
    ok(
        post("/api/v1/inventory/transfers", transfer).await,
        "transfer",
    );
    ok(
        post("/api/v1/inventory/stocktakes", json!({"location_id": wh})).await,
        "stocktake",
    );
    let listed = listed_sku(app, &token, merchant).await;
    let receipt = json!({"location_id": wh, "lines": [{"sku_id": listed, "quantity": 2}], "reference": "BRAVO-PO-7"});
    ok(post("/api/v1/inventory/receipts", receipt).await, "receipt");
    let reserve = json!({"lines": [{"reference": "bravo-order-1", "sku_id": listed, "location_id": wh, "quantity": 1}]});
    ok(
        post("/api/v1/inventory/reservations", reserve).await,
        "reservation",
    );
    wh.clone()
}

/// A SKU of B's listed for sale: created and submitted by B's owner, approved by a second
/// person of B's, listed.
async fn listed_sku(app: &TestApp, token: &str, merchant: MerchantId) -> String {
    let reviewer = "reviewer@bravo.test";
    fixtures::staff(
        app,
        Some(merchant),
        reviewer,
        &[Permission::CatalogRead, Permission::CatalogReview],
    )
    .await;
    let reviewer = fixtures::login(app, reviewer).await;
    let send = |token: &str, path: String, body: Value| {
        let token = token.to_owned();
        async move {
            let r = app
                .send_json(Method::POST, &path, Some(&token), &body)
                .await;
            assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text());
            r.json()
        }
    };
    let category = send(
        token,
        "/api/v1/catalog/categories".into(),
        json!({"name": "Bravo Stock"}),
    )
    .await;
    let product = json!({"name": "Bravo listed mug", "category_id": category["id"], "description": "A mug",
        "images": ["https://cdn.example.com/mug.jpg"], "skus": [{"code": "BRAVO-MUG-1", "price": {"amount": "5"}}]});
    let product = send(token, "/api/v1/catalog/products".into(), product).await;
    let base = format!(
        "/api/v1/catalog/products/{}",
        product["id"].as_str().unwrap()
    );
    send(token, format!("{base}/submit"), json!({})).await;
    send(
        &reviewer,
        format!("{base}/review"),
        json!({"level": 1, "decision": "approve"}),
    )
    .await;
    send(token, format!("{base}/list"), json!({})).await;
    product["skus"][0]["id"].as_str().unwrap().to_owned()
}

/// B's channel (made through the API as B's owner, so B's audit chain names it), linked
/// to B's warehouse, with a listing of B's SKU. B's product is not listed, so the listing row is
/// written through the store. Returns the listing's id.
async fn channel_records(
    app: &TestApp,
    email: &str,
    merchant: MerchantId,
    sku_id: &str,
    location_id: &str,
) -> String {
    let token = fixtures::login(app, email).await;
    let body = json!({"code": "BRAVO-SECRET", "name": "Bravo secret channel", "kind": "own_store",
        "platform": "api", "webhook_secret": "bravo-webhook-secret-value",
        "locations": [{"location_id": location_id}]});
    let r = app
        .send_json(Method::POST, "/api/v1/channels", Some(&token), &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let channel = r.json()["channel"]["id"].as_str().unwrap().parse().unwrap();
    let row = omnihub_testkit::omnihub_store::channels::ListingRow {
        id: app.app.ids.new_id(),
        channel_id: channel,
        sku_id: sku_id.parse().unwrap(),
        sku_code: String::new(),
        external_sku: Some("BRAVO-EXT-1".into()),
        external_product_id: None,
        external_variant_id: None,
        price_override_minor: None,
        price_override_currency: None,
        active: true,
        created_at: 0,
        updated_at: 0,
    };
    let mut tx = app.app.db.begin_write().await.unwrap();
    omnihub_testkit::omnihub_store::channels::insert_listing(&mut tx, merchant, &row)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    order_record(app, &token, channel).await;
    row.id.to_string()
}

/// An outbox event of B's (CH-3): B's channel gets a callback URL and a cancelled order.
async fn outbox_record(app: &TestApp, email: &str) -> String {
    let token = fixtures::login(app, email).await;
    let channels = app.get_as(&token, "/api/v1/channels").await.json();
    let channel = channels["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/channels/{channel}");
    let body = json!({"base_url": "http://127.0.0.1:9"});
    let r = app
        .send_json(Method::PATCH, &path, Some(&token), &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = json!({"external_id": "BRAVO-ORD-78", "currency": "CNY", "placed_at": "2026-11-30T10:00:00Z",
        "payment_status": "paid", "customer": {"email": "buyer@bravo.test", "name": "Bravo Buyer Secret"},
        "lines": [{"sku": "BRAVO-EXT-1", "quantity": 1, "unit_price": "5.00"}], "total": "5.00"});
    let path = format!("/api/v1/orders?channel_id={channel}");
    let r = app
        .send_json(Method::POST, &path, Some(&token), &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let order = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{order}/cancel");
    let r = app
        .send_json(Method::POST, &path, Some(&token), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let events = app.get_as(&token, "/api/v1/outbox").await.json();
    events["items"][0]["id"].as_str().unwrap().to_owned()
}

/// An order of B's through B's channel, with a payment and an invoice (all audited, so the
/// walker finds them).
async fn order_record(app: &TestApp, token: &str, channel: Uuid) {
    let body = json!({"external_id": "BRAVO-ORD-77", "currency": "CNY", "placed_at": "2026-11-30T10:00:00Z",
        "payment_status": "paid", "customer": {"email": "buyer@bravo.test", "name": "Bravo Buyer Secret"},
        "lines": [{"sku": "BRAVO-EXT-1", "quantity": 1, "unit_price": "5.00"}], "total": "5.00"});
    let path = format!("/api/v1/orders?channel_id={channel}");
    let r = app.send_json(Method::POST, &path, Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let order = r.json()["order"]["id"].as_str().unwrap().to_owned();
    let payment = json!({"method": "alipay", "amount": "5.00", "payer": "Bravo Payer Secret"});
    let path = format!("/api/v1/orders/{order}/payments");
    let r = app
        .send_json(Method::POST, &path, Some(token), &payment)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // An invoice of that order, with a buyer only B knows.
    let body = json!({"buyer_title": "Bravo Invoice Buyer Secret", "buyer_tax_id": "91110000802100433B",
        "buyer_address": "Bravo invoice address"});
    let path = format!("/api/v1/orders/{order}/invoices");
    let r = app.send_json(Method::POST, &path, Some(token), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// A record of each entity type B's audit chain names, with its id.
async fn audited_records(app: &TestApp, merchant: MerchantId) -> BTreeMap<String, String> {
    let input = SearchInput {
        merchant_id: Some(merchant.to_string()),
        ..SearchInput::default()
    };
    let entries = omnihub_app::audit::search(&app.app, &Actor::system(), &input, None, 500)
        .await
        .unwrap();
    entries
        .into_iter()
        .filter_map(|e| Some((e.entity_type, e.entity_id?)))
        .collect()
}

/// Fails unless B has a record of every kind the walker substitutes into paths.
fn assert_every_kind(records: &BTreeMap<String, String>) {
    for kind in [
        "merchant",
        "staff_user",
        "setting",
        "role",
        "access_request",
        "api_key",
        "brand",
        "category",
        "product",
        "stock_adjustment",
        "transfer",
        "stocktake",
        "reservation",
        "stock_alert",
        "location",
        "channel",
        "order",
        "payment",
        "invoice",
        "event",
    ] {
        assert!(
            records.contains_key(kind),
            "B has no {kind} record to probe: {records:?}"
        );
    }
}

async fn victim(app: &TestApp) -> Victim {
    let b = fixtures::merchant(app, "bravo-shop", "Bravo Trading 布拉沃商行").await;
    let email = "owner@bravo.test";
    let user = fixtures::staff(
        app,
        Some(b.id),
        email,
        &fixtures::all_merchant_permissions(),
    )
    .await;
    let role_id = access_records(app, email, user).await;
    let sku_id = catalog_records(app, email).await;
    let location_id = inventory_records(app, email, b.id, &sku_id).await;
    // Set last: a second review level would hold up the listing above.
    omnihub_app::settings::put(
        &app.app,
        &Actor::system(),
        b.id,
        "catalog.review_levels",
        json!(2),
    )
    .await
    .unwrap();
    let listing_id = channel_records(app, email, b.id, &sku_id, &location_id).await;
    let event_id = outbox_record(app, email).await;
    let mut records = audited_records(app, b.id).await;
    records.insert("event".to_owned(), event_id);
    records.insert("sku".to_owned(), sku_id);
    // Locations are audited on creation; the first one is B's main warehouse anyway.
    records.insert("location".to_owned(), location_id);
    records.insert("listing".to_owned(), listing_id);
    assert_every_kind(&records);
    Victim {
        merchant: b.id,
        user,
        records,
        secrets: vec![
            b.id.to_string(),
            b.code,
            b.name,
            email.to_owned(),
            user.to_string(),
            "bravo_packer".to_owned(),
            "bravo erp".to_owned(),
            "Bravo secret tee".to_owned(),
            "BRAVO-TEE-1".to_owned(),
            "Bravo Brand".to_owned(),
            "BRAVO-WH".to_owned(),
            "Bravo secret warehouse".to_owned(),
            "BRAVO-PO-7".to_owned(),
            "bravo-order-1".to_owned(),
            "Bravo listed mug".to_owned(),
            "BRAVO-SECRET".to_owned(),
            "Bravo secret channel".to_owned(),
            "bravo-webhook-secret-value".to_owned(),
            "BRAVO-EXT-1".to_owned(),
            "BRAVO-ORD-77".to_owned(),
            "BRAVO-ORD-78".to_owned(),
            "Bravo Buyer Secret".to_owned(),
            "Bravo Invoice Buyer Secret".to_owned(),
            "91110000802100433B".to_owned(),
            "Bravo invoice address".to_owned(),
            role_id,
        ],
    }
}

/// The path with its `{parameters}` filled in, and whether it had any.
fn fill(path: &str, b: &Victim) -> (String, bool) {
    let mut out = String::new();
    let mut rest = path;
    let mut any = false;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c).unwrap();
        out.push_str(&rest[..open]);
        out.push_str(&b.value_for(&rest[open + 1..close]));
        rest = &rest[close + 1..];
        any = true;
    }
    out.push_str(rest);
    (out, any)
}

/// A value fitting `schema` (resolving `$ref`s), with `_id` fields pointing at B.
fn example(doc: &Value, schema: &Value, field: &str, b: &Victim, depth: usize) -> Value {
    if depth > 6 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return example(
            doc,
            &doc["components"]["schemas"][name],
            field,
            b,
            depth + 1,
        );
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[combinator].as_array().and_then(|v| v.first()) {
            return example(doc, first, field, b, depth + 1);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema["properties"].is_object() => "object",
        _ => "string",
    };
    match ty {
        "object" => {
            let mut object = Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    object.insert(name.clone(), example(doc, property, name, b, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => Value::Array(vec![example(doc, &schema["items"], field, b, depth + 1)]),
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ if field.ends_with("_id") || field == "key" => json!(b.value_for(field)),
        _ => json!("probe"),
    }
}

async fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    merchant_header: Option<&str>,
) -> TestResponse {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(HeaderName, &str)> = Vec::new();
    if let Some(auth) = &auth {
        headers.push((header::AUTHORIZATION, auth));
    }
    if body.is_some() {
        headers.push((header::CONTENT_TYPE, "application/json"));
    }
    if let Some(m) = merchant_header {
        headers.push((HeaderName::from_static("x-omnihub-merchant"), m));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    app.request(method.clone(), path, &headers, body).await
}

/// A's token, signing in again if the last call ended the session (a logout route).
async fn fresh_token(app: &TestApp, token: &mut String, email: &str) {
    if app.get_as(token, "/api/v1/auth/me").await.status == StatusCode::UNAUTHORIZED {
        *token = fixtures::login(app, email).await;
    }
}

both_dbs! {
    async fn no_route_serves_another_merchant_or_anyone_without_credentials(app: TestApp) {
        // Arrange: merchant A's staff with every merchant permission, and merchant B.
        let a = fixtures::merchant(app, "alpha-shop", "Alpha 商店").await;
        let a_email = "owner@alpha.test";
        fixtures::staff(app, Some(a.id), a_email, &fixtures::all_merchant_permissions()).await;
        let mut token = fixtures::login(app, a_email).await;
        let b = victim(app).await;
        // A's token works on A's own data, so refusals below are about B.
        assert_eq!(app.get_as(&token, &format!("/api/v1/merchants/{}", a.id)).await.status, StatusCode::OK);
        assert_eq!(app.get_as(&token, "/api/v1/audit").await.status, StatusCode::OK);

        let doc = app.get("/api/v1/openapi.json").await.json();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/api/v1/audit") && paths.contains_key("/api/v1/merchants/{merchant_id}"));
        let mut walked = 0;
        for (template, operations) in paths {
            for (method, operation) in operations.as_object().unwrap() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
                if !matches!(method, Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
                    continue;
                }
                walked += 1;
                let what = format!("{method} {template}");
                let (path, names_b) = fill(template, &b);
                let has_body = matches!(method, Method::POST | Method::PUT | Method::PATCH);
                let mut bodies = vec![json!({})];
                let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
                if has_body && !schema.is_null() {
                    bodies.push(example(&doc, schema, "", &b, 0));
                }

                // (a) Without credentials.
                let anonymous = send(app, &method, &path, None, has_body.then_some(&bodies[0]), None).await;
                if PUBLIC.contains(&template.as_str()) {
                    assert!(anonymous.status.as_u16() < 500, "{what} without credentials: {} {}", anonymous.status, anonymous.text());
                } else {
                    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{what} must require credentials: {}", anonymous.text());
                }

                // (b) As A's staff, against B.
                let probes: Vec<(String, Option<&str>)> = vec![
                    (path.clone(), None),
                    (format!("{path}{}merchant_id={}", if path.contains('?') { '&' } else { '?' }, b.merchant), Some(b.secrets[0].as_str())),
                ];
                for (url, merchant_header) in &probes {
                    for body in if has_body { bodies.iter().map(Some).collect::<Vec<_>>() } else { vec![None] } {
                        fresh_token(app, &mut token, a_email).await;
                        let response = send(app, &method, url, Some(&token), body, *merchant_header).await;
                        let probe = format!("{what} as A ({url}, header {merchant_header:?}, body {body:?})");
                        assert!(response.status.as_u16() < 500, "{probe}: {} {}", response.status, response.text());
                        if names_b {
                            assert!(REFUSALS.contains(&response.status.as_u16()), "{probe} must be refused: {} {}", response.status, response.text());
                        }
                        b.assert_not_leaked(&probe, &response);
                    }
                }
            }
        }
        assert!(walked >= 10, "only {walked} operations in the OpenAPI document");
    }
}
