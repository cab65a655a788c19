//! The catalogue settings: how many review levels a submission passes (1-3) and the
//! banned words that raise compliance warnings.

use axum::Json;
use axum::extract::State;
use omnihub_app::catalog::{self, CatalogSettings, SettingsInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings))
}

/// The catalogue settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogSettingsDto {
    /// Review levels a submission must pass, 1-3.
    pub review_levels: u8,
    /// Words that raise a compliance warning (the default list of absolute claims, such as
    /// `最` and `best in the world`, until changed).
    pub banned_words: Vec<String>,
}

impl From<CatalogSettings> for CatalogSettingsDto {
    fn from(s: CatalogSettings) -> Self {
        Self {
            review_levels: s.review_levels.get(),
            banned_words: s.banned_words,
        }
    }
}

/// New catalogue settings; a field left out keeps its value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutCatalogSettings {
    /// 1-3; applies from the next submission (rounds under way keep theirs).
    pub review_levels: Option<i64>,
    /// Each 1-50 characters, at most 500; an empty list turns the check off.
    pub banned_words: Option<Vec<String>>,
}

/// The catalogue settings. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/settings", tag = "catalog", security(("bearer" = [])), responses(
    (status = 200, body = CatalogSettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<CatalogSettingsDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        catalog::get_settings(&state.app, &auth.actor, m)
            .await?
            .into(),
    ))
}

/// Changes the catalogue settings. Needs `settings.manage`; audited.
#[utoipa::path(put, path = "/api/v1/catalog/settings", tag = "catalog", request_body = PutCatalogSettings, security(("bearer" = [])), responses(
    (status = 200, body = CatalogSettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`review_levels` out of range, invalid words", body = Problem, content_type = "application/problem+json")
))]
async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PutCatalogSettings>,
) -> ApiResult<Json<CatalogSettingsDto>> {
    let m = merchant(&auth)?;
    let input = SettingsInput {
        review_levels: body.review_levels,
        banned_words: body.banned_words,
    };
    let settings = catalog::update_settings(&state.app, &auth.actor, m, input).await?;
    Ok(Json(settings.into()))
}
