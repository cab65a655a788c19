//! The audit log (IAM-8): search, CSV export and hash-chain verification.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use omnihub_app::audit::{self, AuditEntry, ChainStatus, Export, SearchInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DEFAULT_LIMIT, MAX_LIMIT, Page};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(export_csv))
        .routes(routes!(verify))
}

/// One audit log entry, with everything stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// Entry id.
    pub id: String,
    /// The chain it belongs to: the merchant id, or `platform`.
    pub chain: String,
    /// Position in its chain, from 1.
    pub seq: i64,
    /// The merchant the change belongs to; absent for platform-level changes.
    pub merchant_id: Option<String>,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or API key.
    pub actor_id: Option<String>,
    /// The actor's email or key name.
    pub actor_label: String,
    /// What was done, e.g. `merchant.create`.
    pub action: String,
    /// Kind of thing changed, e.g. `merchant`.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// State before the change (absent for creations).
    pub before: Option<serde_json::Value>,
    /// State after the change (absent for deletions).
    pub after: Option<serde_json::Value>,
    /// The client's address.
    pub client_address: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// The request id (as in `X-Request-Id` and the logs).
    pub request_id: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
    /// The previous entry's hash (`genesis` for the first).
    pub prev_hash: String,
    /// SHA-256 over this entry's fields and `prev_hash` (hex).
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            chain: e.chain,
            seq: e.seq,
            merchant_id: e.merchant.map(|m| m.to_string()),
            actor_type: e.actor_type,
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_label: e.actor_label,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
            client_address: e.client_address,
            user_agent: e.user_agent,
            request_id: e.request_id,
            created_at: e.created_at.to_string(),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// Filters of a search or export; every one is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilters {
    /// An action (`merchant.create`) or a prefix ending in `*` (`merchant.*`).
    pub action: Option<String>,
    /// Kind of thing changed (`merchant`, `setting`, ...).
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// The actor's id, or their email / key name.
    pub actor: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Entries before this instant (RFC 3339).
    pub to: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// Platform staff only: read this merchant's chain (default: the merchant chosen with
    /// `X-Omnihub-Merchant`, else the platform chain). Merchant staff always read their own.
    pub merchant_id: Option<String>,
}

impl From<AuditFilters> for SearchInput {
    fn from(f: AuditFilters) -> Self {
        Self {
            action: f.action,
            entity_type: f.entity_type,
            entity_id: f.entity_id,
            actor: f.actor,
            from: f.from,
            to: f.to,
            request_id: f.request_id,
            merchant_id: f.merchant_id,
        }
    }
}

/// Paging of a search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPage {
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditPage {
    /// The position to continue before, and the page size.
    pub fn parse(&self) -> Result<(Option<i64>, u32), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidParameter {
                place: "query",
                message: format!("limit must be between 1 and {MAX_LIMIT}"),
            });
        }
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(
                c.parse::<i64>()
                    .ok()
                    .filter(|seq| *seq > 0)
                    .ok_or_else(|| ApiError::InvalidParameter {
                        place: "query",
                        message: "cursor is not one this API returned".into(),
                    })?,
            ),
        };
        Ok((cursor, limit))
    }
}

/// Searches the audit log, newest first. Merchant staff see their merchant's chain only;
/// platform staff see the platform chain, or a merchant's (`merchant_id`, or the merchant
/// chosen with `X-Omnihub-Merchant`). Needs `audit.read`.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilters, AuditPage), security(("bearer" = [])), responses(
    (status = 200, body = Page<AuditEntryDto>),
    (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Unknown merchant, or another merchant's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid filters", body = Problem, content_type = "application/problem+json")
))]
async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filters): ApiQuery<AuditFilters>,
    ApiQuery(page): ApiQuery<AuditPage>,
) -> ApiResult<Json<Page<AuditEntryDto>>> {
    let (before, limit) = page.parse()?;
    let input = SearchInput::from(filters);
    let entries = audit::search(&state.app, &auth.actor, &input, before, limit).await?;
    let items: Vec<AuditEntryDto> = entries.into_iter().map(AuditEntryDto::from).collect();
    Ok(Json(Page::new(items, limit, |e| e.seq.to_string())))
}

/// Exports the matching entries as CSV (UTF-8 with a byte order mark, newest first), at
/// most 100,000 rows; `X-Omnihub-Export-Truncated: true` says when more matched. The
/// export itself is recorded in the audit log (`audit.export`). Needs `audit.read`.
#[utoipa::path(get, path = "/api/v1/audit/export.csv", tag = "audit", params(AuditFilters), security(("bearer" = [])), responses(
    (status = 200, description = "CSV file, one row per entry", content_type = "text/csv"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn export_csv(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filters): ApiQuery<AuditFilters>,
) -> ApiResult<Response> {
    let export = audit::export(&state.app, &auth.actor, &SearchInput::from(filters)).await?;
    csv_response(&export, state.app.now())
}

/// The verification of every chain the caller may check.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    /// True when every chain verified.
    pub ok: bool,
    /// Each chain's result.
    pub chains: Vec<ChainStatusDto>,
}

/// The verification of one chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainStatusDto {
    /// `platform` or a merchant id.
    pub chain: String,
    /// How many entries the chain's head records.
    pub entries: i64,
    /// True when the chain verified.
    pub ok: bool,
    /// The first broken link, when it did not.
    pub broken: Option<BrokenLinkDto>,
}

/// Where a chain breaks.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokenLinkDto {
    /// `altered`, `gap`, `unlinked`, `truncated`, `overrun`, `head_mismatch` or
    /// `head_missing`.
    pub code: &'static str,
    /// The position at fault, when one entry is.
    pub seq: Option<i64>,
    /// What is wrong.
    pub message: String,
}

impl From<ChainStatus> for ChainStatusDto {
    fn from(s: ChainStatus) -> Self {
        Self {
            ok: s.ok(),
            broken: s.broken.map(|b| BrokenLinkDto {
                code: b.code(),
                seq: b.seq(),
                message: b.to_string(),
            }),
            chain: s.chain,
            entries: s.entries,
        }
    }
}

/// Verifies the audit log's hash chains: every chain for platform staff, the merchant's own
/// chain for merchant staff. A broken chain is reported, not an error (still 200). Needs
/// `audit.read`.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = VerifyReport),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn verify(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<VerifyReport>> {
    let chains = audit::verify_for(&state.app, &auth.actor).await?;
    let chains: Vec<ChainStatusDto> = chains.into_iter().map(ChainStatusDto::from).collect();
    Ok(Json(VerifyReport {
        ok: chains.iter().all(|c| c.ok),
        chains,
    }))
}

/// The CSV columns, in order.
const CSV_HEADER: [&str; 18] = [
    "seq",
    "created_at",
    "chain",
    "merchant_id",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "client_address",
    "user_agent",
    "request_id",
    "id",
    "prev_hash",
    "hash",
];

/// Header saying the export stopped at the cap.
pub const TRUNCATED_HEADER: &str = "x-omnihub-export-truncated";

/// Guards against formula injection when the file is opened in a spreadsheet: a cell that
/// starts like a formula (a user agent or label the client chose) gets a leading `'`.
fn cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// An export as a CSV attachment (shared by the API and the console).
pub fn csv_response(export: &Export, now: Timestamp) -> ApiResult<Response> {
    let internal = |e: std::io::Error| ApiError::App(omnihub_app::Error::internal(e));
    // A byte order mark, so spreadsheet programs read the UTF-8 (Chinese names) correctly.
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(CSV_HEADER)
        .map_err(|e| internal(e.into()))?;
    for e in &export.entries {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
        let fields: [Option<String>; 18] = [
            Some(e.seq.to_string()),
            Some(e.created_at.to_string()),
            Some(e.chain.clone()),
            e.merchant.map(|m| m.to_string()),
            Some(e.actor_type.clone()),
            e.actor_id.map(|a| a.to_string()),
            Some(e.actor_label.clone()),
            Some(e.action.clone()),
            Some(e.entity_type.clone()),
            e.entity_id.clone(),
            json(&e.before),
            json(&e.after),
            e.client_address.clone(),
            e.user_agent.clone(),
            e.request_id.clone(),
            Some(e.id.to_string()),
            Some(e.prev_hash.clone()),
            Some(e.hash.clone()),
        ];
        let record = fields
            .iter()
            .map(|f| cell(f.as_deref().unwrap_or("")).into_owned());
        out.write_record(record.collect::<Vec<String>>())
            .map_err(|e| internal(e.into()))?;
    }
    let bytes = out.into_inner().map_err(|e| internal(e.into_error()))?;
    let filename = format!(
        "audit-{}-{}.csv",
        export.chain,
        now.strftime("%Y%m%dT%H%M%SZ")
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        TRUNCATED_HEADER,
        HeaderValue::from_static(if export.truncated { "true" } else { "false" }),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
