//! HTTP tests of the whole application, each on SQLite and PostgreSQL (see omnihub-testkit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_requests;
mod api_keys;
mod audit;
mod auth;
mod bad_clients;
mod catalog;
mod catalog_app;
mod catalog_review;
mod catalog_transfer;
mod channels;
mod console;
mod console_access;
mod console_catalog;
mod console_channels;
mod console_dashboard;
mod console_fulfilment;
mod console_inventory;
mod console_order_edits;
mod console_orders;
mod console_tracking;
mod end_to_end;
mod errors;
mod fixtures;
mod fulfilment;
mod idempotency;
mod identity;
mod inventory;
mod inventory_app;
mod invoices;
mod isolation;
mod merchants;
mod oauth;
mod operations;
mod order_edits;
mod order_imports;
mod orders;
mod orders_flow;
mod outbox;
mod payments;
mod roles;
mod schema;
mod tracking;
mod users;
