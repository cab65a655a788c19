//! Roles (IAM-3): the built-in roles, each merchant's custom roles, and the permission
//! catalogue. Built-in roles are immutable; a custom role's permissions change only through
//! an approved `set_role_permissions` access request.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::roles::{self, CreatedRole, NewRoleInput, Role};
use omnihub_domain::access::Permission;
use omnihub_domain::roles::RoleId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::access_requests::AccessRequestDto;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role))
        .routes(routes!(list_permissions))
}

/// A role with its permissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    /// Id (fixed for built-in roles).
    pub id: String,
    /// The merchant of a custom role; absent for built-in roles.
    pub merchant_id: Option<String>,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `merchant` or `platform`.
    pub scope: &'static str,
    /// Built-in roles are immutable.
    pub built_in: bool,
    /// Whether holders must enrol in MFA.
    pub requires_mfa: bool,
    /// Permission codes, in catalogue order.
    pub permissions: Vec<&'static str>,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        Self {
            id: r.id.to_string(),
            merchant_id: r.merchant.map(|m| m.to_string()),
            code: r.code,
            name: r.name,
            description: r.description,
            scope: r.scope.code(),
            built_in: r.built_in,
            requires_mfa: r.requires_mfa,
            permissions: r.permissions.codes(),
            created_at: r.created_at.to_string(),
        }
    }
}

/// A permission of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionDto {
    /// Code, e.g. `orders.manage`.
    pub code: &'static str,
    /// What it allows.
    pub description: &'static str,
    /// `merchant` or `platform`. Custom roles may carry merchant permissions only.
    pub scope: &'static str,
}

impl From<Permission> for PermissionDto {
    fn from(p: Permission) -> Self {
        Self {
            code: p.code(),
            description: p.description(),
            scope: p.scope().code(),
        }
    }
}

/// A new custom role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    /// Code: 2-40 of a-z, 0-9 and `_`, not a built-in code; unique in the merchant.
    pub code: String,
    /// Name, 1-80 characters.
    pub name: String,
    /// Description, at most 500 characters.
    pub description: Option<String>,
    /// Whether holders must enrol in MFA (default false).
    pub requires_mfa: Option<bool>,
    /// Permissions to request for the role. The role is created with none; a non-empty
    /// list files a pending `set_role_permissions` request, which takes effect once another
    /// approver approves it.
    pub permissions: Option<Vec<String>>,
    /// Why (recorded on that request).
    pub reason: Option<String>,
}

/// A created custom role, with the pending request for its permissions if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRoleDto {
    /// The role (no permissions yet).
    #[serde(flatten)]
    pub role: RoleDto,
    /// The pending `set_role_permissions` request.
    pub pending_request: Option<AccessRequestDto>,
}

impl From<CreatedRole> for CreatedRoleDto {
    fn from(c: CreatedRole) -> Self {
        Self {
            role: c.role.into(),
            pending_request: c.request.map(AccessRequestDto::from),
        }
    }
}

/// The roles of the current merchant: built-in merchant roles and the merchant's custom
/// roles (platform staff with no merchant chosen: built-in platform roles). Open to holders
/// of `users.manage`, `roles.manage` or `roles.approve`.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles", security(("bearer" = [])), responses(
    (status = 200, body = Vec<RoleDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json")
))]
async fn list_roles(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<RoleDto>>> {
    let roles = roles::list(&state.app, &auth.actor).await?;
    Ok(Json(roles.into_iter().map(RoleDto::from).collect()))
}

/// Creates a custom role in the current merchant, with no permissions. Needs `roles.manage`.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = CreateRole, security(("bearer" = [])), responses(
    (status = 201, body = CreatedRoleDto),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, the code is taken (`taken`), or no merchant chosen", body = Problem, content_type = "application/problem+json")
))]
async fn create_role(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateRole>,
) -> ApiResult<(StatusCode, Json<CreatedRoleDto>)> {
    let input = NewRoleInput {
        code: body.code,
        name: body.name,
        description: body.description.unwrap_or_default(),
        requires_mfa: body.requires_mfa.unwrap_or(false),
        permissions: body.permissions,
        reason: body.reason,
    };
    let created = roles::create(&state.app, &auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One role with its permissions. Another merchant's custom role is a 404.
#[utoipa::path(get, path = "/api/v1/roles/{role_id}", tag = "roles", params(("role_id" = String, Path, description = "Role id")), security(("bearer" = [])), responses(
    (status = 200, body = RoleDto),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_role(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<RoleId>,
) -> ApiResult<Json<RoleDto>> {
    Ok(Json(roles::get(&state.app, &auth.actor, id).await?.into()))
}

/// The permission catalogue, with descriptions and scopes.
#[utoipa::path(get, path = "/api/v1/permissions", tag = "roles", security(("bearer" = [])), responses(
    (status = 200, body = Vec<PermissionDto>),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
async fn list_permissions(_auth: Auth) -> Json<Vec<PermissionDto>> {
    Json(
        roles::catalogue()
            .iter()
            .copied()
            .map(PermissionDto::from)
            .collect(),
    )
}
