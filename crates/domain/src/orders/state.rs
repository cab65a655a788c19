//! The order's three separate state machines (DESIGN.md "Orders"): the order itself
//! (review, hold, allocation, shipping), its payment and its fulfilment. Each move is a
//! function that refuses illegal moves with a [`TransitionError`] whose `code()` the app
//! turns into a conflict; nothing else may change a status.

use crate::codes::code_enum;

code_enum!(
    /// Where the order is in its life.
    OrderStatus {
        /// Just taken in; review rules not yet run.
        PendingReview = "pending_review",
        /// Stopped for a person: review reasons or an intake exception.
        OnHold = "on_hold",
        /// Passed review; waiting for stock to be allocated.
        Confirmed = "confirmed",
        /// Stock reserved at one or more locations.
        Allocated = "allocated",
        /// Some shipments have left.
        PartiallyShipped = "partially_shipped",
        /// Everything has left.
        Shipped = "shipped",
        /// The courier confirmed delivery.
        Delivered = "delivered",
        /// Closed (after the return window, or by staff).
        Completed = "completed",
        /// Cancelled before anything shipped.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Where the order's payment is.
    PaymentStatus {
        /// Nothing paid (or cash on delivery not yet collected).
        Unpaid = "unpaid",
        /// Authorised, not captured.
        Authorized = "authorized",
        /// Captured in full.
        Paid = "paid",
        /// Part of it given back.
        PartiallyRefunded = "partially_refunded",
        /// All of it given back.
        Refunded = "refunded",
    }
);

code_enum!(
    /// How much of the order has shipped.
    FulfilmentStatus {
        /// Nothing shipped.
        Unfulfilled = "unfulfilled",
        /// Some units shipped.
        Partial = "partial",
        /// Every unit shipped.
        Fulfilled = "fulfilled",
    }
);

/// An illegal move in one of the order's state machines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order whose {entity} status is {from} cannot be {action}")]
pub struct TransitionError {
    /// `order`, `payment` or `fulfilment`.
    pub entity: &'static str,
    /// The current state's code.
    pub from: &'static str,
    /// What was attempted (`confirmed`, `refunded`...).
    pub action: &'static str,
}

impl TransitionError {
    /// A stable kebab-case code: `order-state`, `payment-state` or `fulfilment-state`.
    pub fn code(&self) -> &'static str {
        match self {
            Self {
                entity: "order", ..
            } => "order-state",
            Self {
                entity: "payment", ..
            } => "payment-state",
            _ => "fulfilment-state",
        }
    }
}

fn refuse(entity: &'static str, from: &'static str, action: &'static str) -> TransitionError {
    TransitionError {
        entity,
        from,
        action,
    }
}

impl OrderStatus {
    fn refuse(self, action: &'static str) -> TransitionError {
        refuse("order", self.code(), action)
    }

    /// Review passed: pending review → confirmed.
    pub fn pass_review(self) -> Result<Self, TransitionError> {
        match self {
            Self::PendingReview => Ok(Self::Confirmed),
            other => Err(other.refuse("confirmed")),
        }
    }

    /// Held by review, an exception or staff: pending review, on hold (another reason) or
    /// confirmed → on hold. An allocated order must be deallocated first, so a held order
    /// never sits on reserved stock.
    pub fn hold(self) -> Result<Self, TransitionError> {
        match self {
            Self::PendingReview | Self::OnHold | Self::Confirmed => Ok(Self::OnHold),
            other => Err(other.refuse("held")),
        }
    }

    /// Released by staff once every reason is resolved: on hold → confirmed.
    pub fn release(self) -> Result<Self, TransitionError> {
        match self {
            Self::OnHold => Ok(Self::Confirmed),
            other => Err(other.refuse("released")),
        }
    }

    /// Stock reserved for every line: confirmed → allocated.
    pub fn allocate(self) -> Result<Self, TransitionError> {
        match self {
            Self::Confirmed => Ok(Self::Allocated),
            other => Err(other.refuse("allocated")),
        }
    }

    /// Reservations given back (to re-route or hold): allocated → confirmed.
    pub fn deallocate(self) -> Result<Self, TransitionError> {
        match self {
            Self::Allocated => Ok(Self::Confirmed),
            other => Err(other.refuse("deallocated")),
        }
    }

    /// A shipment left. `everything_shipped` tells whether units remain: allocated or
    /// partially shipped → partially shipped or shipped.
    pub fn ship(self, everything_shipped: bool) -> Result<Self, TransitionError> {
        match self {
            Self::Allocated | Self::PartiallyShipped if everything_shipped => Ok(Self::Shipped),
            Self::Allocated | Self::PartiallyShipped => Ok(Self::PartiallyShipped),
            other => Err(other.refuse("shipped")),
        }
    }

    /// Delivery confirmed: shipped → delivered.
    pub fn deliver(self) -> Result<Self, TransitionError> {
        match self {
            Self::Shipped => Ok(Self::Delivered),
            other => Err(other.refuse("delivered")),
        }
    }

    /// Closed: shipped or delivered → completed.
    pub fn complete(self) -> Result<Self, TransitionError> {
        match self {
            Self::Shipped | Self::Delivered => Ok(Self::Completed),
            other => Err(other.refuse("completed")),
        }
    }

    /// Cancelled (by staff or the channel) while nothing has shipped. Anything later is
    /// after-sales (returns, refunds), not a cancellation.
    pub fn cancel(self) -> Result<Self, TransitionError> {
        match self {
            Self::PendingReview | Self::OnHold | Self::Confirmed | Self::Allocated => {
                Ok(Self::Cancelled)
            }
            other => Err(other.refuse("cancelled")),
        }
    }

    /// Whether the order holds reserved stock (the app releases it on cancel).
    pub const fn holds_stock(self) -> bool {
        matches!(self, Self::Allocated | Self::PartiallyShipped)
    }

    /// Whether nothing can happen to it any more.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

impl PaymentStatus {
    fn refuse(self, action: &'static str) -> TransitionError {
        refuse("payment", self.code(), action)
    }

    /// Authorised: unpaid → authorized.
    pub fn authorize(self) -> Result<Self, TransitionError> {
        match self {
            Self::Unpaid => Ok(Self::Authorized),
            other => Err(other.refuse("authorized")),
        }
    }

    /// Captured (or cash collected): unpaid or authorized → paid.
    pub fn capture(self) -> Result<Self, TransitionError> {
        match self {
            Self::Unpaid | Self::Authorized => Ok(Self::Paid),
            other => Err(other.refuse("paid")),
        }
    }

    /// An authorisation voided: authorized → unpaid.
    pub fn void(self) -> Result<Self, TransitionError> {
        match self {
            Self::Authorized => Ok(Self::Unpaid),
            other => Err(other.refuse("voided")),
        }
    }

    /// A refund: paid or partially refunded → partially refunded, or refunded when
    /// `in_full` (nothing paid remains).
    pub fn refund(self, in_full: bool) -> Result<Self, TransitionError> {
        match self {
            Self::Paid | Self::PartiallyRefunded if in_full => Ok(Self::Refunded),
            Self::Paid | Self::PartiallyRefunded => Ok(Self::PartiallyRefunded),
            other => Err(other.refuse("refunded")),
        }
    }

    /// Follows what a channel reports (`orders/updated`), which may skip steps (unpaid →
    /// refunded). Accepted when `target` is reachable through legal moves (or is the
    /// current state); a report going backwards (refunded → paid) is refused.
    pub fn follow_channel(self, target: Self) -> Result<Self, TransitionError> {
        if self == target || self.reachable().contains(&target) {
            Ok(target)
        } else {
            Err(self.refuse("moved back"))
        }
    }

    fn reachable(self) -> &'static [Self] {
        match self {
            Self::Unpaid => &[
                Self::Authorized,
                Self::Paid,
                Self::PartiallyRefunded,
                Self::Refunded,
            ],
            Self::Authorized => &[
                Self::Unpaid,
                Self::Paid,
                Self::PartiallyRefunded,
                Self::Refunded,
            ],
            Self::Paid => &[Self::PartiallyRefunded, Self::Refunded],
            Self::PartiallyRefunded => &[Self::Refunded],
            Self::Refunded => &[],
        }
    }

    /// Whether money has been taken (for review's "unpaid" rule).
    pub const fn is_secured(self) -> bool {
        matches!(self, Self::Authorized | Self::Paid)
    }
}

impl FulfilmentStatus {
    /// Recomputes the status after a shipment: `shipped` of `ordered` units have now left.
    /// Refused when already fulfilled, when nothing is ordered or when more shipped than
    /// ordered (a counting bug upstream, never silently clamped).
    pub fn record_shipment(self, shipped: i64, ordered: i64) -> Result<Self, TransitionError> {
        if self == Self::Fulfilled || ordered <= 0 || shipped <= 0 || shipped > ordered {
            return Err(refuse("fulfilment", self.code(), "shipped"));
        }
        Ok(if shipped == ordered {
            Self::Fulfilled
        } else {
            Self::Partial
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_runs_review_to_completion() {
        let s = OrderStatus::PendingReview.pass_review().unwrap();
        assert_eq!(s, OrderStatus::Confirmed);
        let s = s.allocate().unwrap();
        assert!(s.holds_stock());
        let s = s.ship(false).unwrap();
        assert_eq!(s, OrderStatus::PartiallyShipped);
        let s = s.ship(true).unwrap();
        assert_eq!(s, OrderStatus::Shipped);
        let s = s.deliver().unwrap().complete().unwrap();
        assert!(s.is_terminal());
    }

    #[test]
    fn holds_and_cancellations_have_limits() {
        let held = OrderStatus::PendingReview.hold().unwrap();
        assert_eq!(held.hold().unwrap(), OrderStatus::OnHold);
        assert_eq!(held.release().unwrap(), OrderStatus::Confirmed);
        let err = OrderStatus::Allocated.hold().unwrap_err();
        assert_eq!(err.code(), "order-state");
        assert_eq!(
            err.to_string(),
            "an order whose order status is allocated cannot be held"
        );
        assert_eq!(
            OrderStatus::Allocated.deallocate().unwrap().hold().unwrap(),
            OrderStatus::OnHold
        );
        assert_eq!(
            OrderStatus::Allocated.cancel().unwrap(),
            OrderStatus::Cancelled
        );
        assert!(OrderStatus::PartiallyShipped.cancel().is_err());
        assert!(OrderStatus::Cancelled.cancel().is_err());
        assert!(OrderStatus::OnHold.allocate().is_err());
        assert!(OrderStatus::Confirmed.pass_review().is_err());
        assert!(OrderStatus::Confirmed.deliver().is_err());
        assert!(OrderStatus::Allocated.complete().is_err());
    }

    #[test]
    fn payments_move_forward_and_refunds_accumulate() {
        let p = PaymentStatus::Unpaid.authorize().unwrap();
        assert!(p.is_secured());
        assert_eq!(p.void().unwrap(), PaymentStatus::Unpaid);
        let p = p.capture().unwrap();
        assert_eq!(p.refund(false).unwrap(), PaymentStatus::PartiallyRefunded);
        assert_eq!(
            p.refund(false).unwrap().refund(true).unwrap(),
            PaymentStatus::Refunded
        );
        let err = PaymentStatus::Refunded.refund(false).unwrap_err();
        assert_eq!(err.code(), "payment-state");
        assert!(PaymentStatus::Unpaid.refund(true).is_err());
        assert!(PaymentStatus::Paid.authorize().is_err());
        assert!(PaymentStatus::Paid.void().is_err());
    }

    #[test]
    fn channel_reports_may_skip_steps_but_not_go_back() {
        let u = PaymentStatus::Unpaid;
        assert_eq!(
            u.follow_channel(PaymentStatus::Refunded),
            Ok(PaymentStatus::Refunded)
        );
        assert_eq!(u.follow_channel(u), Ok(u));
        assert!(
            PaymentStatus::Refunded
                .follow_channel(PaymentStatus::Paid)
                .is_err()
        );
        assert!(
            PaymentStatus::Paid
                .follow_channel(PaymentStatus::Unpaid)
                .is_err()
        );
    }

    #[test]
    fn fulfilment_follows_shipped_units() {
        let f = FulfilmentStatus::Unfulfilled;
        assert_eq!(f.record_shipment(1, 3).unwrap(), FulfilmentStatus::Partial);
        assert_eq!(
            f.record_shipment(3, 3).unwrap(),
            FulfilmentStatus::Fulfilled
        );
        let err = FulfilmentStatus::Fulfilled
            .record_shipment(1, 3)
            .unwrap_err();
        assert_eq!(err.code(), "fulfilment-state");
        assert!(f.record_shipment(4, 3).is_err());
        assert!(f.record_shipment(0, 3).is_err());
    }

    #[test]
    fn codes_round_trip_and_serialise_as_codes() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.code()).unwrap(), *s);
        }
        assert_eq!(OrderStatus::ALL.len(), 9);
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.code()).unwrap(), *s);
        }
        for s in FulfilmentStatus::ALL {
            assert_eq!(FulfilmentStatus::parse(s.code()).unwrap(), *s);
        }
        assert_eq!(
            serde_json::to_string(&OrderStatus::PendingReview).unwrap(),
            "\"pending_review\""
        );
        assert!(OrderStatus::parse("lost").is_err());
    }

    #[derive(Debug, Clone, Copy)]
    enum Move {
        Pass,
        Hold,
        Release,
        Allocate,
        Deallocate,
        Ship(bool),
        Deliver,
        Complete,
        Cancel,
    }

    fn apply(s: OrderStatus, m: Move) -> Result<OrderStatus, TransitionError> {
        match m {
            Move::Pass => s.pass_review(),
            Move::Hold => s.hold(),
            Move::Release => s.release(),
            Move::Allocate => s.allocate(),
            Move::Deallocate => s.deallocate(),
            Move::Ship(all) => s.ship(all),
            Move::Deliver => s.deliver(),
            Move::Complete => s.complete(),
            Move::Cancel => s.cancel(),
        }
    }

    fn any_move() -> impl Strategy<Value = Move> {
        prop_oneof![
            Just(Move::Pass),
            Just(Move::Hold),
            Just(Move::Release),
            Just(Move::Allocate),
            Just(Move::Deallocate),
            any::<bool>().prop_map(Move::Ship),
            Just(Move::Deliver),
            Just(Move::Complete),
            Just(Move::Cancel),
        ]
    }

    proptest! {
        #[test]
        fn terminal_states_refuse_everything_and_shipped_orders_never_cancel(
            moves in proptest::collection::vec(any_move(), 0..30)
        ) {
            let mut s = OrderStatus::PendingReview;
            let mut shipped_once = false;
            for m in moves {
                match apply(s, m) {
                    Ok(next) => {
                        prop_assert!(!s.is_terminal(), "{s} moved on");
                        if next == OrderStatus::Cancelled {
                            prop_assert!(!shipped_once);
                        }
                        s = next;
                        shipped_once |= matches!(s, OrderStatus::PartiallyShipped | OrderStatus::Shipped);
                    }
                    Err(e) => {
                        prop_assert_eq!(e.from, s.code());
                        prop_assert_eq!(e.code(), "order-state");
                    }
                }
            }
        }
    }
}
