//! Helpers shared by the console's access-management pages: form bodies with repeated
//! fields (permission checkboxes), inline field errors, fixed notices after a redirect, and
//! turning a use case's refusal into a page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use omnihub_app::{Error, FieldError};

use super::{PageContext, Tr, render};
use crate::error::ApiError;

/// A parsed `application/x-www-form-urlencoded` body.
#[derive(Debug, Default)]
pub struct FormBody(Vec<(String, String)>);

impl FormBody {
    /// Parses a body.
    pub fn parse(bytes: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `key`, or empty.
    pub fn value(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The first value of `key` unless blank.
    pub fn optional(&self, key: &str) -> Option<String> {
        Some(self.value(key)).filter(|v| !v.trim().is_empty())
    }

    /// Every value of `key` (checkboxes).
    pub fn values(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

/// Field errors to show beside their inputs.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// The errors of a validation failure.
    pub fn of(fields: Vec<FieldError>) -> Self {
        Self(fields)
    }

    /// The first message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Every message, for fields that have no input of their own.
    pub fn all(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }
}

/// The notices a page shows after a redirect (`?done=...`): a fixed set, so nothing the
/// client sends is echoed.
pub fn notice(t: &'static Tr, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => t.notice_created,
        "requested" => t.notice_requested,
        "disabled" => t.notice_disabled,
        "enabled" => t.notice_enabled,
        "approved" => t.notice_approved,
        "rejected" => t.notice_rejected,
        _ => return None,
    })
}

/// `?done=` and paging parameters of the management pages.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    /// Which notice to show.
    pub done: Option<String>,
    /// The list cursor.
    pub cursor: Option<String>,
}

/// A 303 to `path`.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageContext,
    title: &'static str,
    message: String,
}

/// The page for a use case's refusal: 404, 403, 409 or 422 with the reason; anything else
/// (the database unavailable, a bug) as the API's problem response.
pub fn app_error(ctx: PageContext, err: Error) -> Response {
    let t = ctx.t;
    let (status, title, message) = match err {
        Error::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            t.not_found_title,
            t.not_found_body.to_owned(),
        ),
        Error::MissingPermission(p) => (
            StatusCode::FORBIDDEN,
            t.forbidden_title,
            format!("{} {p}", t.missing_permission),
        ),
        Error::MfaEnrolmentRequired => (
            StatusCode::FORBIDDEN,
            t.forbidden_title,
            t.mfa_required_notice.to_owned(),
        ),
        Error::Denied { message, .. } => (StatusCode::FORBIDDEN, t.forbidden_title, message),
        Error::Forbidden(why) => (StatusCode::FORBIDDEN, t.forbidden_title, why.to_owned()),
        Error::Conflict { message, .. } => (StatusCode::CONFLICT, t.conflict_title, message),
        Error::Validation(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.conflict_title,
            FieldErrors::of(fields).all().join("; "),
        ),
        other => return ApiError::from(other).into_response(),
    };
    let nonce = ctx.nonce.clone();
    render(
        status,
        &nonce,
        &ErrorPage {
            ctx,
            title,
            message,
        },
    )
}

/// Local time for tables, `YYYY-MM-DD HH:MM` (UTC).
pub fn when(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M").to_string()
}

/// Parses an id from the path; a malformed one is the same "not found" as an unknown one.
pub fn parse_id<T: std::str::FromStr>(raw: &str, entity: &'static str) -> Result<T, Error> {
    raw.parse().map_err(|_| Error::NotFound { entity })
}
