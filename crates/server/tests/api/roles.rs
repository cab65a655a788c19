//! Roles: the catalogue, built-in and custom roles per merchant, and the rules on custom
//! roles' permissions.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::BuiltInRole;
use omnihub_testkit::{both_dbs, json};

use crate::users::merchant_with_managers;

fn codes(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

both_dbs! {
    async fn the_catalogue_lists_every_permission_with_its_scope(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let catalogue = app.get_as(&boss, "/api/v1/permissions").await.json();
        let all = catalogue.as_array().unwrap();
        assert_eq!(all.len(), omnihub_domain::access::Permission::ALL.len());
        let merchants = all.iter().find(|p| p["code"] == "merchants.manage").unwrap();
        assert_eq!(merchants["scope"], "platform");
        let orders = all.iter().find(|p| p["code"] == "orders.read").unwrap();
        assert_eq!(orders["scope"], "merchant");
        assert!(orders["description"].as_str().unwrap().len() > 5);
        app.get("/api/v1/permissions").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn merchant_staff_see_built_in_merchant_roles_and_their_own_custom_roles(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let (globex, _, _) = merchant_with_managers(app, "globex").await;
        app.custom_role(globex, "globex_only", &["orders.read"]).await;
        let roles = app.get_as(&boss, "/api/v1/roles").await.json();
        let codes = codes(&roles);
        assert!(codes.contains(&"merchant_owner".to_owned()) && codes.contains(&"warehouse".to_owned()));
        assert!(codes.contains(&"iam_admin".to_owned()));
        assert!(!codes.contains(&"platform_admin".to_owned()), "no platform roles in a merchant");
        assert!(!codes.contains(&"globex_only".to_owned()), "no other merchant's roles");
        let owner = roles.as_array().unwrap().iter().find(|r| r["code"] == "merchant_owner").unwrap();
        assert_eq!(owner["built_in"], true);
        assert_eq!(owner["id"], BuiltInRole::MerchantOwner.id().to_string());
        assert!(owner["permissions"].as_array().unwrap().contains(&json!("users.manage")));
        let iam = roles.as_array().unwrap().iter().find(|r| r["code"] == "iam_admin").unwrap();
        assert_eq!(iam["permissions"], json!(["users.manage", "roles.manage", "roles.approve"]));
        // One role by id; another merchant's custom role is a 404.
        let id = owner["id"].as_str().unwrap();
        assert_eq!(app.get_as(&boss, &format!("/api/v1/roles/{id}")).await.json()["code"], "merchant_owner");
        let theirs = app.custom_role(globex, "globex_two", &[]).await;
        app.get_as(&boss, &format!("/api/v1/roles/{theirs}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn platform_staff_see_platform_roles_when_no_merchant_is_chosen(app: TestApp) {
        let admin = app.staff_user(None, "root@omnihub.test", &["platform_admin"]).await;
        let roles = app.get_as(&admin, "/api/v1/roles").await.json();
        assert_eq!(codes(&roles), ["platform_admin", "compliance_reviewer"]);
    }

    async fn a_custom_role_starts_without_permissions_and_gets_them_only_after_approval(app: TestApp) {
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        // Act: create a role asking for two permissions.
        let body = json!({"code": "night_shift", "name": " 夜班 ", "description": "Night shift", "permissions": ["orders.read", "inventory.read"], "reason": "new team"});
        let created = app.send_json(Method::POST, "/api/v1/roles", Some(&boss), &body).await;
        // Assert: the role exists, empty, with a pending request for the permissions.
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let role = created.json();
        assert_eq!(role["name"], "夜班");
        assert_eq!(role["built_in"], false);
        assert_eq!(role["scope"], "merchant");
        assert_eq!(role["requires_mfa"], false);
        assert_eq!(role["merchant_id"], merchant.to_string());
        assert_eq!(role["permissions"], json!([]));
        let request = &role["pending_request"];
        assert_eq!(request["kind"], "set_role_permissions");
        assert_eq!(request["status"], "pending");
        assert_eq!(request["permissions"], json!(["inventory.read", "orders.read"]));
        assert_eq!(request["reason"], "new team");
        let role_id = role["id"].as_str().unwrap();
        let request_id = request["id"].as_str().unwrap();
        let approved = app.send_json(Method::POST, &format!("/api/v1/access-requests/{request_id}/approve"), Some(&second), &json!({})).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        let after = app.get_as(&boss, &format!("/api/v1/roles/{role_id}")).await.json();
        assert_eq!(after["permissions"], json!(["inventory.read", "orders.read"]));
        let actions = app.audit_actions(Some(merchant)).await;
        for action in ["role.create", "access_request.create", "role.set_permissions", "access_request.approve"] {
            assert!(actions.contains(&action.to_owned()), "{action} in {actions:?}");
        }
        // Without a permission list, no request is filed.
        let bare = app.send_json(Method::POST, "/api/v1/roles", Some(&boss), &json!({"code": "bare", "name": "Bare"})).await;
        assert!(bare.json()["pending_request"].is_null());
    }

    async fn custom_roles_are_validated_and_carry_merchant_permissions_only(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let cases = [
            (json!({"code": "Night Shift", "name": "x"}), "code", "invalid", "malformed code"),
            (json!({"code": "merchant_owner", "name": "x"}), "code", "invalid", "a built-in code"),
            (json!({"code": "ok_code", "name": " "}), "name", "invalid", "empty name"),
            (json!({"code": "ok_code", "name": "x", "permissions": ["merchants.manage"]}), "permissions", "invalid", "a platform permission"),
            (json!({"code": "ok_code", "name": "x", "permissions": ["orders.destroy"]}), "permissions", "invalid", "an unknown permission"),
            (json!({"code": "iam_admin", "name": "x"}), "code", "taken", "a taken code"),
        ];
        for (body, field, code, why) in cases {
            let problem = app.send_json(Method::POST, "/api/v1/roles", Some(&boss), &body).await
                .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
            assert_eq!(problem["errors"][0]["field"], field, "{why}");
            assert_eq!(problem["errors"][0]["code"], code, "{why}");
        }
        let listed = codes(&app.get_as(&boss, "/api/v1/roles").await.json());
        assert!(!listed.contains(&"ok_code".to_owned()), "nothing was written");
    }

    async fn role_codes_are_unique_per_merchant_only(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let (_, other, _) = merchant_with_managers(app, "globex").await;
        for token in [&boss, &other] {
            let created = app.send_json(Method::POST, "/api/v1/roles", Some(token), &json!({"code": "packers", "name": "Packers"})).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        }
    }

    async fn built_in_roles_are_immutable(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let body = json!({"kind": "set_role_permissions", "role_id": BuiltInRole::Warehouse.id(), "permissions": ["orders.read"]});
        app.send_json(Method::POST, "/api/v1/access-requests", Some(&boss), &body).await
            .assert_problem(StatusCode::CONFLICT, "built-in-role");
        let id = BuiltInRole::Warehouse.id();
        for method in [Method::PUT, Method::PATCH, Method::DELETE] {
            let response = app.send_json(method.clone(), &format!("/api/v1/roles/{id}"), Some(&boss), &json!({})).await;
            assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        }
    }

    async fn managing_roles_needs_roles_manage(app: TestApp) {
        let merchant = app.merchant("acme").await;
        app.custom_role(merchant, "users_only", &["users.manage"]).await;
        let token = app.staff_user(Some(merchant), "hr@acme.test", &["users_only"]).await;
        // Reading roles is open to user managers (to pick a role to request)...
        assert_eq!(app.get_as(&token, "/api/v1/roles").await.status, StatusCode::OK);
        // ...creating one is not.
        app.send_json(Method::POST, "/api/v1/roles", Some(&token), &json!({"code": "x1", "name": "X"})).await
            .assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let nobody = app.staff_user(Some(merchant), "nobody@acme.test", &[]).await;
        app.get_as(&nobody, "/api/v1/roles").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
    }
}
