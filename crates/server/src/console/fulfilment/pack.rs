//! The packing screen of one order at one location: its open allocations with packed
//! over allocated units, the scan form (SKU code or barcode; htmx re-renders only the
//! lines, a plain POST the whole page) and the ship form, which ships everything packed
//! there and returns to the order page. Refusals (unknown code, over-packing, nothing
//! packed, a tracking number taken) are shown on the screen with what was entered kept.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::fulfilment::{self as ful, PackLine, ShipmentInput};
use omnihub_app::orders::{self as ord, OrderDetail};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::OrderId;

use super::super::catalog::{Choice, choose_merchant};
use super::super::forms::{FieldErrors, FormBody, app_error, parse_id, see_other};
use super::super::i18n::FulTr;
use super::super::inventory::{Locations, done, wants_partial};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::pack_link;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// `?location=&done=`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PackQuery {
    /// Location id.
    pub location: Option<String>,
    /// Notice code.
    pub done: Option<String>,
}

/// One allocation being packed.
pub struct LineView {
    pub sku: String,
    pub quantity: i64,
    pub packed: i64,
    pub complete: bool,
}

/// The lines block (re-rendered by htmx after each scan).
pub struct Lines {
    pub rows: Vec<LineView>,
    pub error: Option<String>,
    pub packed_units: i64,
    pub units: i64,
}

impl Lines {
    fn of(lines: &[PackLine], error: Option<String>) -> Self {
        Self {
            rows: lines
                .iter()
                .map(|l| LineView {
                    sku: l.sku_code.clone(),
                    quantity: l.quantity,
                    packed: l.packed,
                    complete: l.packed == l.quantity,
                })
                .collect(),
            error,
            packed_units: lines.iter().map(|l| l.packed).sum(),
            units: lines.iter().map(|l| l.quantity).sum(),
        }
    }

    /// Whether the ship form would send something.
    pub fn shippable(&self) -> bool {
        self.rows.iter().any(|r| r.complete)
    }
}

/// The ship form as entered.
#[derive(Default)]
pub struct ShipForm {
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub packages: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "fulfilment/pack.html")]
struct PackPage {
    ctx: PageContext,
    t: &'static FulTr,
    order_id: String,
    number: String,
    location_id: String,
    location: String,
    locations: Vec<Choice>,
    lines: Lines,
    ship: ShipForm,
    code: String,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "fulfilment/pack_lines_partial.html")]
struct LinesPartial {
    t: &'static FulTr,
    lines: Lines,
}

/// The locations the order has open allocations at, in allocation order.
fn open_locations(d: &OrderDetail) -> Vec<LocationId> {
    let mut out: Vec<LocationId> = Vec::new();
    for a in d.allocations.iter().filter(|a| a.status == "open") {
        if !out.contains(&a.location_id) {
            out.push(a.location_id);
        }
    }
    out
}

/// The location asked for, else the order's first one with open allocations.
fn chosen(raw: Option<&str>, d: &OrderDetail) -> Option<LocationId> {
    raw.and_then(|r| r.trim().parse().ok())
        .or_else(|| open_locations(d).first().copied())
}

/// What a page render needs besides the order.
#[derive(Default)]
struct Extra {
    location: Option<String>,
    scan_error: Option<String>,
    code: String,
    ship: ShipForm,
    notice: Option<&'static str>,
    status: Option<StatusCode>,
}

async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (merchant, id): (MerchantId, OrderId),
    extra: Extra,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let loaded = async {
        let d = ord::get_order(app, actor, merchant, id).await?;
        let locations = match Locations::load(state, actor, merchant).await {
            Err(Error::MissingPermission(_)) => Locations(Vec::new()),
            other => other?,
        };
        let location = chosen(extra.location.as_deref(), &d);
        let lines = match location {
            Some(l) => ful::packing(app, actor, merchant, id, l).await?,
            None => Vec::new(),
        };
        Ok::<_, Error>((d, locations, location, lines))
    };
    let (d, locations, location, lines) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let here = location.map(|l| l.to_string()).unwrap_or_default();
    let choices = open_locations(&d)
        .into_iter()
        .map(|l| Choice {
            value: l.to_string(),
            label: locations.code(l),
            selected: l.to_string() == here,
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = PackPage {
        t: ctx.lang.ful(),
        order_id: id.to_string(),
        number: d.order.number.clone(),
        location: location.map(|l| locations.code(l)).unwrap_or_default(),
        location_id: here,
        locations: choices,
        lines: Lines::of(&lines, extra.scan_error),
        ship: extra.ship,
        code: extra.code,
        notice: extra.notice,
        ctx,
    };
    render(extra.status.unwrap_or(StatusCode::OK), &nonce, &page)
}

/// The packing screen.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<PackQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let id = match parse_id::<OrderId>(&raw, "order") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let extra = Extra {
        notice: super::waves::notice(ctx.lang.ful(), q.done.as_deref()),
        location: q.location,
        ..Extra::default()
    };
    view(&state, &user, ctx, (merchant, id), extra).await
}

/// A refusal as a message and status; anything else is not shown in place.
fn refusal(err: Error) -> Result<(String, StatusCode), Error> {
    match err {
        Error::Conflict { message, .. } => Ok((message, StatusCode::CONFLICT)),
        Error::Validation(fields) => Ok((
            FieldErrors::of(fields).all().join("; "),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        err => Err(err),
    }
}

/// Packs what the scan form names: `code` at `location_id`, `units` (default 1).
async fn pack_scanned(
    state: &AppState,
    user: &ConsoleUser,
    (merchant, id): (MerchantId, OrderId),
    form: &FormBody,
) -> Result<(LocationId, Vec<PackLine>), Error> {
    let units = form
        .optional("units")
        .map_or(Some(1), |u| u.trim().parse().ok())
        .unwrap_or(0);
    let Ok(location) = form.value("location_id").trim().parse::<LocationId>() else {
        return Err(Error::invalid(
            "location_id",
            "required",
            "pack at a location",
        ));
    };
    let code = form.value("code");
    ful::pack(
        &state.app,
        &user.actor,
        merchant,
        id,
        location,
        &code,
        units,
    )
    .await
    .map(|lines| (location, lines))
}

/// Confirms one scanned item (`code`, `units`, default 1) as packed.
pub(super) async fn scan(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let id = match parse_id::<OrderId>(&raw, "order") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let loc = form.value("location_id");
    let packed = pack_scanned(&state, &user, (merchant, id), &form).await;
    let partial = wants_partial(&headers);
    let refused = match packed {
        Ok((_, lines)) if partial => {
            let (t, nonce) = (ctx.lang.ful(), ctx.nonce.clone());
            let lines = Lines::of(&lines, None);
            return render(StatusCode::OK, &nonce, &LinesPartial { t, lines });
        }
        Ok((l, _)) => return see_other(&done(&pack_link(id, l), "packed")),
        Err(err) => match refusal(err) {
            Ok(v) => v,
            Err(err) => return app_error(ctx, err),
        },
    };
    if partial {
        return lines_refused(&state, &user, ctx, (merchant, id), &loc, refused).await;
    }
    let extra = Extra {
        location: Some(loc),
        scan_error: Some(refused.0),
        code: form.value("code"),
        status: Some(refused.1),
        ..Extra::default()
    };
    view(&state, &user, ctx, (merchant, id), extra).await
}

/// The lines block with a refusal, for htmx: the lines as they stand, the message above.
async fn lines_refused(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (merchant, id): (MerchantId, OrderId),
    loc: &str,
    (message, status): (String, StatusCode),
) -> Response {
    let lines = match loc.trim().parse::<LocationId>() {
        Ok(l) => match ful::packing(&state.app, &user.actor, merchant, id, l).await {
            Ok(lines) => lines,
            Err(err) => return app_error(ctx, err),
        },
        Err(_) => Vec::new(),
    };
    let t = ctx.lang.ful();
    let nonce = ctx.nonce.clone();
    let lines = Lines::of(&lines, Some(message));
    render(status, &nonce, &LinesPartial { t, lines })
}

/// Ships everything packed at the location and returns to the order page.
pub(super) async fn ship(
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
    let id = match parse_id::<OrderId>(&raw, "order") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let loc = form.value("location_id");
    let packages = form.value("packages");
    let input = ShipmentInput {
        location_id: loc.trim().parse().ok(),
        carrier: form.value("carrier"),
        service: form.optional("service"),
        tracking_number: form.optional("tracking_number"),
        packages: packages.trim().parse().unwrap_or(0),
    };
    let (message, status) = match ful::ship(&state.app, &user.actor, merchant, id, &input).await {
        Ok(_) => return see_other(&done(&format!("/admin/orders/{id}"), "shipped")),
        Err(err) => match refusal(err) {
            Ok(v) => v,
            Err(err) => return app_error(ctx, err),
        },
    };
    let extra = Extra {
        location: Some(loc),
        ship: ShipForm {
            carrier: input.carrier,
            service: input.service.unwrap_or_default(),
            tracking_number: input.tracking_number.unwrap_or_default(),
            packages,
            error: Some(message),
        },
        status: Some(status),
        ..Extra::default()
    };
    view(&state, &user, ctx, (merchant, id), extra).await
}
