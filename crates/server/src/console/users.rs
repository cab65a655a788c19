//! Console pages for staff users: the list with a create form, and a user's page with
//! their roles, effective permissions, disable/enable and the "request a role" forms. The
//! handlers call the same use cases as `/api/v1/users` and `/api/v1/access-requests`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::access_requests::{self, RequestInput};
use omnihub_app::users::{self, ManagedUser, NewUserInput};
use omnihub_app::{Error, roles};
use omnihub_domain::ids::UserId;
use omnihub_domain::users::UserStatus;

use super::forms::{
    FieldErrors, FormBody, PageQuery, app_error, notice, parse_id, see_other, when,
};
use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

const PAGE: u32 = 100;

/// One row of the user table.
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub status: &'static str,
    pub active: bool,
    pub mfa_enabled: bool,
    pub created_at: String,
}

fn row(t: &super::Tr, u: ManagedUser) -> UserRow {
    UserRow {
        id: u.id.to_string(),
        status: match u.status {
            UserStatus::Active => t.status_active,
            UserStatus::Disabled => t.status_disabled,
        },
        active: u.status == UserStatus::Active,
        email: u.email,
        display_name: u.display_name,
        mfa_enabled: u.mfa_enabled,
        created_at: when(u.created_at),
    }
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: PageContext,
    platform: bool,
    users: Vec<UserRow>,
    next_cursor: Option<String>,
    email: String,
    display_name: String,
    errors: FieldErrors,
}

/// The values a failed create form is shown again with.
#[derive(Default)]
struct Entered {
    email: String,
    display_name: String,
    errors: FieldErrors,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    cursor: Option<&str>,
    entered: Entered,
    status: StatusCode,
) -> Response {
    let after = cursor.and_then(|c| c.parse::<UserId>().ok());
    let list = match users::list(&state.app, &user.actor, after, PAGE).await {
        Ok(list) => list,
        Err(err) => return app_error(ctx, err),
    };
    let next_cursor = (list.len() == PAGE as usize)
        .then(|| list.last().map(|u| u.id.to_string()))
        .flatten();
    let t = ctx.t;
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        platform: user.actor.merchant.is_none(),
        users: list.into_iter().map(|u| row(t, u)).collect(),
        next_cursor,
        email: entered.email,
        display_name: entered.display_name,
        errors: entered.errors,
        ctx,
    };
    render(status, &nonce, &page)
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let cursor = query.cursor.as_deref();
    list_view(
        &state,
        &user,
        ctx,
        cursor,
        Entered::default(),
        StatusCode::OK,
    )
    .await
}

/// Creates a user; a generated one-time password is shown once, on the user's page.
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let form = FormBody::parse(&body);
    let input = NewUserInput {
        email: form.value("email"),
        display_name: form.value("display_name"),
        password: form.optional("password"),
    };
    match users::create(&state.app, &user.actor, input).await {
        Ok(created) => match created.initial_password {
            Some(password) => {
                let extra = Extra {
                    initial_password: Some(password),
                    ..Extra::default()
                };
                detail_view(
                    &state,
                    &user,
                    ctx,
                    created.user.id,
                    extra,
                    StatusCode::CREATED,
                )
                .await
            }
            None => see_other(&format!("/admin/users/{}?done=created", created.user.id)),
        },
        Err(Error::Validation(fields)) => {
            let entered = Entered {
                email: form.value("email"),
                display_name: form.value("display_name"),
                errors: FieldErrors::of(fields),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            list_view(&state, &user, ctx, None, entered, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A role the user holds.
pub struct HeldRole {
    pub id: String,
    pub code: String,
    pub name: String,
    pub built_in: bool,
}

/// A role that can be requested for the user.
pub struct RoleOption {
    pub id: String,
    pub label: String,
}

/// A permission with its description.
pub struct PermissionRow {
    pub code: &'static str,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "users/detail.html")]
struct DetailPage {
    ctx: PageContext,
    user: UserRow,
    is_self: bool,
    roles: Vec<HeldRole>,
    permissions: Vec<PermissionRow>,
    options: Vec<RoleOption>,
    initial_password: Option<String>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

#[derive(Default)]
struct Extra {
    initial_password: Option<String>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    id: UserId,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let detail = match users::get(&state.app, &user.actor, id).await {
        Ok(detail) => detail,
        Err(err) => return app_error(ctx, err),
    };
    let tenant = detail.user.merchant;
    let assignable = roles::list_for_tenant(&state.app, &user.actor, tenant)
        .await
        .unwrap_or_default();
    let options = assignable
        .into_iter()
        .filter(|r| !detail.roles.iter().any(|held| held.id == r.id))
        .map(|r| RoleOption {
            id: r.id.to_string(),
            label: format!("{} ({})", r.name, r.code),
        })
        .collect();
    let t = ctx.t;
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        is_self: user.user.id == id,
        roles: detail
            .roles
            .into_iter()
            .map(|r| HeldRole {
                id: r.id.to_string(),
                code: r.code,
                name: r.name,
                built_in: r.built_in,
            })
            .collect(),
        permissions: detail
            .permissions
            .iter()
            .map(|p| PermissionRow {
                code: p.code(),
                description: p.description(),
            })
            .collect(),
        options,
        user: row(t, detail.user),
        initial_password: extra.initial_password,
        notice: extra.notice,
        errors: extra.errors,
        ctx,
    };
    render(status, &nonce, &page)
}

pub(super) async fn detail(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "user") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let extra = Extra {
        notice: notice(ctx.t, query.done.as_deref()),
        ..Extra::default()
    };
    detail_view(&state, &user, ctx, id, extra, StatusCode::OK).await
}

pub(super) async fn disable(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "user") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    match users::disable(&state.app, &user.actor, id).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?done=disabled")),
        Err(err) => app_error(ctx, err),
    }
}

pub(super) async fn enable(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "user") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    match users::enable(&state.app, &user.actor, id).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?done=enabled")),
        Err(err) => app_error(ctx, err),
    }
}

/// Files a request to grant or revoke a role of the user.
pub(super) async fn request_role(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "user") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let input = RequestInput {
        kind: form.value("kind"),
        user_id: Some(id),
        role_id: form.value("role_id").parse().ok(),
        permissions: None,
        reason: form.optional("reason"),
    };
    match access_requests::create(&state.app, &user.actor, input).await {
        Ok(_) => see_other(&format!("/admin/users/{id}?done=requested")),
        Err(Error::Validation(fields)) => {
            let extra = Extra {
                errors: FieldErrors::of(fields),
                ..Extra::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_view(&state, &user, ctx, id, extra, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}
