//! Static assets (vendored htmx and ECharts, the console's CSS and JS), embedded in the
//! binary and served under `/assets` with long-lived caching (file names are versioned by
//! the `?v=` query the templates add).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Assets;

/// Serves one embedded asset.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = file.metadata.mimetype();
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!(
        "\"{}\"",
        hex::encode(&file.metadata.sha256_hash()[..8])
    )) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// A short content hash of an asset, for cache-busting URLs in templates.
pub fn version(path: &str) -> String {
    Assets::get(path).map_or_else(String::new, |f| hex::encode(&f.metadata.sha256_hash()[..6]))
}
