//! Instants are stored as integer microseconds since the Unix epoch (UTC) on both backends.

use jiff::Timestamp;

use crate::StoreError;

/// An instant as stored.
pub fn to_db(ts: Timestamp) -> i64 {
    // i64 microseconds span ±292,000 years; jiff's range is narrower, so this never clamps.
    i64::try_from(ts.as_microsecond()).unwrap_or(i64::MAX)
}

/// An instant read back.
pub fn from_db(micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {micros}: {e}")))
}
