//! CSV import of orders (docs/orders-csv.md): a channel and the file (read into the form
//! by the browser, as on the catalogue and stocktake imports, so the post is an ordinary
//! form with its CSRF token) go to `omnihub_app::orders::import_csv`; the report lists
//! every order of the file with its rows, external id, outcome, a link to the order and
//! its problems by row and column. The template download is the header with the sample
//! rows of docs/samples/orders-import.csv.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnihub_app::orders::{self as ord, ImportReport};
use omnihub_app::{Error, FieldError};
use omnihub_domain::channels::ChannelId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::csv_format::TEMPLATE_HEADER;

use super::super::catalog::{Choice, choose_merchant};
use super::super::forms::{FieldErrors, FormBody, app_error};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{Channels, OrdTr};
use crate::state::AppState;

/// The sample file (header and rows).
const SAMPLE: &str = include_str!("../../../../../docs/samples/orders-import.csv");

/// A problem of one order, for the report.
pub struct ProblemRow {
    pub row: String,
    pub column: String,
    pub message: String,
}

/// One order of the report.
pub struct ReportRow {
    pub rows: String,
    pub external_id: String,
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub order_id: Option<String>,
    pub number: String,
    pub problems: Vec<ProblemRow>,
}

/// The report's rows and counts.
pub struct Report {
    pub rows: Vec<ReportRow>,
    pub created: usize,
    pub invalid: usize,
    pub other: usize,
}

fn outcome_label(t: &OrdTr, outcome: &str) -> &'static str {
    match outcome {
        "created" => t.outcome_created,
        "duplicate" => t.outcome_duplicate,
        "updated" => t.outcome_updated,
        "exception" => t.outcome_exception,
        _ => t.outcome_invalid,
    }
}

fn report(t: &OrdTr, r: &ImportReport) -> Report {
    let rows: Vec<ReportRow> = r
        .orders
        .iter()
        .map(|o| ReportRow {
            rows: o
                .rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            external_id: o.external_id.clone().unwrap_or_default(),
            outcome: o.outcome,
            outcome_label: outcome_label(t, o.outcome),
            order_id: o.order_id.map(|id| id.to_string()),
            number: o.number.clone().unwrap_or_default(),
            problems: o
                .problems
                .iter()
                .map(|p| ProblemRow {
                    row: if p.row == 0 {
                        String::new()
                    } else {
                        p.row.to_string()
                    },
                    column: p.column.clone().unwrap_or_default(),
                    message: p.message.clone(),
                })
                .collect(),
        })
        .collect();
    let (created, invalid) = (
        r.count("created") + r.count("exception"),
        r.count("invalid"),
    );
    Report {
        other: rows.len() - created - invalid,
        created,
        invalid,
        rows,
    }
}

#[derive(Template)]
#[template(path = "orders/import.html")]
struct ImportPage {
    ctx: PageContext,
    channels: Vec<Choice>,
    csv: String,
    report: Option<Report>,
    errors: FieldErrors,
}

async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    (channel, csv): (&str, String),
    (report, errors, status): (Option<Report>, FieldErrors, StatusCode),
) -> Response {
    let channels = match Channels::load(state, &user.actor, merchant).await {
        Ok(c) => c,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = ImportPage {
        channels: channels.choices(channel, None),
        csv,
        report,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The import form.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let shown = (None, FieldErrors::none(), StatusCode::OK);
    view(&state, &user, ctx, merchant, ("", String::new()), shown).await
}

/// Imports the file and shows the report.
pub(super) async fn submit(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = FormBody::parse(&body);
    let (channel, csv) = (form.value("channel_id"), form.value("csv"));
    let t = ctx.t.ord;
    let result = match channel.trim().parse::<ChannelId>() {
        Ok(id) => ord::import_csv(&state.app, &user.actor, merchant, id, csv.as_bytes()).await,
        Err(_) => Err(Error::Validation(vec![FieldError::new(
            "channel_id",
            "required",
            t.choose_channel,
        )])),
    };
    let shown = match result {
        Ok(r) => (Some(report(t, &r)), FieldErrors::none(), StatusCode::OK),
        Err(Error::Validation(fields)) => (
            None,
            FieldErrors::of(fields),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => return app_error(ctx, err),
    };
    view(&state, &user, ctx, merchant, (&channel, csv), shown).await
}

/// The template: the header and the sample rows, as CSV.
pub(super) async fn template(_user: ConsoleUser) -> Response {
    let rows = SAMPLE.split_once('\n').map_or("", |(_, rows)| rows);
    let body = format!("{TEMPLATE_HEADER}\n{rows}");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"orders-import.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}
