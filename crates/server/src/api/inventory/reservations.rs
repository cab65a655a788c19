//! The reservation service (INV-4) that order allocation uses, exposed for integrators:
//! reserve a set of lines all-or-nothing, read one, release it (order cancelled) or
//! consume it (shipped: one `shipment` movement lowers on hand and reserved together).
//!
//! Each line's `reference` (the order line, e.g. `order-1001/1`; unique per merchant) is
//! its idempotency key: reserving a reference again returns the existing reservation
//! unchanged, and reusing it for another SKU, location or quantity is 409
//! `reference-reused`. Release and consume are idempotent too (again is a no-op that
//! returns the reservation); the other one afterwards is 409 `reservation-state`. There is
//! also the generic `Idempotency-Key` header on reserve (docs/adr/0016), which replays the
//! whole first response. In paths,
//! percent-encode the reference (`order-1001%2F1`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::inventory::{self as inv, Reservation, ReserveLine};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::LocationId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::ts;
use super::merchant;
use crate::api::idempotency as idem;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJsonRaw, ApiPath, Auth, IdempotencyKey};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reserve))
        .routes(routes!(get_reservation))
        .routes(routes!(release))
        .routes(routes!(consume))
}

/// A reservation: units of a SKU held at a location for one order line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationDto {
    /// Id.
    pub id: String,
    /// The order line it belongs to: its idempotency key.
    pub reference: String,
    /// SKU id.
    pub sku_id: String,
    /// Location id.
    pub location_id: String,
    /// Units held.
    pub quantity: i64,
    /// `open`, `released` or `consumed`.
    pub status: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Reservation> for ReservationDto {
    fn from(r: Reservation) -> Self {
        Self {
            id: r.id.to_string(),
            reference: r.reference,
            sku_id: r.sku_id.to_string(),
            location_id: r.location_id.to_string(),
            quantity: r.quantity,
            status: r.status.code().to_owned(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

/// One line to reserve.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveLineBody {
    /// The order line (1-200 characters, unique per merchant).
    pub reference: String,
    /// A SKU that is listed for sale.
    #[schema(value_type = String, format = Uuid)]
    pub sku_id: SkuId,
    /// An active location.
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// Units (positive).
    pub quantity: i64,
}

/// Lines to reserve together.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveBody {
    /// Every line is reserved, or none.
    pub lines: Vec<ReserveLineBody>,
}

/// The reservations of a reserve call, in the order of its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationsDto {
    /// One per line.
    pub reservations: Vec<ReservationDto>,
}

/// Reserves every line or none: each line is one conditional update of its level, so
/// concurrent callers can never reserve more than is available (unless the SKU allows
/// backorders). A line whose reference already has a reservation returns it unchanged.
/// With an `Idempotency-Key`, a retry with the same body replays the first response
/// (`Idempotent-Replayed: true`). Needs `inventory.adjust`; audited.
#[utoipa::path(post, path = "/api/v1/inventory/reservations", tag = "inventory", request_body = ReserveBody, params(("Idempotency-Key" = Option<String>, Header, description = "1-255 printable ASCII characters; the same key with the same body replays the first response (with `Idempotent-Replayed: true`), with another body it is 422 `idempotency-key-reused`. Keys are per merchant and caller.")), security(("bearer" = [])), responses(
    (status = 201, description = "Reserved (or, for a replayed reference or Idempotency-Key, as reserved before)", body = ReservationsDto),
    (status = 400, description = "`idempotency-key-invalid`", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`insufficient-stock`, `sku-not-sellable`, `location-inactive`, `reference-reused`; nothing was reserved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`lines[0].quantity`, `lines[1].reference` `duplicate`...); `idempotency-key-reused` (the key was sent with another body)", body = Problem, content_type = "application/problem+json")
))]
async fn reserve(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    ApiJsonRaw(body, raw): ApiJsonRaw<ReserveBody>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    let request = idem::request(key.as_deref(), "POST /api/v1/inventory/reservations", &raw)?;
    let lines: Vec<ReserveLine> = body
        .lines
        .into_iter()
        .map(|l| ReserveLine {
            reference: l.reference,
            sku_id: l.sku_id,
            location_id: l.location_id,
            quantity: l.quantity,
        })
        .collect();
    let render = |done: Vec<Reservation>| {
        let reservations = done.into_iter().map(ReservationDto::from).collect();
        idem::json(StatusCode::CREATED, &ReservationsDto { reservations })
    };
    let outcome =
        inv::reserve_once(&state.app, &auth.actor, m, &lines, request.as_ref(), render).await?;
    Ok(idem::respond(outcome))
}

/// The reservation of a reference. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/reservations/{reference}", tag = "inventory", params(("reference" = String, Path, description = "The order line reference, percent-encoded")), security(("bearer" = [])), responses(
    (status = 200, body = ReservationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_reservation(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<ReservationDto>> {
    let m = merchant(&auth)?;
    let r = inv::get_reservation(&state.app, &auth.actor, m, &reference).await?;
    Ok(Json(r.into()))
}

/// Releases a reservation (the order was cancelled): reserved goes down, on hand stays.
/// Releasing again returns it. Needs `inventory.adjust`; audited.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{reference}/release", tag = "inventory", params(("reference" = String, Path, description = "The order line reference, percent-encoded")), security(("bearer" = [])), responses(
    (status = 200, body = ReservationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`reservation-state` (already consumed)", body = Problem, content_type = "application/problem+json")
))]
async fn release(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<ReservationDto>> {
    let m = merchant(&auth)?;
    let r = inv::release(&state.app, &auth.actor, m, &reference).await?;
    Ok(Json(r.into()))
}

/// Consumes a reservation at shipment: one `shipment` movement lowers on hand and reserved
/// together. Consuming again returns it. Needs `inventory.adjust`; audited.
#[utoipa::path(post, path = "/api/v1/inventory/reservations/{reference}/consume", tag = "inventory", params(("reference" = String, Path, description = "The order line reference, percent-encoded")), security(("bearer" = [])), responses(
    (status = 200, body = ReservationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`reservation-state` (already released)", body = Problem, content_type = "application/problem+json")
))]
async fn consume(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(reference): ApiPath<String>,
) -> ApiResult<Json<ReservationDto>> {
    let m = merchant(&auth)?;
    let r = inv::consume(&state.app, &auth.actor, m, &reference).await?;
    Ok(Json(r.into()))
}
