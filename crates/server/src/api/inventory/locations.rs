//! Locations (INV-1): warehouses, stores and third-party warehouses. Reading needs
//! `inventory.read`; creating and editing need `settings.manage`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::inventory::{self as inv, Location, LocationInput, LocationPatch, LocationQuery};
use omnihub_domain::inventory::LocationId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{present, ts};
use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_locations, create_location))
        .routes(routes!(get_location, update_location))
}

/// A place where stock is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationDto {
    /// Id.
    pub id: String,
    /// Upper-cased code, unique per merchant.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `warehouse`, `store` or `third_party_warehouse`.
    pub kind: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Province code (GB/T 2260 in China).
    pub province: Option<String>,
    /// City code.
    pub city: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Lower numbers are allocated from first.
    pub priority: i64,
    /// Inactive locations take no receipts, transfers or reservations.
    pub active: bool,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

impl From<Location> for LocationDto {
    fn from(l: Location) -> Self {
        Self {
            id: l.id.to_string(),
            code: l.code,
            name: l.name,
            kind: l.kind.code().to_owned(),
            country: l.region.country().to_owned(),
            province: l.region.province().map(str::to_owned),
            city: l.region.city().map(str::to_owned),
            address: l.address,
            priority: l.priority,
            active: l.active,
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
        }
    }
}

/// A new location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLocation {
    /// A-Z, 0-9, `-`, `_`; up to 32 (stored upper-cased), unique per merchant.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `warehouse`, `store` or `third_party_warehouse`.
    pub kind: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Province code.
    pub province: Option<String>,
    /// City code (needs a province).
    pub city: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// 0-1,000,000 (default 100).
    pub priority: Option<i64>,
    /// Default `true`.
    pub active: Option<bool>,
}

impl From<CreateLocation> for LocationInput {
    fn from(b: CreateLocation) -> Self {
        Self {
            code: b.code,
            name: b.name,
            kind: b.kind,
            country: b.country,
            province: b.province,
            city: b.city,
            address: b.address,
            priority: b.priority,
            active: b.active,
        }
    }
}

/// Changes to a location; a field left out keeps its value, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLocation {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New country.
    pub country: Option<String>,
    /// New province; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub province: Option<Option<String>>,
    /// New city; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub city: Option<Option<String>>,
    /// New address; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// New priority.
    pub priority: Option<i64>,
    /// `false` deactivates it (its stock stays; nothing new goes there).
    pub active: Option<bool>,
}

impl From<UpdateLocation> for LocationPatch {
    fn from(b: UpdateLocation) -> Self {
        Self {
            code: b.code,
            name: b.name,
            kind: b.kind,
            country: b.country,
            province: b.province,
            city: b.city,
            address: b.address,
            priority: b.priority,
            active: b.active,
        }
    }
}

/// Location list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationParams {
    /// `warehouse`, `store` or `third_party_warehouse`.
    pub kind: Option<String>,
    /// Only active (`true`) or inactive (`false`) ones.
    pub active: Option<bool>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
}

/// Every location of the merchant by priority, then code (not paged: merchants keep tens,
/// not thousands). Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/locations", tag = "inventory", params(LocationParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<LocationDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `kind`", body = Problem, content_type = "application/problem+json")
))]
async fn list_locations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<LocationParams>,
) -> ApiResult<Json<Vec<LocationDto>>> {
    let m = merchant(&auth)?;
    let q = LocationQuery {
        kind: p.kind,
        active: p.active,
        country: p.country,
    };
    let list = inv::list_locations(&state.app, &auth.actor, m, q).await?;
    Ok(Json(list.into_iter().map(LocationDto::from).collect()))
}

/// Creates a location. Needs `settings.manage`; audited.
#[utoipa::path(post, path = "/api/v1/inventory/locations", tag = "inventory", request_body = CreateLocation, security(("bearer" = [])), responses(
    (status = 201, body = LocationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors, e.g. `code` `taken`", body = Problem, content_type = "application/problem+json")
))]
async fn create_location(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateLocation>,
) -> ApiResult<(StatusCode, Json<LocationDto>)> {
    let m = merchant(&auth)?;
    let l = inv::create_location(&state.app, &auth.actor, m, body.into()).await?;
    Ok((StatusCode::CREATED, Json(l.into())))
}

/// One location. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/locations/{location_id}", tag = "inventory", params(("location_id" = String, Path, description = "Location id")), security(("bearer" = [])), responses(
    (status = 200, body = LocationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_location(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<LocationId>,
) -> ApiResult<Json<LocationDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        inv::get_location(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Edits a location. Needs `settings.manage`; audited.
#[utoipa::path(patch, path = "/api/v1/inventory/locations/{location_id}", tag = "inventory", request_body = UpdateLocation, params(("location_id" = String, Path, description = "Location id")), security(("bearer" = [])), responses(
    (status = 200, body = LocationDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn update_location(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<LocationId>,
    ApiJson(body): ApiJson<UpdateLocation>,
) -> ApiResult<Json<LocationDto>> {
    let m = merchant(&auth)?;
    let l = inv::update_location(&state.app, &auth.actor, m, id, body.into()).await?;
    Ok(Json(l.into()))
}
