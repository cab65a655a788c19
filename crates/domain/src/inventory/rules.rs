//! Inventory rules: which alerts a stock level should have given its thresholds, what to
//! raise and clear when it changes, stocktake variance maths, and whether an adjustment
//! needs a second person's approval.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::types::MAX_QUANTITY;

/// A kind of stock alert for one SKU at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Available at or below the low-stock threshold or the reorder point (but above 0).
    LowStock,
    /// Nothing available.
    OutOfStock,
    /// On hand above the overstock threshold.
    Overstock,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::LowStock, Self::OutOfStock, Self::Overstock];

    /// The stored code (also the event kind suffix).
    pub const fn code(self) -> &'static str {
        match self {
            Self::LowStock => "low_stock",
            Self::OutOfStock => "out_of_stock",
            Self::Overstock => "overstock",
        }
    }

    /// Parses a stored code.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == raw)
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why thresholds were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// A threshold outside 0..=max.
    #[error("{field} must be from 0 to {max}")]
    OutOfRange {
        /// Which threshold.
        field: &'static str,
        /// Largest accepted.
        max: i64,
    },
    /// The overstock threshold is not above the low-stock ones.
    #[error("overstock must be above the low-stock threshold and the reorder point")]
    OverstockTooLow,
}

/// The alert thresholds of one SKU at one location; `None` turns a rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AlertThresholds {
    low_stock: Option<i64>,
    reorder_point: Option<i64>,
    overstock: Option<i64>,
}

impl AlertThresholds {
    /// Checks each threshold is 0..=[`MAX_QUANTITY`] and overstock lies above the others.
    pub fn new(
        low_stock: Option<i64>,
        reorder_point: Option<i64>,
        overstock: Option<i64>,
    ) -> Result<Self, ThresholdError> {
        for (field, v) in [
            ("low_stock", low_stock),
            ("reorder_point", reorder_point),
            ("overstock", overstock),
        ] {
            if v.is_some_and(|v| !(0..=MAX_QUANTITY).contains(&v)) {
                return Err(ThresholdError::OutOfRange {
                    field,
                    max: MAX_QUANTITY,
                });
            }
        }
        let t = Self {
            low_stock,
            reorder_point,
            overstock,
        };
        if let (Some(over), Some(low)) = (overstock, t.low_mark())
            && over <= low
        {
            return Err(ThresholdError::OverstockTooLow);
        }
        Ok(t)
    }

    /// Low-stock threshold.
    pub fn low_stock(&self) -> Option<i64> {
        self.low_stock
    }

    /// Reorder point.
    pub fn reorder_point(&self) -> Option<i64> {
        self.reorder_point
    }

    /// Overstock threshold.
    pub fn overstock(&self) -> Option<i64> {
        self.overstock
    }

    /// The level at or below which stock is low: the higher of the two low rules.
    pub fn low_mark(&self) -> Option<i64> {
        self.low_stock.max(self.reorder_point)
    }
}

/// The figures of one stock level the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockFigures {
    /// Physically on hand.
    pub on_hand: i64,
    /// Held for order lines.
    pub reserved: i64,
}

impl StockFigures {
    /// On hand minus reserved (negative only for backordered SKUs).
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// The alerts a level should have: out of stock when nothing is available, else low
/// stock at or below the low mark; overstock when on hand exceeds its threshold.
pub fn alerts_for(level: StockFigures, t: &AlertThresholds) -> BTreeSet<AlertKind> {
    let mut out = BTreeSet::new();
    let available = level.available();
    if available <= 0 {
        out.insert(AlertKind::OutOfStock);
    } else if t.low_mark().is_some_and(|low| available <= low) {
        out.insert(AlertKind::LowStock);
    }
    if t.overstock.is_some_and(|over| level.on_hand > over) {
        out.insert(AlertKind::Overstock);
    }
    out
}

/// What to raise and what to clear to go from the `active` alerts to the `wanted` ones.
pub fn alert_changes(
    active: &BTreeSet<AlertKind>,
    wanted: &BTreeSet<AlertKind>,
) -> (Vec<AlertKind>, Vec<AlertKind>) {
    let raise = wanted.difference(active).copied().collect();
    let clear = active.difference(wanted).copied().collect();
    (raise, clear)
}

/// One stocktake line's variance.
///
/// The count is compared with what the books said *when the count was entered*, not at
/// the snapshot: on hand at count time already includes every movement since the
/// snapshot (sales shipped, receipts put away while counting), so booking
/// `counted - on_hand_at_count` when posting leaves on hand equal to the physical stock
/// plus any movements after the count, which the ledger also holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Variance {
    /// On hand when the stocktake opened.
    pub snapshot: i64,
    /// Net movements between the snapshot and the count.
    pub movements_during_count: i64,
    /// What the books said when the count was entered.
    pub expected: i64,
    /// What was counted.
    pub counted: i64,
    /// counted - expected: the count movement to book.
    pub variance: i64,
}

impl Variance {
    /// The variance of a line counted while the books said `on_hand_at_count`.
    pub fn compute(snapshot: i64, on_hand_at_count: i64, counted: i64) -> Self {
        Self {
            snapshot,
            movements_during_count: on_hand_at_count - snapshot,
            expected: on_hand_at_count,
            counted,
            variance: counted - on_hand_at_count,
        }
    }

    /// The variance valued at `unit_cost_minor` (none when the cost is unknown).
    pub fn value_minor(&self, unit_cost_minor: Option<i64>) -> Option<i64> {
        unit_cost_minor.and_then(|c| c.checked_mul(self.variance))
    }
}

/// When an adjustment needs a second person: above a quantity, or above a value (units
/// times unit cost). `None` turns a rule off; with both off every adjustment applies at
/// once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ApprovalThresholds {
    /// Largest absolute quantity applied without approval.
    pub quantity: Option<i64>,
    /// Largest absolute value (minor units) applied without approval.
    pub value_minor: Option<i64>,
}

/// Whether an adjustment of `delta` units costing `unit_cost_minor` each needs approval.
/// The value rule applies only when the SKU's cost is known.
pub fn needs_approval(t: &ApprovalThresholds, delta: i64, unit_cost_minor: Option<i64>) -> bool {
    let units = delta.unsigned_abs();
    let over_quantity = t.quantity.is_some_and(|q| units > q.max(0).unsigned_abs());
    let value = unit_cost_minor.map(|c| u128::from(units) * u128::from(c.max(0).unsigned_abs()));
    let over_value = match (t.value_minor, value) {
        (Some(limit), Some(v)) => v > u128::from(limit.max(0).unsigned_abs()),
        _ => false,
    };
    over_quantity || over_value
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(kinds: &[AlertKind]) -> BTreeSet<AlertKind> {
        kinds.iter().copied().collect()
    }

    #[test]
    fn levels_raise_the_alert_their_available_stock_calls_for() {
        let t = AlertThresholds::new(Some(5), Some(8), Some(100)).unwrap();
        let at = |on_hand, reserved| alerts_for(StockFigures { on_hand, reserved }, &t);
        assert_eq!(at(50, 0), set(&[]));
        assert_eq!(at(8, 0), set(&[AlertKind::LowStock]));
        assert_eq!(at(10, 2), set(&[AlertKind::LowStock]));
        assert_eq!(at(3, 3), set(&[AlertKind::OutOfStock]));
        assert_eq!(at(101, 0), set(&[AlertKind::Overstock]));
        assert_eq!(
            at(101, 101),
            set(&[AlertKind::OutOfStock, AlertKind::Overstock])
        );
        let none = AlertThresholds::default();
        assert_eq!(
            alerts_for(
                StockFigures {
                    on_hand: 1,
                    reserved: 0
                },
                &none
            ),
            set(&[])
        );
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(AlertThresholds::new(Some(-1), None, None).is_err());
        assert_eq!(
            AlertThresholds::new(Some(10), None, Some(10)).unwrap_err(),
            ThresholdError::OverstockTooLow
        );
        assert_eq!(
            AlertThresholds::new(Some(3), Some(7), None)
                .unwrap()
                .low_mark(),
            Some(7)
        );
    }

    #[test]
    fn changes_raise_the_new_and_clear_the_gone() {
        let (raise, clear) =
            alert_changes(&set(&[AlertKind::LowStock]), &set(&[AlertKind::OutOfStock]));
        assert_eq!(
            (raise, clear),
            (vec![AlertKind::OutOfStock], vec![AlertKind::LowStock])
        );
    }

    #[test]
    fn variance_counts_against_the_books_at_count_time() {
        // Snapshot 10; 3 shipped while counting (books say 7); 6 found on the shelf.
        let v = Variance::compute(10, 7, 6);
        assert_eq!(
            (v.movements_during_count, v.expected, v.variance),
            (-3, 7, -1)
        );
        assert_eq!(v.value_minor(Some(250)), Some(-250));
        assert_eq!(v.value_minor(None), None);
    }

    #[test]
    fn approval_is_needed_above_either_threshold() {
        let t = ApprovalThresholds {
            quantity: Some(10),
            value_minor: Some(10_000),
        };
        assert!(!needs_approval(&t, -10, Some(1_000)));
        assert!(needs_approval(&t, -11, None));
        assert!(needs_approval(&t, 2, Some(6_000)));
        assert!(!needs_approval(&t, 2, Some(5_000)));
        assert!(!needs_approval(
            &ApprovalThresholds::default(),
            1_000_000,
            Some(1)
        ));
    }

    proptest! {
        #[test]
        fn out_of_stock_and_low_stock_never_coexist(on_hand in 0i64..1000, reserved in 0i64..1000,
                low in proptest::option::of(0i64..500), over in proptest::option::of(501i64..2000)) {
            let t = AlertThresholds::new(low, None, over).unwrap();
            let a = alerts_for(StockFigures { on_hand, reserved }, &t);
            prop_assert!(!(a.contains(&AlertKind::LowStock) && a.contains(&AlertKind::OutOfStock)));
            prop_assert_eq!(a.contains(&AlertKind::OutOfStock), on_hand - reserved <= 0);
        }

        #[test]
        fn applying_changes_reaches_the_wanted_set(active in proptest::collection::btree_set(0usize..3, 0..3),
                wanted in proptest::collection::btree_set(0usize..3, 0..3)) {
            let to = |s: &BTreeSet<usize>| s.iter().map(|i| AlertKind::ALL[*i]).collect::<BTreeSet<_>>();
            let (active, wanted) = (to(&active), to(&wanted));
            let (raise, clear) = alert_changes(&active, &wanted);
            let mut now = active.clone();
            now.extend(raise);
            for c in clear { now.remove(&c); }
            prop_assert_eq!(now, wanted);
        }

        #[test]
        fn posting_a_variance_lands_on_the_count(snapshot in 0i64..10_000, during in -5_000i64..5_000, counted in 0i64..10_000) {
            let v = Variance::compute(snapshot, snapshot + during, counted);
            prop_assert_eq!(v.expected + v.variance, counted);
            prop_assert_eq!(v.snapshot + v.movements_during_count, v.expected);
        }

        #[test]
        fn approval_grows_monotonically_with_size(q in 0i64..1000, extra in 0i64..1000, cost in proptest::option::of(0i64..10_000)) {
            let t = ApprovalThresholds { quantity: Some(500), value_minor: Some(1_000_000) };
            if needs_approval(&t, q, cost) {
                prop_assert!(needs_approval(&t, q + extra, cost));
            }
        }
    }
}
