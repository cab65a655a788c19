//! The channel registry and channel listings over HTTP: validation with field names,
//! write-only sealed credentials (never in a response or the audit log, not stored in
//! plain text, rotated secrets shown once), status transitions, linked locations,
//! listings with their unique keys, sellability and price rules, resolution of incoming
//! lines, permissions and tenancy.

use axum::http::{Method, StatusCode};
use omnihub_app::Actor;
use omnihub_app::inventory::{self as inv, LocationInput, LocationPatch};
use omnihub_domain::access::Permission;
use omnihub_domain::channels::{ChannelId, ExternalId, ItemRef};
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::omnihub_store::{audit, channels as store};
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::catalog::{call, category, created, field_errors, tee};
use crate::fixtures;

/// What a channel manager holds in these tests.
const MANAGER: [Permission; 7] = [
    Permission::ChannelsRead,
    Permission::ChannelsManage,
    Permission::CatalogRead,
    Permission::CatalogWrite,
    Permission::SettingsManage,
    Permission::InventoryRead,
    Permission::AuditRead,
];

/// A merchant with a channel manager, listed SKUs, a draft SKU and locations.
pub struct World {
    pub m: MerchantId,
    pub owner: String,
    /// `(id, code)` of the listed product's SKUs.
    pub skus: Vec<(String, String)>,
    /// `(id, code)` of a SKU whose product was never listed.
    pub draft: (String, String),
    /// Two active locations and an inactive one.
    pub wh1: String,
    pub wh2: String,
    pub closed: String,
}

fn sku_pairs(product: &Value) -> Vec<(String, String)> {
    product["skus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Creates a location of `m` as the operator and returns its id.
pub async fn location(app: &TestApp, m: MerchantId, code: &str, active: bool) -> String {
    let input = LocationInput {
        code: code.into(),
        name: format!("Location {code}"),
        kind: "warehouse".into(),
        country: "CN".into(),
        ..LocationInput::default()
    };
    let l = inv::create_location(&app.app, &Actor::system(), m, input)
        .await
        .unwrap();
    if !active {
        let patch = LocationPatch {
            active: Some(false),
            ..LocationPatch::default()
        };
        inv::update_location(&app.app, &Actor::system(), m, l.id, patch)
            .await
            .unwrap();
    }
    l.id.to_string()
}

/// Merchant `code` with everything a channel test needs.
pub async fn world(app: &TestApp, code: &str) -> World {
    let m = fixtures::merchant(app, code, &format!("Shop {code}"))
        .await
        .id;
    let owner = fixtures::staff_token(app, Some(m), &format!("owner@{code}.test"), &MANAGER).await;
    let reviewer_perms = [Permission::CatalogRead, Permission::CatalogReview];
    let reviewer = fixtures::staff_token(
        app,
        Some(m),
        &format!("reviewer@{code}.test"),
        &reviewer_perms,
    )
    .await;
    let cat = category(app, &owner, "Tees", None).await;
    let mut body = tee("Plain tee", &cat);
    body["generate"]["code_prefix"] = json!(format!("{code}-tee"));
    let listed = created(app, &owner, "/api/v1/catalog/products", &body).await;
    let id = listed["id"].as_str().unwrap();
    created(
        app,
        &owner,
        &format!("/api/v1/catalog/products/{id}/submit"),
        &json!({}),
    )
    .await;
    let decision = json!({"level": 1, "decision": "approve"});
    created(
        app,
        &reviewer,
        &format!("/api/v1/catalog/products/{id}/review"),
        &decision,
    )
    .await;
    created(
        app,
        &owner,
        &format!("/api/v1/catalog/products/{id}/list"),
        &json!({}),
    )
    .await;
    let mut body = tee("Draft tee", &cat);
    body["generate"]["code_prefix"] = json!(format!("{code}-draft"));
    let draft = created(app, &owner, "/api/v1/catalog/products", &body).await;
    World {
        m,
        owner,
        skus: sku_pairs(&listed),
        draft: sku_pairs(&draft)[0].clone(),
        wh1: location(app, m, "WH1", true).await,
        wh2: location(app, m, "WH2", true).await,
        closed: location(app, m, "OLD", false).await,
    }
}

/// A minimal valid API channel body.
pub fn channel_body(code: &str) -> Value {
    json!({"code": code, "name": format!("Channel {code}"), "kind": "own_store", "platform": "api"})
}

/// Creates a channel and returns the create response's `channel`.
pub async fn channel(app: &TestApp, token: &str, body: &Value) -> Value {
    let r = call(app, Method::POST, token, "/api/v1/channels", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["channel"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Every raw audit entry of the merchant's chain, as text.
async fn audit_text(app: &TestApp, m: MerchantId) -> String {
    let mut tx = app.app.db.begin_read().await.unwrap();
    let rows = audit::chain_page(&mut tx, &m.to_string(), 0, 10_000)
        .await
        .unwrap();
    format!("{rows:?}")
}

both_dbs! {
    async fn channels_are_created_with_defaults_and_refused_with_field_names(app: TestApp) {
        let w = world(app, "acme").await;
        let mut body = channel_body("shop-cn");
        body["locations"] = json!([{"location_id": w.wh2, "priority": 2}, {"location_id": w.wh1}]);
        body["ship_by_hours"] = json!(24);
        let r = call(app, Method::POST, &w.owner, "/api/v1/channels", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let c = &r.json()["channel"];
        assert_eq!((c["code"].as_str(), c["status"].as_str(), c["currency"].as_str()), (Some("SHOP-CN"), Some("active"), Some("CNY")));
        assert_eq!((c["time_zone"].as_str(), c["ship_by_hours"].as_u64()), (Some("Asia/Shanghai"), Some(24)));
        assert_eq!(c["webhook_secret_set"], true, "a secret is generated: {c}");
        let links = app.get_as(&w.owner, &format!("/api/v1/channels/{}/locations", id(c))).await.json();
        let order: Vec<&str> = links["items"].as_array().unwrap().iter().map(|l| l["location_id"].as_str().unwrap()).collect();
        assert_eq!(order, [w.wh1.as_str(), w.wh2.as_str()], "wh1 took priority 1 from its position");

        let b = fixtures::merchant(app, "bravo", "Bravo").await.id;
        let foreign = location(app, b, "BWH", true).await;
        let bad = |field: &str, value: Value| {
            let mut body = channel_body("other");
            body[field] = value;
            body
        };
        let cases = [
            ("currency", bad("currency", json!("XXX")), "currency", "invalid"),
            ("time zone", bad("time_zone", json!("Mars/Olympus")), "time_zone", "invalid"),
            ("taken code, any case", channel_body("Shop-CN"), "code", "taken"),
            ("bad code", bad("code", json!("no spaces")), "code", "invalid"),
            ("ship-by", bad("ship_by_hours", json!(0)), "ship_by_hours", "out_of_range"),
            ("kind", bad("kind", json!("mall")), "kind", "invalid"),
            ("shopify needs its domain", bad("platform", json!("shopify")), "shop_domain", "required"),
            ("woocommerce needs its URL", bad("platform", json!("woocommerce")), "base_url", "required"),
            ("bad URL", bad("base_url", json!("ftp://shop")), "base_url", "invalid"),
            ("unknown location", bad("locations", json!([{"location_id": uuid::Uuid::new_v4()}])), "locations[0].location_id", "unknown"),
            ("inactive location", bad("locations", json!([{"location_id": w.closed}])), "locations[0].location_id", "inactive"),
            ("foreign location", bad("locations", json!([{"location_id": foreign}])), "locations[0].location_id", "unknown"),
            ("location twice", bad("locations", json!([{"location_id": w.wh1}, {"location_id": w.wh1}])), "locations[1].location_id", "duplicate"),
            ("short secret", bad("webhook_secret", json!("short")), "webhook_secret", "invalid"),
        ];
        for (what, body, field, code) in cases {
            let r = call(app, Method::POST, &w.owner, "/api/v1/channels", &body).await;
            assert_eq!(field_errors(&r), [(field.to_owned(), code.to_owned())], "{what}");
        }
        let list = app.get_as(&w.owner, "/api/v1/channels").await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing refused was stored");
        let actions = app.audit_actions(Some(w.m)).await;
        assert_eq!(actions.iter().filter(|a| a.starts_with("channel.")).count(), 1, "{actions:?}");
    }

    async fn credentials_are_sealed_never_returned_and_rotated_secrets_shown_once(app: TestApp) {
        let w = world(app, "acme").await;
        let (secret, token) = ("shpss_given-webhook-secret-9f8e", "shpat_given-api-token-7d6c");
        let mut body = channel_body("shopify-us");
        body["platform"] = json!("shopify");
        body["shop_domain"] = json!("Acme.myshopify.com");
        body["webhook_secret"] = json!(secret);
        body["api_token"] = json!(token);
        let r = call(app, Method::POST, &w.owner, "/api/v1/channels", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert!(!r.text().contains(secret) && !r.text().contains(token), "{}", r.text());
        assert!(r.json().get("webhook_secret").is_none(), "a given secret is not echoed");
        let c = r.json()["channel"].clone();
        assert_eq!((c["shop_domain"].as_str(), c["webhook_secret_hint"].as_str(), c["api_token_hint"].as_str()), (Some("acme.myshopify.com"), Some("9f8e"), Some("7d6c")));
        let cid = id(&c);
        let path = format!("/api/v1/channels/{cid}");

        // Stored sealed, opened only by the internal look-up the webhook receiver calls.
        let mut tx = app.app.db.begin_read().await.unwrap();
        let row = store::get_channel(&mut tx, w.m, cid.parse().unwrap()).await.unwrap().unwrap();
        drop(tx);
        for sealed in [row.webhook_secret.as_deref().unwrap(), row.api_token.as_deref().unwrap()] {
            assert!(sealed.starts_with("v1:") && !sealed.contains(secret) && !sealed.contains(token), "{sealed}");
        }
        let channel_id: ChannelId = cid.parse().unwrap();
        let opened = omnihub_app::channels::webhook_secret(&app.app, w.m, channel_id).await.unwrap();
        assert_eq!(opened.as_deref(), Some(secret));
        let bravo = fixtures::merchant(app, "bravo", "Bravo").await.id;
        let foreign = omnihub_app::channels::webhook_secret(&app.app, bravo, channel_id).await;
        assert!(matches!(foreign, Err(omnihub_app::Error::NotFound { .. })), "{foreign:?}");

        // Rotation generates a new secret, returned by that call only.
        let rotated = call(app, Method::POST, &w.owner, &format!("{path}/credentials"), &json!({"generate_webhook_secret": true, "api_token": null})).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
        assert_eq!(rotated.header("cache-control"), Some("no-store"));
        let new_secret = rotated.json()["webhook_secret"].as_str().unwrap().to_owned();
        assert!(new_secret.starts_with("whsec_") && new_secret.len() > 40, "{new_secret}");
        assert_eq!(rotated.json()["channel"]["api_token_set"], false);
        let opened = omnihub_app::channels::webhook_secret(&app.app, w.m, channel_id).await.unwrap();
        assert_eq!(opened.as_deref(), Some(new_secret.as_str()));
        let nothing = call(app, Method::POST, &w.owner, &format!("{path}/credentials"), &json!({})).await;
        assert_eq!(field_errors(&nothing), [("webhook_secret".to_owned(), "required".to_owned())]);

        // A channel created without a secret gets one, in its create response only.
        let generated = call(app, Method::POST, &w.owner, "/api/v1/channels", &channel_body("api")).await;
        let first = generated.json()["webhook_secret"].as_str().unwrap().to_owned();
        assert_eq!(generated.header("cache-control"), Some("no-store"));

        let reads = [
            app.get_as(&w.owner, &path).await,
            app.get_as(&w.owner, "/api/v1/channels").await,
            app.get_as(&w.owner, &format!("/api/v1/channels/{}", id(&generated.json()["channel"]))).await,
        ];
        let audit = audit_text(app, w.m).await;
        assert!(audit.contains("channel.credentials_rotate"), "{audit}");
        for text in reads.iter().map(TestResponse::text).chain([audit]) {
            for plain in [secret, token, new_secret.as_str(), first.as_str()] {
                assert!(!text.contains(plain), "{plain} leaked: {text}");
            }
        }
    }

    async fn channels_pause_resume_and_archive_and_refuse_illegal_moves(app: TestApp) {
        let w = world(app, "acme").await;
        let c = channel(app, &w.owner, &channel_body("shop")).await;
        let mut other = channel_body("market");
        other["kind"] = json!("marketplace");
        channel(app, &w.owner, &other).await;
        let status = format!("/api/v1/channels/{}/status", id(&c));
        let act = |a: &str| json!({"action": a});
        let r = call(app, Method::POST, &w.owner, &status, &act("pause")).await;
        assert_eq!(r.json()["status"], "paused", "{}", r.text());
        call(app, Method::POST, &w.owner, &status, &act("pause")).await.assert_problem(StatusCode::CONFLICT, "channel-state");
        assert_eq!(call(app, Method::POST, &w.owner, &status, &act("resume")).await.json()["status"], "active");
        assert_eq!(call(app, Method::POST, &w.owner, &status, &act("archive")).await.json()["status"], "archived");
        call(app, Method::POST, &w.owner, &status, &act("resume")).await.assert_problem(StatusCode::CONFLICT, "channel-state");
        let bogus = call(app, Method::POST, &w.owner, &status, &act("delete")).await;
        assert_eq!(field_errors(&bogus), [("action".to_owned(), "invalid".to_owned())]);
        let path = format!("/api/v1/channels/{}", id(&c));
        call(app, Method::PATCH, &w.owner, &path, &json!({"name": "Late"})).await.assert_problem(StatusCode::CONFLICT, "channel-archived");

        // Filters and cursor paging.
        let codes = |v: &Value| -> Vec<String> { v["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect() };
        assert_eq!(codes(&app.get_as(&w.owner, "/api/v1/channels?status=archived").await.json()), ["SHOP"]);
        assert_eq!(codes(&app.get_as(&w.owner, "/api/v1/channels?kind=marketplace").await.json()), ["MARKET"]);
        let first = app.get_as(&w.owner, "/api/v1/channels?limit=1").await.json();
        assert_eq!(codes(&first), ["SHOP"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get_as(&w.owner, &format!("/api/v1/channels?limit=1&cursor={cursor}")).await.json();
        assert_eq!(codes(&second), ["MARKET"]);
        assert!(second["next_cursor"].is_null());
        app.get_as(&w.owner, "/api/v1/channels?status=gone").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");

        // Edits keep what is left out and validate what is sent.
        let market = format!("/api/v1/channels/{}", id(&second["items"][0]));
        let r = call(app, Method::PATCH, &w.owner, &market, &json!({"name": "Tmall", "time_zone": "Europe/Paris"})).await;
        assert_eq!((r.json()["name"].as_str(), r.json()["time_zone"].as_str(), r.json()["kind"].as_str()), (Some("Tmall"), Some("Europe/Paris"), Some("marketplace")), "{}", r.text());
        let bad = call(app, Method::PATCH, &w.owner, &market, &json!({"time_zone": "Nowhere/City", "currency": "usd"})).await;
        assert_eq!(field_errors(&bad), [("time_zone".to_owned(), "invalid".to_owned())]);
    }

    async fn linked_locations_are_replaced_in_priority_order_and_checked(app: TestApp) {
        let w = world(app, "acme").await;
        let c = channel(app, &w.owner, &channel_body("shop")).await;
        let path = format!("/api/v1/channels/{}/locations", id(&c));
        let body = json!({"locations": [{"location_id": w.wh1, "priority": 5}, {"location_id": w.wh2, "priority": 1}]});
        let r = call(app, Method::PUT, &w.owner, &path, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let got = app.get_as(&w.owner, &path).await.json();
        let rows: Vec<(String, u64)> = got["items"].as_array().unwrap().iter().map(|l| (l["code"].as_str().unwrap().to_owned(), l["priority"].as_u64().unwrap())).collect();
        assert_eq!(rows, [("WH2".to_owned(), 1), ("WH1".to_owned(), 5)]);
        for (body, field, code) in [
            (json!({"locations": [{"location_id": w.wh1}, {"location_id": w.wh1}]}), "locations[1].location_id", "duplicate"),
            (json!({"locations": [{"location_id": w.closed}]}), "locations[0].location_id", "inactive"),
            (json!({"locations": [{"location_id": w.wh1, "priority": 1001}]}), "locations[0].priority", "out_of_range"),
        ] {
            let r = call(app, Method::PUT, &w.owner, &path, &body).await;
            assert_eq!(field_errors(&r), [(field.to_owned(), code.to_owned())]);
        }
        assert_eq!(app.get_as(&w.owner, &path).await.json(), got, "refused sets change nothing");
        let cleared = call(app, Method::PUT, &w.owner, &path, &json!({"locations": []})).await;
        assert_eq!(cleared.json()["items"], json!([]));
        let actions = app.audit_actions(Some(w.m)).await;
        assert_eq!(actions.iter().filter(|a| *a == "channel.locations_set").count(), 2, "{actions:?}");
    }

    async fn listings_are_unique_per_channel_sellable_priced_in_the_channel_currency_and_resolve(app: TestApp) {
        let w = world(app, "acme").await;
        let c = channel(app, &w.owner, &channel_body("shop")).await;
        let other = channel(app, &w.owner, &channel_body("second")).await;
        let base = format!("/api/v1/channels/{}/listings", id(&c));
        let (sku0, sku1, sku2) = (&w.skus[0], &w.skus[1], &w.skus[2]);
        let first = json!({"sku_code": sku0.1.to_lowercase(), "external_sku": "EXT-RED-M", "external_product_id": "632910392",
            "external_variant_id": "808950810", "price_override": {"amount": "89.50", "currency": "cny"}});
        let l = call(app, Method::POST, &w.owner, &base, &first).await;
        assert_eq!(l.status, StatusCode::CREATED, "{}", l.text());
        let l = l.json();
        assert_eq!((l["sku_id"].as_str(), l["price_override"]["amount"].as_str(), l["price_override"]["currency"].as_str()), (Some(sku0.0.as_str()), Some("89.50"), Some("CNY")));

        let cases = [
            ("same SKU again", json!({"sku_id": sku0.0, "external_sku": "OTHER"}), StatusCode::CONFLICT, "sku-already-listed", None),
            ("unlisted product", json!({"sku_id": w.draft.0}), StatusCode::CONFLICT, "sku-not-sellable", None),
            ("channel SKU taken, any case", json!({"sku_id": sku1.0, "external_sku": "ext-red-m"}), StatusCode::UNPROCESSABLE_ENTITY, "validation", Some("external_sku")),
            ("variant taken", json!({"sku_id": sku1.0, "external_variant_id": "808950810"}), StatusCode::UNPROCESSABLE_ENTITY, "validation", Some("external_variant_id")),
            ("other currency", json!({"sku_id": sku1.0, "price_override": {"amount": "12.00", "currency": "USD"}}), StatusCode::UNPROCESSABLE_ENTITY, "validation", Some("price_override.currency")),
            ("too precise", json!({"sku_id": sku1.0, "price_override": {"amount": "12.001"}}), StatusCode::UNPROCESSABLE_ENTITY, "validation", Some("price_override.amount")),
            ("unknown code", json!({"sku_code": "NOPE"}), StatusCode::UNPROCESSABLE_ENTITY, "validation", Some("sku_code")),
        ];
        for (what, body, status, code, field) in cases {
            let r = call(app, Method::POST, &w.owner, &base, &body).await;
            let problem = r.assert_problem(status, code);
            if let Some(field) = field {
                assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
            }
        }
        // A SKU code is unique per channel only: the second channel may reuse it.
        let elsewhere = json!({"sku_id": sku1.0, "external_sku": "EXT-RED-M"});
        created(app, &w.owner, &format!("/api/v1/channels/{}/listings", id(&other)), &elsewhere).await;
        // Without channel-side ids the channel SKU code is ours; a lone product id is unique.
        let plain = created(app, &w.owner, &base, &json!({"sku_id": sku1.0})).await;
        assert_eq!(plain["external_sku"].as_str(), Some(sku1.1.as_str()));
        created(app, &w.owner, &base, &json!({"sku_id": sku2.0, "external_sku": "LONE", "external_product_id": "555"})).await;
        let lone = call(app, Method::POST, &w.owner, &base, &json!({"sku_id": w.skus[3].0, "external_sku": "LONE2", "external_product_id": "555"})).await;
        assert_eq!(field_errors(&lone), [("external_product_id".to_owned(), "taken".to_owned())]);

        // Filters and edits.
        let count = |v: Value| v["items"].as_array().unwrap().len();
        assert_eq!(count(app.get_as(&w.owner, &format!("{base}?q=808950810")).await.json()), 1);
        assert_eq!(count(app.get_as(&w.owner, &format!("{base}?q={}", sku1.1.to_lowercase())).await.json()), 1);
        assert_eq!(count(app.get_as(&w.owner, &format!("{base}?sku_id={}", sku2.0)).await.json()), 1);
        assert_eq!(count(app.get_as(&w.owner, &base).await.json()), 3);
        let one = format!("{base}/{}", id(&l));
        let patched = call(app, Method::PATCH, &w.owner, &one, &json!({"price_override": null, "active": false})).await;
        assert_eq!((patched.json()["price_override"].is_null(), patched.json()["active"].as_bool()), (true, Some(false)), "{}", patched.text());
        assert_eq!(count(app.get_as(&w.owner, &format!("{base}?active=false")).await.json()), 1);
        let back = call(app, Method::PATCH, &w.owner, &one, &json!({"active": true, "price_override": {"amount": "80"}})).await;
        assert_eq!(back.json()["price_override"]["amount"], "80.00", "{}", back.text());
        let channel_path = format!("/api/v1/channels/{}", id(&c));
        call(app, Method::PATCH, &w.owner, &channel_path, &json!({"currency": "USD"})).await
            .assert_problem(StatusCode::CONFLICT, "channel-currency-in-use");

        // Resolution of incoming lines: variant id, then channel SKU code, then a lone product id,
        // then our own SKU code.
        let cid: ChannelId = id(&c).parse().unwrap();
        let e = |s: &str| Some(ExternalId::parse(s).unwrap());
        let resolve = |item: ItemRef| {
            let app = &app.app;
            async move { omnihub_app::channels::resolve_item(app, &Actor::system(), w.m, cid, &item).await.unwrap() }
        };
        let by_variant = resolve(ItemRef { sku: e("renamed"), product_id: None, variant_id: e("808950810") }).await.unwrap();
        assert_eq!((by_variant.sku_id.to_string(), by_variant.price_override.map(|p| p.minor())), (sku0.0.clone(), Some(8000)));
        let by_sku = resolve(ItemRef { sku: e("ext-red-m"), ..ItemRef::default() }).await.unwrap();
        assert_eq!(by_sku.sku_id.to_string(), sku0.0);
        let by_product = resolve(ItemRef { product_id: e("555"), ..ItemRef::default() }).await.unwrap();
        assert_eq!(by_product.sku_id.to_string(), sku2.0);
        let own = resolve(ItemRef { sku: e(&w.skus[3].1), ..ItemRef::default() }).await.unwrap();
        assert_eq!((own.sku_id.to_string(), own.listing_id), (w.skus[3].0.clone(), None));
        assert!(resolve(ItemRef { sku: e("NOPE"), ..ItemRef::default() }).await.is_none());

        let gone = call(app, Method::DELETE, &w.owner, &one, &json!({})).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text());
        app.get_as(&w.owner, &one).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        assert!(resolve(ItemRef { variant_id: e("808950810"), ..ItemRef::default() }).await.is_none());
        let actions = app.audit_actions(Some(w.m)).await;
        assert_eq!(actions.iter().filter(|a| a.starts_with("channel_listing.")).count(), 7, "{actions:?}");
    }

    async fn channels_need_their_permissions_and_stay_inside_their_merchant(app: TestApp) {
        let w = world(app, "acme").await;
        let c = channel(app, &w.owner, &channel_body("shop")).await;
        let path = format!("/api/v1/channels/{}", id(&c));
        let listing = created(app, &w.owner, &format!("{path}/listings"), &json!({"sku_id": w.skus[0].0})).await;
        let reader = fixtures::staff_token(app, Some(w.m), "reader@acme.test", &[Permission::ChannelsRead]).await;
        let nobody = fixtures::staff_token(app, Some(w.m), "nobody@acme.test", &[Permission::CatalogRead]).await;
        assert_eq!(app.get_as(&reader, &path).await.status, StatusCode::OK);
        assert_eq!(app.get_as(&reader, &format!("{path}/listings")).await.status, StatusCode::OK);
        for (method, p, body) in [
            (Method::POST, "/api/v1/channels".to_owned(), channel_body("x")),
            (Method::PATCH, path.clone(), json!({"name": "x"})),
            (Method::POST, format!("{path}/status"), json!({"action": "pause"})),
            (Method::POST, format!("{path}/credentials"), json!({"generate_webhook_secret": true})),
            (Method::PUT, format!("{path}/locations"), json!({"locations": []})),
            (Method::POST, format!("{path}/listings"), json!({"sku_id": w.skus[1].0})),
        ] {
            call(app, method, &reader, &p, &body).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        }
        app.get_as(&nobody, &path).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        app.get_as(&nobody, "/api/v1/channels").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");

        // Another merchant's staff with every permission see nothing of it.
        let b = world(app, "bravo").await;
        let one = format!("{path}/listings/{}", id(&listing));
        for r in [
            app.get_as(&b.owner, &path).await,
            app.get_as(&b.owner, &one).await,
            app.get_as(&b.owner, &format!("{path}/locations")).await,
            call(app, Method::PATCH, &b.owner, &path, &json!({"name": "mine"})).await,
            call(app, Method::DELETE, &b.owner, &one, &json!({})).await,
            call(app, Method::POST, &b.owner, &format!("{path}/listings"), &json!({"sku_id": b.skus[0].0})).await,
        ] {
            r.assert_problem(StatusCode::NOT_FOUND, "not-found");
        }
        let bravo_list = app.get_as(&b.owner, "/api/v1/channels").await;
        assert!(!bravo_list.text().contains(&id(&c)), "{}", bravo_list.text());
        // A's channel cannot list B's SKU.
        call(app, Method::POST, &w.owner, &format!("{path}/listings"), &json!({"sku_id": b.skus[0].0})).await
            .assert_problem(StatusCode::CONFLICT, "sku-not-sellable");
    }
}
