//! The review queue: products waiting for a decision, longest waiting first, each with
//! its level (k of N), submitter, submitted time and the automatic compliance findings,
//! and approve / reject-with-reason buttons. Refusals (deciding one's own submission, a
//! second level of a round one already approved, no `catalog.review`, no reason) come
//! back as pages with the reason, never a server error.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::catalog::review::{self, ReviewInput};
use omnihub_domain::catalog::{Decision, ProductId, ProductStatus};

use super::super::forms::{FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::choose_merchant;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Most products the queue page shows.
const QUEUE: u32 = 100;

/// A finding as shown.
pub struct FindingView {
    pub is_error: bool,
    pub field: String,
    pub message: String,
}

/// A queued product.
pub struct QueueRow {
    pub id: String,
    pub name: String,
    pub level: u8,
    pub level_text: String,
    pub submitter: String,
    pub submitted_at: String,
    pub findings: Vec<FindingView>,
}

#[derive(Template)]
#[template(path = "catalog/review.html")]
struct QueuePage {
    ctx: PageContext,
    queue: Vec<QueueRow>,
    notice: Option<&'static str>,
}

/// The queue.
pub(super) async fn queue_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let scope = review::QueueScope::All;
    let items =
        match review::review_queue(&state.app, &user.actor, merchant, scope, None, QUEUE).await {
            Ok(page) => page.items,
            Err(err) => return app_error(ctx, err),
        };
    let t = ctx.t;
    let queue = items
        .into_iter()
        .map(|item| {
            let p = item.product;
            let (level, levels) = match p.status {
                ProductStatus::InReview { level, of } => (level, of),
                _ => (0, 0),
            };
            QueueRow {
                id: p.id.to_string(),
                level,
                level_text: t
                    .cat_review_level
                    .replace("{level}", &level.to_string())
                    .replace("{of}", &levels.to_string()),
                submitter: item.submitter,
                submitted_at: p.submitted_at.map(when).unwrap_or_default(),
                findings: p
                    .findings
                    .into_iter()
                    .map(|f| FindingView {
                        is_error: f.severity == "error",
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
                name: p.name,
            }
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some("approved") => Some(t.notice_approved),
        Some("rejected") => Some(t.notice_rejected),
        _ => None,
    };
    let nonce = ctx.nonce.clone();
    render(StatusCode::OK, &nonce, &QueuePage { ctx, queue, notice })
}

/// Approves or rejects the level awaiting a decision.
pub(super) async fn decide(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let id: ProductId = match parse_id(&raw, "product") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let (decision, done) = match form.value("decision").as_str() {
        "approve" => (Decision::Approve, "approved"),
        "reject" => (Decision::Reject, "rejected"),
        _ => {
            let err = Error::invalid("decision", "invalid", "must be approve or reject");
            return app_error(ctx, err);
        }
    };
    let input = ReviewInput {
        level: form.value("level").trim().parse().unwrap_or(0),
        decision,
        reason: form.optional("reason"),
    };
    match review::decide(&state.app, &user.actor, merchant, id, input).await {
        Ok(_) => see_other(&format!("/admin/catalog/review?done={done}")),
        Err(err) => app_error(ctx, err),
    }
}
