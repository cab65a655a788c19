//! Fulfilment (issue 7, FUL-1..3; docs/adr/0018): pick waves group a location's allocated
//! orders first by ship-by deadline, then by arrival; the pick list sums what to take from
//! the shelves by SKU; packing confirms each unit by SKU code or barcode; shipping creates
//! a shipment from one location and consumes the packed allocations' reservations (one
//! `shipment` movement per line and location), moving the order to partially shipped or
//! shipped. Everything needs `orders.manage` (reading `orders.read`), is audited and lands
//! on the order's timeline. Tracking (FUL-5; docs/adr/0021): carrier accounts
//! ([`carriers`]) and the events that move shipments and deliver orders ([`tracking`]).

pub mod carriers;
mod shipments;
pub mod tracking;
mod waves;

pub use carriers::*;
pub use shipments::*;
pub use tracking::*;
pub use waves::*;
