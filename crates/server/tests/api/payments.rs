//! Payments per order over HTTP on both databases (issue 7, PAY-1/PAY-2): several payments
//! deriving the order's payment status, illegal moves, card numbers refused with nothing
//! stored, an order held for being unpaid released and allocated once paid, signed
//! provider notifications applied once and forged ones refused, permissions and other
//! merchants.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::access::Permission;
use omnihub_domain::payments::TestProvider;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::fixtures;
use crate::orders::{Shop, api_order, level, order, post_order, receive, shop};

/// An unpaid order of 2 × 50.00 CNY (held for review as `unpaid_not_cod`); its id.
async fn unpaid_order(app: &TestApp, s: &Shop, external_id: &str) -> String {
    let code = &s.skus[0].1;
    let mut body = api_order(external_id, &[(code, 2, "50.00")]);
    body["payment_status"] = json!("unpaid");
    let r = post_order(app, s, &body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"]["id"].as_str().unwrap().to_owned()
}

async fn pay(app: &TestApp, token: &str, order: &str, body: &Value) -> TestResponse {
    call(
        app,
        Method::POST,
        token,
        &format!("/api/v1/orders/{order}/payments"),
        body,
    )
    .await
}

async fn paid(app: &TestApp, s: &Shop, order: &str, body: &Value) -> String {
    let r = pay(app, &s.clerk, order, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, token: &str, payment: &str, what: &str, body: &Value) -> TestResponse {
    call(
        app,
        Method::POST,
        token,
        &format!("/api/v1/payments/{payment}/{what}"),
        body,
    )
    .await
}

async fn payment_status(app: &TestApp, s: &Shop, id: &str) -> String {
    order(app, s, id).await["payment_status"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code_of(r: &TestResponse) -> String {
    r.json()["code"].as_str().unwrap_or_default().to_owned()
}

async fn notify(app: &TestApp, s: &Shop, body: &str, signature: Option<&str>) -> TestResponse {
    let mut headers = vec![(header::CONTENT_TYPE, "application/json")];
    if let Some(sig) = signature {
        headers.push((HeaderName::from_static("x-omnihub-signature"), sig));
    }
    let path = format!("/api/v1/payments/providers/test/notify?merchant_id={}", s.m);
    app.request(Method::POST, &path, &headers, Body::from(body.to_owned()))
        .await
}

const PROVIDER_SECRET: &str = "tp-secret-0123456789abcdef";

both_dbs! {
    async fn a_paid_order_is_invoiced_automatically_when_the_merchant_says_so(app: TestApp) {
        let s = shop(app, "acme").await;
        receive(app, &s, &s.wh1, &s.skus[0].0, 10).await;
        let key = format!("/api/v1/merchants/{}/settings/invoices.auto_issue", s.m);
        let r = app.send_json(Method::PUT, &key, Some(&s.owner), &json!({"value": true})).await;
        assert!(r.status.is_success(), "{}", r.text());
        let first = unpaid_order(app, &s, "auto-1").await;
        paid(app, &s, &first, &json!({"method": "alipay", "amount": "60.00", "state": "captured"})).await;
        let clerk = s.clerk.clone();
        let invoices = async |id: String| app.get_as(&clerk, &format!("/api/v1/orders/{id}/invoices")).await.json()["items"].clone();
        assert_eq!(invoices(first.clone()).await.as_array().map(Vec::len), Some(0), "partly paid: no invoice yet");
        paid(app, &s, &first, &json!({"method": "alipay", "amount": "40.00", "state": "captured"})).await;
        let issued = invoices(first.clone()).await;
        assert_eq!(issued.as_array().map(Vec::len), Some(1), "{issued}");
        assert!(issued[0]["number"].as_str().unwrap().ends_with("000001"), "{issued}");
        let second = unpaid_order(app, &s, "auto-2").await;
        paid(app, &s, &second, &json!({"method": "bank_transfer", "amount": "100.00", "state": "captured"})).await;
        let next = invoices(second).await;
        assert!(next[0]["number"].as_str().unwrap().ends_with("000002"), "numbers stay gap-free: {next}");
    }

    async fn several_payments_derive_the_orders_payment_status_and_release_it(app: TestApp) {
        let s = shop(app, "acme").await;
        let sku = &s.skus[0].0;
        receive(app, &s, &s.wh1, sku, 5).await;
        let id = unpaid_order(app, &s, "pay-1").await;
        let held = order(app, &s, &id).await;
        assert_eq!((held["status"].as_str(), held["hold_reasons"].clone()), (Some("on_hold"), json!(["unpaid_not_cod"])));

        let first = paid(app, &s, &id, &json!({"method": "alipay", "amount": "60.00", "state": "captured"})).await;
        assert_eq!(payment_status(app, &s, &id).await, "unpaid", "60 of 100 is not paid");
        assert_eq!(order(app, &s, &id).await["status"], "on_hold");
        let over = pay(app, &s.clerk, &id, &json!({"method": "bank_transfer", "amount": "40.01"})).await;
        assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", over.text());
        assert_eq!(over.json()["errors"][0]["code"], "above_due");

        let second = paid(app, &s, &id, &json!({"method": "wechat_pay", "amount": "40.00", "state": "authorized"})).await;
        let now = order(app, &s, &id).await;
        assert_eq!((now["payment_status"].as_str(), now["status"].as_str()), (Some("authorized"), Some("allocated")), "{now}");
        assert_eq!(level(app, &s, sku, &s.wh1).await, (5, 2), "released and allocated once secured");
        let events: Vec<&str> = now["timeline"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
        assert!(events.ends_with(&["payment_changed", "released", "allocated"]), "{events:?}");

        let r = act(app, &s.clerk, &second, "capture", &json!({})).await;
        assert_eq!((r.status, r.json()["state"].as_str()), (StatusCode::OK, Some("captured")), "{}", r.text());
        assert_eq!(payment_status(app, &s, &id).await, "paid");

        let r = act(app, &s.clerk, &first, "refund", &json!({"amount": "10.00"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!((r.json()["state"].as_str(), r.json()["refunded"]["amount"].as_str()), (Some("partially_refunded"), Some("10.00")));
        assert_eq!(payment_status(app, &s, &id).await, "partially_refunded");
        assert_eq!(act(app, &s.clerk, &first, "refund", &json!({"amount": "50.00"})).await.status, StatusCode::OK);
        assert_eq!(payment_status(app, &s, &id).await, "partially_refunded", "the second payment is still kept");
        assert_eq!(act(app, &s.clerk, &second, "refund", &json!({"amount": "40.00"})).await.status, StatusCode::OK);
        assert_eq!(payment_status(app, &s, &id).await, "refunded");

        let list = app.get_as(&s.clerk, &format!("/api/v1/orders/{id}/payments")).await;
        assert_eq!(list.status, StatusCode::OK);
        let list = list.json();
        let states: Vec<&str> = list["items"].as_array().unwrap().iter().map(|p| p["state"].as_str().unwrap()).collect();
        assert_eq!(states, ["refunded", "refunded"]);
        let one = app.get_as(&s.clerk, &format!("/api/v1/payments/{first}")).await.json();
        let log: Vec<&str> = one["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(log, ["recorded", "refunded", "refunded"]);
    }

    async fn illegal_moves_are_conflicts(app: TestApp) {
        let s = shop(app, "acme").await;
        let id = unpaid_order(app, &s, "pay-2").await;
        let p = paid(app, &s, &id, &json!({"method": "bank_transfer", "amount": "30.00"})).await;
        let r = act(app, &s.clerk, &p, "refund", &json!({"amount": "1.00"})).await;
        assert_eq!((r.status, code_of(&r)), (StatusCode::CONFLICT, "payment-state".to_owned()), "a pending payment has nothing to refund");
        assert_eq!(act(app, &s.clerk, &p, "fail", &json!({})).await.status, StatusCode::OK);
        let r = act(app, &s.clerk, &p, "capture", &json!({})).await;
        assert_eq!((r.status, code_of(&r)), (StatusCode::CONFLICT, "payment-state".to_owned()));
        let q = paid(app, &s, &id, &json!({"method": "cash_on_delivery", "amount": "100.00", "state": "captured"})).await;
        let r = act(app, &s.clerk, &q, "fail", &json!({})).await;
        assert_eq!((r.status, code_of(&r)), (StatusCode::CONFLICT, "payment-state".to_owned()));
        let r = act(app, &s.clerk, &q, "refund", &json!({"amount": "100.01"})).await;
        assert_eq!((r.status, code_of(&r)), (StatusCode::CONFLICT, "refund-amount".to_owned()));
        assert_eq!(payment_status(app, &s, &id).await, "paid", "refused moves change nothing");
    }

    async fn card_numbers_are_refused_and_nothing_is_stored(app: TestApp) {
        let s = shop(app, "acme").await;
        let id = unpaid_order(app, &s, "pay-3").await;
        for body in [
            json!({"method": "card", "amount": "10.00", "note": "card 4111 1111 1111 1111"}),
            json!({"method": "card", "amount": "10.00", "payer": "5500-0000-0000-0004"}),
            json!({"method": "card", "amount": "10.00", "provider_reference": "4111111111111111"}),
            json!({"method": "card", "amount": "10.00", "card_number": "378282246310005"}),
        ] {
            let r = pay(app, &s.clerk, &id, &body).await;
            assert_eq!((r.status, code_of(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "card-number-refused".to_owned()), "{body}: {}", r.text());
        }
        let list = app.get_as(&s.clerk, &format!("/api/v1/orders/{id}/payments")).await;
        assert_eq!(list.json()["items"], json!([]));
        let ok = paid(app, &s, &id, &json!({"method": "card", "amount": "10.00", "state": "captured", "note": "ref 4111111111111112"})).await;
        let r = act(app, &s.clerk, &ok, "refund", &json!({"amount": "1.00", "reason": "4111111111111111"})).await;
        assert_eq!((r.status, code_of(&r)), (StatusCode::UNPROCESSABLE_ENTITY, "card-number-refused".to_owned()));
        let p = app.get_as(&s.clerk, &format!("/api/v1/payments/{ok}")).await.json();
        assert_eq!((p["state"].as_str(), p["note"].as_str()), (Some("captured"), Some("ref 4111111111111112")));
    }

    async fn signed_notifications_apply_once_and_forged_ones_are_refused(app: TestApp) {
        let s = shop(app, "acme").await;
        receive(app, &s, &s.wh1, &s.skus[0].0, 2).await;
        let id = unpaid_order(app, &s, "pay-4").await;
        let capture = r#"{"provider_reference":"tp_1","event":"captured","amount":"100.00"}"#;
        let sig = TestProvider::sign(PROVIDER_SECRET, capture.as_bytes());
        let before_secret = notify(app, &s, capture, Some(&sig)).await;
        assert_eq!(before_secret.status, StatusCode::UNAUTHORIZED, "no secret set yet");
        let put = call(app, Method::PUT, &s.clerk, "/api/v1/payments/providers/test/secret", &json!({"secret": PROVIDER_SECRET})).await;
        assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.text());
        let p = paid(app, &s, &id, &json!({"method": "card", "amount": "100.00", "provider": "test", "provider_reference": "tp_1"})).await;

        let forged = TestProvider::sign("not-the-secret-at-all", capture.as_bytes());
        assert_eq!(notify(app, &s, capture, Some(&forged)).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(notify(app, &s, capture, None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(payment_status(app, &s, &id).await, "unpaid", "refused notifications change nothing");

        let r = notify(app, &s, capture, Some(&sig)).await;
        assert_eq!((r.status, r.json()["outcome"].as_str()), (StatusCode::OK, Some("applied")), "{}", r.text());
        assert_eq!(payment_status(app, &s, &id).await, "paid");
        assert_eq!(order(app, &s, &id).await["status"], "allocated");
        let again = notify(app, &s, capture, Some(&sig)).await;
        assert_eq!((again.status, again.json()["outcome"].as_str()), (StatusCode::OK, Some("duplicate")));

        let refund = r#"{"provider_reference":"tp_1","event":"refunded","amount":"25.00"}"#;
        let sig = TestProvider::sign(PROVIDER_SECRET, refund.as_bytes());
        assert_eq!(notify(app, &s, refund, Some(&sig)).await.json()["outcome"], "applied");
        assert_eq!(notify(app, &s, refund, Some(&sig)).await.json()["outcome"], "duplicate");
        let now = app.get_as(&s.clerk, &format!("/api/v1/payments/{p}")).await.json();
        assert_eq!((now["state"].as_str(), now["refunded"]["amount"].as_str()), (Some("partially_refunded"), Some("25.00")), "refunded once: {now}");
        assert_eq!(now["events"].as_array().unwrap().len(), 3, "recorded, captured, refunded");
    }

    async fn payments_need_permissions_and_stay_in_their_merchant(app: TestApp) {
        let s = shop(app, "acme").await;
        let id = unpaid_order(app, &s, "pay-5").await;
        let p = paid(app, &s, &id, &json!({"method": "alipay", "amount": "10.00"})).await;
        let reader = fixtures::staff_token(app, Some(s.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        let r = pay(app, &reader, &id, &json!({"method": "alipay", "amount": "10.00"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
        assert_eq!(act(app, &reader, &p, "capture", &json!({})).await.status, StatusCode::FORBIDDEN);
        let put = call(app, Method::PUT, &reader, "/api/v1/payments/providers/test/secret", &json!({"secret": PROVIDER_SECRET})).await;
        assert_eq!(put.status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_as(&reader, &format!("/api/v1/payments/{p}")).await.status, StatusCode::OK);

        let other = shop(app, "bravo").await;
        assert_eq!(app.get_as(&other.clerk, &format!("/api/v1/payments/{p}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_as(&other.clerk, &format!("/api/v1/orders/{id}/payments")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(act(app, &other.clerk, &p, "capture", &json!({})).await.status, StatusCode::NOT_FOUND);
        assert_eq!(pay(app, &other.clerk, &id, &json!({"method": "alipay", "amount": "10.00"})).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_as(&s.clerk, &format!("/api/v1/payments/{p}")).await.json()["state"], "pending");
    }
}
