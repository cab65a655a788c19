//! The catalogue API (CAT-1..4, 7) under `/api/v1/catalog`: brands, the category tree,
//! products and SKUs, the listing review, change history, CSV import and CSV/XLSX export,
//! the catalogue settings, and the sellability check order intake and channels call.
//!
//! Every route acts in the caller's current merchant (platform staff choose one with
//! `X-Omnihub-Merchant`); another merchant's records are 404. Money is always
//! [`dto::MoneyDto`]: `{"amount": "19.90", "currency": "CNY"}`, the amount as decimal text
//! in the currency's major unit, never a JSON number.

use omnihub_domain::ids::MerchantId;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;

mod brands;
mod categories;
pub mod dto;
mod history;
mod products;
mod review;
mod settings;
mod skus;
mod transfer;

/// The catalogue routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(brands::router())
        .merge(categories::router())
        .merge(products::router())
        .merge(skus::router())
        .merge(review::router())
        .merge(history::router())
        .merge(transfer::router())
        .merge(settings::router())
}

/// The merchant the request acts in.
fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}
