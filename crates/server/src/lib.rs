//! Omnihub's HTTP layer: the REST API, its OpenAPI document and viewer, the admin console
//! and the operational endpoints. HTTP only: handlers extract, call one use case and shape
//! the response. [`router`] is the one router both `omnihub serve` and the tests use.

use axum::Router;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use utoipa_swagger_ui::SwaggerUi;

pub mod api;
pub mod assets;
pub mod console;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod state;

pub use state::{AppState, HttpSettings};

use error::ApiError;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The complete application: API, docs, console, assets and the middleware stack.
pub fn router(state: AppState) -> Router {
    let (api, paths) = api::router().split_for_parts();
    let docs = SwaggerUi::new("/api/docs").url(OPENAPI_PATH, openapi::document(paths));
    let app = Router::new()
        .merge(api)
        .merge(docs)
        .nest("/admin", console::router())
        // The shopper's public tracking page (docs/tracking.md).
        .route("/track", get(console::shipments::track_page))
        .route("/assets/{*path}", get(assets::serve))
        .route("/", get(|| async { Redirect::to("/admin") }))
        .fallback(|| async { ApiError::RouteNotFound.into_response() })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed.into_response() });
    middleware::apply(app, &state).with_state(state)
}

/// The OpenAPI document, for tools that want it without a server (`omnihub openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, paths) = api::router().split_for_parts();
    openapi::document(paths)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then stops accepting and
/// lets in-flight requests finish. Connections carry the peer address for the audit log.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
