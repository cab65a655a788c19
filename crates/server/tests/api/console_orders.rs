//! The console's order pages driven through their forms as merchant staff: manual entry
//! (inline errors that store nothing, a resend of the same form finding the same order),
//! the list with its queue tabs, filters and search in both languages, the order page
//! with its timeline, approve / reject / hold / cancel from the console with the stock
//! they reserve and return, conflicts shown on the page, the permission refusal, CSV
//! import with its report and the template download, and the settings form.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_app::Actor;
use omnihub_app::inventory::{self as inv, LevelQuery, ReceiptInput, ReceiptLine};
use omnihub_app::orders::{self as ord, OrderQuery};
use omnihub_domain::orders::{OrderStatus, WorkQueue};
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs, json};

use crate::channels::{World, channel, channel_body, world};

/// What the order desk holds.
const DESK: &[&str] = &[
    "orders.read",
    "orders.manage",
    "channels.read",
    "inventory.read",
    "settings.manage",
];

/// A merchant with listed SKUs (10 of each at WH1), a CNY channel shipping from WH1, an
/// order-desk session and a read-only one.
pub(crate) struct Desk {
    pub(crate) w: World,
    channel: String,
    pub(crate) s: ConsoleSession,
    pub(crate) viewer: ConsoleSession,
}

pub(crate) async fn desk(app: &TestApp) -> Desk {
    let w = world(app, "acme").await;
    let mut body = channel_body("web");
    body["currency"] = json!("CNY");
    body["locations"] = json!([{"location_id": w.wh1}]);
    let channel = channel(app, &w.owner, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines = w
        .skus
        .iter()
        .map(|(id, _)| ReceiptLine {
            sku_id: id.parse().unwrap(),
            quantity: 10,
        })
        .collect();
    let receipt = ReceiptInput {
        location_id: Some(w.wh1.parse().unwrap()),
        lines,
        reference: "PO-1".into(),
        note: None,
    };
    inv::receive(&app.app, &Actor::system(), w.m, receipt)
        .await
        .unwrap();
    app.custom_role(w.m, "order_desk", DESK).await;
    app.custom_role(w.m, "order_viewer", &["orders.read", "channels.read"])
        .await;
    app.staff_user(Some(w.m), "desk@acme.test", &["order_desk"])
        .await;
    app.staff_user(Some(w.m), "viewer@acme.test", &["order_viewer"])
        .await;
    let s = app
        .console_login_as("desk@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    let viewer = app
        .console_login_as("viewer@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    Desk {
        w,
        channel,
        s,
        viewer,
    }
}

/// The same session reading English.
fn english(s: &ConsoleSession) -> ConsoleSession {
    ConsoleSession {
        cookie: format!("{}; omnihub_lang=en", s.cookie),
        csrf: s.csrf.clone(),
    }
}

#[track_caller]
fn redirected(r: &TestResponse) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").unwrap().to_owned()
}

/// The order id of `/admin/orders/<id>?done=…`.
fn order_id(location: &str) -> String {
    let path = location.split('?').next().unwrap();
    path.strip_prefix("/admin/orders/").unwrap().to_owned()
}

/// A complete order form for `who` (its e-mail and phone differ per customer, so the
/// duplicate rule does not hold the orders of one test) of `qty` of `sku` at 99.00 plus
/// 10.00 shipping.
fn order_form<'a>(
    d: &'a Desk,
    who: u8,
    sku: &'a str,
    qty: &'a str,
    paid: bool,
) -> Vec<(&'a str, String)> {
    vec![
        ("channel_id", d.channel.clone()),
        ("customer_name", "李雷".into()),
        ("customer_email", format!("buyer{who}@example.cn")),
        ("customer_phone", format!("+86 138 0013 80{who:02}")),
        ("ship_name", "李雷".into()),
        ("ship_phone", format!("138001380{who:02}")),
        ("ship_country", "CN".into()),
        ("ship_province", "上海市".into()),
        ("ship_city", "上海市".into()),
        ("ship_postcode", "200000".into()),
        ("ship_line1", "浦东新区世纪大道 100 号".into()),
        ("sku", sku.into()),
        ("quantity", qty.into()),
        ("unit_price", "99.00".into()),
        ("shipping", "10.00".into()),
        (
            "payment_status",
            if paid { "paid" } else { "unpaid" }.into(),
        ),
    ]
}

async fn post(
    app: &TestApp,
    s: &ConsoleSession,
    path: &str,
    fields: &[(&str, String)],
) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.console_post(s, path, &fields).await
}

/// Enters an order through the form and returns its id.
pub(crate) async fn enter(app: &TestApp, d: &Desk, who: u8, qty: &str, paid: bool) -> String {
    let form = order_form(d, who, &d.w.skus[0].1, qty, paid);
    order_id(&redirected(
        &post(app, &d.s, "/admin/orders/new", &form).await,
    ))
}

async fn status(app: &TestApp, d: &Desk, id: &str) -> OrderStatus {
    ord::get_order(&app.app, &Actor::system(), d.w.m, id.parse().unwrap())
        .await
        .unwrap()
        .order
        .status
}

/// Units of the first SKU reserved at WH1.
pub(crate) async fn reserved(app: &TestApp, d: &Desk) -> i64 {
    reserved_at(app, d, &d.w.wh1).await
}

/// Units of the first SKU reserved at `location`.
async fn reserved_at(app: &TestApp, d: &Desk, location: &str) -> i64 {
    let q = LevelQuery {
        sku_id: Some(d.w.skus[0].0.parse().unwrap()),
        location_id: Some(location.parse().unwrap()),
        ..LevelQuery::default()
    };
    let page = inv::list_levels(&app.app, &Actor::system(), d.w.m, q)
        .await
        .unwrap();
    page.items[0].reserved
}

/// Receives `quantity` of the first SKU at `location`.
async fn receive(app: &TestApp, d: &Desk, location: &str, quantity: i64) {
    let receipt = ReceiptInput {
        location_id: Some(location.parse().unwrap()),
        lines: vec![ReceiptLine {
            sku_id: d.w.skus[0].0.parse().unwrap(),
            quantity,
        }],
        reference: "PO-2".into(),
        note: None,
    };
    inv::receive(&app.app, &Actor::system(), d.w.m, receipt)
        .await
        .unwrap();
}

async fn queue(app: &TestApp, d: &Desk, id: &str) -> Option<WorkQueue> {
    ord::get_order(&app.app, &Actor::system(), d.w.m, id.parse().unwrap())
        .await
        .unwrap()
        .order
        .queue
}

async fn order_count(app: &TestApp, d: &Desk) -> usize {
    ord::list_orders(&app.app, &Actor::system(), d.w.m, OrderQuery::default())
        .await
        .unwrap()
        .items
        .len()
}

/// The `<tr>` of the list whose order is `id`.
fn row<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("data-order=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}: {page}"));
    let end = page[at..].find("</tr>").map_or(page.len(), |e| at + e);
    &page[at..end]
}

both_dbs! {
    async fn manual_entry_refuses_with_inline_errors_and_creates_an_order_with_its_timeline(app: TestApp) {
        let d = desk(app).await;
        let form = app.console_get(&d.s, "/admin/orders/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("name=\"external_id\" value=\"MANUAL-"), "{}", form.text());
        let sku = d.w.skus[0].1.clone();

        // Refusals: each shown beside its input; nothing is stored.
        let mut bad = order_form(&d, 1, &sku, "two", true);
        let r = post(app, &d.s, "/admin/orders/new", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"lines[0].quantity\""), "{}", r.text());
        bad[12] = ("quantity", "2".into());
        bad[2] = ("customer_email", "not-an-email".into());
        bad.push(("total", "1.00".into()));
        let r = post(app, &d.s, "/admin/orders/new", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        for field in ["customer.email", "total"] {
            assert!(r.text().contains(&format!("data-field=\"{field}\"")), "{field}: {}", r.text());
        }
        assert!(r.text().contains("value=\"not-an-email\""), "the values come back");
        let unknown = order_form(&d, 1, "NO-SUCH-SKU", "1", true);
        let r = post(app, &d.s, "/admin/orders/new", &unknown).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"lines[0].sku\""), "{}", r.text());
        let no_channel = order_form(&d, 1, &sku, "1", true).into_iter().filter(|(k, _)| *k != "channel_id").collect::<Vec<_>>();
        let r = post(app, &d.s, "/admin/orders/new", &no_channel).await;
        assert!(r.text().contains("data-field=\"channel_id\""), "{}", r.text());
        assert_eq!(order_count(app, &d).await, 0, "no refused entry is stored");

        // "Add line" shows one more row and stores nothing.
        let mut more = order_form(&d, 1, &sku, "1", true);
        more.push(("add_line", "1".into()));
        let r = post(app, &d.s, "/admin/orders/new", &more).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.text().matches("name=\"sku\"").count(), 6, "{}", r.text());

        // Created: paid with a complete address, so it is allocated straight away; the
        // same form sent again finds the same order.
        let external = form.text().split("name=\"external_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let mut good = order_form(&d, 1, &sku, "2", true);
        good.push(("external_id", external.clone()));
        let at = redirected(&post(app, &d.s, "/admin/orders/new", &good).await);
        assert!(at.ends_with("?done=created"), "{at}");
        let again = redirected(&post(app, &d.s, "/admin/orders/new", &good).await);
        assert_eq!(order_id(&again), order_id(&at));
        assert_eq!(order_count(app, &d).await, 1);
        let page = app.console_get(&d.s, &at).await.text();
        assert!(page.contains("data-status=\"allocated\"") && page.contains("208.00 CNY") && page.contains(&external), "{page}");
        for event in ["received", "allocated"] {
            assert!(page.contains(&format!("data-event=\"{event}\"")), "{event}: {page}");
        }
        assert!(page.contains("<td>WH1</td>") && page.contains("data-action=\"cancel\"") && !page.contains("data-action=\"approve\""), "{page}");
        assert_eq!(reserved(app, &d).await, 2);
        let en = app.console_get(&english(&d.s), &at).await.text();
        assert!(en.contains("Timeline") && en.contains(">Received<") && en.contains("Allocated"), "{en}");
    }

    async fn the_list_filters_searches_shows_queue_tabs_and_renders_in_both_languages(app: TestApp) {
        let d = desk(app).await;
        let paid = enter(app, &d, 1, "1", true).await;
        let unpaid = enter(app, &d, 2, "1", false).await;
        let all = app.console_get(&d.s, "/admin/orders").await;
        assert_eq!(all.status, StatusCode::OK);
        let page = all.text();
        assert!(page.contains("lang=\"zh-CN\"") && page.contains("订单列表") && page.contains("已分配库存") && page.contains("待审核"), "{page}");
        assert!(row(&page, &paid).contains("109.00 CNY") && row(&page, &paid).contains("李雷"), "{page}");
        assert!(page.contains("data-testid=\"queue-count-review\">1<"), "{page}");
        assert!(row(&page, &unpaid).contains("data-action=\"approve\"") && !row(&page, &paid).contains("data-action=\"approve\""));

        let only = |page: &str, id: &str, not: &str| page.contains(&format!("data-order=\"{id}\"")) && !page.contains(&format!("data-order=\"{not}\""));
        let q = app.console_get(&d.s, "/admin/orders?q=BUYER2%40example.cn").await.text();
        assert!(only(&q, &unpaid, &paid), "search by e-mail: {q}");
        let s = app.console_get(&d.s, "/admin/orders?status=allocated").await.text();
        assert!(only(&s, &paid, &unpaid), "{s}");
        let review = app.console_get(&d.s, "/admin/orders?queue=review").await.text();
        assert!(only(&review, &unpaid, &paid), "{review}");
        let channel = app.console_get(&d.s, &format!("/admin/orders?channel={}", d.channel)).await.text();
        assert!(channel.contains(&format!("data-order=\"{paid}\"")) && channel.contains(&format!("data-order=\"{unpaid}\"")));
        let day = app.console_get(&d.s, "/admin/orders?from=2026-01-15&to=2026-01-15").await.text();
        assert!(day.contains(&format!("data-order=\"{paid}\"")), "{day}");
        let later = app.console_get(&d.s, "/admin/orders?from=2026-01-16").await.text();
        assert!(!later.contains("data-order=\""), "{later}");
        let bad = app.console_get(&d.s, "/admin/orders?from=yesterday").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text());
        assert!(bad.text().contains("data-field=\"from\""));

        // The search box asks htmx for the rows only.
        let headers = [(header::COOKIE, d.s.cookie.as_str()), (HeaderName::from_static("hx-request"), "true")];
        let rows = app.request(Method::GET, "/admin/orders?q=buyer2", &headers, Body::empty()).await;
        assert_eq!(rows.status, StatusCode::OK);
        assert!(!rows.text().contains("<html") && only(&rows.text(), &unpaid, &paid), "{}", rows.text());

        let en = app.console_get(&english(&d.s), "/admin/orders").await.text();
        assert!(en.contains("lang=\"en\"") && en.contains("On hold"), "{en}");
        assert!(en.contains("Allocated") && en.contains("Ship by") && en.contains(">Review "), "{en}");
    }

    async fn approve_and_cancel_from_the_console_move_the_order_and_its_stock(app: TestApp) {
        let d = desk(app).await;
        let id = enter(app, &d, 1, "3", false).await;
        assert_eq!(status(app, &d, &id).await, OrderStatus::OnHold);
        assert_eq!(reserved(app, &d).await, 0, "a held order holds no stock");

        // Someone who may only read orders is refused.
        let refused = app.console_post(&d.viewer, &format!("/admin/orders/{id}/approve"), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
        assert_eq!(status(app, &d, &id).await, OrderStatus::OnHold);

        // Approved from the review queue: back to the queue, allocated, stock reserved.
        let back = [("back", "/admin/orders?queue=review")];
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/approve"), &back).await);
        assert_eq!(at, "/admin/orders?queue=review&done=approved");
        assert_eq!(status(app, &d, &id).await, OrderStatus::Allocated);
        assert_eq!(reserved(app, &d).await, 3);

        // Cancelled: the stock comes back; cancelling again is a conflict on the page.
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/cancel"), &[("reason", "customer asked")]).await);
        assert_eq!(at, format!("/admin/orders/{id}?done=cancelled"));
        assert_eq!(status(app, &d, &id).await, OrderStatus::Cancelled);
        assert_eq!(reserved(app, &d).await, 0);
        let page = app.console_get(&d.s, &at).await.text();
        assert!(page.contains("data-event=\"cancelled\"") && page.contains("customer asked") && !page.contains("data-action=\"cancel\""), "{page}");
        let again = app.console_post(&d.s, &format!("/admin/orders/{id}/cancel"), &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
        assert!(again.text().contains("data-testid=\"error\"") && again.text().contains("data-testid=\"timeline\""), "{}", again.text());

        // Rejected from the list, with its reason on the timeline.
        let other = enter(app, &d, 2, "1", false).await;
        let fields = [("reason", "fraud suspected"), ("back", "/admin/orders?queue=review")];
        redirected(&app.console_post(&d.s, &format!("/admin/orders/{other}/reject"), &fields).await);
        assert_eq!(status(app, &d, &other).await, OrderStatus::Cancelled);
        let page = app.console_get(&d.s, &format!("/admin/orders/{other}")).await.text();
        assert!(page.contains("rejected: fraud suspected"), "{page}");

        // Held by staff: the allocation is released; a line of a held order can be cancelled.
        let third = enter(app, &d, 3, "4", true).await;
        assert_eq!(reserved(app, &d).await, 4);
        redirected(&app.console_post(&d.s, &format!("/admin/orders/{third}/hold"), &[("reason", "check stock")]).await);
        assert_eq!(status(app, &d, &third).await, OrderStatus::OnHold);
        assert_eq!(reserved(app, &d).await, 0);
        let unknown = app.console_post(&d.s, &format!("/admin/orders/{third}/explode"), &[]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }

    async fn csv_upload_shows_the_report_creates_orders_and_serves_the_template(app: TestApp) {
        let d = desk(app).await;
        let sku = &d.w.skus[0].1;
        let header = omnihub_domain::orders::csv_format::TEMPLATE_HEADER;
        let csv = format!(
            "{header}\n\
             CSV-1,,2026-01-15T09:30:00+08:00,CNY,paid,false,csv1@example.cn,,李雷,李雷,13800138000,CN,上海市,上海市,200000,世纪大道 100 号,,{sku},Tee,1,99.00,,,0,,99.00,,\n\
             CSV-2,,2026-01-15T09:30:00+08:00,CNY,paid,false,csv2@example.cn,,韩梅梅,韩梅梅,13800138001,CN,上海市,上海市,200000,世纪大道 200 号,,{sku},Tee,none,99.00,,,0,,99.00,,\n"
        );
        let missing = app.console_post(&d.s, "/admin/orders/import", &[("csv", &csv)]).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.text());
        assert!(missing.text().contains("data-field=\"channel_id\""));
        assert_eq!(order_count(app, &d).await, 0);

        let r = app.console_post(&d.s, "/admin/orders/import", &[("channel_id", &d.channel), ("csv", &csv)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.text();
        assert!(page.contains("data-testid=\"import-report\"") && page.contains("data-testid=\"created\">1<") && page.contains("data-testid=\"invalid\">1<"), "{page}");
        let created = &page[page.find("data-external=\"CSV-1\"").unwrap()..];
        assert!(created.starts_with("data-external=\"CSV-1\" data-outcome=\"created\"") && created.contains("href=\"/admin/orders/"), "{created}");
        let invalid = &page[page.find("data-external=\"CSV-2\"").unwrap()..];
        assert!(invalid.starts_with("data-external=\"CSV-2\" data-outcome=\"invalid\"") && invalid.contains("data-row=\"3\" data-column=\"quantity\""), "{invalid}");
        assert_eq!(order_count(app, &d).await, 1);
        let bad_file = app.console_post(&d.s, "/admin/orders/import", &[("channel_id", &d.channel), ("csv", "not,a,template\n1,2,3\n")]).await;
        assert_eq!(bad_file.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_file.text());
        assert!(bad_file.text().contains("data-field=\"file\""));

        let template = app.console_get(&d.s, "/admin/orders/import/template.csv").await;
        assert_eq!(template.status, StatusCode::OK);
        assert!(template.header("content-type").unwrap().starts_with("text/csv"));
        let body = template.text();
        assert!(body.starts_with(&format!("{header}\n")) && body.contains("WEB-1001") && body.matches(header).count() == 1, "{body}");
    }

    async fn the_settings_page_saves_and_refuses_with_inline_errors(app: TestApp) {
        let d = desk(app).await;
        let page = app.console_get(&d.s, "/admin/orders/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("value=\"SO-\"") && page.text().contains("订单设置"), "{}", page.text());
        let mut fields = vec![
            ("number_prefix", "WEB-"),
            ("amount_thresholds", "CNY 5000.00\nUSD 800"),
            ("hold_unpaid_non_cod", "1"),
            ("duplicate_window_minutes", ""),
            ("risk_threshold", "abc"),
            ("blacklist_emails", "bad@example.cn\n\nworse@example.cn"),
            ("blacklist_addresses", "CN | 上海市 | 上海市 | | 世纪大道 1 号"),
        ];
        let r = app.console_post(&d.s, "/admin/orders/settings", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"risk_threshold\"") && r.text().contains("CNY 5000.00"), "{}", r.text());
        fields[4] = ("risk_threshold", "70");
        fields[0] = ("number_prefix", "web 1");
        let r = app.console_post(&d.s, "/admin/orders/settings", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"number_prefix\""), "{}", r.text());
        fields[0] = ("number_prefix", "WEB-");
        let at = redirected(&app.console_post(&d.s, "/admin/orders/settings", &fields).await);
        assert_eq!(at, "/admin/orders/settings?done=saved");
        let s = ord::get_settings(&app.app, &Actor::system(), d.w.m).await.unwrap();
        assert_eq!(s.number_prefix, "WEB-");
        assert_eq!(s.amount_thresholds.len(), 2);
        assert!(!s.require_complete_address && s.hold_unpaid_non_cod);
        assert_eq!((s.duplicate_window_minutes, s.risk_threshold), (None, Some(70)));
        assert_eq!(s.blacklist_emails, ["bad@example.cn", "worse@example.cn"]);
        assert_eq!(s.blacklist_addresses[0].city.as_deref(), Some("上海市"));
        assert_eq!(s.blacklist_addresses[0].postcode, None);
        let shown = app.console_get(&d.s, &at).await.text();
        assert!(shown.contains("data-testid=\"notice\"") && shown.contains("worse@example.cn"), "{shown}");
        let viewer = app.console_post(&d.viewer, "/admin/orders/settings", &fields).await;
        assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    }

    async fn exceptions_wait_for_stock_are_allocated_re_routed_and_lose_a_line(app: TestApp) {
        let d = desk(app).await;
        let id = enter(app, &d, 1, "12", true).await;
        assert_eq!(queue(app, &d, &id).await, Some(WorkQueue::Exception), "10 in stock, 12 ordered");
        let list = app.console_get(&d.s, "/admin/orders?queue=exception").await.text();
        assert!(list.contains("data-testid=\"queue-count-exception\">1<"), "{list}");
        assert!(row(&list, &id).contains("data-action=\"retry\"") && row(&list, &id).contains("data-action=\"wait\""), "{list}");
        let page = app.console_get(&d.s, &format!("/admin/orders/{id}")).await.text();
        assert!(page.contains("库存不足") && page.contains("data-action=\"wait\""), "{page}");

        // Wait for stock (from the queue), then allocate once it has arrived.
        let back = [("back", "/admin/orders?queue=exception")];
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/wait"), &back).await);
        assert_eq!(at, "/admin/orders?queue=exception&done=waiting");
        assert_eq!(queue(app, &d, &id).await, Some(WorkQueue::Allocate));
        let waiting = app.console_get(&d.s, "/admin/orders?queue=allocate").await.text();
        assert!(row(&waiting, &id).contains("data-action=\"allocate\""), "{waiting}");
        receive(app, &d, &d.w.wh1, 5).await;
        redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/allocate"), &[]).await);
        assert_eq!(status(app, &d, &id).await, OrderStatus::Allocated);
        assert_eq!(reserved(app, &d).await, 12);

        // Re-routed to WH2: WH1's reservation is released.
        receive(app, &d, &d.w.wh2, 20).await;
        let to = [("location_id", d.w.wh2.as_str())];
        redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/reroute"), &to).await);
        assert_eq!((reserved(app, &d).await, reserved_at(app, &d, &d.w.wh2).await), (0, 12));
        let page = app.console_get(&d.s, &format!("/admin/orders/{id}")).await.text();
        assert!(page.contains("<td>WH2</td>") && page.contains("data-event=\"deallocated\""), "{page}");
        let retry = app.console_post(&d.s, &format!("/admin/orders/{id}/retry"), &[]).await;
        assert_eq!(retry.status, StatusCode::CONFLICT, "an allocated order is in no queue: {}", retry.text());
        assert!(retry.text().contains("data-testid=\"error\""));

        // A line of a two-line order is cancelled; the order stays allocated.
        let mut two = order_form(&d, 2, &d.w.skus[0].1, "1", true);
        two.extend([("sku", d.w.skus[1].1.clone()), ("quantity", "1".into()), ("unit_price", "99.00".into())]);
        let other = order_id(&redirected(&post(app, &d.s, "/admin/orders/new", &two).await));
        let page = app.console_get(&d.s, &format!("/admin/orders/{other}")).await.text();
        assert!(page.contains("208.00 CNY"), "{page}");
        let marker = format!("action=\"/admin/orders/{other}/lines/");
        let line = page.split(&marker).nth(1).unwrap().split('/').next().unwrap().to_owned();
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{other}/lines/{line}/cancel"), &[]).await);
        assert_eq!(at, format!("/admin/orders/{other}?done=line_cancelled"));
        let page = app.console_get(&d.s, &at).await.text();
        assert!(page.contains(&format!("data-line=\"{}\" data-cancelled=\"1\"", d.w.skus[0].1)), "{page}");
        assert_eq!(status(app, &d, &other).await, OrderStatus::Allocated);
    }

    async fn the_list_pages_with_its_cursor_keeping_the_filters(app: TestApp) {
        let d = desk(app).await;
        let channel = d.channel.parse().unwrap();
        for i in 0..51 {
            let body = json!({
                "external_id": format!("API-{i}"), "currency": "CNY", "placed_at": "2026-01-15T08:00:00Z",
                "customer": {"email": format!("page{i}@example.cn")},
                "lines": [{"sku": d.w.skus[0].1, "quantity": 1, "unit_price": "1.00"}], "total": "1.00",
            })
            .to_string();
            let delivery = ord::Delivery {
                channel,
                source: omnihub_domain::channels::ChannelPlatform::Api,
                topic: omnihub_domain::channels::OrderTopic::Created,
                mapped: omnihub_domain::orders::api_format::ApiOrder::map_body(body.as_bytes()),
                payload: body,
            };
            ord::take_order(&app.app, &Actor::system(), d.w.m, &delivery).await.unwrap();
        }
        let first = app.console_get(&d.s, "/admin/orders?q=example.cn").await.text();
        assert_eq!(first.matches("data-order=\"").count(), 50, "{first}");
        let next = first.split("data-testid=\"next-page\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&#38;", "&");
        assert!(next.starts_with("/admin/orders?q=example.cn&cursor="), "{next}");
        let second = app.console_get(&d.s, &next).await.text();
        assert_eq!(second.matches("data-order=\"").count(), 1, "{second}");
        assert!(second.contains("page50@example.cn") && !second.contains("data-testid=\"next-page\""), "first in, first out: {second}");
    }
}

both_dbs! {
    async fn the_order_page_issues_an_invoice_and_links_its_printable_page(app: TestApp) {
        let d = desk(app).await;
        let id = enter(app, &d, 1, "2", true).await;

        // A bad tax id is refused on the page; nothing is issued.
        let bad = [("buyer_title", "上海某某有限公司"), ("buyer_tax_id", "91350100M000100Y44")];
        let refused = app.console_post(&d.s, &format!("/admin/orders/{id}/invoice"), &bad).await;
        assert!(refused.text().contains("data-testid=\"error\""), "{}", refused.text());
        assert!(!refused.text().contains("data-invoice="));

        let good = [("buyer_title", "上海某某有限公司"), ("buyer_tax_id", "91350100M000100Y43")];
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/invoice"), &good).await);
        let page = app.console_get(&d.s, &at).await.text();
        let row = page.split("data-invoice=\"").nth(1).expect("an invoice row");
        let number = row.split('"').next().unwrap();
        assert!(number.starts_with("INV-") && number.ends_with("-000001"), "{number}");
        let link = row.split("href=\"").nth(1).unwrap().split('"').next().unwrap();
        let print = app.console_get(&d.s, link).await;
        assert_eq!(print.status, StatusCode::OK, "{}", print.text());
        let print = print.text();
        assert!(print.contains(number) && print.contains("上海某某有限公司") && print.contains("91350100M000100Y43"));
        let en = app.console_get(&english(&d.s), link).await.text();
        assert!(en.contains("Total") && en.contains(number));
    }
}
