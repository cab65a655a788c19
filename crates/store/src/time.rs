//! Instants are stored as integer microseconds since the Unix epoch (UTC) on both backends.

use jiff::Timestamp;

use crate::StoreError;

/// An instant as stored.
pub fn to_db(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

/// An instant read back.
pub fn from_db(micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {micros}: {e}")))
}
