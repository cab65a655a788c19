//! HTTP tests of the whole application, each on SQLite and PostgreSQL (see omnihub-testkit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_requests;
mod auth;
mod console;
mod errors;
mod identity;
mod merchants;
mod operations;
mod roles;
mod schema;
mod users;
