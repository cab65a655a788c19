//! Parsed order values: the human-readable order number, customer contact details
//! (normalised so that matching and blacklists compare like with like), postal addresses
//! and their completeness, tags, and the one normalised [`IncomingOrder`] every channel
//! adapter produces.

use std::fmt;

use jiff::Timestamp;
use serde::Serialize;

use crate::channels::{ExternalId, ItemRef};
use crate::inventory::Quantity;
use crate::money::{Currency, Money};

use super::rules::OrderTotals;
use super::state::PaymentStatus;

crate::typed_id!(
    /// An order of one merchant.
    OrderId
);
crate::typed_id!(
    /// One line of an order.
    OrderLineId
);

/// Why an order value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderValueError {
    /// Text that is empty, too long or holds control characters.
    #[error("must be 1 to {max} characters without control characters")]
    BadText {
        /// Longest accepted, in characters.
        max: usize,
    },
    /// Not an e-mail address.
    #[error("must be an e-mail address such as name@example.com")]
    BadEmail,
    /// Not a phone number.
    #[error("must be a phone number of {min} to {max} digits")]
    BadPhone {
        /// Fewest digits.
        min: usize,
        /// Most digits.
        max: usize,
    },
    /// Not an ISO 3166-1 alpha-2 country.
    #[error("must be an ISO 3166-1 alpha-2 country code such as CN")]
    BadCountry,
    /// An order-number prefix with characters other than A-Z and `-`, or too long.
    #[error("must be at most {max} characters of A-Z and -")]
    BadPrefix {
        /// Longest prefix.
        max: usize,
    },
    /// Not `<prefix><digits>`, or a sequence out of range.
    #[error("must be the number prefix followed by a sequence number such as SO-000123")]
    BadOrderNumber,
}

impl OrderValueError {
    /// A stable code for field errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadText { .. } => "invalid",
            Self::BadEmail => "bad_email",
            Self::BadPhone { .. } => "bad_phone",
            Self::BadCountry => "bad_country",
            Self::BadPrefix { .. } | Self::BadOrderNumber => "bad_order_number",
        }
    }
}

fn clean_text(raw: &str, max: usize) -> Result<String, OrderValueError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(OrderValueError::BadText { max });
    }
    Ok(t.to_owned())
}

/// The merchant's order-number prefix (`SO-`, `WEB`), possibly empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct OrderNumberPrefix(String);

impl OrderNumberPrefix {
    /// Longest prefix.
    pub const MAX_LEN: usize = 10;

    /// Upper-cased A-Z and `-` only: no digits, so where the sequence starts is never
    /// ambiguous when a number is parsed back.
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let p = raw.trim().to_ascii_uppercase();
        let ok = p.len() <= Self::MAX_LEN && p.bytes().all(|b| b.is_ascii_uppercase() || b == b'-');
        if ok {
            Ok(Self(p))
        } else {
            Err(OrderValueError::BadPrefix { max: Self::MAX_LEN })
        }
    }
}

/// A human-readable order number, unique per merchant: the merchant's prefix and a
/// sequence number padded to at least six digits (`SO-000123`). Staff read it on the phone
/// and print it on packing slips; the uuid [`OrderId`] stays the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct OrderNumber {
    prefix: String,
    sequence: u64,
}

impl OrderNumber {
    /// Digits the sequence is padded to.
    pub const WIDTH: usize = 6;
    /// The largest sequence (so the number stays short and fits an i64 in storage).
    pub const MAX_SEQUENCE: u64 = 999_999_999_999;

    /// The number for `sequence` (1 or more) under `prefix`.
    pub fn new(prefix: &OrderNumberPrefix, sequence: u64) -> Result<Self, OrderValueError> {
        if !(1..=Self::MAX_SEQUENCE).contains(&sequence) {
            return Err(OrderValueError::BadOrderNumber);
        }
        Ok(Self {
            prefix: prefix.0.clone(),
            sequence,
        })
    }

    /// Parses a number typed or scanned back (case-insensitive prefix).
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let t = raw.trim();
        let split = t
            .bytes()
            .position(|b| b.is_ascii_digit())
            .ok_or(OrderValueError::BadOrderNumber)?;
        let (prefix, digits) = t.split_at(split);
        let prefix =
            OrderNumberPrefix::parse(prefix).map_err(|_| OrderValueError::BadOrderNumber)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 12 {
            return Err(OrderValueError::BadOrderNumber);
        }
        let sequence = digits
            .parse::<u64>()
            .map_err(|_| OrderValueError::BadOrderNumber)?;
        Self::new(&prefix, sequence)
    }

    /// The prefix part.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The sequence part.
    pub const fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:0width$}",
            self.prefix,
            self.sequence,
            width = Self::WIDTH
        )
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> Self {
        n.to_string()
    }
}

/// A customer's e-mail address, trimmed and lower-cased: customers are matched and
/// blacklisted by it, and `Bob@Example.com` is the same mailbox as `bob@example.com` in
/// practice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// One `@` with text on both sides, a dot in the domain, no spaces.
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let e = raw.trim().to_lowercase();
        let (local, domain) = e.split_once('@').ok_or(OrderValueError::BadEmail)?;
        let ok = e.len() <= Self::MAX_LEN
            && !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(e))
        } else {
            Err(OrderValueError::BadEmail)
        }
    }
}

/// A phone number reduced to its digits, with a leading `+` when it had one:
/// `+1(502)-459-2181` and `+1 502 459 2181` are the same number for matching.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Fewest digits.
    pub const MIN_DIGITS: usize = 5;
    /// Most digits (E.164 allows 15; extensions add a few).
    pub const MAX_DIGITS: usize = 20;

    /// Keeps digits (and a leading `+`); refuses letters and too few or many digits.
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let t = raw.trim();
        let err = OrderValueError::BadPhone {
            min: Self::MIN_DIGITS,
            max: Self::MAX_DIGITS,
        };
        let allowed = |c: char| c.is_ascii_digit() || " ()-.+/".contains(c);
        if !t.chars().all(allowed) || t.chars().skip(1).any(|c| c == '+') {
            return Err(err);
        }
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len()) {
            return Err(err);
        }
        let plus = if t.starts_with('+') { "+" } else { "" };
        Ok(Self(format!("{plus}{digits}")))
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Two ASCII letters, any case.
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        match raw.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(OrderValueError::BadCountry),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Always two ASCII letters (checked in `parse`).
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.as_str().to_owned()
    }
}

/// A free-text value of an order (a name, an address line, a note, a title): trimmed,
/// bounded, no control characters except line breaks in notes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OrderText(String);

impl OrderText {
    /// Longest text, in characters.
    pub const MAX_LEN: usize = 2000;

    /// Trimmed, 1 to 2000 characters, line breaks and tabs allowed.
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let t = raw.trim();
        let bad = t.is_empty()
            || t.chars().count() > Self::MAX_LEN
            || t.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r');
        if bad {
            Err(OrderValueError::BadText { max: Self::MAX_LEN })
        } else {
            Ok(Self(t.to_owned()))
        }
    }

    /// `None` for absent or blank text, so empty channel fields (`"company": ""`) vanish.
    pub fn optional(raw: Option<&str>) -> Result<Option<Self>, OrderValueError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => Self::parse(t).map(Some),
        }
    }
}

/// An order tag (`vip`, `gift`), trimmed and lower-cased so filters match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    /// Longest tag, in characters.
    pub const MAX_LEN: usize = 40;

    /// Trimmed, lower-cased, 1 to 40 characters, no commas (tags travel comma-separated).
    pub fn parse(raw: &str) -> Result<Self, OrderValueError> {
        let t = clean_text(raw, Self::MAX_LEN)?.to_lowercase();
        if t.contains(',') {
            return Err(OrderValueError::BadText { max: Self::MAX_LEN });
        }
        Ok(Self(t))
    }

    /// Splits a comma-separated tag list (Shopify's `tags`), dropping blanks and repeats.
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, OrderValueError> {
        let mut tags = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let tag = Self::parse(part)?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(tags)
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
                f.write_str(&self.0)
            }
        }
    )*};
}

text_value!(OrderNumberPrefix, Email, Phone, OrderText, Tag);

/// The parts of an address a courier needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressPart {
    /// The recipient's name.
    Name,
    /// The country.
    Country,
    /// The province or state (in countries that use them for delivery).
    Province,
    /// The city.
    City,
    /// The postcode (in countries that have them).
    Postcode,
    /// At least one street line.
    Street,
}

/// Countries whose addresses need a province or state to be deliverable.
const PROVINCE_COUNTRIES: &[&str] = &["AU", "BR", "CA", "CN", "IN", "MX", "US"];
/// Countries without a general postcode system.
const NO_POSTCODE_COUNTRIES: &[&str] = &["AE", "AO", "HK", "IE", "MO", "QA"];

/// A postal address as received. Parts are optional because channels send what they
/// have (and CN channels send masked or encrypted parts); [`Self::missing_parts`] says
/// whether it is complete enough to ship to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PostalAddress {
    /// The recipient.
    pub name: Option<OrderText>,
    /// A company, if any.
    pub company: Option<OrderText>,
    /// The recipient's phone.
    pub phone: Option<Phone>,
    /// The country.
    pub country: Option<CountryCode>,
    /// The province or state code or name (`KY`, `Kentucky`, `310000`).
    pub province: Option<OrderText>,
    /// The city.
    pub city: Option<OrderText>,
    /// The postcode.
    pub postcode: Option<OrderText>,
    /// Street lines, blank ones dropped.
    pub lines: Vec<OrderText>,
}

impl PostalAddress {
    /// The parts a courier needs that are missing, in a stable order. Empty = complete.
    pub fn missing_parts(&self) -> Vec<AddressPart> {
        let mut missing = Vec::new();
        let country = self.country.map(|c| c.to_string());
        let in_list = |list: &[&str]| country.as_deref().is_some_and(|c| list.contains(&c));
        if self.name.is_none() {
            missing.push(AddressPart::Name);
        }
        if self.country.is_none() {
            missing.push(AddressPart::Country);
        }
        if self.province.is_none() && in_list(PROVINCE_COUNTRIES) {
            missing.push(AddressPart::Province);
        }
        if self.city.is_none() {
            missing.push(AddressPart::City);
        }
        if self.postcode.is_none() && !in_list(NO_POSTCODE_COUNTRIES) {
            missing.push(AddressPart::Postcode);
        }
        if self.lines.is_empty() {
            missing.push(AddressPart::Street);
        }
        missing
    }

    /// The address reduced for blacklist comparison: street lines, city, postcode and
    /// country, lower-cased, keeping only letters and digits, so `969 Market St.` and
    /// `969 market st` are the same place. The recipient's name is left out on purpose
    /// (a blacklisted address stays blacklisted under another name).
    pub fn match_key(&self) -> String {
        let parts = self
            .lines
            .iter()
            .chain(self.city.iter())
            .chain(self.postcode.iter())
            .map(OrderText::as_ref)
            .chain(self.country.as_ref().map(CountryCode::as_str));
        normalise_key(parts)
    }
}

/// Lower-cases `parts` and keeps only their letters and digits, joined by `|`.
pub fn normalise_key<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts
        .map(|p| {
            p.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("|")
}

/// Who placed the order, as the channel tells it. The app matches it to a customer record
/// by e-mail, then phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerInfo {
    /// E-mail.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Display name.
    pub name: Option<OrderText>,
}

/// What the channel says about the order's state when it sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelOrderState {
    /// The payment state the channel reports, in our terms.
    pub payment: PaymentStatus,
    /// Whether the channel has cancelled the order.
    pub cancelled: bool,
    /// The channel's own status text (`processing`, `partially_refunded`), for display.
    pub raw: String,
}

/// Hints about how the order is paid, used by review (cash on delivery is not "unpaid").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PaymentHints {
    /// The channel's gateway or method names (`bogus`, `bacs`, `cod`).
    pub gateways: Vec<String>,
    /// Whether the customer pays the courier on delivery.
    pub cash_on_delivery: bool,
}

impl PaymentHints {
    /// Hints from gateway names; a gateway counts as cash on delivery when its name is
    /// `cod` or mentions "cash on delivery" (Shopify's manual gateway is named
    /// `Cash on Delivery (COD)`, WooCommerce's method id is `cod`).
    pub fn from_gateways(gateways: Vec<String>) -> Self {
        let cash_on_delivery = gateways.iter().any(|g| {
            let g = g.trim().to_lowercase();
            g == "cod" || g.contains("cash on delivery") || g.contains("(cod)")
        });
        Self {
            gateways,
            cash_on_delivery,
        }
    }
}

/// One line of an incoming order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingLine {
    /// The channel's id for the line (for updates and refunds), when it has one.
    pub external_line_id: Option<ExternalId>,
    /// What was bought, in the channel's terms.
    pub item: ItemRef,
    /// The title shown to the customer.
    pub title: Option<OrderText>,
    /// How many.
    pub quantity: Quantity,
    /// Price of one unit before discounts. When the channel sends only a line subtotal
    /// that does not divide exactly, this is rounded half up and [`Self::subtotal`] stays
    /// the authority.
    pub unit_price: Money,
    /// What the line costs before discounts (`unit_price × quantity` unless rounded).
    pub subtotal: Money,
    /// Discounts on this line.
    pub discount: Money,
    /// Tax on this line.
    pub tax: Money,
}

/// The one normalised order every intake path produces (Shopify, WooCommerce, our API,
/// CSV, manual entry). Lines are never empty and the totals add up: the mappings refuse
/// anything else with [`super::MappingProblem`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingOrder {
    /// The channel's order id: with the channel it is the idempotency key of intake.
    pub external_id: ExternalId,
    /// The number the customer sees on the channel (`#1001`).
    pub external_number: Option<ExternalId>,
    /// What the channel says about payment and cancellation.
    pub channel_state: ChannelOrderState,
    /// The order's currency.
    pub currency: Currency,
    /// When the customer placed it.
    pub placed_at: Timestamp,
    /// Who ordered.
    pub customer: CustomerInfo,
    /// Where to ship.
    pub shipping_address: Option<PostalAddress>,
    /// Where to bill.
    pub billing_address: Option<PostalAddress>,
    /// What was ordered (at least one line).
    pub lines: Vec<IncomingLine>,
    /// The order totals (checked to add up).
    pub totals: OrderTotals,
    /// The customer's note.
    pub note: Option<OrderText>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// How it is paid.
    pub payment: PaymentHints,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_numbers_format_and_parse() {
        let p = OrderNumberPrefix::parse("so-").unwrap();
        let n = OrderNumber::new(&p, 123).unwrap();
        assert_eq!(n.to_string(), "SO-000123");
        assert_eq!(OrderNumber::parse("so-000123").unwrap(), n);
        assert_eq!(OrderNumber::parse("SO-123").unwrap(), n);
        let plain = OrderNumber::new(&OrderNumberPrefix::default(), 1_234_567).unwrap();
        assert_eq!(plain.to_string(), "1234567");
        assert_eq!(plain.prefix(), "");
        for bad in [
            "",
            "SO-",
            "SO-12a",
            "S1-5",
            "SO-0",
            "SO-1234567890123",
            "TOOLONGPREFIX1",
        ] {
            assert!(OrderNumber::parse(bad).is_err(), "{bad:?}");
        }
        assert!(OrderNumberPrefix::parse("A1").is_err());
        assert!(OrderNumber::new(&p, 0).is_err());
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"SO-000123\"");
    }

    #[test]
    fn contacts_are_normalised_for_matching() {
        assert_eq!(
            Email::parse(" Bob.Norman@Mail.Example.COM ")
                .unwrap()
                .as_ref(),
            "bob.norman@mail.example.com"
        );
        for bad in [
            "",
            "bob",
            "bob@",
            "@x.com",
            "bob@x",
            "a b@x.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Phone::parse("+1(502)-459-2181").unwrap().as_ref(),
            "+15024592181"
        );
        assert_eq!(
            Phone::parse("(555) 555-5555").unwrap().as_ref(),
            "5555555555"
        );
        assert_eq!(
            Phone::parse("+1 502 459 2181").unwrap(),
            Phone::parse("+1(502)-459-2181").unwrap()
        );
        for bad in ["", "123", "call me", "12+345678", &"1".repeat(21)] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(CountryCode::parse("us").unwrap().to_string(), "US");
        assert!(CountryCode::parse("USA").is_err());
        assert!(CountryCode::parse("中国").is_err());
    }

    #[test]
    fn tags_split_lower_case_and_dedupe() {
        let tags = Tag::parse_list("VIP, gift,,vip , ").unwrap();
        let texts: Vec<&str> = tags.iter().map(AsRef::as_ref).collect();
        assert_eq!(texts, ["vip", "gift"]);
        assert!(Tag::parse_list("").unwrap().is_empty());
        assert!(Tag::parse(&"x".repeat(41)).is_err());
        assert_eq!(OrderText::optional(Some("  ")).unwrap(), None);
        assert!(OrderText::parse("line\nbreak").is_ok());
        assert!(OrderText::parse("bell\u{7}").is_err());
    }

    fn t(s: &str) -> Option<OrderText> {
        Some(OrderText::parse(s).unwrap())
    }

    fn us_address() -> PostalAddress {
        PostalAddress {
            name: t("Bob Norman"),
            country: Some(CountryCode::parse("US").unwrap()),
            province: t("KY"),
            city: t("Louisville"),
            postcode: t("40202"),
            lines: vec![OrderText::parse("Chestnut Street 92").unwrap()],
            ..PostalAddress::default()
        }
    }

    #[test]
    fn address_completeness_depends_on_the_country() {
        assert!(us_address().missing_parts().is_empty());
        let no_state = PostalAddress {
            province: None,
            ..us_address()
        };
        assert_eq!(no_state.missing_parts(), [AddressPart::Province]);
        let hk = PostalAddress {
            country: Some(CountryCode::parse("HK").unwrap()),
            province: None,
            postcode: None,
            ..us_address()
        };
        assert!(
            hk.missing_parts().is_empty(),
            "Hong Kong has no postcodes or states"
        );
        assert_eq!(
            PostalAddress::default().missing_parts(),
            [
                AddressPart::Name,
                AddressPart::Country,
                AddressPart::City,
                AddressPart::Postcode,
                AddressPart::Street
            ]
        );
    }

    #[test]
    fn address_match_keys_ignore_case_punctuation_and_name() {
        let a = us_address();
        let b = PostalAddress {
            name: t("Someone Else"),
            lines: vec![OrderText::parse("chestnut street, 92.").unwrap()],
            city: t("LOUISVILLE"),
            ..us_address()
        };
        assert_eq!(a.match_key(), b.match_key());
        assert_eq!(a.match_key(), "chestnutstreet92|louisville|40202|us");
        let other = PostalAddress {
            postcode: t("40203"),
            ..us_address()
        };
        assert_ne!(a.match_key(), other.match_key());
    }

    #[test]
    fn cash_on_delivery_is_recognised_from_gateway_names() {
        for cod in ["cod", "Cash on Delivery (COD)", " COD "] {
            assert!(
                PaymentHints::from_gateways(vec![cod.into()]).cash_on_delivery,
                "{cod}"
            );
        }
        for not in ["bogus", "bacs", "codpay-wallet"] {
            assert!(
                !PaymentHints::from_gateways(vec![not.into()]).cash_on_delivery,
                "{not}"
            );
        }
    }

    proptest! {
        #[test]
        fn order_numbers_round_trip(prefix in "[A-Z-]{0,10}", seq in 1_u64..=999_999_999_999) {
            let p = OrderNumberPrefix::parse(&prefix).unwrap();
            let n = OrderNumber::new(&p, seq).unwrap();
            let back = OrderNumber::parse(&n.to_string()).unwrap();
            prop_assert_eq!(back.sequence(), seq);
            prop_assert_eq!(back.prefix(), prefix.as_str());
        }

        #[test]
        fn phone_formatting_never_changes_the_key(digits in "[0-9]{5,15}") {
            let spaced: String = digits.chars().flat_map(|c| [c, ' ']).collect();
            prop_assert_eq!(Phone::parse(&digits).unwrap(), Phone::parse(&spaced).unwrap());
        }
    }
}
