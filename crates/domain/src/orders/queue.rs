//! The work queues staff empty first in, first out (DESIGN.md "Orders"): which queue an
//! order sits in follows from its status and hold reasons alone, so it is computed on
//! every change and never drifts.

use super::{HoldReason, OrderStatus};
use crate::codes::code_enum;

code_enum!(
    /// A queue of orders waiting for someone.
    WorkQueue {
        /// Held by review rules or staff: a person must approve or reject.
        Review = "review",
        /// Data to fix (unmappable payload, unknown SKU) or stock that is missing.
        Exception = "exception",
        /// Confirmed and waiting for stock to be allocated.
        Allocate = "allocate",
    }
);

impl WorkQueue {
    /// The queue for an order in `status` held for `reasons`. An exception reason wins
    /// over review reasons: the data must be fixed before anyone can decide. A confirmed
    /// order short of stock stays in the exception queue until staff choose to wait for
    /// stock (`backorder`), which moves it back to the allocation queue.
    pub fn for_order(status: OrderStatus, reasons: &[HoldReason], backorder: bool) -> Option<Self> {
        let exception = reasons.iter().any(|r| r.is_exception());
        match status {
            OrderStatus::PendingReview | OrderStatus::OnHold if exception => Some(Self::Exception),
            OrderStatus::PendingReview | OrderStatus::OnHold => Some(Self::Review),
            OrderStatus::Confirmed if exception && !backorder => Some(Self::Exception),
            OrderStatus::Confirmed => Some(Self::Allocate),
            // A carrier exception on a shipment that left (docs/adr/0021) waits for staff
            // until they clear it.
            OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Delivered
                if reasons.contains(&HoldReason::ShipmentException) =>
            {
                Some(Self::Exception)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_follow_status_and_reasons() {
        use HoldReason as R;
        use OrderStatus as S;
        let q = WorkQueue::for_order;
        assert_eq!(
            q(S::OnHold, &[R::SuspectedDuplicate], false),
            Some(WorkQueue::Review)
        );
        assert_eq!(
            q(S::OnHold, &[R::SuspectedDuplicate, R::UnknownSku], false),
            Some(WorkQueue::Exception)
        );
        assert_eq!(q(S::Confirmed, &[], false), Some(WorkQueue::Allocate));
        assert_eq!(
            q(S::Confirmed, &[R::InsufficientStock], false),
            Some(WorkQueue::Exception)
        );
        assert_eq!(
            q(S::Confirmed, &[R::InsufficientStock], true),
            Some(WorkQueue::Allocate)
        );
        for s in [S::Allocated, S::Shipped, S::Cancelled, S::Completed] {
            assert_eq!(q(s, &[R::InsufficientStock], false), None);
        }
        for s in [S::PartiallyShipped, S::Shipped, S::Delivered] {
            assert_eq!(
                q(s, &[R::ShipmentException], false),
                Some(WorkQueue::Exception)
            );
        }
        assert_eq!(q(S::Completed, &[R::ShipmentException], false), None);
    }
}
