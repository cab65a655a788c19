//! The console's inventory pages, driven through their forms as merchant staff: locations,
//! goods-in (shown in the overview and the ledger, with the htmx partial of the filter),
//! inline errors on the line forms, adjustments above the approval threshold decided by
//! someone else (self-approval refused with a message), transfers dispatched and received
//! short, stocktakes counted from the form and from CSV (a bad row in the report) then
//! posted, alerts raised by thresholds and acknowledged, the backorder switch, the
//! permission refusal, CSRF, and both languages.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs};

const ALL: &[&str] = &[
    "catalog.read",
    "catalog.write",
    "settings.manage",
    "inventory.read",
    "inventory.adjust",
    "inventory.approve",
];

/// A merchant with two inventory staff (both may adjust and approve).
async fn staff(app: &TestApp) -> (MerchantId, ConsoleSession, ConsoleSession) {
    let m = app.merchant("acme").await;
    app.custom_role(m, "stock_all", ALL).await;
    app.staff_user(Some(m), "clerk@acme.test", &["stock_all"])
        .await;
    app.staff_user(Some(m), "boss@acme.test", &["stock_all"])
        .await;
    let clerk = app
        .console_login_as("clerk@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    let boss = app
        .console_login_as("boss@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    (m, clerk, boss)
}

/// The path a 303 points to.
fn location(response: &TestResponse) -> String {
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    response.header("location").unwrap().to_owned()
}

/// The id in `/admin/inventory/<kind>/<id>?...`.
fn id_in(location: &str) -> String {
    location
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// The value of `attr="…"` (an id) on the element whose text contains `name`, searching
/// back.
fn attr_before(page: &str, name: &str, attr: &str) -> String {
    let at = page
        .find(name)
        .unwrap_or_else(|| panic!("{name} not on the page: {page}"));
    let key = format!("{attr}=\"");
    let start = page[..at].rfind(&key).expect("attribute") + key.len();
    page[start..start + 36].to_owned()
}

/// The `<tr>` whose `data-…` attribute is `value`.
fn row<'a>(page: &'a str, attr: &str, value: &str) -> &'a str {
    let key = format!("{attr}=\"{value}\"");
    let at = page
        .find(&key)
        .unwrap_or_else(|| panic!("no row {key}: {page}"));
    let end = page[at..].find("</tr>").map_or(page.len(), |e| at + e);
    &page[at..end]
}

async fn get_with(
    app: &TestApp,
    s: &ConsoleSession,
    path: &str,
    extra: &[(HeaderName, &str)],
) -> TestResponse {
    let mut headers = vec![(header::COOKIE, s.cookie.as_str())];
    headers.extend_from_slice(extra);
    app.request(Method::GET, path, &headers, Body::empty())
        .await
}

/// A product with one SKU `code` (price 20, cost 10) made through the catalogue form.
async fn sku(app: &TestApp, s: &ConsoleSession, name: &str, code: &str) {
    let form = [
        ("name", name),
        ("options", ""),
        ("code_prefix", code),
        ("price", "20"),
        ("cost", "10"),
        ("brand_id", ""),
        ("category_id", ""),
    ];
    location(&app.console_post(s, "/admin/catalog/products", &form).await);
}

/// A warehouse made through the location form; returns its id.
async fn warehouse(app: &TestApp, s: &ConsoleSession, code: &str) -> String {
    let form = [
        ("code", code),
        ("name", &format!("Warehouse {code}") as &str),
        ("kind", "warehouse"),
        ("country", "CN"),
        ("province", "310000"),
        ("city", "310100"),
        ("address", ""),
        ("priority", "10"),
        ("active", "1"),
    ];
    let done = app
        .console_post(s, "/admin/inventory/locations", &form)
        .await;
    assert_eq!(location(&done), "/admin/inventory/locations?done=created");
    let page = app
        .console_get(s, "/admin/inventory/locations")
        .await
        .text();
    attr_before(&page, &format!(">{code}</a>"), "data-location")
}

/// Receives `lines` at `loc` with `reference` through the form.
async fn receive(
    app: &TestApp,
    s: &ConsoleSession,
    loc: &str,
    reference: &str,
    lines: &[(&str, &str)],
) -> TestResponse {
    let mut form = vec![("location_id", loc), ("reference", reference), ("note", "")];
    for (code, q) in lines {
        form.push(("sku_code", code));
        form.push(("quantity", q));
    }
    app.console_post(s, "/admin/inventory/receive", &form).await
}

/// The on-hand figure of `sku@loc` in the overview.
async fn on_hand(app: &TestApp, s: &ConsoleSession, level: &str) -> String {
    let page = app.console_get(s, "/admin/inventory/stock").await.text();
    let r = row(&page, "data-level", level);
    let key = "data-on-hand=\"";
    let start = r.find(key).unwrap() + key.len();
    r[start..start + r[start..].find('"').unwrap()].to_owned()
}

both_dbs! {
    async fn a_receipt_shows_in_the_overview_and_the_ledger(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        sku(app, &clerk, "Tee", "tee").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        let wh2 = warehouse(app, &clerk, "WH2").await;

        // Inline errors: an unknown code and a quantity that is not a number, beside their
        // rows; then a negative quantity, refused by the use case, beside its row.
        let bad = receive(app, &clerk, &wh1, "PO-1", &[("MUG", "x"), ("NOPE", "1")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = bad.text();
        assert!(text.contains("data-field=\"lines[0].quantity\"") && text.contains("data-field=\"lines[1].sku_code\""), "{text}");
        assert!(text.contains("value=\"NOPE\"") && text.contains("value=\"PO-1\""), "typed values are kept: {text}");
        let negative = receive(app, &clerk, &wh1, "PO-1", &[("", ""), ("MUG", "-3")]).await;
        assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(negative.text().contains("data-field=\"lines[1].quantity\""), "{}", negative.text());
        let no_reference = receive(app, &clerk, &wh1, "", &[("MUG", "3")]).await;
        assert!(no_reference.text().contains("data-field=\"reference\""), "{}", no_reference.text());

        // A good receipt lands in the ledger (filtered by its reference) and the overview.
        let ok = receive(app, &clerk, &wh1, "PO-7", &[("mug", "12"), ("TEE", "4")]).await;
        assert_eq!(location(&ok), "/admin/inventory/movements?reference=PO-7&done=received");
        let ledger = app.console_get(&clerk, "/admin/inventory/movements?reference=PO-7&done=received").await.text();
        assert_eq!(ledger.matches("data-reason=\"receipt\"").count(), 2, "{ledger}");
        assert!(ledger.contains("data-quantity=\"12\"") && ledger.contains("clerk@acme.test"), "{ledger}");
        receive(app, &clerk, &wh2, "PO-8", &[("MUG", "2")]).await;
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "12");
        assert_eq!(on_hand(app, &clerk, "MUG@WH2").await, "2");
        // The ledger filters by SKU code and location; an unknown code says so.
        let mug_wh1 = app.console_get(&clerk, &format!("/admin/inventory/movements?sku=mug&location={wh1}")).await.text();
        assert_eq!(mug_wh1.matches("data-movement=").count(), 1, "{mug_wh1}");
        let none = app.console_get(&clerk, "/admin/inventory/movements?sku=NOPE").await.text();
        assert!(none.contains("data-testid=\"unknown-sku\"") && !none.contains("data-movement="), "{none}");
        let receipts = app.console_get(&clerk, "/admin/inventory/movements?reason=receipt").await.text();
        assert_eq!(receipts.matches("data-movement=").count(), 3);

        // Overview filters: by location, by SKU search, by location view; the htmx
        // partial is only the rows.
        let at_wh2 = app.console_get(&clerk, &format!("/admin/inventory/stock?location={wh2}")).await.text();
        assert!(at_wh2.contains("data-level=\"MUG@WH2\"") && !at_wh2.contains("@WH1\""), "{at_wh2}");
        let hx = [(HeaderName::from_static("hx-request"), "true")];
        let partial = get_with(app, &clerk, "/admin/inventory/stock?q=tee", &hx).await;
        assert_eq!(partial.status, StatusCode::OK);
        let rows = partial.text();
        assert!(rows.contains("data-level=\"TEE@WH1\"") && !rows.contains("MUG@") && !rows.contains("<html"), "{rows}");
        let by_name = app.console_get(&clerk, "/admin/inventory/stock?q=Mu").await.text();
        assert!(by_name.contains("MUG@WH1") && by_name.contains("MUG@WH2") && !by_name.contains("TEE@"), "{by_name}");
        let by_location = app.console_get(&clerk, "/admin/inventory/stock?view=location").await.text();
        let (a, b, c) = (by_location.find("MUG@WH1").unwrap(), by_location.find("TEE@WH1").unwrap(), by_location.find("MUG@WH2").unwrap());
        assert!(a < b && b < c, "grouped by location: {by_location}");
        // The ledger link of a level carries its SKU and location.
        assert!(at_wh2.contains(&format!("/admin/inventory/movements?sku=MUG&#38;location={wh2}")), "{at_wh2}");
    }

    async fn the_backorder_switch_belongs_to_the_sku(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "1")]).await);
        let page = app.console_get(&clerk, "/admin/inventory/stock").await.text();
        assert!(page.contains("data-backorder=\"off\""), "{page}");
        let sku_id = {
            let key = "action=\"/admin/inventory/skus/";
            let start = page.find(key).unwrap() + key.len();
            page[start..start + 36].to_owned()
        };
        let on = app.console_post(&clerk, &format!("/admin/inventory/skus/{sku_id}/backorder"), &[("allow", "1"), ("back", "/admin/inventory/stock")]).await;
        assert_eq!(location(&on), "/admin/inventory/stock?done=backorder");
        let page = app.console_get(&clerk, "/admin/inventory/stock").await.text();
        assert!(page.contains("data-backorder=\"on\""), "{page}");
    }

    async fn adjustments_above_the_threshold_wait_for_another_approver(app: TestApp) {
        let (_, clerk, boss) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "50")]).await);
        let saved = app.console_post(&clerk, "/admin/inventory/settings", &[("quantity", "5"), ("value_minor", "")]).await;
        assert_eq!(location(&saved), "/admin/inventory/settings?done=saved");
        assert!(app.console_get(&clerk, "/admin/inventory/settings").await.text().contains("value=\"5\""));
        let bad_setting = app.console_post(&clerk, "/admin/inventory/settings", &[("quantity", "-1"), ("value_minor", "")]).await;
        assert_eq!(bad_setting.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_setting.text().contains("data-field=\"quantity\""), "{}", bad_setting.text());

        let adjust = |code: &'static str, reason: &'static str, delta: &'static str| {
            let (app, clerk, wh1) = (app, &clerk, wh1.clone());
            async move {
                let form = [("sku_code", code), ("location_id", &wh1 as &str), ("reason", reason), ("delta", delta), ("note", "shelf collapsed")];
                app.console_post(clerk, "/admin/inventory/adjustments", &form).await
            }
        };
        // Inline errors: unknown code, a delta that is no number, a reason that goes the
        // other way.
        let unknown = adjust("NOPE", "damaged", "x").await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = unknown.text();
        assert!(text.contains("data-field=\"sku_code\"") && text.contains("data-field=\"delta\""), "{text}");
        let wrong_way = adjust("MUG", "found", "-2").await;
        assert!(wrong_way.text().contains("data-field=\"delta\""), "{}", wrong_way.text());
        // Below the threshold it is booked at once; above it waits.
        assert_eq!(location(&adjust("MUG", "damaged", "-2").await), "/admin/inventory/adjustments?done=applied");
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "48");
        assert_eq!(location(&adjust("MUG", "lost", "-10").await), "/admin/inventory/adjustments?done=pending");
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "48");
        let page = app.console_get(&clerk, "/admin/inventory/adjustments?done=pending").await.text();
        let pending = &page[page.find("data-testid=\"pending\"").unwrap()..page.find("data-testid=\"recent\"").unwrap()];
        assert_eq!(pending.matches("data-status=\"pending\"").count(), 1, "{page}");
        let id = attr_before(pending, "data-status=\"pending\"", "data-adjustment");
        // The requester cannot approve it: refused with a message on the page.
        let own = app.console_post(&clerk, &format!("/admin/inventory/adjustments/{id}/approve"), &[]).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text());
        assert!(own.text().contains("data-testid=\"error\"") && own.text().contains("不能审批自己提交的调整"), "{}", own.text());
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "48");
        // Someone else approves it: booked.
        let ok = app.console_post(&boss, &format!("/admin/inventory/adjustments/{id}/approve"), &[]).await;
        assert_eq!(location(&ok), "/admin/inventory/adjustments?done=approved");
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "38");
        let again = app.console_post(&boss, &format!("/admin/inventory/adjustments/{id}/reject"), &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
        let ledger = app.console_get(&clerk, "/admin/inventory/movements?reason=adjustment").await.text();
        assert_eq!(ledger.matches("data-movement=").count(), 2, "{ledger}");
    }

    async fn a_transfer_goes_through_dispatch_and_receive(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        sku(app, &clerk, "Tee", "tee").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        let wh2 = warehouse(app, &clerk, "WH2").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "10"), ("TEE", "5")]).await);
        // The same location twice, and an unknown SKU, are refused on the form.
        let same = app.console_post(&clerk, "/admin/inventory/transfers", &[("from_location_id", &wh1), ("to_location_id", &wh1), ("sku_code", "MUG"), ("quantity", "1"), ("note", "")]).await;
        assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(same.text().contains("data-field=\"to_location_id\""), "{}", same.text());
        let unknown = app.console_post(&clerk, "/admin/inventory/transfers", &[("from_location_id", &wh1), ("to_location_id", &wh2), ("sku_code", "NOPE"), ("quantity", "1"), ("note", "")]).await;
        assert!(unknown.text().contains("data-field=\"lines[0].sku_code\""), "{}", unknown.text());

        let form = [("from_location_id", wh1.as_str()), ("to_location_id", &wh2), ("sku_code", "MUG"), ("quantity", "6"), ("sku_code", "TEE"), ("quantity", "2"), ("note", "restock store")];
        let created = location(&app.console_post(&clerk, "/admin/inventory/transfers", &form).await);
        let id = id_in(&created);
        let path = format!("/admin/inventory/transfers/{id}");
        let page = app.console_get(&clerk, &created).await.text();
        assert!(page.contains("data-status=\"draft\""), "{page}");
        assert!(app.console_get(&clerk, "/admin/inventory/transfers").await.text().contains(&format!("data-transfer=\"{id}\"")));
        location(&app.console_post(&clerk, &format!("{path}/dispatch"), &[]).await);
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "4");
        let stock = app.console_get(&clerk, &format!("/admin/inventory/stock?location={wh2}")).await.text();
        assert!(row(&stock, "data-level", "MUG@WH2").contains("<td>6</td>"), "incoming: {stock}");
        // Dispatching twice is refused on the page.
        let twice = app.console_post(&clerk, &format!("{path}/dispatch"), &[]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.text().contains("data-testid=\"error\""));
        // Part arrives; then the rest is closed short.
        let page = app.console_get(&clerk, &path).await.text();
        let mug = attr_before(&page, "name=\"received\" value=\"6\"", "value");
        let tee = attr_before(&page, "name=\"received\" value=\"2\"", "value");
        let first = app.console_post(&clerk, &format!("{path}/receive"), &[("sku_id", &mug), ("received", "4"), ("sku_id", &tee), ("received", "")]).await;
        assert_eq!(location(&first), format!("{path}?done=received"));
        let page = app.console_get(&clerk, &path).await.text();
        assert!(page.contains("data-status=\"partially_received\""), "{page}");
        let last = app.console_post(&clerk, &format!("{path}/receive"), &[("sku_id", &mug), ("received", "1"), ("sku_id", &tee), ("received", "2"), ("close", "1")]).await;
        location(&last);
        let page = app.console_get(&clerk, &path).await.text();
        assert!(page.contains("data-status=\"received\""), "{page}");
        assert!(row(&page, "data-line", "MUG").contains("data-received=\"5\" data-discrepancy=\"1\""), "{page}");
        assert_eq!(on_hand(app, &clerk, "MUG@WH2").await, "5");
        assert_eq!(on_hand(app, &clerk, "TEE@WH2").await, "2");
        // A draft can be cancelled.
        let draft = location(&app.console_post(&clerk, "/admin/inventory/transfers", &form).await);
        location(&app.console_post(&clerk, &format!("/admin/inventory/transfers/{}/cancel", id_in(&draft)), &[]).await);
        assert!(app.console_get(&clerk, &draft).await.text().contains("data-status=\"cancelled\""));
    }

    async fn a_stocktake_is_counted_from_the_form_and_csv_then_posted(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        sku(app, &clerk, "Tee", "tee").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "10"), ("TEE", "5")]).await);
        let unknown = app.console_post(&clerk, "/admin/inventory/stocktakes", &[("location_id", &wh1), ("sku_codes", "MUG, NOPE"), ("note", "")]).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("data-field=\"sku_codes\"") && unknown.text().contains("NOPE"), "{}", unknown.text());
        let opened = location(&app.console_post(&clerk, "/admin/inventory/stocktakes", &[("location_id", &wh1), ("sku_codes", ""), ("note", "year end")]).await);
        let path = opened.split('?').next().unwrap().to_owned();
        let page = app.console_get(&clerk, &opened).await.text();
        assert!(page.contains("data-status=\"open\"") && page.contains("data-testid=\"uncounted\">2<"), "{page}");
        // A count from the form (a bad value is shown beside its line).
        let mug_id = {
            let r = row(&page, "data-line", "MUG");
            let key = "name=\"sku_id\" value=\"";
            let start = r.find(key).unwrap() + key.len();
            r[start..start + 36].to_owned()
        };
        let bad = app.console_post(&clerk, &format!("{path}/counts"), &[("sku_id", &mug_id), ("counted", "-1")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("data-field=\"counted-MUG\""), "{}", bad.text());
        location(&app.console_post(&clerk, &format!("{path}/counts"), &[("sku_id", &mug_id), ("counted", "8")]).await);
        // Goods received during the count are not mistaken for a surplus.
        location(&receive(app, &clerk, &wh1, "PO-2", &[("TEE", "1")]).await);
        // CSV with a bad row: nothing recorded, the row is reported.
        let csv = "sku_code,counted\nTEE,4\nNOPE,1\n";
        let report = app.console_post(&clerk, &format!("{path}/import"), &[("csv", csv)]).await;
        assert_eq!(report.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = report.text();
        assert!(text.contains("data-testid=\"import-errors\"") && text.contains("data-line=\"3\""), "{text}");
        assert!(text.contains("data-testid=\"uncounted\">1<"), "nothing recorded: {text}");
        location(&app.console_post(&clerk, &format!("{path}/import"), &[("csv", "sku_code,counted\nTEE,4\n")]).await);
        let page = app.console_get(&clerk, &path).await.text();
        assert!(row(&page, "data-line", "MUG").contains("data-counted=\"8\" data-variance=\"-2\""), "{page}");
        // TEE: snapshot 5, +1 received during the count, expected 6, counted 4.
        let tee = row(&page, "data-line", "TEE");
        assert!(tee.contains("data-variance=\"-2\"") && tee.contains("<td>6</td>") && tee.contains("<td>1</td>"), "{tee}");
        assert!(page.contains("data-testid=\"net-variance\">-4<"), "{page}");
        location(&app.console_post(&clerk, &format!("{path}/post"), &[]).await);
        let page = app.console_get(&clerk, &path).await.text();
        assert!(page.contains("data-status=\"posted\"") && !page.contains("name=\"counted\""), "{page}");
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "8");
        assert_eq!(on_hand(app, &clerk, "TEE@WH1").await, "4");
        let counts = app.console_get(&clerk, "/admin/inventory/movements?reason=count").await.text();
        assert_eq!(counts.matches("data-movement=").count(), 2, "{counts}");
        assert!(app.console_get(&clerk, "/admin/inventory/stocktakes").await.text().contains("data-status=\"posted\""));
    }

    async fn an_alert_is_raised_by_its_threshold_and_acknowledged(app: TestApp) {
        let (_, clerk, boss) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "3")]).await);
        assert!(app.console_get(&clerk, "/admin/inventory/alerts").await.text().contains("data-testid=\"no-alerts\""));
        let bad = app.console_post(&clerk, "/admin/inventory/thresholds", &[("sku", "MUG"), ("location", &wh1), ("low_stock", "ten"), ("reorder_point", ""), ("overstock", "")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("data-field=\"low_stock\""), "{}", bad.text());
        let unknown = app.console_post(&clerk, "/admin/inventory/thresholds", &[("sku", "NOPE"), ("location", &wh1), ("low_stock", "5")]).await;
        assert!(unknown.text().contains("data-field=\"sku\""), "{}", unknown.text());
        let saved = app.console_post(&clerk, "/admin/inventory/thresholds", &[("sku", "MUG"), ("location", &wh1), ("low_stock", "5"), ("reorder_point", ""), ("overstock", "100")]).await;
        let back = location(&saved);
        let form = app.console_get(&clerk, &back).await.text();
        assert!(form.contains("name=\"low_stock\" value=\"5\"") && form.contains("name=\"overstock\" value=\"100\""), "{form}");
        // The level is low now: an open alert, and the overview marks it.
        let alerts = app.console_get(&clerk, "/admin/inventory/alerts").await.text();
        assert!(alerts.contains("data-kind=\"low_stock\""), "{alerts}");
        let low = app.console_get(&clerk, "/admin/inventory/stock?low=1").await.text();
        assert!(low.contains("data-level=\"MUG@WH1\""), "{low}");
        let id = attr_before(&alerts, "data-kind=\"low_stock\"", "data-alert");
        let ack = app.console_post(&boss, &format!("/admin/inventory/alerts/{id}/acknowledge"), &[]).await;
        assert_eq!(location(&ack), "/admin/inventory/alerts?done=acknowledged");
        assert!(app.console_get(&clerk, "/admin/inventory/alerts").await.text().contains("data-testid=\"no-alerts\""));
        let acked = app.console_get(&clerk, "/admin/inventory/alerts?state=acknowledged").await.text();
        assert!(acked.contains(&format!("data-alert=\"{id}\"")) && acked.contains("boss@acme.test"), "{acked}");
        let by_kind = app.console_get(&clerk, "/admin/inventory/alerts?state=all&kind=overstock").await.text();
        assert!(!by_kind.contains("data-alert="), "{by_kind}");
    }

    async fn locations_are_created_and_edited_with_inline_errors(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        let taken = app.console_post(&clerk, "/admin/inventory/locations", &[("code", "wh1"), ("name", "Again"), ("kind", "store"), ("country", "CN"), ("priority", "1")]).await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.text().contains("data-field=\"code\"") && taken.text().contains("value=\"Again\""), "{}", taken.text());
        let bad = app.console_post(&clerk, "/admin/inventory/locations", &[("code", "S1"), ("name", "Shop"), ("kind", "store"), ("country", "China"), ("priority", "x")]).await;
        let text = bad.text();
        assert!(text.contains("data-field=\"priority\""), "{text}");
        let path = format!("/admin/inventory/locations/{wh1}");
        let edit = [("code", "WH1"), ("name", "Main DC"), ("kind", "third_party_warehouse"), ("country", "CN"), ("province", "310000"), ("city", ""), ("address", "1 Dock Rd"), ("priority", "3")];
        let saved = app.console_post(&clerk, &path, &edit).await;
        assert_eq!(location(&saved), format!("{path}?done=saved"));
        let page = app.console_get(&clerk, &path).await.text();
        assert!(page.contains("value=\"Main DC\"") && page.contains("1 Dock Rd") && page.contains("value=\"third_party_warehouse\" selected"), "{page}");
        assert!(!page.contains("name=\"active\" value=\"1\" checked"), "unticked: inactive: {page}");
        let list = app.console_get(&clerk, "/admin/inventory/locations").await.text();
        assert!(list.contains("data-inactive"), "{list}");
        let bad_country = app.console_post(&clerk, &path, &[("code", "WH1"), ("name", "Main DC"), ("kind", "warehouse"), ("country", "China"), ("priority", "3")]).await;
        assert_eq!(bad_country.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_country.text().contains("data-field=\"country\""), "{}", bad_country.text());
    }

    async fn inventory_pages_need_inventory_read_and_speak_both_languages(app: TestApp) {
        let (m, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        location(&receive(app, &clerk, &wh1, "PO-1", &[("MUG", "3")]).await);
        let transfer = location(&app.console_post(&clerk, "/admin/inventory/transfers", &[("from_location_id", &wh1), ("to_location_id", &warehouse(app, &clerk, "WH2").await), ("sku_code", "MUG"), ("quantity", "1")]).await);
        let stocktake = location(&app.console_post(&clerk, "/admin/inventory/stocktakes", &[("location_id", &wh1), ("sku_codes", "")]).await);
        let pages = [
            ("/admin/inventory/stock".to_owned(), "仅看库存不足", "Low stock only"),
            ("/admin/inventory/movements".to_owned(), "全部原因", "All reasons"),
            ("/admin/inventory/locations".to_owned(), "新建库位", "Create location"),
            (format!("/admin/inventory/locations/{wh1}"), "编辑库位", "Edit location"),
            ("/admin/inventory/receive".to_owned(), "确认收货", "Receive goods"),
            ("/admin/inventory/adjustments".to_owned(), "待审批的调整", "Awaiting approval"),
            ("/admin/inventory/transfers".to_owned(), "新建调拨单", "Create transfer"),
            (transfer.clone(), "调出库位", "Dispatch"),
            ("/admin/inventory/stocktakes".to_owned(), "新建盘点", "Open stocktake"),
            (stocktake.clone(), "差异报告", "Variance report"),
            ("/admin/inventory/alerts".to_owned(), "未确认", "Not acknowledged"),
            ("/admin/inventory/thresholds".to_owned(), "低库存阈值", "Low-stock threshold"),
            ("/admin/inventory/settings".to_owned(), "数量超过此值需审批", "Approval above this quantity"),
        ];
        let en = ConsoleSession { cookie: format!("{}; omnihub_lang=en", clerk.cookie), csrf: clerk.csrf.clone() };
        for (path, zh_text, en_text) in &pages {
            let zh = app.console_get(&clerk, path).await;
            assert_eq!(zh.status, StatusCode::OK, "{path}: {}", zh.text());
            let zh = zh.text();
            assert!(zh.contains("lang=\"zh-CN\"") && zh.contains(zh_text) && zh.contains("/admin/inventory/stock\""), "{path}: {zh}");
            let english = app.console_get(&en, path).await.text();
            assert!(english.contains("lang=\"en\"") && english.contains(en_text), "{path}: {english}");
        }
        // Without inventory.read: the 403 page, for every page.
        app.custom_role(m, "nothing", &[]).await;
        app.staff_user(Some(m), "guest@acme.test", &["nothing"]).await;
        let guest = app.console_login_as("guest@acme.test", TestApp::STAFF_PASSWORD).await;
        for (path, _, _) in &pages {
            let refused = app.console_get(&guest, path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {}", refused.text());
            assert!(refused.text().contains("inventory.read"), "{path}: {}", refused.text());
        }
        let post = receive(app, &guest, &wh1, "PO-9", &[("MUG", "1")]).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        // A form post without the CSRF token is refused and books nothing.
        let body = format!("location_id={wh1}&reference=PO-X&sku_code=MUG&quantity=5");
        let forged = app.request(Method::POST, "/admin/inventory/receive", &[(header::COOKIE, clerk.cookie.as_str()), (header::CONTENT_TYPE, "application/x-www-form-urlencoded")], Body::from(body)).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(on_hand(app, &clerk, "MUG@WH1").await, "3");
        // Platform staff who chose no merchant are told to choose one.
        let admin = app.console_login().await;
        let choose = app.console_get(&admin, "/admin/inventory/stock").await;
        assert!(choose.text().contains("data-testid=\"choose-merchant\""), "{}", choose.text());
    }

    async fn the_ledger_pages_with_its_cursor_and_keeps_the_filters(app: TestApp) {
        let (_, clerk, _) = staff(app).await;
        sku(app, &clerk, "Mug", "mug").await;
        sku(app, &clerk, "Tee", "tee").await;
        let wh1 = warehouse(app, &clerk, "WH1").await;
        for i in 0..51 {
            location(&receive(app, &clerk, &wh1, &format!("PO-{i}"), &[("MUG", "1")]).await);
        }
        location(&receive(app, &clerk, &wh1, "PO-T", &[("TEE", "1")]).await);
        let first = app.console_get(&clerk, "/admin/inventory/movements?sku=MUG").await.text();
        assert_eq!(first.matches("data-movement=").count(), 50, "{first}");
        assert!(first.contains("PO-50") && !first.contains("<code>PO-0</code>"), "newest first: {first}");
        let key = "data-testid=\"next-page\"";
        let at = first.find(key).expect("a next page");
        let href_start = first[..at].rfind("href=\"").unwrap() + 6;
        let next = first[href_start..at].trim_end().trim_end_matches('"').replace("&#38;", "&");
        assert!(next.starts_with("/admin/inventory/movements?sku=MUG&cursor="), "{next}");
        let second = app.console_get(&clerk, &next).await.text();
        assert_eq!(second.matches("data-movement=").count(), 1, "{second}");
        assert!(second.contains("<code>PO-0</code>") && !second.contains("PO-T") && !second.contains(key), "{second}");
    }

}
