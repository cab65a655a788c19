//! The product editor: a new product (SKUs generated from its options with a code prefix,
//! price, cost and weight), and an existing one with its fields, an inline-editable SKU
//! table, "add SKU", the status actions (submit for review, list, delist), the current
//! round's compliance findings and the review log. Refusals keep what was typed and show
//! each message beside its input (422).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::catalog::{self, Product};
use omnihub_domain::catalog::{ProductId, SkuId};
use omnihub_domain::ids::MerchantId;

use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::editor_form::{ProductForm, SkuForm, new_product_errors, product_errors, sku_errors};
use super::{Choice, Taxonomy, choose_merchant, status_class, status_text};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A stored product's header: status and which actions apply.
pub struct ProductInfo {
    pub id: String,
    pub status: String,
    pub status_code: &'static str,
    pub status_class: &'static str,
    pub version: i64,
    pub can_submit: bool,
    pub can_list: bool,
    pub can_delist: bool,
}

/// A compliance finding as shown.
pub struct FindingView {
    pub is_error: bool,
    pub field: String,
    pub message: String,
}

/// A review log entry as shown.
pub struct ReviewView {
    pub when: String,
    pub action: String,
    pub level: i64,
    pub who: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "catalog/editor.html")]
struct EditorPage {
    ctx: PageContext,
    product: Option<ProductInfo>,
    form: ProductForm,
    brands: Vec<Choice>,
    categories: Vec<Choice>,
    errors: FieldErrors,
    other_errors: Vec<String>,
    skus: Vec<SkuForm>,
    sku_errors: FieldErrors,
    failed_sku: String,
    new_sku: SkuForm,
    findings: Vec<FindingView>,
    reviews: Vec<ReviewView>,
    notice: Option<&'static str>,
}

/// What a re-render shows on top of the stored product.
#[derive(Default)]
struct Overlay {
    form: Option<ProductForm>,
    errors: FieldErrors,
    other_errors: Vec<String>,
    sku: Option<(SkuForm, FieldErrors)>,
    notice: Option<&'static str>,
}

fn notice(t: &'static super::Tr, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => t.notice_created,
        "saved" => t.cat_notice_saved,
        "submit" => t.cat_notice_submitted,
        "list" => t.cat_notice_listed,
        "delist" => t.cat_notice_delisted,
        _ => return None,
    })
}

fn info(t: &super::Tr, p: &Product) -> ProductInfo {
    let code = p.status.code();
    ProductInfo {
        id: p.id.to_string(),
        status: status_text(t, p.status),
        status_code: code,
        status_class: status_class(code),
        version: p.version,
        can_submit: matches!(code, "draft" | "rejected"),
        can_list: matches!(code, "approved" | "delisted"),
        can_delist: code == "listed",
    }
}

fn findings(p: &Product) -> Vec<FindingView> {
    p.findings
        .iter()
        .map(|f| FindingView {
            is_error: f.severity == "error",
            field: f.field.clone(),
            message: f.message.clone(),
        })
        .collect()
}

/// The empty editor for a new product.
pub(super) async fn new_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    new_view(
        &state,
        &user,
        ctx,
        merchant,
        Overlay::default(),
        StatusCode::OK,
    )
    .await
}

async fn new_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    overlay: Overlay,
    status: StatusCode,
) -> Response {
    let tax = match Taxonomy::load(state, &user.actor, merchant).await {
        Ok(tax) => tax,
        Err(err) => return app_error(ctx, err),
    };
    let form = overlay.form.unwrap_or_default();
    let none = ctx.t.cat_none;
    let nonce = ctx.nonce.clone();
    let page = EditorPage {
        product: None,
        brands: tax.brand_choices(&form.brand, none),
        categories: tax.category_choices(&form.category, none),
        form,
        errors: overlay.errors,
        other_errors: overlay.other_errors,
        skus: Vec::new(),
        sku_errors: FieldErrors::none(),
        failed_sku: String::new(),
        new_sku: SkuForm::default(),
        findings: Vec::new(),
        reviews: Vec::new(),
        notice: None,
        ctx,
    };
    render(status, &nonce, &page)
}

/// Creates a draft product with generated SKUs.
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = ProductForm::from_body(&FormBody::parse(&body));
    match catalog::create(&state.app, &user.actor, merchant, form.input()).await {
        Ok(p) => see_other(&format!("/admin/catalog/products/{}?done=created", p.id)),
        Err(Error::Validation(fields)) => {
            let (errors, other_errors) = new_product_errors(fields);
            let overlay = Overlay {
                form: Some(form),
                errors,
                other_errors,
                ..Overlay::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            new_view(&state, &user, ctx, merchant, overlay, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

async fn edit_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (merchant, id): (MerchantId, ProductId),
    overlay: Overlay,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let product = catalog::get(&state.app, &user.actor, merchant, id).await?;
        let tax = Taxonomy::load(state, &user.actor, merchant).await?;
        let log = catalog::reviews(&state.app, &user.actor, merchant, id).await?;
        Ok::<_, Error>((product, tax, log))
    };
    let (product, tax, log) = match loaded.await {
        Ok(found) => found,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t;
    let form = overlay
        .form
        .unwrap_or_else(|| ProductForm::from_product(&product));
    let (failed, sku_errors) = overlay.sku.unwrap_or_default();
    let mut skus: Vec<SkuForm> = product.skus.iter().map(SkuForm::from_sku).collect();
    if let Some(row) = skus.iter_mut().find(|s| s.id == failed.id) {
        *row = failed.clone();
    }
    let reviews = log
        .into_iter()
        .rev()
        .map(|r| ReviewView {
            when: when(r.created_at),
            action: r.action,
            level: r.level,
            who: r.actor_label,
            reason: r.reason.unwrap_or_default(),
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = EditorPage {
        product: Some(info(t, &product)),
        brands: tax.brand_choices(&form.brand, t.cat_none),
        categories: tax.category_choices(&form.category, t.cat_none),
        form,
        errors: overlay.errors,
        other_errors: overlay.other_errors,
        skus,
        sku_errors,
        new_sku: if failed.id == "new" {
            failed.clone()
        } else {
            SkuForm::default()
        },
        failed_sku: failed.id,
        findings: findings(&product),
        reviews,
        notice: overlay.notice,
        ctx,
    };
    render(status, &nonce, &page)
}

/// Resolves the merchant and the product id of the path, or the page saying why not.
fn target(user: &ConsoleUser, raw: &str) -> Result<(MerchantId, ProductId), Option<Error>> {
    let merchant = user.actor.merchant.ok_or(None)?;
    let id = parse_id(raw, "product").map_err(Some)?;
    Ok((merchant, id))
}

fn refused(ctx: PageContext, why: Option<Error>) -> Response {
    match why {
        Some(err) => app_error(ctx, err),
        None => choose_merchant(ctx),
    }
}

/// The editor of a stored product.
pub(super) async fn edit_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let at = match target(&user, &raw) {
        Ok(at) => at,
        Err(why) => return refused(ctx, why),
    };
    let overlay = Overlay {
        notice: notice(ctx.t, query.done.as_deref()),
        ..Overlay::default()
    };
    edit_view(&state, &user, ctx, at, overlay, StatusCode::OK).await
}

/// Saves the product's own fields.
pub(super) async fn update(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &raw) {
        Ok(at) => at,
        Err(why) => return refused(ctx, why),
    };
    let form = ProductForm::from_body(&FormBody::parse(&body));
    let result = async {
        let current = catalog::get(&state.app, &user.actor, merchant, id).await?;
        catalog::update(&state.app, &user.actor, merchant, id, form.patch(&current)).await
    };
    match result.await {
        Ok(p) => see_other(&format!("/admin/catalog/products/{}?done=saved", p.id)),
        Err(Error::Validation(fields)) => {
            let (errors, other_errors) = product_errors(fields);
            let overlay = Overlay {
                form: Some(form),
                errors,
                other_errors,
                ..Overlay::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            edit_view(&state, &user, ctx, (merchant, id), overlay, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Adds a SKU.
pub(super) async fn add_sku(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &raw) {
        Ok(at) => at,
        Err(why) => return refused(ctx, why),
    };
    let sku = SkuForm::from_body("new", &FormBody::parse(&body));
    let result = catalog::add_sku(&state.app, &user.actor, merchant, id, sku.input()).await;
    sku_outcome(&state, &user, ctx, (merchant, id), sku, result).await
}

/// Saves a SKU row of the inline editor.
pub(super) async fn update_sku(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, raw_sku)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &raw) {
        Ok(at) => at,
        Err(why) => return refused(ctx, why),
    };
    let sku_id: SkuId = match parse_id(&raw_sku, "sku") {
        Ok(s) => s,
        Err(err) => return app_error(ctx, err),
    };
    let sku = SkuForm::from_body(&raw_sku, &FormBody::parse(&body));
    let patch = sku.patch();
    let result = catalog::update_sku(&state.app, &user.actor, merchant, id, sku_id, patch).await;
    sku_outcome(&state, &user, ctx, (merchant, id), sku, result).await
}

async fn sku_outcome(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    at: (MerchantId, ProductId),
    sku: SkuForm,
    result: Result<Product, Error>,
) -> Response {
    match result {
        Ok(p) => see_other(&format!("/admin/catalog/products/{}?done=saved", p.id)),
        Err(Error::Validation(fields)) => {
            let (errors, other_errors) = sku_errors(fields);
            let overlay = Overlay {
                sku: Some((sku, errors)),
                other_errors,
                ..Overlay::default()
            };
            edit_view(
                state,
                user,
                ctx,
                at,
                overlay,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Submits for review, lists or delists.
pub(super) async fn change_status(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, action)): Path<(String, String)>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &raw) {
        Ok(at) => at,
        Err(why) => return refused(ctx, why),
    };
    let (app, actor) = (&state.app, &user.actor);
    let result = match action.as_str() {
        "submit" => catalog::submit(app, actor, merchant, id).await,
        "list" => catalog::list_for_sale(app, actor, merchant, id).await,
        "delist" => catalog::delist(app, actor, merchant, id).await,
        _ => Err(Error::NotFound { entity: "action" }),
    };
    match result {
        Ok(p) => see_other(&format!("/admin/catalog/products/{}?done={action}", p.id)),
        Err(Error::Validation(fields)) => {
            let (errors, other_errors) = product_errors(fields);
            let overlay = Overlay {
                errors,
                other_errors,
                ..Overlay::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            edit_view(&state, &user, ctx, (merchant, id), overlay, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}
