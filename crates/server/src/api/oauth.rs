//! `POST /api/v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for
//! API keys. Errors here follow RFC 6749 §5.2 (`{"error", "error_description"}` as
//! `application/json`), not RFC 9457: OAuth clients expect that format, and the
//! `problem_bodies` middleware leaves JSON bodies alone. Only the app's own failures
//! (database unavailable, internal errors) are problem documents.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use omnihub_app::oauth::{self, AuthorizationHeader, ClientAuthMethod, OAuthError, TokenRequest};
use serde::{Deserialize, Serialize};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::extract::Client;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(token))
}

/// The token request form (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// Space-separated permission codes, all among the key's scopes; default: all of them.
    pub scope: Option<String>,
    /// The key's prefix (the part after `ohk_`), when not using HTTP Basic.
    pub client_id: Option<String>,
    /// The key's secret part (after the second `_`) or the whole `ohk_…` key, when not
    /// using HTTP Basic.
    pub client_secret: Option<String>,
}

/// An access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// `oht_…`: send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime in seconds (3600).
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// An OAuth error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, or `temporarily_unavailable` when
    /// throttled.
    pub error: &'static str,
    /// What went wrong.
    pub error_description: String,
}

/// Issues an access token for an API key (OAuth 2.0 client-credentials grant, RFC 6749
/// §4.4). Authenticate the client with HTTP Basic (`client_id` = the key's prefix,
/// `client_secret` = its secret part or the whole key) or with the `client_id` and
/// `client_secret` form fields, not both. Tokens last an hour and act like the key,
/// narrowed to the granted scopes. Failed client authentication counts against the
/// sign-in throttle.
#[utoipa::path(post, path = "/api/v1/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, body = TokenResponse, headers(("Cache-Control" = String, description = "no-store"), ("Pragma" = String, description = "no-cache"))),
        (status = 400, description = "invalid_request, invalid_client (form credentials), invalid_grant, unauthorized_client, unsupported_grant_type or invalid_scope", body = OAuthErrorBody),
        (status = 401, description = "invalid_client with HTTP Basic or no client authentication", body = OAuthErrorBody, headers(("WWW-Authenticate" = String, description = "Basic realm=\"omnihub\""))),
        (status = 429, description = "Too many failed attempts", body = OAuthErrorBody, headers(("Retry-After" = String))),
        (status = 503, body = Problem, content_type = "application/problem+json")
    )
)]
async fn token(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = TokenRequest {
        params: form_params(&headers, &body),
        authorization: authorization(&headers),
    };
    match oauth::token(&state.app, request, &client).await {
        Ok(issued) => {
            let body = TokenResponse {
                access_token: issued.access_token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
                scope: issued.scope,
            };
            no_store((StatusCode::OK, Json(body)).into_response())
        }
        Err(err) => error_response(err),
    }
}

/// The decoded form pairs, if the body is a form.
fn form_params(headers: &HeaderMap, body: &[u8]) -> Option<Vec<(String, String)>> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    is_form.then(|| url::form_urlencoded::parse(body).into_owned().collect())
}

/// The client credentials of an `Authorization: Basic` header: base64 of
/// `form-encoded(client_id):form-encoded(client_secret)` (RFC 6749 §2.3.1).
fn authorization(headers: &HeaderMap) -> AuthorizationHeader {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return AuthorizationHeader::Absent;
    };
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return AuthorizationHeader::Unusable;
    };
    AuthorizationHeader::Basic {
        client_id: form_decode(id),
        client_secret: form_decode(secret),
    }
}

fn form_decode(s: &str) -> String {
    let escaped = s.replace('&', "%26");
    url::form_urlencoded::parse(format!("v={escaped}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The RFC 6749 §5.2 response for a failed request.
fn error_response(err: OAuthError) -> Response {
    let err = match err {
        OAuthError::App(app) => return ApiError::App(app).into_response(),
        other => other,
    };
    let (status, challenge) = match &err {
        OAuthError::InvalidClient {
            method: ClientAuthMethod::Header | ClientAuthMethod::None,
            ..
        } => (StatusCode::UNAUTHORIZED, true),
        OAuthError::TooManyAttempts { .. } => (StatusCode::TOO_MANY_REQUESTS, false),
        _ => (StatusCode::BAD_REQUEST, false),
    };
    let body = OAuthErrorBody {
        error: err.code(),
        error_description: description(&err.to_string()),
    };
    let mut response = no_store((status, Json(body)).into_response());
    if challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"omnihub\""),
        );
    }
    if let OAuthError::TooManyAttempts { retry_after_secs } = err
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// An `error_description` within the characters RFC 6749 §5.2 allows (printable ASCII
/// without `"` and `\`): descriptions may echo what the client sent.
fn description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Token responses must not be cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Adds the `client_basic` security scheme (HTTP Basic with a key's prefix and secret)
/// used by the token endpoint.
pub(crate) struct ClientBasicAuth;

impl Modify for ClientBasicAuth {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "OAuth client authentication: the API key's prefix as user name and its secret part (or the whole key) as password",
                    ))
                    .build(),
            ),
        );
    }
}
