//! The order page: head, totals, addresses, lines, allocations, hold reasons, problems
//! and the timeline, with the staff actions that apply to the order as it stands
//! (approve or reject in review, hold, cancel the order or a line, retry an exception,
//! wait for stock, allocate now, re-route to a location or automatically). A refusal
//! (409, 422) is shown on the page beside the order, not as an error page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::orders::{self as ord, OrderDetail};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Money;
use omnihub_domain::orders::api_format::{ApiAddress, ApiLine};
use omnihub_domain::orders::{HoldReason, OrderId, OrderLineId, OrderStatus, WorkQueue};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::inventory::{Locations, done};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{
    Channels, OrdTr, event_label, fulfilment_label, hold_label, notice, payment_label, queue_label,
    status_label,
};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A line of the order.
pub struct LineView {
    pub id: String,
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    pub cancelled: i64,
    pub unit_price: String,
    pub subtotal: String,
    /// Whether it can still be cancelled.
    pub open: bool,
}

/// An allocation.
pub struct AllocationView {
    pub location: String,
    pub sku: String,
    pub quantity: i64,
    pub status: String,
}

/// A timeline entry.
pub struct EventView {
    pub code: &'static str,
    pub label: &'static str,
    pub actor: String,
    pub at: String,
    pub data: String,
}

/// A problem found at intake.
pub struct ProblemView {
    pub code: String,
    pub field: String,
    pub message: String,
}

/// Which actions the order's state allows.
#[derive(Debug, Default)]
pub struct Actions {
    pub approve: bool,
    pub hold: bool,
    pub cancel: bool,
    pub retry: bool,
    pub wait: bool,
    pub allocate: bool,
    pub reroute: bool,
}

impl Actions {
    fn of(d: &OrderDetail) -> Self {
        let o = &d.order;
        let waiting = matches!(o.queue, Some(WorkQueue::Exception | WorkQueue::Allocate));
        Self {
            approve: o.queue == Some(WorkQueue::Review),
            hold: o.status.hold().is_ok() || o.status == OrderStatus::Allocated,
            cancel: o.status.cancel().is_ok(),
            retry: waiting,
            wait: o.hold_reasons.contains(&HoldReason::InsufficientStock) && !o.backorder,
            allocate: o.status == OrderStatus::Confirmed,
            reroute: matches!(o.status, OrderStatus::Confirmed | OrderStatus::Allocated),
        }
    }

    /// Whether any action applies.
    pub fn any(&self) -> bool {
        self.approve
            || self.hold
            || self.cancel
            || self.retry
            || self.wait
            || self.allocate
            || self.reroute
    }
}

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct DetailPage {
    ctx: PageContext,
    d: OrderDetail,
    invoices: Vec<omnihub_app::invoices::Invoice>,
    inv_t: &'static crate::console::invoices::BlockTr,
    /// The "Fulfilment" block (console/fulfilment/block.rs).
    ful: super::super::fulfilment::block::FulfilmentBlock,
    /// The "Payments" block (payments.rs).
    pay: super::payments::PaymentsBlock,
    channel: String,
    status: &'static str,
    payment: &'static str,
    fulfilment: &'static str,
    queue: &'static str,
    placed: String,
    received: String,
    ship_by: String,
    totals: Vec<(&'static str, String)>,
    shipping_address: Vec<String>,
    address_form: AddressForm,
    billing_address: Vec<String>,
    lines: Vec<LineView>,
    allocations: Vec<AllocationView>,
    reasons: Vec<&'static str>,
    problems: Vec<ProblemView>,
    timeline: Vec<EventView>,
    actions: Actions,
    locations: Vec<Choice>,
    message: Option<String>,
    notice: Option<&'static str>,
}

/// The shipping address as the edit form shows it.
#[derive(Default)]
struct AddressForm {
    name: String,
    phone: String,
    country: String,
    province: String,
    city: String,
    postcode: String,
    street1: String,
    street2: String,
}

impl AddressForm {
    fn of(a: Option<&serde_json::Value>) -> Self {
        let Some(a) = a else {
            return Self::default();
        };
        let text = |k: &str| {
            a.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let street = |i: usize| {
            a.get("lines")
                .and_then(|l| l.get(i))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            name: text("name"),
            phone: text("phone"),
            country: text("country"),
            province: text("province"),
            city: text("city"),
            postcode: text("postcode"),
            street1: street(0),
            street2: street(1),
        }
    }
}

/// The printable lines of a stored address (`PostalAddress` as JSON).
fn address_lines(a: Option<&serde_json::Value>) -> Vec<String> {
    let Some(a) = a else {
        return Vec::new();
    };
    let text = |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let mut out: Vec<String> = [text("name"), text("company"), text("phone")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(lines) = a.get("lines").and_then(|l| l.as_array()) {
        out.extend(lines.iter().filter_map(|l| l.as_str()).map(str::to_owned));
    }
    let place: Vec<&str> = [
        text("city"),
        text("province"),
        text("postcode"),
        text("country"),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    if !place.is_empty() {
        out.push(place.join(" "));
    }
    out
}

fn totals(t: &OrdTr, d: &OrderDetail) -> Vec<(&'static str, String)> {
    let o = &d.order;
    let m = |v: Money| v.amount_text();
    vec![
        (t.items, m(o.items)),
        (t.discounts, m(o.discounts)),
        (t.shipping, m(o.shipping)),
        (t.fees, m(o.fees)),
        (t.tax, m(o.tax)),
        (t.total, format!("{} {}", m(o.total), o.currency)),
    ]
}

fn line_views(d: &OrderDetail) -> Vec<LineView> {
    let open = d.order.status.cancel().is_ok();
    let money = |minor| Money::from_minor(minor, d.order.currency).amount_text();
    d.lines
        .iter()
        .map(|l| LineView {
            id: l.id.to_string(),
            sku: l.item_sku.clone().unwrap_or_default(),
            title: l.title.clone().unwrap_or_default(),
            quantity: l.quantity,
            cancelled: l.cancelled_quantity,
            unit_price: money(l.unit_price_minor),
            subtotal: money(l.subtotal_minor),
            open: open && l.open_quantity() > 0,
        })
        .collect()
}

fn allocation_views(d: &OrderDetail, locations: &Locations) -> Vec<AllocationView> {
    d.allocations
        .iter()
        .map(|a| AllocationView {
            location: locations.code(a.location_id),
            sku: d
                .lines
                .iter()
                .find(|l| l.id == a.order_line_id)
                .and_then(|l| l.item_sku.clone())
                .unwrap_or_else(|| a.sku_id.to_string()),
            quantity: a.quantity,
            status: a.status.clone(),
        })
        .collect()
}

fn timeline(t: &OrdTr, d: &OrderDetail) -> Vec<EventView> {
    d.timeline
        .iter()
        .map(|e| EventView {
            code: e.event.code(),
            label: event_label(t, e.event),
            actor: e.actor.clone(),
            at: when(e.at),
            data: e.data.to_string(),
        })
        .collect()
}

/// Re-route targets: automatic first, then the active locations.
fn reroute_choices(t: &OrdTr, locations: &Locations) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: t.automatic.to_owned(),
        selected: true,
    }];
    out.extend(locations.choices("", None));
    out
}

/// What the page shows besides the order.
#[derive(Default)]
pub(super) struct Extra {
    pub message: Option<String>,
    pub notice: Option<&'static str>,
    pub status: Option<StatusCode>,
    /// The record-payment form as entered, after a refusal.
    pub payment_form: super::payments::PaymentForm,
    /// A payment refusal, shown in the Payments block.
    pub payment_error: Option<super::payments::PaymentError>,
}

async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    d: OrderDetail,
    extra: Extra,
) -> Response {
    let actor = &user.actor;
    let loaded = async {
        let channels = Channels::load(state, actor, merchant).await?;
        let locations = match Locations::load(state, actor, merchant).await {
            Err(Error::MissingPermission(_)) => Locations(Vec::new()),
            other => other?,
        };
        let invoices =
            omnihub_app::invoices::list_invoices(&state.app, actor, merchant, d.order.id).await?;
        let lang = ctx.lang;
        let ful =
            super::super::fulfilment::block::load(state, actor, merchant, &d, &locations, lang)
                .await?;
        let pay_state = (extra.payment_form.clone(), extra.payment_error.clone());
        let pay =
            super::payments::load(state, actor, merchant, d.order.id, lang, pay_state).await?;
        Ok::<_, Error>((channels, locations, invoices, ful, pay))
    };
    let (channels, locations, invoices, ful, pay) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.ord;
    let o = &d.order;
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        invoices,
        ful,
        pay,
        inv_t: crate::console::invoices::block_tr(ctx.lang),
        channel: channels.code(o.channel_id),
        status: status_label(t, o.status),
        payment: payment_label(t, o.payment_status),
        fulfilment: fulfilment_label(t, o.fulfilment_status),
        queue: o.queue.map(|q| queue_label(t, q)).unwrap_or_default(),
        placed: when(o.placed_at),
        received: when(o.received_at),
        ship_by: when(o.ship_by),
        totals: totals(t, &d),
        shipping_address: address_lines(o.shipping_address.as_ref()),
        address_form: AddressForm::of(o.shipping_address.as_ref()),
        billing_address: address_lines(o.billing_address.as_ref()),
        lines: line_views(&d),
        allocations: allocation_views(&d, &locations),
        reasons: o.hold_reasons.iter().map(|r| hold_label(t, *r)).collect(),
        problems: o
            .problems
            .iter()
            .map(|p| ProblemView {
                code: p.code.clone(),
                field: p.field.clone().unwrap_or_default(),
                message: p.message.clone(),
            })
            .collect(),
        timeline: timeline(t, &d),
        actions: Actions::of(&d),
        locations: reroute_choices(t, &locations),
        message: extra.message,
        notice: extra.notice,
        d,
        ctx,
    };
    render(extra.status.unwrap_or(StatusCode::OK), &nonce, &page)
}

/// One order.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let found = match parse_id::<OrderId>(&raw, "order") {
        Ok(id) => ord::get_order(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match found {
        Ok(d) => {
            let extra = Extra {
                notice: notice(ctx.t.ord, query.done.as_deref()).or_else(|| {
                    super::super::fulfilment::block::order_notice(ctx.lang, query.done.as_deref())
                }),
                ..Extra::default()
            };
            view(&state, &user, ctx, merchant, d, extra).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Runs one action; the notice code it ends with.
async fn run(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    (id, action): (OrderId, &str),
    form: &FormBody,
) -> Result<&'static str, Error> {
    let (app, actor) = (&state.app, &user.actor);
    let reason = form.optional("reason");
    match action {
        "approve" => ord::approve_order(app, actor, merchant, id)
            .await
            .map(|_| "approved"),
        "reject" => {
            let why = Some(format!("rejected: {}", reason.unwrap_or_default()));
            ord::cancel_order(app, actor, merchant, id, why)
                .await
                .map(|_| "rejected")
        }
        "cancel" => ord::cancel_order(app, actor, merchant, id, reason)
            .await
            .map(|_| "cancelled"),
        "hold" => ord::hold_order(app, actor, merchant, id, reason)
            .await
            .map(|_| "held"),
        "retry" => ord::retry_order(app, actor, merchant, id)
            .await
            .map(|_| "retried"),
        "wait" => ord::wait_for_stock(app, actor, merchant, id)
            .await
            .map(|_| "waiting"),
        "invoice" => {
            let buyer = omnihub_app::invoices::BuyerInput {
                title: form.optional("buyer_title"),
                tax_id: form.optional("buyer_tax_id"),
                address: form.optional("buyer_address"),
            };
            omnihub_app::invoices::issue_invoice(app, actor, merchant, id, &buyer)
                .await
                .map(|_| "saved")
        }
        "allocate" => ord::allocate_order(app, actor, merchant, id)
            .await
            .map(|_| "allocated"),
        "reroute" => {
            let location = opt_id(form.optional("location_id").as_deref());
            ord::reroute_order(app, actor, merchant, id, location)
                .await
                .map(|_| "rerouted")
        }
        "add-line" => ord::add_line(app, actor, merchant, id, &new_line(form)?)
            .await
            .map(|_| "edited"),
        "shipping-address" => ord::edit_shipping_address(app, actor, merchant, id, &address(form))
            .await
            .map(|_| "edited"),
        _ => Err(Error::NotFound { entity: "page" }),
    }
}

fn units(form: &FormBody) -> Result<i64, Error> {
    form.value("quantity")
        .trim()
        .parse()
        .map_err(|_| Error::invalid("quantity", "invalid", "a whole number of units"))
}

fn new_line(form: &FormBody) -> Result<ApiLine, Error> {
    Ok(ApiLine {
        sku: form.value("sku").trim().to_owned(),
        external_line_id: None,
        title: form.optional("title"),
        quantity: units(form)?,
        unit_price: form.value("unit_price").trim().to_owned(),
        discount: None,
        tax: form.optional("tax"),
    })
}

fn address(form: &FormBody) -> ApiAddress {
    ApiAddress {
        name: form.optional("name"),
        company: None,
        phone: form.optional("phone"),
        country: form.optional("country"),
        province: form.optional("province"),
        city: form.optional("city"),
        postcode: form.optional("postcode"),
        lines: ["street1", "street2"]
            .into_iter()
            .filter_map(|k| form.optional(k))
            .collect(),
    }
}

/// Where to go after an action: the list it was started from, else the order.
fn back(form: &FormBody, id: OrderId) -> String {
    let back = form.value("back");
    if back.starts_with("/admin/orders") && !back.starts_with("//") {
        back
    } else {
        format!("/admin/orders/{id}")
    }
}

/// The order page with what `extra` adds (a refusal shown in a block).
pub(super) async fn show(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    id: OrderId,
    extra: Extra,
) -> Response {
    match ord::get_order(&state.app, &user.actor, merchant, id).await {
        Ok(d) => view(state, user, ctx, merchant, d, extra).await,
        Err(err) => app_error(ctx, err),
    }
}

/// The order page again after a refusal, with its message.
async fn refused(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    id: OrderId,
    err: Error,
) -> Response {
    let extra = match err {
        Error::Conflict { message, .. } => Extra {
            message: Some(message),
            status: Some(StatusCode::CONFLICT),
            ..Extra::default()
        },
        Error::Validation(fields) => Extra {
            message: Some(FieldErrors::of(fields).all().join("; ")),
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            ..Extra::default()
        },
        err => return app_error(ctx, err),
    };
    show(state, user, ctx, merchant, id, extra).await
}

/// Approves, rejects, holds, cancels, retries, waits for stock, allocates or re-routes.
pub(super) async fn act(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, action)): Path<(String, String)>,
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
    match run(&state, &user, merchant, (id, &action), &form).await {
        Ok(code) => see_other(&done(&back(&form, id), code)),
        Err(err) => refused(&state, &user, ctx, merchant, id, err).await,
    }
}

/// The order and line ids of a line's path.
fn order_and_line(raw: &str, raw_line: &str) -> Result<(OrderId, OrderLineId), Error> {
    Ok((
        parse_id::<OrderId>(raw, "order")?,
        parse_id::<OrderLineId>(raw_line, "order line")?,
    ))
}

/// Cancels what is left of one line.
pub(super) async fn cancel_line(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, raw_line)): Path<(String, String)>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let (id, line) = match order_and_line(&raw, &raw_line) {
        Ok(ids) => ids,
        Err(err) => return app_error(ctx, err),
    };
    match ord::cancel_line(&state.app, &user.actor, merchant, id, line).await {
        Ok(_) => see_other(&done(&format!("/admin/orders/{id}"), "line_cancelled")),
        Err(err) => refused(&state, &user, ctx, merchant, id, err).await,
    }
}

/// Sets how many units of one line the customer gets.
pub(super) async fn change_quantity(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, raw_line)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let (id, line) = match order_and_line(&raw, &raw_line) {
        Ok(ids) => ids,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let changed = match units(&form) {
        Ok(q) => ord::change_line_quantity(&state.app, &user.actor, merchant, id, line, q).await,
        Err(err) => Err(err),
    };
    match changed {
        Ok(_) => see_other(&done(&format!("/admin/orders/{id}"), "edited")),
        Err(err) => refused(&state, &user, ctx, merchant, id, err).await,
    }
}
