//! Money: an integer number of minor units plus an ISO 4217 currency (DESIGN.md, "Money").
//!
//! Amounts are never floats. Decimal text such as `"19.90"` is parsed digit by digit into
//! minor units with checked arithmetic, so every representable amount round-trips exactly
//! and nothing is silently rounded: more fraction digits than the currency has is an error.

use std::fmt;

pub use crate::merchants::Currency;

/// An amount of money in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a decimal number such as `19.90`.
    #[error("must be a decimal amount such as 19.90")]
    Malformed,
    /// More fraction digits than the currency has.
    #[error("{currency} amounts have at most {digits} digits after the decimal point")]
    TooPrecise {
        /// The currency.
        currency: Currency,
        /// Its minor-unit exponent.
        digits: u8,
    },
    /// Too large to store.
    #[error("amount is too large")]
    Overflow,
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {0} and {1} amounts")]
    CurrencyMismatch(Currency, Currency),
    /// A negative amount where only zero or more makes sense (prices, costs).
    #[error("must not be negative")]
    Negative,
}

impl Money {
    /// An amount from minor units (fen, cents).
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// Parses decimal text (`"19.9"`, `"-3"`, `"0.05"`) in `currency`. At most as many
    /// fraction digits as the currency has; no exponent, no thousands separators.
    pub fn parse(raw: &str, currency: Currency) -> Result<Self, MoneyError> {
        let text = raw.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(MoneyError::Malformed);
        }
        if digits.ends_with('.') {
            return Err(MoneyError::Malformed);
        }
        let exponent = currency.minor_units();
        if fraction.len() > usize::from(exponent) {
            return Err(MoneyError::TooPrecise {
                currency,
                digits: exponent,
            });
        }
        // The magnitude is read unsigned, so the most negative amount (one more unit than
        // the most positive) prints and parses back like every other.
        let mut magnitude: u64 = 0;
        let padded = fraction
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(usize::from(exponent));
        for b in whole.bytes().chain(padded) {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        let minor = if negative {
            0_i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        Ok(Self::from_minor(
            minor.ok_or(MoneyError::Overflow)?,
            currency,
        ))
    }

    /// Parses an amount that must not be negative (a price or a cost).
    pub fn parse_non_negative(raw: &str, currency: Currency) -> Result<Self, MoneyError> {
        let money = Self::parse(raw, currency)?;
        if money.minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(money)
    }

    /// Minor units (for storage).
    pub const fn minor(self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::from_minor(minor, self.currency))
    }

    /// `self - other`, refusing mixed currencies and overflow.
    pub fn checked_sub(self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::from_minor(minor, self.currency))
    }

    fn same_currency(self, other: Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// The amount as decimal text without the currency (`19.90`, `-0.05`, `500` for JPY).
    pub fn amount_text(self) -> String {
        let exponent = u32::from(self.currency.minor_units());
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(exponent);
        let width = usize::try_from(exponent).unwrap_or(2);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
    }
}

impl fmt::Display for Money {
    /// `19.90 CNY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    #[test]
    fn decimal_text_parses_to_exact_minor_units() {
        let c = cny();
        assert_eq!(Money::parse("19.90", c).unwrap().minor(), 1990);
        assert_eq!(Money::parse("19.9", c).unwrap().minor(), 1990);
        assert_eq!(Money::parse("0.05", c).unwrap().minor(), 5);
        assert_eq!(Money::parse("-3", c).unwrap().minor(), -300);
        assert_eq!(Money::parse(" 7 ", c).unwrap().minor(), 700);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("500", jpy).unwrap().minor(), 500);
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.234", kwd).unwrap().minor(), 1234);
    }

    #[test]
    fn malformed_and_over_precise_amounts_are_refused() {
        let c = cny();
        for bad in ["", "abc", "1.2.3", "1,000", ".5", "5.", "1e3", "--1", "¥5"] {
            assert_eq!(Money::parse(bad, c), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert!(matches!(
            Money::parse("1.999", c),
            Err(MoneyError::TooPrecise { digits: 2, .. })
        ));
        let jpy = Currency::parse("JPY").unwrap();
        assert!(Money::parse("1.5", jpy).is_err());
        assert_eq!(
            Money::parse("99999999999999999999", c),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse_non_negative("-1", c),
            Err(MoneyError::Negative)
        );
    }

    #[test]
    fn amounts_display_with_the_currency_exponent() {
        assert_eq!(Money::from_minor(1990, cny()).to_string(), "19.90 CNY");
        assert_eq!(Money::from_minor(-5, cny()).amount_text(), "-0.05");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::from_minor(500, jpy).amount_text(), "500");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies() {
        let usd = Currency::parse("USD").unwrap();
        let a = Money::from_minor(100, cny());
        assert_eq!(a.checked_add(a).unwrap().minor(), 200);
        assert_eq!(a.checked_sub(a).unwrap(), Money::zero(cny()));
        assert!(matches!(
            a.checked_add(Money::from_minor(1, usd)),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(
            Money::from_minor(i64::MAX, cny()).checked_add(a),
            Err(MoneyError::Overflow)
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(minor in -10_i64.pow(15)..10_i64.pow(15)) {
            for code in ["CNY", "JPY", "KWD"] {
                let c = Currency::parse(code).unwrap();
                let m = Money::from_minor(minor, c);
                prop_assert_eq!(Money::parse(&m.amount_text(), c).unwrap(), m);
            }
        }
    }
}
