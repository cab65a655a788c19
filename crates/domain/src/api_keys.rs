//! API keys and OAuth access tokens (IAM-5): their text formats, names, scopes and expiry.
//!
//! A key is `ohk_<prefix>_<secret>`: `prefix` is 12 lower-case hex digits, stored in clear
//! and unique, so the key can be found and shown ("ohk_1a2b3c4d5e6f…") without storing the
//! secret; `secret` is 64 hex digits (256 random bits). Only the SHA-256 of the whole key is
//! stored. An OAuth access token is `oht_` and 64 hex digits, stored the same way. The
//! prefixes make leaked credentials recognisable to secret scanners.

use jiff::{SignedDuration, Timestamp};

use crate::access::{Permission, PermissionSet, Scope, UnknownPermission};

crate::typed_id!(
    /// An API key.
    ApiKeyId
);

/// What every API key starts with.
pub const KEY_PREFIX: &str = "ohk_";
/// What every OAuth access token starts with.
pub const ACCESS_TOKEN_PREFIX: &str = "oht_";
/// Length of a key's public prefix, in hex digits.
pub const PREFIX_LEN: usize = 12;
/// Length of a key's or token's secret part, in hex digits.
pub const SECRET_LEN: usize = 64;

/// A key's public prefix (its OAuth `client_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix(String);

impl KeyPrefix {
    /// Parses a prefix: exactly 12 lower-case hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        is_hex(raw, PREFIX_LEN).then(|| Self(raw.to_owned()))
    }

    /// A prefix from 6 random bytes.
    pub fn from_bytes(bytes: [u8; PREFIX_LEN / 2]) -> Self {
        Self(hex(&bytes))
    }
}

impl AsRef<str> for KeyPrefix {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A well-formed API key as presented by a client. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedKey {
    prefix: KeyPrefix,
    full: String,
}

impl std::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PresentedKey({KEY_PREFIX}{}_…)", self.prefix.0)
    }
}

impl PresentedKey {
    /// Parses `ohk_<prefix>_<secret>`; `None` when it is not of that shape.
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix(KEY_PREFIX)?;
        let (prefix, secret) = rest.split_once('_')?;
        let prefix = KeyPrefix::parse(prefix)?;
        is_hex(secret, SECRET_LEN).then(|| Self {
            prefix,
            full: raw.to_owned(),
        })
    }

    /// A key from OAuth client credentials: `client_id` is the prefix and `client_secret`
    /// either the secret part or the whole key (whose prefix must then be `client_id`).
    pub fn from_client_credentials(client_id: &str, client_secret: &str) -> Option<Self> {
        let full = if client_secret.starts_with(KEY_PREFIX) {
            client_secret.to_owned()
        } else {
            format!("{KEY_PREFIX}{client_id}_{client_secret}")
        };
        Self::parse(&full).filter(|k| k.prefix.0 == client_id)
    }

    /// A new key from its random parts.
    pub fn generate(prefix: [u8; PREFIX_LEN / 2], secret: [u8; SECRET_LEN / 2]) -> Self {
        let prefix = KeyPrefix::from_bytes(prefix);
        let full = format!("{KEY_PREFIX}{}_{}", prefix.0, hex(&secret));
        Self { prefix, full }
    }

    /// The public prefix.
    pub fn prefix(&self) -> &KeyPrefix {
        &self.prefix
    }

    /// The whole key, to show once to its creator. Never log or store it.
    pub fn expose(&self) -> &str {
        &self.full
    }
}

/// Whether `token` looks like an access token (`oht_` and 64 hex digits).
pub fn is_access_token(token: &str) -> bool {
    token
        .strip_prefix(ACCESS_TOKEN_PREFIX)
        .is_some_and(|rest| is_hex(rest, SECRET_LEN))
}

/// A new access token from 32 random bytes.
pub fn access_token(secret: [u8; SECRET_LEN / 2]) -> String {
    format!("{ACCESS_TOKEN_PREFIX}{}", hex(&secret))
}

/// A key's name: 1-100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

/// Why a key name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyNameError {
    /// Empty after trimming.
    #[error("a name is required")]
    Empty,
    /// Too long.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Contains control characters.
    #[error("must not contain control characters")]
    Control,
}

impl KeyName {
    /// The longest name.
    pub const MAX_LEN: usize = 100;

    /// Parses a name.
    pub fn parse(raw: &str) -> Result<Self, KeyNameError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(KeyNameError::Empty);
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(KeyNameError::TooLong { max: Self::MAX_LEN });
        }
        if name.chars().any(char::is_control) {
            return Err(KeyNameError::Control);
        }
        Ok(Self(name.to_owned()))
    }
}

impl AsRef<str> for KeyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why a key's scopes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopesError {
    /// No scope was given.
    #[error("at least one scope is required")]
    Empty,
    /// A code is not in the permission catalogue.
    #[error("{0}")]
    Unknown(UnknownPermission),
    /// The creator does not hold these permissions themselves.
    #[error("you do not hold these permissions yourself: {}", .0.join(", "))]
    NotHeld(Vec<&'static str>),
    /// A merchant's key asked for platform permissions.
    #[error("a merchant's key cannot carry platform permissions: {}", .0.join(", "))]
    PlatformScope(Vec<&'static str>),
}

impl ScopesError {
    /// A stable code for field errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "required",
            Self::Unknown(_) => "unknown",
            Self::NotHeld(_) => "not_held",
            Self::PlatformScope(_) => "platform_scope",
        }
    }
}

/// The scopes of a new key: known codes, at least one, all held by the creator, and only
/// merchant permissions on a merchant's key (`for_merchant`).
pub fn key_scopes<'a>(
    codes: impl IntoIterator<Item = &'a str>,
    creator: &PermissionSet,
    for_merchant: bool,
) -> Result<PermissionSet, ScopesError> {
    let scopes = PermissionSet::parse(codes).map_err(ScopesError::Unknown)?;
    if scopes.is_empty() {
        return Err(ScopesError::Empty);
    }
    let platform: Vec<_> = scopes
        .iter()
        .filter(|p| p.scope() == Scope::Platform)
        .map(Permission::code)
        .collect();
    if for_merchant && !platform.is_empty() {
        return Err(ScopesError::PlatformScope(platform));
    }
    let missing: Vec<_> = scopes
        .iter()
        .filter(|p| !creator.contains(*p))
        .map(Permission::code)
        .collect();
    if !missing.is_empty() {
        return Err(ScopesError::NotHeld(missing));
    }
    Ok(scopes)
}

/// Stored form of a set of scopes: codes separated by single spaces (as in OAuth).
pub fn scopes_to_text(scopes: &PermissionSet) -> String {
    scopes.codes().join(" ")
}

/// Reads stored scopes back; codes no longer in the catalogue grant nothing.
pub fn scopes_from_text(text: &str) -> PermissionSet {
    text.split_ascii_whitespace()
        .filter_map(|c| Permission::parse(c).ok())
        .collect()
}

/// Why the scope of a token request was refused (OAuth `invalid_scope`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenScopeError {
    /// A scope is not a permission code.
    #[error("unknown scope {0:?}")]
    Unknown(String),
    /// The key does not carry these scopes.
    #[error("the key does not carry these scopes: {}", .0.join(" "))]
    NotGranted(Vec<&'static str>),
}

/// The scopes of a new access token: the requested ones (space-separated permission codes,
/// RFC 6749 §3.3), which must all be among the key's; all of the key's when none are asked.
pub fn token_scopes(
    requested: Option<&str>,
    key: &PermissionSet,
) -> Result<PermissionSet, TokenScopeError> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(key.clone());
    };
    let mut set = PermissionSet::empty();
    for code in requested.split(' ').filter(|c| !c.is_empty()) {
        let p = Permission::parse(code)
            .map_err(|_| TokenScopeError::Unknown(code.chars().take(64).collect()))?;
        set.extend([p]);
    }
    let missing: Vec<_> = set
        .iter()
        .filter(|p| !key.contains(*p))
        .map(Permission::code)
        .collect();
    if missing.is_empty() {
        Ok(set)
    } else {
        Err(TokenScopeError::NotGranted(missing))
    }
}

/// Why a key's expiry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    /// Both `expires_at` and `expires_in_days` were given.
    #[error("give expires_at or expires_in_days, not both")]
    Both,
    /// `expires_at` is not an RFC 3339 instant.
    #[error("must be an RFC 3339 instant such as 2026-12-31T23:59:59Z")]
    Malformed,
    /// The instant is not in the future.
    #[error("must be in the future")]
    Past,
    /// `expires_in_days` is out of range.
    #[error("must be between 1 and {max} days")]
    Days {
        /// The limit.
        max: i64,
    },
}

/// The longest expiry a key may be given, in days (about ten years).
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// When a new key expires: at `expires_at`, `expires_in_days` after `now`, or never.
pub fn key_expiry(
    expires_at: Option<&str>,
    expires_in_days: Option<i64>,
    now: Timestamp,
) -> Result<Option<Timestamp>, ExpiryError> {
    match (expires_at, expires_in_days) {
        (Some(_), Some(_)) => Err(ExpiryError::Both),
        (Some(at), None) => {
            let at: Timestamp = at.trim().parse().map_err(|_| ExpiryError::Malformed)?;
            if at <= now {
                return Err(ExpiryError::Past);
            }
            if at > now + SignedDuration::from_hours(24 * MAX_EXPIRY_DAYS) {
                return Err(ExpiryError::Days {
                    max: MAX_EXPIRY_DAYS,
                });
            }
            Ok(Some(at))
        }
        (None, Some(days)) => {
            if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
                return Err(ExpiryError::Days {
                    max: MAX_EXPIRY_DAYS,
                });
            }
            Ok(Some(now + SignedDuration::from_hours(24 * days)))
        }
        (None, None) => Ok(None),
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PresentedKey {
        PresentedKey::generate([0xab; 6], [0x01; 32])
    }

    #[test]
    fn keys_round_trip_through_their_text_form() {
        let key = sample();
        assert_eq!(
            key.expose(),
            format!("ohk_abababababab_{}", "01".repeat(32))
        );
        assert_eq!(PresentedKey::parse(key.expose()), Some(key.clone()));
        assert_eq!(key.prefix().as_ref(), "abababababab");
        assert!(
            !format!("{key:?}").contains("0101"),
            "Debug hides the secret"
        );
    }

    #[test]
    fn malformed_keys_are_refused() {
        let good = sample().expose().to_owned();
        for bad in [
            "",
            "ohk_",
            "ohs_abababababab_00",
            &good[..good.len() - 1],
            &good.replace("ohk_abab", "ohk_ABAB"),
            &format!("{good}0"),
            &good.replacen('_', "-", 2),
        ] {
            assert_eq!(PresentedKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn client_credentials_take_the_secret_part_or_the_whole_key() {
        let key = sample();
        let secret = key.expose().rsplit('_').next().unwrap();
        assert_eq!(
            PresentedKey::from_client_credentials("abababababab", secret),
            Some(key.clone())
        );
        assert_eq!(
            PresentedKey::from_client_credentials("abababababab", key.expose()),
            Some(key.clone())
        );
        assert_eq!(
            PresentedKey::from_client_credentials("cdcdcdcdcdcd", key.expose()),
            None,
            "the whole key must match the client id"
        );
        assert_eq!(
            PresentedKey::from_client_credentials("abababababab", "short"),
            None
        );
    }

    #[test]
    fn access_tokens_are_recognised() {
        let token = access_token([7; 32]);
        assert!(is_access_token(&token));
        assert!(!is_access_token("oht_123"));
        assert!(!is_access_token(sample().expose()));
    }

    #[test]
    fn scopes_must_be_known_non_empty_held_and_fit_the_owner() {
        let creator: PermissionSet = [Permission::OrdersRead, Permission::MerchantsManage]
            .into_iter()
            .collect();
        assert_eq!(
            key_scopes(["orders.read"], &creator, true).unwrap().codes(),
            ["orders.read"]
        );
        let err = |codes: &[&str], merchant| key_scopes(codes.iter().copied(), &creator, merchant);
        assert_eq!(err(&[], true), Err(ScopesError::Empty));
        assert_eq!(err(&["orders.nuke"], true).unwrap_err().code(), "unknown");
        assert_eq!(
            err(&["orders.read", "settings.manage"], true),
            Err(ScopesError::NotHeld(vec!["settings.manage"]))
        );
        assert_eq!(
            err(&["merchants.manage"], true),
            Err(ScopesError::PlatformScope(vec!["merchants.manage"]))
        );
        assert!(err(&["merchants.manage"], false).is_ok());
    }

    #[test]
    fn stored_scopes_round_trip_and_forget_unknown_codes() {
        let set: PermissionSet = [Permission::SettingsManage, Permission::OrdersRead]
            .into_iter()
            .collect();
        let text = scopes_to_text(&set);
        assert_eq!(text, "orders.read settings.manage");
        assert_eq!(scopes_from_text(&text), set);
        assert_eq!(
            scopes_from_text("orders.read gone.away").codes(),
            ["orders.read"]
        );
    }

    #[test]
    fn token_scopes_default_to_the_keys_and_must_stay_within_them() {
        let key: PermissionSet = [Permission::OrdersRead, Permission::CatalogRead]
            .into_iter()
            .collect();
        assert_eq!(token_scopes(None, &key), Ok(key.clone()));
        assert_eq!(token_scopes(Some("  "), &key), Ok(key.clone()));
        assert_eq!(
            token_scopes(Some("orders.read"), &key).unwrap().codes(),
            ["orders.read"]
        );
        assert_eq!(
            token_scopes(Some("orders.read settings.manage"), &key),
            Err(TokenScopeError::NotGranted(vec!["settings.manage"]))
        );
        assert_eq!(
            token_scopes(Some("orders.read ORDERS.READ"), &key),
            Err(TokenScopeError::Unknown("ORDERS.READ".into()))
        );
    }

    #[test]
    fn expiry_is_an_instant_in_the_future_or_a_number_of_days() {
        let now: Timestamp = "2026-01-15T08:00:00Z".parse().unwrap();
        assert_eq!(key_expiry(None, None, now), Ok(None));
        assert_eq!(
            key_expiry(None, Some(30), now),
            Ok(Some("2026-02-14T08:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            key_expiry(Some("2026-03-01T00:00:00+08:00"), None, now),
            Ok(Some("2026-02-28T16:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            key_expiry(Some("2026-01-01T00:00:00Z"), None, now),
            Err(ExpiryError::Past)
        );
        assert_eq!(
            key_expiry(Some("tomorrow"), None, now),
            Err(ExpiryError::Malformed)
        );
        assert_eq!(
            key_expiry(Some("2027-01-01T00:00:00Z"), Some(3), now),
            Err(ExpiryError::Both)
        );
        assert!(key_expiry(None, Some(0), now).is_err());
        assert!(key_expiry(None, Some(MAX_EXPIRY_DAYS + 1), now).is_err());
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
