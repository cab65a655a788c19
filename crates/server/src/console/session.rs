//! Console sign-in state: an `HttpOnly` session cookie holding the same kind of opaque
//! token the API uses, and CSRF protection for every state-changing console request.
//!
//! CSRF: the cookie is `SameSite=Strict`, and [`csrf_guard`] requires every state-changing
//! request to also carry a token derived from the session token (`csrf_token` form field or
//! `X-CSRF-Token` header), which a cross-site page cannot read (docs/adr/0008).

use axum::body::Body;
use axum::extract::{FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use omnihub_app::Actor;
use sha2::{Digest, Sha256};

use crate::extract::{MERCHANT_HEADER, request_meta};
use crate::state::AppState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "omnihub_session";
/// The cookie remembering which merchant platform staff act in.
pub const MERCHANT_COOKIE: &str = "omnihub_merchant";
/// The form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header carrying the CSRF token (htmx sends it from `hx-headers`).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token bound to a session token.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("omnihub-csrf:{session_token}").as_bytes());
    hex::encode(&digest[..16])
}

/// A cookie carrying a new session token.
pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build()
}

/// A cookie that removes the session cookie.
pub fn clear_session_cookie() -> Cookie<'static> {
    let mut cookie = session_cookie(String::new());
    cookie.make_removal();
    cookie
}

/// A signed-in console user. Extracting it redirects to the sign-in page when there is no
/// valid session. (CSRF is checked earlier, by [`csrf_guard`].)
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    /// Who is acting.
    pub actor: Actor,
    /// Their profile.
    pub user: omnihub_app::staff::StaffUser,
    /// The session token (for sign-out).
    pub token: String,
    /// The CSRF token to put in forms.
    pub csrf: String,
}

/// Why a console request was refused before reaching its handler.
#[derive(Debug)]
pub enum ConsoleRejection {
    /// Not signed in: go to the sign-in page, then come back.
    SignIn(String),
    /// A state-changing request without a valid CSRF token.
    Csrf,
    /// MFA enrolment is owed first.
    Enrol,
    /// The database is unavailable or something unexpected happened.
    Failed(crate::error::ApiError),
}

impl IntoResponse for ConsoleRejection {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn(next) => {
                Redirect::to(&format!("/admin/login?next={}", urlencode(&next))).into_response()
            }
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "CSRF token missing or wrong; reload the page and try again",
            )
                .into_response(),
            Self::Enrol => Redirect::to("/admin/account").into_response(),
            Self::Failed(err) => err.into_response(),
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ConsoleRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let original = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |u| u.0.clone());
        let next = original
            .path_and_query()
            .map_or("/admin", |p| p.as_str())
            .to_owned();
        let Some(token) = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|t| !t.is_empty())
        else {
            return Err(ConsoleRejection::SignIn(next));
        };
        let chosen = jar
            .get(MERCHANT_COOKIE)
            .and_then(|c| c.value().parse().ok())
            .or_else(|| {
                parts
                    .headers
                    .get(MERCHANT_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
            });
        let (actor, user) =
            match omnihub_app::auth::authenticate(&state.app, &token, chosen, request_meta(parts))
                .await
            {
                Ok(found) => found,
                Err(omnihub_app::Error::Unauthenticated) => {
                    return Err(ConsoleRejection::SignIn(next));
                }
                Err(other) => return Err(ConsoleRejection::Failed(other.into())),
            };
        // The console is for people: an API key or access token in the cookie is no session.
        if actor.person().is_err() {
            return Err(ConsoleRejection::SignIn(next));
        }
        // A role requires MFA and the user has not enrolled: nothing but the account page.
        if actor.mfa_enrolment_required && !original.path().starts_with("/admin/account") {
            return Err(ConsoleRejection::Enrol);
        }
        let csrf = csrf_token(&token);
        Ok(Self {
            actor,
            user,
            token,
            csrf,
        })
    }
}

/// Refuses every state-changing console request that does not carry the session's CSRF
/// token (`X-CSRF-Token` header, as htmx sends it, or a `csrf_token` form field). Sign-in
/// and first-run set-up have no session yet; they must come from our own origin instead.
/// Being middleware, no handler can forget the check.
pub async fn csrf_guard(request: Request, next: Next) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let jar = CookieJar::from_headers(request.headers());
    let session = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty());
    // Nested under /admin, the router sees paths without the prefix; use the original.
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |u| u.0.path().to_owned(),
    );
    let pre_session = ["/admin/login", "/admin/login/mfa", "/admin/setup"].contains(&path.as_str());
    if pre_session {
        return if same_origin(request.headers()) {
            next.run(request).await
        } else {
            ConsoleRejection::Csrf.into_response()
        };
    }
    let Some(session) = session else {
        return ConsoleRejection::SignIn("/admin".into()).into_response();
    };
    let expected = csrf_token(&session);
    if header_carries_csrf(request.headers(), &expected) {
        return next.run(request).await;
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return ConsoleRejection::Csrf.into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let posted = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    if !posted.is_some_and(|p| constant_time_eq(&p, &expected)) {
        return ConsoleRejection::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Largest console form body read by the CSRF check.
const FORM_LIMIT: usize = 256 * 1024;

/// True unless `Origin` (or, failing that, `Referer`) names another site.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match (origin, host) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next() == Some(host))
            .unwrap_or(false),
        (Some(_), None) => false,
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn header_carries_csrf(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| constant_time_eq(v, expected))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
