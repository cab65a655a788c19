//! Merchants (tenants) and their settings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::merchants::{self, Merchant, MerchantInput};
use omnihub_app::settings::{self, Setting};
use omnihub_domain::ids::MerchantId;
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
        .routes(routes!(list_merchants, create_merchant))
        .routes(routes!(get_merchant))
        .routes(routes!(list_settings))
        .routes(routes!(put_setting))
}

/// A merchant.
#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantDto {
    /// Id.
    pub id: String,
    /// Unique handle.
    pub code: String,
    /// Display name.
    pub name: String,
    /// IANA time zone for reports.
    pub time_zone: String,
    /// Default ISO 4217 currency.
    pub currency: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

impl From<Merchant> for MerchantDto {
    fn from(m: Merchant) -> Self {
        Self {
            id: m.id.to_string(),
            code: m.code,
            name: m.name,
            time_zone: m.time_zone,
            currency: m.currency,
            status: m.status,
            created_at: m.created_at.to_string(),
        }
    }
}

/// A new merchant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMerchant {
    /// Unique handle: 2-40 of a-z, 0-9 and inner hyphens.
    pub code: String,
    /// Display name.
    pub name: String,
    /// IANA time zone (default `Asia/Shanghai`).
    pub time_zone: Option<String>,
    /// ISO 4217 currency (default `CNY`).
    pub currency: Option<String>,
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    fn parse(&self) -> Result<(Option<MerchantId>, u32), ApiError> {
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

/// Lists merchants in creation order. Platform administrators only.
#[utoipa::path(get, path = "/api/v1/merchants", tag = "merchants", params(PageParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<MerchantDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_merchants(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<MerchantDto>>> {
    let (after, limit) = page.parse()?;
    let items = merchants::list(&state.app, &auth.actor, after, limit).await?;
    let items: Vec<MerchantDto> = items.into_iter().map(MerchantDto::from).collect();
    Ok(Json(Page::new(items, limit, |m| m.id.clone())))
}

/// Creates a merchant. Platform administrators only.
#[utoipa::path(post, path = "/api/v1/merchants", tag = "merchants", request_body = CreateMerchant, security(("bearer" = [])), responses(
    (status = 201, body = MerchantDto),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or the code is taken", body = Problem, content_type = "application/problem+json")
))]
async fn create_merchant(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateMerchant>,
) -> ApiResult<(StatusCode, Json<MerchantDto>)> {
    let input = MerchantInput {
        code: body.code,
        name: body.name,
        time_zone: body.time_zone,
        currency: body.currency,
    };
    let merchant = merchants::create(&state.app, &auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(merchant.into())))
}

/// One merchant. Merchant staff see only their own.
#[utoipa::path(get, path = "/api/v1/merchants/{merchant_id}", tag = "merchants", params(("merchant_id" = String, Path, description = "Merchant id")), security(("bearer" = [])), responses(
    (status = 200, body = MerchantDto),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_merchant(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<MerchantId>,
) -> ApiResult<Json<MerchantDto>> {
    Ok(Json(
        merchants::get(&state.app, &auth.actor, id).await?.into(),
    ))
}

/// A merchant setting.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingDto {
    /// Dotted key, e.g. `catalog.review_levels`.
    pub key: String,
    /// Any JSON value.
    pub value: serde_json::Value,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Setting> for SettingDto {
    fn from(s: Setting) -> Self {
        Self {
            key: s.key,
            value: s.value,
            updated_at: s.updated_at.to_string(),
        }
    }
}

/// A new value for a setting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutSetting {
    /// Any JSON value.
    pub value: serde_json::Value,
}

/// Every setting of a merchant.
#[utoipa::path(get, path = "/api/v1/merchants/{merchant_id}/settings", tag = "merchants", params(("merchant_id" = String, Path, description = "Merchant id")), security(("bearer" = [])), responses(
    (status = 200, body = Vec<SettingDto>),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<MerchantId>,
) -> ApiResult<Json<Vec<SettingDto>>> {
    let list = settings::list(&state.app, &auth.actor, id).await?;
    Ok(Json(list.into_iter().map(SettingDto::from).collect()))
}

/// Sets one setting of a merchant.
#[utoipa::path(put, path = "/api/v1/merchants/{merchant_id}/settings/{key}", tag = "merchants", request_body = PutSetting, params(
    ("merchant_id" = String, Path, description = "Merchant id"), ("key" = String, Path, description = "Dotted setting key")
), security(("bearer" = [])), responses(
    (status = 200, body = SettingDto),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn put_setting(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, key)): ApiPath<(MerchantId, String)>,
    ApiJson(body): ApiJson<PutSetting>,
) -> ApiResult<Json<SettingDto>> {
    Ok(Json(
        settings::put(&state.app, &auth.actor, id, &key, body.value)
            .await?
            .into(),
    ))
}
