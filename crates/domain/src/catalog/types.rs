//! The catalogue's parsed values: SKU codes, barcodes (with their check digit), names,
//! descriptions, image URLs, weights and attributes. Each is built with `parse`, which
//! returns a typed error naming the rule broken; after that the value is known good.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

crate::typed_id!(
    /// A product (the thing a shopper sees; sold as one of its SKUs).
    ProductId
);
crate::typed_id!(
    /// A stock-keeping unit: one sellable variant of a product.
    SkuId
);
crate::typed_id!(
    /// A brand.
    BrandId
);
crate::typed_id!(
    /// A category in the merchant's category tree.
    CategoryId
);

/// Why a catalogue value was refused. Each variant names the rule broken; `code()` gives
/// the stable code used in field errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogValueError {
    /// Empty after trimming.
    #[error("is required")]
    Required,
    /// Too long.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Characters outside the allowed set.
    #[error("{0}")]
    Characters(&'static str),
    /// Not 8, 12 or 13 digits.
    #[error("must be an EAN-13, UPC-A (12 digits) or EAN-8 barcode")]
    BarcodeLength,
    /// The check digit does not match.
    #[error("check digit is wrong (expected {expected})")]
    BarcodeCheckDigit {
        /// The digit the others call for.
        expected: u8,
    },
    /// Not an absolute http(s) URL.
    #[error("must be an absolute http:// or https:// URL")]
    Url,
    /// Out of range.
    #[error("must be between {min} and {max}")]
    Range {
        /// Lowest accepted.
        min: i64,
        /// Highest accepted.
        max: i64,
    },
    /// Not a number in the expected form.
    #[error("{0}")]
    Malformed(&'static str),
}

impl CatalogValueError {
    /// A stable code for field errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong { .. } => "too_long",
            Self::BarcodeCheckDigit { .. } => "check_digit",
            Self::Range { .. } => "out_of_range",
            _ => "invalid",
        }
    }
}

/// Trims `raw` and checks it is 1..=max characters with no control characters.
fn text(raw: &str, max: usize) -> Result<String, CatalogValueError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(CatalogValueError::Required);
    }
    if value.chars().count() > max {
        return Err(CatalogValueError::TooLong { max });
    }
    if value.chars().any(char::is_control) {
        return Err(CatalogValueError::Characters(
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A SKU code: 1-64 characters of A-Z, a-z, 0-9, `-`, `_`, `.` and `/`, unique per
/// merchant. Case is kept, but uniqueness is on the upper-cased form so `tee-m` and
/// `TEE-M` cannot both exist (warehouse staff read them aloud).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SkuCode(String);

impl SkuCode {
    /// Longest code.
    pub const MAX_LEN: usize = 64;

    /// Parses a code.
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        let value = text(raw, Self::MAX_LEN)?;
        let ok = value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
        if !ok {
            return Err(CatalogValueError::Characters(
                "may contain only letters A-Z, digits and - _ . /",
            ));
        }
        Ok(Self(value))
    }

    /// The form uniqueness is checked on (upper case).
    pub fn key(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

/// A retail barcode: EAN-13, UPC-A (12 digits) or EAN-8, with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Barcode(String);

impl Barcode {
    /// Parses a barcode, checking its GS1 check digit. Spaces and hyphens are ignored.
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !matches!(digits.len(), 8 | 12 | 13) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CatalogValueError::BarcodeLength);
        }
        let bytes = digits.as_bytes();
        let (body, check) = bytes.split_at(bytes.len() - 1);
        let expected = gs1_check_digit(body);
        if check.first().map(|b| b - b'0') != Some(expected) {
            return Err(CatalogValueError::BarcodeCheckDigit { expected });
        }
        Ok(Self(digits))
    }

    /// Which symbology this is, by length.
    pub fn kind(&self) -> &'static str {
        match self.0.len() {
            8 => "ean8",
            12 => "upca",
            _ => "ean13",
        }
    }
}

/// The GS1 check digit of `body` (ASCII digits): weights 3 and 1 alternate from the
/// right, so one function serves EAN-8, UPC-A and EAN-13.
pub fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    // The sum mod 10 is below 10, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let digit = ((10 - sum % 10) % 10) as u8;
    digit
}

/// Declares a trimmed, length-limited text value.
macro_rules! text_value {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Longest value, in characters.
            pub const MAX_LEN: usize = $max;

            /// Parses a value: trimmed, 1 to `MAX_LEN` characters, no control characters.
            pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
                text(raw, Self::MAX_LEN).map(Self)
            }
        }
    };
}

text_value!(
    /// A product's name as shoppers see it (any script).
    ProductName,
    200
);
text_value!(
    /// A brand's name.
    BrandName,
    100
);
text_value!(
    /// A category's name.
    CategoryName,
    100
);
text_value!(
    /// An option's name (`颜色`, `Size`).
    OptionName,
    40
);
text_value!(
    /// One value of an option (`Red`, `XL`).
    OptionValue,
    60
);

/// A product description: plain text up to 20,000 characters; may be empty (the
/// compliance check, not the parser, insists on one before review). Line breaks are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    /// Longest description.
    pub const MAX_LEN: usize = 20_000;

    /// Parses a description.
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        let value = raw.trim();
        if value.chars().count() > Self::MAX_LEN {
            return Err(CatalogValueError::TooLong { max: Self::MAX_LEN });
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(CatalogValueError::Characters(
                "must not contain control characters",
            ));
        }
        Ok(Self(value.replace("\r\n", "\n")))
    }
}

/// An image URL: absolute http or https with a host, at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Longest URL.
    pub const MAX_LEN: usize = 2_000;
    /// Most images per product.
    pub const MAX_PER_PRODUCT: usize = 20;

    /// Parses a URL.
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        let value = raw.trim();
        if value.len() > Self::MAX_LEN {
            return Err(CatalogValueError::TooLong { max: Self::MAX_LEN });
        }
        if !is_web_url(value) {
            return Err(CatalogValueError::Url);
        }
        Ok(Self(value.to_owned()))
    }
}

/// Whether `raw` is an absolute http(s) URL with a host.
pub fn is_web_url(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    }) && !raw.chars().any(char::is_whitespace)
}

/// A weight in grams, 0 to 1,000,000 (one tonne).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Weight(i64);

impl Weight {
    /// Heaviest accepted, in grams.
    pub const MAX_GRAMS: i64 = 1_000_000;

    /// A weight from grams.
    pub fn grams(grams: i64) -> Result<Self, CatalogValueError> {
        if (0..=Self::MAX_GRAMS).contains(&grams) {
            Ok(Self(grams))
        } else {
            Err(CatalogValueError::Range {
                min: 0,
                max: Self::MAX_GRAMS,
            })
        }
    }

    /// Parses `500`, `500g` or `1.5kg` (at most three decimals of kg, so it stays exact).
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        let value = raw.trim().to_ascii_lowercase();
        let malformed = CatalogValueError::Malformed("must be grams such as 500, 500g or 1.5kg");
        let grams = if let Some(kg) = value.strip_suffix("kg") {
            let (whole, fraction) = kg.trim().split_once('.').unwrap_or((kg.trim(), ""));
            if fraction.len() > 3 {
                return Err(malformed);
            }
            let whole: i64 = whole.parse().map_err(|_| malformed.clone())?;
            let padded = format!("{fraction:0<3}");
            let fraction: i64 = padded.parse().map_err(|_| malformed.clone())?;
            whole
                .checked_mul(1000)
                .and_then(|g| g.checked_add(fraction))
        } else {
            let g = value.strip_suffix('g').unwrap_or(&value).trim();
            g.parse::<i64>().ok()
        };
        Self::grams(grams.ok_or(malformed)?)
    }

    /// The weight in grams.
    pub fn as_grams(self) -> i64 {
        self.0
    }
}

/// Free-form product attributes (`material: cotton`): at most 50, keys 1-60 characters,
/// values up to 500; kept sorted by key so snapshots and diffs are stable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Attributes(BTreeMap<String, String>);

impl Attributes {
    /// Most attributes per product.
    pub const MAX_COUNT: usize = 50;

    /// Parses attributes; the error names the offending key.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, (String, CatalogValueError)> {
        let mut map = BTreeMap::new();
        for (key, value) in pairs {
            let k = text(key, 60).map_err(|e| (key.to_owned(), e))?;
            let v = value.trim();
            if v.chars().count() > 500 {
                return Err((k, CatalogValueError::TooLong { max: 500 }));
            }
            map.insert(k, v.to_owned());
        }
        if map.len() > Self::MAX_COUNT {
            return Err((String::new(), CatalogValueError::Range { min: 0, max: 50 }));
        }
        Ok(Self(map))
    }

    /// The attributes, sorted by key.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// Whether a SKU can be sold (subject to its product being listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkuStatus {
    /// Sellable once the product is listed.
    Active,
    /// Kept for history but not sold.
    Inactive,
}

impl SkuStatus {
    /// `active` or `inactive`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses `active` or `inactive`.
    pub fn parse(raw: &str) -> Result<Self, CatalogValueError> {
        match raw.trim() {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            _ => Err(CatalogValueError::Malformed("must be active or inactive")),
        }
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
as_str!(
    SkuCode,
    Barcode,
    ProductName,
    BrandName,
    CategoryName,
    OptionName,
    OptionValue,
    Description,
    ImageUrl
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sku_codes_are_short_and_plain() {
        assert_eq!(SkuCode::parse(" tee-m ").unwrap().as_ref(), "tee-m");
        assert_eq!(SkuCode::parse("tee-m").unwrap().key(), "TEE-M");
        assert_eq!(SkuCode::parse(""), Err(CatalogValueError::Required));
        assert!(SkuCode::parse("T恤").is_err());
        assert!(SkuCode::parse("a b").is_err());
        assert!(SkuCode::parse(&"A".repeat(65)).is_err());
    }

    #[test]
    fn real_barcodes_pass_and_a_wrong_check_digit_fails() {
        // EAN-13 of a real retail product, a UPC-A and an EAN-8.
        assert_eq!(Barcode::parse("6901234567892").unwrap().kind(), "ean13");
        assert_eq!(Barcode::parse("4006381333931").unwrap().kind(), "ean13");
        assert_eq!(Barcode::parse("036000291452").unwrap().kind(), "upca");
        assert_eq!(Barcode::parse("96385074").unwrap().kind(), "ean8");
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(CatalogValueError::BarcodeCheckDigit { expected: 1 })
        );
        assert_eq!(
            Barcode::parse("12345"),
            Err(CatalogValueError::BarcodeLength)
        );
        assert!(Barcode::parse("400638133393X").is_err());
        assert_eq!(
            Barcode::parse("4006-3813-33931").unwrap().as_ref(),
            "4006381333931"
        );
    }

    #[test]
    fn weights_parse_grams_and_kilograms_exactly() {
        assert_eq!(Weight::parse("500").unwrap().as_grams(), 500);
        assert_eq!(Weight::parse("500g").unwrap().as_grams(), 500);
        assert_eq!(Weight::parse("1.5kg").unwrap().as_grams(), 1500);
        assert_eq!(Weight::parse("0.125 KG").unwrap().as_grams(), 125);
        assert!(Weight::parse("1.0001kg").is_err());
        assert!(Weight::parse("-1").is_err());
        assert!(Weight::parse("heavy").is_err());
        assert!(Weight::grams(1_000_001).is_err());
    }

    #[test]
    fn image_urls_must_be_absolute_web_urls() {
        assert!(ImageUrl::parse("https://cdn.example.com/a.jpg").is_ok());
        for bad in [
            "ftp://x/a.jpg",
            "/a.jpg",
            "https://",
            "javascript:alert(1)",
            "http://a b/c",
        ] {
            assert!(ImageUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_attributes_are_trimmed_and_limited() {
        assert_eq!(ProductName::parse(" 纯棉T恤 ").unwrap().as_ref(), "纯棉T恤");
        assert!(ProductName::parse(&"字".repeat(201)).is_err());
        let attrs = Attributes::parse([("material", "cotton"), (" fit ", "slim")]).unwrap();
        assert_eq!(
            attrs.as_map().keys().collect::<Vec<_>>(),
            ["fit", "material"]
        );
        assert!(Attributes::parse([(" ", "x")]).is_err());
        assert!(Description::parse("line\nbreak").is_ok());
        assert!(Description::parse("bell\u{7}").is_err());
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_digit_is_a_valid_barcode(
            body in prop::sample::select(vec![7_usize, 11, 12])
                .prop_flat_map(|n| prop::collection::vec(0_u8..10, n))
        ) {
            let ascii: Vec<u8> = body.iter().map(|d| d + b'0').collect();
            let check = gs1_check_digit(&ascii);
            let code: String = ascii.iter().map(|&b| char::from(b)).collect::<String>()
                + &check.to_string();
            prop_assert!(Barcode::parse(&code).is_ok());
            // Changing any single digit breaks the check (GS1 catches all single errors).
            for i in 0..code.len() {
                let mut bytes = code.clone().into_bytes();
                bytes[i] = b'0' + (bytes[i] - b'0' + 1) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                prop_assert!(Barcode::parse(&changed).is_err());
            }
        }
    }
}
