//! CSV import with its row-by-row report. The CSV is posted as form text: pasted, or read
//! from a chosen file into the same textarea by console.js, so the upload is an ordinary
//! CSRF-checked form (no multipart parsing). The size bound is the server's body limit
//! (2 MiB by default) when the browser posts through htmx with the CSRF header, and the
//! CSRF check's 256 KiB when it posts a plain form (no JavaScript). Bigger files go through
//! `omnihub import` or the API. Export lives with the product list, which owns the filters
//! it carries.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::catalog::transfer::{ImportMode, ImportReport, RowError, import_csv};

use super::super::forms::{FormBody, app_error};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::choose_merchant;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "catalog/import.html")]
struct ImportPage {
    ctx: PageContext,
    csv: String,
    partial: bool,
    report: Option<ImportReport>,
    empty: bool,
}

impl ImportPage {
    /// The report's errors, or none.
    fn errors(&self) -> &[RowError] {
        self.report.as_ref().map_or(&[], |r| r.errors.as_slice())
    }
}

/// The import form.
pub(super) async fn import_page(user: ConsoleUser, ctx: PageContext) -> Response {
    let ctx = ctx.signed_in(&user);
    if user.actor.merchant.is_none() {
        return choose_merchant(ctx);
    }
    let nonce = ctx.nonce.clone();
    let page = ImportPage {
        ctx,
        csv: String::new(),
        partial: false,
        report: None,
        empty: false,
    };
    render(StatusCode::OK, &nonce, &page)
}

/// Runs an import and shows its report (422 when rows were refused).
pub(super) async fn import_submit(
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
    let csv = form.value("csv");
    let partial = form.value("mode") == "partial";
    let nonce = ctx.nonce.clone();
    if csv.trim().is_empty() {
        let page = ImportPage {
            ctx,
            csv,
            partial,
            report: None,
            empty: true,
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &nonce, &page);
    }
    let mode = if partial {
        ImportMode::Partial
    } else {
        ImportMode::AllOrNothing
    };
    match import_csv(&state.app, &user.actor, merchant, csv.as_bytes(), mode).await {
        Ok(report) => {
            let status = if report.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = ImportPage {
                ctx,
                csv,
                partial,
                report: Some(report),
                empty: false,
            };
            render(status, &nonce, &page)
        }
        Err(err) => app_error(ctx, err),
    }
}
