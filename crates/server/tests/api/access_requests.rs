//! Access change requests: nothing changes until a second approver approves; no
//! self-approval; decisions happen once; tenancy; every step audited.

use axum::http::{Method, StatusCode};
use omnihub_domain::access::BuiltInRole;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};

use crate::users::{create_user, merchant_with_managers};

async fn file(app: &TestApp, token: &str, body: serde_json::Value) -> TestResponse {
    app.send_json(Method::POST, "/api/v1/access-requests", Some(token), &body)
        .await
}

async fn decide(app: &TestApp, token: &str, id: &str, decision: &str) -> TestResponse {
    app.send_json(
        Method::POST,
        &format!("/api/v1/access-requests/{id}/{decision}"),
        Some(token),
        &json!({"note": "checked"}),
    )
    .await
}

async fn filed(app: &TestApp, token: &str, body: serde_json::Value) -> String {
    let response = file(app, token, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_owned()
}

both_dbs! {
    async fn a_granted_role_works_only_after_another_approver_approves(app: TestApp) {
        // Arrange: a new clerk, and a custom role that lets them list users.
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        let role = app.custom_role(merchant, "user_viewer", &["users.manage"]).await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let clerk_token = app.login("clerk@acme.test", TestApp::STAFF_PASSWORD).await.json()["token"].as_str().unwrap().to_owned();
        // Act: the boss asks for the grant.
        let response = file(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": role, "reason": "covers HR"})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let request = response.json();
        assert_eq!(request["status"], "pending");
        assert_eq!(request["user"]["email"], "clerk@acme.test");
        assert_eq!(request["role"]["code"], "user_viewer");
        assert_eq!(request["requested_by"]["email"], "boss@acme.test");
        assert_eq!(request["merchant_id"], merchant.to_string());
        let id = request["id"].as_str().unwrap();
        // Pending: nothing changed yet.
        app.get_as(&clerk_token, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // The requester cannot approve their own request.
        let problem = decide(app, &boss, id, "approve").await.assert_problem(StatusCode::FORBIDDEN, "self-approval");
        assert!(problem["detail"].as_str().unwrap().contains("own request"));
        app.get_as(&clerk_token, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // Another approver approves: the role works at once.
        let approved = decide(app, &second, id, "approve").await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        let approved = approved.json();
        assert_eq!(approved["status"], "approved");
        assert_eq!(approved["decided_by"]["email"], "second@acme.test");
        assert_eq!(approved["decision_note"], "checked");
        assert_eq!(approved["decided_at"], "2026-01-15T08:00:00Z");
        assert_eq!(app.get_as(&clerk_token, "/api/v1/users").await.status, StatusCode::OK);
        let detail = app.get_as(&boss, &format!("/api/v1/users/{clerk}")).await.json();
        assert_eq!(detail["roles"][0]["code"], "user_viewer");
        assert_eq!(detail["permissions"], json!(["users.manage"]));
        // Deciding again is a conflict, whichever the decision.
        decide(app, &second, id, "approve").await.assert_problem(StatusCode::CONFLICT, "request-not-pending");
        decide(app, &second, id, "reject").await.assert_problem(StatusCode::CONFLICT, "request-not-pending");
        // Audited: the request, the decision and the grant.
        let entries = app.audit_entries(Some(merchant)).await;
        let actions: Vec<&str> = entries.iter().map(|(a, _, _)| a.as_str()).collect();
        let tail = &actions[actions.len() - 3..];
        assert_eq!(tail, ["access_request.create", "user_role.grant", "access_request.approve"]);
        let grant = entries.iter().find(|(a, _, _)| a == "user_role.grant").unwrap();
        assert_eq!(grant.1.as_deref(), Some(clerk.as_str()));
        assert_eq!(grant.2.as_ref().unwrap()["request_id"], id);
    }

    async fn a_rejected_request_changes_nothing(app: TestApp) {
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let id = filed(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": BuiltInRole::Warehouse.id()})).await;
        let rejected = decide(app, &second, &id, "reject").await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text());
        assert_eq!(rejected.json()["status"], "rejected");
        let detail = app.get_as(&boss, &format!("/api/v1/users/{clerk}")).await.json();
        assert_eq!(detail["roles"], json!([]));
        decide(app, &second, &id, "approve").await.assert_problem(StatusCode::CONFLICT, "request-not-pending");
        let actions = app.audit_actions(Some(merchant)).await;
        assert!(actions.contains(&"access_request.reject".to_owned()));
        assert!(!actions.contains(&"user_role.grant".to_owned()));
    }

    async fn nobody_approves_a_change_of_their_own_access(app: TestApp) {
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        app.custom_role(merchant, "extra", &["orders.read"]).await;
        let roles = app.get_as(&boss, "/api/v1/roles").await.json();
        let extra = roles.as_array().unwrap().iter().find(|r| r["code"] == "extra").unwrap()["id"].clone();
        let me = app.user_id("second@acme.test").await;
        let id = filed(app, &boss, json!({"kind": "grant_role", "user_id": me, "role_id": extra})).await;
        let problem = decide(app, &second, &id, "approve").await.assert_problem(StatusCode::FORBIDDEN, "self-approval");
        assert!(problem["detail"].as_str().unwrap().contains("your own access"));
        let pending = app.get_as(&boss, &format!("/api/v1/access-requests/{id}")).await.json();
        assert_eq!(pending["status"], "pending");
    }

    async fn a_role_permission_change_takes_effect_after_approval(app: TestApp) {
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        let role = app.custom_role(merchant, "clerk", &[]).await;
        let clerk = app.staff_user(Some(merchant), "clerk@acme.test", &["clerk"]).await;
        app.get_as(&clerk, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let id = filed(app, &boss, json!({"kind": "set_role_permissions", "role_id": role, "permissions": ["users.manage", "orders.read"]})).await;
        app.get_as(&clerk, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert_eq!(decide(app, &second, &id, "approve").await.status, StatusCode::OK);
        assert_eq!(app.get_as(&clerk, "/api/v1/users").await.status, StatusCode::OK);
        // Removing them again is another request.
        let id = filed(app, &boss, json!({"kind": "set_role_permissions", "role_id": role, "permissions": []})).await;
        assert_eq!(decide(app, &second, &id, "approve").await.status, StatusCode::OK);
        app.get_as(&clerk, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let entries = app.audit_entries(Some(merchant)).await;
        let changes: Vec<_> = entries.iter().filter(|(a, _, _)| a == "role.set_permissions").collect();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].2.as_ref().unwrap()["permissions"], json!(["orders.read", "users.manage"]));
        assert_eq!(changes[1].2.as_ref().unwrap()["permissions"], json!([]));
    }

    async fn a_revoked_role_stops_working_after_approval(app: TestApp) {
        let (merchant, boss, second) = merchant_with_managers(app, "acme").await;
        let role = app.custom_role(merchant, "user_viewer", &["users.manage"]).await;
        let viewer = app.staff_user(Some(merchant), "viewer@acme.test", &["user_viewer"]).await;
        let viewer_id = app.user_id("viewer@acme.test").await;
        let id = filed(app, &boss, json!({"kind": "revoke_role", "user_id": viewer_id, "role_id": role})).await;
        assert_eq!(app.get_as(&viewer, "/api/v1/users").await.status, StatusCode::OK, "still held while pending");
        assert_eq!(decide(app, &second, &id, "approve").await.status, StatusCode::OK);
        app.get_as(&viewer, "/api/v1/users").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert!(app.audit_actions(Some(merchant)).await.contains(&"user_role.revoke".to_owned()));
        // Revoking a role the user does not hold, or granting one they hold, is refused.
        file(app, &boss, json!({"kind": "revoke_role", "user_id": viewer_id, "role_id": role})).await
            .assert_problem(StatusCode::CONFLICT, "role-not-granted");
        let boss_id = app.user_id("boss@acme.test").await;
        let iam = app.get_as(&boss, &format!("/api/v1/users/{boss_id}")).await.json()["roles"][0]["id"].clone();
        file(app, &second, json!({"kind": "grant_role", "user_id": boss_id, "role_id": iam})).await
            .assert_problem(StatusCode::CONFLICT, "role-already-granted");
    }

    async fn platform_roles_are_never_granted_to_merchant_staff(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        for role in [BuiltInRole::PlatformAdmin, BuiltInRole::ComplianceReviewer] {
            let problem = file(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": role.id()})).await
                .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
            assert_eq!(problem["errors"][0]["field"], "role_id");
            assert_eq!(problem["errors"][0]["code"], "scope_mismatch");
        }
    }

    async fn requests_are_validated_field_by_field(app: TestApp) {
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let role = BuiltInRole::Warehouse.id();
        let cases = [
            (json!({"kind": "promote", "role_id": role}), vec![("kind", "invalid")]),
            (json!({"kind": "grant_role", "user_id": clerk}), vec![("role_id", "required")]),
            (json!({"kind": "grant_role", "role_id": role}), vec![("user_id", "required")]),
            (json!({"kind": "grant_role", "user_id": clerk, "role_id": role, "permissions": []}), vec![("permissions", "not_allowed")]),
            (json!({"kind": "set_role_permissions", "role_id": role}), vec![("permissions", "required")]),
            (json!({"kind": "set_role_permissions", "user_id": clerk, "role_id": role, "permissions": ["merchants.manage"]}), vec![("user_id", "not_allowed"), ("permissions", "invalid")]),
            (json!({"kind": "grant_role", "user_id": clerk, "role_id": role, "reason": "x".repeat(501)}), vec![("reason", "too_long")]),
        ];
        for (body, expected) in cases {
            let problem = file(app, &boss, body.clone()).await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
            let fields: Vec<(&str, &str)> = problem["errors"].as_array().unwrap().iter()
                .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
            assert_eq!(fields, expected, "{body}");
        }
        file(app, &boss, json!({"kind": "grant_role", "user_id": "nope", "role_id": role})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
        let listed = app.get_as(&boss, "/api/v1/access-requests").await.json();
        assert_eq!(listed["items"], json!([]), "nothing was filed");
    }

    async fn filing_and_deciding_need_their_permissions(app: TestApp) {
        let (merchant, boss, _) = merchant_with_managers(app, "acme").await;
        app.custom_role(merchant, "hr", &["users.manage"]).await;
        let hr = app.staff_user(Some(merchant), "hr@acme.test", &["hr"]).await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let role = app.custom_role(merchant, "packers", &[]).await;
        // A user manager may ask for grants but not for permission changes, nor decide.
        let id = filed(app, &hr, json!({"kind": "grant_role", "user_id": clerk, "role_id": BuiltInRole::Warehouse.id()})).await;
        file(app, &hr, json!({"kind": "set_role_permissions", "role_id": role, "permissions": ["orders.read"]})).await
            .assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        let problem = decide(app, &hr, &id, "approve").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        assert!(problem["detail"].as_str().unwrap().contains("roles.approve"));
        // Someone with no access-management permission cannot even read requests.
        let nobody = app.staff_user(Some(merchant), "nobody@acme.test", &[]).await;
        app.get_as(&nobody, "/api/v1/access-requests").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        app.get_as(&nobody, &format!("/api/v1/access-requests/{id}")).await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // The boss (another approver) may decide it.
        assert_eq!(decide(app, &boss, &id, "approve").await.status, StatusCode::OK);
    }

    async fn merchant_staff_cannot_see_decide_or_file_in_another_merchant(app: TestApp) {
        let (acme, boss, _) = merchant_with_managers(app, "acme").await;
        let (_, other, _) = merchant_with_managers(app, "globex").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let role = app.custom_role(acme, "packers", &[]).await;
        let id = filed(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": role})).await;
        app.get_as(&other, &format!("/api/v1/access-requests/{id}")).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        for decision in ["approve", "reject"] {
            decide(app, &other, &id, decision).await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        }
        assert_eq!(app.get_as(&other, "/api/v1/access-requests").await.json()["items"], json!([]));
        file(app, &other, json!({"kind": "grant_role", "user_id": clerk, "role_id": BuiltInRole::Warehouse.id()})).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
        file(app, &other, json!({"kind": "set_role_permissions", "role_id": role, "permissions": ["orders.read"]})).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
        // Nor grant their own users another merchant's custom role.
        let theirs = create_user(app, &other, "clerk@globex.test").await;
        file(app, &other, json!({"kind": "grant_role", "user_id": theirs, "role_id": role})).await
            .assert_problem(StatusCode::NOT_FOUND, "not-found");
        let pending = app.get_as(&boss, &format!("/api/v1/access-requests/{id}")).await.json();
        assert_eq!(pending["status"], "pending");
    }

    async fn platform_staff_decide_requests_of_any_merchant(app: TestApp) {
        let (acme, boss, _) = merchant_with_managers(app, "acme").await;
        let (globex, other, _) = merchant_with_managers(app, "globex").await;
        let admin = app.staff_user(None, "root@omnihub.test", &["platform_admin"]).await;
        let a = create_user(app, &boss, "clerk@acme.test").await;
        let g = create_user(app, &other, "clerk@globex.test").await;
        let first = filed(app, &boss, json!({"kind": "grant_role", "user_id": a, "role_id": BuiltInRole::Warehouse.id()})).await;
        let second = filed(app, &other, json!({"kind": "grant_role", "user_id": g, "role_id": BuiltInRole::Finance.id()})).await;
        let all = app.get_as(&admin, "/api/v1/access-requests?status=pending").await.json();
        let ids: Vec<&str> = all["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [first.as_str(), second.as_str()], "oldest first");
        assert_eq!(decide(app, &admin, &first, "approve").await.status, StatusCode::OK);
        assert_eq!(decide(app, &admin, &second, "reject").await.status, StatusCode::OK);
        assert!(app.audit_actions(Some(acme)).await.contains(&"access_request.approve".to_owned()));
        assert!(app.audit_actions(Some(globex)).await.contains(&"access_request.reject".to_owned()));
        let approved = app.get_as(&admin, "/api/v1/access-requests?status=approved").await.json();
        assert_eq!(approved["items"].as_array().unwrap().len(), 1);
        app.get_as(&admin, "/api/v1/access-requests?status=maybe").await.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }

    async fn platform_access_needs_two_platform_people(app: TestApp) {
        let admin = app.staff_user(None, "root@omnihub.test", &["platform_admin"]).await;
        let other_admin = app.staff_user(None, "root2@omnihub.test", &["platform_admin"]).await;
        let ops = create_user(app, &admin, "ops@omnihub.test").await;
        let id = filed(app, &admin, json!({"kind": "grant_role", "user_id": ops, "role_id": BuiltInRole::ComplianceReviewer.id()})).await;
        decide(app, &admin, &id, "approve").await.assert_problem(StatusCode::FORBIDDEN, "self-approval");
        // Merchant staff never see platform requests, even with roles.approve.
        let (_, boss, _) = merchant_with_managers(app, "acme").await;
        decide(app, &boss, &id, "approve").await.assert_problem(StatusCode::NOT_FOUND, "not-found");
        assert_eq!(decide(app, &other_admin, &id, "approve").await.status, StatusCode::OK);
        let detail = app.get_as(&admin, &format!("/api/v1/users/{ops}")).await.json();
        assert_eq!(detail["roles"][0]["code"], "compliance_reviewer");
        let actions = app.audit_actions(None).await;
        for action in ["access_request.create", "user_role.grant", "access_request.approve"] {
            assert!(actions.contains(&action.to_owned()), "{action} in {actions:?}");
        }
        // Merchant roles never go to platform staff.
        file(app, &admin, json!({"kind": "grant_role", "user_id": ops, "role_id": BuiltInRole::Warehouse.id()})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }

    async fn the_history_lists_decided_requests_newest_first_in_pages(app: TestApp) {
        let (_, boss, second) = merchant_with_managers(app, "acme").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let mut ids = Vec::new();
        for role in [BuiltInRole::Warehouse, BuiltInRole::Finance, BuiltInRole::Buyer] {
            let id = filed(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": role.id()})).await;
            decide(app, &second, &id, "reject").await;
            ids.push(id);
        }
        let first = app.get_as(&boss, "/api/v1/access-requests?status=rejected&limit=2").await.json();
        let page: Vec<&str> = first["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(page, [ids[2].as_str(), ids[1].as_str()]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let rest = app.get_as(&boss, &format!("/api/v1/access-requests?status=rejected&limit=2&cursor={cursor}")).await.json();
        assert_eq!(rest["items"][0]["id"], ids[0].as_str());
        assert!(rest["next_cursor"].is_null());
        assert_eq!(app.get_as(&boss, "/api/v1/access-requests?status=pending").await.json()["items"], json!([]));
    }

    async fn a_decision_may_come_without_a_body(app: TestApp) {
        let (_, boss, second) = merchant_with_managers(app, "acme").await;
        let clerk = create_user(app, &boss, "clerk@acme.test").await;
        let id = filed(app, &boss, json!({"kind": "grant_role", "user_id": clerk, "role_id": BuiltInRole::Warehouse.id()})).await;
        let auth = format!("Bearer {second}");
        let response = app.request(Method::POST, &format!("/api/v1/access-requests/{id}/approve"),
            &[(axum::http::header::AUTHORIZATION, &auth)], axum::body::Body::empty()).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert!(response.json()["decision_note"].is_null());
    }
}
