//! Stock alerts (INV-7) and the read-only events feed. Alerts are raised and cleared by
//! the stock changes themselves wherever a level has thresholds; each raise and clear
//! appends an `inventory.alert.raised` / `inventory.alert.cleared` event.

use axum::Json;
use axum::extract::State;
use omnihub_app::Error as AppError;
use omnihub_app::inventory::{self as inv, Alert, AlertQuery, Event};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::{AlertId, AlertKind, LocationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::dto::{page, paging, ts};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(acknowledge_alert))
        .routes(routes!(list_events))
}

/// A stock alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDto {
    /// Id.
    pub id: String,
    /// SKU id.
    pub sku_id: String,
    /// Location id.
    pub location_id: String,
    /// `low_stock`, `out_of_stock` or `overstock`.
    pub kind: String,
    /// Still active (`false` once stock recovered and it was cleared).
    pub active: bool,
    /// On hand when raised.
    pub on_hand: i64,
    /// Available when raised.
    pub available: i64,
    /// Raised (RFC 3339).
    pub raised_at: String,
    /// Cleared (RFC 3339).
    pub cleared_at: Option<String>,
    /// Who acknowledged it first.
    pub acknowledged_by: Option<String>,
    /// When (RFC 3339).
    pub acknowledged_at: Option<String>,
}

impl From<Alert> for AlertDto {
    fn from(a: Alert) -> Self {
        let (by, at) = a
            .acknowledged
            .map_or((None, None), |(l, t)| (Some(l), Some(t)));
        Self {
            id: a.id.to_string(),
            sku_id: a.sku_id.to_string(),
            location_id: a.location_id.to_string(),
            kind: a.kind.code().to_owned(),
            active: a.active,
            on_hand: a.on_hand,
            available: a.available,
            raised_at: ts(a.raised_at),
            cleared_at: a.cleared_at.map(ts),
            acknowledged_by: by,
            acknowledged_at: at.map(ts),
        }
    }
}

/// Alert list filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Only active (`true`) or cleared (`false`) alerts.
    pub active: Option<bool>,
    /// Only acknowledged (`true`) or unacknowledged (`false`) ones.
    pub acknowledged: Option<bool>,
    /// `low_stock`, `out_of_stock` or `overstock`.
    pub kind: Option<String>,
    /// Only this SKU.
    #[param(value_type = Option<String>, format = Uuid)]
    pub sku_id: Option<SkuId>,
    /// Only this location.
    #[param(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Alerts, newest first. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/alerts", tag = "inventory", params(AlertParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<AlertDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `kind`", body = Problem, content_type = "application/problem+json")
))]
async fn list_alerts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<AlertParams>,
) -> ApiResult<Json<Page<AlertDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let kind = match p.kind.as_deref() {
        None => None,
        Some(k) => Some(AlertKind::parse(k).ok_or_else(|| {
            AppError::invalid("kind", "invalid", "low_stock, out_of_stock or overstock")
        })?),
    };
    let q = AlertQuery {
        active: p.active,
        kind,
        sku_id: p.sku_id,
        location_id: p.location_id,
        unacknowledged: p.acknowledged.map(|a| !a),
        cursor,
        limit,
    };
    Ok(Json(page(
        inv::list_alerts(&state.app, &auth.actor, m, q).await?,
    )))
}

/// Acknowledges an alert (the first acknowledgement is kept). Needs `inventory.read`:
/// whoever sees alerts may acknowledge them. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/alerts/{alert_id}/acknowledge", tag = "inventory", params(("alert_id" = String, Path, description = "Alert id")), security(("bearer" = [])), responses(
    (status = 200, body = AlertDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn acknowledge_alert(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AlertId>,
) -> ApiResult<Json<AlertDto>> {
    let m = merchant(&auth)?;
    let a = inv::acknowledge_alert(&state.app, &auth.actor, m, id).await?;
    Ok(Json(a.into()))
}

/// A domain event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// Id (UUIDv7; events are in id order): pass the last one as `after`.
    pub id: String,
    /// E.g. `inventory.alert.raised`, `inventory.alert.cleared`.
    pub kind: String,
    /// The event's data (for alerts: `alert_id`, `kind`, `sku_id`, `location_id`,
    /// `on_hand`, `available`).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        Self {
            id: e.id.to_string(),
            kind: e.kind,
            payload: e.payload,
            created_at: ts(e.created_at),
        }
    }
}

/// Events feed position and filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events after this event id (from the start when left out).
    #[param(value_type = Option<String>, format = Uuid)]
    pub after: Option<Uuid>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
}

/// The events after a position, oldest first: a read-only feed to poll, passing the last
/// id seen as `after`. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/events", tag = "inventory", params(EventParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<EventDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<EventParams>,
) -> ApiResult<Json<Vec<EventDto>>> {
    let m = merchant(&auth)?;
    let (_, limit) = paging(p.limit, None)?;
    let limit = limit.unwrap_or(crate::api::DEFAULT_LIMIT);
    let (app, actor, kind) = (&state.app, &auth.actor, p.kind.as_deref());
    let events = inv::list_events(app, actor, m, kind, p.after, limit).await?;
    Ok(Json(events.into_iter().map(EventDto::from).collect()))
}
