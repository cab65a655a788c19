//! The app layer's one error type. The server maps it to problem responses in exactly one
//! place (`server::error`); the CLI prints it.

use omnihub_store::StoreError;

/// A validation failure of one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the client sent it (`code`, `lines[2].quantity`).
    pub field: String,
    /// A stable machine-readable code (`too_long`, `taken`, `invalid`).
    pub code: &'static str,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error from any error type with a message.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.to_string(),
        }
    }
}

/// Why a use case did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input broke one or more rules; nothing was changed.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The thing asked for does not exist or is not visible to the caller.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`merchant`).
        entity: &'static str,
    },
    /// The request conflicts with the current state (a taken key, an illegal transition).
    #[error("{message}")]
    Conflict {
        /// A stable kebab-case code (`merchant-suspended`); it becomes `/problems/<code>`.
        code: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// The caller is not signed in.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is signed in but may not do this.
    #[error("not permitted: {0}")]
    Forbidden(&'static str),
    /// The caller may not do this, for a reason with its own stable code (`self-approval`,
    /// `self-disable`): 403, with the code as the problem type.
    #[error("{message}")]
    Denied {
        /// A stable kebab-case code; it becomes `/problems/<code>`.
        code: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// The request is well-formed but cannot be processed as sent, for a reason with its own
    /// stable code (`idempotency-key-reused`): 422, with the code as the problem type.
    #[error("{message}")]
    Unprocessable {
        /// A stable kebab-case code; it becomes `/problems/<code>`.
        code: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// The caller lacks a permission.
    #[error("missing permission {0}")]
    MissingPermission(omnihub_domain::access::Permission),
    /// A role of the caller requires MFA and they have not enrolled yet.
    #[error("MFA enrolment required")]
    MfaEnrolmentRequired,
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// The database could not be reached in time; the request may be retried.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
    /// Something unexpected: a bug or a broken environment. Details are logged, never sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Wraps an unexpected error.
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    /// A one-field validation error.
    pub fn invalid(field: &str, code: &'static str, message: impl ToString) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }
}

impl From<StoreError> for Error {
    /// Store errors the use case did not handle itself: availability problems stay
    /// retryable, a missing row is "not found", the rest is internal.
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) | StoreError::Busy(_) => Self::Unavailable(err),
            StoreError::NotFound => Self::NotFound { entity: "record" },
            other => Self::internal(other),
        }
    }
}

/// Shorthand for use case results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Collects field errors so a request hears about every broken rule at once, not one per
/// round trip.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// Keeps the parsed value, or records the field's error and returns `None`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        code: &'static str,
        parsed: std::result::Result<T, E>,
    ) -> Option<T> {
        parsed
            .map_err(|e| self.errors.push(FieldError::new(field, code, e)))
            .ok()
    }

    /// `Err(Validation)` with everything recorded, or `Ok` if nothing was.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }
}
