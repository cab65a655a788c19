//! Console pages for channels (issue 6, CH-1 and CAT-5): the channel list with filters,
//! the new-channel form, the channel page (settings with inline errors, status moves,
//! credentials status and rotation with a new secret shown once, linked locations) and
//! each channel's listings. Every page calls `omnihub_app::channels`, the same use cases
//! as `/api/v1/channels`, in the merchant the user acts in.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use omnihub_app::Error;
use omnihub_app::channels::{self, Channel, ChannelInput, ChannelPatch, ChannelQuery};
use omnihub_domain::channels::{ChannelId, ChannelKind, ChannelPlatform, ChannelStatus};
use omnihub_domain::ids::MerchantId;
use serde::Deserialize;

use super::forms::{FieldErrors, FormBody, app_error, parse_id};
use super::i18n::ChannelsTr;
use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

mod detail;
mod listings;

/// The channel routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/channels", get(list_page).post(create))
        .route("/channels/new", get(new_page))
        .route("/channels/{id}", get(detail::page).post(detail::update))
        .route(
            "/channels/{id}/status/{action}",
            post(detail::change_status),
        )
        .route("/channels/{id}/credentials", post(detail::rotate))
        .route("/channels/{id}/locations", post(detail::add_location))
        .route(
            "/channels/{id}/locations/{location}",
            post(detail::set_priority),
        )
        .route(
            "/channels/{id}/locations/{location}/remove",
            post(detail::remove_location),
        )
        .route(
            "/channels/{id}/listings",
            get(listings::page).post(listings::create),
        )
        .route("/channels/{id}/listings/{listing}", post(listings::update))
        .route(
            "/channels/{id}/listings/{listing}/remove",
            post(listings::remove),
        )
}

/// The signed-in user's merchant and the channel id of the path, or the page to show
/// instead (boxed: a response is large).
pub(super) fn target(
    user: &ConsoleUser,
    ctx: &PageContext,
    raw: &str,
) -> Result<(MerchantId, ChannelId), Box<Response>> {
    let Some(merchant) = user.actor.merchant else {
        return Err(Box::new(super::catalog::choose_merchant(ctx.clone())));
    };
    parse_id::<ChannelId>(raw, "channel")
        .map(|id| (merchant, id))
        .map_err(|e| Box::new(app_error(ctx.clone(), e)))
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(super) fn status_label(t: &ChannelsTr, s: ChannelStatus) -> &'static str {
    match s {
        ChannelStatus::Active => t.status_active,
        ChannelStatus::Paused => t.status_paused,
        ChannelStatus::Archived => t.status_archived,
    }
}

pub(super) fn kind_label(t: &ChannelsTr, k: ChannelKind) -> &'static str {
    match k {
        ChannelKind::OwnStore => t.kind_own_store,
        ChannelKind::App => t.kind_app,
        ChannelKind::Marketplace => t.kind_marketplace,
        ChannelKind::Social => t.kind_social,
        ChannelKind::PhysicalStore => t.kind_physical_store,
        ChannelKind::Dealer => t.kind_dealer,
    }
}

pub(super) fn platform_label(t: &ChannelsTr, p: ChannelPlatform) -> &'static str {
    match p {
        ChannelPlatform::Api => t.platform_api,
        ChannelPlatform::Shopify => t.platform_shopify,
        ChannelPlatform::Woocommerce => t.platform_woocommerce,
        ChannelPlatform::Csv => t.platform_csv,
        ChannelPlatform::Manual => t.platform_manual,
    }
}

fn opts<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
    any: Option<&str>,
) -> Vec<Opt> {
    let mut out: Vec<Opt> = any
        .map(|a| Opt {
            value: String::new(),
            label: a.to_owned(),
            selected: selected.is_empty(),
        })
        .into_iter()
        .collect();
    out.extend(all.iter().map(|v| Opt {
        value: code(*v).to_owned(),
        label: label(*v).to_owned(),
        selected: code(*v) == selected,
    }));
    out
}

pub(super) fn kind_opts(t: &ChannelsTr, selected: &str, any: Option<&str>) -> Vec<Opt> {
    opts(
        ChannelKind::ALL,
        ChannelKind::code,
        |k| kind_label(t, k),
        selected,
        any,
    )
}

pub(super) fn platform_opts(t: &ChannelsTr, selected: &str) -> Vec<Opt> {
    opts(
        ChannelPlatform::ALL,
        ChannelPlatform::code,
        |p| platform_label(t, p),
        selected,
        None,
    )
}

/// The channel form's values as entered (or as stored, for an edit).
#[derive(Debug, Clone, Default)]
pub struct ChannelForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub platform: String,
    pub currency: String,
    pub time_zone: String,
    pub ship_by_hours: String,
    pub shop_domain: String,
    pub base_url: String,
    pub webhook_secret: String,
    pub api_token: String,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ChannelForm {
    fn parse(f: &FormBody) -> Self {
        Self {
            code: f.value("code"),
            name: f.value("name"),
            kind: f.value("kind"),
            platform: f.value("platform"),
            currency: f.value("currency"),
            time_zone: f.value("time_zone"),
            ship_by_hours: f.value("ship_by_hours"),
            shop_domain: f.value("shop_domain"),
            base_url: f.value("base_url"),
            webhook_secret: f.value("webhook_secret"),
            api_token: f.value("api_token"),
        }
    }

    fn of(c: &Channel) -> Self {
        Self {
            code: c.code.to_string(),
            name: c.name.to_string(),
            kind: c.kind.code().to_owned(),
            platform: c.platform.code().to_owned(),
            currency: c.currency.as_ref().to_owned(),
            time_zone: c.time_zone.clone(),
            ship_by_hours: c.ship_by_hours.to_string(),
            shop_domain: c.shop_domain.clone().unwrap_or_default(),
            base_url: c.base_url.clone().unwrap_or_default(),
            ..Self::default()
        }
    }

    /// Hours as a number; anything else becomes 0, which the app refuses with its range.
    fn hours(&self) -> Option<i64> {
        opt(&self.ship_by_hours).map(|h| h.parse().unwrap_or(0))
    }

    fn input(&self) -> ChannelInput {
        ChannelInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            platform: self.platform.clone(),
            currency: opt(&self.currency),
            time_zone: opt(&self.time_zone),
            ship_by_hours: self.hours(),
            shop_domain: opt(&self.shop_domain),
            base_url: opt(&self.base_url),
            webhook_secret: opt(&self.webhook_secret),
            api_token: opt(&self.api_token),
            locations: Vec::new(),
        }
    }

    fn patch(&self) -> ChannelPatch {
        ChannelPatch {
            code: Some(self.code.clone()),
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            platform: Some(self.platform.clone()),
            currency: Some(self.currency.clone()),
            time_zone: Some(self.time_zone.clone()),
            ship_by_hours: self.hours(),
            shop_domain: Some(opt(&self.shop_domain)),
            base_url: Some(opt(&self.base_url)),
        }
    }
}

/// A row of the channel list.
pub struct ListRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub platform: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub currency: String,
}

#[derive(Template)]
#[template(path = "channels/list.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<ListRow>,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    next: Option<String>,
}

/// Filters of the channel list.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListFilter {
    status: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
}

/// The channel list.
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
    let (status, kind) = (f.status.and_then(|s| opt(&s)), f.kind.and_then(|k| opt(&k)));
    let q = ChannelQuery {
        status: status.clone(),
        kind: kind.clone(),
        cursor: f.cursor,
        limit: Some(50),
    };
    let page = match channels::list_channels(&state.app, &user.actor, merchant, q).await {
        Ok(page) => page,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.ch;
    let rows = page
        .items
        .iter()
        .map(|c| ListRow {
            id: c.id.to_string(),
            code: c.code.to_string(),
            name: c.name.to_string(),
            kind: kind_label(t, c.kind),
            platform: platform_label(t, c.platform),
            status: status_label(t, c.status),
            status_code: c.status.code(),
            currency: c.currency.as_ref().to_owned(),
        })
        .collect();
    let (status, kind) = (status.unwrap_or_default(), kind.unwrap_or_default());
    let statuses = opts(
        ChannelStatus::ALL,
        ChannelStatus::code,
        |s| status_label(t, s),
        &status,
        Some(t.all),
    );
    let next = page
        .next_cursor
        .map(|c| format!("/admin/channels?status={status}&kind={kind}&cursor={c}"));
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        rows,
        statuses,
        kinds: kind_opts(t, &kind, Some(t.all)),
        next,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

#[derive(Template)]
#[template(path = "channels/new.html")]
struct NewPage {
    ctx: PageContext,
    form: ChannelForm,
    kinds: Vec<Opt>,
    platforms: Vec<Opt>,
    errors: FieldErrors,
}

fn new_view(
    ctx: PageContext,
    form: ChannelForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let t = ctx.t.ch;
    let (kinds, platforms) = (
        kind_opts(t, &form.kind, None),
        platform_opts(t, &form.platform),
    );
    let nonce = ctx.nonce.clone();
    render(
        status,
        &nonce,
        &NewPage {
            ctx,
            form,
            kinds,
            platforms,
            errors,
        },
    )
}

/// The new-channel form.
async fn new_page(user: ConsoleUser, ctx: PageContext) -> Response {
    let ctx = ctx.signed_in(&user);
    if user.actor.merchant.is_none() {
        return super::catalog::choose_merchant(ctx);
    }
    let form = ChannelForm {
        ship_by_hours: "48".into(),
        ..ChannelForm::default()
    };
    new_view(ctx, form, FieldErrors::none(), StatusCode::OK)
}

/// Creates a channel and shows its page, with the generated webhook secret this once.
async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return super::catalog::choose_merchant(ctx);
    };
    let form = ChannelForm::parse(&FormBody::parse(&body));
    match channels::create_channel(&state.app, &user.actor, merchant, form.input()).await {
        Ok(created) => {
            let extra = detail::Extra {
                new_secret: created.generated_webhook_secret,
                ..detail::Extra::default()
            };
            detail::view(
                &state,
                &user,
                ctx,
                merchant,
                created.channel.id,
                extra,
                StatusCode::CREATED,
            )
            .await
        }
        Err(Error::Validation(fields)) => new_view(
            ctx,
            form,
            FieldErrors::of(fields),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => app_error(ctx, err),
    }
}
