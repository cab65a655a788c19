//! The one place where errors become HTTP responses: RFC 9457 problem details
//! (`application/problem+json`) with a stable `type`, a `code`, a human `detail` and, for
//! validation, field errors. Unexpected errors become an opaque 500, logged once here with
//! their cause chain; their text never reaches the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnihub_app::Error as AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A stable machine-readable code (the last segment of `type`).
    pub code: String,
    /// The request id, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProblemField {
    /// The field as the client named it (a JSON path for nested fields).
    pub field: String,
    /// A stable code (`invalid`, `taken`, `required`...).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// Everything an HTTP request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case refused or failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// The body was not syntactically valid JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The JSON was valid but did not fit the expected shape (wrong type, missing field).
    #[error("invalid body at {field}: {message}")]
    InvalidBody {
        /// Path of the offending field (`.` when the whole body).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A query parameter or path segment could not be parsed.
    #[error("invalid {place}: {message}")]
    InvalidParameter {
        /// `query` or `path`.
        place: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The `Idempotency-Key` header is not 1 to 255 printable ASCII characters.
    #[error("invalid Idempotency-Key header")]
    InvalidIdempotencyKey,
    /// The body's media type is not accepted here.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body is larger than the configured limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// No route matches the path.
    #[error("no such resource")]
    RouteNotFound,
    /// The route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took longer than the configured timeout.
    #[error("request timed out")]
    Timeout,
    /// More write requests are in the server than it admits at once (the bounded write
    /// queue, ADR 0025): refused before any work, with `Retry-After`.
    #[error("overloaded")]
    Overloaded,
    /// Any other status produced below the router (kept as is, given a problem body).
    #[error("{0}")]
    Status(StatusCode),
    /// A bulk import wrote nothing because of the listed row errors (fields named
    /// `line[<n>].<column>`).
    #[error("import rejected: {} problems", .0.len())]
    ImportRejected(Vec<ProblemField>),
    /// A channel webhook whose signature is missing or was not made with the channel's
    /// secret over this body (`signature-malformed`, `signature-mismatch`): nothing is
    /// stored.
    #[error("webhook signature refused: {0}")]
    WebhookSignature(&'static str),
}

impl ApiError {
    /// Status, stable code, title and (safe) detail of this error.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        use StatusCode as S;
        match self {
            Self::App(err) => app_parts(err),
            Self::MalformedJson(m) => (
                S::BAD_REQUEST,
                "malformed-json",
                "Malformed JSON",
                Some(m.clone()),
            ),
            Self::InvalidBody { .. } => (
                S::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "Invalid request body",
                Some(self.to_string()),
            ),
            Self::InvalidParameter { .. } => (
                S::BAD_REQUEST,
                "invalid-parameter",
                "Invalid parameter",
                Some(self.to_string()),
            ),
            Self::InvalidIdempotencyKey => (
                S::BAD_REQUEST,
                "idempotency-key-invalid",
                "Invalid Idempotency-Key",
                Some("send 1 to 255 printable ASCII characters".into()),
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                Some("send the body as application/json".into()),
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
                Some("the request body exceeds the server's limit".into()),
            ),
            Self::RouteNotFound => (
                S::NOT_FOUND,
                "route-not-found",
                "Not found",
                Some("no resource at this path; see /api/v1/openapi.json".into()),
            ),
            Self::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                None,
            ),
            Self::Timeout => (
                S::REQUEST_TIMEOUT,
                "timeout",
                "Request timed out",
                Some("the request took too long and was abandoned".into()),
            ),
            Self::Overloaded => (
                S::TOO_MANY_REQUESTS,
                "overloaded",
                "Too many requests in flight",
                Some("the server is at its limit of write requests in flight; retry after the Retry-After seconds".into()),
            ),
            Self::Status(s) => status_parts(*s),
            Self::WebhookSignature(code) => (
                S::UNAUTHORIZED,
                code,
                "Webhook signature refused",
                Some("the signature header does not match this channel's secret and the raw body; nothing was stored".into()),
            ),
            Self::ImportRejected(errors) => (
                S::UNPROCESSABLE_ENTITY,
                "import-rejected",
                "Import rejected",
                Some(format!(
                    "nothing was imported: {} problems in the file",
                    errors.len()
                )),
            ),
        }
    }

    fn field_errors(&self) -> Vec<ProblemField> {
        match self {
            Self::App(AppError::Validation(fields)) => fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    code: f.code.to_owned(),
                    message: f.message.clone(),
                })
                .collect(),
            Self::InvalidBody { field, message } => vec![ProblemField {
                field: field.clone(),
                code: "invalid".into(),
                message: message.clone(),
            }],
            Self::ImportRejected(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        Problem {
            type_: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            request_id: None,
            errors: self.field_errors(),
        }
    }
}

fn app_parts(err: &AppError) -> (StatusCode, &'static str, &'static str, Option<String>) {
    use StatusCode as S;
    match err {
        AppError::Validation(_) => (
            S::UNPROCESSABLE_ENTITY,
            "validation",
            "Validation failed",
            Some("one or more fields are invalid".into()),
        ),
        AppError::NotFound { entity } => (
            S::NOT_FOUND,
            "not-found",
            "Not found",
            Some(format!("{entity} not found")),
        ),
        AppError::Conflict { code, message } => {
            (S::CONFLICT, code, "Conflict", Some(message.clone()))
        }
        AppError::Unauthenticated => (
            S::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            Some("sign in, or send a valid bearer token".into()),
        ),
        AppError::Forbidden(why) => (
            S::FORBIDDEN,
            "forbidden",
            "Forbidden",
            Some((*why).to_owned()),
        ),
        AppError::Unavailable(_) => (
            S::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            Some("the database is busy or unreachable; retry shortly".into()),
        ),
        AppError::Denied { code, message } => {
            (S::FORBIDDEN, code, "Forbidden", Some(message.clone()))
        }
        AppError::Unprocessable { code, message } => (
            S::UNPROCESSABLE_ENTITY,
            code,
            "Unprocessable request",
            Some(message.clone()),
        ),
        AppError::MissingPermission(p) => (S::FORBIDDEN, "missing-permission", "Forbidden", Some(format!("this needs the {p} permission"))),
        AppError::MfaEnrolmentRequired => (S::FORBIDDEN, "mfa-enrolment-required", "MFA enrolment required", Some("a role of yours requires multi-factor authentication: enrol at /api/v1/auth/mfa first".into())),
        AppError::TooManyAttempts { retry_after_secs } => (S::TOO_MANY_REQUESTS, "too-many-attempts", "Too many attempts", Some(format!("try again in {retry_after_secs} seconds"))),
        AppError::Internal(_) => status_parts(S::INTERNAL_SERVER_ERROR),
    }
}

fn status_parts(status: StatusCode) -> (StatusCode, &'static str, &'static str, Option<String>) {
    let code = match status.as_u16() {
        400 => "bad-request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not-found",
        408 => "timeout",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        429 => "too-many-requests",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "http-error",
    };
    (
        status,
        code,
        status.canonical_reason().unwrap_or("Error"),
        None,
    )
}

/// Renders a problem document with the problem media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(problem)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::App(AppError::Internal(cause)) => {
                tracing::error!(error.cause_chain = ?cause, "unexpected error");
            }
            Self::App(AppError::Unavailable(cause)) => {
                tracing::warn!(error.cause_chain = ?cause, "database unavailable");
            }
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        match &self {
            Self::App(AppError::Unauthenticated) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::App(AppError::TooManyAttempts { retry_after_secs }) => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            // Both pass soon: a client should come back in a second, not hammer.
            Self::Overloaded | Self::App(AppError::Unavailable(_)) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

/// Handler result type.
pub type ApiResult<T> = Result<T, ApiError>;
