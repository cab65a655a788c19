//! Sign-in with email and password, bearer sessions, logout and expiry.

use axum::http::{Method, StatusCode};
use omnihub_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, both_dbs, json};

both_dbs! {
    async fn an_administrator_signs_in_and_sees_who_they_are(app: TestApp) {
        let token = app.admin_token().await;
        assert!(token.starts_with("ohs_") && token.len() == 68);
        let me = app.get_as(&token, "/api/v1/auth/me").await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["email"], ADMIN_EMAIL);
        assert_eq!(me.json()["is_platform_admin"], true);
    }

    async fn wrong_password_and_unknown_email_get_the_same_401(app: TestApp) {
        app.admin_token().await;
        let wrong = app.post_json("/api/v1/auth/login", &json!({"email": ADMIN_EMAIL, "password": "not the password"})).await;
        let unknown = app.post_json("/api/v1/auth/login", &json!({"email": "nobody@omnihub.test", "password": ADMIN_PASSWORD})).await;
        let a = wrong.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        let b = unknown.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(a["detail"], b["detail"]);
        assert_eq!(wrong.header("www-authenticate"), Some("Bearer"));
    }

    async fn requests_without_a_valid_token_are_401(app: TestApp) {
        app.get("/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.get_as("ohs_0000", "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        app.get_as("garbage", "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn logout_ends_the_session_at_once(app: TestApp) {
        let token = app.admin_token().await;
        let out = app.send_json(Method::POST, "/api/v1/auth/logout", Some(&token), &json!({})).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        app.get_as(&token, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn sessions_expire_when_idle_and_at_their_absolute_limit(app: TestApp) {
        let token = app.admin_token().await;
        // Used every 7 hours, the session stays alive past its 8-hour idle limit...
        for _ in 0..3 {
            app.clock.advance(jiff::SignedDuration::from_hours(7));
            assert_eq!(app.get_as(&token, "/api/v1/auth/me").await.status, StatusCode::OK);
        }
        // ...but not past the 24-hour absolute limit.
        app.clock.advance(jiff::SignedDuration::from_hours(4));
        app.get_as(&token, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");

        let idle = app.admin_token().await;
        app.clock.advance(jiff::SignedDuration::from_hours(9));
        app.get_as(&idle, "/api/v1/auth/me").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}
