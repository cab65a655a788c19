//! The order page's edit forms driven as order-desk staff: a line's units changed (the
//! reservation follows), an edit the stock cannot cover refused on the page with nothing
//! changed, a line added, the shipping address replaced, and a read-only user refused.

use axum::http::StatusCode;
use omnihub_app::Actor;
use omnihub_app::orders as ord;
use omnihub_domain::orders::OrderStatus;
use omnihub_testkit::{TestApp, TestResponse, both_dbs};

use crate::console_orders::{Desk, desk, enter, reserved};

#[track_caller]
fn redirected(r: &TestResponse) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").unwrap().to_owned()
}

async fn detail(app: &TestApp, d: &Desk, id: &str) -> ord::OrderDetail {
    ord::get_order(&app.app, &Actor::system(), d.w.m, id.parse().unwrap())
        .await
        .unwrap()
}

both_dbs! {
    async fn staff_edit_an_order_from_its_page(app: TestApp) {
        let d = desk(app).await;
        let id = enter(app, &d, 1, "2", true).await;
        let o = detail(app, &d, &id).await;
        assert_eq!((o.order.status, reserved(app, &d).await), (OrderStatus::Allocated, 2));
        let page = app.console_get(&d.s, &format!("/admin/orders/{id}")).await.text();
        assert!(page.contains("data-testid=\"order-edit\"") && page.contains("data-action=\"line-quantity\""), "{page}");
        let line = o.lines[0].id;

        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/lines/{line}/quantity"), &[("quantity", "5")]).await);
        assert_eq!(at, format!("/admin/orders/{id}?done=edited"));
        assert_eq!(reserved(app, &d).await, 5);
        assert_eq!(detail(app, &d, &id).await.order.total.minor(), 5 * 9_900 + 1_000, "5 × 99.00 + 10.00 shipping");

        let refused = app.console_post(&d.s, &format!("/admin/orders/{id}/lines/{line}/quantity"), &[("quantity", "50")]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert!(refused.text().contains("data-testid=\"error\""), "{}", refused.text());
        assert_eq!(reserved(app, &d).await, 5, "nothing changed");
        let bad = app.console_post(&d.s, &format!("/admin/orders/{id}/lines/{line}/quantity"), &[("quantity", "many")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text());

        let sku1 = d.w.skus[1].1.clone();
        let at = redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/add-line"), &[("sku", sku1.as_str()), ("quantity", "1"), ("unit_price", "20.00")]).await);
        assert!(at.ends_with("done=edited"), "{at}");
        let now = detail(app, &d, &id).await;
        assert_eq!((now.lines.len(), now.order.total.minor()), (2, 5 * 9_900 + 2_000 + 1_000));

        let fields = [("name", "韩梅梅"), ("phone", "13900139000"), ("country", "CN"), ("province", "浙江省"), ("city", "杭州市"), ("postcode", "310000"), ("street1", "文三路 1 号")];
        redirected(&app.console_post(&d.s, &format!("/admin/orders/{id}/shipping-address"), &fields).await);
        let page = app.console_get(&d.s, &format!("/admin/orders/{id}")).await.text();
        assert!(page.contains("杭州市") && page.contains("value=\"韩梅梅\""), "{page}");

        let viewer = app.console_post(&d.viewer, &format!("/admin/orders/{id}/lines/{line}/quantity"), &[("quantity", "1")]).await;
        assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.text());
        assert_eq!(reserved(app, &d).await, 5);
    }
}
