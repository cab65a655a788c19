//! Catalogue import (CSV) and export (CSV, XLSX) over HTTP.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};

use crate::catalog::{Shop, category, created, shop};

const CSV: &str = "product_ref,name,brand,category,description,images,option1_name,option1_value,sku_code,barcode,price,cost,weight_g\n\
    tee,Tee,acme,apparel/tees,Soft,https://cdn.example.com/a.jpg,Size,M,TEE-M,,99.00,30,200\n\
    tee,Tee,acme,apparel/tees,Soft,https://cdn.example.com/a.jpg,Size,L,TEE-L,,99.00,30,1.2kg\n\
    mug,Mug,nobody,,,,,,MUG-1,4006381333932,abc,,\n";

async fn import(
    app: &TestApp,
    token: &str,
    mode: &str,
    content_type: &str,
    body: &str,
) -> TestResponse {
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/catalog/import?mode={mode}");
    let headers = [
        (header::AUTHORIZATION, auth.as_str()),
        (header::CONTENT_TYPE, content_type),
    ];
    app.request(Method::POST, &path, &headers, Body::from(body.to_owned()))
        .await
}

/// The shop's brand `Acme` and categories `Apparel/Tees`.
async fn taxonomy(app: &TestApp, s: &Shop) {
    created(
        app,
        &s.owner,
        "/api/v1/catalog/brands",
        &json!({"name": "Acme"}),
    )
    .await;
    let apparel = category(app, &s.owner, "Apparel", None).await;
    category(app, &s.owner, "Tees", Some(&apparel)).await;
}

async fn product_count(app: &TestApp, s: &Shop) -> usize {
    app.get_as(&s.owner, "/api/v1/catalog/products")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len()
}

both_dbs! {
    async fn an_all_or_nothing_import_with_a_bad_row_writes_nothing(app: TestApp) {
        let s = shop(app, "acme").await;
        taxonomy(app, &s).await;
        let r = import(app, &s.owner, "all_or_nothing", "text/csv; charset=utf-8", CSV).await;
        let problem = r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import-rejected");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["line[4].barcode", "line[4].brand", "line[4].price"], "{problem}");
        assert_eq!(problem["errors"][0]["code"], "check_digit");
        assert_eq!(product_count(app, &s).await, 0);
        assert!(!app.audit_actions(Some(s.id)).await.contains(&"catalog.import".to_owned()));
        // The default mode is all-or-nothing.
        let r = import(app, &s.owner, "all_or_nothing", "text/csv", CSV).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import-rejected");
        let default = app.request(Method::POST, "/api/v1/catalog/import",
            &[(header::AUTHORIZATION, format!("Bearer {}", s.owner).as_str()), (header::CONTENT_TYPE, "text/csv")],
            Body::from(CSV)).await;
        default.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import-rejected");
        assert_eq!(product_count(app, &s).await, 0);
    }

    async fn a_partial_import_writes_the_valid_products_and_reports_the_rest(app: TestApp) {
        let s = shop(app, "acme").await;
        taxonomy(app, &s).await;
        let r = import(app, &s.owner, "partial", "text/csv", CSV).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        assert_eq!(report["committed"], true);
        assert_eq!((report["rows"].as_u64(), report["products_created"].as_u64(), report["skus_created"].as_u64()), (Some(3), Some(1), Some(2)));
        let lines: Vec<u64> = report["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
        assert_eq!(lines, [4, 4, 4]);
        let skus = app.get_as(&s.owner, "/api/v1/catalog/skus").await.json();
        assert_eq!(skus["items"][1]["weight_grams"], 1200);
        assert_eq!(skus["items"][1]["cost"]["amount"], "30.00");
        assert!(app.audit_actions(Some(s.id)).await.contains(&"catalog.import".to_owned()));

        // The same codes again are taken; with nothing valid left, nothing is written.
        let again = import(app, &s.owner, "partial", "text/csv", CSV).await;
        let problem = again.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "import-rejected");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == "line[2].sku_code" && e["code"] == "taken"), "{problem}");
        assert_eq!(product_count(app, &s).await, 1);
    }

    async fn an_import_must_be_csv_with_the_needed_columns(app: TestApp) {
        let s = shop(app, "acme").await;
        import(app, &s.owner, "partial", "application/json", "{}").await.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
        let r = import(app, &s.owner, "partial", "text/csv", "name,price\nMug,1\n").await;
        let problem = r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["errors"][0]["code"], "missing_column");
        let r = import(app, &s.owner, "everything", "text/csv", CSV).await;
        r.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
    }

    async fn exports_are_csv_and_xlsx_attachments_filtered_like_the_list(app: TestApp) {
        let s = shop(app, "acme").await;
        taxonomy(app, &s).await;
        import(app, &s.owner, "partial", "text/csv", CSV).await;
        created(app, &s.owner, "/api/v1/catalog/products", &json!({"name": "Mug", "skus": [{"code": "MUG-9", "price": {"amount": "12.5"}}]})).await;

        let csv = app.get_as(&s.owner, "/api/v1/catalog/export.csv").await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(csv.header("content-disposition"), Some("attachment; filename=\"catalog.csv\""));
        let text = csv.text();
        assert!(text.starts_with("product_ref,name,brand,category"), "{text}");
        assert!(text.contains("Tee,Acme,Apparel/Tees,Soft"), "{text}");
        assert!(text.contains("TEE-L,,99.00,30.00,CNY,1200,active"), "{text}");
        assert!(text.contains("MUG-9,,12.50"), "{text}");
        assert_eq!(text.lines().count(), 4);

        let filtered = app.get_as(&s.owner, "/api/v1/catalog/export.csv?q=mug").await.text();
        assert_eq!(filtered.lines().count(), 2, "{filtered}");

        let xlsx = app.get_as(&s.owner, "/api/v1/catalog/export.xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert_eq!(xlsx.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        assert_eq!(xlsx.header("content-disposition"), Some("attachment; filename=\"catalog.xlsx\""));
        assert!(xlsx.body.starts_with(b"PK"), "not a zip file");

        // A round trip: the export imports into another merchant unchanged.
        let other = shop(app, "other").await;
        taxonomy(app, &other).await;
        let r = import(app, &other.owner, "all_or_nothing", "text/csv", &text).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["skus_created"], 3);
    }
}
