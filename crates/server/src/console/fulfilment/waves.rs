//! Pick waves: the list (per location, open or closed) with the "create wave" form, one
//! wave with its orders and the pick list sorted by SKU code, the printable pick sheet
//! (no navigation, print CSS) and closing a wave.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::fulfilment::{self as ful, Wave, WaveDetail};
use omnihub_domain::ids::MerchantId;

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, app_error, parse_id, see_other, when};
use super::super::i18n::FulTr;
use super::super::inventory::{Locations, done};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{location_choices, pack_link};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The wave list's query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct WaveFilters {
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Notice code.
    pub done: Option<String>,
}

/// One wave in the list.
pub struct WaveRow {
    pub id: String,
    pub location: String,
    pub status: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "fulfilment/waves.html")]
struct WavesPage {
    ctx: PageContext,
    t: &'static FulTr,
    rows: Vec<WaveRow>,
    statuses: Vec<Choice>,
    filter_locations: Vec<Choice>,
    locations: Vec<Choice>,
    max_orders: String,
    message: Option<String>,
    notice: Option<&'static str>,
}

/// The notice of a `?done=` code on the fulfilment pages (a fixed set).
pub(super) fn notice(t: &'static FulTr, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => t.notice_wave_created,
        "closed" => t.notice_wave_closed,
        "packed" => t.notice_packed,
        _ => return None,
    })
}

fn status_choices(t: &FulTr, selected: &str) -> Vec<Choice> {
    [("", t.all), ("open", t.open), ("closed", t.closed)]
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == selected,
        })
        .collect()
}

/// What the list page shows besides the waves.
#[derive(Default)]
struct Form {
    location: String,
    max_orders: String,
    message: Option<String>,
    status: Option<StatusCode>,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    f: &WaveFilters,
    form: Form,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let status = f.status.as_deref().filter(|s| !s.is_empty());
    let loaded = async {
        let waves = ful::list_waves(app, actor, merchant, status).await?;
        Ok::<_, Error>((waves, Locations::load(state, actor, merchant).await?))
    };
    let (waves, locations) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.lang.ful();
    let location = f.location.clone().unwrap_or_default();
    let rows = waves
        .iter()
        .filter(|w| location.is_empty() || w.location_id.to_string() == location)
        .map(|w: &Wave| WaveRow {
            id: w.id.to_string(),
            location: locations.code(w.location_id),
            status: w.status.clone(),
            created: when(w.created_at),
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = WavesPage {
        t,
        rows,
        statuses: status_choices(t, status.unwrap_or_default()),
        filter_locations: locations.choices(&location, Some(t.all)),
        locations: location_choices(&locations, &form.location),
        max_orders: if form.max_orders.is_empty() {
            "20".to_owned()
        } else {
            form.max_orders
        },
        message: form.message,
        notice: notice(t, f.done.as_deref()),
        ctx,
    };
    render(form.status.unwrap_or(StatusCode::OK), &nonce, &page)
}

/// The waves, newest first, with the "create wave" form.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(f): ApiQuery<WaveFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    list_view(&state, &user, ctx, merchant, &f, Form::default()).await
}

/// Starts a wave at a location with up to "max orders" of its allocated orders.
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
    let form = FormBody::parse(&body);
    let (location, max) = (form.value("location_id"), form.value("max_orders"));
    let created = match (opt_id(Some(&location)), max.trim().parse::<u32>()) {
        (Some(l), Ok(n)) if (1..=200).contains(&n) => {
            ful::create_wave(&state.app, &user.actor, merchant, l, n).await
        }
        (None, _) => Err(Error::invalid(
            "location_id",
            "required",
            ctx.lang.ful().choose_location,
        )),
        _ => Err(Error::invalid("max_orders", "out_of_range", "1 to 200")),
    };
    let (message, status) = match created {
        Ok(w) => {
            return see_other(&done(
                &format!("/admin/fulfilment/waves/{}", w.wave.id),
                "created",
            ));
        }
        Err(Error::Conflict { message, .. }) => (message, StatusCode::CONFLICT),
        Err(Error::Validation(fields)) => (
            FieldErrors::of(fields).all().join("; "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => return app_error(ctx, err),
    };
    let retry = Form {
        location,
        max_orders: max,
        message: Some(message),
        status: Some(status),
    };
    list_view(&state, &user, ctx, merchant, &WaveFilters::default(), retry).await
}

/// An order of the wave.
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub ship_by: String,
    pub pack: String,
}

/// A line of the pick list.
pub struct PickRow {
    pub sku: String,
    pub barcode: String,
    pub quantity: i64,
    pub orders: i64,
}

/// A wave as its pages show it.
pub struct WaveView {
    pub id: String,
    pub location: String,
    pub status: String,
    pub open: bool,
    pub created: String,
    pub orders: Vec<OrderRow>,
    pub picks: Vec<PickRow>,
    pub units: i64,
}

fn wave_view(d: &WaveDetail, locations: &Locations) -> WaveView {
    let w = &d.wave;
    WaveView {
        id: w.id.to_string(),
        location: locations.code(w.location_id),
        status: w.status.clone(),
        open: w.status == "open",
        created: when(w.created_at),
        orders: d
            .orders
            .iter()
            .map(|o| OrderRow {
                id: o.id.to_string(),
                number: o.number.clone(),
                ship_by: when(o.ship_by),
                pack: pack_link(o.id, w.location_id),
            })
            .collect(),
        picks: d
            .pick_list
            .iter()
            .map(|p| PickRow {
                sku: p.sku_code.clone(),
                barcode: p.barcode.clone().unwrap_or_default(),
                quantity: p.quantity,
                orders: p.orders,
            })
            .collect(),
        units: d.pick_list.iter().map(|p| p.quantity).sum(),
    }
}

#[derive(Template)]
#[template(path = "fulfilment/wave.html")]
struct WavePage {
    ctx: PageContext,
    t: &'static FulTr,
    w: WaveView,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "fulfilment/wave_print.html")]
struct WavePrint {
    ctx: PageContext,
    t: &'static FulTr,
    w: WaveView,
}

/// Loads a wave and the location names for its pages.
async fn load(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    raw: &str,
) -> Result<WaveView, Error> {
    let id = parse_id::<uuid::Uuid>(raw, "pick wave")?;
    let d = ful::get_wave(&state.app, &user.actor, merchant, id).await?;
    let locations = Locations::load(state, &user.actor, merchant).await?;
    Ok(wave_view(&d, &locations))
}

/// One wave: its orders (each with a link to its packing screen) and the pick list.
pub(super) async fn detail_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(f): ApiQuery<WaveFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    match load(&state, &user, merchant, &raw).await {
        Ok(w) => {
            let t = ctx.lang.ful();
            let nonce = ctx.nonce.clone();
            let notice = notice(t, f.done.as_deref());
            render(StatusCode::OK, &nonce, &WavePage { ctx, t, w, notice })
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The printable pick sheet of a wave.
pub(super) async fn print_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    match load(&state, &user, merchant, &raw).await {
        Ok(w) => {
            let t = ctx.lang.ful();
            let nonce = ctx.nonce.clone();
            render(StatusCode::OK, &nonce, &WavePrint { ctx, t, w })
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Closes a wave: its orders may join another.
pub(super) async fn close(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let closed = match parse_id::<uuid::Uuid>(&raw, "pick wave") {
        Ok(id) => ful::close_wave(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match closed {
        Ok(d) => see_other(&done(
            &format!("/admin/fulfilment/waves/{}", d.wave.id),
            "closed",
        )),
        Err(err) => app_error(ctx, err),
    }
}
