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
///
/// The accept loop is ours rather than `axum::serve`'s because that one cannot limit how
/// long a client takes to send its headers (docs/adr/0026): here a connection that has not
/// sent a whole request head within [`HttpSettings::header_read_timeout`] is closed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(state.http.header_read_timeout);
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                accept_backoff(&e).await;
                continue;
            }
        };
        // Small responses go out at once instead of waiting for Nagle's timer.
        let _ = stream.set_nodelay(true);
        let service = tower::ServiceExt::map_request(
            app.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req.map(axum::body::Body::new)
            },
        );
        let conn = http1.serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// After a failed accept (most often too many open files), waits a moment so the loop
/// does not spin while connections close; the listener itself stays up.
#[expect(
    clippy::disallowed_methods,
    reason = "socket back-off, not business time: nothing to inject a clock into"
)]
async fn accept_backoff(e: &std::io::Error) {
    tracing::warn!(error = %e, "accepting a connection failed");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
}
