//! The channel registry: list, create, read, edit, status changes, credential rotation
//! and linked locations.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode, header};
use omnihub_app::channels::{self, ChannelQuery, CredentialsInput, LinkInput, StatusAction};
use omnihub_domain::channels::ChannelId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::dto::{
    ChannelDto, ChannelListParams, ChannelLocations, ChannelWithSecretDto, CreateChannel,
    RotateCredentials, SetLocations, StatusChange, UpdateChannel,
};
use super::merchant;
use crate::api::Page;
use crate::api::users::Paging;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

/// Responses that may carry a generated secret must not be kept by any cache.
type NoStore = [(HeaderName, &'static str); 1];
const NO_STORE: NoStore = [(header::CACHE_CONTROL, "no-store")];

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(get_channel, update_channel))
        .routes(routes!(change_status))
        .routes(routes!(rotate_credentials))
        .routes(routes!(list_locations, set_locations))
}

/// A page of the merchant's channels in creation order, filtered by status and kind.
/// Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels", params(ChannelListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<ChannelDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status` or `kind`", body = Problem, content_type = "application/problem+json")
))]
async fn list_channels(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<ChannelListParams>,
) -> ApiResult<Json<Page<ChannelDto>>> {
    let m = merchant(&auth)?;
    let (_, limit) = Paging {
        limit: p.limit,
        cursor: p.cursor.clone(),
    }
    .parse::<Uuid>()?;
    let q = ChannelQuery {
        status: p.status,
        kind: p.kind,
        cursor: p.cursor,
        limit: Some(limit),
    };
    let page = channels::list_channels(&state.app, &auth.actor, m, q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(ChannelDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Creates a channel with its linked locations. When no webhook secret is given one is
/// generated and returned in `webhook_secret`, this once. Needs `channels.manage`; audited
/// (without credentials).
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = CreateChannel, security(("bearer" = [])), responses(
    (status = 201, body = ChannelWithSecretDto, headers(("Cache-Control" = String, description = "no-store"))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors: `code` `taken`, `currency`, `time_zone`, `locations[i].location_id` `unknown`/`inactive`/`duplicate`...", body = Problem, content_type = "application/problem+json")
))]
async fn create_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateChannel>,
) -> ApiResult<(StatusCode, NoStore, Json<ChannelWithSecretDto>)> {
    let m = merchant(&auth)?;
    let created = channels::create_channel(&state.app, &auth.actor, m, body.into()).await?;
    Ok((StatusCode::CREATED, NO_STORE, Json(created.into())))
}

/// One channel. Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}", tag = "channels", params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
) -> ApiResult<Json<ChannelDto>> {
    let m = merchant(&auth)?;
    let channel = channels::get_channel(&state.app, &auth.actor, m, id).await?;
    Ok(Json(channel.into()))
}

/// Edits a channel's settings. Needs `channels.manage`; audited.
#[utoipa::path(patch, path = "/api/v1/channels/{channel_id}", tag = "channels", request_body = UpdateChannel, params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`channel-archived`, `channel-currency-in-use`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn update_channel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
    ApiJson(body): ApiJson<UpdateChannel>,
) -> ApiResult<Json<ChannelDto>> {
    let m = merchant(&auth)?;
    let channel = channels::update_channel(&state.app, &auth.actor, m, id, body.into()).await?;
    Ok(Json(channel.into()))
}

/// Pauses, resumes or archives a channel. Needs `channels.manage`; audited.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/status", tag = "channels", request_body = StatusChange, params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`channel-state`: not a legal move from the current status", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
    ApiJson(body): ApiJson<StatusChange>,
) -> ApiResult<Json<ChannelDto>> {
    let m = merchant(&auth)?;
    let action = StatusAction::parse(&body.action)?;
    let channel = channels::change_status(&state.app, &auth.actor, m, id, action).await?;
    Ok(Json(channel.into()))
}

/// Replaces the channel's webhook secret (given, or generated and returned once) and/or
/// API token. Needs `channels.manage`; audited as which credentials changed.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/credentials", tag = "channels", request_body = RotateCredentials, params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelWithSecretDto, headers(("Cache-Control" = String, description = "no-store"))),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`channel-archived`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn rotate_credentials(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
    ApiJson(body): ApiJson<RotateCredentials>,
) -> ApiResult<(NoStore, Json<ChannelWithSecretDto>)> {
    let m = merchant(&auth)?;
    let input = CredentialsInput {
        webhook_secret: body.webhook_secret,
        generate_webhook_secret: body.generate_webhook_secret,
        api_token: body.api_token,
    };
    let rotated = channels::rotate_credentials(&state.app, &auth.actor, m, id, input).await?;
    Ok((NO_STORE, Json(rotated.into())))
}

/// The channel's linked locations in allocation order. Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/channels/{channel_id}/locations", tag = "channels", params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelLocations),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_locations(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
) -> ApiResult<Json<ChannelLocations>> {
    let m = merchant(&auth)?;
    let links = channels::list_locations(&state.app, &auth.actor, m, id).await?;
    Ok(Json(links.into()))
}

/// Replaces the channel's linked locations: the merchant's own active locations, each
/// once. Needs `channels.manage`; audited.
#[utoipa::path(put, path = "/api/v1/channels/{channel_id}/locations", tag = "channels", request_body = SetLocations, params(("channel_id" = String, Path, description = "Channel id")), security(("bearer" = [])), responses(
    (status = 200, body = ChannelLocations),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`channel-archived`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`locations[i].location_id` `unknown`/`inactive`/`duplicate`, `locations[i].priority`", body = Problem, content_type = "application/problem+json")
))]
async fn set_locations(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ChannelId>,
    ApiJson(body): ApiJson<SetLocations>,
) -> ApiResult<Json<ChannelLocations>> {
    let m = merchant(&auth)?;
    let links: Vec<LinkInput> = body.locations.into_iter().map(LinkInput::from).collect();
    let set = channels::set_locations(&state.app, &auth.actor, m, id, &links).await?;
    Ok(Json(set.into()))
}
