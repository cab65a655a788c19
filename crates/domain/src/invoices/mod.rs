//! Invoices (issue 7, PAY-4): what an invoice is before it is stored. The buyer's title
//! and Chinese unified social credit code ([`types`]), the two kinds and two states, the
//! gap-free number format and the tax lines snapshot from an order's lines ([`rules`]).
//! Pure: the store hands out the sequence, the app decides when to issue
//! (docs/adr/0020-invoices.md).

pub mod rules;
pub mod types;

pub use rules::*;
pub use types::*;
