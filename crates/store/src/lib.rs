//! Omnihub's storage: the only crate that knows SQL.
//!
//! One body of query code serves embedded SQLite and PostgreSQL (docs/adr/0001): each query
//! is one SQL text with `$n` placeholders, compiled for both backends by [`with_conn!`].
//! Every function that touches business data takes the merchant id first, and every query
//! is scoped by it.

pub mod access;
pub mod access_requests;
pub mod api_keys;
pub mod audit;
pub mod catalog;
pub mod channels;
pub mod checks;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod floors;
pub mod fulfilment;
pub mod idempotency;
pub mod inventory;
pub mod invoices;
pub mod merchants;
pub mod mfa;
pub mod migrations;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod platform;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod staff;
pub mod throttle;
pub mod time;
pub mod tracking;
pub mod users;

pub use db::{Backend, Db, DbOptions, PoolStats, Savepoint, Tx};
pub use error::StoreError;
