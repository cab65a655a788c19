//! The category tree: list (all, or one subtree) in tree order, create, rename, and move
//! a subtree (a move under itself or a descendant is refused: 409 `category-cycle`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::catalog::taxonomy::{self, Category};
use omnihub_domain::catalog::CategoryId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(rename_category))
        .routes(routes!(move_category))
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Id.
    pub id: String,
    /// Parent; absent for a root.
    pub parent_id: Option<String>,
    /// Name, unique among its siblings ignoring case.
    pub name: String,
    /// Level: a root is 1 (at most 8).
    pub depth: i64,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Category> for CategoryDto {
    fn from(c: Category) -> Self {
        Self {
            id: c.id.to_string(),
            parent_id: c.parent_id.map(|p| p.to_string()),
            name: c.name,
            depth: c.depth,
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    /// 1-100 characters, unique among its siblings ignoring case.
    pub name: String,
    /// Parent category; a new root when left out or `null`.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Option<CategoryId>,
}

/// A category's new name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameCategory {
    /// 1-100 characters, unique among its siblings ignoring case.
    pub name: String,
}

/// Where to move a category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveCategory {
    /// The new parent; `null` makes it a root.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Option<CategoryId>,
}

/// Which part of the tree to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeParams {
    /// Only this category and everything below it.
    #[param(value_type = Option<String>, format = Uuid)]
    pub root: Option<CategoryId>,
}

/// The merchant's categories in tree order: each parent before its children, siblings by
/// name (not paged: a tree is shown whole). Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/categories", tag = "catalog", params(TreeParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<CategoryDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such root", body = Problem, content_type = "application/problem+json")
))]
async fn list_categories(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<TreeParams>,
) -> ApiResult<Json<Vec<CategoryDto>>> {
    let m = merchant(&auth)?;
    let tree = taxonomy::list_categories(&state.app, &auth.actor, m, params.root).await?;
    Ok(Json(tree.into_iter().map(CategoryDto::from).collect()))
}

/// Creates a category. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/categories", tag = "catalog", request_body = CreateCategory, security(("bearer" = [])), responses(
    (status = 201, body = CategoryDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid or taken name, unknown parent, too deep", body = Problem, content_type = "application/problem+json")
))]
async fn create_category(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateCategory>,
) -> ApiResult<(StatusCode, Json<CategoryDto>)> {
    let m = merchant(&auth)?;
    let category =
        taxonomy::create_category(&state.app, &auth.actor, m, &body.name, body.parent_id).await?;
    Ok((StatusCode::CREATED, Json(category.into())))
}

/// Renames a category. Needs `catalog.write`; audited.
#[utoipa::path(patch, path = "/api/v1/catalog/categories/{category_id}", tag = "catalog", request_body = RenameCategory, params(("category_id" = String, Path, description = "Category id")), security(("bearer" = [])), responses(
    (status = 200, body = CategoryDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn rename_category(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CategoryId>,
    ApiJson(body): ApiJson<RenameCategory>,
) -> ApiResult<Json<CategoryDto>> {
    let m = merchant(&auth)?;
    let category = taxonomy::rename_category(&state.app, &auth.actor, m, id, &body.name).await?;
    Ok(Json(category.into()))
}

/// Moves a category with its whole subtree under another parent (or to the top). Needs
/// `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/categories/{category_id}/move", tag = "catalog", request_body = MoveCategory, params(("category_id" = String, Path, description = "Category id")), security(("bearer" = [])), responses(
    (status = 200, description = "The moved category", body = CategoryDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`category-cycle`: under itself or a descendant", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown parent, too deep, or a sibling has the name", body = Problem, content_type = "application/problem+json")
))]
async fn move_category(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<CategoryId>,
    ApiJson(body): ApiJson<MoveCategory>,
) -> ApiResult<Json<CategoryDto>> {
    let m = merchant(&auth)?;
    let category = taxonomy::move_category(&state.app, &auth.actor, m, id, body.parent_id).await?;
    Ok(Json(category.into()))
}
