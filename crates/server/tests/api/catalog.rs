//! The catalogue over HTTP: brands, categories, products and SKUs, their validation and
//! uniqueness, list filters and paging, permissions, tenant isolation and audit. The
//! review flow is in `catalog_review`, import and export in `catalog_transfer`.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::fixtures;

/// A merchant with an owner holding every catalogue permission.
pub struct Shop {
    /// The merchant.
    pub id: MerchantId,
    /// The owner's bearer token.
    pub owner: String,
}

/// The catalogue permissions plus `settings.manage`.
pub const CATALOG_ALL: [Permission; 4] = [
    Permission::CatalogRead,
    Permission::CatalogWrite,
    Permission::CatalogReview,
    Permission::SettingsManage,
];

/// Creates merchant `code` with an owner `owner@<code>.test` holding [`CATALOG_ALL`].
pub async fn shop(app: &TestApp, code: &str) -> Shop {
    let id = fixtures::merchant(app, code, &format!("Shop {code}"))
        .await
        .id;
    let owner =
        fixtures::staff_token(app, Some(id), &format!("owner@{code}.test"), &CATALOG_ALL).await;
    Shop { id, owner }
}

/// A JSON request with a bearer token.
pub async fn call(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: &Value,
) -> TestResponse {
    app.send_json(method, path, Some(token), body).await
}

/// POSTs JSON and asserts the status; returns the body.
pub async fn created(app: &TestApp, token: &str, path: &str, body: &Value) -> Value {
    let r = call(app, Method::POST, token, path, body).await;
    assert!(
        r.status.is_success(),
        "POST {path}: {} {}",
        r.status,
        r.text()
    );
    r.json()
}

/// The `(field, code)` pairs of a 422 validation problem.
#[track_caller]
pub fn field_errors(r: &TestResponse) -> Vec<(String, String)> {
    let problem = r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A product that passes the compliance checks (its name carries a banned-word warning
/// when `name` does), with 2 colours x 2 sizes generated at 99.00 (cost 30).
pub fn tee(name: &str, category_id: &str) -> Value {
    json!({
        "name": name,
        "category_id": category_id,
        "description": "100% cotton",
        "images": ["https://cdn.example.com/tee.jpg"],
        "options": [{"name": "Colour", "values": ["Red", "Blue"]}, {"name": "Size", "values": ["M", "L"]}],
        "generate": {"code_prefix": "tee", "price": {"amount": "99.00"}, "cost": {"amount": "30"}}
    })
}

/// A one-SKU product body.
pub fn mug(code: &str, price: &str) -> Value {
    json!({"name": "Mug", "skus": [{"code": code, "price": {"amount": price}}]})
}

/// Creates a root category and returns its id.
pub async fn category(app: &TestApp, token: &str, name: &str, parent: Option<&str>) -> String {
    let c = created(
        app,
        token,
        "/api/v1/catalog/categories",
        &json!({"name": name, "parent_id": parent}),
    )
    .await;
    c["id"].as_str().unwrap().to_owned()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

both_dbs! {
    async fn brands_are_created_listed_renamed_and_unique_ignoring_case(app: TestApp) {
        let s = shop(app, "acme").await;
        let acme = created(app, &s.owner, "/api/v1/catalog/brands", &json!({"name": "Acme"})).await;
        created(app, &s.owner, "/api/v1/catalog/brands", &json!({"name": "Zeta"})).await;

        let dup = call(app, Method::POST, &s.owner, "/api/v1/catalog/brands", &json!({"name": "ACME"})).await;
        assert_eq!(field_errors(&dup), [("name".to_owned(), "taken".to_owned())]);
        let blank = call(app, Method::POST, &s.owner, "/api/v1/catalog/brands", &json!({"name": " "})).await;
        assert_eq!(field_errors(&blank), [("name".to_owned(), "required".to_owned())]);

        let path = format!("/api/v1/catalog/brands/{}", acme["id"].as_str().unwrap());
        let renamed = call(app, Method::PATCH, &s.owner, &path, &json!({"name": "Acme Co"})).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
        assert_eq!(renamed.json()["name"], "Acme Co");
        let list = app.get_as(&s.owner, "/api/v1/catalog/brands").await.json();
        assert_eq!(names(&list), ["Acme Co", "Zeta"]);
        let actions = app.audit_actions(Some(s.id)).await;
        assert_eq!(actions.iter().filter(|a| a.starts_with("brand.")).count(), 3, "{actions:?}");
    }

    async fn categories_form_a_tree_that_moves_as_subtrees_and_refuses_cycles(app: TestApp) {
        let s = shop(app, "acme").await;
        let apparel = category(app, &s.owner, "Apparel", None).await;
        let tops = category(app, &s.owner, "Tops", Some(&apparel)).await;
        let tees = category(app, &s.owner, "Tees", Some(&tops)).await;
        let home = category(app, &s.owner, "Home", None).await;
        let dup = call(app, Method::POST, &s.owner, "/api/v1/catalog/categories", &json!({"name": "tops", "parent_id": apparel})).await;
        assert_eq!(field_errors(&dup), [("name".to_owned(), "taken".to_owned())]);

        // Moving a category under its own descendant would make a cycle.
        let cycle = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/categories/{apparel}/move"), &json!({"parent_id": tees})).await;
        cycle.assert_problem(StatusCode::CONFLICT, "category-cycle");
        let moved = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/categories/{tops}/move"), &json!({"parent_id": home})).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
        assert_eq!(moved.json()["depth"], 2);

        // The subtree came along: Home > Tops > Tees.
        let subtree = app.get_as(&s.owner, &format!("/api/v1/catalog/categories?root={home}")).await.json();
        assert_eq!(names(&subtree), ["Home", "Tops", "Tees"]);
        assert_eq!(subtree[2]["depth"], 3);
        assert_eq!(subtree[2]["parent_id"], tops.as_str());
        let all = app.get_as(&s.owner, "/api/v1/catalog/categories").await.json();
        assert_eq!(names(&all), ["Apparel", "Home", "Tops", "Tees"]);

        let renamed = call(app, Method::PATCH, &s.owner, &format!("/api/v1/catalog/categories/{tees}"), &json!({"name": "T-shirts"})).await;
        assert_eq!(renamed.json()["name"], "T-shirts");
        let to_root = call(app, Method::POST, &s.owner, &format!("/api/v1/catalog/categories/{tops}/move"), &json!({"parent_id": null})).await;
        assert_eq!(to_root.json()["depth"], 1);
        let actions = app.audit_actions(Some(s.id)).await;
        for action in ["category.create", "category.move", "category.update"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }
    }

    async fn creating_a_product_refuses_invalid_fields_with_field_errors(app: TestApp) {
        let s = shop(app, "acme").await;
        let sku = |extra: Value| {
            let mut base = json!({"code": "MUG-1", "price": {"amount": "10.00"}});
            base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            json!({"name": "Mug", "skus": [base]})
        };
        let five_values = json!(["a", "b", "c", "d", "e"]);
        let cases = [
            ("blank name", json!({"name": " ", "skus": [{"code": "A", "price": {"amount": "1"}}]}), "name", "required"),
            ("three decimals for CNY", sku(json!({"price": {"amount": "1.999"}})), "skus[0].price", "invalid"),
            ("negative price", sku(json!({"price": {"amount": "-1"}})), "skus[0].price", "invalid"),
            ("barcode check digit", sku(json!({"barcode": "4006381333932"})), "skus[0].barcode", "check_digit"),
            ("code with a space", sku(json!({"code": "MUG 1"})), "skus[0].code", "invalid"),
            ("unknown currency", sku(json!({"price": {"amount": "1", "currency": "XXX1"}})), "skus[0].currency", "invalid"),
            ("cost in another currency", sku(json!({"price": {"amount": "1", "currency": "CNY"}, "cost": {"amount": "1", "currency": "USD"}})), "skus[0].cost.currency", "mismatch"),
            ("image not a web URL", json!({"name": "Mug", "images": ["ftp://cdn.example.com/a.jpg"], "skus": [{"code": "A", "price": {"amount": "1"}}]}), "images[0]", "invalid"),
            ("four options", json!({"name": "Mug", "options": [
                {"name": "A", "values": five_values}, {"name": "B", "values": ["x"]},
                {"name": "C", "values": ["x"]}, {"name": "D", "values": ["x"]}],
                "generate": {"code_prefix": "m", "price": {"amount": "1"}}}), "options", "too_many"),
            ("a SKU missing an option value", json!({"name": "Mug", "options": [{"name": "Size", "values": ["M", "L"]}],
                "skus": [{"code": "A", "price": {"amount": "1"}, "options": {"Colour": "Red"}}]}), "skus[0].options", "invalid"),
        ];
        for (what, body, field, code) in cases {
            let r = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &body).await;
            let errors = field_errors(&r);
            assert!(errors.contains(&(field.to_owned(), code.to_owned())), "{what}: {errors:?}");
        }
        // More than 500 variants.
        let values: Vec<String> = (0..30).map(|i| format!("v{i}")).collect();
        let huge = json!({"name": "Mug", "options": [{"name": "A", "values": values}, {"name": "B", "values": values}],
            "generate": {"code_prefix": "m", "price": {"amount": "1"}}});
        let r = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &huge).await;
        assert!(field_errors(&r).iter().any(|(f, c)| f == "options" && c == "too_many"), "{}", r.text());
        // Money is decimal text, never a JSON number.
        let number = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &json!({"name": "Mug", "skus": [{"code": "A", "price": {"amount": 1.5}}]})).await;
        number.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
        // Nothing was written.
        let list = app.get_as(&s.owner, "/api/v1/catalog/products").await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }

    async fn options_generate_one_sku_per_combination_with_money_as_decimal_text(app: TestApp) {
        let s = shop(app, "acme").await;
        let cat = category(app, &s.owner, "Apparel", None).await;
        let r = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &tee("Tee", &cat)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let p = r.json();
        assert_eq!(p["status"], "draft");
        assert_eq!(p["version"], 1);
        let codes: Vec<&str> = p["skus"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["TEE-RED-M", "TEE-RED-L", "TEE-BLUE-M", "TEE-BLUE-L"]);
        assert_eq!(p["skus"][0]["price"], json!({"amount": "99.00", "currency": "CNY"}));
        assert_eq!(p["skus"][0]["cost"], json!({"amount": "30.00", "currency": "CNY"}));
        assert_eq!(p["skus"][3]["options"], json!({"Colour": "Blue", "Size": "L"}));

        let id = p["id"].as_str().unwrap();
        let got = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.json()["skus"].as_array().unwrap().len(), 4);
        let sku_id = p["skus"][1]["id"].as_str().unwrap();
        let sku = app.get_as(&s.owner, &format!("/api/v1/catalog/products/{id}/skus/{sku_id}")).await.json();
        assert_eq!(sku["code"], "TEE-RED-L");
        assert!(app.audit_actions(Some(s.id)).await.contains(&"product.create".to_owned()));
    }

    async fn sku_codes_and_barcodes_are_unique_per_merchant_ignoring_case(app: TestApp) {
        let s = shop(app, "acme").await;
        let other = shop(app, "other").await;
        let first = created(app, &s.owner, "/api/v1/catalog/products", &json!({"name": "Mug",
            "skus": [{"code": "MUG-1", "barcode": "4006381333931", "price": {"amount": "10"}}]})).await;

        let again = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &mug("mug-1", "10")).await;
        assert_eq!(field_errors(&again), [("skus[0].code".to_owned(), "taken".to_owned())]);
        let barcode = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &json!({"name": "Cup",
            "skus": [{"code": "CUP-1", "barcode": "4006381333931", "price": {"amount": "10"}}]})).await;
        assert_eq!(field_errors(&barcode), [("skus[0].barcode".to_owned(), "taken".to_owned())]);
        let twice = call(app, Method::POST, &s.owner, "/api/v1/catalog/products", &json!({"name": "Cup",
            "options": [{"name": "Size", "values": ["S", "L"]}],
            "skus": [{"code": "CUP-1", "options": {"Size": "S"}, "price": {"amount": "1"}},
                     {"code": "cup-1", "options": {"Size": "L"}, "price": {"amount": "1"}}]})).await;
        assert_eq!(field_errors(&twice), [("skus[1].code".to_owned(), "duplicate".to_owned())]);

        // Adding a SKU whose code another product has is refused too.
        let cup = created(app, &s.owner, "/api/v1/catalog/products", &json!({"name": "Cup",
            "options": [{"name": "Size", "values": ["S", "L"]}],
            "skus": [{"code": "CUP-S", "options": {"Size": "S"}, "price": {"amount": "1"}}]})).await;
        let add = format!("/api/v1/catalog/products/{}/skus", cup["id"].as_str().unwrap());
        let taken = call(app, Method::POST, &s.owner, &add, &json!({"code": "Mug-1", "options": {"Size": "L"}, "price": {"amount": "1"}})).await;
        assert_eq!(field_errors(&taken), [("code".to_owned(), "taken".to_owned())]);
        let added = call(app, Method::POST, &s.owner, &add, &json!({"code": "CUP-L", "options": {"Size": "L"}, "price": {"amount": "1.50"}})).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        assert_eq!(added.json()["skus"].as_array().unwrap().len(), 2);
        assert_eq!(added.json()["version"], 2);

        // Another merchant may use the same code and barcode.
        let theirs = call(app, Method::POST, &other.owner, "/api/v1/catalog/products", &json!({"name": "Mug",
            "skus": [{"code": "MUG-1", "barcode": "4006381333931", "price": {"amount": "10"}}]})).await;
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text());
        assert!(first["id"] != theirs.json()["id"]);
        let actions = app.audit_actions(Some(s.id)).await;
        assert!(actions.contains(&"sku.create".to_owned()), "{actions:?}");
    }

    async fn products_filter_by_status_brand_category_subtree_and_search_with_cursor_paging(app: TestApp) {
        let s = shop(app, "acme").await;
        let apparel = category(app, &s.owner, "Apparel", None).await;
        let tees = category(app, &s.owner, "Tees", Some(&apparel)).await;
        let home = category(app, &s.owner, "Home", None).await;
        let brand = created(app, &s.owner, "/api/v1/catalog/brands", &json!({"name": "Acme"})).await;
        let brand = brand["id"].as_str().unwrap();
        for i in 0..5 {
            let category_id = [&tees, &apparel, &home][i % 3];
            let body = json!({"name": format!("Shirt {i}"),
                "brand_id": (i % 2 == 0).then_some(brand),
                "category_id": category_id,
                "skus": [{"code": format!("S-{i}"), "price": {"amount": "5"}, "barcode": (i == 4).then_some("036000291452")}]});
            created(app, &s.owner, "/api/v1/catalog/products", &body).await;
        }
        let owner = s.owner.as_str();
        let count = |query: String| async move {
            let r = app.get_as(owner, &format!("/api/v1/catalog/products?{query}")).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
            r.json()["items"].as_array().unwrap().len()
        };
        assert_eq!(count(format!("category_id={apparel}")).await, 4, "the subtree counts");
        assert_eq!(count(format!("category_id={tees}")).await, 2);
        assert_eq!(count(format!("brand_id={brand}")).await, 3);
        assert_eq!(count("q=SHIRT%201".to_owned()).await, 1);
        assert_eq!(count("q=s-3".to_owned()).await, 1);
        assert_eq!(count("q=036000291452".to_owned()).await, 1);
        assert_eq!(count("status=draft".to_owned()).await, 5);
        assert_eq!(count("status=listed".to_owned()).await, 0);
        let bad = app.get_as(&s.owner, "/api/v1/catalog/products?status=sold").await;
        assert_eq!(field_errors(&bad), [("status".to_owned(), "invalid".to_owned())]);
        let bad = app.get_as(&s.owner, "/api/v1/catalog/products?limit=0").await;
        bad.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");

        // Cursor paging walks every product once.
        let first = app.get_as(&s.owner, "/api/v1/catalog/products?limit=2").await.json();
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get_as(&s.owner, &format!("/api/v1/catalog/products?limit=2&cursor={cursor}")).await.json();
        assert_eq!(second["items"][0]["name"], "Shirt 2");
        let cursor = second["next_cursor"].as_str().unwrap();
        let last = app.get_as(&s.owner, &format!("/api/v1/catalog/products?limit=2&cursor={cursor}")).await.json();
        assert_eq!(names(&last["items"]), ["Shirt 4"]);
        assert!(last["next_cursor"].is_null());

        // The flat SKU list searches codes too.
        let skus = app.get_as(&s.owner, "/api/v1/catalog/skus?q=s-4").await.json();
        assert_eq!(skus["items"].as_array().unwrap().len(), 1);
        assert_eq!(skus["items"][0]["code"], "S-4");
        assert_eq!(skus["items"][0]["product_name"], "Shirt 4");
        assert_eq!(skus["items"][0]["price"]["amount"], "5.00");
    }

    async fn editing_products_and_skus_keeps_versions_and_refuses_stale_versions(app: TestApp) {
        let s = shop(app, "acme").await;
        let p = created(app, &s.owner, "/api/v1/catalog/products", &mug("MUG-1", "10")).await;
        let id = p["id"].as_str().unwrap();
        let sku_id = p["skus"][0]["id"].as_str().unwrap();
        let path = format!("/api/v1/catalog/products/{id}");
        let r = call(app, Method::PATCH, &s.owner, &path, &json!({"name": "Big mug", "expected_version": 1})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["version"], 2);
        let stale = call(app, Method::PATCH, &s.owner, &path, &json!({"name": "Huge mug", "expected_version": 1})).await;
        stale.assert_problem(StatusCode::CONFLICT, "version-mismatch");
        let sku_path = format!("{path}/skus/{sku_id}");
        let r = call(app, Method::PATCH, &s.owner, &sku_path, &json!({"price": {"amount": "12.50"}, "weight": "350g"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["skus"][0]["price"]["amount"], "12.50");
        assert_eq!(r.json()["skus"][0]["weight_grams"], 350);
        let bad = call(app, Method::PATCH, &s.owner, &sku_path, &json!({"barcode": "123"})).await;
        assert_eq!(field_errors(&bad)[0].0, "barcode");
        let cleared = call(app, Method::PATCH, &s.owner, &sku_path, &json!({"weight": null})).await;
        assert!(cleared.json()["skus"][0]["weight_grams"].is_null());
        let actions = app.audit_actions(Some(s.id)).await;
        assert!(actions.contains(&"product.update".to_owned()) && actions.contains(&"sku.update".to_owned()), "{actions:?}");
    }

    async fn catalog_read_alone_cannot_write_and_settings_need_settings_manage(app: TestApp) {
        let s = shop(app, "acme").await;
        let p = created(app, &s.owner, "/api/v1/catalog/products", &mug("MUG-1", "10")).await;
        let id = p["id"].as_str().unwrap();
        let reader = fixtures::staff_token(app, Some(s.id), "reader@acme.test", &[Permission::CatalogRead]).await;
        assert_eq!(app.get_as(&reader, "/api/v1/catalog/products").await.status, StatusCode::OK);
        assert_eq!(app.get_as(&reader, &format!("/api/v1/catalog/products/{id}")).await.status, StatusCode::OK);
        assert_eq!(app.get_as(&reader, "/api/v1/catalog/settings").await.status, StatusCode::OK);
        let writes = [
            (Method::POST, "/api/v1/catalog/products".to_owned(), mug("MUG-2", "1")),
            (Method::PATCH, format!("/api/v1/catalog/products/{id}"), json!({"name": "x"})),
            (Method::POST, "/api/v1/catalog/brands".to_owned(), json!({"name": "x"})),
            (Method::POST, "/api/v1/catalog/categories".to_owned(), json!({"name": "x"})),
            (Method::POST, format!("/api/v1/catalog/products/{id}/submit"), json!({})),
            (Method::POST, format!("/api/v1/catalog/products/{id}/review"), json!({"level": 1, "decision": "approve"})),
            (Method::PUT, "/api/v1/catalog/settings".to_owned(), json!({"review_levels": 2})),
        ];
        for (method, path, body) in writes {
            let r = call(app, method.clone(), &reader, &path, &body).await;
            r.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        }
        let csv = app.request(Method::POST, "/api/v1/catalog/import",
            &[(axum::http::header::AUTHORIZATION, &format!("Bearer {reader}")), (axum::http::header::CONTENT_TYPE, "text/csv")],
            axum::body::Body::from("name,sku_code,price\nA,A-1,1\n")).await;
        csv.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let levels = call(app, Method::PUT, &s.owner, "/api/v1/catalog/settings", &json!({"review_levels": 4})).await;
        assert_eq!(field_errors(&levels), [("review_levels".to_owned(), "out_of_range".to_owned())]);
        let ok = call(app, Method::PUT, &s.owner, "/api/v1/catalog/settings", &json!({"review_levels": 2, "banned_words": ["cheap"]})).await;
        assert_eq!(ok.json(), json!({"review_levels": 2, "banned_words": ["cheap"]}));
        assert!(app.audit_actions(Some(s.id)).await.contains(&"catalog_settings.update".to_owned()));
    }

    async fn one_merchant_cannot_see_or_change_anothers_catalog(app: TestApp) {
        let a = shop(app, "alpha").await;
        let b = shop(app, "bravo").await;
        let cat = category(app, &b.owner, "Apparel", None).await;
        let brand = created(app, &b.owner, "/api/v1/catalog/brands", &json!({"name": "Bravo"})).await;
        let p = created(app, &b.owner, "/api/v1/catalog/products", &tee("Bravo tee", &cat)).await;
        let id = p["id"].as_str().unwrap();
        let sku = p["skus"][0]["id"].as_str().unwrap();
        let brand = brand["id"].as_str().unwrap();
        let probes = [
            (Method::GET, format!("/api/v1/catalog/products/{id}"), json!(null)),
            (Method::PATCH, format!("/api/v1/catalog/products/{id}"), json!({"name": "mine"})),
            (Method::GET, format!("/api/v1/catalog/products/{id}/skus/{sku}"), json!(null)),
            (Method::PATCH, format!("/api/v1/catalog/products/{id}/skus/{sku}"), json!({"price": {"amount": "1"}})),
            (Method::POST, format!("/api/v1/catalog/products/{id}/skus"), json!({"code": "X", "price": {"amount": "1"}})),
            (Method::POST, format!("/api/v1/catalog/products/{id}/submit"), json!({})),
            (Method::GET, format!("/api/v1/catalog/products/{id}/versions"), json!(null)),
            (Method::GET, format!("/api/v1/catalog/products/{id}/versions/1"), json!(null)),
            (Method::GET, format!("/api/v1/catalog/products/{id}/reviews"), json!(null)),
            (Method::PATCH, format!("/api/v1/catalog/brands/{brand}"), json!({"name": "mine"})),
            (Method::PATCH, format!("/api/v1/catalog/categories/{cat}"), json!({"name": "mine"})),
            (Method::GET, format!("/api/v1/catalog/categories?root={cat}"), json!(null)),
        ];
        for (method, path, body) in probes {
            let r = if method == Method::GET { app.get_as(&a.owner, &path).await } else { call(app, method.clone(), &a.owner, &path, &body).await };
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}: {}", r.text());
        }
        // A's lists hold none of B's records, and a filter by B's category is refused.
        let list = app.get_as(&a.owner, "/api/v1/catalog/products").await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
        assert!(app.get_as(&a.owner, "/api/v1/catalog/skus?q=TEE-RED-M").await.json()["items"].as_array().unwrap().is_empty());
        assert!(app.get_as(&a.owner, "/api/v1/catalog/brands").await.json().as_array().unwrap().is_empty());
        let by_cat = app.get_as(&a.owner, &format!("/api/v1/catalog/products?category_id={cat}")).await;
        assert_eq!(field_errors(&by_cat), [("category_id".to_owned(), "unknown".to_owned())]);
        // And nothing of B's changed.
        let mine = app.get_as(&b.owner, &format!("/api/v1/catalog/products/{id}")).await.json();
        assert_eq!((mine["name"].as_str(), mine["version"].as_i64()), (Some("Bravo tee"), Some(1)));
    }

    async fn platform_staff_choose_the_merchant_with_a_header(app: TestApp) {
        let s = shop(app, "acme").await;
        created(app, &s.owner, "/api/v1/catalog/products", &mug("MUG-1", "10")).await;
        let staff = fixtures::staff_token(app, None, "ops@omnihub.test", &CATALOG_ALL).await;
        let auth = format!("Bearer {staff}");
        let merchant = s.id.to_string();
        let without = app.get_as(&staff, "/api/v1/catalog/products").await;
        assert_eq!(field_errors(&without), [("merchant".to_owned(), "required".to_owned())]);
        let with = app.request(Method::GET, "/api/v1/catalog/products",
            &[(axum::http::header::AUTHORIZATION, auth.as_str()), (axum::http::HeaderName::from_static("x-omnihub-merchant"), merchant.as_str())],
            axum::body::Body::empty()).await;
        assert_eq!(with.status, StatusCode::OK, "{}", with.text());
        assert_eq!(with.json()["items"][0]["name"], "Mug");
    }
}
