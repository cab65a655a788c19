//! Console pages for fulfilment (issue 7; docs/console-fulfilment.md): pick waves per
//! location with their pick lists and a printable pick sheet, the packing screen (scan a
//! SKU code or barcode, then ship what is packed from that location) and the order page's
//! "Fulfilment" block. Every page calls `omnihub_app::fulfilment` (the same use cases as
//! `/api/v1/fulfilment` and `/api/v1/orders/{id}/pack|shipments`) in the merchant the user
//! acts in; the use cases check permissions. Everything works as plain forms; htmx only
//! re-renders the packing lines in place.

use axum::Router;
use axum::routing::{get, post};
use omnihub_domain::inventory::LocationId;

use super::catalog::Choice;
use super::inventory::Locations;
use crate::state::AppState;

pub mod block;
mod pack;
mod waves;

/// The fulfilment routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/fulfilment/waves",
            get(waves::list_page).post(waves::create),
        )
        .route("/fulfilment/waves/{id}", get(waves::detail_page))
        .route("/fulfilment/waves/{id}/print", get(waves::print_page))
        .route("/fulfilment/waves/{id}/close", post(waves::close))
        .route(
            "/fulfilment/orders/{id}/pack",
            get(pack::page).post(pack::scan),
        )
        .route("/fulfilment/orders/{id}/ship", post(pack::ship))
}

/// The packing screen of an order at a location.
pub fn pack_link(order: impl std::fmt::Display, location: LocationId) -> String {
    format!("/admin/fulfilment/orders/{order}/pack?location={location}")
}

/// Active locations to choose from, `selected` marked (none chosen: the first).
fn location_choices(locations: &Locations, selected: &str) -> Vec<Choice> {
    locations.choices(selected, None)
}
