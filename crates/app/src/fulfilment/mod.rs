//! Fulfilment (issue 7, FUL-1..3; docs/adr/0018): pick waves group a location's allocated
//! orders first by ship-by deadline, then by arrival; the pick list sums what to take from
//! the shelves by SKU; packing confirms each unit by SKU code or barcode; shipping creates
//! a shipment from one location and consumes the packed allocations' reservations (one
//! `shipment` movement per line and location), moving the order to partially shipped or
//! shipped. Everything needs `orders.manage` (reading `orders.read`), is audited and lands
//! on the order's timeline.

mod shipments;
mod waves;

pub use shipments::*;
pub use waves::*;
