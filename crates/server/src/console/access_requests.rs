//! Console page for access change requests: the pending queue with approve and reject
//! buttons, and the history of decided requests. Same use cases as
//! `/api/v1/access-requests`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::access_requests::{self, AccessRequest};
use omnihub_domain::access_requests::{AccessRequestId, AccessRequestKind, RequestStatus};

use super::forms::{FormBody, PageQuery, app_error, notice, see_other, when};
use super::session::ConsoleUser;
use super::{PageContext, Tr, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

const PAGE: u32 = 100;

/// One request as shown.
pub struct RequestRow {
    pub id: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub approved: bool,
    pub user: String,
    pub role: String,
    pub permissions: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: String,
    pub decided_at: String,
    pub note: String,
}

fn row(t: &Tr, r: AccessRequest) -> RequestRow {
    RequestRow {
        id: r.id.to_string(),
        kind: match r.kind {
            AccessRequestKind::GrantRole => t.kind_grant_role,
            AccessRequestKind::RevokeRole => t.kind_revoke_role,
            AccessRequestKind::SetRolePermissions => t.kind_set_role_permissions,
        },
        status: match r.status {
            RequestStatus::Pending => t.status_pending,
            RequestStatus::Approved => t.status_approved,
            RequestStatus::Rejected => t.status_rejected,
        },
        approved: r.status == RequestStatus::Approved,
        user: r.target_user.map(|u| u.email).unwrap_or_default(),
        role: r
            .role
            .map(|role| format!("{} ({})", role.name, role.code))
            .unwrap_or_default(),
        permissions: r.permissions.map(|p| p.join(", ")).unwrap_or_default(),
        reason: r.reason.unwrap_or_default(),
        requested_by: r.requested_by.email,
        requested_at: when(r.requested_at),
        decided_by: r.decided_by.map(|u| u.email).unwrap_or_default(),
        decided_at: r.decided_at.map(when).unwrap_or_default(),
        note: r.decision_note.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "access_requests/list.html")]
struct ListPage {
    ctx: PageContext,
    pending: Vec<RequestRow>,
    history: Vec<RequestRow>,
    notice: Option<&'static str>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let app = &state.app;
    let pending = access_requests::list(app, &user.actor, Some("pending"), None, PAGE).await;
    let history = access_requests::list(app, &user.actor, None, None, PAGE).await;
    let (pending, history) = match (pending, history) {
        (Ok(p), Ok(h)) => (p, h),
        (Err(err), _) | (_, Err(err)) => return app_error(ctx, err),
    };
    let t = ctx.t;
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        pending: pending.into_iter().map(|r| row(t, r)).collect(),
        history: history
            .into_iter()
            .filter(|r| r.status != RequestStatus::Pending)
            .map(|r| row(t, r))
            .collect(),
        notice: notice(t, query.done.as_deref()),
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

async fn decide(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    raw: &str,
    body: &[u8],
    approve: bool,
) -> Response {
    let Ok(id) = raw.parse::<AccessRequestId>() else {
        return app_error(
            ctx,
            Error::NotFound {
                entity: "access request",
            },
        );
    };
    let note = FormBody::parse(body).optional("note");
    let result = if approve {
        access_requests::approve(&state.app, &user.actor, id, note.as_deref()).await
    } else {
        access_requests::reject(&state.app, &user.actor, id, note.as_deref()).await
    };
    match result {
        Ok(_) if approve => see_other("/admin/access-requests?done=approved"),
        Ok(_) => see_other("/admin/access-requests?done=rejected"),
        Err(err) => app_error(ctx, err),
    }
}

pub(super) async fn approve(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    decide(&state, &user, ctx, &raw, &body, true).await
}

pub(super) async fn reject(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    decide(&state, &user, ctx, &raw, &body, false).await
}
