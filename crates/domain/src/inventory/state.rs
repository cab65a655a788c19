//! The state machines of inventory documents: transfers (draft → in transit → partially
//! received → received, or cancelled before dispatch), stocktakes (open → posted or
//! cancelled) and reservations (open → released or consumed). Illegal moves are refused
//! with a typed error whose `code()` the app layer turns into a conflict.

use std::fmt;

use serde::Serialize;

use super::types::InventoryValueError;

/// An illegal move in one of the state machines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {entity} that is {from} cannot be {action}")]
pub struct TransitionError {
    /// `transfer`, `stocktake` or `reservation`.
    pub entity: &'static str,
    /// The current state's code.
    pub from: &'static str,
    /// What was attempted (`dispatched`, `posted`...).
    pub action: &'static str,
}

impl TransitionError {
    /// A stable kebab-case code: `transfer-state`, `stocktake-state`, `reservation-state`.
    pub fn code(&self) -> &'static str {
        match self.entity {
            "transfer" => "transfer-state",
            "stocktake" => "stocktake-state",
            _ => "reservation-state",
        }
    }
}

macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// The stored code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),*
                }
            }

            /// Parses a stored code.
            pub fn parse(raw: &str) -> Result<Self, InventoryValueError> {
                match raw {
                    $($code => Ok(Self::$variant),)*
                    _ => Err(InventoryValueError::UnknownCode(concat!($($code, " "),*))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

status_enum!(
    /// Where a transfer is.
    TransferStatus {
        /// Created; nothing has moved yet.
        Draft = "draft",
        /// Dispatched: booked out of the source, incoming at the destination.
        InTransit = "in_transit",
        /// Some goods have arrived; more may follow.
        PartiallyReceived = "partially_received",
        /// Closed: everything arrived, or the shortfall was recorded as a discrepancy.
        Received = "received",
        /// Cancelled before dispatch.
        Cancelled = "cancelled",
    }
);

status_enum!(
    /// Where a stocktake is.
    StocktakeStatus {
        /// Counting: counts may be entered.
        Open = "open",
        /// The variances were booked as count movements.
        Posted = "posted",
        /// Abandoned; nothing was booked.
        Cancelled = "cancelled",
    }
);

status_enum!(
    /// Where a reservation is.
    ReservationStatus {
        /// Holding stock for its order line.
        Open = "open",
        /// Given back (order cancelled).
        Released = "released",
        /// Shipped: on hand and reserved both went down.
        Consumed = "consumed",
    }
);

/// Why a transfer's lines were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// Source and destination are the same location.
    #[error("a transfer needs two different locations")]
    SameLocation,
    /// A transfer without lines.
    #[error("a transfer needs at least one line")]
    NoLines,
    /// More received on a line than was shipped on it.
    #[error("line {line}: at most {remaining} more can be received")]
    OverReceived {
        /// Zero-based line index in the request.
        line: usize,
        /// What is still outstanding on it.
        remaining: i64,
    },
}

impl TransferError {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SameLocation => "same-location",
            Self::NoLines => "no-lines",
            Self::OverReceived { .. } => "over-received",
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

impl TransferStatus {
    /// Draft → in transit.
    pub fn dispatch(self) -> Result<Self, TransitionError> {
        match self {
            Self::Draft => Ok(Self::InTransit),
            other => Err(refuse("transfer", other.code(), "dispatched")),
        }
    }

    /// In transit or partially received → partially received, or received when nothing
    /// is outstanding or the receiver closes it (`close`: the shortfall is a discrepancy).
    pub fn receive(self, outstanding_after: i64, close: bool) -> Result<Self, TransitionError> {
        match self {
            Self::InTransit | Self::PartiallyReceived if outstanding_after <= 0 || close => {
                Ok(Self::Received)
            }
            Self::InTransit | Self::PartiallyReceived => Ok(Self::PartiallyReceived),
            other => Err(refuse("transfer", other.code(), "received")),
        }
    }

    /// Draft → cancelled. Goods already on the road cannot be cancelled: receive them
    /// (closing with a discrepancy if they never arrive).
    pub fn cancel(self) -> Result<Self, TransitionError> {
        match self {
            Self::Draft => Ok(Self::Cancelled),
            other => Err(refuse("transfer", other.code(), "cancelled")),
        }
    }
}

impl StocktakeStatus {
    /// Counts may be entered only while open.
    pub fn enter_counts(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Open),
            other => Err(refuse("stocktake", other.code(), "counted")),
        }
    }

    /// Open → posted.
    pub fn post(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Posted),
            other => Err(refuse("stocktake", other.code(), "posted")),
        }
    }

    /// Open → cancelled.
    pub fn cancel(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Cancelled),
            other => Err(refuse("stocktake", other.code(), "cancelled")),
        }
    }
}

impl ReservationStatus {
    /// Open → released.
    pub fn release(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Released),
            other => Err(refuse("reservation", other.code(), "released")),
        }
    }

    /// Open → consumed.
    pub fn consume(self) -> Result<Self, TransitionError> {
        match self {
            Self::Open => Ok(Self::Consumed),
            other => Err(refuse("reservation", other.code(), "consumed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_is_dispatched_once_and_received_partly_then_fully() {
        let t = TransferStatus::Draft.dispatch().unwrap();
        assert_eq!(t, TransferStatus::InTransit);
        assert_eq!(t.dispatch().unwrap_err().code(), "transfer-state");
        let t = t.receive(3, false).unwrap();
        assert_eq!(t, TransferStatus::PartiallyReceived);
        assert_eq!(t.receive(0, false).unwrap(), TransferStatus::Received);
        assert_eq!(t.receive(2, true).unwrap(), TransferStatus::Received);
        assert!(TransferStatus::Received.receive(0, false).is_err());
        assert!(TransferStatus::Draft.receive(0, false).is_err());
        assert_eq!(
            TransferStatus::Draft.cancel().unwrap(),
            TransferStatus::Cancelled
        );
        let err = TransferStatus::InTransit.cancel().unwrap_err();
        assert_eq!(
            err.to_string(),
            "a transfer that is in_transit cannot be cancelled"
        );
    }

    #[test]
    fn stocktakes_and_reservations_close_once() {
        assert!(StocktakeStatus::Open.enter_counts().is_ok());
        assert_eq!(
            StocktakeStatus::Open.post().unwrap(),
            StocktakeStatus::Posted
        );
        assert_eq!(
            StocktakeStatus::Posted.enter_counts().unwrap_err().code(),
            "stocktake-state"
        );
        assert!(StocktakeStatus::Cancelled.post().is_err());
        assert_eq!(
            ReservationStatus::Open.consume().unwrap(),
            ReservationStatus::Consumed
        );
        assert!(ReservationStatus::Consumed.release().is_err());
        assert_eq!(
            ReservationStatus::Released.consume().unwrap_err().code(),
            "reservation-state"
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in [
            "draft",
            "in_transit",
            "partially_received",
            "received",
            "cancelled",
        ] {
            assert_eq!(TransferStatus::parse(s).unwrap().code(), s);
        }
        for s in ["open", "posted", "cancelled"] {
            assert_eq!(StocktakeStatus::parse(s).unwrap().code(), s);
        }
        for s in ["open", "released", "consumed"] {
            assert_eq!(ReservationStatus::parse(s).unwrap().code(), s);
        }
        assert!(TransferStatus::parse("lost").is_err());
    }
}
