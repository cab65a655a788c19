//! Stocktakes: open (snapshot on hand), enter counts as JSON or import them as CSV, post
//! (book each counted line's variance as a `count` movement) or cancel, and the variance
//! report. Writing needs `inventory.adjust`, reading `inventory.read`.
//!
//! The CSV has a header naming `sku_code` and `counted` (any order, other columns
//! ignored; UTF-8, BOM allowed). Every row is checked before any is recorded: a file with
//! a bad row is a 422 problem `import-rejected` whose `errors` name each one as
//! `line[<n>].<column>` (the header is line 1), and nothing is recorded.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use omnihub_app::Error as AppError;
use omnihub_app::inventory::{self as inv, CountInput, Stocktake, StocktakeInput};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::{LocationId, StocktakeId, StocktakeStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{page, paging, ts};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiError, ApiResult, Problem, ProblemField};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, is_csv};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stocktakes, open_stocktake))
        .routes(routes!(get_stocktake))
        .routes(routes!(enter_counts))
        .routes(routes!(import_counts))
        .routes(routes!(post_stocktake))
        .routes(routes!(cancel_stocktake))
}

/// One line of the variance report.
#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakeLineDto {
    /// SKU id.
    pub sku_id: String,
    /// SKU code.
    pub sku_code: String,
    /// On hand when the stocktake opened.
    pub snapshot: i64,
    /// Whether it was counted (the fields below are `null` until then).
    pub counted: Option<i64>,
    /// Net movements between the snapshot and the count (sales, receipts while counting).
    pub movements_during_count: Option<i64>,
    /// What the books said when the count was entered (snapshot + movements).
    pub expected: Option<i64>,
    /// `counted - expected`: the `count` movement posting books.
    pub variance: Option<i64>,
    /// Variance × unit cost (minor units), when the SKU has a cost.
    pub value_minor: Option<i64>,
    /// When counted (RFC 3339).
    pub counted_at: Option<String>,
}

/// A stocktake with its variance report.
#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakeDto {
    /// Id.
    pub id: String,
    /// Counted location id.
    pub location_id: String,
    /// `open`, `posted` or `cancelled`.
    pub status: String,
    /// Free text.
    pub note: Option<String>,
    /// Lines by SKU code (empty in lists).
    pub lines: Vec<StocktakeLineDto>,
    /// Sum of the variances of counted lines (units).
    pub net_variance: i64,
    /// Sum of the variance values of counted lines with a cost (minor units).
    pub net_value_minor: i64,
    /// Lines not counted yet (posting leaves them as they are).
    pub uncounted: usize,
    /// Opened (RFC 3339).
    pub created_at: String,
    /// Posted (RFC 3339).
    pub posted_at: Option<String>,
}

impl From<Stocktake> for StocktakeDto {
    fn from(s: Stocktake) -> Self {
        let lines = s
            .lines
            .into_iter()
            .map(|l| StocktakeLineDto {
                sku_id: l.sku_id.to_string(),
                sku_code: l.sku_code,
                snapshot: l.snapshot,
                counted: l.variance.map(|v| v.counted),
                movements_during_count: l.variance.map(|v| v.movements_during_count),
                expected: l.variance.map(|v| v.expected),
                variance: l.variance.map(|v| v.variance),
                value_minor: l.value_minor,
                counted_at: l.counted_at.map(ts),
            })
            .collect();
        Self {
            id: s.id.to_string(),
            location_id: s.location_id.to_string(),
            status: s.status.code().to_owned(),
            note: s.note,
            lines,
            net_variance: s.net_variance,
            net_value_minor: s.net_value_minor,
            uncounted: s.uncounted,
            created_at: ts(s.created_at),
            posted_at: s.posted_at.map(ts),
        }
    }
}

/// A stocktake to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenStocktake {
    /// The location to count (active).
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// A cycle count of just these SKUs; left out: every SKU stocked there.
    #[schema(value_type = Option<Vec<String>>)]
    pub sku_ids: Option<Vec<SkuId>>,
    /// Free text.
    pub note: Option<String>,
}

/// Opens a stocktake, snapshotting on hand of each SKU in scope. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/stocktakes", tag = "inventory", request_body = OpenStocktake, security(("bearer" = [])), responses(
    (status = 201, body = StocktakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`location-inactive`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn open_stocktake(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<OpenStocktake>,
) -> ApiResult<(StatusCode, Json<StocktakeDto>)> {
    let m = merchant(&auth)?;
    let input = StocktakeInput {
        location_id: Some(body.location_id),
        sku_ids: body.sku_ids,
        note: body.note,
    };
    let s = inv::open_stocktake(&state.app, &auth.actor, m, input).await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

/// Stocktake list filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StocktakeParams {
    /// `open`, `posted` or `cancelled`.
    pub status: Option<String>,
    /// Only at this location.
    #[param(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Stocktakes, newest first, with their totals but without lines. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/stocktakes", tag = "inventory", params(StocktakeParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<StocktakeDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status`", body = Problem, content_type = "application/problem+json")
))]
async fn list_stocktakes(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<StocktakeParams>,
) -> ApiResult<Json<Page<StocktakeDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let status = p
        .status
        .as_deref()
        .map(StocktakeStatus::parse)
        .transpose()
        .map_err(|e| AppError::invalid("status", "invalid", e))?;
    let (app, actor) = (&state.app, &auth.actor);
    let list = inv::list_stocktakes(app, actor, m, status, p.location_id, cursor, limit).await?;
    Ok(Json(page(list)))
}

/// A stocktake with its variance report: per line the snapshot, movements during the
/// count, expected, counted, variance and its value at cost. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/stocktakes/{stocktake_id}", tag = "inventory", params(("stocktake_id" = String, Path, description = "Stocktake id")), security(("bearer" = [])), responses(
    (status = 200, body = StocktakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_stocktake(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<StocktakeId>,
) -> ApiResult<Json<StocktakeDto>> {
    let m = merchant(&auth)?;
    let s = inv::variance_report(&state.app, &auth.actor, m, id).await?;
    Ok(Json(s.into()))
}

/// One counted SKU.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountBody {
    /// SKU id (a SKU not in the snapshot, found on the shelf, gets a line).
    #[schema(value_type = String, format = Uuid)]
    pub sku_id: SkuId,
    /// Units counted (0 or more).
    pub counted: i64,
}

/// Counts to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountsBody {
    /// A later count of a SKU replaces an earlier one.
    pub counts: Vec<CountBody>,
}

/// Records counts; each stores what the books say at that moment, so movements while
/// counting are not mistaken for variance. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/stocktakes/{stocktake_id}/counts", tag = "inventory", request_body = CountsBody, params(("stocktake_id" = String, Path, description = "Stocktake id")), security(("bearer" = [])), responses(
    (status = 200, body = StocktakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`stocktake-state`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`counts[0].counted`...)", body = Problem, content_type = "application/problem+json")
))]
async fn enter_counts(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<StocktakeId>,
    ApiJson(body): ApiJson<CountsBody>,
) -> ApiResult<Json<StocktakeDto>> {
    let m = merchant(&auth)?;
    let counts: Vec<CountInput> = body
        .counts
        .into_iter()
        .map(|c| CountInput {
            sku_id: c.sku_id,
            counted: c.counted,
        })
        .collect();
    let s = inv::enter_counts(&state.app, &auth.actor, m, id, &counts).await?;
    Ok(Json(s.into()))
}

/// What a CSV count import recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountImportDto {
    /// Data rows read.
    pub rows: usize,
    /// The stocktake after recording them.
    pub stocktake: StocktakeDto,
}

/// Imports counts from a CSV body (`Content-Type: text/csv`; columns `sku_code,counted`).
/// All rows or none: a bad row records nothing and is reported by line. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/stocktakes/{stocktake_id}/counts.csv", tag = "inventory", request_body(content = String, content_type = "text/csv", description = "`sku_code,counted` rows with a header"), params(("stocktake_id" = String, Path, description = "Stocktake id")), security(("bearer" = [])), responses(
    (status = 200, body = CountImportDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`stocktake-state`", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`import-rejected` (`errors` by line), or `validation` (not UTF-8, no header)", body = Problem, content_type = "application/problem+json")
))]
async fn import_counts(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<StocktakeId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<CountImportDto>> {
    if !is_csv(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let m = merchant(&auth)?;
    let report = inv::import_counts_csv(&state.app, &auth.actor, m, id, &body).await?;
    match report.stocktake {
        Some(s) if report.errors.is_empty() => Ok(Json(CountImportDto {
            rows: report.rows,
            stocktake: s.into(),
        })),
        _ => Err(ApiError::ImportRejected(
            report
                .errors
                .into_iter()
                .map(|e| ProblemField {
                    field: format!("line[{}].{}", e.line, e.field),
                    code: e.code.to_owned(),
                    message: e.message,
                })
                .collect(),
        )),
    }
}

/// Posts a stocktake: each counted line's variance becomes a `count` movement; uncounted
/// lines stay as they are. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/stocktakes/{stocktake_id}/post", tag = "inventory", params(("stocktake_id" = String, Path, description = "Stocktake id")), security(("bearer" = [])), responses(
    (status = 200, body = StocktakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`stocktake-state`; `insufficient-stock` when a shortfall would leave less than the reserved units", body = Problem, content_type = "application/problem+json")
))]
async fn post_stocktake(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<StocktakeId>,
) -> ApiResult<Json<StocktakeDto>> {
    let m = merchant(&auth)?;
    let s = inv::post_stocktake(&state.app, &auth.actor, m, id).await?;
    Ok(Json(s.into()))
}

/// Cancels an open stocktake; nothing is booked. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/stocktakes/{stocktake_id}/cancel", tag = "inventory", params(("stocktake_id" = String, Path, description = "Stocktake id")), security(("bearer" = [])), responses(
    (status = 200, body = StocktakeDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`stocktake-state`", body = Problem, content_type = "application/problem+json")
))]
async fn cancel_stocktake(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<StocktakeId>,
) -> ApiResult<Json<StocktakeDto>> {
    let m = merchant(&auth)?;
    let s = inv::cancel_stocktake(&state.app, &auth.actor, m, id).await?;
    Ok(Json(s.into()))
}
