//! Staff users: creation with no access, listing per merchant, detail with roles and
//! permissions, disabling and enabling, tenancy, and a merchant's first owner.

use axum::http::{Method, StatusCode};
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{TestApp, both_dbs, json};

/// Permissions of the custom role the tests' access managers hold.
pub const IAM_ADMIN: &[&str] = &["users.manage", "roles.manage", "roles.approve"];

/// A merchant with two access managers (custom role `iam_admin`, no MFA needed); returns
/// the merchant and both managers' tokens.
pub async fn merchant_with_managers(app: &TestApp, code: &str) -> (MerchantId, String, String) {
    let merchant = app.merchant(code).await;
    app.custom_role(merchant, "iam_admin", IAM_ADMIN).await;
    let first = app
        .staff_user(Some(merchant), &format!("boss@{code}.test"), &["iam_admin"])
        .await;
    let second = app
        .staff_user(
            Some(merchant),
            &format!("second@{code}.test"),
            &["iam_admin"],
        )
        .await;
    (merchant, first, second)
}

/// Creates a user through the API and returns its id.
pub async fn create_user(app: &TestApp, token: &str, email: &str) -> String {
    let body =
        json!({"email": email, "display_name": "New Clerk", "password": TestApp::STAFF_PASSWORD});
    let created = app
        .send_json(Method::POST, "/api/v1/users", Some(token), &body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    created.json()["id"].as_str().unwrap().to_owned()
}

both_dbs! {
    async fn a_new_user_has_no_roles_and_no_permissions(app: TestApp) {
        let (merchant, boss, _) = merchant_with_managers(app, "acme").await;
        // Arrange / Act
        let body = json!({"email": " Clerk@Acme.test ", "display_name": " 王小明 ", "password": TestApp::STAFF_PASSWORD});
        let created = app.send_json(Method::POST, "/api/v1/users", Some(&boss), &body).await;
        // Assert
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let user = created.json();
        assert_eq!(user["email"], "clerk@acme.test");
        assert_eq!(user["display_name"], "王小明");
        assert_eq!(user["merchant_id"], merchant.to_string());
        assert_eq!(user["status"], "active");
        assert!(user.get("initial_password").is_none(), "no generated password when one was given");
        let id = user["id"].as_str().unwrap();
        let detail = app.get_as(&boss, &format!("/api/v1/users/{id}")).await.json();
        assert_eq!(detail["roles"], json!([]));
        assert_eq!(detail["permissions"], json!([]));
        let login = app.login("clerk@acme.test", TestApp::STAFF_PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text());
        let token = login.json()["token"].as_str().unwrap().to_owned();
        let problem = app.get_as(&token, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert!(problem["detail"].as_str().unwrap().contains("users.manage"));
        app.send_json(Method::POST, "/api/v1/users", Some(&token), &json!({"email": "x@acme.test", "display_name": "X"})).await
            .assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let entries = app.audit_entries(Some(merchant)).await;
        assert!(entries.iter().any(|(action, entity, _)| action == "staff_user.create" && entity.as_deref() == Some(id)));
    }

    async fn a_generated_one_time_password_is_shown_once_and_works(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let created = app.send_json(Method::POST, "/api/v1/users", Some(&boss), &json!({"email": "otp@acme.test", "display_name": "OTP"})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let password = created.json()["initial_password"].as_str().unwrap().to_owned();
        assert_eq!(password.len(), 29, "24 hex digits in groups of four: {password}");
        assert_eq!(app.login("otp@acme.test", &password).await.status, StatusCode::OK);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let detail = app.get_as(&boss, &format!("/api/v1/users/{id}")).await.json();
        assert!(detail.get("initial_password").is_none());
    }

    async fn invalid_users_are_refused_field_by_field(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let body = json!({"email": "not-an-email", "display_name": "  ", "password": "short"});
        let problem = app.send_json(Method::POST, "/api/v1/users", Some(&boss), &body).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let fields: Vec<(&str, &str)> = problem["errors"].as_array().unwrap().iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
        assert_eq!(fields, [("email", "invalid"), ("display_name", "invalid"), ("password", "weak")]);
    }

    async fn an_email_belongs_to_one_user_on_the_whole_platform(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let (_, other, _) = merchant_with_managers(app, "globex").await;
        create_user(app, &boss, "clerk@shared.test").await;
        for token in [&boss, &other] {
            let body = json!({"email": "CLERK@shared.test", "display_name": "Again", "password": TestApp::STAFF_PASSWORD});
            let problem = app.send_json(Method::POST, "/api/v1/users", Some(token), &body).await
                .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
            assert_eq!(problem["errors"][0]["field"], "email");
            assert_eq!(problem["errors"][0]["code"], "taken");
        }
    }

    async fn users_are_listed_per_merchant_in_pages(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let (_, other, _) = merchant_with_managers(app, "globex").await;
        for i in 0..3 {
            create_user(app, &boss, &format!("clerk{i}@acme.test")).await;
        }
        let emails = |page: &serde_json::Value| page["items"].as_array().unwrap().iter()
            .map(|u| u["email"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        let first = app.get_as(&boss, "/api/v1/users?limit=3").await.json();
        assert_eq!(emails(&first), ["boss@acme.test", "second@acme.test", "clerk0@acme.test"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app.get_as(&boss, &format!("/api/v1/users?limit=3&cursor={cursor}")).await.json();
        assert_eq!(emails(&second), ["clerk1@acme.test", "clerk2@acme.test"]);
        assert!(second["next_cursor"].is_null());
        let theirs = app.get_as(&other, "/api/v1/users").await.json();
        assert_eq!(emails(&theirs), ["boss@globex.test", "second@globex.test"]);
        app.get_as(&boss, "/api/v1/users?limit=0").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
        app.get_as(&boss, "/api/v1/users?cursor=nope").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
    }

    async fn merchant_staff_never_reach_another_merchants_users(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let (_, other, _) = merchant_with_managers(app, "globex").await;
        let id = create_user(app, &boss, "clerk@acme.test").await;
        app.get_as(&other, &format!("/api/v1/users/{id}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        for action in ["disable", "enable"] {
            app.send_json(Method::POST, &format!("/api/v1/users/{id}/{action}"), Some(&other), &json!({})).await
                .assert_problem(StatusCode::NOT_FOUND, "not-found");
        }
        let unknown = uuid::Uuid::new_v4();
        app.get_as(&boss, &format!("/api/v1/users/{unknown}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        app.get_as(&boss, "/api/v1/users/not-a-uuid").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
    }

    async fn a_disabled_user_cannot_sign_in_and_their_sessions_end(app: TestApp) {
        let (merchant, boss, _) = merchant_with_managers(app, "acme").await;
        let id = create_user(app, &boss, "clerk@acme.test").await;
        let token = app.login("clerk@acme.test", TestApp::STAFF_PASSWORD).await.json()["token"].as_str().unwrap().to_owned();
        assert_eq!(app.get_as(&token, "/api/v1/auth/me").await.status, StatusCode::OK);
        // Act
        let disabled = app.send_json(Method::POST, &format!("/api/v1/users/{id}/disable"), Some(&boss), &json!({})).await;
        // Assert
        assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text());
        assert_eq!(disabled.json()["status"], "disabled");
        app.get_as(&token, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.login("clerk@acme.test", TestApp::STAFF_PASSWORD).await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let (_, _, after) = app.audit_entries(Some(merchant)).await.into_iter()
            .find(|(action, _, _)| action == "staff_user.disable").expect("audited");
        assert_eq!(after.unwrap()["sessions_ended"], 1);
        // Enabling lets them sign in again; the old session stays ended.
        let enabled = app.send_json(Method::POST, &format!("/api/v1/users/{id}/enable"), Some(&boss), &json!({})).await;
        assert_eq!(enabled.json()["status"], "active");
        assert_eq!(app.login("clerk@acme.test", TestApp::STAFF_PASSWORD).await.status, StatusCode::OK);
        app.get_as(&token, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        assert!(app.audit_actions(Some(merchant)).await.contains(&"staff_user.enable".to_owned()));
    }

    async fn nobody_disables_themselves(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let me = app.user_id("boss@acme.test").await;
        app.send_json(Method::POST, &format!("/api/v1/users/{me}/disable"), Some(&boss), &json!({})).await
            .assert_problem(StatusCode::FORBIDDEN, "self-disable");
        assert_eq!(app.get_as(&boss, "/api/v1/auth/me").await.status, StatusCode::OK);
    }

    async fn platform_staff_create_a_merchants_first_owner_once(app: TestApp) {
        let merchant = app.merchant("acme").await;
        let admin = app.staff_user(None, "root@omnihub.test", &["platform_admin"]).await;
        let body = json!({"email": "owner@acme.test", "display_name": "Owner", "password": TestApp::STAFF_PASSWORD});
        let created = app.send_json(Method::POST, &format!("/api/v1/merchants/{merchant}/owner"), Some(&admin), &body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let detail = app.get_as(&admin, &format!("/api/v1/users/{id}")).await.json();
        assert_eq!(detail["merchant_id"], merchant.to_string());
        assert_eq!(detail["roles"][0]["code"], "merchant_owner");
        assert_eq!(detail["roles"][0]["requires_mfa"], true);
        assert!(detail["permissions"].as_array().unwrap().contains(&json!("roles.approve")));
        // The owner must enrol in MFA before doing anything.
        let owner = app.login("owner@acme.test", TestApp::STAFF_PASSWORD).await.json()["token"].as_str().unwrap().to_owned();
        app.get_as(&owner, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "mfa-enrolment-required");
        // A second owner needs an approved request.
        let again = json!({"email": "owner2@acme.test", "display_name": "Owner 2", "password": TestApp::STAFF_PASSWORD});
        app.send_json(Method::POST, &format!("/api/v1/merchants/{merchant}/owner"), Some(&admin), &again).await
            .assert_problem(StatusCode::CONFLICT, "merchant-has-owner");
        let entries = app.audit_entries(Some(merchant)).await;
        let grant = entries.iter().find(|(a, _, _)| a == "user_role.grant").expect("grant audited");
        assert_eq!(grant.1.as_deref(), Some(id.as_str()));
        assert_eq!(grant.2.as_ref().unwrap()["bootstrap"], true);
        assert_eq!(grant.2.as_ref().unwrap()["role_code"], "merchant_owner");
        let unknown = uuid::Uuid::new_v4();
        app.send_json(Method::POST, &format!("/api/v1/merchants/{unknown}/owner"), Some(&admin), &again).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
    }

    async fn merchant_staff_cannot_bootstrap_owners(app: TestApp) {
        let (merchant, boss, _) = merchant_with_managers(app, "acme").await;
        let body = json!({"email": "owner@acme.test", "display_name": "Owner", "password": TestApp::STAFF_PASSWORD});
        let problem = app.send_json(Method::POST, &format!("/api/v1/merchants/{merchant}/owner"), Some(&boss), &body).await
            .assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert!(problem["detail"].as_str().unwrap().contains("merchants.manage"));
    }

    async fn platform_staff_manage_platform_users_without_choosing_a_merchant(app: TestApp) {
        let admin = app.staff_user(None, "root@omnihub.test", &["platform_admin"]).await;
        let id = create_user(app, &admin, "ops@omnihub.test").await;
        let detail = app.get_as(&admin, &format!("/api/v1/users/{id}")).await.json();
        assert!(detail["merchant_id"].is_null());
        let emails: Vec<String> = app.get_as(&admin, "/api/v1/users").await.json()["items"].as_array().unwrap().iter()
            .map(|u| u["email"].as_str().unwrap().to_owned()).collect();
        assert_eq!(emails, ["root@omnihub.test", "ops@omnihub.test"]);
        assert!(app.audit_actions(None).await.contains(&"staff_user.create".to_owned()));
        // Merchant staff never see platform staff.
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        app.get_as(&boss, &format!("/api/v1/users/{id}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
    }
}
