//! The order's payment status from its payments: the order is `paid` when what was
//! captured covers its total, `authorized` when captured plus authorised money covers it,
//! `partially_refunded`/`refunded` once money went back, `unpaid` otherwise. Pending and
//! failed payments count for nothing.

use super::state::PaymentState;
use crate::orders::PaymentStatus;

/// What [`derive_order_payment`] needs of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentFigures {
    /// Its state.
    pub state: PaymentState,
    /// Its amount, in the order's minor units.
    pub amount_minor: i64,
    /// How much of it was given back.
    pub refunded_minor: i64,
}

/// The order's payment status for an order of `total_minor` with these payments.
pub fn derive_order_payment(total_minor: i64, payments: &[PaymentFigures]) -> PaymentStatus {
    let mut captured: i64 = 0;
    let mut refunded: i64 = 0;
    let mut authorized: i64 = 0;
    for p in payments {
        match p.state {
            PaymentState::Captured | PaymentState::PartiallyRefunded | PaymentState::Refunded => {
                captured = captured.saturating_add(p.amount_minor);
                refunded = refunded.saturating_add(p.refunded_minor);
            }
            PaymentState::Authorized => authorized = authorized.saturating_add(p.amount_minor),
            PaymentState::Pending | PaymentState::Failed => {}
        }
    }
    let kept = captured.saturating_sub(refunded);
    if refunded > 0 {
        if kept <= 0 {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        }
    } else if captured > 0 && captured >= total_minor {
        PaymentStatus::Paid
    } else if captured.saturating_add(authorized) > 0
        && captured.saturating_add(authorized) >= total_minor
    {
        PaymentStatus::Authorized
    } else {
        PaymentStatus::Unpaid
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn p(state: PaymentState, amount: i64, refunded: i64) -> PaymentFigures {
        PaymentFigures {
            state,
            amount_minor: amount,
            refunded_minor: refunded,
        }
    }

    #[test]
    fn several_payments_add_up() {
        use PaymentState::*;
        assert_eq!(derive_order_payment(100, &[]), PaymentStatus::Unpaid);
        assert_eq!(
            derive_order_payment(100, &[p(Captured, 60, 0)]),
            PaymentStatus::Unpaid
        );
        assert_eq!(
            derive_order_payment(100, &[p(Captured, 60, 0), p(Authorized, 40, 0)]),
            PaymentStatus::Authorized
        );
        assert_eq!(
            derive_order_payment(100, &[p(Captured, 60, 0), p(Captured, 40, 0)]),
            PaymentStatus::Paid
        );
        assert_eq!(
            derive_order_payment(100, &[p(PartiallyRefunded, 60, 10), p(Captured, 40, 0)]),
            PaymentStatus::PartiallyRefunded
        );
        assert_eq!(
            derive_order_payment(100, &[p(Refunded, 60, 60), p(Refunded, 40, 40)]),
            PaymentStatus::Refunded
        );
        assert_eq!(
            derive_order_payment(100, &[p(Failed, 100, 0), p(Pending, 100, 0)]),
            PaymentStatus::Unpaid
        );
    }

    fn figures() -> impl Strategy<Value = PaymentFigures> {
        (0_usize..6, 1_i64..1_000_000, 0_i64..=100).prop_map(|(s, amount, share)| {
            let state = PaymentState::ALL[s];
            let refunded = match state {
                PaymentState::Refunded => amount,
                PaymentState::PartiallyRefunded => (amount * share / 100).clamp(1, amount),
                _ => 0,
            };
            p(state, amount, refunded)
        })
    }

    proptest! {
        #[test]
        fn the_status_never_overstates_what_was_paid(
            total in 1_i64..5_000_000,
            mut payments in proptest::collection::vec(figures(), 0..6),
        ) {
            let status = derive_order_payment(total, &payments);
            let captured: i64 = payments.iter().filter(|x| matches!(x.state, PaymentState::Captured | PaymentState::PartiallyRefunded | PaymentState::Refunded)).map(|x| x.amount_minor).sum();
            let refunded: i64 = payments.iter().map(|x| x.refunded_minor).sum();
            match status {
                PaymentStatus::Paid => prop_assert!(captured >= total && refunded == 0),
                PaymentStatus::Refunded => prop_assert!(refunded > 0 && refunded == captured),
                PaymentStatus::PartiallyRefunded => prop_assert!(refunded > 0 && refunded < captured),
                PaymentStatus::Authorized | PaymentStatus::Unpaid => prop_assert_eq!(refunded, 0),
            }
            // Order does not matter, and a failed or pending payment changes nothing.
            payments.reverse();
            prop_assert_eq!(derive_order_payment(total, &payments), status);
            payments.push(p(PaymentState::Failed, total, 0));
            payments.push(p(PaymentState::Pending, total, 0));
            prop_assert_eq!(derive_order_payment(total, &payments), status);
        }
    }
}
