//! Typed ids. Each entity has its own id type so a `SkuId` can never be passed where an
//! `OrderId` is expected. All are UUIDv7 (time-ordered), made by the injected
//! [`crate::clock::IdGenerator`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares a typed id newtype over [`Uuid`].
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// Wraps a raw uuid read from storage or made by the id generator.
            pub const fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }
            /// The raw uuid, for storage.
            pub const fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ids::IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self).map_err(|_| $crate::ids::IdParseError)
            }
        }
    };
}

/// The text was not a valid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id (expected a UUID)")]
pub struct IdParseError;

typed_id!(
    /// A merchant (tenant). Every business record belongs to exactly one.
    MerchantId
);
typed_id!(
    /// A staff user (platform or merchant staff).
    UserId
);

/// A request id, carried in logs and problem responses so support can find a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(String);

impl RequestId {
    /// The longest request id accepted from a client; longer ones are replaced.
    pub const MAX_LEN: usize = 128;

    /// Accepts a client-supplied id if it is short and printable.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(raw.to_owned()))
    }

    /// A request id made from a fresh uuid.
    pub fn from_uuid(id: Uuid) -> Self {
        Self(id.simple().to_string())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RequestId {
    type Err = IdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or(IdParseError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_ids_round_trip_through_text() {
        let raw = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
        let id = MerchantId::from_uuid(raw);
        assert_eq!(id.to_string().parse::<MerchantId>().unwrap(), id);
        assert!("not-a-uuid".parse::<MerchantId>().is_err());
    }

    #[test]
    fn request_ids_from_clients_must_be_short_and_printable() {
        assert!(RequestId::parse("abc-123").is_some());
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("has space").is_none());
        assert!(RequestId::parse(&"x".repeat(129)).is_none());
    }
}
