//! Request extractors whose failures are problem responses: JSON bodies, query strings and
//! path parameters, the caller's identity, and the client's address and user agent.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use omnihub_app::{Actor, RequestMeta};
use omnihub_domain::ids::RequestId;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body parsed into `T`. Refuses a wrong media type (415), an over-long body (413),
/// invalid JSON (400) and JSON of the wrong shape (422, naming the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(Self)
    }
}

/// [`ApiJson`] that also keeps the raw body, which an `Idempotency-Key` request hashes.
#[derive(Debug, Clone, Default)]
pub struct ApiJsonRaw<T>(pub T, pub Bytes);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonRaw<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(|body| Self(body, bytes))
    }
}

/// The body of a request that says it is JSON (415 otherwise).
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        })
        .unwrap_or(false);
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    Bytes::from_request(req, state).await.map_err(body_error)
}

/// Parses JSON, telling syntax errors (400) from shape errors (422 with the field's path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first (cheap: nothing is allocated), so `{} trailing` is reported as malformed
    // rather than as a missing field.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    // Every body is a JSON object, but serde would read `[…]` into a struct field by field.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::InvalidBody {
            field: ".".to_owned(),
            message: "the body must be a JSON object, not an array".to_owned(),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            ApiError::InvalidBody {
                field: path,
                message: inner.to_string(),
            }
        } else {
            ApiError::MalformedJson(inner.to_string())
        }
    })
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::Status(rejection.status())
    }
}

/// Query parameters parsed into `T`; a 400 problem when they do not fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e: QueryRejection| ApiError::InvalidParameter {
                place: "query",
                message: e.body_text(),
            })
    }
}

/// Path parameters parsed into `T`; a 400 problem when they do not fit (e.g. a bad id).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Self(v))
            .map_err(|e: PathRejection| ApiError::InvalidParameter {
                place: "path",
                message: e.body_text(),
            })
    }
}

/// Header with which platform staff choose the merchant a request acts in.
pub const MERCHANT_HEADER: &str = "x-omnihub-merchant";

/// The signed-in caller, from `Authorization: Bearer <token>`: the one request context
/// (who, which merchant, which permissions, from where) every protected handler takes.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Who is acting, with their permissions and request metadata.
    pub actor: Actor,
    /// The user's profile (the key's creator for API keys).
    pub user: omnihub_app::staff::StaffUser,
    /// The bearer token (to end the session on logout).
    pub token: String,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(omnihub_app::Error::Unauthenticated)?;
        let chosen = match parts.headers.get(MERCHANT_HEADER) {
            None => None,
            Some(v) => Some(v.to_str().ok().and_then(|v| v.parse().ok()).ok_or(
                ApiError::InvalidParameter {
                    place: "header",
                    message: format!("{MERCHANT_HEADER} must be a merchant id"),
                },
            )?),
        };
        let meta = request_meta(parts);
        let (actor, user) =
            omnihub_app::auth::authenticate(&state.app, &token, chosen, meta).await?;
        Ok(Self { actor, user, token })
    }
}

/// The bearer token of a request, if any.
pub fn bearer_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Client address, user agent and request id of a request.
pub fn request_meta(parts: &Parts) -> RequestMeta {
    let client_address = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect());
    let request_id = parts.extensions.get::<RequestId>().map(ToString::to_string);
    RequestMeta {
        client_address,
        user_agent,
        request_id,
    }
}

/// The client's address, user agent and request id, for unauthenticated endpoints.
#[derive(Debug, Clone, Default)]
pub struct Client(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(request_meta(parts)))
    }
}

/// The `Idempotency-Key` header, if sent (docs/adr/0016); 400 `idempotency-key-invalid`
/// unless it is 1 to 255 printable ASCII characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = raw
            .to_str()
            .ok()
            .filter(|k| omnihub_app::idempotency::valid_key(k))
            .ok_or(ApiError::InvalidIdempotencyKey)?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// Whether the request says its body is CSV (`text/csv`, any parameters).
pub fn is_csv(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
}
