//! The channel push-back outbox (issue 7, CH-3) under `/api/v1/outbox`: the events queued
//! for channels (fulfilment, tracking, cancellation), their delivery state, and a retry
//! for dead ones. Reading needs `channels.read`, retrying `channels.manage` (audited);
//! another merchant's event is 404.

use axum::Json;
use axum::extract::State;
use omnihub_app::outbox::{self, OutboxEvent, OutboxQuery};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::ids::MerchantId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::api::Page;
use crate::api::users::Paging;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
        .routes(routes!(retry_event))
}

fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}

/// The request sent to the channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushRequestDto {
    /// `POST` or `PUT`.
    pub method: &'static str,
    /// Path below the channel's base URL.
    pub path: String,
    /// JSON body.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// An outbox event: one change to tell one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEventDto {
    /// Id; sent as `X-Omnihub-Event-Id` for the receiver to deduplicate by.
    pub id: String,
    /// The channel told.
    pub channel_id: String,
    /// The order concerned.
    pub order_id: String,
    /// `fulfilment`, `tracking` or `cancellation`.
    pub kind: &'static str,
    /// The shipment, tracking event, order or order line that changed.
    pub subject_id: String,
    /// `pending`, `delivered` or `dead`.
    pub status: &'static str,
    /// Attempts started since it was queued (or last retried by staff).
    pub attempts: i64,
    /// When it is next due (RFC 3339; meaningful while pending).
    pub next_attempt_at: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// The request.
    pub request: PushRequestDto,
    /// Queued (RFC 3339).
    pub created_at: String,
    /// Accepted by the channel (RFC 3339).
    pub delivered_at: Option<String>,
}

impl From<OutboxEvent> for OutboxEventDto {
    fn from(e: OutboxEvent) -> Self {
        Self {
            id: e.id.to_string(),
            channel_id: e.channel_id.to_string(),
            order_id: e.order_id.to_string(),
            kind: e.kind.code(),
            subject_id: e.subject_id.to_string(),
            status: e.status.code(),
            attempts: e.attempts,
            next_attempt_at: e.next_attempt_at.to_string(),
            last_error: e.last_error,
            last_status: e.last_status,
            request: PushRequestDto {
                method: e.request.method.code(),
                path: e.request.path,
                body: e.request.body,
            },
            created_at: e.created_at.to_string(),
            delivered_at: e.delivered_at.map(|t| t.to_string()),
        }
    }
}

/// Filters of the outbox list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxListParams {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// Only events for this channel.
    pub channel_id: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of the merchant's outbox events, newest first, filtered by status and channel.
/// Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "outbox", params(OutboxListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<OutboxEventDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status`", body = Problem, content_type = "application/problem+json")
))]
async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<OutboxListParams>,
) -> ApiResult<Json<Page<OutboxEventDto>>> {
    let m = merchant(&auth)?;
    let (_, limit) = Paging {
        limit: p.limit,
        cursor: p.cursor.clone(),
    }
    .parse::<Uuid>()?;
    let channel_id = p
        .channel_id
        .as_deref()
        .map(|c| c.parse::<Uuid>().map(ChannelId::from_uuid))
        .transpose()
        .map_err(|_| ApiError::InvalidParameter {
            place: "query",
            message: "channel_id is not a channel id".into(),
        })?;
    let q = OutboxQuery {
        status: p.status,
        channel_id,
        order_id: None,
        cursor: p.cursor,
        limit: Some(limit),
    };
    let page = outbox::list_events(&state.app, &auth.actor, m, q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(OutboxEventDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One outbox event with the request it sends. Needs `channels.read`.
#[utoipa::path(get, path = "/api/v1/outbox/{event_id}", tag = "outbox", params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])), responses(
    (status = 200, body = OutboxEventDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_event(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OutboxEventDto>> {
    let m = merchant(&auth)?;
    let event = outbox::get_event(&state.app, &auth.actor, m, id).await?;
    Ok(Json(event.into()))
}

/// Puts a dead event back in the queue, due now, with a fresh set of attempts. Needs
/// `channels.manage`; audited.
#[utoipa::path(post, path = "/api/v1/outbox/{event_id}/retry", tag = "outbox", params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])), responses(
    (status = 200, body = OutboxEventDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`outbox-not-dead`: only a dead event is retried", body = Problem, content_type = "application/problem+json")
))]
async fn retry_event(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OutboxEventDto>> {
    let m = merchant(&auth)?;
    let event = outbox::retry_event(&state.app, &auth.actor, m, id).await?;
    Ok(Json(event.into()))
}
