//! API keys: create (the secret is shown once), list, read and revoke.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use omnihub_app::api_keys::{self, ApiKey, NewKeyInput};
use omnihub_domain::api_keys::ApiKeyId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(get_key, delete_key))
        .routes(routes!(revoke_key))
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Public prefix: the key starts `ohk_<prefix>_`; also its OAuth `client_id`.
    pub prefix: String,
    /// Permission codes the key may use (within its creator's current permissions).
    pub scopes: Vec<String>,
    /// Owning merchant; absent for a platform key.
    pub merchant_id: Option<String>,
    /// Id of the person who created it.
    pub created_by: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Expiry (RFC 3339); absent when it never expires.
    pub expires_at: Option<String>,
    /// Last authenticated use (RFC 3339).
    pub last_used_at: Option<String>,
    /// Revocation time (RFC 3339).
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

impl ApiKeyDto {
    fn new(key: ApiKey, now: Timestamp) -> Self {
        let status = key.status(now).code();
        Self {
            id: key.id.to_string(),
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes.codes().into_iter().map(str::to_owned).collect(),
            merchant_id: key.merchant.map(|m| m.to_string()),
            created_by: key.created_by.to_string(),
            created_at: key.created_at.to_string(),
            expires_at: key.expires_at.map(|t| t.to_string()),
            last_used_at: key.last_used_at.map(|t| t.to_string()),
            revoked_at: key.revoked_at.map(|t| t.to_string()),
            status,
        }
    }
}

/// A new key with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyDto {
    /// The whole key, `ohk_<prefix>_<secret>`. Shown once: only its hash is stored.
    pub key: String,
    /// The key's details.
    #[serde(flatten)]
    pub api_key: ApiKeyDto,
}

/// A new key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// 1-100 characters.
    pub name: String,
    /// Permission codes, at least one; each must be one of your own permissions, and a
    /// merchant's key may carry merchant permissions only.
    pub scopes: Vec<String>,
    /// Expiry (RFC 3339), at most ten years ahead.
    pub expires_at: Option<String>,
    /// Or expiry in days from now (1-3650). Without either, the key does not expire.
    pub expires_in_days: Option<i64>,
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyPageParams {
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl KeyPageParams {
    fn parse(&self) -> Result<(Option<ApiKeyId>, u32), ApiError> {
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

/// Lists the keys of your merchant (platform staff: the platform's keys, or those of the
/// merchant chosen with `X-Omnihub-Merchant`), oldest first. Needs `settings.manage`.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", params(KeyPageParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<ApiKeyDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_keys(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<KeyPageParams>,
) -> ApiResult<Json<Page<ApiKeyDto>>> {
    let (after, limit) = page.parse()?;
    let keys = api_keys::list(&state.app, &auth.actor, after, limit).await?;
    let now = state.app.now();
    let items = keys.into_iter().map(|k| ApiKeyDto::new(k, now)).collect();
    Ok(Json(Page::new(items, limit, |k| k.id.clone())))
}

/// Creates a key for your merchant (platform staff without a chosen merchant: a platform
/// key). Needs `settings.manage`, and a signed-in person: a key cannot make keys. The
/// response carries the key itself, shown this once.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = CreateApiKey, security(("bearer" = [])), responses(
    (status = 201, body = CreatedApiKeyDto),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Missing settings.manage, or the caller is an API key", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "The chosen merchant does not exist", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid name, scopes (unknown, empty, not your own) or expiry", body = Problem, content_type = "application/problem+json")
))]
async fn create_key(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> ApiResult<(StatusCode, Json<CreatedApiKeyDto>)> {
    let input = NewKeyInput {
        name: body.name,
        scopes: body.scopes,
        expires_at: body.expires_at,
        expires_in_days: body.expires_in_days,
    };
    let created = api_keys::create(&state.app, &auth.actor, input).await?;
    let dto = CreatedApiKeyDto {
        key: created.secret,
        api_key: ApiKeyDto::new(created.key, state.app.now()),
    };
    Ok((StatusCode::CREATED, Json(dto)))
}

/// One key of your merchant (or of the platform). Needs `settings.manage`.
#[utoipa::path(get, path = "/api/v1/api-keys/{id}", tag = "api-keys", params(("id" = String, Path, description = "Key id")), security(("bearer" = [])), responses(
    (status = 200, body = ApiKeyDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_key(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> ApiResult<Json<ApiKeyDto>> {
    let key = api_keys::get(&state.app, &auth.actor, id).await?;
    Ok(Json(ApiKeyDto::new(key, state.app.now())))
}

/// Revokes a key: it and every access token issued for it stop working at once.
/// Revoking a revoked key changes nothing. Needs `settings.manage`.
#[utoipa::path(post, path = "/api/v1/api-keys/{id}/revoke", tag = "api-keys", params(("id" = String, Path, description = "Key id")), security(("bearer" = [])), responses(
    (status = 200, body = ApiKeyDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn revoke_key(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> ApiResult<Json<ApiKeyDto>> {
    let key = api_keys::revoke(&state.app, &auth.actor, id).await?;
    Ok(Json(ApiKeyDto::new(key, state.app.now())))
}

/// Revokes a key, like `POST /api/v1/api-keys/{id}/revoke` (the record is kept for the
/// audit trail).
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys", params(("id" = String, Path, description = "Key id")), security(("bearer" = [])), responses(
    (status = 204, description = "Revoked"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn delete_key(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> ApiResult<StatusCode> {
    api_keys::revoke(&state.app, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
