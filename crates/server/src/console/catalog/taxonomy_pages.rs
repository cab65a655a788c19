//! Categories (an indented tree with create under a parent, rename, and move with the
//! cycle refusal shown on the page) and brands (list, create, rename).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::catalog::taxonomy;
use omnihub_domain::catalog::{BrandId, CategoryId};
use omnihub_domain::ids::MerchantId;

use super::super::forms::{FormBody, PageQuery, app_error, notice, parse_id, see_other};
use super::super::session::ConsoleUser;
use super::super::{PageContext, Tr, render};
use super::{Choice, Taxonomy, choose_merchant, indent, opt_id};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A category row of the tree.
pub struct CategoryRow {
    pub id: String,
    pub name: String,
    pub indent: String,
    pub depth: i64,
}

/// A brand row.
pub struct BrandRow {
    pub id: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "catalog/categories.html")]
struct CategoriesPage {
    ctx: PageContext,
    rows: Vec<CategoryRow>,
    parents: Vec<Choice>,
    movable: Vec<Choice>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "catalog/brands.html")]
struct BrandsPage {
    ctx: PageContext,
    rows: Vec<BrandRow>,
    notice: Option<&'static str>,
    errors: Vec<String>,
}

fn done(t: &'static Tr, done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("moved") => Some(t.cat_notice_moved),
        Some("renamed") => Some(t.cat_notice_renamed),
        other => notice(t, other),
    }
}

/// A refusal the page shows above its forms (validation or conflict), or `None` for
/// anything else (shown as an error page).
fn page_message(err: &Error) -> Option<(StatusCode, Vec<String>)> {
    match err {
        Error::Validation(fields) => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect(),
        )),
        Error::Conflict { message, .. } => Some((StatusCode::CONFLICT, vec![message.clone()])),
        _ => None,
    }
}

async fn categories_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    message: (Option<&'static str>, Vec<String>),
    status: StatusCode,
) -> Response {
    let tax = match Taxonomy::load(state, &user.actor, merchant).await {
        Ok(tax) => tax,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t;
    let rows = tax
        .categories
        .iter()
        .map(|c| CategoryRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            indent: indent(c.depth),
            depth: c.depth,
        })
        .collect();
    let mut movable = tax.category_choices("", "");
    movable.remove(0);
    let nonce = ctx.nonce.clone();
    let page = CategoriesPage {
        rows,
        parents: tax.category_choices("", t.cat_root),
        movable,
        notice: message.0,
        errors: message.1,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The category tree.
pub(super) async fn categories_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let n = done(ctx.t, query.done.as_deref());
    categories_view(
        &state,
        &user,
        ctx,
        merchant,
        (n, Vec::new()),
        StatusCode::OK,
    )
    .await
}

/// Which category form was posted.
enum CategoryAction {
    Create,
    Rename(String),
    Move,
}

async fn category_action(
    state: AppState,
    user: ConsoleUser,
    ctx: PageContext,
    action: CategoryAction,
    body: &[u8],
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = FormBody::parse(body);
    let (app, actor) = (&state.app, &user.actor);
    let result = match &action {
        CategoryAction::Create => {
            let parent = opt_id::<CategoryId>(Some(&form.value("parent_id")));
            taxonomy::create_category(app, actor, merchant, &form.value("name"), parent)
                .await
                .map(|_| "created")
        }
        CategoryAction::Rename(raw) => match parse_id::<CategoryId>(raw, "category") {
            Ok(id) => taxonomy::rename_category(app, actor, merchant, id, &form.value("name"))
                .await
                .map(|_| "renamed"),
            Err(err) => Err(err),
        },
        CategoryAction::Move => {
            match parse_id::<CategoryId>(&form.value("category_id"), "category") {
                Ok(id) => {
                    let parent = opt_id::<CategoryId>(Some(&form.value("parent_id")));
                    taxonomy::move_category(app, actor, merchant, id, parent)
                        .await
                        .map(|_| "moved")
                }
                Err(err) => Err(err),
            }
        }
    };
    match result {
        Ok(done) => see_other(&format!("/admin/catalog/categories?done={done}")),
        Err(err) => match page_message(&err) {
            Some((status, errors)) => {
                categories_view(&state, &user, ctx, merchant, (None, errors), status).await
            }
            None => app_error(ctx, err),
        },
    }
}

/// Creates a category.
pub(super) async fn create_category(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    category_action(state, user, ctx, CategoryAction::Create, &body).await
}

/// Renames a category.
pub(super) async fn rename_category(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    category_action(state, user, ctx, CategoryAction::Rename(raw), &body).await
}

/// Moves a category (with its subtree) under another parent.
pub(super) async fn move_category(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    category_action(state, user, ctx, CategoryAction::Move, &body).await
}

async fn brands_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    message: (Option<&'static str>, Vec<String>),
    status: StatusCode,
) -> Response {
    let brands = match taxonomy::list_brands(&state.app, &user.actor, merchant).await {
        Ok(brands) => brands,
        Err(err) => return app_error(ctx, err),
    };
    let rows = brands
        .into_iter()
        .map(|b| BrandRow {
            id: b.id.to_string(),
            name: b.name,
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = BrandsPage {
        rows,
        notice: message.0,
        errors: message.1,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The brand list.
pub(super) async fn brands_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let n = done(ctx.t, query.done.as_deref());
    brands_view(
        &state,
        &user,
        ctx,
        merchant,
        (n, Vec::new()),
        StatusCode::OK,
    )
    .await
}

async fn brand_action(
    state: AppState,
    user: ConsoleUser,
    ctx: PageContext,
    rename: Option<String>,
    body: &[u8],
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let name = FormBody::parse(body).value("name");
    let (app, actor) = (&state.app, &user.actor);
    let result = match rename {
        None => taxonomy::create_brand(app, actor, merchant, &name)
            .await
            .map(|_| "created"),
        Some(raw) => match parse_id::<BrandId>(&raw, "brand") {
            Ok(id) => taxonomy::update_brand(app, actor, merchant, id, &name)
                .await
                .map(|_| "renamed"),
            Err(err) => Err(err),
        },
    };
    match result {
        Ok(done) => see_other(&format!("/admin/catalog/brands?done={done}")),
        Err(err) => match page_message(&err) {
            Some((status, errors)) => {
                brands_view(&state, &user, ctx, merchant, (None, errors), status).await
            }
            None => app_error(ctx, err),
        },
    }
}

/// Creates a brand.
pub(super) async fn create_brand(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    brand_action(state, user, ctx, None, &body).await
}

/// Renames a brand.
pub(super) async fn rename_brand(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    brand_action(state, user, ctx, Some(raw), &body).await
}
