//! Console pages for roles: built-in and custom roles with a create form, and a role's page
//! with its permissions and, for custom roles, the "request a permission change" form
//! (checkboxes of the merchant catalogue). Same use cases as `/api/v1/roles`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::access_requests::{self, RequestInput};
use omnihub_app::roles::{self, NewRoleInput, Role};
use omnihub_domain::access::Scope;
use omnihub_domain::roles::RoleId;

use super::forms::{FieldErrors, FormBody, PageQuery, app_error, notice, parse_id, see_other};
use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// One row of the role table.
pub struct RoleRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub scope: &'static str,
    pub built_in: bool,
    pub requires_mfa: bool,
    pub permissions: usize,
}

fn row(t: &super::Tr, r: &Role) -> RoleRow {
    RoleRow {
        id: r.id.to_string(),
        code: r.code.clone(),
        name: r.name.clone(),
        scope: match r.scope {
            Scope::Merchant => t.scope_merchant,
            Scope::Platform => t.scope_platform,
        },
        built_in: r.built_in,
        requires_mfa: r.requires_mfa,
        permissions: r.permissions.len(),
    }
}

#[derive(Template)]
#[template(path = "roles/list.html")]
struct ListPage {
    ctx: PageContext,
    roles: Vec<RoleRow>,
    can_create: bool,
    code: String,
    name: String,
    description: String,
    errors: FieldErrors,
}

#[derive(Default)]
struct Entered {
    code: String,
    name: String,
    description: String,
    errors: FieldErrors,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    entered: Entered,
    status: StatusCode,
) -> Response {
    let list = match roles::list(&state.app, &user.actor).await {
        Ok(list) => list,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t;
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        roles: list.iter().map(|r| row(t, r)).collect(),
        can_create: user.actor.merchant.is_some(),
        code: entered.code,
        name: entered.name,
        description: entered.description,
        errors: entered.errors,
        ctx,
    };
    render(status, &nonce, &page)
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    list_view(&state, &user, ctx, Entered::default(), StatusCode::OK).await
}

/// Creates a custom role (with no permissions: they come through a request).
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let form = FormBody::parse(&body);
    let input = NewRoleInput {
        code: form.value("code"),
        name: form.value("name"),
        description: form.value("description"),
        requires_mfa: form.checked("requires_mfa"),
        permissions: None,
        reason: None,
    };
    match roles::create(&state.app, &user.actor, input).await {
        Ok(created) => see_other(&format!("/admin/roles/{}?done=created", created.role.id)),
        Err(Error::Validation(fields)) => {
            let entered = Entered {
                code: form.value("code"),
                name: form.value("name"),
                description: form.value("description"),
                errors: FieldErrors::of(fields),
            };
            list_view(
                &state,
                &user,
                ctx,
                entered,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A permission of the catalogue, ticked when the role holds it.
pub struct PermissionCheck {
    pub code: &'static str,
    pub description: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "roles/detail.html")]
struct DetailPage {
    ctx: PageContext,
    role: RoleRow,
    description: String,
    held: Vec<PermissionCheck>,
    catalogue: Vec<PermissionCheck>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    id: RoleId,
    extra: (Option<&'static str>, FieldErrors),
    status: StatusCode,
) -> Response {
    let role = match roles::get(&state.app, &user.actor, id).await {
        Ok(role) => role,
        Err(err) => return app_error(ctx, err),
    };
    let check = |p: omnihub_domain::access::Permission| PermissionCheck {
        code: p.code(),
        description: p.description(),
        checked: role.permissions.contains(p),
    };
    // Custom roles carry merchant permissions only; built-in roles cannot change.
    let catalogue = if role.built_in {
        Vec::new()
    } else {
        roles::catalogue()
            .iter()
            .copied()
            .filter(|p| p.scope() == Scope::Merchant)
            .map(check)
            .collect()
    };
    let t = ctx.t;
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        held: role.permissions.iter().map(check).collect(),
        catalogue,
        role: row(t, &role),
        description: role.description.clone(),
        notice: extra.0,
        errors: extra.1,
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
    let id = match parse_id(&raw, "role") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let done = notice(ctx.t, query.done.as_deref());
    detail_view(
        &state,
        &user,
        ctx,
        id,
        (done, FieldErrors::none()),
        StatusCode::OK,
    )
    .await
}

/// Files a request to replace the role's permissions with the ticked ones.
pub(super) async fn request_permissions(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "role") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let input = RequestInput {
        kind: "set_role_permissions".into(),
        user_id: None,
        role_id: Some(id),
        permissions: Some(form.values("permission")),
        reason: form.optional("reason"),
    };
    match access_requests::create(&state.app, &user.actor, input).await {
        Ok(_) => see_other(&format!("/admin/roles/{id}?done=requested")),
        Err(Error::Validation(fields)) => {
            let extra = (None, FieldErrors::of(fields));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            detail_view(&state, &user, ctx, id, extra, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}
