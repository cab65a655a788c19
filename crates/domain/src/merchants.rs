//! Merchants (tenants): the values a merchant is created with.
//!
//! Every business record in Omnihub belongs to exactly one merchant; the merchant's time
//! zone decides which local date a sale is reported under, and its currency is the default
//! for new channels and prices.

use std::fmt;

use serde::Serialize;

/// A short, URL-safe handle for a merchant (`acme-shoes`), unique on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MerchantCode(String);

/// A merchant's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MerchantName(String);

/// An IANA time zone the merchant reports in (`Asia/Shanghai`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MerchantTimeZone(String);

/// An ISO 4217 currency code that Omnihub knows the minor units of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Currency(&'static str);

/// Why a merchant value was refused. Each variant names the rule broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantError {
    /// Code shorter or longer than allowed.
    #[error("must be {min} to {max} characters long")]
    CodeLength {
        /// Minimum length.
        min: usize,
        /// Maximum length.
        max: usize,
    },
    /// Code with characters other than a-z, 0-9 and inner hyphens.
    #[error("may contain only lower-case letters a-z, digits and inner hyphens")]
    CodeCharacters,
    /// Empty or over-long name.
    #[error("must be 1 to {max} characters long")]
    NameLength {
        /// Maximum length.
        max: usize,
    },
    /// Not an IANA time zone name.
    #[error("unknown time zone (expected an IANA name such as Asia/Shanghai)")]
    UnknownTimeZone,
    /// Not a supported ISO 4217 code.
    #[error("unknown or unsupported currency (expected an ISO 4217 code such as CNY)")]
    UnknownCurrency,
}

impl MerchantCode {
    /// Shortest code.
    pub const MIN_LEN: usize = 2;
    /// Longest code.
    pub const MAX_LEN: usize = 40;

    /// Parses a code: 2-40 characters of a-z, 0-9 and hyphens, not starting or ending with one.
    pub fn parse(raw: &str) -> Result<Self, MerchantError> {
        let value = raw.trim();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&value.len()) {
            return Err(MerchantError::CodeLength {
                min: Self::MIN_LEN,
                max: Self::MAX_LEN,
            });
        }
        let allowed = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || value.starts_with('-') || value.ends_with('-') {
            return Err(MerchantError::CodeCharacters);
        }
        Ok(Self(value.to_owned()))
    }
}

impl MerchantName {
    /// Longest name, in characters.
    pub const MAX_LEN: usize = 120;

    /// Parses a display name (trimmed, 1-120 characters, any script).
    pub fn parse(raw: &str) -> Result<Self, MerchantError> {
        let value = raw.trim();
        let len = value.chars().count();
        if len == 0 || len > Self::MAX_LEN || value.chars().any(char::is_control) {
            return Err(MerchantError::NameLength { max: Self::MAX_LEN });
        }
        Ok(Self(value.to_owned()))
    }
}

impl MerchantTimeZone {
    /// Accepts an IANA zone name known to the bundled time zone database.
    pub fn parse(raw: &str) -> Result<Self, MerchantError> {
        let value = raw.trim();
        jiff::tz::TimeZone::get(value).map_err(|_| MerchantError::UnknownTimeZone)?;
        Ok(Self(value.to_owned()))
    }
}

/// Currencies Omnihub prices in, with their ISO 4217 minor-unit exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("CNY", 2),
    ("HKD", 2),
    ("TWD", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("SGD", 2),
    ("MYR", 2),
    ("THB", 2),
    ("VND", 0),
    ("IDR", 2),
    ("PHP", 2),
    ("INR", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("CAD", 2),
    ("MXN", 2),
    ("BRL", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("AED", 2),
    ("SAR", 2),
    ("BHD", 3),
    ("KWD", 3),
];

impl Currency {
    /// Parses an ISO 4217 code (case-insensitive) from the supported list.
    pub fn parse(raw: &str) -> Result<Self, MerchantError> {
        let upper = raw.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == upper)
            .map(|(code, _)| Self(code))
            .ok_or(MerchantError::UnknownCurrency)
    }

    /// Digits after the decimal point (CNY 2, JPY 0, KWD 3).
    pub fn minor_units(self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map_or(2, |(_, units)| *units)
    }
}

macro_rules! text_value {
    ($($name:ident),*) => {$(
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_ref())
            }
        }
    )*};
}
text_value!(MerchantCode, MerchantName, MerchantTimeZone);

impl AsRef<str> for Currency {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A validated new merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMerchant {
    /// Unique handle.
    pub code: MerchantCode,
    /// Display name.
    pub name: MerchantName,
    /// Reporting time zone.
    pub time_zone: MerchantTimeZone,
    /// Default currency.
    pub currency: Currency,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_codes_are_short_lowercase_handles() {
        assert!(MerchantCode::parse("acme-shoes").is_ok());
        assert!(MerchantCode::parse("a").is_err());
        assert_eq!(
            MerchantCode::parse("Acme"),
            Err(MerchantError::CodeCharacters)
        );
        assert_eq!(
            MerchantCode::parse("-acme"),
            Err(MerchantError::CodeCharacters)
        );
        assert!(MerchantCode::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn names_accept_any_script_but_not_blank() {
        assert_eq!(
            MerchantName::parse(" 优品旗舰店 ").unwrap().as_ref(),
            "优品旗舰店"
        );
        assert!(MerchantName::parse("   ").is_err());
        assert!(MerchantName::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn time_zones_and_currencies_come_from_known_lists() {
        assert!(MerchantTimeZone::parse("Asia/Shanghai").is_ok());
        assert_eq!(
            MerchantTimeZone::parse("Mars/Olympus"),
            Err(MerchantError::UnknownTimeZone)
        );
        assert_eq!(Currency::parse("cny").unwrap().as_ref(), "CNY");
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("XXX"), Err(MerchantError::UnknownCurrency));
    }
}
