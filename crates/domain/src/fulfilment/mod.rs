//! Fulfilment rules that need no storage (issue 7): shipment tracking, its status machine
//! and the carrier formats it is fed by ([`tracking`]). Nothing here does I/O.

pub mod tracking;
