//! The inventory API (INV-1..7) under `/api/v1/inventory`: locations, stock levels and the
//! movement ledger, receipts, adjustments with approval, transfers, stocktakes (JSON and
//! CSV counts, variance report), the reservation service, alert thresholds and alerts, the
//! inventory settings, per-SKU backorders and the read-only events feed.
//!
//! Every route acts in the caller's current merchant (platform staff choose one with
//! `X-Omnihub-Merchant`); another merchant's records are 404. Quantities are JSON integers
//! (units). Conflicts the app reports (`insufficient-stock`, `reference-reused`,
//! `reservation-state`, `transfer-state`, `stocktake-state`, `adjustment-decided`,
//! `location-inactive`, `sku-not-sellable`) are 409 problems with those codes; see
//! docs/adr/0013-inventory.md for the rules behind them.

use omnihub_domain::ids::MerchantId;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;

mod adjustments;
mod alerts;
pub mod dto;
mod levels;
mod locations;
mod reservations;
mod stocktakes;
mod transfers;

/// The inventory routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(locations::router())
        .merge(levels::router())
        .merge(adjustments::router())
        .merge(transfers::router())
        .merge(stocktakes::router())
        .merge(reservations::router())
        .merge(alerts::router())
}

/// The merchant the request acts in.
fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}
