//! Invoice rules: the number format and the lines and totals an invoice snapshots from an
//! order. Amounts are integer minor units in the order's currency.

use super::types::{InvoiceKind, InvoiceValueError};

/// An invoice number: the kind's prefix, the year of issue and the merchant's gap-free
/// sequence for that year (`INV-2026-000001`, `CN-2026-000002`). Invoices and credit
/// notes share one series per merchant and year, so the sequence alone is gap-free.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvoiceNumber {
    kind: InvoiceKind,
    year: i16,
    sequence: u32,
}

impl InvoiceNumber {
    /// Digits the sequence is padded to.
    pub const WIDTH: usize = 6;
    /// The largest sequence in one year.
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// The number for the `sequence`-th document (1 or more) of `year`.
    pub fn new(kind: InvoiceKind, year: i16, sequence: i64) -> Result<Self, InvoiceValueError> {
        let sequence = u32::try_from(sequence).map_err(|_| InvoiceValueError::BadSequence)?;
        if !(1..=Self::MAX_SEQUENCE).contains(&sequence) {
            return Err(InvoiceValueError::BadSequence);
        }
        Ok(Self {
            kind,
            year,
            sequence,
        })
    }

    /// The prefix printed for a kind.
    pub const fn prefix(kind: InvoiceKind) -> &'static str {
        match kind {
            InvoiceKind::Invoice => "INV",
            InvoiceKind::CreditNote => "CN",
        }
    }
}

impl std::fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{:04}-{:0width$}",
            Self::prefix(self.kind),
            self.year,
            self.sequence,
            width = Self::WIDTH
        )
    }
}

/// One order line as the invoice needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// What was sold, as printed.
    pub description: String,
    /// The SKU code, if known.
    pub sku: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Units cancelled before invoicing.
    pub cancelled: i64,
    /// Price of one unit.
    pub unit_price: i64,
    /// Line discount.
    pub discount: i64,
    /// Line tax.
    pub tax: i64,
}

/// One printed invoice line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLineDraft {
    /// 0-based.
    pub position: i64,
    /// What was sold.
    pub description: String,
    /// The SKU code, if known.
    pub sku: Option<String>,
    /// Units billed.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: i64,
    /// quantity x unit price.
    pub subtotal: i64,
    /// Discount on the billed units.
    pub discount: i64,
    /// Tax on the billed units.
    pub tax: i64,
}

/// An invoice's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InvoiceTotals {
    /// Sum of line subtotals.
    pub items: i64,
    /// Sum of discounts (line and order level).
    pub discount: i64,
    /// Shipping charged.
    pub shipping: i64,
    /// Sum of line taxes.
    pub tax: i64,
    /// What the buyer pays.
    pub total: i64,
}

/// The invoice lines for an order's lines: cancelled units are not billed, and a line's
/// discount and tax shrink with the units billed (rounded down, remainder on the last
/// unit so a fully billed line keeps its amounts exactly). Fully cancelled lines vanish.
pub fn invoice_lines(lines: &[SourceLine]) -> Vec<InvoiceLineDraft> {
    lines
        .iter()
        .filter(|l| l.quantity > l.cancelled)
        .enumerate()
        .map(|(i, l)| {
            let billed = l.quantity - l.cancelled;
            let share = |amount: i64| {
                i64::try_from(i128::from(amount) * i128::from(billed) / i128::from(l.quantity))
                    .unwrap_or(amount)
            };
            InvoiceLineDraft {
                position: i64::try_from(i).unwrap_or(i64::MAX),
                description: l.description.clone(),
                sku: l.sku.clone(),
                quantity: billed,
                unit_price: l.unit_price,
                subtotal: l.unit_price.saturating_mul(billed),
                discount: share(l.discount),
                tax: share(l.tax),
            }
        })
        .collect()
}

/// The order's own figures, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderFigures {
    /// Sum of line subtotals.
    pub items: i64,
    /// Discounts.
    pub discounts: i64,
    /// Shipping charged.
    pub shipping: i64,
    /// Other fees (billed with shipping).
    pub fees: i64,
    /// Tax.
    pub tax: i64,
    /// Whether prices include tax.
    pub tax_included: bool,
}

/// The invoice's totals. When every unit is billed they are the order's own figures
/// (which already add up, order-level discounts and tax included); when units were
/// cancelled, the billed lines' amounts plus shipping and fees. Tax is added to the
/// total only when prices exclude it.
pub fn invoice_totals(lines: &[InvoiceLineDraft], order: OrderFigures) -> InvoiceTotals {
    let items: i64 = lines.iter().map(|l| l.subtotal).sum();
    let shipping = order.shipping + order.fees;
    let (discount, tax) = if items == order.items {
        (order.discounts, order.tax)
    } else {
        (
            lines.iter().map(|l| l.discount).sum(),
            lines.iter().map(|l| l.tax).sum(),
        )
    };
    let added_tax = if order.tax_included { 0 } else { tax };
    InvoiceTotals {
        items,
        discount,
        shipping,
        tax,
        total: items - discount + shipping + added_tax,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(quantity: i64, cancelled: i64, unit: i64, discount: i64, tax: i64) -> SourceLine {
        SourceLine {
            description: "Tee".into(),
            sku: Some("TEE-M".into()),
            quantity,
            cancelled,
            unit_price: unit,
            discount,
            tax,
        }
    }

    #[test]
    fn numbers_carry_kind_year_and_padded_sequence() {
        let n = InvoiceNumber::new(InvoiceKind::Invoice, 2026, 1).unwrap();
        assert_eq!(n.to_string(), "INV-2026-000001");
        let c = InvoiceNumber::new(InvoiceKind::CreditNote, 2026, 42).unwrap();
        assert_eq!(c.to_string(), "CN-2026-000042");
        assert!(InvoiceNumber::new(InvoiceKind::Invoice, 2026, 0).is_err());
        assert!(InvoiceNumber::new(InvoiceKind::Invoice, 2026, 1_000_000).is_err());
    }

    #[test]
    fn cancelled_units_are_not_billed() {
        let lines = invoice_lines(&[line(4, 1, 1000, 400, 200), line(2, 2, 500, 0, 0)]);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].quantity, 3);
        assert_eq!(lines[0].subtotal, 3000);
        assert_eq!(lines[0].discount, 300);
        assert_eq!(lines[0].tax, 150);
    }

    #[test]
    fn a_fully_billed_order_keeps_its_own_figures() {
        let lines = invoice_lines(&[line(2, 0, 1000, 100, 130)]);
        let order = OrderFigures {
            items: 2000,
            discounts: 150,
            shipping: 800,
            fees: 20,
            tax: 130,
            tax_included: false,
        };
        let t = invoice_totals(&lines, order);
        assert_eq!((t.discount, t.shipping, t.tax), (150, 820, 130));
        assert_eq!(t.total, 2000 - 150 + 820 + 130);
        let incl = invoice_totals(
            &lines,
            OrderFigures {
                tax_included: true,
                ..order
            },
        );
        assert_eq!(incl.total, 2000 - 150 + 820);
        assert_eq!(incl.tax, 130);
    }

    #[test]
    fn a_partly_cancelled_order_bills_the_remaining_lines() {
        let lines = invoice_lines(&[line(2, 1, 1000, 100, 130)]);
        let order = OrderFigures {
            items: 2000,
            discounts: 150,
            shipping: 800,
            fees: 0,
            tax: 130,
            tax_included: false,
        };
        let t = invoice_totals(&lines, order);
        assert_eq!((t.items, t.discount, t.tax), (1000, 50, 65));
        assert_eq!(t.total, 1000 - 50 + 800 + 65);
    }

    proptest! {
        #[test]
        fn a_fully_billed_line_keeps_its_amounts(q in 1i64..1000, unit in 0i64..100_000, d in 0i64..10_000, t in 0i64..10_000) {
            let out = invoice_lines(&[line(q, 0, unit, d, t)]);
            prop_assert_eq!(out[0].subtotal, q * unit);
            prop_assert_eq!(out[0].discount, d);
            prop_assert_eq!(out[0].tax, t);
        }
    }
}
