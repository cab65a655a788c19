//! A channel's listings: which SKUs sell on it, under which channel-side ids and price.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::channels::{self, ListingQuery};
use omnihub_domain::channels::{ChannelId, ChannelListingId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::dto::{CreateListing, ListingDto, ListingListParams, UpdateListing};
use super::merchant;
use crate::api::Page;
use crate::api::users::Paging;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_listings, create_listing))
        .routes(routes!(get_listing, update_listing, delete_listing))
}

/// A page of the channel's listings in creation order. Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/listings", tag = "channels", params(("channel_id" = String, Path, description = "Channel id"), ListingListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<ListingDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_listings(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel): ApiPath<ChannelId>,
    ApiQuery(p): ApiQuery<ListingListParams>,
) -> ApiResult<Json<Page<ListingDto>>> {
    let m = merchant(&auth)?;
    let (_, limit) = Paging {
        limit: p.limit,
        cursor: p.cursor.clone(),
    }
    .parse::<Uuid>()?;
    let q = ListingQuery {
        sku_id: p.sku_id,
        q: p.q,
        active: p.active,
        cursor: p.cursor,
        limit: Some(limit),
    };
    let page = channels::list_listings(&state.app, &auth.actor, m, channel, q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(ListingDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Lists a SKU on the channel. Only an active SKU of a listed product (409
/// `sku-not-sellable`), once per channel (409 `sku-already-listed`). Needs
/// `channels.manage`; audited.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/listings", tag = "channels", request_body = CreateListing, params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 201, body = ListingDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`sku-not-sellable`, `sku-already-listed`, `channel-archived`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`external_sku`/`external_variant_id`/`external_product_id` `taken`, `price_override.currency` `currency_mismatch`...", body = Problem, content_type = "application/problem+json")
))]
async fn create_listing(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(channel): ApiPath<ChannelId>,
    ApiJson(body): ApiJson<CreateListing>,
) -> ApiResult<(StatusCode, Json<ListingDto>)> {
    let m = merchant(&auth)?;
    let listing =
        channels::create_listing(&state.app, &auth.actor, m, channel, body.into()).await?;
    Ok((StatusCode::CREATED, Json(listing.into())))
}

/// One listing. Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/listings/{listing_id}", tag = "channels", params(("channel_id" = String, Path, description = "Channel id"), ("listing_id" = String, Path, description = "Listing id")), security(("bearer" = [])), responses(
    (status = 200, body = ListingDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_listing(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((channel, id)): ApiPath<(ChannelId, ChannelListingId)>,
) -> ApiResult<Json<ListingDto>> {
    let m = merchant(&auth)?;
    let listing = channels::get_listing(&state.app, &auth.actor, m, channel, id).await?;
    Ok(Json(listing.into()))
}

/// Edits a listing's channel-side ids, price override or active flag. Needs
/// `channels.manage`; audited.
#[utoipa::path(patch, path = "/api/v1/channels/{channel_id}/listings/{listing_id}", tag = "channels", request_body = UpdateListing, params(("channel_id" = String, Path, description = "Channel id"), ("listing_id" = String, Path, description = "Listing id")), security(("bearer" = [])), responses(
    (status = 200, body = ListingDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn update_listing(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((channel, id)): ApiPath<(ChannelId, ChannelListingId)>,
    ApiJson(body): ApiJson<UpdateListing>,
) -> ApiResult<Json<ListingDto>> {
    let m = merchant(&auth)?;
    let listing =
        channels::update_listing(&state.app, &auth.actor, m, channel, id, body.into()).await?;
    Ok(Json(listing.into()))
}

/// Removes a listing. Needs `channels.manage`; audited.
#[utoipa::path(delete, path = "/api/v1/channels/{channel_id}/listings/{listing_id}", tag = "channels", params(("channel_id" = String, Path, description = "Channel id"), ("listing_id" = String, Path, description = "Listing id")), security(("bearer" = [])), responses(
    (status = 204, description = "Removed"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`channel-archived`", body = Problem, content_type = "application/problem+json")
))]
async fn delete_listing(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((channel, id)): ApiPath<(ChannelId, ChannelListingId)>,
) -> ApiResult<StatusCode> {
    let m = merchant(&auth)?;
    channels::delete_listing(&state.app, &auth.actor, m, channel, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
