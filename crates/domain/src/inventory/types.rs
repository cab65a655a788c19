//! Parsed inventory values: quantities, counts, location codes and names, regions and
//! addresses, movement reasons, adjustment reason codes and references.

use std::fmt;

use serde::Serialize;

/// Why an inventory value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryValueError {
    /// A quantity outside 1..=max.
    #[error("must be a whole number from 1 to {max}")]
    QuantityOutOfRange {
        /// The largest accepted quantity.
        max: i64,
    },
    /// A count outside 0..=max.
    #[error("must be a whole number from 0 to {max}")]
    CountOutOfRange {
        /// The largest accepted count.
        max: i64,
    },
    /// Text that is empty, too long or holds control characters.
    #[error("must be 1 to {max} characters without control characters")]
    BadText {
        /// Longest accepted, in characters.
        max: usize,
    },
    /// A code with characters outside A-Z, 0-9, `-` and `_`.
    #[error("must be 1 to {max} characters of A-Z, 0-9, - and _")]
    BadCode {
        /// Longest accepted.
        max: usize,
    },
    /// A country that is not two ASCII letters (ISO 3166-1 alpha-2).
    #[error("must be an ISO 3166-1 alpha-2 country code such as CN")]
    BadCountry,
    /// Not one of the known codes.
    #[error("must be one of {0}")]
    UnknownCode(&'static str),
}

/// The largest quantity one operation moves (guards sums against overflow).
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A positive number of units moved, reserved or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Quantity(i64);

impl Quantity {
    /// 1 to [`MAX_QUANTITY`].
    pub fn new(units: i64) -> Result<Self, InventoryValueError> {
        if (1..=MAX_QUANTITY).contains(&units) {
            Ok(Self(units))
        } else {
            Err(InventoryValueError::QuantityOutOfRange { max: MAX_QUANTITY })
        }
    }

    /// The number of units.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A counted number of units (zero allowed), as entered in a stocktake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Count(i64);

impl Count {
    /// 0 to [`MAX_QUANTITY`].
    pub fn new(units: i64) -> Result<Self, InventoryValueError> {
        if (0..=MAX_QUANTITY).contains(&units) {
            Ok(Self(units))
        } else {
            Err(InventoryValueError::CountOutOfRange { max: MAX_QUANTITY })
        }
    }

    /// Parses a count typed into a form or a CSV cell.
    pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| InventoryValueError::CountOutOfRange { max: MAX_QUANTITY })
            .and_then(Self::new)
    }

    /// The number of units.
    pub const fn get(self) -> i64 {
        self.0
    }
}

fn clean_text(raw: &str, max: usize) -> Result<String, InventoryValueError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(InventoryValueError::BadText { max });
    }
    Ok(t.to_owned())
}

/// A location's short code (`WH-SH-01`), unique per merchant, stored upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LocationCode(String);

impl LocationCode {
    /// Longest code.
    pub const MAX_LEN: usize = 32;

    /// Upper-cases and checks the characters.
    pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = !code.is_empty()
            && code.len() <= Self::MAX_LEN
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(code))
        } else {
            Err(InventoryValueError::BadCode { max: Self::MAX_LEN })
        }
    }
}

/// A location's display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LocationName(String);

impl LocationName {
    /// Longest name, in characters.
    pub const MAX_LEN: usize = 100;

    /// Trimmed, 1 to 100 characters.
    pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
        clean_text(raw, Self::MAX_LEN).map(Self)
    }
}

/// A postal address, free text (its parts vary too much by country to model here).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    /// Longest address, in characters.
    pub const MAX_LEN: usize = 500;

    /// Trimmed, 1 to 500 characters (line breaks allowed).
    pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
        let t = raw.trim();
        let bad = t.is_empty()
            || t.chars().count() > Self::MAX_LEN
            || t.chars().any(|c| c.is_control() && c != '\n');
        if bad {
            Err(InventoryValueError::BadText { max: Self::MAX_LEN })
        } else {
            Ok(Self(t.to_owned()))
        }
    }
}

/// Where a location is: a country and, optionally, province and city codes (e.g. the
/// Chinese administrative division codes `310000` / `310100`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Region {
    country: String,
    province: Option<String>,
    city: Option<String>,
}

impl Region {
    /// Longest province or city code.
    pub const MAX_CODE_LEN: usize = 20;

    /// A country (two letters, upper-cased) and optional province and city codes (codes of
    /// A-Z, 0-9, `-`, `_`). A city needs a province.
    pub fn parse(
        country: &str,
        province: Option<&str>,
        city: Option<&str>,
    ) -> Result<Self, InventoryValueError> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(InventoryValueError::BadCountry);
        }
        let code = |raw: Option<&str>| -> Result<Option<String>, InventoryValueError> {
            raw.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    LocationCode::parse(s)
                        .ok()
                        .filter(|c| c.as_ref().len() <= Self::MAX_CODE_LEN)
                        .map(|c| c.0)
                        .ok_or(InventoryValueError::BadCode {
                            max: Self::MAX_CODE_LEN,
                        })
                })
                .transpose()
        };
        let province = code(province)?;
        let city = code(city)?;
        if city.is_some() && province.is_none() {
            return Err(InventoryValueError::BadCode {
                max: Self::MAX_CODE_LEN,
            });
        }
        Ok(Self {
            country,
            province,
            city,
        })
    }

    /// ISO 3166-1 alpha-2 country.
    pub fn country(&self) -> &str {
        &self.country
    }

    /// Province code.
    pub fn province(&self) -> Option<&str> {
        self.province.as_deref()
    }

    /// City code.
    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }
}

/// A reference to what caused a movement or holds a reservation (`order_line:…`, a PO
/// number, a transfer id). Printable, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Reference(String);

impl Reference {
    /// Longest reference.
    pub const MAX_LEN: usize = 200;

    /// Trimmed, 1 to 200 characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
        clean_text(raw, Self::MAX_LEN).map(Self)
    }
}

macro_rules! as_str {
    ($($name:ident),*) => {$(
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
as_str!(LocationCode, LocationName, Address, Reference);

/// Declares a closed set of codes stored as text.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];
            /// Every code, for error messages.
            pub const CODES: &'static str = concat!($($code, " "),*);

            /// The stored code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),*
                }
            }

            /// Parses a stored or submitted code.
            pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
                match raw.trim() {
                    $($code => Ok(Self::$variant),)*
                    _ => Err(InventoryValueError::UnknownCode(Self::CODES.trim_ascii_end())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// What kind of place a location is.
    LocationKind {
        /// The merchant's own warehouse.
        Warehouse = "warehouse",
        /// A retail store (stock on the shop floor and in the back room).
        Store = "store",
        /// A third-party logistics provider's warehouse.
        ThirdPartyWarehouse = "third_party_warehouse",
    }
);

code_enum!(
    /// Why on-hand stock changed: every ledger entry carries exactly one.
    MovementReason {
        /// Goods received.
        Receipt = "receipt",
        /// Goods shipped to a customer (consumes a reservation).
        Shipment = "shipment",
        /// A customer return put back on the shelf.
        ReturnRestock = "return_restock",
        /// A manual correction (damage, loss, found stock...).
        Adjustment = "adjustment",
        /// A stocktake variance.
        Count = "count",
        /// Left this location for another (now in transit).
        TransferOut = "transfer_out",
        /// Arrived from another location.
        TransferIn = "transfer_in",
        /// Written off and destroyed.
        Scrap = "scrap",
    }
);

code_enum!(
    /// Why a manual adjustment is made.
    AdjustmentReason {
        /// Damaged goods taken out of sellable stock.
        Damaged = "damaged",
        /// Lost or missing.
        Lost = "lost",
        /// Stolen.
        Theft = "theft",
        /// Found stock that was not on the books.
        Found = "found",
        /// Past its expiry date.
        Expired = "expired",
        /// Correcting an earlier booking error.
        Correction = "correction",
        /// Written off and destroyed (booked as a `scrap` movement).
        Scrap = "scrap",
    }
);

impl AdjustmentReason {
    /// The ledger reason an adjustment with this code is booked under.
    pub const fn movement_reason(self) -> MovementReason {
        match self {
            Self::Scrap => MovementReason::Scrap,
            _ => MovementReason::Adjustment,
        }
    }

    /// Whether the code fits the direction of the change: found stock only goes up; loss,
    /// damage, theft, expiry and scrap only go down; corrections go either way.
    pub const fn allows(self, delta: i64) -> bool {
        match self {
            Self::Found => delta > 0,
            Self::Correction => delta != 0,
            _ => delta < 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quantities_are_positive_and_counts_may_be_zero() {
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(-1).is_err());
        assert_eq!(Quantity::new(5).unwrap().get(), 5);
        assert!(Quantity::new(MAX_QUANTITY + 1).is_err());
        assert_eq!(Count::parse(" 0 ").unwrap().get(), 0);
        assert!(Count::parse("-2").is_err());
        assert!(Count::parse("1.5").is_err());
    }

    #[test]
    fn location_codes_are_upper_cased_and_restricted() {
        assert_eq!(
            LocationCode::parse(" wh-sh_01 ").unwrap().as_ref(),
            "WH-SH_01"
        );
        assert!(LocationCode::parse("WH 1").is_err());
        assert!(LocationCode::parse("").is_err());
        assert!(LocationCode::parse(&"A".repeat(33)).is_err());
    }

    #[test]
    fn regions_need_a_country_and_a_province_before_a_city() {
        let r = Region::parse("cn", Some("310000"), Some("310100")).unwrap();
        assert_eq!(
            (r.country(), r.province(), r.city()),
            ("CN", Some("310000"), Some("310100"))
        );
        assert!(Region::parse("CHN", None, None).is_err());
        assert!(Region::parse("CN", None, Some("310100")).is_err());
        assert_eq!(
            Region::parse("CN", Some(" "), None).unwrap().province(),
            None
        );
    }

    #[test]
    fn codes_round_trip_and_adjustment_reasons_fit_their_direction() {
        for r in MovementReason::ALL {
            assert_eq!(MovementReason::parse(r.code()).unwrap(), *r);
        }
        for k in LocationKind::ALL {
            assert_eq!(LocationKind::parse(k.code()).unwrap(), *k);
        }
        assert!(MovementReason::parse("gift").is_err());
        assert_eq!(
            AdjustmentReason::Scrap.movement_reason(),
            MovementReason::Scrap
        );
        assert_eq!(
            AdjustmentReason::Lost.movement_reason(),
            MovementReason::Adjustment
        );
        assert!(AdjustmentReason::Found.allows(3) && !AdjustmentReason::Found.allows(-3));
        assert!(AdjustmentReason::Damaged.allows(-1) && !AdjustmentReason::Damaged.allows(1));
        assert!(AdjustmentReason::Correction.allows(-1) && AdjustmentReason::Correction.allows(1));
    }

    proptest! {
        #[test]
        fn any_valid_code_parses_to_itself(code in "[A-Z0-9_-]{1,32}") {
            let parsed = LocationCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_ref(), code.as_str());
        }

        #[test]
        fn quantity_accepts_exactly_its_range(n in any::<i64>()) {
            prop_assert_eq!(Quantity::new(n).is_ok(), (1..=MAX_QUANTITY).contains(&n));
            prop_assert_eq!(Count::new(n).is_ok(), (0..=MAX_QUANTITY).contains(&n));
        }
    }
}
