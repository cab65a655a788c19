//! Channel rules: the list of locations linked to a channel (each once, with a priority)
//! and picking the listing an incoming order line refers to.

use std::collections::BTreeSet;

use crate::inventory::LocationId;

use super::types::{ChannelListing, ItemRef, LocationPriority};

/// A location a channel ships from, with its priority for allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkedLocation {
    /// The location.
    pub location: LocationId,
    /// Lower is tried first among otherwise equal candidates.
    pub priority: LocationPriority,
}

/// Why a channel's location links were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The same location linked twice.
    #[error("location {0} is linked more than once")]
    Duplicate(LocationId),
}

impl LinkError {
    /// A stable code.
    pub const fn code(&self) -> &'static str {
        "duplicate-location-link"
    }
}

/// Checks a channel's links and returns them in allocation order (priority, then location
/// id, so the order is total and the same on every run). An empty list is allowed: such a
/// channel's orders all end up `insufficient_stock` until a location is linked.
pub fn check_links(links: &[LinkedLocation]) -> Result<Vec<LinkedLocation>, LinkError> {
    let mut seen = BTreeSet::new();
    for link in links {
        if !seen.insert(link.location) {
            return Err(LinkError::Duplicate(link.location));
        }
    }
    let mut sorted = links.to_vec();
    sorted.sort_by_key(|l| (l.priority, l.location));
    Ok(sorted)
}

/// The listing an incoming line refers to: the strongest match
/// ([`ChannelListing::match_strength`]); among equally strong matches the first given, so
/// callers pass listings in a stable order (e.g. by listing id). `None` = unknown SKU.
pub fn best_listing<'a, K>(
    listings: &'a [(K, ChannelListing)],
    line: &ItemRef,
) -> Option<&'a (K, ChannelListing)> {
    let mut best: Option<(u8, &'a (K, ChannelListing))> = None;
    for entry in listings {
        if let Some(strength) = entry.1.match_strength(line)
            && best.is_none_or(|(s, _)| strength > s)
        {
            best = Some((strength, entry));
        }
    }
    best.map(|(_, entry)| entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::ExternalId;
    use uuid::Uuid;

    fn loc(n: u128) -> LocationId {
        LocationId::from_uuid(Uuid::from_u128(n))
    }

    fn ext(s: &str) -> Option<ExternalId> {
        Some(ExternalId::parse(s).unwrap())
    }

    #[test]
    fn links_are_unique_and_sorted_by_priority_then_id() {
        let p = |n| LocationPriority::new(n).unwrap();
        let links = [
            LinkedLocation {
                location: loc(3),
                priority: p(2),
            },
            LinkedLocation {
                location: loc(2),
                priority: p(1),
            },
            LinkedLocation {
                location: loc(1),
                priority: p(2),
            },
        ];
        let sorted = check_links(&links).unwrap();
        let ids: Vec<_> = sorted.iter().map(|l| l.location).collect();
        assert_eq!(ids, [loc(2), loc(1), loc(3)]);
        let twice = [links[0], links[0]];
        assert_eq!(check_links(&twice), Err(LinkError::Duplicate(loc(3))));
        assert!(check_links(&[]).unwrap().is_empty());
    }

    #[test]
    fn the_strongest_listing_wins_and_ties_keep_the_first() {
        let by_sku = ChannelListing::new(
            ItemRef {
                sku: ext("TEE-M"),
                ..ItemRef::default()
            },
            None,
        )
        .unwrap();
        let by_variant = ChannelListing::new(
            ItemRef {
                variant_id: ext("42"),
                ..ItemRef::default()
            },
            None,
        )
        .unwrap();
        let listings = vec![("a", by_sku.clone()), ("b", by_variant), ("c", by_sku)];
        let line = ItemRef {
            sku: ext("tee-m"),
            product_id: None,
            variant_id: ext("42"),
        };
        assert_eq!(best_listing(&listings, &line).unwrap().0, "b");
        let sku_only = ItemRef {
            sku: ext("TEE-M"),
            ..ItemRef::default()
        };
        assert_eq!(best_listing(&listings, &sku_only).unwrap().0, "a");
        let unknown = ItemRef {
            sku: ext("NOPE"),
            ..ItemRef::default()
        };
        assert!(best_listing(&listings, &unknown).is_none());
    }
}
