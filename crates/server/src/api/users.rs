//! Staff users of a tenant (IAM-1/6): create, list, read with roles and effective
//! permissions, disable and enable; and the bootstrap of a merchant's first owner.

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::users::{self, CreatedUser, ManagedUser, NewUserInput, UserDetail};
use omnihub_domain::ids::{MerchantId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::roles::RoleDto;
use super::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(create_owner))
}

/// A staff user.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffUserDto {
    /// Id.
    pub id: String,
    /// The merchant the user works for; absent for platform staff.
    pub merchant_id: Option<String>,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `active` or `disabled`.
    pub status: &'static str,
    /// Whether MFA is enrolled.
    pub mfa_enabled: bool,
    /// Created as a platform administrator.
    pub is_platform_admin: bool,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

impl From<ManagedUser> for StaffUserDto {
    fn from(u: ManagedUser) -> Self {
        Self {
            id: u.id.to_string(),
            merchant_id: u.merchant.map(|m| m.to_string()),
            email: u.email,
            display_name: u.display_name,
            status: u.status.code(),
            mfa_enabled: u.mfa_enabled,
            is_platform_admin: u.is_platform_admin,
            created_at: u.created_at.to_string(),
        }
    }
}

/// A staff user with their roles and effective permissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffUserDetailDto {
    /// The user.
    #[serde(flatten)]
    pub user: StaffUserDto,
    /// Their roles.
    pub roles: Vec<RoleDto>,
    /// The union of their roles' permissions (codes, catalogue order).
    pub permissions: Vec<&'static str>,
}

impl From<UserDetail> for StaffUserDetailDto {
    fn from(d: UserDetail) -> Self {
        Self {
            user: d.user.into(),
            roles: d.roles.into_iter().map(RoleDto::from).collect(),
            permissions: d.permissions.codes(),
        }
    }
}

/// A created user.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserDto {
    /// The user.
    #[serde(flatten)]
    pub user: StaffUserDto,
    /// The generated one-time password, when none was given. Shown once; hand it to the
    /// user, who should change it at first sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

impl From<CreatedUser> for CreatedUserDto {
    fn from(c: CreatedUser) -> Self {
        Self {
            user: c.user.into(),
            initial_password: c.initial_password,
        }
    }
}

/// A new staff user. They start with no roles and no permissions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Login email, unique on the platform.
    pub email: String,
    /// Display name, 1-100 characters.
    pub display_name: String,
    /// Initial password (12-128 characters, not a common one). Omit it to have a one-time
    /// password generated and returned once as `initial_password`.
    pub password: Option<String>,
}

impl From<CreateUser> for NewUserInput {
    fn from(b: CreateUser) -> Self {
        Self {
            email: b.email,
            display_name: b.display_name,
            password: b.password,
        }
    }
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Paging {
    /// The cursor (an id of type `T`) and the limit, or a 400 problem.
    pub(super) fn parse<T: FromStr>(&self) -> Result<(Option<T>, u32), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidParameter {
                place: "query",
                message: format!("limit must be between 1 and {MAX_LIMIT}"),
            });
        }
        let cursor = self
            .cursor
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|_| ApiError::InvalidParameter {
                place: "query",
                message: "cursor is not one this API returned".into(),
            })?;
        Ok((cursor, limit))
    }
}

/// Lists the users of the current merchant in creation order (platform staff with no
/// merchant chosen: platform staff). Needs `users.manage` (`platform.users.manage`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(Paging), security(("bearer" = [])), responses(
    (status = 200, body = Page<StaffUserDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json")
))]
async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<StaffUserDto>>> {
    let (after, limit) = paging.parse::<UserId>()?;
    let items = users::list(&state.app, &auth.actor, after, limit).await?;
    let items: Vec<StaffUserDto> = items.into_iter().map(StaffUserDto::from).collect();
    Ok(Json(Page::new(items, limit, |u| u.id.clone())))
}

/// Creates a user with no roles in the current merchant (platform staff with no merchant
/// chosen: a platform user). Needs `users.manage` (`platform.users.manage`).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser, security(("bearer" = [])), responses(
    (status = 201, body = CreatedUserDto),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or the email is taken (`taken`)", body = Problem, content_type = "application/problem+json")
))]
async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<CreatedUserDto>)> {
    let created = users::create(&state.app, &auth.actor, body.into()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// One user with roles and effective permissions. Another merchant's user is a 404.
#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", params(("user_id" = String, Path, description = "User id")), security(("bearer" = [])), responses(
    (status = 200, body = StaffUserDetailDto),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<StaffUserDetailDto>> {
    Ok(Json(users::get(&state.app, &auth.actor, id).await?.into()))
}

/// Disables a user: they cannot sign in and their sessions end at once. Nobody can disable
/// themselves (403 `self-disable`).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/disable", tag = "users", params(("user_id" = String, Path, description = "User id")), security(("bearer" = [])), responses(
    (status = 200, body = StaffUserDto),
    (status = 403, description = "Missing permission, or `self-disable`", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn disable_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<StaffUserDto>> {
    Ok(Json(
        users::disable(&state.app, &auth.actor, id).await?.into(),
    ))
}

/// Enables a disabled user.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/enable", tag = "users", params(("user_id" = String, Path, description = "User id")), security(("bearer" = [])), responses(
    (status = 200, body = StaffUserDto),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn enable_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<StaffUserDto>> {
    Ok(Json(
        users::enable(&state.app, &auth.actor, id).await?.into(),
    ))
}

/// Creates a merchant's first owner, holding `merchant_owner` at once: the bootstrap of a
/// merchant's access, by platform staff with `merchants.manage`, audited, without a second
/// approval. Refused while the merchant has an active owner (409 `merchant-has-owner`).
/// The owner must enrol in MFA at first sign-in.
#[utoipa::path(post, path = "/api/v1/merchants/{merchant_id}/owner", tag = "users", request_body = CreateUser, params(("merchant_id" = String, Path, description = "Merchant id")), security(("bearer" = [])), responses(
    (status = 201, body = CreatedUserDto),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`merchant-has-owner`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn create_owner(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(merchant): ApiPath<MerchantId>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<CreatedUserDto>)> {
    let created = users::create_owner(&state.app, &auth.actor, merchant, body.into()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}
