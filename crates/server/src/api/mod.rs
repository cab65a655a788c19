//! The REST API under `/api/v1`, plus the operational endpoints (`/healthz`, `/readyz`,
//! `/metrics`). Each module exposes `router()`; they are merged here, and utoipa-axum
//! collects their OpenAPI descriptions as they are mounted.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub mod access_requests;
pub mod account;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod channels;
pub mod fulfilment;
pub mod idempotency;
pub mod inventory;
pub mod invoices;
pub mod merchants;
pub mod oauth;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod roles;
pub mod system;
pub mod tracking;
pub mod users;

/// All API routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(system::router())
        .merge(auth::router())
        .merge(account::router())
        .merge(merchants::router())
        .merge(users::router())
        .merge(roles::router())
        .merge(access_requests::router())
        .merge(audit::router())
        .merge(api_keys::router())
        .merge(oauth::router())
        .merge(catalog::router())
        .merge(inventory::router())
        .merge(channels::router())
        .merge(orders::router())
        .merge(fulfilment::router())
        .merge(payments::router())
        .merge(invoices::router())
        .merge(tracking::router())
        .merge(outbox::router())
}

/// One page of a list, with the cursor of the next page (absent on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent when this is the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` fetched with `limit`; a full page may have a successor.
    pub fn new(items: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Self {
        let full = u32::try_from(items.len()).is_ok_and(|n| n == limit);
        let next_cursor = if full {
            items.last().map(cursor_of)
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

/// Default page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size accepted.
pub const MAX_LIMIT: u32 = 500;
