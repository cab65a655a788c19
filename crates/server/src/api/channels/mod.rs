//! The channel API (issue 6, CH-1 and CAT-5) under `/api/v1/channels`: the channel
//! registry (list, create, read, edit, status changes, credential rotation, linked
//! locations) and each channel's listings.
//!
//! Every route acts in the caller's current merchant; another merchant's channel is 404.
//! Credentials are write-only: responses say which are set (`webhook_secret_set`) with a
//! four-character hint, and a secret the platform generated is returned once, by the call
//! that generated it (`webhook_secret` in [`dto::ChannelWithSecretDto`]).

use omnihub_domain::ids::MerchantId;
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;

pub mod dto;
mod listings;
mod registry;

/// The channel routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(registry::router())
        .merge(listings::router())
}

/// The merchant the request acts in.
fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}
