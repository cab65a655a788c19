//! Catalogue use cases called directly (below HTTP), on both databases: the SQL of every
//! catalogue store function runs here on SQLite and PostgreSQL. The HTTP tests of the
//! catalogue routes build on these use cases.

use omnihub_app::catalog::products::{ListQuery, ProductPatch};
use omnihub_app::catalog::transfer::{ExportFormat, ImportMode, export, import_csv};
use omnihub_app::catalog::{
    self, GenerateSkus, OptionInput, ProductInput, ReviewInput, SettingsInput, SkuInput, SkuPatch,
    history, taxonomy,
};
use omnihub_app::{Actor, Error, Principal, RequestMeta};
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::catalog::{Decision, ProductStatus};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_testkit::{TestApp, both_dbs};

use crate::fixtures;

async fn person(app: &TestApp, merchant: MerchantId, email: &str) -> Actor {
    let perms = [
        Permission::CatalogRead,
        Permission::CatalogWrite,
        Permission::CatalogReview,
        Permission::SettingsManage,
    ];
    let id: UserId = fixtures::staff(app, Some(merchant), email, &perms).await;
    Actor {
        principal: Principal::User {
            id,
            email: email.to_owned(),
        },
        platform: false,
        merchant: Some(merchant),
        permissions: perms.into_iter().collect::<PermissionSet>(),
        mfa_enrolment_required: false,
        meta: RequestMeta::default(),
    }
}

fn tee(category: Option<omnihub_domain::catalog::CategoryId>) -> ProductInput {
    ProductInput {
        name: "纯棉T恤 最舒适".into(),
        category_id: category,
        description: "100% cotton".into(),
        images: vec!["https://cdn.example.com/tee.jpg".into()],
        options: vec![
            OptionInput {
                name: "Colour".into(),
                values: vec!["Red".into(), "Blue".into()],
            },
            OptionInput {
                name: "Size".into(),
                values: vec!["M".into(), "L".into()],
            },
        ],
        generate: Some(GenerateSkus {
            code_prefix: "tee".into(),
            price: "99.00".into(),
            cost: Some("30".into()),
            ..GenerateSkus::default()
        }),
        ..ProductInput::default()
    }
}

fn fields(err: Error) -> Vec<(String, &'static str)> {
    match err {
        Error::Validation(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn conflict(err: Error) -> &'static str {
    match err {
        Error::Conflict { code, .. } => code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

both_dbs! {
    async fn a_product_is_reviewed_at_every_level_listed_and_sent_back_by_a_price_edit(app: TestApp) {
        let m = fixtures::merchant(app, "acme", "Acme").await.id;
        let (owner, rev1, rev2) = (
            person(app, m, "owner@example.com").await,
            person(app, m, "rev1@example.com").await,
            person(app, m, "rev2@example.com").await,
        );
        let a = &app.app;
        let settings = SettingsInput { review_levels: Some(2), banned_words: None };
        catalog::update_settings(a, &owner, m, settings).await.unwrap();
        let cat = taxonomy::create_category(a, &owner, m, "Apparel", None).await.unwrap();

        // Arrange: a product with 2 x 2 generated SKUs, first without a category.
        let p = catalog::create(a, &owner, m, tee(None)).await.unwrap();
        assert_eq!(p.skus.len(), 4);
        assert_eq!(p.skus[0].code, "TEE-RED-M");
        assert_eq!(p.skus[0].price.minor(), 9900);
        assert_eq!(p.status, ProductStatus::Draft);

        // Submitting without a category is refused by the compliance check.
        let err = catalog::submit(a, &owner, m, p.id).await.unwrap_err();
        assert_eq!(fields(err), [("category_id".to_owned(), "required")]);
        let patch = ProductPatch { category_id: Some(Some(cat.id)), ..ProductPatch::default() };
        let p = catalog::update(a, &owner, m, p.id, patch).await.unwrap();
        assert_eq!((p.status, p.version), (ProductStatus::Draft, 2));

        // Submit: the banned word is a warning shown to reviewers.
        let p = catalog::submit(a, &owner, m, p.id).await.unwrap();
        assert_eq!(p.status, ProductStatus::InReview { level: 1, of: 2 });
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.findings[0].code, "banned_word");

        let approve = |level| ReviewInput { level, decision: Decision::Approve, reason: None };
        let err = catalog::decide(a, &owner, m, p.id, approve(1)).await.unwrap_err();
        assert_eq!(conflict(err), "own-submission");
        catalog::decide(a, &rev1, m, p.id, approve(1)).await.unwrap();
        let err = catalog::decide(a, &rev1, m, p.id, approve(2)).await.unwrap_err();
        assert_eq!(conflict(err), "already-reviewed");
        let p = catalog::decide(a, &rev2, m, p.id, approve(2)).await.unwrap();
        assert_eq!(p.status, ProductStatus::Approved);
        let sku_ids: Vec<_> = p.skus.iter().map(|s| s.id).collect();

        // Not sellable until listed; sellable after.
        let mut tx = a.db.begin_read().await.unwrap();
        assert!(catalog::require_listed(&mut tx, m, &sku_ids).await.is_err());
        drop(tx);
        let p = catalog::list_for_sale(a, &owner, m, p.id).await.unwrap();
        assert_eq!(p.status, ProductStatus::Listed);
        let mut tx = a.db.begin_read().await.unwrap();
        assert_eq!(catalog::require_listed(&mut tx, m, &sku_ids).await.unwrap().len(), 4);
        drop(tx);

        // A cost edit keeps it on sale; a price edit sends it back to review.
        let cost = SkuPatch { cost: Some(Some("31".into())), ..SkuPatch::default() };
        let p = catalog::update_sku(a, &owner, m, p.id, sku_ids[0], cost).await.unwrap();
        assert_eq!(p.status, ProductStatus::Listed);
        let price = SkuPatch { price: Some("89.90".into()), ..SkuPatch::default() };
        let p = catalog::update_sku(a, &owner, m, p.id, sku_ids[0], price).await.unwrap();
        assert_eq!(p.status, ProductStatus::InReview { level: 1, of: 2 });
        assert_eq!(p.review_round, 2);
        let mut tx = a.db.begin_read().await.unwrap();
        assert_eq!(conflict(catalog::require_listed(&mut tx, m, &sku_ids).await.unwrap_err()), "sku-not-sellable");
        drop(tx);

        // Rejection needs a reason; the review log keeps every step.
        let reject = ReviewInput { level: 1, decision: Decision::Reject, reason: None };
        assert_eq!(fields(catalog::decide(a, &rev1, m, p.id, reject).await.unwrap_err())[0].0, "reason");
        let reject = ReviewInput { level: 1, decision: Decision::Reject, reason: Some("price too low".into()) };
        let p = catalog::decide(a, &rev1, m, p.id, reject).await.unwrap();
        assert_eq!(p.status, ProductStatus::Rejected);
        let log = catalog::reviews(a, &owner, m, p.id).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["submit", "approve", "approve", "list", "resubmit", "reject"]);

        // History: one version per edit, and a field-level diff.
        let versions = history::history(a, &owner, m, p.id).await.unwrap();
        assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [4, 3, 2, 1]);
        assert_eq!(versions[0].changed, ["skus"]);
        let d = history::diff_versions(a, &owner, m, p.id, 3, 4).await.unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].path.ends_with(".price_minor"), "{d:?}");
        assert_eq!(d[0].after, Some(serde_json::json!(8990)));
    }

    async fn sku_codes_and_barcodes_are_validated_and_unique_per_merchant(app: TestApp) {
        let m = fixtures::merchant(app, "acme", "Acme").await.id;
        let other = fixtures::merchant(app, "other", "Other").await.id;
        let owner = person(app, m, "owner@example.com").await;
        let owner2 = person(app, other, "owner2@example.com").await;
        let a = &app.app;
        let sku = |code: &str, barcode: Option<&str>| SkuInput {
            code: code.into(),
            barcode: barcode.map(Into::into),
            price: "10".into(),
            ..SkuInput::default()
        };
        let plain = |s: SkuInput| ProductInput { name: "Mug".into(), skus: vec![s], ..ProductInput::default() };
        catalog::create(a, &owner, m, plain(sku("MUG-1", Some("4006381333931")))).await.unwrap();

        let err = catalog::create(a, &owner, m, plain(sku("mug-1", None))).await.unwrap_err();
        assert_eq!(fields(err), [("skus[0].code".to_owned(), "taken")]);
        let err = catalog::create(a, &owner, m, plain(sku("MUG-2", Some("4006381333931")))).await.unwrap_err();
        assert_eq!(fields(err), [("skus[0].barcode".to_owned(), "taken")]);
        let mut bad = sku("MUG 3", Some("4006381333932"));
        bad.price = "1.999".into();
        let err = catalog::create(a, &owner, m, plain(bad)).await.unwrap_err();
        let f = fields(err);
        assert!(f.contains(&("skus[0].code".to_owned(), "invalid")), "{f:?}");
        assert!(f.contains(&("skus[0].barcode".to_owned(), "check_digit")), "{f:?}");
        assert!(f.contains(&("skus[0].price".to_owned(), "invalid")), "{f:?}");
        // Another merchant may use the same code.
        catalog::create(a, &owner2, other, plain(sku("MUG-1", Some("4006381333931")))).await.unwrap();
        // And cannot see the first merchant's products.
        let page = catalog::list(a, &owner2, m, ListQuery::default()).await.unwrap_err();
        assert!(matches!(page, Error::NotFound { .. }));
    }

    async fn categories_move_as_subtrees_and_filter_search_and_page_products(app: TestApp) {
        let m = fixtures::merchant(app, "acme", "Acme").await.id;
        let owner = person(app, m, "owner@example.com").await;
        let a = &app.app;
        let apparel = taxonomy::create_category(a, &owner, m, "Apparel", None).await.unwrap();
        let tops = taxonomy::create_category(a, &owner, m, "Tops", Some(apparel.id)).await.unwrap();
        let tees = taxonomy::create_category(a, &owner, m, "Tees", Some(tops.id)).await.unwrap();
        let home = taxonomy::create_category(a, &owner, m, "Home", None).await.unwrap();
        assert!(taxonomy::create_category(a, &owner, m, "tops", Some(apparel.id)).await.is_err());

        let err = taxonomy::move_category(a, &owner, m, apparel.id, Some(tees.id)).await.unwrap_err();
        assert_eq!(conflict(err), "category-cycle");
        let moved = taxonomy::move_category(a, &owner, m, tops.id, Some(home.id)).await.unwrap();
        assert_eq!(moved.depth, 2);
        let subtree = taxonomy::list_categories(a, &owner, m, Some(home.id)).await.unwrap();
        let names: Vec<&str> = subtree.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Home", "Tops", "Tees"]);
        assert_eq!(subtree[2].depth, 3);

        let brand = taxonomy::create_brand(a, &owner, m, "Acme").await.unwrap();
        assert!(taxonomy::create_brand(a, &owner, m, "ACME").await.is_err());
        for i in 0..5 {
            let input = ProductInput {
                name: format!("Shirt {i}"),
                brand_id: (i % 2 == 0).then_some(brand.id),
                category_id: Some(if i < 3 { tees.id } else { apparel.id }),
                skus: vec![SkuInput { code: format!("S-{i}"), price: "5".into(), barcode: (i == 4).then(|| "036000291452".into()), ..SkuInput::default() }],
                ..ProductInput::default()
            };
            catalog::create(a, &owner, m, input).await.unwrap();
        }
        let q = |f: fn(&mut ListQuery)| {
            let mut q = ListQuery::default();
            f(&mut q);
            q
        };
        let count = |q: ListQuery| async { catalog::list(a, &owner, m, q).await.unwrap().items.len() };
        let under_home = ListQuery {
            category_id: Some(home.id),
            ..ListQuery::default()
        };
        assert_eq!(count(under_home).await, 3);
        let by_brand = ListQuery {
            brand_id: Some(brand.id),
            ..ListQuery::default()
        };
        assert_eq!(count(by_brand).await, 3);
        assert_eq!(count(q(|q| q.search = Some("SHIRT 1".into()))).await, 1);
        assert_eq!(count(q(|q| q.search = Some("s-3".into()))).await, 1);
        assert_eq!(count(q(|q| q.search = Some("036000291452".into()))).await, 1);
        assert_eq!(count(q(|q| q.search = Some("%".into()))).await, 0);
        assert_eq!(count(q(|q| q.status = Some("listed".into()))).await, 0);

        let first = catalog::list(a, &owner, m, q(|q| q.limit = Some(2))).await.unwrap();
        assert_eq!(first.items.len(), 2);
        let mut next = ListQuery { limit: Some(2), ..ListQuery::default() };
        next.cursor = first.next_cursor;
        let second = catalog::list(a, &owner, m, next).await.unwrap();
        assert_eq!(second.items[0].name, "Shirt 2");
        let skus = catalog::list_skus(a, &owner, m, ListQuery::default()).await.unwrap();
        assert_eq!(skus.items.len(), 5);
    }

    async fn imports_are_all_or_nothing_unless_partial_and_exports_round_trip(app: TestApp) {
        let m = fixtures::merchant(app, "acme", "Acme").await.id;
        let owner = person(app, m, "owner@example.com").await;
        let a = &app.app;
        let apparel = taxonomy::create_category(a, &owner, m, "Apparel", None).await.unwrap();
        taxonomy::create_category(a, &owner, m, "Tees", Some(apparel.id)).await.unwrap();
        taxonomy::create_brand(a, &owner, m, "Acme").await.unwrap();
        let csv = "product_ref,name,brand,category,description,images,option1_name,option1_value,sku_code,barcode,price,cost,weight_g\n\
                   tee,Tee,acme,apparel/tees,Soft,https://cdn.example.com/a.jpg,Size,M,TEE-M,,99.00,30,200\n\
                   tee,Tee,acme,apparel/tees,Soft,https://cdn.example.com/a.jpg,Size,L,TEE-L,,99.00,30,1.2kg\n\
                   mug,Mug,nobody,,,,,,MUG-1,4006381333932,abc,,\n";
        let report = import_csv(a, &owner, m, csv.as_bytes(), ImportMode::AllOrNothing).await.unwrap();
        assert!(!report.committed);
        assert_eq!(report.rows, 3);
        let lines: Vec<(usize, &str)> = report.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(lines, [(4, "barcode"), (4, "brand"), (4, "price")], "{:?}", report.errors);
        assert_eq!(catalog::list(a, &owner, m, ListQuery::default()).await.unwrap().items.len(), 0);

        let report = import_csv(a, &owner, m, csv.as_bytes(), ImportMode::Partial).await.unwrap();
        assert!(report.committed);
        assert_eq!((report.products_created, report.skus_created), (1, 2));
        let page = catalog::list_skus(a, &owner, m, ListQuery::default()).await.unwrap();
        assert_eq!(page.items[1].sku.weight_grams, Some(1200));

        // Importing the same codes again reports them as taken.
        let report = import_csv(a, &owner, m, csv.as_bytes(), ImportMode::Partial).await.unwrap();
        assert!(report.errors.iter().any(|e| e.field == "sku_code" && e.code == "taken"));

        let file = export(a, &owner, m, ListQuery::default(), ExportFormat::Csv).await.unwrap();
        let text = String::from_utf8(file.bytes).unwrap();
        assert!(text.starts_with("product_ref,name,brand,category"));
        assert!(text.contains("Tee,Acme,Apparel/Tees,Soft"), "{text}");
        assert!(text.contains("TEE-L,,99.00,30.00,CNY,1200,active"), "{text}");
        let xlsx = export(a, &owner, m, ListQuery::default(), ExportFormat::Xlsx).await.unwrap();
        assert!(xlsx.bytes.starts_with(b"PK"));
    }
}
