//! `POST /api/v1/oauth/token`: the client-credentials grant (RFC 6749 §4.4) and its errors
//! (§5.2), and the access tokens it issues.

use axum::body::Body;
use axum::http::{HeaderName, Method, StatusCode, header};
use base64::Engine;
use omnihub_domain::access::BuiltInRole;
use omnihub_domain::ids::MerchantId;
use omnihub_testkit::{TestApp, TestResponse, both_dbs, json};
use serde_json::Value;

use crate::api_keys::{audit_entries, merchant, new_key, post_key, staff_user, stored_key};

const TOKEN: &str = "/api/v1/oauth/token";

/// (case, `Authorization` header, form body, status, error code, Basic challenge expected).
type ErrorCase<'a> = (&'a str, Option<&'a str>, String, StatusCode, &'a str, bool);

/// HTTP Basic credentials.
fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A token request with a form body and optional `Authorization` header.
async fn token_request(app: &TestApp, authorization: Option<&str>, form: &str) -> TestResponse {
    let mut headers: Vec<(HeaderName, &str)> =
        vec![(header::CONTENT_TYPE, "application/x-www-form-urlencoded")];
    if let Some(a) = authorization {
        headers.push((header::AUTHORIZATION, a));
    }
    app.request(Method::POST, TOKEN, &headers, Body::from(form.to_owned()))
        .await
}

/// The key's prefix (`client_id`) and secret part (`client_secret`).
fn credentials(key: &str) -> (String, String) {
    let rest = key.strip_prefix("ohk_").unwrap();
    let (id, secret) = rest.split_once('_').unwrap();
    (id.to_owned(), secret.to_owned())
}

/// Asserts an RFC 6749 §5.2 error and returns its body.
#[track_caller]
fn assert_oauth_error(response: &TestResponse, status: StatusCode, error: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "not a problem document"
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body = response.json();
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
        "RFC 6749 §5.2 characters only: {description}"
    );
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only error and error_description: {body}"
    );
    body
}

both_dbs! {
    async fn basic_client_credentials_get_a_bearer_token_that_acts_like_the_key_and_expires(app: TestApp) {
        // Arrange
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage", "settings.manage"]).await;
        let (id, secret) = credentials(created["key"].as_str().unwrap());
        // Act
        let response = token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await;
        // Assert
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(response.header("pragma"), Some("no-cache"));
        assert_eq!(response.header("content-type"), Some("application/json"));
        let body = response.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert_eq!(body["scope"], "settings.manage merchants.manage");
        let token = body["access_token"].as_str().unwrap();
        assert!(token.starts_with("oht_") && token.len() == 68, "{token}");

        assert_eq!(app.get_as(token, "/api/v1/merchants").await.status, StatusCode::OK);
        assert_eq!(app.get_as(token, "/api/v1/api-keys").await.status, StatusCode::OK);
        assert_eq!(app.get_as(token, "/api/v1/auth/me").await.json()["email"], omnihub_testkit::ADMIN_EMAIL);
        // Issuing is audited against the key, without the token.
        let entries = audit_entries(app, "platform").await;
        let issued = entries.iter().find(|e| e.action == "oauth_token.create").expect("oauth_token.create");
        assert_eq!(issued.actor_type, "api_key");
        assert!(!format!("{entries:?}").contains(&token[4..]));
        // An hour later the token has expired; the key itself still works.
        app.clock.advance(jiff::SignedDuration::from_mins(59));
        assert_eq!(app.get_as(token, "/api/v1/merchants").await.status, StatusCode::OK);
        app.clock.advance(jiff::SignedDuration::from_mins(1));
        app.get_as(token, "/api/v1/merchants").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(app.get_as(created["key"].as_str().unwrap(), "/api/v1/merchants").await.status, StatusCode::OK);
    }

    async fn form_credentials_and_a_narrower_scope_give_a_narrower_token(app: TestApp) {
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage", "settings.manage"]).await;
        let key = created["key"].as_str().unwrap();
        let (id, secret) = credentials(key);
        // The secret part, in form fields, with a narrower scope.
        let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=settings.manage");
        let response = token_request(app, None, &form).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.json()["scope"], "settings.manage");
        let token = response.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.get_as(&token, "/api/v1/api-keys").await.status, StatusCode::OK);
        app.get_as(&token, "/api/v1/merchants").await.assert_problem(StatusCode::FORBIDDEN, "missing-permission");
        // The whole key is accepted as the secret too, over Basic and in the form; empty
        // parameters count as omitted.
        let whole = token_request(app, Some(&basic(&id, key)), "grant_type=client_credentials&scope=").await;
        assert_eq!(whole.status, StatusCode::OK, "{}", whole.text());
        assert_eq!(whole.json()["scope"], "settings.manage merchants.manage");
        let form = format!("grant_type=client_credentials&client_id={id}&client_secret={key}&scope=merchants.manage+settings.manage");
        assert_eq!(token_request(app, None, &form).await.status, StatusCode::OK);
        // Revoking the key ends its tokens at once.
        app.send_json(Method::POST, &format!("/api/v1/api-keys/{}/revoke", created["id"].as_str().unwrap()), Some(&admin), &json!({})).await;
        app.get_as(&token, "/api/v1/api-keys").await.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    async fn malformed_and_unauthenticated_requests_get_rfc_6749_errors(app: TestApp) {
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage"]).await;
        let key = created["key"].as_str().unwrap();
        let (id, secret) = credentials(key);
        let good = basic(&id, &secret);
        let wrong = basic(&id, &"0".repeat(64));
        let unknown = basic("000000000000", &secret);
        let form_ok = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
        let form_wrong = format!("grant_type=client_credentials&client_id={id}&client_secret={}", "f".repeat(64));
        let cases: &[ErrorCase] = &[
            ("missing grant_type", Some(&good), "scope=merchants.manage".into(), StatusCode::BAD_REQUEST, "invalid_request", false),
            ("empty grant_type", Some(&good), "grant_type=".into(), StatusCode::BAD_REQUEST, "invalid_request", false),
            ("repeated parameter", Some(&good), "grant_type=client_credentials&grant_type=client_credentials".into(), StatusCode::BAD_REQUEST, "invalid_request", false),
            ("two client authentication methods", Some(&good), form_ok.clone(), StatusCode::BAD_REQUEST, "invalid_request", false),
            ("unsupported grant type", Some(&good), "grant_type=password&username=a&password=b".into(), StatusCode::BAD_REQUEST, "unsupported_grant_type", false),
            ("authorization_code grant", Some(&good), "grant_type=authorization_code&code=x".into(), StatusCode::BAD_REQUEST, "unsupported_grant_type", false),
            ("wrong secret over Basic", Some(&wrong), "grant_type=client_credentials".into(), StatusCode::UNAUTHORIZED, "invalid_client", true),
            ("unknown client over Basic", Some(&unknown), "grant_type=client_credentials".into(), StatusCode::UNAUTHORIZED, "invalid_client", true),
            ("malformed Basic", Some("Basic !!!"), "grant_type=client_credentials".into(), StatusCode::UNAUTHORIZED, "invalid_client", true),
            ("another scheme", Some("Bearer ohs_x"), "grant_type=client_credentials".into(), StatusCode::UNAUTHORIZED, "invalid_client", true),
            ("no client authentication", None, "grant_type=client_credentials".into(), StatusCode::UNAUTHORIZED, "invalid_client", true),
            ("wrong secret in the form", None, form_wrong, StatusCode::BAD_REQUEST, "invalid_client", false),
            ("client_id without a secret", None, format!("grant_type=client_credentials&client_id={id}"), StatusCode::BAD_REQUEST, "invalid_client", false),
            ("scope beyond the key's", Some(&good), "grant_type=client_credentials&scope=merchants.manage+settings.manage".into(), StatusCode::BAD_REQUEST, "invalid_scope", false),
            ("unknown scope", Some(&good), "grant_type=client_credentials&scope=everything".into(), StatusCode::BAD_REQUEST, "invalid_scope", false),
            ("unknown scope echoing odd characters", Some(&good), "grant_type=client_credentials&scope=%22%E4%BD%A0%5C".into(), StatusCode::BAD_REQUEST, "invalid_scope", false),
            ("repeated odd parameter", Some(&good), "grant_type=client_credentials&%22x%22=1&%22x%22=2".into(), StatusCode::BAD_REQUEST, "invalid_request", false),
        ];
        for (case, authorization, form, status, error, challenge) in cases {
            let response = token_request(app, *authorization, form).await;
            assert_oauth_error(&response, *status, error);
            let www = response.header("www-authenticate");
            assert_eq!(www.is_some_and(|w| w.starts_with("Basic")), *challenge, "{case}: {www:?}");
        }
        // A JSON body is not a token request.
        let json_body = app.request(Method::POST, TOKEN, &[(header::CONTENT_TYPE, "application/json"), (header::AUTHORIZATION, &good)], Body::from(r#"{"grant_type":"client_credentials"}"#)).await;
        assert_oauth_error(&json_body, StatusCode::BAD_REQUEST, "invalid_request");
        // None of that locked the key out.
        assert_eq!(token_request(app, Some(&good), "grant_type=client_credentials").await.status, StatusCode::OK);
    }

    async fn revoked_expired_and_powerless_keys_get_no_token(app: TestApp) {
        let admin = app.admin_token().await;
        let revoked = new_key(app, &admin, None, &["merchants.manage"]).await;
        app.send_json(Method::POST, &format!("/api/v1/api-keys/{}/revoke", revoked["id"].as_str().unwrap()), Some(&admin), &json!({})).await;
        let (id, secret) = credentials(revoked["key"].as_str().unwrap());
        let response = token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await;
        let body = assert_oauth_error(&response, StatusCode::BAD_REQUEST, "invalid_grant");
        assert!(body["error_description"].as_str().unwrap().contains("revoked"));

        let expiring = post_key(app, &admin, None, &json!({"name": "temp", "scopes": ["merchants.manage"], "expires_in_days": 1})).await.json();
        let (id, secret) = credentials(expiring["key"].as_str().unwrap());
        app.clock.advance(jiff::SignedDuration::from_hours(25));
        let response = token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await;
        assert_oauth_error(&response, StatusCode::BAD_REQUEST, "invalid_grant");

        // A key whose creator no longer holds any of its scopes may not get tokens.
        let admin = app.admin_token().await; // the first session has expired meanwhile
        let acme: MerchantId = merchant(app, &admin, "acme").await.parse().unwrap();
        let creator = staff_user(app, "ops@acme.test", Some(acme), &[BuiltInRole::Operations]).await;
        let key = stored_key(app, creator, Some(acme), "settings.manage").await;
        let (id, secret) = credentials(&key);
        let response = token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await;
        assert_oauth_error(&response, StatusCode::BAD_REQUEST, "unauthorized_client");
    }

    async fn failed_client_authentication_is_throttled(app: TestApp) {
        let admin = app.admin_token().await;
        let created = new_key(app, &admin, None, &["merchants.manage"]).await;
        let (id, secret) = credentials(created["key"].as_str().unwrap());
        let wrong = basic(&id, &"0".repeat(64));
        for _ in 0..5 {
            let response = token_request(app, Some(&wrong), "grant_type=client_credentials").await;
            assert_oauth_error(&response, StatusCode::UNAUTHORIZED, "invalid_client");
        }
        // Locked: even the right secret waits.
        let locked = token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await;
        assert_oauth_error(&locked, StatusCode::TOO_MANY_REQUESTS, "temporarily_unavailable");
        assert_eq!(locked.header("retry-after"), Some("61"));
        app.clock.advance(jiff::SignedDuration::from_secs(61));
        assert_eq!(token_request(app, Some(&basic(&id, &secret)), "grant_type=client_credentials").await.status, StatusCode::OK);
    }

    async fn the_openapi_document_describes_keys_and_the_token_endpoint(app: TestApp) {
        let doc = app.get("/api/v1/openapi.json").await.json();
        for path in ["/api/v1/api-keys", "/api/v1/api-keys/{id}", "/api/v1/api-keys/{id}/revoke", "/api/v1/oauth/token"] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        let token = &doc["paths"]["/api/v1/oauth/token"]["post"];
        assert_eq!(token["tags"], json!(["oauth"]));
        assert!(token["requestBody"]["content"].get("application/x-www-form-urlencoded").is_some(), "{token}");
        assert_eq!(doc["paths"]["/api/v1/api-keys"]["post"]["security"], json!([{"bearer": []}]));
        assert!(doc["components"]["securitySchemes"].get("client_basic").is_some());
        let tags: Vec<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(tags.contains(&"api-keys") && tags.contains(&"oauth"), "{tags:?}");
    }
}
