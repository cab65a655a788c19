//! Bulk import (CSV) and export (CSV, XLSX) of products and SKUs, one row per SKU in the
//! columns of `omnihub_app::catalog::transfer::COLUMNS` (an export can be edited and
//! imported elsewhere).
//!
//! An import that writes nothing because of row errors (any error in `all_or_nothing`
//! mode; every product invalid in `partial` mode) is a 422 problem `import-rejected` whose
//! `errors` name each one as `line[<n>].<column>` (the header is line 1). Otherwise the
//! answer is 200 with the report (in `partial` mode, listing the rows left out).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use omnihub_app::catalog::transfer::{self, ExportFile, ExportFormat, ImportMode, ImportReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::ListParams;
use super::merchant;
use crate::error::{ApiError, ApiResult, Problem, ProblemField};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_csv))
        .routes(routes!(export_csv))
        .routes(routes!(export_xlsx))
}

/// How an import treats row errors.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportModeDto {
    /// Write nothing unless every row is valid (the default).
    #[default]
    AllOrNothing,
    /// Write the products whose rows are all valid; report the others.
    Partial,
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `all_or_nothing` (default) or `partial`.
    #[serde(default)]
    #[param(inline)]
    pub mode: ImportModeDto,
}

/// One problem in an import file.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorDto {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// The column (`price`) or a product-level field.
    pub field: String,
    /// Stable code (`required`, `invalid`, `taken`, `duplicate`...).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    /// Data rows read.
    pub rows: usize,
    /// Products written.
    pub products_created: usize,
    /// SKUs written.
    pub skus_created: usize,
    /// The rows left out (partial mode), by line.
    pub errors: Vec<RowErrorDto>,
    /// Whether anything was written.
    pub committed: bool,
}

impl From<ImportReport> for ImportReportDto {
    fn from(r: ImportReport) -> Self {
        let errors = r
            .errors
            .into_iter()
            .map(|e| RowErrorDto {
                line: e.line,
                field: e.field,
                code: e.code,
                message: e.message,
            })
            .collect();
        Self {
            rows: r.rows,
            products_created: r.products_created,
            skus_created: r.skus_created,
            errors,
            committed: r.committed,
        }
    }
}

/// The report, or the problem when row errors kept anything from being written.
fn import_outcome(report: ImportReport) -> ApiResult<Json<ImportReportDto>> {
    if !report.committed && !report.errors.is_empty() {
        let fields = report
            .errors
            .into_iter()
            .map(|e| ProblemField {
                field: format!("line[{}].{}", e.line, e.field),
                code: e.code,
                message: e.message,
            })
            .collect();
        return Err(ApiError::ImportRejected(fields));
    }
    Ok(Json(report.into()))
}

/// Imports products and SKUs from a UTF-8 CSV body (`Content-Type: text/csv`) with a
/// header row. Needed columns: `name`, `sku_code`, `price`; optional: `product_ref` (rows
/// sharing it make one product; else rows sharing a name), `brand` (name), `category`
/// (path of names, `Apparel/T-shirts`), `description`, `images` (`|`-separated),
/// `allow_below_cost`, `option1_name`..`option3_value`, `barcode`, `cost`, `currency`,
/// `weight_g`, `sku_status`. Brands and categories must exist. Every row is validated
/// before anything is written. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/import", tag = "catalog", params(ImportParams), request_body(content = String, content_type = "text/csv", description = "The CSV file"), security(("bearer" = [])), responses(
    (status = 200, description = "Written (partial mode: the valid products)", body = ImportReportDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`import-rejected` (nothing written; `errors` by line), or `validation` (not a CSV, missing column)", body = Problem, content_type = "application/problem+json")
))]
async fn import_csv(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReportDto>> {
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"));
    if !csv {
        return Err(ApiError::UnsupportedMediaType);
    }
    let m = merchant(&auth)?;
    let mode = match params.mode {
        ImportModeDto::AllOrNothing => ImportMode::AllOrNothing,
        ImportModeDto::Partial => ImportMode::Partial,
    };
    import_outcome(transfer::import_csv(&state.app, &auth.actor, m, &body, mode).await?)
}

/// The file as an attachment.
fn attachment(file: ExportFile) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Exports the SKUs matching the list filters (`limit` and `cursor` are ignored; at most
/// 100,000 rows) as UTF-8 CSV in the import columns. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/export.csv", tag = "catalog", params(ListParams), security(("bearer" = [])), responses(
    (status = 200, description = "`catalog.csv` attachment", body = String, content_type = "text/csv"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A brand or category filter that names none of this merchant's", body = Problem, content_type = "application/problem+json")
))]
async fn export_csv(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    let query = params.into_query()?;
    let file = transfer::export(&state.app, &auth.actor, m, query, ExportFormat::Csv).await?;
    Ok(attachment(file))
}

/// Exports like `export.csv`, as an Excel workbook (text cells, so amounts stay exact and
/// codes keep leading zeros). Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/export.xlsx", tag = "catalog", params(ListParams), security(("bearer" = [])), responses(
    (status = 200, description = "`catalog.xlsx` attachment", body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A brand or category filter that names none of this merchant's", body = Problem, content_type = "application/problem+json")
))]
async fn export_xlsx(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    let query = params.into_query()?;
    let file = transfer::export(&state.app, &auth.actor, m, query, ExportFormat::Xlsx).await?;
    Ok(attachment(file))
}
