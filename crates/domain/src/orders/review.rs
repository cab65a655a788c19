//! Order review: the merchant's [`ReviewRules`] and the pure [`evaluate`] that decides
//! whether a new order goes straight to `confirmed` or waits `on_hold` with reasons.
//!
//! Each rule that is switched on and fires becomes a [`HoldReason`]. Independently, every
//! [`RiskSignal`] that fires adds its weight to a risk score (0-100, capped); reaching the
//! merchant's risk threshold is a reason of its own (`high_risk`). So a merchant can hold
//! only on the score (several weak signals together) while still seeing each signal.
//!
//! The app gathers the facts (the order, the customer's recent orders within the duplicate
//! window); nothing here reads a clock or a database.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use crate::codes::code_enum;
use crate::money::Money;

use super::rules::HoldReason;
use super::state::PaymentStatus;
use super::types::{CustomerInfo, Email, IncomingOrder, OrderId, Phone, PostalAddress};

/// Why review settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRulesError {
    /// A number outside its range.
    #[error("{field} must be from {min} to {max}")]
    OutOfRange {
        /// Which setting.
        field: &'static str,
        /// Lowest accepted.
        min: i64,
        /// Highest accepted.
        max: i64,
    },
    /// Two amount thresholds for the same currency, or a negative one.
    #[error("amount thresholds need one non-negative amount per currency")]
    BadThresholds,
}

/// How long after an order a same-customer, same-items order counts as a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DuplicateWindow(u32);

impl DuplicateWindow {
    /// Longest window: a week.
    pub const MAX_MINUTES: u32 = 7 * 24 * 60;

    /// 1 to 10 080 minutes.
    pub fn minutes(minutes: i64) -> Result<Self, ReviewRulesError> {
        u32::try_from(minutes)
            .ok()
            .filter(|m| (1..=Self::MAX_MINUTES).contains(m))
            .map(Self)
            .ok_or(ReviewRulesError::OutOfRange {
                field: "duplicate_window_minutes",
                min: 1,
                max: i64::from(Self::MAX_MINUTES),
            })
    }

    /// The window in minutes.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Whether two instants are within the window of each other (either order: the
    /// "recent" order may have been placed just after this one, arriving late).
    pub fn contains(self, a: Timestamp, b: Timestamp) -> bool {
        let gap = a.duration_since(b).abs();
        gap <= SignedDuration::from_mins(i64::from(self.0))
    }
}

/// A risk score or weight, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct RiskScore(u8);

impl RiskScore {
    /// The highest score.
    pub const MAX: u8 = 100;

    /// 0 to 100.
    pub fn new(score: i64) -> Result<Self, ReviewRulesError> {
        u8::try_from(score)
            .ok()
            .filter(|s| *s <= Self::MAX)
            .map(Self)
            .ok_or(ReviewRulesError::OutOfRange {
                field: "risk",
                min: 0,
                max: i64::from(Self::MAX),
            })
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }

    fn saturating_add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0).min(Self::MAX))
    }
}

code_enum!(
    /// Something about an order that makes it riskier.
    RiskSignal {
        /// The total is above the threshold.
        AmountOverThreshold = "amount_over_threshold",
        /// The shipping address is incomplete (or missing).
        IncompleteAddress = "incomplete_address",
        /// The customer's e-mail or phone is blacklisted.
        BlacklistedCustomer = "blacklisted_customer",
        /// The shipping address is blacklisted.
        BlacklistedAddress = "blacklisted_address",
        /// Same customer and items within the duplicate window.
        SuspectedDuplicate = "suspected_duplicate",
        /// Not paid and not cash on delivery.
        UnpaidNotCod = "unpaid_not_cod",
        /// Neither an e-mail nor a phone to reach the customer.
        NoContact = "no_contact",
        /// Billing and shipping countries differ.
        CountryMismatch = "country_mismatch",
    }
);

/// The weight each risk signal adds to the score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskWeights(BTreeMap<RiskSignal, RiskScore>);

impl Default for RiskWeights {
    /// Blacklists weigh most, then duplicates and unpaid orders; a single weak signal
    /// alone stays under the default threshold of 60.
    fn default() -> Self {
        let w = [
            (RiskSignal::AmountOverThreshold, 30),
            (RiskSignal::IncompleteAddress, 20),
            (RiskSignal::BlacklistedCustomer, 80),
            (RiskSignal::BlacklistedAddress, 80),
            (RiskSignal::SuspectedDuplicate, 40),
            (RiskSignal::UnpaidNotCod, 30),
            (RiskSignal::NoContact, 20),
            (RiskSignal::CountryMismatch, 15),
        ];
        Self(w.into_iter().map(|(s, n)| (s, RiskScore(n))).collect())
    }
}

impl RiskWeights {
    /// Replaces one weight (0 switches the signal off for scoring).
    pub fn set(&mut self, signal: RiskSignal, weight: RiskScore) {
        self.0.insert(signal, weight);
    }

    /// The weight of `signal` (0 when unset).
    pub fn get(&self, signal: RiskSignal) -> RiskScore {
        self.0.get(&signal).copied().unwrap_or_default()
    }
}

/// Blacklisted e-mails, phones and addresses, kept in their normalised forms so matching
/// ignores case, spacing and punctuation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blacklist {
    emails: BTreeSet<Email>,
    phones: BTreeSet<Phone>,
    addresses: BTreeSet<String>,
}

impl Blacklist {
    /// Adds an e-mail.
    pub fn add_email(&mut self, email: Email) {
        self.emails.insert(email);
    }

    /// Adds a phone.
    pub fn add_phone(&mut self, phone: Phone) {
        self.phones.insert(phone);
    }

    /// Adds an address (by its [`PostalAddress::match_key`]).
    pub fn add_address(&mut self, address: &PostalAddress) {
        let key = address.match_key();
        if !key.is_empty() {
            self.addresses.insert(key);
        }
    }

    /// Whether the customer's e-mail or phone is listed.
    pub fn has_customer(&self, customer: &CustomerInfo) -> bool {
        customer
            .email
            .as_ref()
            .is_some_and(|e| self.emails.contains(e))
            || customer
                .phone
                .as_ref()
                .is_some_and(|p| self.phones.contains(p))
    }

    /// Whether the address is listed, or its recipient phone is.
    pub fn has_address(&self, address: &PostalAddress) -> bool {
        self.addresses.contains(&address.match_key())
            || address
                .phone
                .as_ref()
                .is_some_and(|p| self.phones.contains(p))
    }
}

/// A merchant's review settings. `None` switches a rule off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewRules {
    amount_thresholds: Vec<Money>,
    /// Hold orders whose shipping address lacks parts a courier needs.
    pub require_complete_address: bool,
    /// Customers and addresses that are always held.
    pub blacklist: Blacklist,
    /// Hold a same-customer, same-items order within this window.
    pub duplicate_window: Option<DuplicateWindow>,
    /// Hold orders that are not paid (or authorised) and not cash on delivery.
    pub hold_unpaid_non_cod: bool,
    /// Hold when the risk score reaches this.
    pub risk_threshold: Option<RiskScore>,
    /// The weight of each signal.
    pub risk_weights: RiskWeights,
}

impl ReviewRules {
    /// Sets the amount thresholds, at most one per currency: orders in a currency without
    /// a threshold are never held for their amount (there is no exchange rate here).
    pub fn set_amount_thresholds(
        &mut self,
        thresholds: Vec<Money>,
    ) -> Result<(), ReviewRulesError> {
        let currencies: Vec<_> = thresholds.iter().map(|m| m.currency()).collect();
        let unique = currencies
            .iter()
            .enumerate()
            .all(|(i, c)| !currencies[..i].contains(c));
        if !unique || thresholds.iter().any(|m| m.minor() < 0) {
            return Err(ReviewRulesError::BadThresholds);
        }
        self.amount_thresholds = thresholds;
        Ok(())
    }

    /// The threshold for orders in `total`'s currency.
    pub fn amount_threshold(&self, total: Money) -> Option<Money> {
        self.amount_thresholds
            .iter()
            .copied()
            .find(|m| m.currency() == total.currency())
    }
}

/// What was ordered, as a multiset: item key → total quantity. Two orders have "the same
/// items" when their multisets are equal, whatever the line order or splitting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemMultiset(BTreeMap<String, i64>);

impl ItemMultiset {
    /// Builds the multiset from (key, quantity) pairs; keys are compared upper-cased.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, i64)>) -> Self {
        let mut map = BTreeMap::new();
        for (key, qty) in pairs {
            let total = map.entry(key.trim().to_uppercase()).or_insert(0_i64);
            *total = total.saturating_add(qty);
        }
        Self(map)
    }

    /// From an incoming order's lines, keyed by the channel SKU, else variant, else product.
    pub fn of_order(order: &IncomingOrder) -> Self {
        let keys: Vec<(String, i64)> = order
            .lines
            .iter()
            .map(|l| {
                let item = &l.item;
                let key = item
                    .sku
                    .as_ref()
                    .map(|s| format!("sku:{s}"))
                    .or_else(|| item.variant_id.as_ref().map(|v| format!("variant:{v}")))
                    .or_else(|| item.product_id.as_ref().map(|p| format!("product:{p}")))
                    .unwrap_or_default();
                (key, l.quantity.get())
            })
            .collect();
        Self::from_pairs(keys.iter().map(|(k, q)| (k.as_str(), *q)))
    }
}

/// The facts about the order under review.
#[derive(Debug, Clone)]
pub struct OrderFacts<'a> {
    /// What the customer pays.
    pub total: Money,
    /// Who ordered.
    pub customer: &'a CustomerInfo,
    /// Where it goes.
    pub shipping_address: Option<&'a PostalAddress>,
    /// Where it is billed.
    pub billing_address: Option<&'a PostalAddress>,
    /// What was ordered.
    pub items: ItemMultiset,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// Its payment state.
    pub payment: PaymentStatus,
    /// Whether it is paid on delivery.
    pub cash_on_delivery: bool,
}

impl<'a> OrderFacts<'a> {
    /// The facts of an incoming order.
    pub fn of_order(order: &'a IncomingOrder) -> Self {
        Self {
            total: order.totals.total(),
            customer: &order.customer,
            shipping_address: order.shipping_address.as_ref(),
            billing_address: order.billing_address.as_ref(),
            items: ItemMultiset::of_order(order),
            placed_at: order.placed_at,
            payment: order.channel_state.payment,
            cash_on_delivery: order.payment.cash_on_delivery,
        }
    }
}

/// Another order of the merchant that may be a duplicate's original.
#[derive(Debug, Clone)]
pub struct RecentOrder {
    /// Its id.
    pub id: OrderId,
    /// Its customer.
    pub customer: CustomerInfo,
    /// Its items.
    pub items: ItemMultiset,
    /// When it was placed.
    pub placed_at: Timestamp,
}

/// The decision of review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// Nothing held it: confirm.
    Pass {
        /// The score, for the timeline.
        risk_score: RiskScore,
        /// The signals that fired (below every hold rule).
        signals: Vec<RiskSignal>,
    },
    /// Hold it.
    Hold {
        /// Why (in a stable order, never empty).
        reasons: Vec<HoldReason>,
        /// The score.
        risk_score: RiskScore,
        /// The signals that fired.
        signals: Vec<RiskSignal>,
        /// The earlier order it seems to duplicate, if that is a reason.
        duplicate_of: Option<OrderId>,
    },
}

fn same_customer(a: &CustomerInfo, b: &CustomerInfo) -> bool {
    let email = matches!((&a.email, &b.email), (Some(x), Some(y)) if x == y);
    let phone = matches!((&a.phone, &b.phone), (Some(x), Some(y)) if x == y);
    email || phone
}

#[derive(Default)]
struct Findings {
    signals: BTreeSet<RiskSignal>,
    reasons: BTreeSet<HoldReason>,
}

impl Findings {
    /// Records a fired signal, and its hold reason when the rule holds.
    fn fire(&mut self, signal: RiskSignal, hold: Option<HoldReason>) {
        self.signals.insert(signal);
        self.reasons.extend(hold);
    }
}

/// Runs the merchant's rules over an order. `recent` are the merchant's other orders the
/// app found for this customer (it may pass more; the window and matching are applied
/// here). Deterministic: reasons and signals come out in declaration order, and the
/// duplicate named is the earliest-placed match (ties by id).
pub fn evaluate(
    order: &OrderFacts<'_>,
    recent: &[RecentOrder],
    rules: &ReviewRules,
) -> ReviewOutcome {
    let mut found = Findings::default();
    check_order(order, rules, &mut found);
    let duplicate_of = rules
        .duplicate_window
        .and_then(|w| find_duplicate(order, recent, w));
    if duplicate_of.is_some() {
        found.fire(
            RiskSignal::SuspectedDuplicate,
            Some(HoldReason::SuspectedDuplicate),
        );
    }
    let risk_score = found.signals.iter().fold(RiskScore::default(), |acc, s| {
        acc.saturating_add(rules.risk_weights.get(*s))
    });
    if rules.risk_threshold.is_some_and(|t| risk_score >= t) {
        found.reasons.insert(HoldReason::HighRisk);
    }
    let signals: Vec<_> = found.signals.into_iter().collect();
    if found.reasons.is_empty() {
        return ReviewOutcome::Pass {
            risk_score,
            signals,
        };
    }
    ReviewOutcome::Hold {
        reasons: found.reasons.into_iter().collect(),
        risk_score,
        signals,
        duplicate_of,
    }
}

/// The rules that look at the order alone.
fn check_order(order: &OrderFacts<'_>, rules: &ReviewRules, found: &mut Findings) {
    let on = |enabled: bool, reason: HoldReason| enabled.then_some(reason);
    let over = rules
        .amount_threshold(order.total)
        .is_some_and(|t| order.total.minor() > t.minor());
    if over {
        found.fire(
            RiskSignal::AmountOverThreshold,
            Some(HoldReason::AmountOverThreshold),
        );
    }
    let incomplete = order
        .shipping_address
        .is_none_or(|a| !a.missing_parts().is_empty());
    if incomplete {
        let hold = on(
            rules.require_complete_address,
            HoldReason::IncompleteAddress,
        );
        found.fire(RiskSignal::IncompleteAddress, hold);
    }
    if rules.blacklist.has_customer(order.customer) {
        let hold = Some(HoldReason::BlacklistedCustomer);
        found.fire(RiskSignal::BlacklistedCustomer, hold);
    }
    if order
        .shipping_address
        .is_some_and(|a| rules.blacklist.has_address(a))
    {
        let hold = Some(HoldReason::BlacklistedAddress);
        found.fire(RiskSignal::BlacklistedAddress, hold);
    }
    if !order.payment.is_secured() && !order.cash_on_delivery {
        let hold = on(rules.hold_unpaid_non_cod, HoldReason::UnpaidNotCod);
        found.fire(RiskSignal::UnpaidNotCod, hold);
    }
    if order.customer.email.is_none() && order.customer.phone.is_none() {
        found.fire(RiskSignal::NoContact, None);
    }
    let country = |a: Option<&PostalAddress>| a.and_then(|a| a.country);
    let billing = country(order.billing_address);
    let shipping = country(order.shipping_address);
    if billing.is_some() && shipping.is_some() && billing != shipping {
        found.fire(RiskSignal::CountryMismatch, None);
    }
}

fn find_duplicate(
    order: &OrderFacts<'_>,
    recent: &[RecentOrder],
    window: DuplicateWindow,
) -> Option<OrderId> {
    recent
        .iter()
        .filter(|r| {
            same_customer(order.customer, &r.customer)
                && r.items == order.items
                && window.contains(order.placed_at, r.placed_at)
        })
        .min_by_key(|r| (r.placed_at, r.id))
        .map(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::orders::types::{CountryCode, OrderText};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::parse("USD").unwrap())
    }

    fn t(s: &str) -> Option<OrderText> {
        Some(OrderText::parse(s).unwrap())
    }

    fn address() -> PostalAddress {
        PostalAddress {
            name: t("John Doe"),
            country: Some(CountryCode::parse("US").unwrap()),
            province: t("CA"),
            city: t("San Francisco"),
            postcode: t("94103"),
            lines: vec![OrderText::parse("969 Market").unwrap()],
            ..PostalAddress::default()
        }
    }

    fn customer() -> CustomerInfo {
        CustomerInfo {
            email: Some(Email::parse("john.doe@example.com").unwrap()),
            phone: Some(Phone::parse("(555) 555-5555").unwrap()),
            name: t("John Doe"),
        }
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + minute * 60).unwrap()
    }

    fn facts<'a>(c: &'a CustomerInfo, a: Option<&'a PostalAddress>) -> OrderFacts<'a> {
        OrderFacts {
            total: usd(2935),
            customer: c,
            shipping_address: a,
            billing_address: a,
            items: ItemMultiset::from_pairs([("TEE-M", 2), ("CAP", 1)]),
            placed_at: at(0),
            payment: PaymentStatus::Paid,
            cash_on_delivery: false,
        }
    }

    fn strict() -> ReviewRules {
        let mut rules = ReviewRules {
            require_complete_address: true,
            duplicate_window: Some(DuplicateWindow::minutes(30).unwrap()),
            hold_unpaid_non_cod: true,
            risk_threshold: Some(RiskScore::new(60).unwrap()),
            ..ReviewRules::default()
        };
        rules.set_amount_thresholds(vec![usd(100_000)]).unwrap();
        rules
    }

    fn reasons(outcome: &ReviewOutcome) -> Vec<HoldReason> {
        match outcome {
            ReviewOutcome::Pass { .. } => Vec::new(),
            ReviewOutcome::Hold { reasons, .. } => reasons.clone(),
        }
    }

    #[test]
    fn a_clean_paid_order_passes_with_a_zero_score() {
        let (c, a) = (customer(), address());
        let outcome = evaluate(&facts(&c, Some(&a)), &[], &strict());
        assert_eq!(
            outcome,
            ReviewOutcome::Pass {
                risk_score: RiskScore::default(),
                signals: vec![]
            }
        );
    }

    #[test]
    fn each_rule_holds_with_its_reason() {
        let (c, a) = (customer(), address());
        let rules = strict();
        let big = OrderFacts {
            total: usd(100_001),
            ..facts(&c, Some(&a))
        };
        assert_eq!(
            reasons(&evaluate(&big, &[], &rules)),
            [HoldReason::AmountOverThreshold]
        );
        let at_threshold = OrderFacts {
            total: usd(100_000),
            ..facts(&c, Some(&a))
        };
        assert!(reasons(&evaluate(&at_threshold, &[], &rules)).is_empty());
        let cny = OrderFacts {
            total: Money::from_minor(10_000_000, Currency::parse("CNY").unwrap()),
            ..facts(&c, Some(&a))
        };
        assert!(
            reasons(&evaluate(&cny, &[], &rules)).is_empty(),
            "no CNY threshold set"
        );

        let partial = PostalAddress {
            postcode: None,
            ..address()
        };
        let f = facts(&c, Some(&partial));
        assert_eq!(
            reasons(&evaluate(&f, &[], &rules)),
            [HoldReason::IncompleteAddress]
        );
        assert_eq!(
            reasons(&evaluate(&facts(&c, None), &[], &rules)),
            [HoldReason::IncompleteAddress]
        );

        let unpaid = OrderFacts {
            payment: PaymentStatus::Unpaid,
            ..facts(&c, Some(&a))
        };
        assert_eq!(
            reasons(&evaluate(&unpaid, &[], &rules)),
            [HoldReason::UnpaidNotCod]
        );
        let cod = OrderFacts {
            cash_on_delivery: true,
            ..unpaid.clone()
        };
        assert!(reasons(&evaluate(&cod, &[], &rules)).is_empty());
        let authorized = OrderFacts {
            payment: PaymentStatus::Authorized,
            ..unpaid
        };
        assert!(reasons(&evaluate(&authorized, &[], &rules)).is_empty());
    }

    #[test]
    fn blacklists_match_normalised_contacts_and_addresses() {
        let (c, a) = (customer(), address());
        let mut rules = strict();
        rules
            .blacklist
            .add_email(Email::parse("JOHN.DOE@example.com").unwrap());
        assert_eq!(
            reasons(&evaluate(&facts(&c, Some(&a)), &[], &rules)),
            [HoldReason::BlacklistedCustomer, HoldReason::HighRisk]
        );
        let mut rules = strict();
        rules
            .blacklist
            .add_phone(Phone::parse("555.555.5555").unwrap());
        assert!(
            reasons(&evaluate(&facts(&c, Some(&a)), &[], &rules))
                .contains(&HoldReason::BlacklistedCustomer)
        );
        let mut rules = strict();
        let listed = PostalAddress {
            name: t("Someone Else"),
            lines: vec![OrderText::parse("969 MARKET.").unwrap()],
            ..address()
        };
        rules.blacklist.add_address(&listed);
        let r = reasons(&evaluate(&facts(&c, Some(&a)), &[], &rules));
        assert_eq!(r, [HoldReason::BlacklistedAddress, HoldReason::HighRisk]);
        let elsewhere = PostalAddress {
            postcode: t("94104"),
            ..address()
        };
        assert!(reasons(&evaluate(&facts(&c, Some(&elsewhere)), &[], &rules)).is_empty());
    }

    fn recent(id: u128, c: CustomerInfo, items: &[(&str, i64)], minute: i64) -> RecentOrder {
        RecentOrder {
            id: OrderId::from_uuid(Uuid::from_u128(id)),
            customer: c,
            items: ItemMultiset::from_pairs(items.iter().copied()),
            placed_at: at(minute),
        }
    }

    #[test]
    fn duplicates_need_the_same_customer_items_and_window() {
        let (c, a) = (customer(), address());
        let rules = strict();
        let f = facts(&c, Some(&a));
        let same = [("cap", 1), ("TEE-M", 1), ("tee-m", 1)];
        let by_phone = CustomerInfo {
            email: None,
            ..customer()
        };
        let stranger = CustomerInfo {
            email: Some(Email::parse("x@y.com").unwrap()),
            phone: None,
            name: None,
        };
        let others = [
            recent(9, c.clone(), &same, -31),
            recent(8, stranger, &same, -5),
            recent(7, c.clone(), &[("TEE-M", 2)], -5),
        ];
        assert!(reasons(&evaluate(&f, &others, &rules)).is_empty());
        let dupes = [
            recent(3, by_phone, &same, -20),
            recent(2, c.clone(), &same, -10),
        ];
        match evaluate(&f, &dupes, &rules) {
            ReviewOutcome::Hold {
                reasons,
                duplicate_of,
                risk_score,
                ..
            } => {
                assert_eq!(reasons, [HoldReason::SuspectedDuplicate]);
                assert_eq!(duplicate_of, Some(dupes[0].id), "the earliest match");
                assert_eq!(risk_score.get(), 40);
            }
            pass => panic!("expected a hold, got {pass:?}"),
        }
        let off = ReviewRules {
            duplicate_window: None,
            ..strict()
        };
        assert!(reasons(&evaluate(&f, &dupes, &off)).is_empty());
    }

    #[test]
    fn weak_signals_add_up_to_a_high_risk_hold() {
        let a = address();
        let nobody = CustomerInfo::default();
        let abroad = PostalAddress {
            country: Some(CountryCode::parse("CA").unwrap()),
            ..address()
        };
        let lenient = ReviewRules {
            risk_threshold: Some(RiskScore::new(50).unwrap()),
            ..ReviewRules::default()
        };
        let f = OrderFacts {
            payment: PaymentStatus::Unpaid,
            billing_address: Some(&abroad),
            ..facts(&nobody, Some(&a))
        };
        match evaluate(&f, &[], &lenient) {
            ReviewOutcome::Hold {
                reasons,
                risk_score,
                signals,
                ..
            } => {
                assert_eq!(reasons, [HoldReason::HighRisk]);
                assert_eq!(risk_score.get(), 30 + 20 + 15);
                assert_eq!(
                    signals,
                    [
                        RiskSignal::UnpaidNotCod,
                        RiskSignal::NoContact,
                        RiskSignal::CountryMismatch
                    ]
                );
            }
            pass => panic!("expected a hold, got {pass:?}"),
        }
        let mut quiet = lenient.clone();
        quiet
            .risk_weights
            .set(RiskSignal::UnpaidNotCod, RiskScore::new(0).unwrap());
        assert!(matches!(
            evaluate(&f, &[], &quiet),
            ReviewOutcome::Pass { .. }
        ));
    }

    #[test]
    fn settings_are_validated() {
        assert!(DuplicateWindow::minutes(0).is_err());
        assert!(DuplicateWindow::minutes(10_081).is_err());
        assert!(RiskScore::new(101).is_err());
        let mut rules = ReviewRules::default();
        assert_eq!(
            rules.set_amount_thresholds(vec![usd(1), usd(2)]),
            Err(ReviewRulesError::BadThresholds)
        );
        assert!(rules.set_amount_thresholds(vec![usd(-1)]).is_err());
        assert!(rules.amount_threshold(usd(5)).is_none());
    }

    proptest! {
        #[test]
        fn scores_stay_within_range_and_pass_means_no_reason(
            total in 0_i64..300_000,
            paid in any::<bool>(),
            cod in any::<bool>(),
            drop_city in any::<bool>(),
            weights in proptest::collection::vec(0_i64..=100, 8),
            threshold in 1_i64..=100,
        ) {
            let c = customer();
            let a = PostalAddress { city: if drop_city { None } else { t("SF") }, ..address() };
            let mut rules = strict();
            rules.risk_threshold = Some(RiskScore::new(threshold).unwrap());
            for (s, w) in RiskSignal::ALL.iter().zip(&weights) {
                rules.risk_weights.set(*s, RiskScore::new(*w).unwrap());
            }
            let f = OrderFacts {
                total: usd(total),
                payment: if paid { PaymentStatus::Paid } else { PaymentStatus::Unpaid },
                cash_on_delivery: cod,
                ..facts(&c, Some(&a))
            };
            match evaluate(&f, &[], &rules) {
                ReviewOutcome::Pass { risk_score, .. } => {
                    prop_assert!(risk_score.get() < u8::try_from(threshold).unwrap());
                    prop_assert!(total <= 100_000 && !drop_city && (paid || cod));
                }
                ReviewOutcome::Hold { reasons, risk_score, .. } => {
                    prop_assert!(!reasons.is_empty());
                    prop_assert!(risk_score.get() <= 100);
                }
            }
        }
    }
}
