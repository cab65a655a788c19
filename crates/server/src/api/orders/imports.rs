//! Bulk import of historical orders over the API (issue 8, docs/adr/0024):
//! `POST /orders/imports` takes an NDJSON body, read frame by frame as it arrives (never
//! buffered whole) and written in batches; `GET /orders/imports` lists the runs and
//! `GET /orders/imports/{import_id}` shows one with its kept malformed lines.
//!
//! A run over HTTP is not resumed (a request cannot seek); sending the file again is
//! still safe, since orders already imported come back as duplicates. The server's body
//! limit applies: files larger than it go through `omnihub import orders`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use http_body_util::BodyExt;
use omnihub_app::Error as AppError;
use omnihub_app::orders::bulk_import::{
    self, DEFAULT_BATCH, FileIdentity, ImportRun, Importer, MalformedLine, ParsedBatch, ParsedLine,
};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::money::Currency;
use omnihub_domain::orders::historic;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::merchant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::state::AppState;

/// Longest line accepted, in bytes.
const MAX_LINE: usize = 1 << 20;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_history, list_imports))
        .routes(routes!(get_import))
}

/// Where to import, and what to call the upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The channel the orders were sold on.
    #[param(value_type = String, format = Uuid)]
    pub channel_id: ChannelId,
    /// A name for the run (default `upload.ndjson`).
    pub file_name: Option<String>,
}

/// How many runs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A malformed line of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct MalformedLineDto {
    /// 1-based line number.
    pub line: u64,
    /// Why it was refused, naming the JSON path.
    pub reason: String,
}

/// An import run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRunDto {
    /// Id.
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The channel.
    #[schema(value_type = String, format = Uuid)]
    pub channel_id: ChannelId,
    /// The file's name.
    pub file_name: String,
    /// `running` (stopped before the end; the CLI resumes it) or `completed`.
    pub status: String,
    /// Lines taken in.
    pub lines: u64,
    /// Orders stored.
    pub imported: u64,
    /// Orders skipped because their external id was already imported.
    pub duplicates: u64,
    /// Lines refused.
    pub malformed: u64,
    /// Sum of the imported orders' payments, decimal.
    pub payment_total: String,
    /// ISO 4217.
    pub currency: String,
    /// Who ran it.
    pub actor: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once completed.
    pub finished_at: Option<String>,
    /// The first malformed lines (up to 1,000); empty in lists.
    pub malformed_lines: Vec<MalformedLineDto>,
}

impl ImportRunDto {
    fn new(r: ImportRun, problems: Vec<MalformedLine>) -> Self {
        Self {
            id: r.id,
            channel_id: r.channel,
            file_name: r.file_name,
            status: r.status,
            lines: r.committed_line,
            imported: r.imported,
            duplicates: r.duplicates,
            malformed: r.malformed,
            payment_total: r.payment_total.amount_text(),
            currency: r.payment_total.currency().to_string(),
            actor: r.actor,
            created_at: r.created_at.to_string(),
            finished_at: r.finished_at.map(|t| t.to_string()),
            malformed_lines: problems
                .into_iter()
                .map(|p| MalformedLineDto {
                    line: p.line,
                    reason: p.reason,
                })
                .collect(),
        }
    }
}

/// Imports historical orders from an NDJSON body (`application/x-ndjson`), one order per
/// line: `{"status": "delivered", "order": <the POST /orders body>, "payments": [...]}`
/// (docs/adr/0024). Orders are stored as they ended, without reserving stock; a line
/// whose external id is already imported is a duplicate, a line that cannot be read or
/// names an unknown SKU code is malformed and reported by number. Needs `orders.manage`;
/// audited per batch.
#[utoipa::path(post, path = "/api/v1/orders/imports", tag = "orders", request_body(content = String, content_type = "application/x-ndjson", description = "One historic order per line"), params(ImportParams), security(("bearer" = [])), responses(
    (status = 200, description = "The completed run with its malformed lines", body = ImportRunDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Larger than the server's body limit", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A line longer than 1 MiB", body = Problem, content_type = "application/problem+json")
))]
async fn import_history(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Body,
) -> ApiResult<Json<ImportRunDto>> {
    let m = merchant(&auth)?;
    let identity = FileIdentity {
        name: p.file_name.unwrap_or_else(|| "upload.ndjson".to_owned()),
        size: 0,
        // Unique: an upload is never resumed.
        digest: format!("upload-{}", state.app.ids.new_id()),
    };
    let mut importer =
        bulk_import::open_import(&state.app, &auth.actor, m, p.channel_id, &identity).await?;
    let problems = stream(&mut importer, body).await?;
    let run = importer.finish().await?;
    Ok(Json(ImportRunDto::new(run, problems)))
}

/// Feeds the body to the importer batch by batch; returns the malformed lines.
async fn stream(importer: &mut Importer, mut body: Body) -> ApiResult<Vec<MalformedLine>> {
    let mut lines = Lines::new(importer.currency());
    let mut problems = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ApiError::PayloadTooLarge)?;
        if let Ok(data) = frame.into_data() {
            lines.push(&data)?;
        }
        if lines.batch.lines.len() >= DEFAULT_BATCH {
            let outcome = importer.write_batch(lines.take()).await?;
            problems.extend(outcome.malformed);
        }
    }
    lines.end();
    if !lines.batch.lines.is_empty() {
        let outcome = importer.write_batch(lines.take()).await?;
        problems.extend(outcome.malformed);
    }
    problems.truncate(1_000);
    Ok(problems)
}

/// Splits arriving bytes into numbered lines and parses them into the current batch.
struct Lines {
    currency: Currency,
    pending: Vec<u8>,
    offset: u64,
    line: u64,
    batch: ParsedBatch,
}

impl Lines {
    fn new(currency: Currency) -> Self {
        Self {
            currency,
            pending: Vec::new(),
            offset: 0,
            line: 0,
            batch: ParsedBatch::default(),
        }
    }

    fn push(&mut self, mut data: &[u8]) -> ApiResult<()> {
        while let Some(i) = data.iter().position(|b| *b == b'\n') {
            self.pending.extend_from_slice(&data[..i]);
            self.offset += 1;
            self.line_done();
            data = &data[i + 1..];
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() > MAX_LINE {
            return Err(ApiError::App(AppError::invalid(
                "body",
                "line-too-long",
                format!("line {} is longer than {MAX_LINE} bytes", self.line + 1),
            )));
        }
        Ok(())
    }

    fn line_done(&mut self) {
        self.line += 1;
        self.offset += self.pending.len() as u64;
        let text = self.pending.trim_ascii();
        if !text.is_empty() {
            self.batch.lines.push(ParsedLine {
                line: self.line,
                order: historic::parse_line(text, self.currency),
            });
        }
        self.pending.clear();
        self.batch.end_offset = self.offset;
        self.batch.end_line = self.line;
    }

    /// The last line, when the body does not end with a line break.
    fn end(&mut self) {
        if !self.pending.is_empty() {
            self.line_done();
        }
    }

    fn take(&mut self) -> ParsedBatch {
        std::mem::take(&mut self.batch)
    }
}

/// The merchant's import runs, newest first. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/imports", tag = "orders", params(ListParams), security(("bearer" = [])), responses(
    (status = 200, body = Vec<ImportRunDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_imports(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<ImportRunDto>>> {
    let m = merchant(&auth)?;
    let runs = bulk_import::list_imports(&state.app, &auth.actor, m, p.limit.unwrap_or(50)).await?;
    Ok(Json(
        runs.into_iter()
            .map(|r| ImportRunDto::new(r, Vec::new()))
            .collect(),
    ))
}

/// One import run with its first malformed lines. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/imports/{import_id}", tag = "orders", params(("import_id" = String, Path, description = "Import run id")), security(("bearer" = [])), responses(
    (status = 200, body = ImportRunDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_import(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ImportRunDto>> {
    let m = merchant(&auth)?;
    let (run, problems) = bulk_import::get_import(&state.app, &auth.actor, m, id).await?;
    Ok(Json(ImportRunDto::new(run, problems)))
}
