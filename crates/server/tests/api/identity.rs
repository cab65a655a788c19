//! Sign-in hardening: MFA, the MFA gate, lockout with back-off, password changes, signing
//! out everywhere, and CSRF protection of the console.

use axum::http::{Method, StatusCode};
use omnihub_domain::clock::Clock;
use omnihub_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, both_dbs, json};

both_dbs! {
    async fn a_platform_admin_without_mfa_can_do_nothing_but_enrol(app: TestApp) {
        omnihub_app::staff::create_platform_admin(&app.app, &omnihub_app::Actor::system(), ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
        let login = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await.json();
        assert_eq!(login["mfa_required"], false);
        let token = login["token"].as_str().unwrap();
        app.get_as(token, "/api/v1/merchants").await.assert_problem(StatusCode::FORBIDDEN, "mfa-enrolment-required");
        // Enrolment itself is allowed, and a wrong first code is refused.
        let enrol = app.send_json(Method::POST, "/api/v1/auth/mfa/enrol", Some(token), &json!({})).await.json();
        assert!(enrol["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Omnihub:"));
        assert!(enrol["qr_svg"].as_str().unwrap().contains("<svg"));
        app.send_json(Method::POST, "/api/v1/auth/mfa/confirm", Some(token), &json!({"code": "000000"})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let code = omnihub_app::mfa::code_at(enrol["secret"].as_str().unwrap(), app.clock.now()).unwrap();
        let confirmed = app.send_json(Method::POST, "/api/v1/auth/mfa/confirm", Some(token), &json!({"code": code})).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
        assert_eq!(confirmed.json()["recovery_codes"].as_array().unwrap().len(), 10);
        assert_eq!(app.get_as(token, "/api/v1/merchants").await.status, StatusCode::OK);
    }

    async fn with_mfa_the_password_alone_opens_nothing(app: TestApp) {
        app.admin_token().await;
        let login = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await.json();
        assert_eq!(login["mfa_required"], true);
        let pending = login["token"].as_str().unwrap();
        app.get_as(pending, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.post_json("/api/v1/auth/login/mfa", &json!({"mfa_token": pending, "code": "123456"})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        let code = app.next_admin_totp();
        assert_eq!(app.post_json("/api/v1/auth/login/mfa", &json!({"mfa_token": pending, "code": code})).await.status, StatusCode::OK);
        assert_eq!(app.get_as(pending, "/api/v1/auth/me").await.status, StatusCode::OK);
        // The same code cannot be used twice.
        let again = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await.json();
        app.post_json("/api/v1/auth/login/mfa", &json!({"mfa_token": again["token"], "code": code})).await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }

    async fn the_mfa_step_expires_after_five_minutes(app: TestApp) {
        app.admin_token().await;
        let login = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await.json();
        app.clock.advance(jiff::SignedDuration::from_mins(6));
        let code = app.next_admin_totp();
        app.post_json("/api/v1/auth/login/mfa", &json!({"mfa_token": login["token"], "code": code})).await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn a_recovery_code_works_once(app: TestApp) {
        let token = app.admin_token().await;
        let code = app.next_admin_totp();
        let codes = app.send_json(Method::POST, "/api/v1/auth/mfa/recovery-codes", Some(&token), &json!({"code": code})).await.json();
        let recovery = codes["recovery_codes"][0].as_str().unwrap().to_owned();
        for expected in [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY] {
            let login = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await.json();
            let step = app.post_json("/api/v1/auth/login/mfa", &json!({"mfa_token": login["token"], "code": recovery})).await;
            assert_eq!(step.status, expected, "{}", step.text());
        }
    }

    async fn a_role_that_requires_mfa_keeps_it_on(app: TestApp) {
        let token = app.admin_token().await;
        let code = app.next_admin_totp();
        app.send_json(Method::POST, "/api/v1/auth/mfa/disable", Some(&token), &json!({"password": ADMIN_PASSWORD, "code": code})).await
            .assert_problem(StatusCode::CONFLICT, "mfa-required-by-role");
    }

    async fn five_wrong_passwords_lock_the_account_with_retry_after(app: TestApp) {
        app.admin_token().await;
        for _ in 0..5 {
            app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "wrong password!"})).await
                .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        }
        // Locked: even the right password is refused, with Retry-After.
        let locked = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
        locked.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
        assert_eq!(locked.header("retry-after"), Some("61"));
        // After the lockout the right password works again.
        app.clock.advance(jiff::SignedDuration::from_secs(61));
        let ok = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    }

    async fn the_second_lockout_lasts_twice_as_long(app: TestApp) {
        app.admin_token().await;
        for round in 1..=2 {
            for _ in 0..5 {
                app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "wrong password!"})).await;
            }
            let locked = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
            let expected = (60 * round + 1).to_string();
            assert_eq!(locked.header("retry-after"), Some(expected.as_str()), "round {round}");
            app.clock.advance(jiff::SignedDuration::from_secs(60 * round));
        }
    }

    async fn a_password_change_needs_the_current_one_and_ends_other_sessions(app: TestApp) {
        let first = app.admin_token().await;
        let second = app.admin_token().await;
        let wrong = app.send_json(Method::POST, "/api/v1/auth/password", Some(&first), &json!({"current_password": "not it at all", "new_password": "a brand new passphrase"})).await;
        assert_eq!(wrong.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")["errors"][0]["field"], "current_password");
        let weak = app.send_json(Method::POST, "/api/v1/auth/password", Some(&first), &json!({"current_password": ADMIN_PASSWORD, "new_password": "short"})).await;
        assert_eq!(weak.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")["errors"][0]["field"], "new_password");
        let ok = app.send_json(Method::POST, "/api/v1/auth/password", Some(&first), &json!({"current_password": ADMIN_PASSWORD, "new_password": "a brand new passphrase"})).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text());
        assert_eq!(app.get_as(&first, "/api/v1/auth/me").await.status, StatusCode::OK, "this session stays");
        app.get_as(&second, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn signing_out_everywhere_ends_every_session(app: TestApp) {
        let first = app.admin_token().await;
        let second = app.admin_token().await;
        let listed = app.get_as(&first, "/api/v1/auth/sessions").await.json();
        assert_eq!(listed.as_array().unwrap().len(), 2);
        let out = app.send_json(Method::POST, "/api/v1/auth/logout-all", Some(&first), &json!({})).await;
        assert_eq!(out.json()["sessions_ended"], 2);
        for token in [&first, &second] {
            app.get_as(token, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        }
    }

    async fn console_pages_need_a_session_and_posts_need_the_csrf_token(app: TestApp) {
        let redirect = app.get("/admin").await;
        assert_eq!(redirect.status, StatusCode::SEE_OTHER);
        assert!(redirect.header("location").unwrap().starts_with("/admin/login?next=/admin"));
        let session = app.console_login().await;
        let page = app.console_get(&session, "/admin/account").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&session.csrf));
        // A POST without the token (as a cross-site form would send) is refused.
        let forged = app.request(Method::POST, "/admin/account/logout-all", &[(axum::http::header::COOKIE, session.cookie.as_str()), (axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")], axum::body::Body::from("x=1")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(app.console_get(&session, "/admin/account").await.status, StatusCode::OK, "still signed in");
        let real = app.console_post(&session, "/admin/account/logout-all", &[]).await;
        assert_eq!(real.status, StatusCode::SEE_OTHER);
        assert_eq!(app.console_get(&session, "/admin/account").await.status, StatusCode::SEE_OTHER, "signed out");
    }

    async fn console_sign_in_from_another_site_is_refused(app: TestApp) {
        use axum::http::header;
        let form = format!("email={ADMIN_EMAIL}&password=x");
        let response = app.request(Method::POST, "/admin/login", &[(header::CONTENT_TYPE, "application/x-www-form-urlencoded"), (header::ORIGIN, "https://evil.example"), (header::HOST, "omnihub.test")], axum::body::Body::from(form)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
    }

    async fn changes_are_audited_in_the_hash_chain(app: TestApp) {
        let token = app.admin_token().await;
        app.send_json(Method::POST, "/api/v1/merchants", Some(&token), &json!({"code": "acme", "name": "Acme"})).await;
        let chains = omnihub_app::audit::verify(&app.app).await.unwrap();
        assert!(chains.iter().all(|c| c.ok()), "{chains:?}");
        // The platform chain holds the admin creation and MFA enrolment; acme's chain the merchant.
        let mut tx = app.app.db.begin_read().await.unwrap();
        let chains = omnihub_testkit::omnihub_store::audit::chains(&mut tx).await.unwrap();
        assert_eq!(chains.len(), 2, "{chains:?}");
        let platform = omnihub_testkit::omnihub_store::audit::chain_page(&mut tx, "platform", 0, 100).await.unwrap();
        let actions: Vec<&str> = platform.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["staff_user.create", "session.create", "staff_user.mfa_enable"]);
    }
}

both_dbs! {
    async fn first_run_set_up_creates_the_first_admin_once_with_the_printed_token(app: TestApp) {
        let token = omnihub_app::setup::issue_token(&app.app).await.unwrap().expect("set-up needed");
        let page = app.get(&format!("/admin/setup?token={token}")).await;
        assert_eq!(page.status, StatusCode::OK);
        let form = |t: &str| format!("token={t}&email=first%40example.com&password=a+long+first+passphrase");
        let wrong = app.post_raw("/admin/setup", "application/x-www-form-urlencoded", form("0000")).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app.post_raw("/admin/setup", "application/x-www-form-urlencoded", form(&token)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let login = app.post_json("/api/v1/auth/login", &json!({"email": "first@example.com", "password": "a long first passphrase"})).await;
        assert_eq!(login.status, StatusCode::OK);
        // The token worked once; the page is gone now that an administrator exists.
        let again = app.post_raw("/admin/setup", "application/x-www-form-urlencoded", form(&token)).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.get("/admin/setup").await.header("location"), Some("/admin/login"));
        assert_eq!(omnihub_app::setup::issue_token(&app.app).await.unwrap(), None);
    }
}

both_dbs! {
    async fn lockout_holds_across_server_instances(app: TestApp) {
        use tower::ServiceExt;
        app.admin_token().await;
        let other = app.sibling().await;
        let attempt = |router: axum::Router, password: &'static str| async move {
            let body = json!({"email": ADMIN_EMAIL, "password": password}).to_string();
            let request = axum::http::Request::post("/api/v1/auth/login").header("content-type", "application/json").body(axum::body::Body::from(body)).unwrap();
            router.oneshot(request).await.unwrap().status()
        };
        // Failures alternate between the two instances; the fifth locks the account on both.
        for i in 0..5 {
            let router = if i % 2 == 0 { app.router.clone() } else { other.clone() };
            assert_eq!(attempt(router, "wrong password!").await, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(attempt(app.router.clone(), ADMIN_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(attempt(other, ADMIN_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    }
}
