//! The console's tracking pages driven through their forms as merchant staff, on both
//! databases: the shipment list with its filter and search, the shipment page with its
//! events and the manual event form (inline errors that store nothing, the permission
//! refusal), the carrier accounts (create, duplicate code, set the secret, which is never
//! shown), the tracking CSV import with its per-line report, and the shopper's public
//! `/track` page.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use omnihub_testkit::{ConsoleSession, TestApp, both_dbs, urlenc};
use serde_json::Value;

use crate::orders::Shop;
use crate::tracking::{shipment_by_tracking, two_parcels};

async fn desk(app: &TestApp) -> (Shop, Value, ConsoleSession, ConsoleSession) {
    let (sh, o, _) = two_parcels(app, "acme").await;
    app.custom_role(sh.m, "ship_desk", &["orders.read", "orders.manage"])
        .await;
    app.custom_role(sh.m, "ship_viewer", &["orders.read"]).await;
    app.staff_user(Some(sh.m), "desk@acme.test", &["ship_desk"])
        .await;
    app.staff_user(Some(sh.m), "viewer@acme.test", &["ship_viewer"])
        .await;
    let s = app
        .console_login_as("desk@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    let v = app
        .console_login_as("viewer@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    (sh, o, s, v)
}

both_dbs! {
    async fn staff_follow_parcels_and_add_events_by_hand(app: TestApp) {
        let (sh, o, s, viewer) = desk(app).await;
        let list = app.console_get(&s, "/admin/shipments").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text());
        let html = list.text();
        assert!(html.contains("data-testid=\"shipments\"") && html.contains("SF1") && html.contains("SF2"), "{html}");
        assert!(html.contains("href=\"/admin/carriers\"") && html.contains("承运商"), "navigation in Chinese by default");
        let found = app.console_get(&s, "/admin/shipments?q=sf2").await.text();
        assert!(found.contains("SF2") && !found.contains(">SF1<"), "search by tracking number");
        let none = app.console_get(&s, "/admin/shipments?status=delivered").await.text();
        assert!(!none.contains("data-shipment="), "nothing delivered yet");

        let id = shipment_by_tracking(app, &sh, "SF1").await["id"].as_str().unwrap().to_owned();
        let page = app.console_get(&s, &format!("/admin/shipments/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("data-testid=\"event-form\"") && page.text().contains(o["number"].as_str().unwrap()));
        let path = format!("/admin/shipments/{id}/events");
        let bad = app.console_post(&s, &path, &[("event", "in_transit"), ("occurred_at", "yesterday")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("data-field=\"occurred_at\""), "{}", bad.text());
        assert!(shipment_by_tracking(app, &sh, "SF1").await["events"].as_array().unwrap().is_empty(), "nothing stored");
        let refused = app.console_post(&viewer, &path, &[("event", "in_transit")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let r = app.console_post(&s, &path, &[("event", "out_for_delivery"), ("occurred_at", "2026-12-02T09:00:00Z"), ("location", "Pudong depot"), ("description", "On the van")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.header("location"), Some(path.replace("/events", "?done=event").as_str()));
        let after = app.console_get(&s, &format!("/admin/shipments/{id}?done=event")).await.text();
        assert!(after.contains("data-event=\"out_for_delivery\"") && after.contains("Pudong depot") && after.contains("data-testid=\"notice\""), "{after}");
        let now = shipment_by_tracking(app, &sh, "SF1").await;
        assert_eq!((now["status"].as_str(), now["events"][0]["source"].as_str()), (Some("out_for_delivery"), Some("manual")));
        let timeline = crate::orders::order(app, &sh, o["id"].as_str().unwrap()).await;
        assert!(timeline["timeline"].as_array().unwrap().iter().any(|e| e["event"] == "shipment_event"));
    }
}

both_dbs! {
    async fn carriers_and_tracking_imports_are_managed_in_the_console(app: TestApp) {
        let (sh, _, s, viewer) = desk(app).await;
        let secret = "console-secret-0123456789wxyz";
        let r = app.console_post(&s, "/admin/carriers", &[("code", "YTO"), ("name", "YTO Express"), ("secret", secret)]).await;
        assert_eq!((r.status, r.header("location")), (StatusCode::SEE_OTHER, Some("/admin/carriers?done=saved")), "{}", r.text());
        let page = app.console_get(&s, "/admin/carriers").await.text();
        assert!(page.contains("data-carrier=\"yto\"") && page.contains("<code>wxyz</code>"), "{page}");
        assert!(!page.contains(secret), "the secret is never shown");
        let dup = app.console_post(&s, "/admin/carriers", &[("code", "yto"), ("name", "Again")]).await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.text().contains("data-field=\"code\""));
        let carriers = app.get_as(&sh.clerk, "/api/v1/carriers").await.json();
        let id = carriers[0]["id"].as_str().unwrap();
        let r = app.console_post(&s, &format!("/admin/carriers/{id}/secret"), &[("secret", "another-secret-0123456789-abcd")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get_as(&sh.clerk, "/api/v1/carriers").await.json()[0]["secret_hint"], "abcd");
        let short = app.console_post(&s, &format!("/admin/carriers/{id}/secret"), &[("secret", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.console_post(&viewer, "/admin/carriers", &[("code", "ems"), ("name", "EMS")]).await.status, StatusCode::FORBIDDEN);

        assert_eq!(app.console_get(&s, "/admin/tracking/import").await.status, StatusCode::OK);
        let csv = "carrier,tracking_number,event,occurred_at,location,description,event_id\n\
            sf,SF2,delivered,2026-12-02T10:00:00Z,Door,,d-1\n\
            sf,SF1,,2026-12-02T10:00:00Z,,,\n";
        let r = app.console_post(&s, "/admin/tracking/import", &[("csv", csv)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(html.contains("data-line=\"2\" data-outcome=\"applied\"") && html.contains("data-line=\"3\" data-outcome=\"invalid\""), "{html}");
        assert_eq!(shipment_by_tracking(app, &sh, "SF2").await["status"], "delivered");
        assert!(shipment_by_tracking(app, &sh, "SF1").await["events"].as_array().unwrap().is_empty());
        let bad = app.console_post(&s, "/admin/tracking/import", &[("csv", "nope\n")]).await;
        assert!(bad.status == StatusCode::UNPROCESSABLE_ENTITY && bad.text().contains("data-field=\"file\""));
    }
}

both_dbs! {
    async fn shoppers_track_an_order_on_the_public_page(app: TestApp) {
        let (sh, o, _) = two_parcels(app, "acme").await;
        let number = o["number"].as_str().unwrap();
        let en = [(header::ACCEPT_LANGUAGE, "en")];
        let form = app.request(Method::GET, "/track", &en, Body::empty()).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("Track your order") && !form.text().contains("aria-label=\"main\""), "no console navigation");
        let path = format!("/track?order={}&contact={}", urlenc(number), urlenc("trk-1@buyer.test"));
        let found = app.request(Method::GET, &path, &en, Body::empty()).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text());
        let html = found.text();
        assert!(html.contains("data-testid=\"track-result\"") && html.contains("data-tracking=\"SF1\"") && html.contains("data-tracking=\"SF2\""), "{html}");
        for hidden in ["Buyer", "世纪大道", "20.00", o["id"].as_str().unwrap(), &sh.m.to_string()] {
            assert!(!html.contains(hidden), "{hidden} must not show");
        }
        let wrong = app.get(&format!("/track?order={}&contact=x%40y.test", urlenc(number))).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        assert!(wrong.text().contains("data-testid=\"track-message\"") && !wrong.text().contains("track-result"));
    }
}
