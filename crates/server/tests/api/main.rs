//! HTTP tests of the whole application, each on SQLite and PostgreSQL (see omnihub-testkit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api_keys;
mod auth;
mod console;
mod errors;
mod identity;
mod merchants;
mod oauth;
mod operations;
mod schema;
