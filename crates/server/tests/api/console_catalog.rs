//! The console's catalogue pages, driven through their forms as merchant staff: brands,
//! categories (with the cycle refusal), products with generated SKUs and inline edits
//! (field errors on 422 pages), search and filters (and the htmx partial), the review
//! queue with its findings and refusals, history diffs, import reports, export, the
//! permission refusal and both languages.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs};

const ALL: &[&str] = &[
    "catalog.read",
    "catalog.write",
    "catalog.review",
    "settings.manage",
];

/// A merchant with two catalogue staff (both may edit and review).
async fn staff(app: &TestApp) -> (MerchantId, ConsoleSession, ConsoleSession) {
    let m = app.merchant("acme").await;
    app.custom_role(m, "catalog_all", ALL).await;
    app.staff_user(Some(m), "editor@acme.test", &["catalog_all"])
        .await;
    app.staff_user(Some(m), "reviewer@acme.test", &["catalog_all"])
        .await;
    let editor = app
        .console_login_as("editor@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    let reviewer = app
        .console_login_as("reviewer@acme.test", TestApp::STAFF_PASSWORD)
        .await;
    (m, editor, reviewer)
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

/// The id in `/admin/catalog/products/<id>?...`.
fn id_in(location: &str) -> String {
    location
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// The value of `attr="…"` on the element whose text contains `name`, searching back.
fn attr_before(page: &str, name: &str, attr: &str) -> String {
    let at = page
        .find(name)
        .unwrap_or_else(|| panic!("{name} not on the page: {page}"));
    let key = format!("{attr}=\"");
    let start = page[..at].rfind(&key).expect("attribute") + key.len();
    page[start..start + 36].to_owned()
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

/// Creates brand Acme, categories Apparel > Tees, and returns (brand, apparel, tees).
async fn taxonomy(app: &TestApp, s: &ConsoleSession) -> (String, String, String) {
    location(
        &app.console_post(s, "/admin/catalog/brands", &[("name", "Acme")])
            .await,
    );
    let brands = app.console_get(s, "/admin/catalog/brands").await.text();
    let brand = attr_before(&brands, "Acme</a>", "data-brand");
    location(
        &app.console_post(
            s,
            "/admin/catalog/categories",
            &[("name", "Apparel"), ("parent_id", "")],
        )
        .await,
    );
    let page = app.console_get(s, "/admin/catalog/categories").await.text();
    let apparel = attr_before(&page, "Apparel</a>", "data-category");
    location(
        &app.console_post(
            s,
            "/admin/catalog/categories",
            &[("name", "Tees"), ("parent_id", &apparel)],
        )
        .await,
    );
    let page = app.console_get(s, "/admin/catalog/categories").await.text();
    let tees = attr_before(&page, "Tees</a>", "data-category");
    (brand, apparel, tees)
}

fn tee_form<'a>(brand: &'a str, category: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "纯棉T恤 最舒适"),
        ("brand_id", brand),
        ("category_id", category),
        ("description", "100% cotton"),
        ("images", "https://cdn.example.com/tee.jpg"),
        ("attributes", "material=cotton"),
        ("options", "Colour: Red, Blue\nSize: M, L"),
        ("code_prefix", prefix),
        ("price", "99.00"),
        ("cost", "30"),
        ("weight", "200"),
    ]
}

/// Creates the tee and returns its id.
async fn create_tee(app: &TestApp, s: &ConsoleSession, brand: &str, category: &str) -> String {
    let created = app
        .console_post(
            s,
            "/admin/catalog/products",
            &tee_form(brand, category, "tee"),
        )
        .await;
    id_in(&location(&created))
}

both_dbs! {
    async fn staff_create_products_with_variants_and_see_field_errors(app: TestApp) {
        let (_, editor, _) = staff(app).await;
        let (brand, _, tees) = taxonomy(app, &editor).await;
        let id = create_tee(app, &editor, &brand, &tees).await;
        let page = app.console_get(&editor, &format!("/admin/catalog/products/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let page = page.text();
        assert_eq!(page.matches("data-sku=\"").count(), 4, "{page}");
        assert!(page.contains("TEE-RED-M") && page.contains("TEE-BLUE-L"), "{page}");

        // The same prefix again: the generated codes are taken (422, beside the prefix).
        let again = app.console_post(&editor, "/admin/catalog/products", &tee_form(&brand, &tees, "tee")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = again.text();
        assert!(text.contains("data-field=\"code_prefix\"") && text.contains("another SKU already has this code"), "{text}");
        assert!(text.contains("value=\"纯棉T恤 最舒适\""), "typed values are kept: {text}");

        // A bad barcode in the inline SKU editor.
        let sku = attr_before(&page, "TEE-RED-M", "data-sku");
        let fields = [("code", "TEE-RED-M"), ("barcode", "123"), ("price", "99.00"), ("cost", "30"), ("weight", "200"), ("status", "active")];
        let bad = app.console_post(&editor, &format!("/admin/catalog/products/{id}/skus/{sku}"), &fields).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("data-field=\"barcode\""), "{}", bad.text());
        // A good one is saved.
        let fields = [("code", "TEE-RED-M"), ("barcode", "4006381333931"), ("price", "89.00"), ("cost", "30"), ("weight", "200"), ("status", "active")];
        location(&app.console_post(&editor, &format!("/admin/catalog/products/{id}/skus/{sku}"), &fields).await);
        let page = app.console_get(&editor, &format!("/admin/catalog/products/{id}")).await.text();
        assert!(page.contains("value=\"4006381333931\"") && page.contains("value=\"89.00\""), "{page}");

        // Adding a SKU for a combination that exists is refused beside its options.
        let add = [("code", "TEE-EXTRA"), ("options", "Colour=Blue, Size=M"), ("price", "10")];
        let dup = app.console_post(&editor, &format!("/admin/catalog/products/{id}/skus"), &add).await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.text().contains("data-field=\"options\"") && dup.text().contains("value=\"TEE-EXTRA\""), "{}", dup.text());
        // Renaming a SKU to another SKU's code is refused beside its code.
        let other = attr_before(&page, "TEE-BLUE-L", "data-sku");
        let fields = [("code", "tee-red-m"), ("price", "99.00"), ("status", "active")];
        let taken = app.console_post(&editor, &format!("/admin/catalog/products/{id}/skus/{other}"), &fields).await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = taken.text();
        assert!(text.contains("data-field=\"code\"") && text.contains("another SKU already has this code"), "{text}");
    }

    async fn the_product_list_searches_and_filters(app: TestApp) {
        let (_, editor, _) = staff(app).await;
        let (brand, apparel, tees) = taxonomy(app, &editor).await;
        let tee = create_tee(app, &editor, &brand, &tees).await;
        let mug_form = [("name", "Mug"), ("options", ""), ("code_prefix", "mug"), ("price", "20"), ("brand_id", ""), ("category_id", "")];
        let mug = id_in(&location(&app.console_post(&editor, "/admin/catalog/products", &mug_form).await));
        let list = |q: &'static str| {
            let (app, editor) = (app, &editor);
            async move { app.console_get(editor, &format!("/admin/catalog/products{q}")).await.text() }
        };
        // The mug is not ready for review: the missing fields are shown beside their inputs.
        let submit = app.console_post(&editor, &format!("/admin/catalog/products/{mug}/status/submit"), &[]).await;
        assert_eq!(submit.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = submit.text();
        assert!(text.contains("data-field=\"category_id\"") && text.contains("data-field=\"images\""), "{text}");
        let all = list("").await;
        assert!(all.contains(&tee) && all.contains(&mug), "{all}");
        let by_code = list("?q=tee-red-m").await;
        assert!(by_code.contains(&tee) && !by_code.contains(&mug), "{by_code}");
        let by_name = app.console_get(&editor, "/admin/catalog/products?q=%E7%BA%AF%E6%A3%89").await.text();
        assert!(by_name.contains(&tee) && !by_name.contains(&mug));
        let subtree = app.console_get(&editor, &format!("/admin/catalog/products?category={apparel}")).await.text();
        assert!(subtree.contains(&tee) && !subtree.contains(&mug), "category filter includes the subtree");
        let by_brand = app.console_get(&editor, &format!("/admin/catalog/products?brand={brand}")).await.text();
        assert!(by_brand.contains(&tee) && !by_brand.contains(&mug));
        let listed = list("?status=listed").await;
        assert!(!listed.contains(&tee) && !listed.contains(&mug));
        // Live search gets only the rows.
        let partial = get_with(app, &editor, "/admin/catalog/products?q=mug", &[(HeaderName::from_static("hx-request"), "true")]).await;
        assert_eq!(partial.status, StatusCode::OK);
        let rows = partial.text();
        assert!(rows.contains(&mug) && !rows.contains(&tee) && !rows.contains("<html"), "{rows}");
        // The export link carries the filters.
        assert!(by_code.contains("/admin/catalog/products/export.csv?q=tee-red-m"), "{by_code}");
        let csv = app.console_get(&editor, "/admin/catalog/products/export.csv?q=mug").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let text = csv.text();
        assert!(text.starts_with("product_ref,name") && text.contains("MUG") && !text.contains("TEE-RED-M"), "{text}");
        let xlsx = app.console_get(&editor, "/admin/catalog/products/export.xlsx").await;
        assert!(xlsx.body.starts_with(b"PK"));
    }

    async fn submitted_products_are_reviewed_by_someone_else_then_listed(app: TestApp) {
        let (_, editor, reviewer) = staff(app).await;
        let (brand, _, tees) = taxonomy(app, &editor).await;
        let id = create_tee(app, &editor, &brand, &tees).await;
        assert!(app.console_get(&editor, "/admin/catalog/review").await.text().contains("data-testid=\"queue-empty\""));
        location(&app.console_post(&editor, &format!("/admin/catalog/products/{id}/status/submit"), &[]).await);
        // The queue shows the product, its level, the submitter and the banned-word warning.
        let queue = app.console_get(&reviewer, "/admin/catalog/review").await.text();
        assert!(queue.contains(&format!("data-queued=\"{id}\"")), "{queue}");
        assert!(queue.contains("editor@acme.test") && queue.contains("最"), "{queue}");
        assert!(queue.contains("第 1 级 / 共 1 级"), "{queue}");
        // The submitter cannot approve their own submission.
        let own = app.console_post(&editor, &format!("/admin/catalog/review/{id}"), &[("decision", "approve"), ("level", "1")]).await;
        assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.text());
        assert!(own.text().contains("data-testid=\"error\""));
        // Rejecting needs a reason.
        let no_reason = app.console_post(&reviewer, &format!("/admin/catalog/review/{id}"), &[("decision", "reject"), ("level", "1"), ("reason", "")]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Another reviewer approves; the editor lists it.
        let ok = app.console_post(&reviewer, &format!("/admin/catalog/review/{id}"), &[("decision", "approve"), ("level", "1")]).await;
        assert_eq!(location(&ok), "/admin/catalog/review?done=approved");
        location(&app.console_post(&editor, &format!("/admin/catalog/products/{id}/status/list"), &[]).await);
        let page = app.console_get(&editor, &format!("/admin/catalog/products/{id}")).await.text();
        assert!(page.contains("data-status=\"listed\""), "{page}");
        assert!(page.contains("reviewer@acme.test"), "the review log names the reviewer");
        let listed = app.console_get(&editor, "/admin/catalog/products?status=listed").await.text();
        assert!(listed.contains(&id));
    }

    async fn two_level_reviews_need_two_reviewers_holding_catalog_review(app: TestApp) {
        let (m, editor, reviewer) = staff(app).await;
        app.custom_role(m, "writer", &["catalog.read", "catalog.write"]).await;
        app.staff_user(Some(m), "writer@acme.test", &["writer"]).await;
        app.staff_user(Some(m), "second@acme.test", &["catalog_all"]).await;
        let writer = app.console_login_as("writer@acme.test", TestApp::STAFF_PASSWORD).await;
        let second = app.console_login_as("second@acme.test", TestApp::STAFF_PASSWORD).await;
        location(&app.console_post(&editor, "/admin/catalog/settings", &[("review_levels", "2"), ("banned_words", "")]).await);
        let (brand, _, tees) = taxonomy(app, &editor).await;
        let id = create_tee(app, &editor, &brand, &tees).await;
        location(&app.console_post(&editor, &format!("/admin/catalog/products/{id}/status/submit"), &[]).await);
        let queue = app.console_get(&reviewer, "/admin/catalog/review").await.text();
        assert!(queue.contains("第 1 级 / 共 2 级") && queue.contains("data-testid=\"findings\""), "{queue}");
        // Without catalog.review: 403.
        let approve = |level: &'static str| [("decision", "approve"), ("level", level)];
        let path = format!("/admin/catalog/review/{id}");
        assert_eq!(app.console_post(&writer, &path, &approve("1")).await.status, StatusCode::FORBIDDEN);
        location(&app.console_post(&reviewer, &path, &approve("1")).await);
        assert!(app.console_get(&reviewer, "/admin/catalog/review").await.text().contains("第 2 级 / 共 2 级"));
        // The same reviewer cannot decide the second level too.
        let twice = app.console_post(&reviewer, &path, &approve("2")).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
        location(&app.console_post(&second, &path, &approve("2")).await);
        let page = app.console_get(&editor, &format!("/admin/catalog/products/{id}")).await.text();
        assert!(page.contains("data-status=\"approved\""), "{page}");
    }

    async fn categories_refuse_a_cycle_and_history_shows_a_diff(app: TestApp) {
        let (_, editor, _) = staff(app).await;
        let (brand, apparel, tees) = taxonomy(app, &editor).await;
        let cycle = app.console_post(&editor, "/admin/catalog/categories/move", &[("category_id", &apparel), ("parent_id", &tees)]).await;
        assert_eq!(cycle.status, StatusCode::CONFLICT, "{}", cycle.text());
        assert!(cycle.text().contains("data-testid=\"error\""), "{}", cycle.text());
        let moved = app.console_post(&editor, "/admin/catalog/categories/move", &[("category_id", &tees), ("parent_id", "")]).await;
        assert_eq!(location(&moved), "/admin/catalog/categories?done=moved");
        location(&app.console_post(&editor, &format!("/admin/catalog/categories/{tees}/rename"), &[("name", "T-shirts")]).await);
        assert!(app.console_get(&editor, "/admin/catalog/categories").await.text().contains("T-shirts"));

        let id = create_tee(app, &editor, &brand, &tees).await;
        let mut form = tee_form(&brand, &tees, "");
        form.retain(|(k, _)| !matches!(*k, "code_prefix" | "price" | "cost" | "weight" | "name"));
        form.push(("name", "Organic tee"));
        form.push(("version", "1"));
        location(&app.console_post(&editor, &format!("/admin/catalog/products/{id}"), &form).await);
        let history = app.console_get(&editor, &format!("/admin/catalog/products/{id}/history")).await;
        assert_eq!(history.status, StatusCode::OK);
        let text = history.text();
        assert!(text.contains("data-version=\"2\"") && text.contains("data-testid=\"diff\""), "{text}");
        assert!(text.contains("纯棉T恤 最舒适") && text.contains("Organic tee"), "{text}");
        // A stale version is refused, not saved over.
        let stale = app.console_post(&editor, &format!("/admin/catalog/products/{id}"), &form).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    }

    async fn imports_report_bad_rows_and_partial_mode_writes_the_good_ones(app: TestApp) {
        let (_, editor, _) = staff(app).await;
        taxonomy(app, &editor).await;
        let csv = "product_ref,name,brand,category,option1_name,option1_value,sku_code,barcode,price\n\
                   tee,Tee,acme,apparel/tees,Size,M,TEE-M,,99.00\n\
                   tee,Tee,acme,apparel/tees,Size,L,TEE-L,,99.00\n\
                   mug,Mug,nobody,,,,MUG-1,,abc\n";
        let all = app.console_post(&editor, "/admin/catalog/import", &[("csv", csv), ("mode", "all")]).await;
        assert_eq!(all.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = all.text();
        assert!(text.contains("data-testid=\"import-not-committed\"") && text.contains("data-line=\"4\""), "{text}");
        assert!(app.console_get(&editor, "/admin/catalog/products").await.text().contains("data-testid=\"products\""));
        assert!(!app.console_get(&editor, "/admin/catalog/products").await.text().contains("data-product="), "nothing written");
        let partial = app.console_post(&editor, "/admin/catalog/import", &[("csv", csv), ("mode", "partial")]).await;
        let text = partial.text();
        assert!(text.contains("data-testid=\"import-committed\""), "{text}");
        assert!(text.contains("data-testid=\"products-created\">1<") && text.contains("data-testid=\"skus-created\">2<"), "{text}");
        let list = app.console_get(&editor, "/admin/catalog/products?q=TEE-L").await.text();
        assert_eq!(list.matches("data-product=").count(), 1, "{list}");
        let empty = app.console_post(&editor, "/admin/catalog/import", &[("csv", ""), ("mode", "all")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn catalog_pages_need_catalog_read_and_speak_both_languages(app: TestApp) {
        let (m, editor, _) = staff(app).await;
        app.custom_role(m, "nothing", &[]).await;
        app.staff_user(Some(m), "clerk@acme.test", &["nothing"]).await;
        let clerk = app.console_login_as("clerk@acme.test", TestApp::STAFF_PASSWORD).await;
        for path in ["/admin/catalog/products", "/admin/catalog/review", "/admin/catalog/categories", "/admin/catalog/brands", "/admin/catalog/settings", "/admin/catalog/products/export.csv"] {
            let refused = app.console_get(&clerk, path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {}", refused.text());
        }
        let zh = app.console_get(&editor, "/admin/catalog/products").await.text();
        assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("商品列表") && zh.contains("审核队列"), "{zh}");
        let en_session = ConsoleSession { cookie: format!("{}; omnihub_lang=en", editor.cookie), csrf: editor.csrf.clone() };
        let en = app.console_get(&en_session, "/admin/catalog/products").await.text();
        assert!(en.contains("lang=\"en\"") && en.contains("Review queue") && en.contains("Export CSV"), "{en}");
        // Settings: levels and banned words.
        let saved = app.console_post(&editor, "/admin/catalog/settings", &[("review_levels", "2"), ("banned_words", "cheapest\nbest")]).await;
        assert_eq!(location(&saved), "/admin/catalog/settings?done=saved");
        let page = app.console_get(&editor, "/admin/catalog/settings").await.text();
        assert!(page.contains("value=\"2\"") && page.contains("cheapest"), "{page}");
        let bad = app.console_post(&editor, "/admin/catalog/settings", &[("review_levels", "9"), ("banned_words", "")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Platform staff who chose no merchant are told to choose one.
        let admin = app.console_login().await;
        let choose = app.console_get(&admin, "/admin/catalog/products").await;
        assert!(choose.text().contains("data-testid=\"choose-merchant\""), "{}", choose.text());
    }
}
