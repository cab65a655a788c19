//! Stock levels (INV-2), the movement ledger (INV-3), alert thresholds per level and the
//! per-SKU backorder policy.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use omnihub_app::Error as AppError;
use omnihub_app::inventory::{self as inv, LevelQuery, MovementQuery, ThresholdsInput};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::{AlertThresholds, LocationId, MovementReason};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{MovementDto, StockLevelDto, page, paging, sku_in_path};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_levels))
        .routes(routes!(get_level))
        .routes(routes!(get_thresholds, put_thresholds))
        .routes(routes!(set_policy))
        .routes(routes!(list_movements))
}

/// Stock level filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelParams {
    /// Only this SKU (its stock at every location).
    #[param(value_type = Option<String>, format = Uuid)]
    pub sku_id: Option<SkuId>,
    /// Only this location (every SKU stocked there).
    #[param(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// `true`: only levels at or below their low-stock threshold or reorder point.
    pub low_stock: Option<bool>,
    /// Only SKUs whose code starts with this (any case).
    pub q: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Stock levels by SKU, then location. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/levels", tag = "inventory", params(LevelParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<StockLevelDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A cursor from another list", body = Problem, content_type = "application/problem+json")
))]
async fn list_levels(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<LevelParams>,
) -> ApiResult<Json<Page<StockLevelDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let q = LevelQuery {
        sku_id: p.sku_id,
        location_id: p.location_id,
        low_stock: p.low_stock.unwrap_or(false),
        sku_code: p.q,
        cursor,
        limit,
    };
    Ok(Json(page(
        inv::list_levels(&state.app, &auth.actor, m, q).await?,
    )))
}

/// The stock of a SKU at a location (zeros when nothing was ever booked there). Needs
/// `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/levels/{sku_id}/{location_id}", tag = "inventory", params(("sku_id" = String, Path, description = "SKU id"), ("location_id" = String, Path, description = "Location id")), security(("bearer" = [])), responses(
    (status = 200, body = StockLevelDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such SKU or location", body = Problem, content_type = "application/problem+json")
))]
async fn get_level(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((sku, location)): ApiPath<(SkuId, LocationId)>,
) -> ApiResult<Json<StockLevelDto>> {
    let m = merchant(&auth)?;
    let level = inv::get_level(&state.app, &auth.actor, m, sku, location)
        .await
        .map_err(sku_in_path)?;
    Ok(Json(level.into()))
}

/// The alert thresholds of a SKU at a location; `null` turns a rule off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsDto {
    /// Available at or below this is low stock.
    pub low_stock: Option<i64>,
    /// Available at or below this is low stock too (the higher of the two applies).
    pub reorder_point: Option<i64>,
    /// On hand above this is overstock.
    pub overstock: Option<i64>,
}

impl From<AlertThresholds> for ThresholdsDto {
    fn from(t: AlertThresholds) -> Self {
        Self {
            low_stock: t.low_stock(),
            reorder_point: t.reorder_point(),
            overstock: t.overstock(),
        }
    }
}

/// The alert thresholds of a SKU at a location (all `null` when never set). Needs
/// `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/levels/{sku_id}/{location_id}/thresholds", tag = "inventory", params(("sku_id" = String, Path, description = "SKU id"), ("location_id" = String, Path, description = "Location id")), security(("bearer" = [])), responses(
    (status = 200, body = ThresholdsDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such SKU or location", body = Problem, content_type = "application/problem+json")
))]
async fn get_thresholds(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((sku, location)): ApiPath<(SkuId, LocationId)>,
) -> ApiResult<Json<ThresholdsDto>> {
    let m = merchant(&auth)?;
    let t = inv::get_thresholds(&state.app, &auth.actor, m, sku, location)
        .await
        .map_err(sku_in_path)?;
    Ok(Json(t.into()))
}

/// Sets the alert thresholds of a SKU at a location and re-evaluates its alerts at once
/// (raising or clearing `low_stock`, `out_of_stock`, `overstock`). Needs
/// `inventory.adjust`; audited.
#[utoipa::path(put, path = "/api/v1/inventory/levels/{sku_id}/{location_id}/thresholds", tag = "inventory", request_body = ThresholdsDto, params(("sku_id" = String, Path, description = "SKU id"), ("location_id" = String, Path, description = "Location id")), security(("bearer" = [])), responses(
    (status = 200, body = ThresholdsDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such SKU or location", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Negative or inconsistent thresholds (`thresholds`)", body = Problem, content_type = "application/problem+json")
))]
async fn put_thresholds(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((sku, location)): ApiPath<(SkuId, LocationId)>,
    ApiJson(body): ApiJson<ThresholdsDto>,
) -> ApiResult<Json<ThresholdsDto>> {
    let m = merchant(&auth)?;
    let input = ThresholdsInput {
        low_stock: body.low_stock,
        reorder_point: body.reorder_point,
        overstock: body.overstock,
    };
    let t = inv::set_thresholds(&state.app, &auth.actor, m, sku, location, input)
        .await
        .map_err(sku_in_path)?;
    Ok(Json(t.into()))
}

/// The inventory policy of a SKU.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuPolicy {
    /// May be reserved beyond available stock (available then goes negative).
    pub allow_backorder: bool,
}

/// Allows or forbids backorders for a SKU. Needs `inventory.adjust`; audited.
#[utoipa::path(put, path = "/api/v1/inventory/skus/{sku_id}/policy", tag = "inventory", request_body = SkuPolicy, params(("sku_id" = String, Path, description = "SKU id")), security(("bearer" = [])), responses(
    (status = 200, body = SkuPolicy),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such SKU", body = Problem, content_type = "application/problem+json")
))]
async fn set_policy(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(sku): ApiPath<SkuId>,
    ApiJson(body): ApiJson<SkuPolicy>,
) -> ApiResult<Json<SkuPolicy>> {
    let m = merchant(&auth)?;
    inv::set_backorder(&state.app, &auth.actor, m, sku, body.allow_backorder)
        .await
        .map_err(sku_in_path)?;
    Ok(Json(body))
}

/// Ledger filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementParams {
    /// Only this SKU.
    #[param(value_type = Option<String>, format = Uuid)]
    pub sku_id: Option<SkuId>,
    /// Only this location.
    #[param(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// Only this reason (`receipt`, `shipment`, `adjustment`, `count`...).
    pub reason: Option<String>,
    /// Only this reference (exact).
    pub reference: Option<String>,
    /// At or after this instant (RFC 3339).
    #[param(value_type = Option<String>)]
    pub from: Option<Timestamp>,
    /// Before this instant (RFC 3339).
    #[param(value_type = Option<String>)]
    pub until: Option<Timestamp>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The movement ledger, newest first. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/movements", tag = "inventory", params(MovementParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<MovementDto>),
    (status = 400, description = "Bad limit or instant", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `reason`", body = Problem, content_type = "application/problem+json")
))]
async fn list_movements(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<MovementParams>,
) -> ApiResult<Json<Page<MovementDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let reason = p
        .reason
        .as_deref()
        .map(MovementReason::parse)
        .transpose()
        .map_err(|e| AppError::invalid("reason", "invalid", e))?;
    let q = MovementQuery {
        sku_id: p.sku_id,
        location_id: p.location_id,
        reason,
        reference: p.reference,
        from: p.from,
        until: p.until,
        cursor,
        limit,
    };
    Ok(Json(page(
        inv::list_movements(&state.app, &auth.actor, m, q).await?,
    )))
}
