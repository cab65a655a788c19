//! Change history: a product's versions (one per create or edit, with who and which
//! fields), one version's full snapshot, and the field-level diff of two versions.

use axum::Json;
use axum::extract::State;
use omnihub_app::catalog::history::{self, Version};
use omnihub_domain::catalog::{FieldChange, ProductId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(diff_versions))
}

/// One version of a product.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// Number: 1 at creation, +1 per edit.
    pub version: i64,
    /// Top-level fields the edit changed (`name`, `skus`...).
    pub changed: Vec<String>,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or key.
    pub actor_id: Option<String>,
    /// Email or key name.
    pub actor_label: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The product's content after the edit (SKUs keyed by id, money in minor units);
    /// only when reading one version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<serde_json::Value>,
}

impl From<Version> for VersionDto {
    fn from(v: Version) -> Self {
        Self {
            version: v.version,
            changed: v.changed,
            actor_type: v.actor_type,
            actor_id: v.actor_id.map(|a| a.to_string()),
            actor_label: v.actor_label,
            created_at: v.created_at.to_string(),
            snapshot: v.snapshot,
        }
    }
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeDto {
    /// Dotted path, e.g. `name` or `skus.<sku id>.price_minor`.
    pub path: String,
    /// The value before (absent when added).
    pub before: Option<serde_json::Value>,
    /// The value after (absent when removed).
    pub after: Option<serde_json::Value>,
}

impl From<FieldChange> for FieldChangeDto {
    fn from(c: FieldChange) -> Self {
        Self {
            path: c.path,
            before: c.before,
            after: c.after,
        }
    }
}

/// Which versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The older version.
    pub from: i64,
    /// The newer version.
    pub to: i64,
}

/// A product's versions, newest first, without snapshots. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}/versions", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = Vec<VersionDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_versions(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<Vec<VersionDto>>> {
    let m = merchant(&auth)?;
    let versions = history::history(&state.app, &auth.actor, m, id).await?;
    Ok(Json(versions.into_iter().map(VersionDto::from).collect()))
}

/// One version with its full snapshot. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}/versions/{version}", tag = "catalog", params(("product_id" = String, Path, description = "Product id"), ("version" = i64, Path, description = "Version number")), security(("bearer" = [])), responses(
    (status = 200, body = VersionDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_version(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, number)): ApiPath<(ProductId, i64)>,
) -> ApiResult<Json<VersionDto>> {
    let m = merchant(&auth)?;
    let version = history::version(&state.app, &auth.actor, m, id, number).await?;
    Ok(Json(version.into()))
}

/// The field-level differences from version `from` to version `to`. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}/diff", tag = "catalog", params(("product_id" = String, Path, description = "Product id"), DiffParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<FieldChangeDto>),
    (status = 400, description = "`from` or `to` missing", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn diff_versions(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
    ApiQuery(q): ApiQuery<DiffParams>,
) -> ApiResult<Json<Vec<FieldChangeDto>>> {
    let m = merchant(&auth)?;
    let changes = history::diff_versions(&state.app, &auth.actor, m, id, q.from, q.to).await?;
    Ok(Json(
        changes.into_iter().map(FieldChangeDto::from).collect(),
    ))
}
