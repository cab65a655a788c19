//! Merchants (tenants) and their settings, managed by platform administrators.

use axum::http::{Method, StatusCode};
use omnihub_testkit::{both_dbs, json};

both_dbs! {
    async fn an_administrator_creates_and_reads_a_merchant(app: TestApp) {
        let token = app.admin_token().await;
        let created = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &json!({"code": "acme", "name": " 优品旗舰店 "})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let merchant = created.json();
        assert_eq!(merchant["name"], "优品旗舰店");
        assert_eq!(merchant["time_zone"], "Asia/Shanghai");
        assert_eq!(merchant["currency"], "CNY");
        assert_eq!(merchant["status"], "active");
        assert_eq!(merchant["created_at"], "2026-01-15T08:00:00Z");
        let id = merchant["id"].as_str().unwrap();
        let fetched = app.get_as(&token, &format!("/api/v1/merchants/{id}")).await;
        assert_eq!(fetched.json(), merchant);
    }

    async fn invalid_merchants_are_refused_field_by_field_and_nothing_is_written(app: TestApp) {
        let token = app.admin_token().await;
        let response = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &json!({
            "code": "Bad Code", "name": "", "time_zone": "Mars/Olympus", "currency": "XXX"
        })).await;
        let problem = response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["code", "name", "time_zone", "currency"]);
        let list = app.get_as(&token, "/api/v1/merchants").await.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }

    async fn a_merchant_code_can_be_used_once(app: TestApp) {
        let token = app.admin_token().await;
        let body = json!({"code": "acme", "name": "Acme"});
        assert_eq!(app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &body).await.status, StatusCode::CREATED);
        let again = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &body).await;
        let problem = again.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(problem["errors"][0]["field"], "code");
        assert_eq!(problem["errors"][0]["code"], "taken");
    }

    async fn merchants_are_listed_in_pages_with_a_cursor(app: TestApp) {
        let token = app.admin_token().await;
        for i in 0..5 {
            let body = json!({"code": format!("shop-{i}"), "name": format!("Shop {i}")});
            app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &body).await;
        }
        let first = app.get_as(&token, "/api/v1/merchants?limit=2").await.json();
        let codes = |page: &serde_json::Value| page["items"].as_array().unwrap().iter().map(|m| m["code"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(codes(&first), ["shop-0", "shop-1"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get_as(&token, &format!("/api/v1/merchants?limit=2&cursor={cursor}")).await.json();
        assert_eq!(codes(&second), ["shop-2", "shop-3"]);
        let third = app.get_as(&token, &format!("/api/v1/merchants?limit=2&cursor={}", second["next_cursor"].as_str().unwrap())).await.json();
        assert_eq!(codes(&third), ["shop-4"]);
        assert!(third["next_cursor"].is_null());
    }

    async fn settings_are_set_and_read_per_merchant(app: TestApp) {
        let token = app.admin_token().await;
        let make = |code: &str| json!({"code": code, "name": code});
        let a = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &make("alpha")).await.json();
        let b = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &make("beta")).await.json();
        let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
        let put = app.send_json(Method::PUT, &format!("/api/v1/merchants/{a}/settings/catalog.review_levels"), Some(&token), &json!({"value": 2})).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        let replaced = app.send_json(Method::PUT, &format!("/api/v1/merchants/{a}/settings/catalog.review_levels"), Some(&token), &json!({"value": 3})).await;
        assert_eq!(replaced.json()["value"], 3);
        let listed = app.get_as(&token, &format!("/api/v1/merchants/{a}/settings")).await.json();
        assert_eq!(listed, json!([{"key": "catalog.review_levels", "value": 3, "updated_at": "2026-01-15T08:00:00Z"}]));
        assert_eq!(app.get_as(&token, &format!("/api/v1/merchants/{b}/settings")).await.json(), json!([]));
    }

    async fn settings_refuse_bad_keys_and_unknown_merchants(app: TestApp) {
        let token = app.admin_token().await;
        let m = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &json!({"code": "alpha", "name": "A"})).await.json();
        let bad_key = app.send_json(Method::PUT, &format!("/api/v1/merchants/{}/settings/NoDots", m["id"].as_str().unwrap()), Some(&token), &json!({"value": 1})).await;
        assert_eq!(bad_key.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")["errors"][0]["field"], "key");
        let ghost = "01940000-0000-7000-8000-000000000000";
        app.send_json(Method::PUT, &format!("/api/v1/merchants/{ghost}/settings/a.b"), Some(&token), &json!({"value": 1})).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
        app.get_as(&token, &format!("/api/v1/merchants/{ghost}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        app.get_as(&token, &format!("/api/v1/merchants/{ghost}/settings")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn settings_owned_by_a_module_refuse_values_that_module_cannot_use(app: TestApp) {
        // Arrange
        let token = app.admin_token().await;
        let m = app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &json!({"code": "alpha", "name": "A"})).await.json();
        let m = m["id"].as_str().unwrap();
        let cases = [
            ("catalog.review_levels", json!(7), "above the 3 levels a review may have"),
            ("catalog.review_levels", json!("2"), "a string, not a number"),
            ("catalog.banned_words", json!([1, 2]), "not a list of words"),
            ("inventory.approval_quantity", json!(-1), "a negative threshold"),
            ("inventory.approval_value_minor", json!(1.5), "a fraction of a minor unit"),
        ];
        for (key, value, why) in cases {
            // Act
            let put = app.send_json(Method::PUT, &format!("/api/v1/merchants/{m}/settings/{key}"), Some(&token), &json!({"value": value})).await;
            // Assert
            assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY, "{key} = {value} ({why}): {}", put.text());
            assert_eq!(put.json()["errors"][0]["field"], "value", "{why}");
        }
        assert_eq!(app.get_as(&token, &format!("/api/v1/merchants/{m}/settings")).await.json(), json!([]), "nothing was written");
        for (key, value) in [("catalog.review_levels", json!(2)), ("inventory.approval_quantity", json!(null)), ("other.key", json!(7))] {
            let put = app.send_json(Method::PUT, &format!("/api/v1/merchants/{m}/settings/{key}"), Some(&token), &json!({"value": value})).await;
            assert_eq!(put.status, StatusCode::OK, "{key}: {}", put.text());
        }
    }
}
