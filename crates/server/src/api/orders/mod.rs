//! The order API (issue 6, ORD-1..5, ORD-7) under `/api/v1/orders`, and the channel
//! webhook receiver at `/api/v1/channels/{channel_id}/webhooks/{kind}`:
//!
//! - [`intake`]: `POST /orders` in our own format (idempotent by channel and external id,
//!   and by `Idempotency-Key`) and `POST /orders/import` (CSV, a per-order report);
//! - [`imports`]: `POST /orders/imports`, the bulk import of historical orders (NDJSON,
//!   streamed), and the list of import runs;
//! - [`webhooks`]: Shopify and WooCommerce deliveries, verified over the raw body before
//!   anything is parsed or stored;
//! - [`manage`]: the list with filters and the work queues, the detail with lines,
//!   allocations and timeline, staff actions, and the order settings.
//!
//! Every route but the webhook acts in the caller's current merchant; another merchant's
//! order is 404.

use omnihub_domain::ids::MerchantId;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;

pub mod dto;
mod edits;
mod imports;
mod intake;
mod manage;
mod webhooks;

/// The order routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(intake::router())
        .merge(imports::router())
        .merge(edits::router())
        .merge(manage::router())
        .merge(webhooks::router())
}

/// The merchant the request acts in.
fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}
