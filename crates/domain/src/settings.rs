//! Merchant settings: named, JSON-valued switches and thresholds (review levels, approval
//! thresholds, ship-by hours...). Each later module declares the keys it reads.

use std::fmt;

use serde::Serialize;

/// A setting name: dotted lower-case segments, e.g. `catalog.review_levels`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SettingKey(String);

/// Why a setting key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingKeyError {
    /// Not of the form `area.name`.
    #[error(
        "must be dotted lower-case segments of a-z, 0-9 and _, e.g. catalog.review_levels (at most {max} characters)"
    )]
    Malformed {
        /// Maximum length.
        max: usize,
    },
}

impl SettingKey {
    /// Longest key.
    pub const MAX_LEN: usize = 80;

    /// Parses `area.name[.more]`.
    pub fn parse(raw: &str) -> Result<Self, SettingKeyError> {
        let malformed = SettingKeyError::Malformed { max: Self::MAX_LEN };
        if raw.len() > Self::MAX_LEN {
            return Err(malformed);
        }
        let segments: Vec<&str> = raw.split('.').collect();
        let ok = segments.len() >= 2
            && segments.iter().all(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(malformed)
        }
    }
}

impl AsRef<str> for SettingKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_keys_are_dotted_lowercase() {
        assert!(SettingKey::parse("catalog.review_levels").is_ok());
        for bad in ["catalog", "Catalog.x", "a..b", "a.b-c", ".a", ""] {
            assert!(SettingKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
