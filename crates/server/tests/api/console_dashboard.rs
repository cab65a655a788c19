//! The console home as the operations dashboard: each work-queue and fulfilment-stage
//! count equals the length of the order list it links to (console and API), for orders in
//! different states; the chart's data island holds the right per-day totals in the
//! merchant's time zone (Asia/Shanghai, so an order at 17:00 UTC is the next local day);
//! the system status stays reachable at `/admin/system`.

use jiff::SignedDuration;
use omnihub_testkit::{ConsoleSession, TestApp, both_dbs, json};
use serde_json::Value;

use crate::catalog::call;
use crate::orders::{Shop, api_order, orders, post_order, receive, shop};
use axum::http::{Method, StatusCode};

async fn desk(app: &TestApp, code: &str) -> (Shop, ConsoleSession) {
    let sh = shop(app, code).await;
    let perms = [
        "orders.read",
        "orders.manage",
        "inventory.read",
        "channels.read",
    ];
    app.custom_role(sh.m, "lead", &perms).await;
    let email = format!("lead@{code}.test");
    app.staff_user(Some(sh.m), &email, &["lead"]).await;
    let s = app.console_login_as(&email, TestApp::STAFF_PASSWORD).await;
    (sh, s)
}

async fn place(app: &TestApp, sh: &Shop, body: &Value) -> Value {
    let r = post_order(app, sh, body, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["order"].clone()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

/// `(code, count, href)` of every counter on the dashboard.
fn counters(html: &str) -> Vec<(String, i64, String)> {
    html.split("<a class=\"card\" href=\"")
        .skip(1)
        .map(|rest| {
            let href = rest.split('"').next().unwrap().replace("&amp;", "&");
            let code = rest
                .split("data-testid=\"count-")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let count = rest
                .split("data-count=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (code.to_owned(), count.parse().unwrap(), href)
        })
        .collect()
}

fn count(c: &[(String, i64, String)], code: &str) -> i64 {
    c.iter().find(|x| x.0 == code).map(|x| x.1).unwrap()
}

/// The data island's JSON.
fn island(html: &str) -> Value {
    let start = html.find("id=\"dashboard-data\"").expect("data island");
    let body = &html[start..];
    let body = &body[body.find('>').unwrap() + 1..];
    serde_json::from_str(&body[..body.find("</script>").unwrap()]).unwrap()
}

both_dbs! {
    async fn every_count_equals_the_list_it_links_to(app: TestApp) {
        let (sh, session) = desk(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 4).await;
        let to_pick = place(app, &sh, &api_order("d-pick", &[(code, 1, "10.00")])).await;
        let to_ship = place(app, &sh, &api_order("d-ship", &[(code, 1, "10.00")])).await;
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{}/pack", s(&to_ship, "id")), &json!({"location_id": sh.wh1, "code": code})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let mut late = api_order("d-late", &[(code, 1, "10.00")]);
        late["placed_at"] = json!("2026-01-10T00:00:00Z");
        let late = place(app, &sh, &late).await;
        let short = place(app, &sh, &api_order("d-short", &[(code, 5, "10.00")])).await;
        assert_eq!(s(&short, "queue"), "exception", "not enough stock: {short}");

        let page = app.console_get(&session, "/admin").await;
        assert_eq!(page.status, StatusCode::OK);
        let c = counters(&page.text());
        let codes: Vec<&str> = c.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(codes, ["review", "exception", "allocate", "to_pick", "to_ship", "late"]);
        for (code, n, href) in &c {
            let listed = app.console_get(&session, href).await;
            assert_eq!(listed.status, StatusCode::OK, "{href}");
            let rows = listed.text().matches("<tr data-order=").count() as i64;
            assert_eq!(rows, *n, "{code}: the count is the list's length ({href})");
            let query = href.split('?').nth(1).unwrap();
            assert_eq!(orders(app, &sh, query).await.len() as i64, *n, "{code}: the API agrees");
        }
        // d-pick and d-late are allocated and unpacked; d-ship is packed.
        assert_eq!(count(&c, "to_pick"), 2);
        assert_eq!(count(&c, "to_ship"), 1);
        assert_eq!(count(&c, "late"), 1);
        assert_eq!(count(&c, "exception"), 1);
        let late_list = app.console_get(&session, "/admin/orders?stage=late").await.text();
        let number = |o: &Value| format!("data-number=\"{}\"", s(o, "number"));
        assert!(late_list.contains(&number(&late)) && !late_list.contains(&number(&to_pick)));
        assert!(late_list.contains("<option value=\"late\" selected>"), "the list shows the stage it is filtered by");
        let pick_list = app.console_get(&session, "/admin/orders?stage=to_pick").await.text();
        assert!(pick_list.contains(&number(&to_pick)) && !pick_list.contains(&number(&to_ship)));

        // A wave takes both unpacked orders off "to pick".
        let r = call(app, Method::POST, &sh.clerk, "/api/v1/fulfilment/waves", &json!({"location_id": sh.wh1})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let c = counters(&app.console_get(&session, "/admin").await.text());
        assert_eq!(count(&c, "to_pick"), 0);
        assert_eq!(orders(app, &sh, "stage=to_pick").await.len(), 0);
        assert_eq!(app.get_as(&sh.clerk, "/api/v1/orders?stage=soon").await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Staff who may not read orders still have a home page: the system status.
        app.custom_role(sh.m, "catalogue", &["catalog.read"]).await;
        app.staff_user(Some(sh.m), "cat@acme.test", &["catalogue"]).await;
        let cat = app.console_login_as("cat@acme.test", TestApp::STAFF_PASSWORD).await;
        let home = app.console_get(&cat, "/admin").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text().contains("data-testid=\"backend\"") && !home.text().contains("data-testid=\"queue-counts\""));
    }

    async fn the_chart_data_island_holds_the_orders_and_revenue_per_local_day(app: TestApp) {
        let (sh, session) = desk(app, "acme").await;
        let (sku, code) = (&sh.skus[0].0, &sh.skus[0].1);
        receive(app, &sh, &sh.wh1, sku, 20).await;
        // 08:00 UTC is 16:00 in Shanghai: two orders on 2026-01-15, one cancelled after.
        place(app, &sh, &api_order("c-1", &[(code, 1, "10.00")])).await;
        place(app, &sh, &api_order("c-2", &[(code, 2, "12.50")])).await;
        let gone = place(app, &sh, &api_order("c-3", &[(code, 1, "99.00")])).await;
        let r = call(app, Method::POST, &sh.clerk, &format!("/api/v1/orders/{}/cancel", s(&gone, "id")), &json!({})).await;
        assert!(r.status.is_success(), "{}", r.text());
        // 17:00 UTC is 01:00 on the 16th in Shanghai (in two steps, so the sessions,
        // idle for at most 8 hours, stay signed in).
        for _ in 0..2 {
            app.clock.advance(SignedDuration::from_mins(270));
            assert_eq!(app.get_as(&sh.clerk, "/api/v1/auth/me").await.status, StatusCode::OK);
            assert_eq!(app.console_get(&session, "/admin").await.status, StatusCode::OK);
        }
        place(app, &sh, &api_order("c-4", &[(code, 3, "1.00")])).await;

        let html = app.console_get(&session, "/admin").await.text();
        let data = island(&html);
        assert_eq!(data["time_zone"], "Asia/Shanghai");
        let days: Vec<&str> = data["days"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        assert_eq!(days.len(), 30);
        assert_eq!((days[0], days[28], days[29]), ("2025-12-18", "2026-01-15", "2026-01-16"));
        let totals: Vec<i64> = data["orders"].as_array().unwrap().iter().map(|n| n.as_i64().unwrap()).collect();
        assert_eq!(&totals[28..], [2, 1], "cancelled orders are left out");
        assert_eq!(totals.iter().sum::<i64>(), 3);
        let series = data["series"].as_array().unwrap();
        assert_eq!(series.len(), 1, "one channel, one currency");
        assert_eq!(series[0]["currency"], "CNY");
        assert_eq!(series[0]["revenue_minor"][28], 3500);
        assert_eq!(series[0]["revenue_minor"][29], 300);
        assert!(html.contains("data-day=\"2026-01-16\" data-orders=\"1\""), "the table agrees");
        assert!(html.contains("id=\"orders-chart\" data-echarts="));
        assert!(html.contains("data-testid=\"low-stock\""));
        let status = app.console_get(&session, "/admin/system").await;
        assert_eq!(status.status, StatusCode::OK);
        assert!(status.text().contains("data-testid=\"backend\""));
    }
}
