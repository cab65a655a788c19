//! Access change requests (IAM-4): grants and revocations of roles, and changes of a custom
//! role's permissions, which take effect only when another approver approves them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use omnihub_app::access_requests::{self, AccessRequest, RequestInput, RoleRef, UserRef};
use omnihub_domain::access_requests::AccessRequestId;
use omnihub_domain::ids::UserId;
use omnihub_domain::roles::RoleId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Page;
use super::users::Paging;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, parse_json};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
}

/// A user a request refers to.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRefDto {
    /// Id.
    pub id: String,
    /// Email.
    pub email: String,
}

impl From<UserRef> for UserRefDto {
    fn from(u: UserRef) -> Self {
        Self {
            id: u.id.to_string(),
            email: u.email,
        }
    }
}

/// A role a request refers to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleRefDto {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

impl From<RoleRef> for RoleRefDto {
    fn from(r: RoleRef) -> Self {
        Self {
            id: r.id.to_string(),
            code: r.code,
            name: r.name,
        }
    }
}

/// An access change request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRequestDto {
    /// Id.
    pub id: String,
    /// The merchant whose access changes; absent for platform staff.
    pub merchant_id: Option<String>,
    /// `grant_role`, `revoke_role` or `set_role_permissions`.
    pub kind: &'static str,
    /// `pending`, `approved` or `rejected`.
    pub status: &'static str,
    /// The user whose roles change (grants and revocations).
    pub user: Option<UserRefDto>,
    /// The role granted, revoked or changed.
    pub role: Option<RoleRefDto>,
    /// The full new permission list (`set_role_permissions`).
    pub permissions: Option<Vec<String>>,
    /// Why, according to the requester.
    pub reason: Option<String>,
    /// Who asked.
    pub requested_by: UserRefDto,
    /// When (RFC 3339).
    pub requested_at: String,
    /// Who decided.
    pub decided_by: Option<UserRefDto>,
    /// When (RFC 3339).
    pub decided_at: Option<String>,
    /// The decider's note.
    pub decision_note: Option<String>,
}

impl From<AccessRequest> for AccessRequestDto {
    fn from(r: AccessRequest) -> Self {
        Self {
            id: r.id.to_string(),
            merchant_id: r.merchant.map(|m| m.to_string()),
            kind: r.kind.code(),
            status: r.status.code(),
            user: r.target_user.map(UserRefDto::from),
            role: r.role.map(RoleRefDto::from),
            permissions: r.permissions,
            reason: r.reason,
            requested_by: r.requested_by.into(),
            requested_at: r.requested_at.to_string(),
            decided_by: r.decided_by.map(UserRefDto::from),
            decided_at: r.decided_at.map(|t| t.to_string()),
            decision_note: r.decision_note,
        }
    }
}

/// A new access change request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccessRequest {
    /// `grant_role`, `revoke_role` or `set_role_permissions`.
    pub kind: String,
    /// The user (grants and revocations only).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    /// The role.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub role_id: Option<RoleId>,
    /// The full new permission list (`set_role_permissions` only; merchant permissions).
    pub permissions: Option<Vec<String>>,
    /// Why, at most 500 characters.
    pub reason: Option<String>,
}

/// A decision's note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// Why, at most 500 characters.
    pub note: Option<String>,
}

/// Filters and paging of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// `pending` (oldest first), `approved` or `rejected`; all when absent (newest first).
    pub status: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A JSON body that may be left out entirely (empty body: `T::default()`).
#[derive(Debug, Default)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared = req.headers().contains_key(header::CONTENT_TYPE);
        if declared {
            return ApiJson::<T>::from_request(req, state)
                .await
                .map(|ApiJson(v)| Self(v));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        if bytes.is_empty() {
            Ok(Self(T::default()))
        } else {
            parse_json(&bytes).map(Self)
        }
    }
}

/// Requests of the current merchant (platform staff with no merchant chosen: every
/// tenant's). Open to holders of `users.manage`, `roles.manage` or `roles.approve`.
#[utoipa::path(get, path = "/api/v1/access-requests", tag = "access-requests", params(RequestFilter), security(("bearer" = [])), responses(
    (status = 200, body = Page<AccessRequestDto>),
    (status = 403, description = "Missing permission", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json")
))]
async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<RequestFilter>,
) -> ApiResult<Json<Page<AccessRequestDto>>> {
    let paging = Paging {
        limit: filter.limit,
        cursor: filter.cursor,
    };
    let (after, limit) = paging.parse::<AccessRequestId>()?;
    let status = filter.status.as_deref();
    let items = access_requests::list(&state.app, &auth.actor, status, after, limit).await?;
    let items: Vec<AccessRequestDto> = items.into_iter().map(AccessRequestDto::from).collect();
    Ok(Json(Page::new(items, limit, |r| r.id.clone())))
}

/// Files a request. Grants and revocations need `users.manage` for the user (platform
/// staff: `platform.users.manage`); role permission changes need `roles.manage`. Only a
/// signed-in person may file one.
#[utoipa::path(post, path = "/api/v1/access-requests", tag = "access-requests", request_body = CreateAccessRequest, security(("bearer" = [])), responses(
    (status = 201, body = AccessRequestDto),
    (status = 403, description = "Missing permission, or not a person", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "User or role not found (or another merchant's)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`built-in-role`, `role-already-granted`, `role-not-granted`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, e.g. `scope_mismatch`", body = Problem, content_type = "application/problem+json")
))]
async fn create_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateAccessRequest>,
) -> ApiResult<(StatusCode, Json<AccessRequestDto>)> {
    let input = RequestInput {
        kind: body.kind,
        user_id: body.user_id,
        role_id: body.role_id,
        permissions: body.permissions,
        reason: body.reason,
    };
    let request = access_requests::create(&state.app, &auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(request.into())))
}

/// One request.
#[utoipa::path(get, path = "/api/v1/access-requests/{request_id}", tag = "access-requests", params(("request_id" = String, Path, description = "Request id")), security(("bearer" = [])), responses(
    (status = 200, body = AccessRequestDto),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AccessRequestId>,
) -> ApiResult<Json<AccessRequestDto>> {
    Ok(Json(
        access_requests::get(&state.app, &auth.actor, id)
            .await?
            .into(),
    ))
}

/// Approves a pending request and applies its change at once. Needs `roles.approve`; never
/// your own request or a change of your own access (403 `self-approval`).
#[utoipa::path(post, path = "/api/v1/access-requests/{request_id}/approve", tag = "access-requests", request_body(content = Option<Decide>, description = "Optional note"), params(("request_id" = String, Path, description = "Request id")), security(("bearer" = [])), responses(
    (status = 200, body = AccessRequestDto),
    (status = 403, description = "Missing permission, `self-approval`, or not a person", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`request-not-pending`", body = Problem, content_type = "application/problem+json")
))]
async fn approve_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AccessRequestId>,
    OptionalJson(body): OptionalJson<Decide>,
) -> ApiResult<Json<AccessRequestDto>> {
    let note = body.note.as_deref();
    let decided = access_requests::approve(&state.app, &auth.actor, id, note).await?;
    Ok(Json(decided.into()))
}

/// Rejects a pending request; nothing changes. Same rules as approval.
#[utoipa::path(post, path = "/api/v1/access-requests/{request_id}/reject", tag = "access-requests", request_body(content = Option<Decide>, description = "Optional note"), params(("request_id" = String, Path, description = "Request id")), security(("bearer" = [])), responses(
    (status = 200, body = AccessRequestDto),
    (status = 403, description = "Missing permission, `self-approval`, or not a person", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`request-not-pending`", body = Problem, content_type = "application/problem+json")
))]
async fn reject_request(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AccessRequestId>,
    OptionalJson(body): OptionalJson<Decide>,
) -> ApiResult<Json<AccessRequestDto>> {
    let note = body.note.as_deref();
    let decided = access_requests::reject(&state.app, &auth.actor, id, note).await?;
    Ok(Json(decided.into()))
}
