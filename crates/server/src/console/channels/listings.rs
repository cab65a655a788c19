//! A channel's listings page: search, add a SKU by code with its channel-side ids and
//! price (field errors beside the inputs), edit a row inline, remove a row.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::channels::{self, ListingInput, ListingPatch, ListingQuery, PriceInput};
use omnihub_domain::channels::{ChannelId, ChannelListingId};
use omnihub_domain::ids::MerchantId;
use serde::Deserialize;

use super::super::forms::{FieldErrors, FormBody, app_error, parse_id, see_other};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::target;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A listing row.
pub struct Row {
    pub id: String,
    pub sku_code: String,
    pub external_sku: String,
    pub product_id: String,
    pub variant_id: String,
    pub price: String,
    pub active: bool,
}

/// The add form's values as entered.
#[derive(Debug, Default, Clone)]
pub struct AddForm {
    pub sku_code: String,
    pub external_sku: String,
    pub product_id: String,
    pub variant_id: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "channels/listings.html")]
struct ListingsPage {
    ctx: PageContext,
    channel_id: String,
    channel_name: String,
    currency: String,
    rows: Vec<Row>,
    q: String,
    next: Option<String>,
    notice: Option<&'static str>,
    add: AddForm,
    errors: FieldErrors,
}

/// `?q=&cursor=&done=`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Query {
    q: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

fn blank(s: String) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn price(raw: String) -> Option<PriceInput> {
    blank(raw).map(|amount| PriceInput {
        amount,
        currency: None,
    })
}

async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (merchant, id): (MerchantId, ChannelId),
    q: Query,
    entered: Option<(AddForm, FieldErrors)>,
    status: StatusCode,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let search = q.q.unwrap_or_default();
    let query = ListingQuery {
        q: blank(search.clone()),
        cursor: q.cursor,
        limit: Some(50),
        ..ListingQuery::default()
    };
    let loaded = match channels::get_channel(app, actor, merchant, id).await {
        Ok(c) => channels::list_listings(app, actor, merchant, id, query)
            .await
            .map(|p| (c, p)),
        Err(e) => Err(e),
    };
    let (c, page) = match loaded {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let text = |e: &Option<omnihub_domain::channels::ExternalId>| {
        e.as_ref().map(ToString::to_string).unwrap_or_default()
    };
    let rows = page
        .items
        .iter()
        .map(|l| Row {
            id: l.id.to_string(),
            sku_code: l.sku_code.clone(),
            external_sku: text(&l.external.sku),
            product_id: text(&l.external.product_id),
            variant_id: text(&l.external.variant_id),
            price: l
                .price_override
                .map(|m| m.amount_text())
                .unwrap_or_default(),
            active: l.active,
        })
        .collect();
    let t = ctx.t.ch;
    let notice = match q.done.as_deref() {
        Some("saved") => Some(t.notice_saved),
        Some("removed") => Some(t.notice_removed),
        _ => None,
    };
    let (add, errors) = entered.unwrap_or_default();
    let next = page
        .next_cursor
        .map(|cur| format!("/admin/channels/{id}/listings?cursor={cur}"));
    let nonce = ctx.nonce.clone();
    let page = ListingsPage {
        channel_id: id.to_string(),
        channel_name: c.name.to_string(),
        currency: c.currency.as_ref().to_owned(),
        rows,
        q: search,
        next,
        notice,
        add,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The listings page.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<Query>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    match target(&user, &ctx, &raw) {
        Ok(t) => view(&state, &user, ctx, t, q, None, StatusCode::OK).await,
        Err(page) => *page,
    }
}

/// Lists a SKU on the channel.
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let f = FormBody::parse(&body);
    let add = AddForm {
        sku_code: f.value("sku_code"),
        external_sku: f.value("external_sku"),
        product_id: f.value("external_product_id"),
        variant_id: f.value("external_variant_id"),
        price: f.value("price"),
    };
    let input = ListingInput {
        sku_code: blank(add.sku_code.clone()),
        external_sku: blank(add.external_sku.clone()),
        external_product_id: blank(add.product_id.clone()),
        external_variant_id: blank(add.variant_id.clone()),
        price_override: price(add.price.clone()),
        ..ListingInput::default()
    };
    match channels::create_listing(&state.app, &user.actor, merchant, id, input).await {
        Ok(_) => see_other(&format!("/admin/channels/{id}/listings?done=saved")),
        Err(Error::Validation(fields)) => {
            let entered = Some((add, FieldErrors::of(fields)));
            view(
                &state,
                &user,
                ctx,
                (merchant, id),
                Query::default(),
                entered,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Saves a row's edits (blank fields clear them; the checkbox sets active).
pub(super) async fn update(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, listing)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let f = FormBody::parse(&body);
    let patch = ListingPatch {
        external_sku: Some(f.optional("external_sku")),
        external_product_id: Some(f.optional("external_product_id")),
        external_variant_id: Some(f.optional("external_variant_id")),
        price_override: Some(price(f.value("price"))),
        active: Some(f.checked("active")),
    };
    let result = match parse_id::<ChannelListingId>(&listing, "listing") {
        Ok(lid) => {
            channels::update_listing(&state.app, &user.actor, merchant, id, lid, patch).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other(&format!("/admin/channels/{id}/listings?done=saved")),
        Err(Error::Validation(fields)) => {
            let entered = Some((AddForm::default(), FieldErrors::of(fields)));
            view(
                &state,
                &user,
                ctx,
                (merchant, id),
                Query::default(),
                entered,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Removes a row.
pub(super) async fn remove(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, listing)): Path<(String, String)>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let result = match parse_id::<ChannelListingId>(&listing, "listing") {
        Ok(lid) => channels::delete_listing(&state.app, &user.actor, merchant, id, lid).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/admin/channels/{id}/listings?done=removed")),
        Err(err) => app_error(ctx, err),
    }
}
