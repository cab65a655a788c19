//! Omnihub's business rules: typed values parsed at the edge, state machines and pure
//! calculations. No I/O lives here (no tokio, sqlx or axum), so everything in this crate is
//! unit- and property-tested in milliseconds.

pub mod access;
pub mod access_requests;
pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod channels;
pub mod clock;
pub mod codes;
pub mod demo;
pub mod fulfilment;
#[cfg(test)]
mod fuzz;
pub mod identity;
pub mod ids;
pub mod inventory;
pub mod invoices;
pub mod merchants;
pub mod money;
pub mod orders;
pub mod payments;
pub mod roles;
pub mod settings;
pub mod throttle;
pub mod users;
