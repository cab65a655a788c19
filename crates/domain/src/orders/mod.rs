//! Orders (issue 6): one order model for every channel, its three state machines, totals
//! that add up, review rules and the allocation planner.
//!
//! - [`types`]: parsed values (order numbers, contacts, addresses, the [`IncomingOrder`]).
//! - [`state`]: order, payment and fulfilment state machines with typed errors.
//! - [`rules`]: totals and hold reasons.
//! - [`timeline`]: the kinds of timeline entries.
//! - [`intake`]: mapping problems and the shared toolkit of the channel adapters.
//! - [`api_format`]: our own `POST /api/v1/orders` body.
//! - [`csv_format`]: the order CSV import template (docs/orders-csv.md), built on it.
//! - [`review`]: per-merchant review rules and their pure evaluation.
//! - [`allocation`]: which locations ship which lines.
//! - [`queue`]: which work queue an order waits in.
//! - [`edits`]: line resizing and totals computed again for edits before shipment.
//! - [`historic`]: finished orders of another system, one NDJSON line each (bulk import).
//!
//! Nothing here does I/O (docs/adr/0014).

pub mod allocation;
pub mod api_format;
pub mod csv_format;
pub mod edits;
pub mod historic;
pub mod intake;
pub mod queue;
pub mod review;
pub mod rules;
pub mod state;
pub mod timeline;
pub mod types;

pub use intake::{MappingProblem, Unmappable};
pub use queue::WorkQueue;
pub use rules::{HoldReason, OrderTotals, TotalsError, TotalsInput};
pub use state::{FulfilmentStatus, OrderStatus, PaymentStatus, TransitionError};
pub use timeline::TimelineEvent;
pub use types::{
    AddressPart, ChannelOrderState, CountryCode, CustomerInfo, Email, IncomingLine, IncomingOrder,
    OrderId, OrderLineId, OrderNumber, OrderNumberPrefix, OrderText, OrderValueError, PaymentHints,
    Phone, PostalAddress, Tag,
};
