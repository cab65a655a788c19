//! The store's one error type. Callers never see `sqlx::Error`: violations are mapped here to
//! the key they broke, so the app layer can turn them into field errors.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist (for this merchant).
    #[error("not found")]
    NotFound,
    /// A unique key was already taken; `key` names it (e.g. `merchants.code`).
    #[error("unique key {key} already taken")]
    Conflict {
        /// The key the statement could violate.
        key: &'static str,
    },
    /// A referenced row does not exist or a referencing row prevents the change.
    #[error("reference violated: {key}")]
    Reference {
        /// The reference the statement could violate.
        key: &'static str,
    },
    /// The database could not be reached or no connection was free in time.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database refused the change because of a concurrent one; safe to retry.
    #[error("database busy, retry")]
    Busy(#[source] sqlx::Error),
    /// A migration failed or the schema is not what this binary expects.
    #[error("migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// Stored data could not be read back into a value (corrupt or hand-edited row).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else: a bug or an unexpected database state.
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

impl StoreError {
    /// Classifies a driver error. `key` names the unique or foreign key the statement can
    /// violate: sqlx-sqlite reports no constraint names, so the statement's author says it.
    pub fn from_sqlx(err: sqlx::Error, key: &'static str) -> Self {
        use sqlx::error::ErrorKind;
        match err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(err)
            }
            sqlx::Error::Database(ref db) => match db.kind() {
                ErrorKind::UniqueViolation => Self::Conflict { key },
                ErrorKind::ForeignKeyViolation => Self::Reference { key },
                _ if is_busy(db.code().as_deref()) => Self::Busy(err),
                _ if is_out_of_service(db.code().as_deref()) => Self::Unavailable(err),
                _ => Self::Other(err),
            },
            other => Self::Other(other),
        }
    }
}

/// SQLite BUSY/LOCKED (5, 6 and their extended codes) and PostgreSQL serialization
/// failure / deadlock (40001, 40P01) all mean "a concurrent writer won; retry".
fn is_busy(code: Option<&str>) -> bool {
    match code {
        Some("40001" | "40P01") => true,
        Some(code) => code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)),
        None => false,
    }
}

/// The database cannot take writes right now but nothing is wrong with the request: a full
/// disk (SQLite 13 SQLITE_FULL, PostgreSQL 53100 disk_full, 53200 out_of_memory), or a
/// server shutting down, restarting or unreachable (57P01-57P03, class 08). The client
/// gets 503 and may retry; nothing was written.
fn is_out_of_service(code: Option<&str>) -> bool {
    match code {
        Some("53100" | "53200" | "57P01" | "57P02" | "57P03") => true,
        Some(code) if code.starts_with("08") => true,
        Some(code) => code.parse::<i32>().is_ok_and(|c| c & 0xff == 13),
        None => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        Self::from_sqlx(err, "unknown")
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::Migration(err)
    }
}

#[cfg(test)]
mod tests {
    use super::{is_busy, is_out_of_service};

    #[test]
    fn a_full_disk_or_a_stopping_server_is_out_of_service_not_busy() {
        for code in ["13", "5133", "53100", "57P01", "57P03", "08006"] {
            assert!(is_out_of_service(Some(code)), "{code}");
        }
        for code in ["5", "40001", "23505", "19", "2067", "42P01"] {
            assert!(!is_out_of_service(Some(code)), "{code}");
        }
        assert!(!is_out_of_service(None));
        assert!(is_busy(Some("517")) && !is_busy(Some("13")));
    }
}
