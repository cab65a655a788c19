//! Invoices over HTTP on both databases (issue 7, PAY-4): gap-free numbering per merchant
//! (a refused issue uses no number), the buyer's unified social credit code checked, one
//! active invoice per order, void then re-issue, full credit notes, the printable page,
//! permissions, and another merchant's invoices being invisible.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::Permission;
use omnihub_testkit::{TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::{call, field_errors};
use crate::fixtures;
use crate::orders::{Shop, api_order, post_order, receive, shop};

/// Takes an order of two units of the shop's first SKU; its id.
async fn order(app: &TestApp, s: &Shop, external_id: &str) -> String {
    let (sku, code) = (&s.skus[0].0, &s.skus[0].1);
    receive(app, s, &s.wh1, sku, 2).await;
    let r = post_order(app, s, &api_order(external_id, &[(code, 2, "99.00")]), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"]["id"].as_str().unwrap().to_owned()
}

async fn issue(
    app: &TestApp,
    token: &str,
    order: &str,
    body: &Value,
) -> omnihub_testkit::TestResponse {
    call(
        app,
        Method::POST,
        token,
        &format!("/api/v1/orders/{order}/invoices"),
        body,
    )
    .await
}

#[track_caller]
fn number(v: &Value) -> &str {
    v["number"].as_str().unwrap()
}

const COMPANY: &str = "91350100M000100Y43";

both_dbs! {
    async fn invoice_numbers_are_gap_free_per_merchant_and_a_refused_issue_uses_none(app: TestApp) {
        // Arrange
        let s = shop(app, "acme").await;
        let (a, b) = (order(app, &s, "web-1").await, order(app, &s, "web-2").await);

        // Act
        let first = issue(app, &s.clerk, &a, &json!({})).await;
        let dup = issue(app, &s.clerk, &a, &json!({})).await;
        let bad = issue(app, &s.clerk, &b, &json!({"buyer_title": "某某公司", "buyer_tax_id": "91350100M000100Y44"})).await;
        let second = issue(app, &s.clerk, &b, &json!({"buyer_title": "某某公司", "buyer_tax_id": COMPANY})).await;
        let other = shop(app, "other").await;
        let theirs = issue(app, &other.clerk, &order(app, &other, "web-1").await, &json!({})).await;

        // Assert
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        let first = first.json();
        assert!(number(&first).starts_with("INV-") && number(&first).ends_with("-000001"), "{first}");
        assert_eq!((first["kind"].as_str(), first["status"].as_str()), (Some("invoice"), Some("issued")));
        assert_eq!(first["total"], json!({"amount": "198.00", "currency": "CNY"}));
        assert_eq!(first["lines"].as_array().unwrap().len(), 1);
        assert_eq!(first["lines"][0]["quantity"], 2);
        dup.assert_problem(StatusCode::CONFLICT, "invoice-exists");
        assert_eq!(field_errors(&bad), [("buyer_tax_id".to_owned(), "invalid".to_owned())]);
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
        let second = second.json();
        assert!(number(&second).ends_with("-000002"), "the refused issues left no hole: {second}");
        assert_eq!(second["buyer_tax_id"], COMPANY);
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
        assert!(number(&theirs.json()).ends_with("-000001"), "each merchant has its own series");
    }
}

both_dbs! {
    async fn a_company_invoice_needs_a_title_with_its_tax_id(app: TestApp) {
        let s = shop(app, "acme").await;
        let o = order(app, &s, "web-1").await;
        let cases = [
            (json!({"buyer_tax_id": COMPANY}), ("buyer_title", "required"), "a tax id without a title"),
            (json!({"buyer_title": "某某公司", "buyer_tax_id": "9135010"}), ("buyer_tax_id", "invalid"), "a short code"),
            (json!({"buyer_title": "某某公司", "buyer_tax_id": "91350100I000100Y43"}), ("buyer_tax_id", "invalid"), "a letter outside the alphabet"),
        ];
        for (body, (field, code), why) in cases {
            let r = issue(app, &s.clerk, &o, &body).await;
            assert_eq!(field_errors(&r), [(field.to_owned(), code.to_owned())], "{why}");
        }
        let lower = issue(app, &s.clerk, &o, &json!({"buyer_title": "个人", "buyer_tax_id": " 91350100m000100y43 "})).await;
        assert_eq!(lower.status, StatusCode::CREATED, "{}", lower.text());
        assert_eq!(lower.json()["buyer_tax_id"], COMPANY);
    }
}

both_dbs! {
    async fn a_void_invoice_keeps_its_number_and_the_order_can_be_invoiced_again(app: TestApp) {
        let s = shop(app, "acme").await;
        let o = order(app, &s, "web-1").await;
        let first = issue(app, &s.clerk, &o, &json!({})).await.json();
        let id = first["id"].as_str().unwrap();

        let void = call(app, Method::POST, &s.clerk, &format!("/api/v1/invoices/{id}/void"), &json!({})).await;
        assert_eq!(void.status, StatusCode::OK, "{}", void.text());
        assert_eq!(void.json()["status"], "void");
        let again = call(app, Method::POST, &s.clerk, &format!("/api/v1/invoices/{id}/void"), &json!({})).await;
        again.assert_problem(StatusCode::CONFLICT, "invoice-void");
        let reissued = issue(app, &s.clerk, &o, &json!({})).await;
        assert_eq!(reissued.status, StatusCode::CREATED, "{}", reissued.text());
        assert!(number(&reissued.json()).ends_with("-000002"));

        let list = app.get_as(&s.clerk, &format!("/api/v1/orders/{o}/invoices")).await.json();
        let statuses: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["void", "issued"]);
        let detail = app.get_as(&s.clerk, &format!("/api/v1/orders/{o}")).await.json();
        let notes = detail["timeline"].as_array().unwrap().iter().filter(|e| e["data"]["number"].is_string()).count();
        assert_eq!(notes, 3, "issue, void and re-issue are on the order's timeline");
    }
}

both_dbs! {
    async fn a_credit_note_credits_an_issued_invoice_once_in_full(app: TestApp) {
        let s = shop(app, "acme").await;
        let o = order(app, &s, "web-1").await;
        let inv = issue(app, &s.clerk, &o, &json!({"buyer_title": "某某公司", "buyer_tax_id": COMPANY})).await.json();
        let id = inv["id"].as_str().unwrap();
        let path = format!("/api/v1/invoices/{id}/credit-note");

        let cn = call(app, Method::POST, &s.clerk, &path, &json!({})).await;
        assert_eq!(cn.status, StatusCode::CREATED, "{}", cn.text());
        let cn = cn.json();
        assert!(number(&cn).starts_with("CN-") && number(&cn).ends_with("-000002"), "{cn}");
        assert_eq!((cn["kind"].as_str(), cn["credit_of"].as_str()), (Some("credit_note"), Some(id)));
        assert_eq!((&cn["total"], &cn["buyer_tax_id"], &cn["lines"]), (&inv["total"], &inv["buyer_tax_id"], &inv["lines"]));
        call(app, Method::POST, &s.clerk, &path, &json!({})).await.assert_problem(StatusCode::CONFLICT, "invoice-credited");
        let cn_id = cn["id"].as_str().unwrap();
        let of_cn = call(app, Method::POST, &s.clerk, &format!("/api/v1/invoices/{cn_id}/credit-note"), &json!({})).await;
        of_cn.assert_problem(StatusCode::CONFLICT, "not-creditable");
    }
}

both_dbs! {
    async fn the_printed_invoice_shows_number_buyer_and_lines_in_either_language(app: TestApp) {
        let s = shop(app, "acme").await;
        let o = order(app, &s, "web-1").await;
        let inv = issue(app, &s.clerk, &o, &json!({"buyer_title": "上海某某有限公司", "buyer_tax_id": COMPANY})).await.json();
        let id = inv["id"].as_str().unwrap();

        let zh = app.get_as(&s.clerk, &format!("/api/v1/invoices/{id}/print")).await;
        let en = app.get_as(&s.clerk, &format!("/api/v1/invoices/{id}/print?lang=en")).await;

        assert_eq!(zh.status, StatusCode::OK, "{}", zh.text());
        assert!(zh.headers["content-type"].to_str().unwrap().starts_with("text/html"));
        let (zh, en) = (zh.text(), en.text());
        for page in [&zh, &en] {
            assert!(page.contains(number(&inv)), "number");
            assert!(page.contains("上海某某有限公司") && page.contains(COMPANY), "buyer");
            assert!(page.contains(&s.skus[0].1) && page.contains("198.00"), "lines and total");
        }
        assert!(zh.contains("价税合计") && !zh.contains("Total"));
        assert!(en.contains("Total") && !en.contains("价税合计"));
    }
}

both_dbs! {
    async fn invoices_need_order_permissions_and_stay_inside_their_merchant(app: TestApp) {
        let s = shop(app, "acme").await;
        let o = order(app, &s, "web-1").await;
        let reader = fixtures::staff_token(app, Some(s.m), "reader@acme.test", &[Permission::OrdersRead]).await;
        let nobody = fixtures::staff_token(app, Some(s.m), "nobody@acme.test", &[Permission::InventoryRead]).await;
        issue(app, &reader, &o, &json!({})).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let inv = issue(app, &s.clerk, &o, &json!({})).await.json();
        let id = inv["id"].as_str().unwrap();
        assert_eq!(app.get_as(&reader, &format!("/api/v1/invoices/{id}")).await.status, StatusCode::OK);
        assert_eq!(app.get_as(&nobody, &format!("/api/v1/invoices/{id}")).await.status, StatusCode::FORBIDDEN);
        let void = call(app, Method::POST, &reader, &format!("/api/v1/invoices/{id}/void"), &json!({})).await;
        assert_eq!(void.status, StatusCode::FORBIDDEN);

        let other = shop(app, "other").await;
        for path in [format!("/api/v1/invoices/{id}"), format!("/api/v1/invoices/{id}/print"), format!("/api/v1/orders/{o}/invoices")] {
            assert_eq!(app.get_as(&other.clerk, &path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        issue(app, &other.clerk, &o, &json!({})).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        let theirs = call(app, Method::POST, &other.clerk, &format!("/api/v1/invoices/{id}/void"), &json!({})).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    }
}
