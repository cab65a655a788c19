//! Omnihub's use cases: one function per command or query. Each owns its transaction,
//! checks authorisation, calls the domain rules and the store, and (from the identity issue
//! on) writes the audit entry in the same transaction. The REST API, the admin console, the
//! CLI and the background workers all call these functions, never the store directly.

pub mod access;
pub mod access_requests;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod callers;
pub mod catalog;
pub mod channels;
pub mod context;
pub mod dashboard;
pub mod entropy;
pub mod error;
pub mod fulfilment;
pub mod idempotency;
pub mod inventory;
pub mod invoices;
pub mod merchants;
pub mod mfa;
pub mod oauth;
pub mod orders;
pub mod outbox;
pub mod passwords;
pub mod payments;
pub mod roles;
pub mod secrets;
pub mod settings;
pub mod setup;
pub mod staff;
pub mod system;
pub mod users;

pub use context::{Actor, App, Principal, RequestMeta};
pub use error::{Error, FieldError};
