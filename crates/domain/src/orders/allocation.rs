//! The allocation planner: which of a channel's linked locations ship which order lines.
//!
//! The rule (issue 6): prefer one location that can fill the whole order; among those,
//! one in the shipping address's region (city match > province match > country match),
//! then the channel link's priority, then the location id (so the plan is deterministic).
//! Split across locations only when no single one can fill everything. If the candidates
//! together hold too little of some SKU, the answer is the list of shortages
//! (`insufficient_stock`), never a partial plan.
//!
//! Splitting is greedy (docs/adr/0014): repeatedly take the location that can supply the
//! most of the still-unallocated units, ties broken by the same region / priority / id
//! ranking, and give it as much of each remaining line as it has. Greedy set cover does
//! not always find the fewest locations, but it is close, explainable to warehouse staff
//! and linear in practice; an exact search is exponential in the number of locations.
//!
//! The plan reserves nothing: the app reserves each part through the inventory service
//! inside its transaction and re-plans if a reservation is refused (stock moved since).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::SkuId;
use crate::channels::LocationPriority;
use crate::inventory::{LocationId, Quantity, Region};

use super::types::PostalAddress;

/// A region for matching, normalised (trimmed, upper-cased, inner spaces collapsed) so
/// `San Francisco` on an address matches `SAN FRANCISCO` on a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionKey {
    country: String,
    province: Option<String>,
    city: Option<String>,
}

fn norm(raw: &str) -> Option<String> {
    let s = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    (!s.is_empty()).then_some(s)
}

impl RegionKey {
    /// A key from its parts; `None` without a country.
    pub fn new(country: &str, province: Option<&str>, city: Option<&str>) -> Option<Self> {
        Some(Self {
            country: norm(country)?,
            province: province.and_then(norm),
            city: city.and_then(norm),
        })
    }

    /// A location's region.
    pub fn of_region(region: &Region) -> Self {
        Self {
            country: region.country().to_owned(),
            province: region.province().and_then(norm),
            city: region.city().and_then(norm),
        }
    }

    /// A shipping address's region; `None` without a country.
    pub fn of_address(address: &PostalAddress) -> Option<Self> {
        let country = address.country?;
        Self::new(
            country.as_str(),
            address.province.as_ref().map(AsRef::as_ref),
            address.city.as_ref().map(AsRef::as_ref),
        )
    }

    /// How closely a location in `self` serves `ship_to`: 3 same city, 2 same province,
    /// 1 same country, 0 otherwise. A city counts only within the same province, and a
    /// province only within the same country.
    pub fn closeness(&self, ship_to: &Self) -> u8 {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        if self.country != ship_to.country {
            0
        } else if !same(&self.province, &ship_to.province) {
            1
        } else if !same(&self.city, &ship_to.city) {
            2
        } else {
            3
        }
    }
}

/// One order line to allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandLine {
    /// Our SKU (resolved from the channel's listing).
    pub sku: SkuId,
    /// How many.
    pub quantity: Quantity,
}

/// A location that may ship the order: linked to the order's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The location.
    pub location: LocationId,
    /// Its priority on the channel link.
    pub priority: LocationPriority,
    /// Where it is, if known.
    pub region: Option<RegionKey>,
    /// Units available (on hand − reserved) per SKU; missing means none.
    pub available: BTreeMap<SkuId, i64>,
}

impl Candidate {
    fn has(&self, sku: SkuId) -> i64 {
        self.available.get(&sku).copied().unwrap_or(0).max(0)
    }
}

/// Part of a line given to one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedLine {
    /// The index of the line in the input.
    pub line: usize,
    /// Its SKU.
    pub sku: SkuId,
    /// How many of it this location ships.
    pub quantity: Quantity,
}

/// What one location ships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanPart {
    /// The location.
    pub location: LocationId,
    /// The lines (or parts of lines) it ships, in input order.
    pub lines: Vec<PlannedLine>,
}

/// A complete plan: every line covered exactly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllocationPlan {
    parts: Vec<PlanPart>,
}

impl AllocationPlan {
    /// The parts, in the order they were chosen (the first is the main location).
    pub fn parts(&self) -> &[PlanPart] {
        &self.parts
    }

    /// Whether the order ships from more than one location.
    pub fn is_split(&self) -> bool {
        self.parts.len() > 1
    }
}

/// Not enough of one SKU across all candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    /// The SKU.
    pub sku: SkuId,
    /// How many units are missing.
    pub short_by: i64,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// The candidates together hold too little (the order goes to the exception queue).
    #[error("not enough stock for {} SKU(s)", .0.len())]
    InsufficientStock(Vec<Shortage>),
    /// The same location was offered twice (a caller bug).
    #[error("location {0} is a candidate more than once")]
    DuplicateCandidate(LocationId),
}

impl AllocationError {
    /// A stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InsufficientStock(_) => "insufficient-stock",
            Self::DuplicateCandidate(_) => "duplicate-candidate",
        }
    }
}

type Rank = (Reverse<u8>, LocationPriority, LocationId);

fn rank(c: &Candidate, ship_to: Option<&RegionKey>) -> Rank {
    let closeness = match (&c.region, ship_to) {
        (Some(r), Some(to)) => r.closeness(to),
        _ => 0,
    };
    (Reverse(closeness), c.priority, c.location)
}

/// Plans an order's allocation (see the module documentation for the rule).
pub fn plan(
    lines: &[DemandLine],
    candidates: &[Candidate],
    ship_to: Option<&RegionKey>,
) -> Result<AllocationPlan, AllocationError> {
    let mut seen = BTreeSet::new();
    if let Some(dup) = candidates.iter().find(|c| !seen.insert(c.location)) {
        return Err(AllocationError::DuplicateCandidate(dup.location));
    }
    let mut demand: BTreeMap<SkuId, i64> = BTreeMap::new();
    for l in lines {
        let want = demand.entry(l.sku).or_insert(0);
        *want = want.saturating_add(l.quantity.get());
    }
    let shortages: Vec<Shortage> = demand
        .iter()
        .filter_map(|(&sku, &want)| {
            let have = candidates
                .iter()
                .fold(0_i64, |sum, c| sum.saturating_add(c.has(sku)));
            (have < want).then_some(Shortage {
                sku,
                short_by: want - have,
            })
        })
        .collect();
    if !shortages.is_empty() {
        return Err(AllocationError::InsufficientStock(shortages));
    }
    if lines.is_empty() {
        return Ok(AllocationPlan::default());
    }
    let whole = candidates
        .iter()
        .filter(|c| demand.iter().all(|(&sku, &want)| c.has(sku) >= want))
        .min_by_key(|c| rank(c, ship_to));
    if let Some(c) = whole {
        let planned = lines
            .iter()
            .enumerate()
            .map(|(i, l)| PlannedLine {
                line: i,
                sku: l.sku,
                quantity: l.quantity,
            })
            .collect();
        return Ok(AllocationPlan {
            parts: vec![PlanPart {
                location: c.location,
                lines: planned,
            }],
        });
    }
    Ok(split(lines, candidates, ship_to))
}

/// Greedy split; the caller has checked that the candidates together suffice.
fn split(
    lines: &[DemandLine],
    candidates: &[Candidate],
    ship_to: Option<&RegionKey>,
) -> AllocationPlan {
    let mut left: Vec<i64> = lines.iter().map(|l| l.quantity.get()).collect();
    let mut stock: Vec<BTreeMap<SkuId, i64>> = candidates
        .iter()
        .map(|c| lines.iter().map(|l| (l.sku, c.has(l.sku))).collect())
        .collect();
    let mut used = vec![false; candidates.len()];
    let mut parts = Vec::new();
    while left.iter().any(|&q| q > 0) {
        let coverage = |i: usize| -> i64 {
            let mut have = stock[i].clone();
            lines
                .iter()
                .zip(&left)
                .map(|(l, &q)| {
                    let h = have.entry(l.sku).or_insert(0);
                    let take = q.min(*h);
                    *h -= take;
                    take
                })
                .sum()
        };
        let best = (0..candidates.len())
            .filter(|&i| !used[i])
            .map(|i| (coverage(i), i))
            .filter(|&(units, _)| units > 0)
            .min_by_key(|&(units, i)| (Reverse(units), rank(&candidates[i], ship_to)));
        let Some((_, i)) = best else { break };
        used[i] = true;
        let mut planned = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            let h = stock[i].entry(l.sku).or_insert(0);
            let take = left[n].min(*h);
            if let Ok(quantity) = Quantity::new(take) {
                *h -= take;
                left[n] -= take;
                planned.push(PlannedLine {
                    line: n,
                    sku: l.sku,
                    quantity,
                });
            }
        }
        parts.push(PlanPart {
            location: candidates[i].location,
            lines: planned,
        });
    }
    AllocationPlan { parts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn sku(n: u128) -> SkuId {
        SkuId::from_uuid(Uuid::from_u128(n))
    }

    fn loc(n: u128) -> LocationId {
        LocationId::from_uuid(Uuid::from_u128(0x100 + n))
    }

    fn line(s: u128, q: i64) -> DemandLine {
        DemandLine {
            sku: sku(s),
            quantity: Quantity::new(q).unwrap(),
        }
    }

    fn region(country: &str, province: &str, city: &str) -> Option<RegionKey> {
        RegionKey::new(country, Some(province), Some(city))
    }

    fn cand(n: u128, priority: i64, region: Option<RegionKey>, stock: &[(u128, i64)]) -> Candidate {
        Candidate {
            location: loc(n),
            priority: LocationPriority::new(priority).unwrap(),
            region,
            available: stock.iter().map(|&(s, q)| (sku(s), q)).collect(),
        }
    }

    fn locations(p: &AllocationPlan) -> Vec<LocationId> {
        p.parts().iter().map(|part| part.location).collect()
    }

    #[test]
    fn regions_match_city_then_province_then_country() {
        let to = region("US", "CA", "San  Francisco").unwrap();
        assert_eq!(
            region("us", "ca", "SAN FRANCISCO").unwrap().closeness(&to),
            3
        );
        assert_eq!(region("US", "CA", "Los Angeles").unwrap().closeness(&to), 2);
        assert_eq!(
            region("US", "NY", "San Francisco").unwrap().closeness(&to),
            1
        );
        assert_eq!(
            region("CA", "CA", "San Francisco").unwrap().closeness(&to),
            0
        );
        assert_eq!(RegionKey::new("US", None, None).unwrap().closeness(&to), 1);
        assert!(RegionKey::new(" ", None, None).is_none());
        let inv = Region::parse("CN", Some("310000"), Some("310100")).unwrap();
        let key = RegionKey::of_region(&inv);
        assert_eq!(
            key.closeness(&RegionKey::new("CN", Some("310000"), Some("310100")).unwrap()),
            3
        );
    }

    #[test]
    fn a_location_that_fills_everything_wins_over_a_closer_partial_one() {
        let to = region("US", "CA", "San Francisco");
        let cands = [
            cand(1, 1, to.clone(), &[(1, 5)]),
            cand(2, 5, region("US", "NY", "New York"), &[(1, 5), (2, 5)]),
        ];
        let p = plan(&[line(1, 2), line(2, 1)], &cands, to.as_ref()).unwrap();
        assert_eq!(locations(&p), [loc(2)]);
        assert!(!p.is_split());
        assert_eq!(p.parts()[0].lines.len(), 2);
    }

    #[test]
    fn among_full_locations_region_beats_priority_and_priority_beats_id() {
        let to = region("US", "CA", "San Francisco");
        let stock = [(1, 10)];
        let cands = [
            cand(1, 1, region("US", "NY", "New York"), &stock),
            cand(2, 9, region("US", "CA", "Los Angeles"), &stock),
            cand(3, 9, to.clone(), &stock),
        ];
        let p = plan(&[line(1, 3)], &cands, to.as_ref()).unwrap();
        assert_eq!(locations(&p), [loc(3)], "same city first");
        let p = plan(&[line(1, 3)], &cands[..2], to.as_ref()).unwrap();
        assert_eq!(
            locations(&p),
            [loc(2)],
            "same province before a better priority"
        );
        let p = plan(&[line(1, 3)], &cands, None).unwrap();
        assert_eq!(
            locations(&p),
            [loc(1)],
            "without an address, priority decides"
        );
        let twins = [cand(7, 2, None, &stock), cand(4, 2, None, &stock)];
        assert_eq!(
            locations(&plan(&[line(1, 1)], &twins, None).unwrap()),
            [loc(4)]
        );
    }

    #[test]
    fn splits_only_when_needed_and_with_the_fewest_greedy_locations() {
        let cands = [
            cand(1, 1, None, &[(1, 1)]),
            cand(2, 2, None, &[(1, 4), (2, 1)]),
            cand(3, 3, None, &[(2, 3)]),
        ];
        let p = plan(&[line(1, 4), line(2, 3)], &cands, None).unwrap();
        assert!(p.is_split());
        assert_eq!(locations(&p), [loc(2), loc(3)]);
        let first = &p.parts()[0].lines;
        assert_eq!(
            first
                .iter()
                .map(|l| (l.line, l.quantity.get()))
                .collect::<Vec<_>>(),
            [(0, 4), (1, 1)]
        );
        let second = &p.parts()[1].lines;
        assert_eq!(
            second
                .iter()
                .map(|l| (l.line, l.quantity.get()))
                .collect::<Vec<_>>(),
            [(1, 2)]
        );
    }

    #[test]
    fn shortages_are_listed_per_sku() {
        let cands = [
            cand(1, 1, None, &[(1, 2), (2, -3)]),
            cand(2, 1, None, &[(1, 1)]),
        ];
        let err = plan(&[line(1, 2), line(2, 1), line(1, 2)], &cands, None).unwrap_err();
        assert_eq!(err.code(), "insufficient-stock");
        assert_eq!(
            err,
            AllocationError::InsufficientStock(vec![
                Shortage {
                    sku: sku(1),
                    short_by: 1
                },
                Shortage {
                    sku: sku(2),
                    short_by: 1
                },
            ])
        );
        let none = plan(&[line(1, 1)], &[], None).unwrap_err();
        assert_eq!(
            none,
            AllocationError::InsufficientStock(vec![Shortage {
                sku: sku(1),
                short_by: 1
            }])
        );
        let dup = [cand(1, 1, None, &[]), cand(1, 2, None, &[])];
        assert_eq!(
            plan(&[], &dup, None),
            Err(AllocationError::DuplicateCandidate(loc(1)))
        );
        assert_eq!(plan(&[], &cands, None).unwrap().parts().len(), 0);
    }

    fn arb_case() -> impl Strategy<Value = (Vec<DemandLine>, Vec<Candidate>, Option<RegionKey>)> {
        let regions = prop_oneof![
            Just(None),
            Just(region("US", "CA", "SF")),
            Just(region("US", "CA", "LA")),
            Just(region("US", "NY", "NYC")),
            Just(region("CN", "310000", "310100")),
        ];
        let lines = proptest::collection::vec((0_u128..4, 1_i64..8), 1..6)
            .prop_map(|ls| ls.into_iter().map(|(s, q)| line(s, q)).collect::<Vec<_>>());
        let cand_s = (
            1_i64..4,
            regions.clone(),
            proptest::collection::vec(0_i64..12, 4),
        );
        let cands = proptest::collection::vec(cand_s, 0..6).prop_map(|cs| {
            cs.into_iter()
                .enumerate()
                .map(|(n, (prio, region, stock))| {
                    let stock: Vec<_> = stock
                        .into_iter()
                        .enumerate()
                        .map(|(s, q)| (s as u128, q))
                        .collect();
                    cand(n as u128, prio, region, &stock)
                })
                .collect::<Vec<_>>()
        });
        (lines, cands, regions)
    }

    proptest! {
        #[test]
        fn plans_cover_lines_exactly_within_stock_and_prefer_one_location(
            (lines, cands, ship_to) in arb_case(),
            rotate in 0_usize..6,
        ) {
            let fillable: Vec<&Candidate> = cands
                .iter()
                .filter(|c| {
                    let mut need: BTreeMap<SkuId, i64> = BTreeMap::new();
                    for l in &lines { *need.entry(l.sku).or_insert(0) += l.quantity.get(); }
                    need.iter().all(|(s, q)| c.has(*s) >= *q)
                })
                .collect();
            let result = plan(&lines, &cands, ship_to.as_ref());
            let mut shuffled = cands.clone();
            if !shuffled.is_empty() {
                let k = rotate % shuffled.len();
                shuffled.rotate_left(k);
            }
            prop_assert_eq!(&plan(&lines, &shuffled, ship_to.as_ref()), &result, "deterministic");
            match result {
                Ok(p) => {
                    let mut covered = vec![0_i64; lines.len()];
                    let mut taken: BTreeMap<(LocationId, SkuId), i64> = BTreeMap::new();
                    for part in p.parts() {
                        for pl in &part.lines {
                            prop_assert_eq!(pl.sku, lines[pl.line].sku);
                            covered[pl.line] += pl.quantity.get();
                            *taken.entry((part.location, pl.sku)).or_insert(0) += pl.quantity.get();
                        }
                    }
                    for (n, l) in lines.iter().enumerate() {
                        prop_assert_eq!(covered[n], l.quantity.get());
                    }
                    for ((location, s), q) in taken {
                        let c = cands.iter().find(|c| c.location == location).unwrap();
                        prop_assert!(q <= c.has(s), "over-allocated");
                    }
                    if let Some(best) = fillable.iter().min_by_key(|c| rank(c, ship_to.as_ref())) {
                        prop_assert_eq!(locations(&p), vec![best.location]);
                    } else {
                        prop_assert!(p.is_split());
                    }
                }
                Err(AllocationError::InsufficientStock(shortages)) => {
                    prop_assert!(!shortages.is_empty() && fillable.is_empty());
                    for s in shortages {
                        let want: i64 = lines.iter().filter(|l| l.sku == s.sku).map(|l| l.quantity.get()).sum();
                        let have: i64 = cands.iter().map(|c| c.has(s.sku)).sum();
                        prop_assert_eq!(s.short_by, want - have);
                    }
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }

    proptest! {
        #[test]
        fn when_stock_suffices_in_total_a_plan_always_exists_and_is_exact(
            lines in proptest::collection::vec((0_u128..3, 1_i64..6), 1..5),
            owners in proptest::collection::vec(0_usize..4, 40),
            extra in proptest::collection::vec(0_i64..3, 12),
            priorities in proptest::collection::vec(1_i64..3, 4),
        ) {
            let lines: Vec<_> = lines.into_iter().map(|(s, q)| line(s, q)).collect();
            // Hand every demanded unit to some location, so the total always suffices but
            // usually no single location holds everything.
            let mut stock = vec![BTreeMap::<SkuId, i64>::new(); 4];
            let units = lines.iter().flat_map(|l| std::iter::repeat_n(l.sku, l.quantity.get() as usize));
            for (unit, owner) in units.zip(owners.iter().cycle()) {
                *stock[*owner].entry(unit).or_insert(0) += 1;
            }
            for (i, e) in extra.iter().enumerate() {
                *stock[i % 4].entry(sku((i / 4) as u128)).or_insert(0) += e;
            }
            let cands: Vec<Candidate> = stock
                .into_iter()
                .enumerate()
                .map(|(n, available)| Candidate {
                    location: loc(n as u128),
                    priority: LocationPriority::new(priorities[n]).unwrap(),
                    region: None,
                    available,
                })
                .collect();
            let p = plan(&lines, &cands, None).unwrap();
            let mut covered = vec![0_i64; lines.len()];
            let mut taken: BTreeMap<(LocationId, SkuId), i64> = BTreeMap::new();
            let mut seen = BTreeSet::new();
            for part in p.parts() {
                prop_assert!(seen.insert(part.location), "a location appears once");
                prop_assert!(!part.lines.is_empty());
                for pl in &part.lines {
                    covered[pl.line] += pl.quantity.get();
                    *taken.entry((part.location, pl.sku)).or_insert(0) += pl.quantity.get();
                }
            }
            for (n, l) in lines.iter().enumerate() {
                prop_assert_eq!(covered[n], l.quantity.get());
            }
            for ((location, s), q) in taken {
                let c = cands.iter().find(|c| c.location == location).unwrap();
                prop_assert!(q <= c.has(s));
            }
        }
    }
}
