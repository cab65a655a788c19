//! Order rules: totals that must add up, and the reasons an order is held.
//!
//! The totals equation is `items - discounts + shipping + fees + tax = total`, with the tax
//! term left out when prices include tax (then the tax is already inside `items`). `fees`
//! (WooCommerce fee lines, Shopify duties and tips) is zero for most orders; it is there so
//! a real channel order that adds up on the channel also adds up here (docs/adr/0014).

use crate::codes::code_enum;
use crate::money::{Currency, Money, MoneyError};

use super::types::IncomingLine;

/// The figures of an order, before they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalsInput {
    /// The lines before discounts (Σ line subtotals).
    pub items: Money,
    /// All discounts (line and order level, including shipping discounts).
    pub discounts: Money,
    /// Shipping charged.
    pub shipping: Money,
    /// Other charges: fees, duties, tips.
    pub fees: Money,
    /// Tax.
    pub tax: Money,
    /// Whether `items` and `shipping` already include `tax`.
    pub tax_included: bool,
    /// What the customer pays, as the channel states it.
    pub total: Money,
}

/// An order's totals, known to add up and to be in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderTotals {
    items: Money,
    discounts: Money,
    shipping: Money,
    fees: Money,
    tax: Money,
    tax_included: bool,
    total: Money,
}

/// Why an order's totals were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    /// A figure in another currency than the total.
    #[error("{field} is in {found}, the order is in {expected}")]
    CurrencyMismatch {
        /// Which figure.
        field: &'static str,
        /// The order's currency.
        expected: Currency,
        /// The figure's currency.
        found: Currency,
    },
    /// A negative figure.
    #[error("{field} must not be negative")]
    Negative {
        /// Which figure.
        field: &'static str,
    },
    /// The figures do not add up to the stated total.
    #[error("items - discounts + shipping + fees + tax is {computed}, but the total is {stated}")]
    DoNotAddUp {
        /// What the parts add up to.
        computed: Money,
        /// The stated total.
        stated: Money,
    },
    /// The lines' subtotals do not add up to the items figure.
    #[error("the lines add up to {lines}, but items is {items}")]
    LinesDoNotMatch {
        /// Σ line subtotals.
        lines: Money,
        /// The items figure.
        items: Money,
    },
    /// A sum too large to hold.
    #[error("the amounts are too large")]
    Overflow,
}

impl TotalsError {
    /// A stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::CurrencyMismatch { .. } => "currency-mismatch",
            Self::Negative { .. } => "negative-amount",
            Self::DoNotAddUp { .. } => "totals-mismatch",
            Self::LinesDoNotMatch { .. } => "lines-mismatch",
            Self::Overflow => "amount-overflow",
        }
    }
}

fn overflow(_: MoneyError) -> TotalsError {
    TotalsError::Overflow
}

impl OrderTotals {
    /// Checks currencies, signs and the equation.
    pub fn check(input: TotalsInput) -> Result<Self, TotalsError> {
        let currency = input.total.currency();
        let figures = [
            ("items", input.items),
            ("discounts", input.discounts),
            ("shipping", input.shipping),
            ("fees", input.fees),
            ("tax", input.tax),
            ("total", input.total),
        ];
        for (field, m) in figures {
            if m.currency() != currency {
                return Err(TotalsError::CurrencyMismatch {
                    field,
                    expected: currency,
                    found: m.currency(),
                });
            }
            if m.minor() < 0 {
                return Err(TotalsError::Negative { field });
            }
        }
        let mut computed = input
            .items
            .checked_sub(input.discounts)
            .and_then(|m| m.checked_add(input.shipping))
            .and_then(|m| m.checked_add(input.fees))
            .map_err(overflow)?;
        if !input.tax_included {
            computed = computed.checked_add(input.tax).map_err(overflow)?;
        }
        if computed != input.total {
            return Err(TotalsError::DoNotAddUp {
                computed,
                stated: input.total,
            });
        }
        Ok(Self {
            items: input.items,
            discounts: input.discounts,
            shipping: input.shipping,
            fees: input.fees,
            tax: input.tax,
            tax_included: input.tax_included,
            total: input.total,
        })
    }

    /// Checks that the lines' subtotals add up to the items figure.
    pub fn check_lines(&self, lines: &[IncomingLine]) -> Result<(), TotalsError> {
        let mut sum = Money::zero(self.total.currency());
        for line in lines {
            sum = sum.checked_add(line.subtotal).map_err(|e| match e {
                MoneyError::CurrencyMismatch(expected, found) => TotalsError::CurrencyMismatch {
                    field: "lines",
                    expected,
                    found,
                },
                _ => TotalsError::Overflow,
            })?;
        }
        if sum == self.items {
            Ok(())
        } else {
            Err(TotalsError::LinesDoNotMatch {
                lines: sum,
                items: self.items,
            })
        }
    }

    /// The lines before discounts.
    pub const fn items(&self) -> Money {
        self.items
    }
    /// All discounts.
    pub const fn discounts(&self) -> Money {
        self.discounts
    }
    /// Shipping charged.
    pub const fn shipping(&self) -> Money {
        self.shipping
    }
    /// Fees, duties, tips.
    pub const fn fees(&self) -> Money {
        self.fees
    }
    /// Tax.
    pub const fn tax(&self) -> Money {
        self.tax
    }
    /// Whether prices include the tax.
    pub const fn tax_included(&self) -> bool {
        self.tax_included
    }
    /// What the customer pays.
    pub const fn total(&self) -> Money {
        self.total
    }
}

code_enum!(
    /// Why an order is on hold. The first group comes from review rules (ReviewRules), the
    /// second from intake and allocation: [`HoldReason::is_exception`] tells the exception
    /// queue (a person must fix data) from the review queue (a person must decide).
    HoldReason {
        /// The total is above the merchant's review threshold.
        AmountOverThreshold = "amount_over_threshold",
        /// The shipping address lacks parts a courier needs.
        IncompleteAddress = "incomplete_address",
        /// The customer's e-mail or phone is blacklisted.
        BlacklistedCustomer = "blacklisted_customer",
        /// The shipping address is blacklisted.
        BlacklistedAddress = "blacklisted_address",
        /// Same customer, same items, shortly after another order.
        SuspectedDuplicate = "suspected_duplicate",
        /// Not paid, and not cash on delivery.
        UnpaidNotCod = "unpaid_not_cod",
        /// The risk score reached the merchant's threshold.
        HighRisk = "high_risk",
        /// Put on hold by staff.
        Manual = "manual",
        /// The channel payload could not be mapped (unknown currency, no lines...).
        Unmappable = "unmappable",
        /// A line names nothing listed on the channel.
        UnknownSku = "unknown_sku",
        /// Not enough stock at the channel's locations.
        InsufficientStock = "insufficient_stock",
        /// An order for an archived channel.
        ChannelArchived = "channel_archived",
        /// A carrier reported a problem with one of the order's shipments (docs/adr/0021).
        ShipmentException = "shipment_exception",
    }
);

impl HoldReason {
    /// Whether this reason belongs to the exception queue (bad or unfillable data) rather
    /// than the review queue.
    pub const fn is_exception(self) -> bool {
        matches!(
            self,
            Self::Unmappable
                | Self::UnknownSku
                | Self::InsufficientStock
                | Self::ChannelArchived
                | Self::ShipmentException
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap())
    }

    fn input(items: i64, discounts: i64, shipping: i64, tax: i64, total: i64) -> TotalsInput {
        TotalsInput {
            items: usd(items),
            discounts: usd(discounts),
            shipping: usd(shipping),
            fees: usd(0),
            tax: usd(tax),
            tax_included: false,
            total: usd(total),
        }
    }

    #[test]
    fn totals_that_add_up_are_accepted() {
        // The Shopify sample: 597.00 - 10.00 + 0.00 + 11.94 = 598.94.
        let t = OrderTotals::check(input(59700, 1000, 0, 1194, 59894)).unwrap();
        assert_eq!(t.total().minor(), 59894);
        assert_eq!(t.items().minor(), 59700);
        let included = TotalsInput {
            tax_included: true,
            ..input(11900, 0, 0, 1900, 11900)
        };
        assert!(OrderTotals::check(included).is_ok());
        let with_fee = TotalsInput {
            fees: usd(250),
            ..input(1000, 0, 0, 0, 1250)
        };
        assert_eq!(OrderTotals::check(with_fee).unwrap().fees().minor(), 250);
    }

    #[test]
    fn totals_that_do_not_add_up_are_refused_with_the_difference() {
        let err = OrderTotals::check(input(59700, 1000, 0, 1194, 59895)).unwrap_err();
        assert_eq!(err.code(), "totals-mismatch");
        assert_eq!(
            err.to_string(),
            "items - discounts + shipping + fees + tax is 598.94 USD, but the total is 598.95 USD"
        );
        let neg = OrderTotals::check(input(100, -1, 0, 0, 101)).unwrap_err();
        assert_eq!(neg, TotalsError::Negative { field: "discounts" });
        let cny = Money::from_minor(0, Currency::parse("CNY").unwrap());
        let mixed = TotalsInput {
            shipping: cny,
            ..input(100, 0, 0, 0, 100)
        };
        assert_eq!(
            OrderTotals::check(mixed).unwrap_err().code(),
            "currency-mismatch"
        );
        let huge = input(i64::MAX, 0, i64::MAX, 0, 1);
        assert_eq!(OrderTotals::check(huge), Err(TotalsError::Overflow));
    }

    #[test]
    fn hold_reasons_split_into_review_and_exception_queues() {
        assert!(HoldReason::InsufficientStock.is_exception());
        assert!(HoldReason::UnknownSku.is_exception());
        assert!(!HoldReason::SuspectedDuplicate.is_exception());
        for r in HoldReason::ALL {
            assert_eq!(HoldReason::parse(r.code()).unwrap(), *r);
        }
    }

    proptest! {
        #[test]
        fn any_consistent_set_of_figures_is_accepted_and_any_other_total_refused(
            items in 0_i64..10_000_000,
            discount_share in 0_i64..=100,
            shipping in 0_i64..100_000,
            tax in 0_i64..1_000_000,
            off_by in 1_i64..1000,
        ) {
            let discounts = items * discount_share / 100;
            let total = items - discounts + shipping + tax;
            prop_assert!(OrderTotals::check(input(items, discounts, shipping, tax, total)).is_ok());
            let wrong = OrderTotals::check(input(items, discounts, shipping, tax, total + off_by));
            let is_mismatch = matches!(wrong, Err(TotalsError::DoNotAddUp { .. }));
            prop_assert!(is_mismatch);
        }
    }
}
