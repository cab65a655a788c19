//! The console's audit log page: filters (a GET form), newest-first pages, a CSV export of
//! the same filters, and a chain verification banner loaded by htmx after the page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use omnihub_app::Error as AppError;
use omnihub_app::audit::{self, AuditEntry, ChainStatus, SearchInput};
use serde::Deserialize;

use super::session::ConsoleUser;
use super::{PageContext, Tr, render};
use crate::api::audit::{AuditPage, csv_response};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The page's query: the API's filters plus paging, as the form sends them.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    merchant_id: String,
    cursor: Option<String>,
    limit: Option<u32>,
}

impl AuditQuery {
    fn input(&self) -> SearchInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        SearchInput {
            action: some(&self.action),
            entity_type: some(&self.entity_type),
            entity_id: some(&self.entity_id),
            actor: some(&self.actor),
            from: some(&self.from),
            to: some(&self.to),
            request_id: some(&self.request_id),
            merchant_id: some(&self.merchant_id),
        }
    }

    /// The filters as a query string (blank ones left out), plus `extra` pairs.
    fn query_string(&self, extra: &[(&str, &str)]) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("action", &self.action),
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
            ("request_id", &self.request_id),
            ("merchant_id", &self.merchant_id),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        q.finish()
    }
}

/// One table row, with the JSON pretty-printed (askama escapes it on output).
pub(super) struct Row {
    seq: i64,
    created_at: String,
    actor_label: String,
    actor_type: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
    client_address: String,
    user_agent: String,
    request_id: String,
    hash: String,
}

impl From<AuditEntry> for Row {
    fn from(e: AuditEntry) -> Self {
        let pretty = |v: Option<serde_json::Value>| {
            v.map(|v| serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()))
        };
        Self {
            seq: e.seq,
            created_at: e.created_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor_label: e.actor_label,
            actor_type: e.actor_type,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id.unwrap_or_default(),
            before: pretty(e.before),
            after: pretty(e.after),
            client_address: e.client_address.unwrap_or_default(),
            user_agent: e.user_agent.unwrap_or_default(),
            request_id: e.request_id.unwrap_or_default(),
            hash: e.hash.chars().take(12).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditListPage {
    ctx: PageContext,
    q: AuditQuery,
    platform: bool,
    rows: Vec<Row>,
    errors: Vec<String>,
    next_href: Option<String>,
    first_href: String,
    export_href: String,
}

/// `GET /admin/audit`.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let paging = AuditPage {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let (before, limit) = match paging.parse() {
        Ok(p) => p,
        Err(err) => return err.into_response(),
    };
    let result = audit::search(&state.app, &user.actor, &q.input(), before, limit).await;
    let (status, rows, errors) = match result {
        Ok(entries) => (StatusCode::OK, entries, Vec::new()),
        Err(err) => match refusal(err, ctx.t) {
            Ok((status, errors)) => (status, Vec::new(), errors),
            Err(other) => return ApiError::from(other).into_response(),
        },
    };
    let full = u32::try_from(rows.len()).is_ok_and(|n| n == limit);
    let next_href = rows.last().filter(|_| full).map(|last| {
        let cursor = last.seq.to_string();
        format!("/admin/audit?{}", q.query_string(&[("cursor", &cursor)]))
    });
    let export_href = format!("/admin/audit/export.csv?{}", q.query_string(&[]));
    let first_href = format!("/admin/audit?{}", q.query_string(&[]));
    let nonce = ctx.nonce.clone();
    let page = AuditListPage {
        ctx,
        platform: user.actor.platform,
        rows: rows.into_iter().map(Row::from).collect(),
        errors,
        next_href,
        first_href,
        export_href,
        q,
    };
    render(status, &nonce, &page)
}

/// Refusals shown on the page (status and messages); any other error is handed back.
fn refusal(err: AppError, t: &Tr) -> Result<(StatusCode, Vec<String>), AppError> {
    match err {
        AppError::MissingPermission(_)
        | AppError::Forbidden(_)
        | AppError::MfaEnrolmentRequired => {
            Ok((StatusCode::FORBIDDEN, vec![t.audit_forbidden.to_owned()]))
        }
        AppError::NotFound { .. } => Ok((
            StatusCode::NOT_FOUND,
            vec![t.audit_no_such_merchant.to_owned()],
        )),
        AppError::Validation(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect(),
        )),
        other => Err(other),
    }
}

/// `GET /admin/audit/export.csv`: the same export as the API, for the console's session.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    user: ConsoleUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Response {
    let result = async {
        let export = audit::export(&state.app, &user.actor, &q.input()).await?;
        csv_response(&export, state.app.now())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// One chain in the banner.
pub(super) struct ChainView {
    chain: String,
    entries: i64,
    problem: Option<String>,
}

impl ChainView {
    fn new(status: ChainStatus, t: &Tr) -> Self {
        let problem = status.broken.map(|link| {
            let what = match link.code() {
                "altered" => t.audit_break_altered,
                "gap" => t.audit_break_gap,
                "unlinked" => t.audit_break_unlinked,
                "truncated" => t.audit_break_truncated,
                "overrun" => t.audit_break_overrun,
                "head_mismatch" => t.audit_break_head_mismatch,
                _ => t.audit_break_head_missing,
            };
            match link.seq() {
                Some(seq) => format!("{what} ({} {seq})", t.audit_entry),
                None => what.to_owned(),
            }
        });
        Self {
            chain: status.chain,
            entries: status.entries,
            problem,
        }
    }
}

#[derive(Template)]
#[template(path = "audit/verify_partial.html")]
struct VerifyPartial {
    t: &'static Tr,
    ok: bool,
    chains: Vec<ChainView>,
    error: Option<&'static str>,
}

/// `GET /admin/audit/verify`: the verification banner (an htmx fragment).
pub(super) async fn verify_partial(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let t = ctx.t;
    let (status, chains, error) = match audit::verify_for(&state.app, &user.actor).await {
        Ok(chains) => (
            StatusCode::OK,
            chains.into_iter().map(|c| ChainView::new(c, t)).collect(),
            None,
        ),
        Err(err) => match refusal(err, t) {
            Ok((status, _)) => (status, Vec::new(), Some(t.audit_forbidden)),
            Err(other) => return ApiError::from(other).into_response(),
        },
    };
    let ok = error.is_none() && chains.iter().all(|c: &ChainView| c.problem.is_none());
    let partial = VerifyPartial {
        t,
        ok,
        chains,
        error,
    };
    render(status, &ctx.nonce, &partial)
}
