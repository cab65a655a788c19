//! The console's channel pages driven through their forms as merchant staff: the list
//! with filters and the new-channel form (inline errors, the generated secret shown once,
//! both languages), the channel page (settings, status moves, credential rotation, linked
//! locations) and the listings page (add by SKU code, inline errors, edit, remove).

use axum::http::StatusCode;
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs};

use crate::channels::{World, world};

const PERMISSIONS: &[&str] = &[
    "channels.read",
    "channels.manage",
    "catalog.read",
    "inventory.read",
];

/// The world of the API tests plus a console session of a channel manager.
async fn session(app: &TestApp) -> (World, ConsoleSession) {
    let w = world(app, "acme").await;
    app.custom_role(w.m, "channel_manager", PERMISSIONS).await;
    app.staff_user(Some(w.m), "console@acme.test", &["channel_manager"])
        .await;
    let s = app
        .console_login_as("console@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    (w, s)
}

#[track_caller]
fn redirected(r: &TestResponse) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").unwrap().to_owned()
}

/// The text between `marker` and the next `<`.
fn after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page: {page}"))
        + marker.len();
    page[at..].split('<').next().unwrap().to_owned()
}

/// Creates a channel through the form and returns its id and page.
async fn create(app: &TestApp, s: &ConsoleSession, code: &str) -> (String, String) {
    let fields = [
        ("code", code),
        ("name", "Web shop"),
        ("kind", "own_store"),
        ("platform", "api"),
        ("ship_by_hours", "24"),
    ];
    let r = app.console_post(s, "/admin/channels", &fields).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let page = r.text();
    let id = after(&page, "action=\"/admin/channels/")
        .split('/')
        .next()
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    (id, page)
}

both_dbs! {
    async fn the_channel_list_and_form_create_with_inline_errors_in_both_languages(app: TestApp) {
        let (_, s) = session(app).await;
        let empty = app.console_get(&s, "/admin/channels").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.text().contains("lang=\"zh-CN\"") && empty.text().contains("暂无渠道"), "{}", empty.text());
        assert_eq!(app.console_get(&s, "/admin/channels/new").await.status, StatusCode::OK);

        // Refused: the values come back with each error beside its input.
        let bad = [("code", "bad code"), ("name", "Web shop"), ("kind", "own_store"), ("platform", "shopify"), ("time_zone", "Mars/Olympus")];
        let r = app.console_post(&s, "/admin/channels", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        for field in ["code", "time_zone", "shop_domain"] {
            assert!(r.text().contains(&format!("data-field=\"{field}\"")), "{field}: {}", r.text());
        }
        assert!(r.text().contains("value=\"bad code\""));

        // Created: the generated secret is shown on this response only.
        let (id, page) = create(app, &s, "web").await;
        let secret = after(&page, "<code>");
        assert!(secret.starts_with("whsec_"), "{page}");
        let detail = app.console_get(&s, &format!("/admin/channels/{id}")).await.text();
        assert!(!detail.contains(&secret) && detail.contains("data-testid=\"webhook-status\""), "{detail}");

        let list = app.console_get(&s, "/admin/channels?status=active").await.text();
        assert!(list.contains("WEB") && list.contains("自营网店"), "{list}");
        assert!(!app.console_get(&s, "/admin/channels?status=archived").await.text().contains(">WEB<"));
        let en = ConsoleSession { cookie: format!("{}; omnihub_lang=en", s.cookie), csrf: s.csrf.clone() };
        let english = app.console_get(&en, "/admin/channels").await.text();
        assert!(english.contains("lang=\"en\"") && english.contains("Own web shop") && english.contains("New channel"), "{english}");
        let english = app.console_get(&en, &format!("/admin/channels/{id}")).await.text();
        assert!(english.contains("Linked locations") && english.contains("Generate a new webhook secret"), "{english}");
    }

    async fn the_channel_page_edits_settings_moves_status_rotates_secrets_and_links_locations(app: TestApp) {
        let (w, s) = session(app).await;
        let (id, _) = create(app, &s, "web").await;
        let path = format!("/admin/channels/{id}");

        let fields = [("code", "WEB"), ("name", "Web shop CN"), ("kind", "own_store"), ("platform", "api"), ("currency", "CNY"), ("time_zone", "Asia/Tokyo"), ("ship_by_hours", "999")];
        let r = app.console_post(&s, &path, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"ship_by_hours\"") && r.text().contains("value=\"Asia/Tokyo\""), "{}", r.text());
        let mut fixed = fields;
        fixed[6] = ("ship_by_hours", "72");
        assert_eq!(redirected(&app.console_post(&s, &path, &fixed).await), format!("{path}?done=saved"));
        assert!(app.console_get(&s, &path).await.text().contains("value=\"Asia/Tokyo\""));

        // Rotation shows the new secret once.
        let r = app.console_post(&s, &format!("{path}/credentials"), &[("generate", "1")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let secret = after(&r.text(), "<code>");
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert!(secret.starts_with("whsec_") && !app.console_get(&s, &path).await.text().contains(&secret));
        let short = app.console_post(&s, &format!("{path}/credentials"), &[("api_token", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.text());

        // Linked locations: add two, reprioritise, refuse an inactive one, remove.
        redirected(&app.console_post(&s, &format!("{path}/locations"), &[("location_id", &w.wh1)]).await);
        redirected(&app.console_post(&s, &format!("{path}/locations"), &[("location_id", &w.wh2), ("priority", "1")]).await);
        redirected(&app.console_post(&s, &format!("{path}/locations/{}", w.wh1), &[("priority", "7")]).await);
        let page = app.console_get(&s, &path).await.text();
        let (at1, at2) = (page.find(&format!("data-location=\"{}\"", w.wh1)).unwrap(), page.find(&format!("data-location=\"{}\"", w.wh2)).unwrap());
        assert!(at2 < at1 && page.contains("value=\"7\""), "WH2 (priority 1) comes first: {page}");
        assert!(!page.contains(&format!("<option value=\"{}\"", w.closed)), "inactive locations are not offered");
        let inactive = app.console_post(&s, &format!("{path}/locations"), &[("location_id", &w.closed)]).await;
        assert_eq!(inactive.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", inactive.text());
        redirected(&app.console_post(&s, &format!("{path}/locations/{}/remove", w.wh1), &[]).await);
        assert!(!app.console_get(&s, &path).await.text().contains(&format!("data-location=\"{}\"", w.wh1)));

        // Status moves; an illegal one is the 409 page.
        assert_eq!(redirected(&app.console_post(&s, &format!("{path}/status/pause"), &[]).await), format!("{path}?done=status"));
        assert_eq!(app.console_post(&s, &format!("{path}/status/pause"), &[]).await.status, StatusCode::CONFLICT);
        redirected(&app.console_post(&s, &format!("{path}/status/archive"), &[]).await);
        let archived = app.console_get(&s, &path).await.text();
        assert!(archived.contains("data-status=\"archived\"") && !archived.contains("data-testid=\"channel-form\""), "{archived}");
    }

    async fn the_listings_page_adds_by_sku_code_shows_errors_edits_and_removes(app: TestApp) {
        let (w, s) = session(app).await;
        let (id, _) = create(app, &s, "web").await;
        let path = format!("/admin/channels/{id}/listings");
        assert!(app.console_get(&s, &path).await.text().contains("该渠道暂无上架 SKU"));
        let sku = &w.skus[0].1;
        let add = [("sku_code", sku.as_str()), ("external_sku", "EXT-1"), ("external_variant_id", "42"), ("price", "88.8")];
        assert_eq!(redirected(&app.console_post(&s, &path, &add).await), format!("{path}?done=saved"));
        let page = app.console_get(&s, &path).await.text();
        assert!(page.contains(&format!("<td>{sku}</td>")) && page.contains("value=\"88.80\"") && page.contains("value=\"EXT-1\""), "{page}");

        let taken = [("sku_code", w.skus[1].1.as_str()), ("external_sku", "ext-1"), ("price", "1.234")];
        let r = app.console_post(&s, &path, &taken).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("data-field=\"price\"") && r.text().contains(&format!("value=\"{}\"", w.skus[1].1)), "{}", r.text());
        let unknown = app.console_post(&s, &path, &[("sku_code", "NOPE")]).await;
        assert!(unknown.text().contains("data-field=\"sku_code\""), "{}", unknown.text());
        let draft = app.console_post(&s, &path, &[("sku_code", w.draft.1.as_str())]).await;
        assert_eq!(draft.status, StatusCode::CONFLICT, "{}", draft.text());

        let row = after(&page, "data-listing=\"").trim_end_matches(['"', '>']).to_owned();
        let row = row.split('"').next().unwrap().to_owned();
        let edit = [("external_sku", "EXT-1B"), ("external_variant_id", "42"), ("price", "")];
        redirected(&app.console_post(&s, &format!("{path}/{row}"), &edit).await);
        let page = app.console_get(&s, &format!("{path}?q=ext-1b")).await.text();
        assert!(page.contains("value=\"EXT-1B\"") && !page.contains("value=\"88.80\"") && !page.contains(" checked"), "{page}");
        assert_eq!(redirected(&app.console_post(&s, &format!("{path}/{row}/remove"), &[]).await), format!("{path}?done=removed"));
        assert!(app.console_get(&s, &path).await.text().contains("该渠道暂无上架 SKU"));
    }
}
