//! Order history imports (issue 8): the runs of `omnihub import orders` and
//! `POST /api/v1/orders/imports`, newest first, with their counts and payment totals, and
//! one run's kept malformed lines with their line numbers. Read-only: the CLI and the API
//! import (a browser form would have to hold the whole file).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::orders::bulk_import::{self, ImportRun, MalformedLine};
use uuid::Uuid;

use super::super::catalog::choose_merchant;
use super::super::forms::app_error;
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::Channels;
use crate::state::AppState;

/// Runs listed.
const RUNS: u32 = 100;

/// One run, for the table.
pub struct RunRow {
    pub id: String,
    pub file_name: String,
    pub channel: String,
    pub status: String,
    pub lines: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub malformed: u64,
    pub total: String,
    pub started: String,
    pub actor: String,
}

fn row(r: &ImportRun, channels: &Channels) -> RunRow {
    RunRow {
        id: r.id.to_string(),
        file_name: r.file_name.clone(),
        channel: channels.code(r.channel),
        status: r.status.clone(),
        lines: r.committed_line,
        imported: r.imported,
        duplicates: r.duplicates,
        malformed: r.malformed,
        total: r.payment_total.to_string(),
        started: r.created_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        actor: r.actor.clone(),
    }
}

#[derive(Template)]
#[template(path = "orders/history.html")]
struct HistoryPage {
    ctx: PageContext,
    runs: Vec<RunRow>,
    selected: Option<RunRow>,
    problems: Vec<MalformedLine>,
}

/// The list of runs, with one run's malformed lines when `id` is given.
async fn show(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    id: Option<Uuid>,
) -> Response {
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let runs = match bulk_import::list_imports(&state.app, &user.actor, merchant, RUNS).await {
        Ok(r) => r,
        Err(err) => return app_error(ctx, err),
    };
    let channels = match Channels::load(state, &user.actor, merchant).await {
        Ok(c) => c,
        Err(err) => return app_error(ctx, err),
    };
    let (selected, problems) = match id {
        None => (None, Vec::new()),
        Some(id) => match bulk_import::get_import(&state.app, &user.actor, merchant, id).await {
            Ok((run, problems)) => (Some(row(&run, &channels)), problems),
            Err(err) => return app_error(ctx, err),
        },
    };
    let nonce = ctx.nonce.clone();
    let page = HistoryPage {
        runs: runs.iter().map(|r| row(r, &channels)).collect(),
        selected,
        problems,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

/// The runs.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    show(&state, &user, ctx, None).await
}

/// The runs and one run's malformed lines.
pub(super) async fn run(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    match id.parse::<Uuid>() {
        Ok(id) => show(&state, &user, ctx, Some(id)).await,
        Err(_) => app_error(
            ctx,
            omnihub_app::Error::NotFound {
                entity: "order import",
            },
        ),
    }
}
