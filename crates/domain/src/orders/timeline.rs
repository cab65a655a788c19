//! The kinds of entries on an order's timeline. Every change to an order appends one
//! (event, actor, time, data: DESIGN.md "Orders"); the code is what is stored and what the
//! console translates, so codes never change once released.

use crate::codes::code_enum;

code_enum!(
    /// What happened to an order.
    TimelineEvent {
        /// Taken in from a channel, the API, CSV or manual entry.
        Received = "received",
        /// The channel sent a change (`orders/updated`) that was applied.
        ChannelUpdated = "channel_updated",
        /// The channel cancelled the order.
        ChannelCancelled = "channel_cancelled",
        /// Staff edited the order.
        Edited = "edited",
        /// Kept in the exception queue (unmappable, unknown SKU, no stock...).
        ExceptionRaised = "exception_raised",
        /// An exception was fixed.
        ExceptionResolved = "exception_resolved",
        /// Review rules ran and passed.
        ReviewPassed = "review_passed",
        /// Put on hold (by review or staff), with reasons.
        Held = "held",
        /// Released from hold.
        Released = "released",
        /// Stock allocated at one or more locations.
        Allocated = "allocated",
        /// Allocation given back.
        Deallocated = "deallocated",
        /// A shipment left.
        Shipped = "shipped",
        /// Delivered.
        Delivered = "delivered",
        /// A carrier event for one of its shipments (docs/adr/0021).
        ShipmentEvent = "shipment_event",
        /// Closed.
        Completed = "completed",
        /// Cancelled.
        Cancelled = "cancelled",
        /// The payment state changed.
        PaymentChanged = "payment_changed",
        /// The fulfilment state changed.
        FulfilmentChanged = "fulfilment_changed",
        /// A note was added.
        NoteAdded = "note_added",
    }
);

impl TimelineEvent {
    /// The event kind recorded in the merchant's event stream (`order.<code>`).
    pub fn event_kind(self) -> String {
        format!("order.{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn timeline_codes_are_unique_and_round_trip() {
        let codes: BTreeSet<_> = TimelineEvent::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), TimelineEvent::ALL.len());
        for e in TimelineEvent::ALL {
            assert_eq!(TimelineEvent::parse(e.code()).unwrap(), *e);
        }
        assert_eq!(TimelineEvent::Held.event_kind(), "order.held");
        assert!(TimelineEvent::parse("exploded").is_err());
    }
}
