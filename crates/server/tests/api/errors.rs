//! Every way a request can be wrong gets a clear 4xx RFC 9457 problem, never a 500.

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use omnihub_testkit::{both_dbs, json};

both_dbs! {
    async fn unknown_routes_are_404_problems(app: TestApp) {
        let response = app.get("/api/v1/no-such-thing").await;
        let problem = response.assert_problem(StatusCode::NOT_FOUND, "route-not-found");
        assert_eq!(problem["request_id"].as_str(), response.header("x-request-id"), "the id in the body is the id in the header");
        // Error responses carry the same security headers as any other.
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert!(response.header("content-security-policy").is_some());
    }

    async fn a_wrong_method_is_a_405_problem(app: TestApp) {
        let response = app.request(Method::DELETE, "/healthz", &[], Body::empty()).await;
        response.assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    }

    async fn malformed_json_is_a_400_problem(app: TestApp) {
        for (body, why) in [("{", "truncated"), ("{\"email\": }", "missing value"), ("not json", "not JSON at all"), ("{} trailing", "trailing characters")] {
            let response = app.post_raw("/api/v1/auth/login", "application/json", body).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{why}: {}", response.text());
            response.assert_problem(StatusCode::BAD_REQUEST, "malformed-json");
        }
    }

    async fn json_of_the_wrong_shape_is_a_422_naming_the_field(app: TestApp) {
        let cases = [
            (json!({"email": 5, "password": "x"}), "email", "wrong type"),
            (json!({"email": "a@b.co"}), ".", "missing field"),
            (json!({"email": "a@b.co", "password": "x", "extra": 1}), "extra", "unknown field"),
            (json!("a string"), ".", "a string instead of an object"),
            (json!([1, 2]), ".", "an array is not an object"),
            (json!([null, null]), ".", "not even when every field is optional"),
        ];
        for (body, field, why) in cases {
            let response = app.post_json("/api/v1/auth/login", &body).await;
            let problem = response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body");
            assert_eq!(problem["errors"][0]["field"], field, "{why}: {problem}");
        }
    }

    async fn a_body_that_is_not_json_is_a_415_problem(app: TestApp) {
        app.post_raw("/api/v1/auth/login", "text/plain", "email=a").await
            .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
        app.request(Method::POST, "/api/v1/auth/login", &[], Body::from("{}")).await
            .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }

    async fn an_oversized_body_is_a_413_problem(app: TestApp) {
        let big = format!("{{\"email\": \"{}\", \"password\": \"x\"}}", "a".repeat(3 * 1024 * 1024));
        app.post_raw("/api/v1/auth/login", "application/json", big.clone()).await
            .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
        // Without a Content-Length (streamed), the limit still holds.
        let stream = futures_stream(big);
        app.request(Method::POST, "/api/v1/auth/login", &[(header::CONTENT_TYPE, "application/json")], stream).await
            .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    }

    async fn bad_query_and_path_parameters_are_400_problems(app: TestApp) {
        let token = app.admin_token().await;
        app.get_as(&token, "/api/v1/merchants?limit=many").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
        app.get_as(&token, "/api/v1/merchants?limit=0").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
        app.get_as(&token, "/api/v1/merchants?cursor=xyz").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
        app.get_as(&token, "/api/v1/merchants/not-a-uuid").await.assert_problem(StatusCode::BAD_REQUEST, "invalid-parameter");
    }
}

/// A body with no Content-Length header: the limit must be enforced while streaming.
fn futures_stream(text: String) -> Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    Body::from_stream(futures_util::stream::iter(chunks))
}

both_dbs! {
    async fn a_request_over_the_timeout_is_a_408_problem(app: TestApp) {
        use std::time::Duration;
        use tower::ServiceExt;
        // The production stack around a handler that never finishes.
        let settings = omnihub_server::HttpSettings { request_timeout: Duration::from_millis(200), ..Default::default() };
        let state = omnihub_server::AppState::new(app.app.clone(), settings);
        let slow = axum::Router::new().route("/slow", axum::routing::get(std::future::pending::<()>));
        let router = omnihub_server::middleware::apply(slow, &state).with_state(state);
        let request = axum::http::Request::get("/slow").body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "timeout");
        assert!(problem["request_id"].is_string());
    }

    async fn writes_beyond_the_bounded_queue_are_429_with_retry_after_and_reads_still_pass(app: TestApp) {
        use std::sync::Arc;
        use tokio::sync::Semaphore;
        use tower::ServiceExt;
        // The production stack around a write handler that waits until the test lets it go.
        let settings = omnihub_server::HttpSettings { max_pending_writes: 2, ..Default::default() };
        let state = omnihub_server::AppState::new(app.app.clone(), settings);
        let gate = Arc::new(Semaphore::new(0));
        let held = gate.clone();
        let routes = axum::Router::new().route(
            "/work",
            axum::routing::post(move || {
                let held = held.clone();
                async move { drop(held.acquire().await); StatusCode::NO_CONTENT }
            })
            .get(|| async { StatusCode::OK }),
        );
        let slots = state.write_slots.clone();
        let router = omnihub_server::middleware::apply(routes, &state).with_state(state);
        let send = |method: &str| {
            let request = axum::http::Request::builder().method(method).uri("/work").body(Body::empty()).unwrap();
            let router = router.clone();
            tokio::spawn(async move { router.oneshot(request).await.unwrap() })
        };
        let first = [send("POST"), send("POST")];
        while slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let shed = send("POST").await.unwrap();
        assert_eq!(shed.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(shed.headers()["retry-after"], "1");
        assert_eq!(shed.headers()["content-type"], "application/problem+json");
        let body = http_body_util::BodyExt::collect(shed.into_body()).await.unwrap().to_bytes();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "overloaded");
        assert_eq!(send("GET").await.unwrap().status(), StatusCode::OK, "reads are never shed");
        gate.add_permits(3);
        for task in first {
            assert_eq!(task.await.unwrap().status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(send("POST").await.unwrap().status(), StatusCode::NO_CONTENT, "slots come back");
    }
}
