//! Console page for the channel outbox (issue 7, CH-3): the merchant's push-back events
//! with a status filter, the last error of each, and a retry button (htmx: the row is
//! replaced in place) for dead ones. Calls `omnihub_app::outbox`, the same use cases as
//! `/api/v1/outbox`, in the merchant the user acts in.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use omnihub_app::outbox::{self, OutboxEvent, OutboxQuery};
use omnihub_domain::channels::push::{PushKind, PushStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::channels::Opt;
use super::forms::{app_error, parse_id, see_other};
use super::i18n::OutboxTr;
use super::inventory::wants_partial;
use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The outbox routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(list_page))
        .route("/outbox/{id}/retry", post(retry))
}

/// A row of the event list.
pub struct Row {
    pub id: String,
    pub order_id: String,
    pub order_short: String,
    pub kind: &'static str,
    pub method: &'static str,
    pub path: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub status_class: &'static str,
    pub dead: bool,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

fn when(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn status_label(t: &OutboxTr, s: PushStatus) -> &'static str {
    match s {
        PushStatus::Pending => t.status_pending,
        PushStatus::Delivered => t.status_delivered,
        PushStatus::Dead => t.status_dead,
    }
}

impl Row {
    fn new(e: OutboxEvent, t: &OutboxTr) -> Self {
        let order = e.order_id.to_string();
        Self {
            id: e.id.to_string(),
            order_short: order
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            order_id: order,
            kind: match e.kind {
                PushKind::Fulfilment => t.kind_fulfilment,
                PushKind::Tracking => t.kind_tracking,
                PushKind::Cancellation => t.kind_cancellation,
            },
            method: e.request.method.code(),
            path: e.request.path,
            status: status_label(t, e.status),
            status_code: e.status.code(),
            status_class: match e.status {
                PushStatus::Pending => "muted",
                PushStatus::Delivered => "ok",
                PushStatus::Dead => "warn",
            },
            dead: e.status == PushStatus::Dead,
            attempts: e.attempts,
            next_attempt_at: if e.status == PushStatus::Pending {
                when(e.next_attempt_at)
            } else {
                String::new()
            },
            last_error: e.last_error,
            created_at: when(e.created_at),
            delivered_at: e.delivered_at.map(when),
        }
    }
}

#[derive(Template)]
#[template(path = "outbox/list.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<Row>,
    statuses: Vec<Opt>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "outbox/row_partial.html")]
struct RowPartial {
    ctx: PageContext,
    r: Row,
}

/// Filters of the event list.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListFilter {
    status: Option<String>,
    cursor: Option<String>,
}

/// `GET /admin/outbox`.
async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(f): ApiQuery<ListFilter>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return super::catalog::choose_merchant(ctx);
    };
    let status = f.status.filter(|s| !s.trim().is_empty());
    let q = OutboxQuery {
        status: status.clone(),
        cursor: f.cursor,
        limit: Some(50),
        ..OutboxQuery::default()
    };
    let page = match outbox::list_events(&state.app, &user.actor, merchant, q).await {
        Ok(page) => page,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.ob;
    let selected = status.as_deref().unwrap_or_default();
    let mut statuses = vec![Opt {
        value: String::new(),
        label: t.all.to_owned(),
        selected: selected.is_empty(),
    }];
    statuses.extend(PushStatus::ALL.iter().map(|s| Opt {
        value: s.code().to_owned(),
        label: status_label(t, *s).to_owned(),
        selected: s.code() == selected,
    }));
    let next = page
        .next_cursor
        .map(|c| format!("/admin/outbox?status={selected}&cursor={c}"));
    let rows = page.items.into_iter().map(|e| Row::new(e, t)).collect();
    let nonce = ctx.nonce.clone();
    render(
        StatusCode::OK,
        &nonce,
        &ListPage {
            ctx,
            rows,
            statuses,
            next,
        },
    )
}

/// `POST /admin/outbox/{id}/retry`: the row as it is now for htmx, else back to the list.
async fn retry(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return super::catalog::choose_merchant(ctx);
    };
    let result = match parse_id::<Uuid>(&raw, "outbox event") {
        Ok(id) => outbox::retry_event(&state.app, &user.actor, merchant, id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(event) if wants_partial(&headers) => {
            let r = Row::new(event, ctx.t.ob);
            let nonce = ctx.nonce.clone();
            render(StatusCode::OK, &nonce, &RowPartial { ctx, r })
        }
        Ok(_) => see_other("/admin/outbox"),
        Err(err) => app_error(ctx, err),
    }
}
