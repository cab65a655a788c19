//! Parsed channel values: kinds, platforms (which adapter speaks to the channel), codes and
//! names, ship-by hours, location-link priorities, external ids and channel listings.

use std::fmt;

use serde::Serialize;

use crate::codes::code_enum;
use crate::money::Money;

/// Why a channel value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelValueError {
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
    /// A number outside its range.
    #[error("must be a whole number from {min} to {max}")]
    OutOfRange {
        /// Lowest accepted.
        min: i64,
        /// Highest accepted.
        max: i64,
    },
    /// A listing that names nothing on the channel side.
    #[error("a listing needs the channel's SKU, product id or variant id")]
    EmptyListing,
    /// A price override that is negative.
    #[error("a price override must not be negative")]
    NegativePrice,
}

impl ChannelValueError {
    /// A stable code for field errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadText { .. } | Self::BadCode { .. } => "invalid",
            Self::OutOfRange { .. } => "out_of_range",
            Self::EmptyListing => "empty_listing",
            Self::NegativePrice => "negative",
        }
    }
}

code_enum!(
    /// What sort of sales channel this is (the six types). Reporting groups by it;
    /// the adapter is chosen by [`ChannelPlatform`], not by the kind.
    ChannelKind {
        /// The merchant's own web shop.
        OwnStore = "own_store",
        /// A mobile app or mini-program.
        App = "app",
        /// A marketplace (Tmall, JD, Amazon...).
        Marketplace = "marketplace",
        /// Social commerce (Douyin, WeChat channels...).
        Social = "social",
        /// A bricks-and-mortar shop selling from its own stock.
        PhysicalStore = "physical_store",
        /// A dealer or distributor ordering wholesale.
        Dealer = "dealer",
    }
);

code_enum!(
    /// Which adapter turns the channel's orders into ours.
    ChannelPlatform {
        /// Our own JSON format (`POST /api/v1/orders`).
        Api = "api",
        /// Shopify order webhooks (REST Admin order JSON).
        Shopify = "shopify",
        /// WooCommerce order webhooks (REST v3 order JSON).
        Woocommerce = "woocommerce",
        /// CSV import.
        Csv = "csv",
        /// Entered by staff in the console.
        Manual = "manual",
    }
);

impl ChannelPlatform {
    /// Whether orders arrive as signed webhooks (and so the channel needs a webhook secret).
    pub const fn receives_webhooks(self) -> bool {
        matches!(self, Self::Shopify | Self::Woocommerce)
    }
}

fn clean_text(raw: &str, max: usize) -> Result<String, ChannelValueError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(ChannelValueError::BadText { max });
    }
    Ok(t.to_owned())
}

/// A channel's short code (`SHOPIFY-US`), unique per merchant, stored upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ChannelCode(String);

impl ChannelCode {
    /// Longest code.
    pub const MAX_LEN: usize = 32;

    /// Upper-cases and checks the characters.
    pub fn parse(raw: &str) -> Result<Self, ChannelValueError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = !code.is_empty()
            && code.len() <= Self::MAX_LEN
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(code))
        } else {
            Err(ChannelValueError::BadCode { max: Self::MAX_LEN })
        }
    }
}

/// A channel's display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ChannelName(String);

impl ChannelName {
    /// Longest name, in characters.
    pub const MAX_LEN: usize = 100;

    /// Trimmed, 1 to 100 characters.
    pub fn parse(raw: &str) -> Result<Self, ChannelValueError> {
        clean_text(raw, Self::MAX_LEN).map(Self)
    }
}

/// An id, number or SKU as the channel spells it (`450789469`, `#1001`, `IPOD2008GREEN`).
/// Kept as text whatever the channel sends (numbers included), because ids are compared,
/// never computed with, and some channels' ids overflow 64 bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ExternalId(String);

impl ExternalId {
    /// Longest external id, in characters.
    pub const MAX_LEN: usize = 255;

    /// Trimmed, 1 to 255 characters without control characters.
    pub fn parse(raw: &str) -> Result<Self, ChannelValueError> {
        clean_text(raw, Self::MAX_LEN).map(Self)
    }

    /// The form used to compare SKU codes: channels differ in case (`ipod` / `IPOD`).
    pub fn match_key(&self) -> String {
        self.0.to_uppercase()
    }
}

/// How many hours after an order is placed it must be shipped (the channel's promise);
/// work queues sort by the deadline this gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ShipByHours(u16);

impl ShipByHours {
    /// Shortest promise.
    pub const MIN: u16 = 1;
    /// Longest promise (30 days).
    pub const MAX: u16 = 720;

    /// 1 to 720 hours.
    pub fn new(hours: i64) -> Result<Self, ChannelValueError> {
        u16::try_from(hours)
            .ok()
            .filter(|h| (Self::MIN..=Self::MAX).contains(h))
            .map(Self)
            .ok_or(ChannelValueError::OutOfRange {
                min: i64::from(Self::MIN),
                max: i64::from(Self::MAX),
            })
    }

    /// The number of hours.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The ship-by deadline of an order placed at `placed_at`.
    pub fn deadline(self, placed_at: jiff::Timestamp) -> jiff::Timestamp {
        // At most 720 hours from a valid instant: saturate rather than fail near the end of
        // jiff's range, which no real order reaches.
        placed_at
            .checked_add(jiff::SignedDuration::from_hours(i64::from(self.0)))
            .unwrap_or(jiff::Timestamp::MAX)
    }
}

impl fmt::Display for ShipByHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The priority of a location linked to a channel: 1 is tried first. Allocation uses it
/// only after "can fill the whole order" and "in the shipping region" (orders::allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LocationPriority(u16);

impl LocationPriority {
    /// The most preferred.
    pub const FIRST: Self = Self(1);
    /// The least preferred.
    pub const MAX: u16 = 1000;

    /// 1 to 1000.
    pub fn new(priority: i64) -> Result<Self, ChannelValueError> {
        u16::try_from(priority)
            .ok()
            .filter(|p| (1..=Self::MAX).contains(p))
            .map(Self)
            .ok_or(ChannelValueError::OutOfRange {
                min: 1,
                max: i64::from(Self::MAX),
            })
    }

    /// The number (lower is preferred).
    pub const fn get(self) -> u16 {
        self.0
    }
}

/// How an incoming order line names what was bought, in the channel's terms. The app
/// resolves it to one of our SKUs through the channel's listings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ItemRef {
    /// The channel's SKU code, if the line carries one.
    pub sku: Option<ExternalId>,
    /// The channel's product id.
    pub product_id: Option<ExternalId>,
    /// The channel's variant id.
    pub variant_id: Option<ExternalId>,
}

impl ItemRef {
    /// Whether the line names nothing we could match.
    pub fn is_empty(&self) -> bool {
        self.sku.is_none() && self.product_id.is_none() && self.variant_id.is_none()
    }
}

/// One of our SKUs as sold on one channel: the channel's own ids for it and an optional
/// price override (the channel price when it differs from the catalogue price).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelListing {
    external: ItemRef,
    price_override: Option<Money>,
}

impl ChannelListing {
    /// A listing needs at least one channel-side id; a price override must not be negative.
    pub fn new(
        external: ItemRef,
        price_override: Option<Money>,
    ) -> Result<Self, ChannelValueError> {
        if external.is_empty() {
            return Err(ChannelValueError::EmptyListing);
        }
        if price_override.is_some_and(|p| p.minor() < 0) {
            return Err(ChannelValueError::NegativePrice);
        }
        Ok(Self {
            external,
            price_override,
        })
    }

    /// The channel's ids for the SKU.
    pub fn external(&self) -> &ItemRef {
        &self.external
    }

    /// The channel price, when it differs from the catalogue's.
    pub fn price_override(&self) -> Option<Money> {
        self.price_override
    }

    /// How well this listing matches an incoming line: the variant id is the most specific
    /// (it survives SKU renames on the channel), then the SKU code (case-insensitive), then
    /// the product id, which is trusted only for listings without a variant id (a product
    /// with variants cannot tell which one was bought). `None` means no match; higher wins.
    pub fn match_strength(&self, line: &ItemRef) -> Option<u8> {
        let same = |a: &Option<ExternalId>, b: &Option<ExternalId>| matches!((a, b), (Some(a), Some(b)) if a == b);
        if same(&self.external.variant_id, &line.variant_id) {
            return Some(3);
        }
        let sku = matches!((&self.external.sku, &line.sku),
            (Some(a), Some(b)) if a.match_key() == b.match_key());
        if sku {
            return Some(2);
        }
        let product_only = self.external.variant_id.is_none() && line.variant_id.is_none();
        (product_only && same(&self.external.product_id, &line.product_id)).then_some(1)
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

text_value!(ChannelCode, ChannelName, ExternalId);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn ext(s: &str) -> Option<ExternalId> {
        Some(ExternalId::parse(s).unwrap())
    }

    #[test]
    fn kinds_and_platforms_round_trip_through_codes() {
        assert_eq!(ChannelKind::ALL.len(), 6);
        for k in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(k.code()).unwrap(), *k);
        }
        for p in ChannelPlatform::ALL {
            assert_eq!(ChannelPlatform::parse(p.code()).unwrap(), *p);
        }
        assert_eq!(ChannelKind::PhysicalStore.code(), "physical_store");
        assert!(ChannelKind::parse("shop").is_err());
        assert!(ChannelPlatform::Shopify.receives_webhooks());
        assert!(!ChannelPlatform::Csv.receives_webhooks());
        let json = serde_json::to_string(&ChannelKind::OwnStore).unwrap();
        assert_eq!(json, "\"own_store\"");
    }

    #[test]
    fn codes_are_upper_cased_and_names_trimmed() {
        assert_eq!(ChannelCode::parse(" shop-us ").unwrap().0, "SHOP-US");
        for bad in ["", "has space", "ÜBER", &"X".repeat(33)] {
            assert!(ChannelCode::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ChannelName::parse("  Tmall  ").unwrap().0, "Tmall");
        assert!(ChannelName::parse("a\u{7}b").is_err());
        assert!(ExternalId::parse("").is_err());
        assert_eq!(ExternalId::parse("ipod").unwrap().match_key(), "IPOD");
    }

    #[test]
    fn ship_by_hours_give_a_deadline() {
        let h = ShipByHours::new(48).unwrap();
        let placed: jiff::Timestamp = "2026-01-01T08:00:00Z".parse().unwrap();
        assert_eq!(h.deadline(placed).to_string(), "2026-01-03T08:00:00Z");
        for bad in [0, 721, -1, 70_000] {
            assert!(ShipByHours::new(bad).is_err(), "{bad}");
        }
        assert_eq!(LocationPriority::new(1).unwrap(), LocationPriority::FIRST);
        assert!(LocationPriority::new(0).is_err());
        assert!(LocationPriority::new(1001).is_err());
    }

    #[test]
    fn listings_match_by_variant_then_sku_then_product() {
        let usd = Currency::parse("USD").unwrap();
        let listing = ChannelListing::new(
            ItemRef {
                sku: ext("IPOD2008GREEN"),
                product_id: ext("632910392"),
                variant_id: ext("39072856"),
            },
            Some(Money::from_minor(19900, usd)),
        )
        .unwrap();
        let by_variant = ItemRef {
            variant_id: ext("39072856"),
            ..ItemRef::default()
        };
        assert_eq!(listing.match_strength(&by_variant), Some(3));
        let by_sku = ItemRef {
            sku: ext("ipod2008green"),
            variant_id: ext("1"),
            ..ItemRef::default()
        };
        assert_eq!(listing.match_strength(&by_sku), Some(2));
        let by_product = ItemRef {
            product_id: ext("632910392"),
            ..ItemRef::default()
        };
        assert_eq!(listing.match_strength(&by_product), None);
        let plain = ChannelListing::new(by_product.clone(), None).unwrap();
        assert_eq!(plain.match_strength(&by_product), Some(1));
        assert_eq!(listing.price_override().unwrap().minor(), 19900);
        assert_eq!(
            ChannelListing::new(ItemRef::default(), None),
            Err(ChannelValueError::EmptyListing)
        );
        let negative = Some(Money::from_minor(-1, usd));
        assert_eq!(
            ChannelListing::new(by_variant, negative)
                .unwrap_err()
                .code(),
            "negative"
        );
    }

    proptest! {
        #[test]
        fn ship_by_hours_accept_exactly_their_range(h in -10_i64..2000) {
            prop_assert_eq!(ShipByHours::new(h).is_ok(), (1..=720).contains(&h));
        }

        #[test]
        fn channel_codes_are_idempotent(raw in "[a-zA-Z0-9_-]{1,32}") {
            let once = ChannelCode::parse(&raw).unwrap();
            prop_assert_eq!(ChannelCode::parse(&once.0).unwrap(), once);
        }
    }
}
