//! How an API route applies an `Idempotency-Key` (docs/adr/0016): the request is identified
//! by the key, the route template and the raw body's hash; the response is serialised once,
//! stored with the effect, and a replay answers with the stored status and bytes plus
//! `Idempotent-Replayed: true`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnihub_app::Error as AppError;
use omnihub_app::idempotency::{IdempotentRequest, Outcome, StoredResponse};
use serde::Serialize;

use crate::error::ApiError;

/// The header a replayed response carries.
pub const REPLAYED: &str = "idempotent-replayed";

/// The idempotent request for a key sent to `route` (`POST /api/v1/...`), if one was.
pub fn request(
    key: Option<&str>,
    route: &str,
    body: &[u8],
) -> Result<Option<IdempotentRequest>, ApiError> {
    Ok(key
        .map(|k| IdempotentRequest::new(k, route, body))
        .transpose()?)
}

/// Serialises a JSON response body exactly as it is sent (and replayed).
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<StoredResponse, AppError> {
    Ok(StoredResponse {
        status: status.as_u16(),
        body: serde_json::to_string(body).map_err(AppError::internal)?,
    })
}

/// The HTTP response of a fresh or replayed outcome.
pub fn respond(outcome: Outcome) -> Response {
    let (stored, replayed) = match outcome {
        Outcome::Fresh(s) => (s, false),
        Outcome::Replayed(s) => (s, true),
    };
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        stored.body,
    )
        .into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
