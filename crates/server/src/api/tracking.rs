//! Shipment tracking over the API (issue 7, FUL-5; docs/adr/0021, docs/tracking.md):
//! carrier accounts and their webhook secret, the signed carrier webhook (verified over
//! the raw body before anything is parsed or stored), the tracking CSV import, the
//! shipment list and detail with events, manual events, clearing a carrier exception, and
//! the shopper's public tracking look-up, which shows nothing but the order number, its
//! status and its shipments.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use omnihub_app::fulfilment::{
    self as ful, Carrier, EventReport, ManualEvent, PublicTracking, ShipmentDetail, ShipmentQuery,
    TrackedShipment, TrackingEvent,
};
use omnihub_domain::fulfilment::tracking::{self as tracking, SIGNATURE_HEADER};
use omnihub_domain::orders::OrderId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::api::Page;
use crate::api::orders::dto::OrderDto;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, Client, is_csv};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_carriers, create_carrier))
        .routes(routes!(set_secret))
        .routes(routes!(receive))
        .routes(routes!(import))
        .routes(routes!(list_shipments))
        .routes(routes!(get_shipment))
        .routes(routes!(add_event))
        .routes(routes!(clear_exception))
        .routes(routes!(track))
}

/// A carrier account. The secret is never shown, only its last four characters.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierDto {
    /// Id (the webhook URL names it).
    pub id: String,
    /// Code, as on shipments.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Whether a webhook secret is set.
    pub has_secret: bool,
    /// Its last four characters.
    pub secret_hint: Option<String>,
    /// Where the carrier posts tracking events.
    pub webhook_path: String,
    /// Created (RFC 3339).
    pub created_at: String,
}

impl From<Carrier> for CarrierDto {
    fn from(c: Carrier) -> Self {
        Self {
            webhook_path: format!("/api/v1/carriers/{}/webhooks", c.id),
            id: c.id.to_string(),
            code: c.code,
            name: c.name,
            has_secret: c.has_secret,
            secret_hint: c.secret_hint,
            created_at: c.created_at.to_string(),
        }
    }
}

/// A new carrier account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCarrier {
    /// Code, as on shipments (1-40 of `a-z0-9-_`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Webhook secret (16+ characters), write-only.
    pub webhook_secret: Option<String>,
}

/// A new webhook secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSecret {
    /// 16 to 200 characters, write-only.
    pub secret: String,
}

/// The merchant's carrier accounts. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/carriers", tag = "tracking", security(("bearer" = [])), responses(
    (status = 200, body = Vec<CarrierDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_carriers(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<CarrierDto>>> {
    let m = auth.actor.current_merchant()?;
    let list = ful::list_carriers(&state.app, &auth.actor, m).await?;
    Ok(Json(list.into_iter().map(CarrierDto::from).collect()))
}

/// Adds a carrier account. Needs `orders.manage`; audited (never the secret).
#[utoipa::path(post, path = "/api/v1/carriers", tag = "tracking", request_body = CreateCarrier, security(("bearer" = [])), responses(
    (status = 201, body = CarrierDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`code` `invalid`/`taken`, `name`, `secret` too short", body = Problem, content_type = "application/problem+json")
))]
async fn create_carrier(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CreateCarrier>,
) -> ApiResult<(StatusCode, Json<CarrierDto>)> {
    let m = auth.actor.current_merchant()?;
    let c = ful::create_carrier(
        &state.app,
        &auth.actor,
        m,
        &b.code,
        &b.name,
        b.webhook_secret.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Replaces a carrier's webhook secret. Needs `orders.manage`; audited (never the secret).
#[utoipa::path(put, path = "/api/v1/carriers/{carrier_id}/secret", tag = "tracking", request_body = SetSecret, params(("carrier_id" = String, Path, description = "Carrier id")), security(("bearer" = [])), responses(
    (status = 200, body = CarrierDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn set_secret(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(b): ApiJson<SetSecret>,
) -> ApiResult<Json<CarrierDto>> {
    let m = auth.actor.current_merchant()?;
    let c = ful::set_carrier_secret(&state.app, &auth.actor, m, id, &b.secret).await?;
    Ok(Json(c.into()))
}

/// A field problem of one event or row.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventProblemDto {
    /// Field.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// For people.
    pub message: String,
}

/// What became of one event (webhook) or row (CSV).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventReportDto {
    /// Webhook: index in `events` (0-based). CSV: the line (header = 1).
    pub position: u64,
    /// The carrier's event id.
    pub event_id: Option<String>,
    /// The tracking number.
    pub tracking_number: Option<String>,
    /// `applied`, `recorded` (older or after delivery), `duplicate`,
    /// `unknown_tracking_number` or `invalid` (nothing stored).
    pub outcome: String,
    /// The shipment, when found.
    pub shipment_id: Option<String>,
    /// Why it is invalid.
    pub problems: Vec<EventProblemDto>,
}

impl From<EventReport> for EventReportDto {
    fn from(r: EventReport) -> Self {
        Self {
            position: r.position,
            event_id: r.event_id,
            tracking_number: r.tracking_number,
            outcome: r.outcome.to_owned(),
            shipment_id: r.shipment_id.map(|s| s.to_string()),
            problems: r
                .problems
                .into_iter()
                .map(|p| EventProblemDto {
                    field: p.field.to_owned(),
                    code: p.code.to_owned(),
                    message: p.message,
                })
                .collect(),
        }
    }
}

/// The report of a delivery or file.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingReportDto {
    /// Per event or row, in order.
    pub events: Vec<EventReportDto>,
}

fn report(r: Vec<EventReport>) -> Json<TrackingReportDto> {
    Json(TrackingReportDto {
        events: r.into_iter().map(EventReportDto::from).collect(),
    })
}

/// Receives a carrier's tracking events (docs/tracking.md): `X-Omnihub-Signature:
/// sha256=<hex HMAC-SHA256 of the raw body with the carrier's webhook secret>`, body
/// `{"events": [...]}`. Checked before anything is parsed; a replayed event changes
/// nothing; unknown tracking numbers are reported per event. Authenticated by the
/// signature alone.
#[utoipa::path(post, path = "/api/v1/carriers/{carrier_id}/webhooks", tag = "tracking", request_body(content = String, content_type = "application/json", description = "`{\"events\": [{\"event_id\", \"tracking_number\", \"event\", \"occurred_at\", \"location\", \"description\"}]}`, exactly as signed"), params(("carrier_id" = String, Path, description = "Carrier id")), responses(
    (status = 200, body = TrackingReportDto),
    (status = 401, description = "`signature-malformed` or `signature-mismatch`: nothing stored", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such carrier", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`tracking-body-invalid`: not `{\"events\": [...]}`", body = Problem, content_type = "application/problem+json")
))]
async fn receive(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<TrackingReportDto>> {
    let target = ful::carrier_webhook_target(&state.app, id)
        .await?
        .ok_or(ApiError::App(omnihub_app::Error::NotFound {
            entity: "carrier",
        }))?;
    let given = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    tracking::verify(target.secret.as_deref().unwrap_or_default(), &body, given)
        .map_err(|e| ApiError::WebhookSignature(e.code()))?;
    let events = tracking::parse_webhook(&body).map_err(|e| {
        ApiError::App(omnihub_app::Error::Unprocessable {
            code: "tracking-body-invalid",
            message: e.to_string(),
        })
    })?;
    let r = ful::receive_carrier_events(&state.app, target.merchant, &target.code, events).await?;
    Ok(report(r))
}

/// Imports tracking events from CSV (`carrier,tracking_number,event,occurred_at,location,
/// description,event_id`; docs/tracking.md) with a report per row and its line. Invalid
/// rows and unknown tracking numbers change nothing. Needs `orders.manage`.
#[utoipa::path(post, path = "/api/v1/tracking/import", tag = "tracking", request_body(content = String, content_type = "text/csv", description = "The tracking CSV template"), security(("bearer" = [])), responses(
    (status = 200, body = TrackingReportDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The file as a whole is unusable (`file`)", body = Problem, content_type = "application/problem+json")
))]
async fn import(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<TrackingReportDto>> {
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let m = auth.actor.current_merchant()?;
    let r = ful::import_tracking_csv(&state.app, &auth.actor, m, &body).await?;
    Ok(report(r))
}

/// A shipment with its tracking status.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackedShipmentDto {
    /// Id.
    pub id: String,
    /// The order.
    pub order_id: String,
    /// Its number.
    pub order_number: String,
    /// Carrier code.
    pub carrier: String,
    /// Service.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// `shipped`, `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub status: String,
    /// When it left.
    pub shipped_at: String,
    /// The newest event's time.
    pub last_event_at: Option<String>,
}

impl From<TrackedShipment> for TrackedShipmentDto {
    fn from(s: TrackedShipment) -> Self {
        Self {
            id: s.id.to_string(),
            order_id: s.order_id.to_string(),
            order_number: s.order_number,
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            packages: s.packages,
            status: s.status.code().to_owned(),
            shipped_at: s.shipped_at.to_string(),
            last_event_at: s.last_event_at.map(|t| t.to_string()),
        }
    }
}

/// A tracking event.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingEventDto {
    /// The carrier's event id.
    pub event_id: String,
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub event: String,
    /// When (RFC 3339).
    pub occurred_at: String,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: Option<String>,
    /// `webhook`, `csv` or `manual`.
    pub source: String,
    /// Whether it moved the status.
    pub applied: bool,
}

impl From<TrackingEvent> for TrackingEventDto {
    fn from(e: TrackingEvent) -> Self {
        Self {
            event_id: e.event_id,
            event: e.kind.code().to_owned(),
            occurred_at: e.occurred_at.to_string(),
            location: e.location,
            description: e.description,
            source: e.source,
            applied: e.applied,
        }
    }
}

/// A shipment with its events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentDetailDto {
    /// The shipment.
    #[serde(flatten)]
    pub shipment: TrackedShipmentDto,
    /// Its events.
    pub events: Vec<TrackingEventDto>,
}

impl From<ShipmentDetail> for ShipmentDetailDto {
    fn from(d: ShipmentDetail) -> Self {
        Self {
            shipment: d.shipment.into(),
            events: d.events.into_iter().map(TrackingEventDto::from).collect(),
        }
    }
}

/// Shipment list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShipmentParams {
    /// Status code.
    pub status: Option<String>,
    /// Carrier code.
    pub carrier: Option<String>,
    /// Tracking number or order number (exact, any case).
    pub q: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size (1-500, default 50).
    pub limit: Option<u32>,
}

/// A page of shipments, newest first. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/shipments", tag = "tracking", params(ShipmentParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<TrackedShipmentDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status`, bad `cursor`", body = Problem, content_type = "application/problem+json")
))]
async fn list_shipments(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<ShipmentParams>,
) -> ApiResult<Json<Page<TrackedShipmentDto>>> {
    let m = auth.actor.current_merchant()?;
    let q = ShipmentQuery {
        status: p.status,
        carrier: p.carrier,
        q: p.q,
        cursor: p.cursor,
        limit: p.limit,
    };
    let page = ful::search_shipments(&state.app, &auth.actor, m, &q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One shipment with its events. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/shipments/{shipment_id}", tag = "tracking", params(("shipment_id" = String, Path, description = "Shipment id")), security(("bearer" = [])), responses(
    (status = 200, body = ShipmentDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_shipment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ShipmentDetailDto>> {
    let m = auth.actor.current_merchant()?;
    let d = ful::shipment_detail(&state.app, &auth.actor, m, id).await?;
    Ok(Json(d.into()))
}

/// A tracking event entered by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualEventBody {
    /// `picked_up`, `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub event: String,
    /// RFC 3339 (default: now).
    pub occurred_at: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// What the carrier said.
    pub description: Option<String>,
}

/// Adds a tracking event by hand, with the same effects as a carrier's. Needs
/// `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/shipments/{shipment_id}/events", tag = "tracking", request_body = ManualEventBody, params(("shipment_id" = String, Path, description = "Shipment id")), security(("bearer" = [])), responses(
    (status = 201, body = ShipmentDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn add_event(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(b): ApiJson<ManualEventBody>,
) -> ApiResult<(StatusCode, Json<ShipmentDetailDto>)> {
    let m = auth.actor.current_merchant()?;
    let input = ManualEvent {
        event: b.event,
        occurred_at: b.occurred_at,
        location: b.location,
        description: b.description,
    };
    let d = ful::add_manual_event(&state.app, &auth.actor, m, id, &input).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Takes a carrier exception off an order (the `shipment_exception` hold reason), which
/// takes it out of the exception queue. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/clear-shipment-exception", tag = "tracking", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`no-shipment-exception`", body = Problem, content_type = "application/problem+json")
))]
async fn clear_exception(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDto>> {
    let m = auth.actor.current_merchant()?;
    let o = ful::clear_shipment_exception(&state.app, &auth.actor, m, id).await?;
    Ok(Json(o.into()))
}

/// The shopper's look-up.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackParams {
    /// Order number.
    pub order: Option<String>,
    /// The customer's e-mail or phone.
    pub contact: Option<String>,
}

/// An event as the shopper sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEventDto {
    /// Event kind code.
    pub event: String,
    /// When (RFC 3339).
    pub occurred_at: String,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: Option<String>,
}

/// A shipment as the shopper sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicShipmentDto {
    /// Carrier code.
    pub carrier: String,
    /// Service.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Status code.
    pub status: String,
    /// Events, oldest first.
    pub events: Vec<PublicEventDto>,
}

/// What a shopper sees: the order number, its status and its shipments. Nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTrackingDto {
    /// Order number.
    pub order: String,
    /// Order status code.
    pub status: String,
    /// Shipments.
    pub shipments: Vec<PublicShipmentDto>,
}

impl From<PublicTracking> for PublicTrackingDto {
    fn from(t: PublicTracking) -> Self {
        let shipments = t
            .shipments
            .into_iter()
            .map(|d| PublicShipmentDto {
                carrier: d.shipment.carrier,
                service: d.shipment.service,
                tracking_number: d.shipment.tracking_number,
                status: d.shipment.status.code().to_owned(),
                events: d
                    .events
                    .into_iter()
                    .map(|e| PublicEventDto {
                        event: e.kind.code().to_owned(),
                        occurred_at: e.occurred_at.to_string(),
                        location: e.location,
                        description: e.description,
                    })
                    .collect(),
            })
            .collect();
        Self {
            order: t.number,
            status: t.status.code().to_owned(),
            shipments,
        }
    }
}

/// The shopper's tracking look-up: the order number and the customer's e-mail (any case)
/// or phone (digits compared). No match is `404 not-found`, the same whatever the reason;
/// misses are throttled per client address (429 with `Retry-After`). No credentials.
#[utoipa::path(get, path = "/api/v1/track", tag = "tracking", params(TrackParams), responses(
    (status = 200, body = PublicTrackingDto),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json")
))]
async fn track(
    State(state): State<AppState>,
    Client(client): Client,
    ApiQuery(p): ApiQuery<TrackParams>,
) -> ApiResult<Json<PublicTrackingDto>> {
    let t = ful::track(
        &state.app,
        client.client_address.as_deref(),
        p.order.as_deref().unwrap_or_default(),
        p.contact.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(t.into()))
}
