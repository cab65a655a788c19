//! Inventory (INV-1..7): locations, stock quantities, the movement ledger's reasons,
//! adjustment reason codes and the approval threshold, the transfer and stocktake state
//! machines, stocktake variance maths and the stock alert rules.
//!
//! - [`types`]: parsed values (quantities, location codes, regions, reasons).
//! - [`state`]: transfer, stocktake and reservation state machines with typed errors.
//! - [`rules`]: alert thresholds, variance maths and the adjustment approval rule.
//!
//! Nothing here does I/O: the store keeps the ledger and the levels, the app layer applies
//! these rules inside its transactions (docs/adr/0013).

pub mod rules;
pub mod state;
pub mod types;

pub use rules::{
    AlertKind, AlertThresholds, ApprovalThresholds, StockFigures, ThresholdError, Variance,
    alert_changes, alerts_for, needs_approval,
};
pub use state::{
    ReservationStatus, StocktakeStatus, TransferError, TransferStatus, TransitionError,
};
pub use types::{
    Address, AdjustmentReason, Count, InventoryValueError, LocationCode, LocationKind,
    LocationName, MovementReason, Quantity, Reference, Region,
};

crate::typed_id!(
    /// A stock location (warehouse, store, third-party warehouse).
    LocationId
);
crate::typed_id!(
    /// One entry of the stock movement ledger.
    MovementId
);
crate::typed_id!(
    /// A reservation of stock for one order line.
    ReservationId
);
crate::typed_id!(
    /// An adjustment request (applied at once, or pending approval).
    AdjustmentId
);
crate::typed_id!(
    /// A transfer between two locations.
    TransferId
);
crate::typed_id!(
    /// A stocktake (cycle count).
    StocktakeId
);
crate::typed_id!(
    /// A stock alert.
    AlertId
);
