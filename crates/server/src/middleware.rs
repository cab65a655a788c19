//! The middleware stack every request passes through, outermost first:
//! request id + span + access log + metrics ([`observe`]), gzip compression, security
//! headers, problem bodies for bare error statuses ([`problem_bodies`]), panic catching,
//! the request timeout and the body size limit.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use omnihub_domain::ids::RequestId;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use crate::error::{ApiError, PROBLEM_JSON, Problem, problem_response};
use crate::state::AppState;

/// The request id header, read from clients and echoed on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The matched route template (`/api/v1/merchants/{id}`), passed from the router to
/// [`observe`] so metrics are labelled by route, never by raw path (unbounded cardinality).
#[derive(Debug, Clone)]
struct RouteLabel(String);

/// Wraps the application router in the standard stack.
pub fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let limit = state.http.body_limit;
    router
        .route_layer(from_fn(label_route))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.http.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(state.clone(), shed_writes))
        .layer(from_fn(problem_bodies))
        .layer(from_fn(security_headers))
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), observe))
}

/// The bounded write queue: a write request that finds every slot taken is answered 429
/// `overloaded` with `Retry-After: 1` at once, so under a rush the queue in front of the
/// database stays short (short waits for those admitted) instead of growing until the
/// request timeout. Reads are never shed: they do not queue on the writer.
async fn shed_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = !matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if !write {
        return next.run(request).await;
    }
    match state.write_slots.clone().try_acquire_owned() {
        Ok(_slot) => next.run(request).await,
        Err(_) => crate::error::ApiError::Overloaded.into_response(),
    }
}

async fn label_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// Gives every request an id (the client's `X-Request-Id` if sane, else a new one), runs it
/// inside a tracing span carrying that id, logs its completion and records its metrics.
async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_else(|| RequestId::from_uuid(uuid::Uuid::new_v4()));
    request.extensions_mut().insert(request_id.clone());
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, path = %request.uri().path());
    #[allow(clippy::disallowed_methods)] // latency is measured, not business time
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or("unmatched", |r| r.0.as_str())
        .to_owned();
    let status = response.status().as_u16();
    state
        .metrics
        .record_request(method.as_str(), &route, status, elapsed);
    span.in_scope(|| log_completion(status, &route, elapsed));
    if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

fn log_completion(status: u16, route: &str, elapsed: Duration) {
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(status, route, latency_ms, "request failed");
    } else {
        tracing::info!(status, route, latency_ms, "request finished");
    }
}

/// Makes every error response a problem document: bare statuses from the framework or
/// tower layers (405, 408, 413...) get a body, and problem bodies get the request id.
async fn problem_bodies(request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().cloned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // Console pages (HTML) and deliberate JSON answers such as /readyz's 503 report keep
    // their bodies; bare statuses (no type, or plain text from a tower layer) get a problem.
    let bare = content_type.is_empty() || content_type.starts_with("text/plain");
    if !bare && !content_type.starts_with(PROBLEM_JSON) {
        return response;
    }
    let extensions = response.extensions().clone();
    let headers = response.headers().clone();
    let mut problem = if content_type.starts_with(PROBLEM_JSON) {
        let (parts, body) = response.into_parts();
        match body
            .collect()
            .await
            .map(|b| serde_json::from_slice::<Problem>(&b.to_bytes()))
        {
            Ok(Ok(problem)) => problem,
            _ => return Response::from_parts(parts, Body::empty()),
        }
    } else {
        bare_status_error(status).problem()
    };
    problem.request_id = request_id.map(|id| id.to_string());
    let mut rebuilt = problem_response(&problem);
    *rebuilt.extensions_mut() = extensions;
    for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(value) = headers.get(&name) {
            rebuilt.headers_mut().insert(name, value.clone());
        }
    }
    rebuilt
}

fn bare_status_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ApiError::Timeout,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        other => ApiError::Status(other),
    }
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Status(StatusCode::INTERNAL_SERVER_ERROR).into_response()
}

/// Conservative security headers on every response, unless a handler set its own (the
/// console sets a stricter Content-Security-Policy with a per-page nonce).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults: [(HeaderName, &'static str); 6] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}
