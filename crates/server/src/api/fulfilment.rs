//! Fulfilment over the API (issue 7, FUL-1..3): pick waves with their pick lists, packing
//! by scan, and shipments that consume the packed stock (docs/adr/0018).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::fulfilment::{
    self as ful, PackLine, PickLine, Shipment, ShipmentInput, Wave, WaveDetail,
};
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::OrderId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_waves, create_wave))
        .routes(routes!(get_wave))
        .routes(routes!(close_wave))
        .routes(routes!(pack))
        .routes(routes!(list_shipments, create_shipment))
}

/// A pick wave.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaveDto {
    /// Id.
    pub id: String,
    /// Location picked at.
    pub location_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Created (RFC 3339).
    pub created_at: String,
}

impl From<Wave> for WaveDto {
    fn from(w: Wave) -> Self {
        Self {
            id: w.id.to_string(),
            location_id: w.location_id.to_string(),
            status: w.status,
            created_at: w.created_at.to_string(),
        }
    }
}

/// An order of a wave.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaveOrderDto {
    /// Order id.
    pub order_id: String,
    /// Number.
    pub number: String,
    /// Must ship by.
    pub ship_by: String,
}

/// A line of the pick list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PickLineDto {
    /// SKU id.
    pub sku_id: String,
    /// SKU code (the list is sorted by it).
    pub sku_code: String,
    /// Barcode.
    pub barcode: Option<String>,
    /// Units to pick.
    pub quantity: i64,
    /// Orders wanting it.
    pub orders: i64,
}

impl From<PickLine> for PickLineDto {
    fn from(p: PickLine) -> Self {
        Self {
            sku_id: p.sku_id.to_string(),
            sku_code: p.sku_code,
            barcode: p.barcode,
            quantity: p.quantity,
            orders: p.orders,
        }
    }
}

/// A wave with its orders (by ship-by deadline) and pick list (by SKU code).
#[derive(Debug, Serialize, ToSchema)]
pub struct WaveDetailDto {
    /// The wave.
    #[serde(flatten)]
    pub wave: WaveDto,
    /// Its orders.
    pub orders: Vec<WaveOrderDto>,
    /// What to pick.
    pub pick_list: Vec<PickLineDto>,
}

impl From<WaveDetail> for WaveDetailDto {
    fn from(d: WaveDetail) -> Self {
        Self {
            wave: d.wave.into(),
            orders: d
                .orders
                .into_iter()
                .map(|o| WaveOrderDto {
                    order_id: o.id.to_string(),
                    number: o.number,
                    ship_by: o.ship_by.to_string(),
                })
                .collect(),
            pick_list: d.pick_list.into_iter().map(PickLineDto::from).collect(),
        }
    }
}

/// Start a wave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWave {
    /// The location to pick at.
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// At most this many orders (1-200, default 50).
    pub limit: Option<u32>,
}

/// Wave list filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaveParams {
    /// `open` or `closed`.
    #[param(pattern = "^(open|closed)$")]
    pub status: Option<String>,
}

/// Starts a pick wave at a location with its allocated orders that no open wave holds,
/// first by ship-by deadline then arrival. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/fulfilment/waves", tag = "fulfilment", request_body = CreateWave, security(("bearer" = [])), responses(
    (status = 201, body = WaveDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`nothing-to-pick`", body = Problem, content_type = "application/problem+json")
))]
async fn create_wave(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CreateWave>,
) -> ApiResult<(StatusCode, Json<WaveDetailDto>)> {
    let m = auth.actor.current_merchant()?;
    let w = ful::create_wave(
        &state.app,
        &auth.actor,
        m,
        b.location_id,
        b.limit.unwrap_or(50),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(w.into())))
}

/// The newest pick waves (up to 100). Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/fulfilment/waves", tag = "fulfilment", params(WaveParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<WaveDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn list_waves(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<WaveParams>,
) -> ApiResult<Json<Vec<WaveDto>>> {
    let m = auth.actor.current_merchant()?;
    let waves = ful::list_waves(&state.app, &auth.actor, m, p.status.as_deref()).await?;
    Ok(Json(waves.into_iter().map(WaveDto::from).collect()))
}

/// A wave with its orders and printable pick list. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/fulfilment/waves/{wave_id}", tag = "fulfilment", params(("wave_id" = String, Path, description = "Wave id")), security(("bearer" = [])), responses(
    (status = 200, body = WaveDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_wave(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WaveDetailDto>> {
    let m = auth.actor.current_merchant()?;
    Ok(Json(
        ful::get_wave(&state.app, &auth.actor, m, id).await?.into(),
    ))
}

/// Closes a wave; its orders may join another. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/fulfilment/waves/{wave_id}/close", tag = "fulfilment", params(("wave_id" = String, Path, description = "Wave id")), security(("bearer" = [])), responses(
    (status = 200, body = WaveDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`wave-closed`", body = Problem, content_type = "application/problem+json")
))]
async fn close_wave(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WaveDetailDto>> {
    let m = auth.actor.current_merchant()?;
    Ok(Json(
        ful::close_wave(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// A scan at the packing bench.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackBody {
    /// Where it is packed.
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// The SKU code (any case) or barcode scanned.
    pub code: String,
    /// Units (default 1).
    pub quantity: Option<i64>,
}

/// An allocation's packing state.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackLineDto {
    /// Allocation id.
    pub allocation_id: String,
    /// SKU id.
    pub sku_id: String,
    /// SKU code.
    pub sku_code: String,
    /// Units allocated here.
    pub quantity: i64,
    /// Units packed.
    pub packed: i64,
}

impl From<PackLine> for PackLineDto {
    fn from(p: PackLine) -> Self {
        Self {
            allocation_id: p.allocation_id.to_string(),
            sku_id: p.sku_id.to_string(),
            sku_code: p.sku_code,
            quantity: p.quantity,
            packed: p.packed,
        }
    }
}

/// Confirms scanned units as packed for the order at a location. Needs `orders.manage`.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/pack", tag = "fulfilment", request_body = PackBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, description = "The order's open allocations at the location with what is packed", body = Vec<PackLineDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`over-packed`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`code` `not_in_order`, `quantity` `out_of_range`", body = Problem, content_type = "application/problem+json")
))]
async fn pack(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<PackBody>,
) -> ApiResult<Json<Vec<PackLineDto>>> {
    let m = auth.actor.current_merchant()?;
    let lines = ful::pack(
        &state.app,
        &auth.actor,
        m,
        id,
        b.location_id,
        &b.code,
        b.quantity.unwrap_or(1),
    )
    .await?;
    Ok(Json(lines.into_iter().map(PackLineDto::from).collect()))
}

/// Ship what is packed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShipment {
    /// Shipped from.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// Carrier code.
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number (unique per carrier).
    pub tracking_number: Option<String>,
    /// Parcels (default 1).
    pub packages: Option<i64>,
}

/// A shipment line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentLineDto {
    /// Order line.
    pub order_line_id: String,
    /// SKU.
    pub sku_id: String,
    /// Units.
    pub quantity: i64,
}

/// A shipment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentDto {
    /// Id.
    pub id: String,
    /// Shipped from.
    pub location_id: String,
    /// Carrier.
    pub carrier: String,
    /// Service.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// `shipped` (tracking events move it on).
    pub status: String,
    /// When it left.
    pub shipped_at: String,
    /// What it carries.
    pub lines: Vec<ShipmentLineDto>,
}

impl From<Shipment> for ShipmentDto {
    fn from(s: Shipment) -> Self {
        Self {
            id: s.id.to_string(),
            location_id: s.location_id.to_string(),
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            packages: s.packages,
            status: s.status,
            shipped_at: s.shipped_at.to_string(),
            lines: s
                .lines
                .into_iter()
                .map(|(l, sku, q)| ShipmentLineDto {
                    order_line_id: l.to_string(),
                    sku_id: sku.to_string(),
                    quantity: q,
                })
                .collect(),
        }
    }
}

/// Ships everything packed for the order at a location: the reservations are consumed
/// (one `shipment` movement per line and location) and the order becomes partially
/// shipped or shipped. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/shipments", tag = "fulfilment", request_body = CreateShipment, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 201, body = ShipmentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`nothing-packed`, `order-state`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors: `carrier` `required`, `packages` `out_of_range`, `tracking_number` `taken`...", body = Problem, content_type = "application/problem+json")
))]
async fn create_shipment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<CreateShipment>,
) -> ApiResult<(StatusCode, Json<ShipmentDto>)> {
    let m = auth.actor.current_merchant()?;
    let input = ShipmentInput {
        location_id: b.location_id,
        carrier: b.carrier,
        service: b.service,
        tracking_number: b.tracking_number,
        packages: b.packages.unwrap_or(1),
    };
    let s = ful::ship(&state.app, &auth.actor, m, id, &input).await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

/// The order's shipments. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/shipments", tag = "fulfilment", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = Vec<ShipmentDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_shipments(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<Vec<ShipmentDto>>> {
    let m = auth.actor.current_merchant()?;
    let s = ful::list_shipments(&state.app, &auth.actor, m, id).await?;
    Ok(Json(s.into_iter().map(ShipmentDto::from).collect()))
}
