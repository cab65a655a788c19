//! Order edits before shipment (ORD-6): the figures of a line resized to a new number of
//! open units, and the order's totals computed again from its lines. Pure arithmetic on
//! minor units; the app decides which orders may be edited and moves the stock.
//!
//! A line's figures always describe its open units (ordered − cancelled): a resized
//! line's subtotal is unit price × open units, and its discount and tax scale in
//! proportion (rounded half away from zero). The order keeps what no line carries —
//! order-level discounts and tax on shipping — unchanged.

/// The money figures of one line, in minor units of the order's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFigures {
    /// Units ordered.
    pub ordered: i64,
    /// Units cancelled.
    pub cancelled: i64,
    /// Price of one unit.
    pub unit_price: i64,
    /// What the open units cost before discounts.
    pub subtotal: i64,
    /// Discount on the line.
    pub discount: i64,
    /// Tax on the line.
    pub tax: i64,
}

impl LineFigures {
    /// Units still to deliver.
    pub const fn open(&self) -> i64 {
        self.ordered - self.cancelled
    }
}

/// An order's totals, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFigures {
    /// Σ line subtotals.
    pub items: i64,
    /// Line and order-level discounts.
    pub discounts: i64,
    /// Shipping charged.
    pub shipping: i64,
    /// Fees, duties, tips.
    pub fees: i64,
    /// Tax (lines and the rest).
    pub tax: i64,
    /// Whether prices include the tax.
    pub tax_included: bool,
    /// What the customer pays.
    pub total: i64,
}

/// Why an edit's figures were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Open units must be 0 to 100,000 (0 only by cancelling).
    #[error("a line's quantity must be 1 to 100000 units")]
    QuantityOutOfRange,
    /// A sum too large to hold.
    #[error("the amounts are too large")]
    Overflow,
    /// The discounts would exceed what is charged.
    #[error("the order's discounts would exceed what it charges")]
    NegativeTotal,
}

impl EditError {
    /// A stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::QuantityOutOfRange => "quantity-out-of-range",
            Self::Overflow => "amount-overflow",
            Self::NegativeTotal => "negative-total",
        }
    }
}

/// The most units one line may carry after an edit.
pub const MAX_LINE_UNITS: i64 = 100_000;

/// `value × new / old`, rounded half away from zero (`old` > 0).
fn scale(value: i64, new: i64, old: i64) -> Result<i64, EditError> {
    let n = i128::from(value) * i128::from(new);
    let d = i128::from(old);
    let q = (2 * n + d) / (2 * d);
    i64::try_from(q).map_err(|_| EditError::Overflow)
}

/// The line with `open` units left: cancelling units when it shrinks, ordering more when
/// it grows. `open` = 0 cancels the line.
pub fn resize_line(line: &LineFigures, open: i64) -> Result<LineFigures, EditError> {
    if !(0..=MAX_LINE_UNITS).contains(&open) {
        return Err(EditError::QuantityOutOfRange);
    }
    let now = line.open();
    let (ordered, cancelled) = if open <= now {
        (line.ordered, line.cancelled + (now - open))
    } else {
        (line.ordered + (open - now), line.cancelled)
    };
    let subtotal = line
        .unit_price
        .checked_mul(open)
        .ok_or(EditError::Overflow)?;
    let (discount, tax) = if now > 0 {
        (
            scale(line.discount, open, now)?,
            scale(line.tax, open, now)?,
        )
    } else {
        (0, 0)
    };
    Ok(LineFigures {
        ordered,
        cancelled,
        unit_price: line.unit_price,
        subtotal,
        discount,
        tax,
    })
}

fn sum(lines: &[LineFigures], f: impl Fn(&LineFigures) -> i64) -> Result<i64, EditError> {
    lines
        .iter()
        .try_fold(0_i64, |acc, l| acc.checked_add(f(l)))
        .ok_or(EditError::Overflow)
}

/// The order's totals once its lines went from `before` to `after`: items, discounts and
/// tax follow the lines; order-level discounts, shipping, fees and the tax no line
/// carries stay; the total is computed by the same equation intake checks.
pub fn retotal(
    order: &OrderFigures,
    before: &[LineFigures],
    after: &[LineFigures],
) -> Result<OrderFigures, EditError> {
    let order_discount = (order.discounts - sum(before, |l| l.discount)?).max(0);
    let order_tax = (order.tax - sum(before, |l| l.tax)?).max(0);
    let items = sum(after, |l| l.subtotal)?;
    let discounts = order_discount
        .checked_add(sum(after, |l| l.discount)?)
        .ok_or(EditError::Overflow)?;
    let tax = order_tax
        .checked_add(sum(after, |l| l.tax)?)
        .ok_or(EditError::Overflow)?;
    let mut total = items
        .checked_sub(discounts)
        .and_then(|t| t.checked_add(order.shipping))
        .and_then(|t| t.checked_add(order.fees))
        .ok_or(EditError::Overflow)?;
    if !order.tax_included {
        total = total.checked_add(tax).ok_or(EditError::Overflow)?;
    }
    if total < 0 {
        return Err(EditError::NegativeTotal);
    }
    Ok(OrderFigures {
        items,
        discounts,
        tax,
        total,
        ..*order
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(ordered: i64, unit: i64, discount: i64, tax: i64) -> LineFigures {
        LineFigures {
            ordered,
            cancelled: 0,
            unit_price: unit,
            subtotal: unit * ordered,
            discount,
            tax,
        }
    }

    #[test]
    fn shrinking_cancels_units_and_scales_discount_and_tax() {
        let l = resize_line(&line(4, 2_500, 1_000, 400), 1).unwrap();
        assert_eq!((l.ordered, l.cancelled, l.open()), (4, 3, 1));
        assert_eq!((l.subtotal, l.discount, l.tax), (2_500, 250, 100));
        let grown = resize_line(&l, 3).unwrap();
        assert_eq!((grown.ordered, grown.cancelled, grown.open()), (6, 3, 3));
        assert_eq!(
            (grown.subtotal, grown.discount, grown.tax),
            (7_500, 750, 300)
        );
        let gone = resize_line(&l, 0).unwrap();
        assert_eq!(
            (gone.open(), gone.subtotal, gone.discount, gone.tax),
            (0, 0, 0, 0)
        );
        assert_eq!(resize_line(&l, -1), Err(EditError::QuantityOutOfRange));
        assert_eq!(
            resize_line(&l, MAX_LINE_UNITS + 1),
            Err(EditError::QuantityOutOfRange)
        );
    }

    #[test]
    fn totals_keep_order_level_figures() {
        let before = [line(2, 5_000, 0, 0), line(1, 3_000, 500, 0)];
        let order = OrderFigures {
            items: 13_000,
            discounts: 1_500, // 500 on a line, 1,000 on the order
            shipping: 800,
            fees: 0,
            tax: 0,
            tax_included: true,
            total: 12_300,
        };
        let after = [resize_line(&before[0], 1).unwrap(), before[1]];
        let t = retotal(&order, &before, &after).unwrap();
        assert_eq!((t.items, t.discounts, t.total), (8_000, 1_500, 7_300));
        assert_eq!(t.shipping, 800);
        let mut added = after.to_vec();
        added.push(line(2, 1_000, 0, 130));
        let excl = OrderFigures {
            tax_included: false,
            tax: 0,
            ..order
        };
        let t = retotal(&excl, &before, &added).unwrap();
        assert_eq!((t.items, t.tax, t.total), (10_000, 130, 9_430));
    }

    #[test]
    fn discounts_beyond_the_charge_are_refused() {
        let before = [line(2, 1_000, 0, 0)];
        let order = OrderFigures {
            items: 2_000,
            discounts: 1_500,
            shipping: 0,
            fees: 0,
            tax: 0,
            tax_included: true,
            total: 500,
        };
        let after = [resize_line(&before[0], 1).unwrap()];
        assert_eq!(
            retotal(&order, &before, &after),
            Err(EditError::NegativeTotal)
        );
    }

    proptest! {
        #[test]
        fn resizing_back_restores_the_figures(units in 1_i64..50, unit in 0_i64..1_000_000, to in 0_i64..50) {
            let l = line(units, unit, 0, 0);
            let r = resize_line(&l, to).unwrap();
            prop_assert_eq!(r.open(), to);
            prop_assert_eq!(r.subtotal, unit * to);
            prop_assert!(r.cancelled >= 0 && r.ordered >= units);
            let back = resize_line(&r, units).unwrap();
            prop_assert_eq!(back.subtotal, l.subtotal);
        }

        #[test]
        fn totals_follow_the_equation(a in 1_i64..20, b in 1_i64..20, price in 1_i64..100_000, ship in 0_i64..10_000, to in 1_i64..20) {
            let before = [line(a, price, 0, 0), line(b, price, 0, 0)];
            let items = price * (a + b);
            let order = OrderFigures { items, discounts: 0, shipping: ship, fees: 0, tax: 0, tax_included: true, total: items + ship };
            let after = [resize_line(&before[0], to).unwrap(), before[1]];
            let t = retotal(&order, &before, &after).unwrap();
            prop_assert_eq!(t.total, price * (to + b) + ship);
        }
    }
}
