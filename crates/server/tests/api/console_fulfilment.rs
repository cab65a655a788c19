//! The console's fulfilment pages driven through their forms by a signed-in packer: a
//! pick wave created from the console with its pick list sorted by SKU code, the printable
//! pick sheet and closing the wave; the packing screen by SKU code and by barcode (plain
//! form and htmx), a wrong code and over-packing refused in place; the ship form creating
//! the shipment and taking the stock out; a partial shipment from one of two locations;
//! the order page's Payments block (record, capture, refund, a card number refused); and
//! the permission and merchant boundaries.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::orders::{Shop, api_order, level, order, post_order, receive, shop};

/// A shop with a packer (orders, inventory and channels) signed in to the console and a
/// watcher who may only read orders.
struct Floor {
    sh: Shop,
    s: ConsoleSession,
    watcher: ConsoleSession,
}

async fn floor(app: &TestApp, code: &str) -> Floor {
    let sh = shop(app, code).await;
    let packer = [
        "orders.read",
        "orders.manage",
        "inventory.read",
        "channels.read",
    ];
    app.custom_role(sh.m, "packer", &packer).await;
    app.custom_role(sh.m, "watcher", &["orders.read"]).await;
    let (p, w) = (
        format!("packer@{code}.test"),
        format!("watcher@{code}.test"),
    );
    app.staff_user(Some(sh.m), &p, &["packer"]).await;
    app.staff_user(Some(sh.m), &w, &["watcher"]).await;
    let s = app.console_login_as(&p, TestApp::STAFF_PASSWORD).await;
    let watcher = app.console_login_as(&w, TestApp::STAFF_PASSWORD).await;
    Floor { sh, s, watcher }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

async fn place(app: &TestApp, sh: &Shop, body: &Value) -> Value {
    let r = post_order(app, sh, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"].clone()
}

#[track_caller]
fn redirected(r: &TestResponse) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").unwrap().to_owned()
}

/// A form POST as htmx sends it (a fragment is wanted, the token in the header).
async fn htmx_post(
    app: &TestApp,
    s: &ConsoleSession,
    path: &str,
    fields: &[(&str, &str)],
) -> TestResponse {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    let headers = [
        (header::COOKIE, s.cookie.as_str()),
        (header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
        (HeaderName::from_static("hx-request"), "true"),
        (HeaderName::from_static("x-csrf-token"), s.csrf.as_str()),
    ];
    app.request(Method::POST, path, &headers, Body::from(body.join("&")))
        .await
}

fn url_encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// The values of `attr="…"` in `html`, in order.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.split(&needle)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The part of `html` from the element marked `data-testid="id"` to the end of its table.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</table>").unwrap_or(rest.len())]
}

fn units_at(o: &Value, location: &str) -> i64 {
    o["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| s(a, "location_id") == location && s(a, "status") == "open")
        .map(|a| a["quantity"].as_i64().unwrap())
        .sum()
}

fn pack_path(order: &str) -> String {
    format!("/admin/fulfilment/orders/{order}/pack")
}

/// Gives the first SKU a barcode.
async fn barcode(app: &TestApp, sh: &Shop, code: &str) -> &'static str {
    let found = app
        .get_as(&sh.owner, &format!("/api/v1/catalog/skus?q={code}"))
        .await
        .json();
    let sku = &found["items"][0];
    let path = format!(
        "/api/v1/catalog/products/{}/skus/{}",
        s(sku, "product_id"),
        s(sku, "id")
    );
    let r = call(
        app,
        Method::PATCH,
        &sh.owner,
        &path,
        &json!({"barcode": "4006381333931"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    "4006381333931"
}

both_dbs! {
    async fn a_wave_is_created_its_pick_list_sorted_by_sku_printed_and_closed(app: TestApp) {
        let f = floor(app, "acme").await;
        let sh = &f.sh;
        let (code0, code1) = (&sh.skus[0].1, &sh.skus[1].1);
        receive(app, sh, &sh.wh1, &sh.skus[0].0, 5).await;
        receive(app, sh, &sh.wh1, &sh.skus[1].0, 5).await;
        let a = place(app, sh, &api_order("w-a", &[(code1, 1, "10.00"), (code0, 2, "10.00")])).await;
        let b = place(app, sh, &api_order("w-b", &[(code0, 1, "10.00")])).await;
        assert_eq!((s(&a, "status"), s(&b, "status")), ("allocated", "allocated"));

        let r = app.console_post(&f.s, "/admin/fulfilment/waves", &[("location_id", &sh.wh1), ("max_orders", "10")]).await;
        let to = redirected(&r);
        assert!(to.starts_with("/admin/fulfilment/waves/") && to.ends_with("?done=created"), "{to}");
        let wave = to.trim_start_matches("/admin/fulfilment/waves/").split('?').next().unwrap().to_owned();
        let page = app.console_get(&f.s, &to).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("data-testid=\"notice\""));
        let picks = attrs(section(&html, "pick-list"), "data-sku");
        let mut sorted = picks.clone();
        sorted.sort();
        assert_eq!(picks.len(), 2, "{picks:?}");
        assert_eq!(picks, sorted, "the pick list is sorted by SKU code");
        let quantities = attrs(section(&html, "pick-list"), "data-quantity");
        let want = |c: &str| if c == code0.as_str() { "3" } else { "1" };
        assert_eq!(quantities, picks.iter().map(|p| want(p)).collect::<Vec<_>>(), "A's two and B's one of the first SKU");
        assert_eq!(attrs(section(&html, "wave-orders"), "data-order"), [s(&a, "number"), s(&b, "number")]);
        assert!(html.contains(&format!("/admin/fulfilment/orders/{}/pack?location={}", s(&a, "id"), sh.wh1)));

        let print = app.console_get(&f.s, &format!("/admin/fulfilment/waves/{wave}/print")).await;
        assert_eq!(print.status, StatusCode::OK);
        let sheet = print.text();
        assert!(sheet.contains("data-testid=\"wave-print\"") && sheet.contains("@media print"));
        assert!(!sheet.contains("class=\"sidebar\""), "the print view has no navigation");
        assert_eq!(attrs(section(&sheet, "pick-list"), "data-sku"), picks);

        let again = app.console_post(&f.s, "/admin/fulfilment/waves", &[("location_id", &sh.wh1), ("max_orders", "10")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "both orders are in the open wave");
        assert!(again.text().contains("data-testid=\"error\""));
        let bad = app.console_post(&f.s, "/admin/fulfilment/waves", &[("location_id", &sh.wh1), ("max_orders", "0")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let open = app.console_get(&f.s, "/admin/fulfilment/waves?status=open").await.text();
        assert_eq!(attrs(&open, "data-wave"), [wave.as_str()]);
        let closed = app.console_post(&f.s, &format!("/admin/fulfilment/waves/{wave}/close"), &[]).await;
        assert_eq!(redirected(&closed), format!("/admin/fulfilment/waves/{wave}?done=closed"));
        let page = app.console_get(&f.s, &format!("/admin/fulfilment/waves/{wave}")).await.text();
        assert!(page.contains("data-testid=\"wave-status\" data-status=\"closed\""));
        assert!(attrs(&app.console_get(&f.s, "/admin/fulfilment/waves?status=open").await.text(), "data-wave").is_empty());
        assert_eq!(attrs(&app.console_get(&f.s, "/admin/fulfilment/waves?status=closed").await.text(), "data-wave"), [wave]);
    }

    async fn packing_by_code_and_barcode_then_the_ship_form_takes_the_stock_out(app: TestApp) {
        let f = floor(app, "acme").await;
        let sh = &f.sh;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, sh, &sh.wh1, sku, 5).await;
        let o = place(app, sh, &api_order("p-a", &[(code, 3, "10.00")])).await;
        assert_eq!(s(&o, "status"), "allocated", "{o}");
        let ean = barcode(app, sh, code).await;
        let id = s(&o, "id");
        let path = pack_path(id);

        let page = app.console_get(&f.s, &path).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("data-testid=\"scan-input\" autofocus"), "the scan input has the focus");
        assert_eq!(attrs(section(&html, "pack-lines"), "data-packed"), ["0"]);
        let ship = [("location_id", sh.wh1.as_str()), ("carrier", "sf"), ("service", "standard"), ("tracking_number", "SF1001"), ("packages", "1")];
        let early = app.console_post(&f.s, &format!("/admin/fulfilment/orders/{id}/ship"), &ship).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "nothing packed yet");
        assert!(early.text().contains("data-testid=\"ship-error\"") && early.text().contains("value=\"SF1001\""), "the form keeps what was entered");

        // A plain form POST packs by SKU code (any case) and comes back to the screen.
        let r = app.console_post(&f.s, &path, &[("location_id", &sh.wh1), ("code", &code.to_lowercase())]).await;
        assert_eq!(redirected(&r), format!("{path}?location={}&done=packed", sh.wh1));
        // htmx packs by barcode and gets only the lines back.
        let r = htmx_post(app, &f.s, &path, &[("location_id", &sh.wh1), ("code", ean)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(!r.text().contains("<html"), "a fragment");
        assert_eq!(attrs(&r.text(), "data-packed"), ["2"]);
        // A wrong code is refused in place, the lines as they stand.
        let r = htmx_post(app, &f.s, &path, &[("location_id", &sh.wh1), ("code", "NOT-IN-ORDER")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("data-testid=\"scan-error\"") && r.text().contains("NOT-IN-ORDER"));
        assert_eq!(attrs(&r.text(), "data-packed"), ["2"], "nothing lost");
        let r = app.console_post(&f.s, &path, &[("location_id", &sh.wh1), ("code", "NOT-IN-ORDER")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "without JS: the whole page");
        assert!(r.text().contains("data-testid=\"scan-error\"") && r.text().contains("value=\"NOT-IN-ORDER\""));
        // Over-packing is refused.
        let r = htmx_post(app, &f.s, &path, &[("location_id", &sh.wh1), ("code", code), ("units", "2")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(attrs(&r.text(), "data-packed"), ["2"]);
        let r = htmx_post(app, &f.s, &path, &[("location_id", &sh.wh1), ("code", code)]).await;
        assert_eq!(attrs(&r.text(), "data-packed"), ["3"]);

        let before = level(app, sh, sku, &sh.wh1).await;
        assert_eq!(before, (5, 3));
        let r = app.console_post(&f.s, &format!("/admin/fulfilment/orders/{id}/ship"), &ship).await;
        assert_eq!(redirected(&r), format!("/admin/orders/{id}?done=shipped"));
        assert_eq!(level(app, sh, sku, &sh.wh1).await, (2, 0), "on hand and reserved went down by the 3 shipped");
        let now = order(app, sh, id).await;
        assert_eq!((s(&now, "status"), s(&now, "fulfilment_status")), ("shipped", "fulfilled"));
        let page = app.console_get(&f.s, &format!("/admin/orders/{id}?done=shipped")).await.text();
        assert!(page.contains("data-testid=\"notice\""));
        assert!(page.contains("data-tracking=\"SF1001\""));
        let shipments = app.get_as(&sh.clerk, &format!("/api/v1/orders/{id}/shipments")).await.json();
        let shipment = shipments[0]["id"].as_str().unwrap();
        assert!(page.contains(&format!("href=\"/admin/shipments/{shipment}\"")));
    }

    async fn part_of_an_order_ships_from_one_of_its_two_locations(app: TestApp) {
        let f = floor(app, "acme").await;
        let sh = &f.sh;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, sh, &sh.wh1, sku, 1).await;
        receive(app, sh, &sh.wh2, sku, 2).await;
        let o = place(app, sh, &api_order("split", &[(code, 3, "10.00")])).await;
        let id = s(&o, "id");
        assert_eq!((units_at(&o, &sh.wh1), units_at(&o, &sh.wh2)), (1, 2), "{o}");
        let page = app.console_get(&f.s, &format!("/admin/orders/{id}")).await.text();
        let block = section(&page, "fulfilment");
        let open = |html: &str| {
            let mut at: Vec<(String, String)> = attrs(html, "data-location-id").into_iter().zip(attrs(html, "data-open-units")).collect();
            at.sort();
            at
        };
        let mut want = vec![(sh.wh1.clone(), "1".to_owned()), (sh.wh2.clone(), "2".to_owned())];
        want.sort();
        assert_eq!(open(block), want);

        let path = pack_path(id);
        let r = app.console_post(&f.s, &path, &[("location_id", &sh.wh1), ("code", code)]).await;
        redirected(&r);
        let ship = [("location_id", sh.wh1.as_str()), ("carrier", "sf"), ("tracking_number", "SF2001"), ("packages", "1")];
        let r = app.console_post(&f.s, &format!("/admin/fulfilment/orders/{id}/ship"), &ship).await;
        assert_eq!(redirected(&r), format!("/admin/orders/{id}?done=shipped"));
        let now = order(app, sh, id).await;
        assert_eq!((s(&now, "status"), s(&now, "fulfilment_status")), ("partially_shipped", "partial"));
        assert_eq!(level(app, sh, sku, &sh.wh1).await, (0, 0));
        assert_eq!(level(app, sh, sku, &sh.wh2).await, (2, 2), "WH2 untouched");

        let page = app.console_get(&f.s, &format!("/admin/orders/{id}")).await.text();
        let block = section(&page, "fulfilment");
        let mut want = vec![(sh.wh1.clone(), "0".to_owned()), (sh.wh2.clone(), "2".to_owned())];
        want.sort();
        assert_eq!(open(block), want);
        assert!(page.contains("data-tracking=\"SF2001\""));
        assert!(page.contains(&format!("{path}?location={}", sh.wh2)), "WH2 can still be packed");
        assert!(!page.contains(&format!("{path}?location={}", sh.wh1)), "nothing left at WH1");
        let wh2 = app.console_get(&f.s, &format!("{path}?location={}", sh.wh2)).await.text();
        assert_eq!(attrs(section(&wh2, "pack-lines"), "data-quantity"), ["2"]);
    }

    async fn the_payments_block_records_captures_refunds_and_refuses_card_numbers(app: TestApp) {
        let f = floor(app, "acme").await;
        let sh = &f.sh;
        receive(app, sh, &sh.wh1, &sh.skus[0].0, 5).await;
        let mut body = api_order("pay", &[(&sh.skus[0].1, 1, "10.00")]);
        body["payment_status"] = json!("unpaid");
        let o = place(app, sh, &body).await;
        let id = s(&o, "id");
        let base = format!("/admin/orders/{id}");

        let r = app.console_post(&f.s, &format!("{base}/payments"), &[("method", "alipay"), ("amount", "10.00"), ("state", "pending"), ("payer", "李雷")]).await;
        assert_eq!(redirected(&r), format!("{base}?done=payment_recorded"));
        let page = app.console_get(&f.s, &base).await.text();
        let payment = attrs(section(&page, "payments"), "data-payment");
        assert_eq!(payment.len(), 1);
        let pid = &payment[0];
        assert_eq!(attrs(section(&page, "payments"), "data-state"), ["pending"]);

        let r = app.console_post(&f.s, &format!("{base}/payments/{pid}/capture"), &[]).await;
        assert_eq!(redirected(&r), format!("{base}?done=payment_captured"));
        assert_eq!(s(&order(app, sh, id).await, "payment_status"), "paid");
        let r = app.console_post(&f.s, &format!("{base}/payments/{pid}/refund"), &[("amount", "3.00")]).await;
        assert_eq!(redirected(&r), format!("{base}?done=payment_partially_refunded"));
        let page = app.console_get(&f.s, &format!("{base}?done=payment_partially_refunded")).await.text();
        assert!(page.contains("data-testid=\"notice\""));
        assert_eq!(attrs(section(&page, "payments"), "data-state"), ["partially_refunded"]);
        assert!(section(&page, "payments").contains("3.00"));
        assert_eq!(s(&order(app, sh, id).await, "payment_status"), "partially_refunded");

        let too_much = app.console_post(&f.s, &format!("{base}/payments/{pid}/refund"), &[("amount", "50.00")]).await;
        assert_eq!(too_much.status, StatusCode::CONFLICT);
        assert!(section(&too_much.text(), "payments").contains("data-testid=\"payment-error\""), "shown in the block");
        let capture_again = app.console_post(&f.s, &format!("{base}/payments/{pid}/capture"), &[]).await;
        assert_eq!(capture_again.status, StatusCode::CONFLICT);

        let card = "4111 1111 1111 1111";
        let r = app.console_post(&f.s, &format!("{base}/payments"), &[("method", "card"), ("amount", "1.00"), ("note", &format!("card {card}"))]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(section(&html, "payments").contains("data-testid=\"payment-error\""));
        assert!(!html.contains(card), "the card number is not echoed back");
        let r = app.console_post(&f.s, &format!("{base}/payments"), &[("method", "cash_on_delivery"), ("amount", "99.00")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "above what is due");
        assert!(r.text().contains("value=\"99.00\""), "the form keeps what was entered");
        let listed = app.get_as(&sh.clerk, &format!("/api/v1/orders/{id}/payments")).await.json();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "nothing else was stored");
    }

    async fn packing_needs_the_permission_and_stays_in_its_merchant(app: TestApp) {
        let f = floor(app, "acme").await;
        let sh = &f.sh;
        let code = &sh.skus[0].1;
        receive(app, sh, &sh.wh1, &sh.skus[0].0, 5).await;
        let o = place(app, sh, &api_order("perm", &[(code, 1, "10.00")])).await;
        let id = s(&o, "id");
        let path = pack_path(id);
        assert_eq!(app.console_get(&f.watcher, &path).await.status, StatusCode::OK, "reading is allowed");
        let r = app.console_post(&f.watcher, &path, &[("location_id", &sh.wh1), ("code", code)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = htmx_post(app, &f.watcher, &path, &[("location_id", &sh.wh1), ("code", code)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let ship = [("location_id", sh.wh1.as_str()), ("carrier", "sf"), ("packages", "1")];
        let r = app.console_post(&f.watcher, &format!("/admin/fulfilment/orders/{id}/ship"), &ship).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app.console_post(&f.watcher, "/admin/fulfilment/waves", &[("location_id", &sh.wh1), ("max_orders", "5")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(order(app, sh, id).await["allocations"][0]["status"], "open");

        let other = floor(app, "bravo").await;
        assert_eq!(app.console_get(&other.s, &format!("/admin/orders/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.console_get(&other.s, &path).await.status, StatusCode::NOT_FOUND);
        let r = app.console_post(&other.s, &path, &[("location_id", &sh.wh1), ("code", code)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.console_post(&other.s, &format!("/admin/orders/{id}/payments"), &[("method", "alipay"), ("amount", "1.00")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.console_post(&f.s, "/admin/fulfilment/waves", &[("location_id", &sh.wh1), ("max_orders", "5")]).await;
        let wave = redirected(&r);
        let wave = wave.split('?').next().unwrap();
        assert_eq!(app.console_get(&other.s, wave).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.console_get(&other.s, &format!("{wave}/print")).await.status, StatusCode::NOT_FOUND);
    }
}
