//! Brands: list, create, rename. Names are unique per merchant, ignoring case.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::catalog::taxonomy::{self, Brand};
use omnihub_domain::catalog::BrandId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_brands, create_brand))
        .routes(routes!(update_brand))
}

/// A brand.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrandDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Brand> for BrandDto {
    fn from(b: Brand) -> Self {
        Self {
            id: b.id.to_string(),
            name: b.name,
            created_at: b.created_at.to_string(),
            updated_at: b.updated_at.to_string(),
        }
    }
}

/// A brand's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandBody {
    /// 1-100 characters, unique per merchant ignoring case.
    pub name: String,
}

/// Every brand of the merchant, by name (not paged: merchants keep a few hundred at most).
/// Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/brands", tag = "catalog", security(("bearer" = [])), responses(
    (status = 200, body = Vec<BrandDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_brands(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<BrandDto>>> {
    let m = merchant(&auth)?;
    let brands = taxonomy::list_brands(&state.app, &auth.actor, m).await?;
    Ok(Json(brands.into_iter().map(BrandDto::from).collect()))
}

/// Creates a brand. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/brands", tag = "catalog", request_body = BrandBody, security(("bearer" = [])), responses(
    (status = 201, body = BrandDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid name, or taken (`taken`)", body = Problem, content_type = "application/problem+json")
))]
async fn create_brand(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BrandBody>,
) -> ApiResult<(StatusCode, Json<BrandDto>)> {
    let m = merchant(&auth)?;
    let brand = taxonomy::create_brand(&state.app, &auth.actor, m, &body.name).await?;
    Ok((StatusCode::CREATED, Json(brand.into())))
}

/// Renames a brand. Needs `catalog.write`; audited.
#[utoipa::path(patch, path = "/api/v1/catalog/brands/{brand_id}", tag = "catalog", request_body = BrandBody, params(("brand_id" = String, Path, description = "Brand id")), security(("bearer" = [])), responses(
    (status = 200, body = BrandDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid name, or taken (`taken`)", body = Problem, content_type = "application/problem+json")
))]
async fn update_brand(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<BrandId>,
    ApiJson(body): ApiJson<BrandBody>,
) -> ApiResult<Json<BrandDto>> {
    let m = merchant(&auth)?;
    let brand = taxonomy::update_brand(&state.app, &auth.actor, m, id, &body.name).await?;
    Ok(Json(brand.into()))
}
