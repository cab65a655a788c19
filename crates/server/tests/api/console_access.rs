//! The console's access-management pages: merchants (platform staff), users, roles and
//! approval requests, driven through forms with the CSRF token, including the refusals.

use axum::http::StatusCode;
use omnihub_testkit::{ConsoleSession, TestApp, TestResponse, both_dbs};

use crate::users::merchant_with_managers;

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

/// The id in `/admin/<what>/<id>?...`.
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

/// The first pending request's id on the approval page.
fn first_pending(page: &str) -> String {
    let start = page.find("data-request=\"").expect("a pending request") + "data-request=\"".len();
    page[start..start + 36].to_owned()
}

async fn manager_session(app: &TestApp, email: &str) -> ConsoleSession {
    app.console_login_as(email, TestApp::STAFF_PASSWORD).await
}

both_dbs! {
    async fn platform_staff_create_a_merchant_and_its_owner_then_act_in_it(app: TestApp) {
        let admin = app.console_login().await;
        let list = app.console_get(&admin, "/admin/merchants").await;
        assert_eq!(list.status, StatusCode::OK);
        // A bad code is shown beside its field and creates nothing.
        let bad = app.console_post(&admin, "/admin/merchants", &[("code", "NO SPACES"), ("name", "Acme")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("field-error"), "{}", bad.text());
        let created = app.console_post(&admin, "/admin/merchants", &[("code", "acme"), ("name", "Acme Ltd"), ("time_zone", "Asia/Shanghai"), ("currency", "CNY")]).await;
        let merchant = id_in(&location(&created));
        let detail = app.console_get(&admin, &format!("/admin/merchants/{merchant}")).await.text();
        assert!(detail.contains("Acme Ltd"));
        // The first owner gets a one-time password on the page.
        let owner = app.console_post(&admin, &format!("/admin/merchants/{merchant}/owner"), &[("email", "owner@acme.test"), ("display_name", "Owner")]).await;
        assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text());
        assert!(owner.text().contains("data-testid=\"initial-password\""));
        // A second owner bootstrap is refused.
        let again = app.console_post(&admin, &format!("/admin/merchants/{merchant}/owner"), &[("email", "other@acme.test"), ("display_name", "Other")]).await;
        assert!(again.status.is_client_error(), "{}", again.status);
        // Acting in the merchant shows its users.
        let act = app.console_post(&admin, &format!("/admin/merchants/{merchant}/act"), &[]).await;
        assert_eq!(location(&act), "/admin/users");
        let chosen = act.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
        let acting = ConsoleSession { cookie: format!("{}; {chosen}", admin.cookie), csrf: admin.csrf.clone() };
        let users = app.console_get(&acting, "/admin/users").await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(users.text().contains("owner@acme.test"), "{}", users.text());
        let roles = app.console_get(&acting, "/admin/roles").await.text();
        assert!(roles.contains("merchant_owner"), "{roles}");
        // Unknown and malformed ids are 404 pages.
        let unknown = app.console_get(&admin, "/admin/merchants/01940000-0000-7000-8000-000000000000").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(app.console_get(&admin, "/admin/merchants/nope").await.status, StatusCode::NOT_FOUND);
        // Audited.
        let actions = app.audit_actions(Some(merchant.parse().unwrap())).await;
        assert!(actions.iter().any(|a| a == "merchant.create"), "{actions:?}");
        assert!(actions.iter().any(|a| a == "staff_user.create"), "{actions:?}");
    }

    async fn a_role_granted_in_the_console_needs_a_second_approver(app: TestApp) {
        let (merchant, _, _) = merchant_with_managers(app, "acme").await;
        app.custom_role(merchant, "user_viewer", &["users.manage"]).await;
        let boss = manager_session(app, "boss@acme.test").await;
        let second = manager_session(app, "second@acme.test").await;
        // The boss creates a clerk: no roles, no permissions.
        let created = app.console_post(&boss, "/admin/users", &[("email", "clerk@acme.test"), ("display_name", "Clerk"), ("password", TestApp::STAFF_PASSWORD)]).await;
        let clerk = id_in(&location(&created));
        let page = app.console_get(&boss, &format!("/admin/users/{clerk}")).await.text();
        assert!(page.contains("data-testid=\"no-roles\""), "{page}");
        // ... and asks for the role.
        let roles = app.console_get(&boss, "/admin/roles").await.text();
        let row = roles.split("<tr").find(|row| row.contains("<code>user_viewer</code>")).expect("the custom role is listed");
        let role_id = row.split("href=\"/admin/roles/").nth(1).unwrap()[..36].to_owned();
        let requested = app.console_post(&boss, &format!("/admin/users/{clerk}/request-role"), &[("kind", "grant_role"), ("role_id", &role_id), ("reason", "covers HR")]).await;
        assert_eq!(location(&requested), format!("/admin/users/{clerk}?done=requested"));
        let clerk_session = manager_session(app, "clerk@acme.test").await;
        assert_eq!(app.console_get(&clerk_session, "/admin/users").await.status, StatusCode::FORBIDDEN);
        // The boss cannot approve their own request.
        let queue = app.console_get(&boss, "/admin/access-requests").await.text();
        let request = first_pending(&queue);
        let own = app.console_post(&boss, &format!("/admin/access-requests/{request}/approve"), &[("note", "")]).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        assert_eq!(app.console_get(&clerk_session, "/admin/users").await.status, StatusCode::FORBIDDEN);
        // The second manager approves: the clerk's role works at once.
        let approved = app.console_post(&second, &format!("/admin/access-requests/{request}/approve"), &[("note", "ok")]).await;
        assert_eq!(location(&approved), "/admin/access-requests?done=approved");
        assert_eq!(app.console_get(&clerk_session, "/admin/users").await.status, StatusCode::OK);
        let page = app.console_get(&second, &format!("/admin/users/{clerk}")).await.text();
        assert!(page.contains("user_viewer") && page.contains("<code>users.manage</code>"), "{page}");
        let queue = app.console_get(&second, "/admin/access-requests").await.text();
        assert!(queue.contains("data-testid=\"queue-empty\""));
        let actions = app.audit_actions(Some(merchant)).await;
        let decisions: Vec<&str> = actions.iter().map(String::as_str).filter(|a| a.starts_with("access_request.") || a.starts_with("user_role.")).collect();
        assert_eq!(decisions, ["access_request.create", "user_role.grant", "access_request.approve"]);
    }

    async fn a_custom_role_made_in_the_console_gets_permissions_after_approval(app: TestApp) {
        merchant_with_managers(app, "acme").await;
        let boss = manager_session(app, "boss@acme.test").await;
        let second = manager_session(app, "second@acme.test").await;
        let created = app.console_post(&boss, "/admin/roles", &[("code", "packer"), ("name", "Packer")]).await;
        let role = id_in(&location(&created));
        let page = app.console_get(&boss, &format!("/admin/roles/{role}")).await.text();
        let held = page.split("data-testid=\"permissions\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert!(!held.contains("<code>"), "a new role has no permissions: {held}");
        let requested = app.console_post(&boss, &format!("/admin/roles/{role}/request-permissions"), &[("permission", "orders.read"), ("permission", "fulfilment.ship"), ("reason", "packing")]).await;
        assert_eq!(location(&requested), format!("/admin/roles/{role}?done=requested"));
        // A platform permission is refused with the field's message.
        let refused = app.console_post(&boss, &format!("/admin/roles/{role}/request-permissions"), &[("permission", "merchants.manage")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        let queue = app.console_get(&second, "/admin/access-requests").await.text();
        let request = first_pending(&queue);
        let rejected = app.console_post(&second, &format!("/admin/access-requests/{request}/reject"), &[("note", "")]).await;
        assert_eq!(location(&rejected), "/admin/access-requests?done=rejected");
        let page = app.console_get(&boss, &format!("/admin/roles/{role}")).await.text();
        let held = page.split("data-testid=\"permissions\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert!(!held.contains("orders.read"), "{held}");
    }

    async fn the_pages_refuse_staff_without_the_permission(app: TestApp) {
        let (merchant, _, _) = merchant_with_managers(app, "acme").await;
        let boss = manager_session(app, "boss@acme.test").await;
        // Merchant staff never manage merchants.
        assert_eq!(app.console_get(&boss, "/admin/merchants").await.status, StatusCode::FORBIDDEN);
        let other = app.merchant("globex").await;
        assert_eq!(app.console_get(&boss, &format!("/admin/merchants/{other}")).await.status, StatusCode::FORBIDDEN);
        let act = app.console_post(&boss, &format!("/admin/merchants/{merchant}/act"), &[]).await;
        assert!(act.status.is_client_error(), "{}", act.status);
        // A user with no role sees refusals, not pages.
        app.staff_user(Some(merchant), "clerk@acme.test", &[]).await;
        let clerk = manager_session(app, "clerk@acme.test").await;
        for path in ["/admin/users", "/admin/roles", "/admin/access-requests"] {
            assert_eq!(app.console_get(&clerk, path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let post = app.console_post(&clerk, "/admin/users", &[("email", "x@acme.test"), ("display_name", "X")]).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);
        // Without the CSRF token a form post is refused.
        let forged = app.request(axum::http::Method::POST, "/admin/users", &[(axum::http::header::COOKIE, boss.cookie.as_str()), (axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")], axum::body::Body::from("email=y%40acme.test&display_name=Y")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }

    async fn the_pages_speak_chinese_by_default(app: TestApp) {
        merchant_with_managers(app, "acme").await;
        let boss = manager_session(app, "boss@acme.test").await;
        let page = app.console_get(&boss, "/admin/access-requests").await.text();
        assert!(page.contains("审批请求"), "{page}");
        let page = app.console_get(&boss, "/admin/users").await.text();
        assert!(page.contains("创建用户"), "{page}");
    }
}
