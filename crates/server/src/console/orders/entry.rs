//! Manual order entry: the form is turned into our own order format
//! (`omnihub_domain::orders::api_format::ApiOrder`, as JSON: it is the stored payload) and
//! taken in through the one intake with `source: manual`. The external id
//! (`MANUAL-<uuid>` from the app's id generator) is made when the form is shown, so
//! sending the same form twice finds the order already taken in. Whatever the format
//! cannot map, and SKUs the channel cannot resolve, are shown beside their inputs and
//! nothing is stored: an exception order is for channels we cannot ask, not for staff.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::orders::{self as ord, Delivery};
use omnihub_app::{Error, FieldError};
use omnihub_domain::channels::{ChannelId, ChannelPlatform, OrderTopic};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::money::Money;
use omnihub_domain::orders::api_format::ApiOrder;
use omnihub_domain::orders::{MappingProblem, OrderId, PaymentStatus};
use serde_json::json;

use super::super::catalog::{Choice, choose_merchant};
use super::super::forms::{FieldErrors, FormBody, app_error, see_other};
use super::super::inventory::{code_choices, done};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{Channels, OrdTr, payment_label};
use crate::state::AppState;

/// Line rows an empty form shows.
const BLANK_ROWS: usize = 5;

/// One line row as typed, with its errors.
#[derive(Debug, Clone, Default)]
pub struct EntryLine {
    pub sku: String,
    pub quantity: String,
    pub unit_price: String,
    pub sku_error: Option<String>,
    pub quantity_error: Option<String>,
    pub price_error: Option<String>,
}

impl EntryLine {
    fn blank(&self) -> bool {
        [&self.sku, &self.quantity, &self.unit_price]
            .iter()
            .all(|v| v.trim().is_empty())
    }
}

/// The form's values as typed.
#[derive(Debug, Clone, Default)]
pub struct EntryForm {
    pub external_id: String,
    pub channel: String,
    pub currency: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub ship_name: String,
    pub ship_phone: String,
    pub ship_country: String,
    pub ship_province: String,
    pub ship_city: String,
    pub ship_postcode: String,
    pub ship_line1: String,
    pub ship_line2: String,
    pub payment_status: String,
    pub payment_method: String,
    pub cod: bool,
    pub shipping: String,
    pub discount: String,
    pub total: String,
    pub note: String,
    pub rows: Vec<EntryLine>,
}

impl EntryForm {
    fn parse(f: &FormBody) -> Self {
        let (skus, quantities, prices) = (
            f.values("sku"),
            f.values("quantity"),
            f.values("unit_price"),
        );
        let n = skus.len().max(quantities.len()).max(prices.len());
        let cell = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
        let mut rows: Vec<EntryLine> = (0..n)
            .map(|i| EntryLine {
                sku: cell(&skus, i),
                quantity: cell(&quantities, i),
                unit_price: cell(&prices, i),
                ..EntryLine::default()
            })
            .collect();
        pad(&mut rows);
        Self {
            external_id: f.value("external_id"),
            channel: f.value("channel_id"),
            currency: f.value("currency"),
            name: f.value("customer_name"),
            email: f.value("customer_email"),
            phone: f.value("customer_phone"),
            ship_name: f.value("ship_name"),
            ship_phone: f.value("ship_phone"),
            ship_country: f.value("ship_country"),
            ship_province: f.value("ship_province"),
            ship_city: f.value("ship_city"),
            ship_postcode: f.value("ship_postcode"),
            ship_line1: f.value("ship_line1"),
            ship_line2: f.value("ship_line2"),
            payment_status: f.value("payment_status"),
            payment_method: f.value("payment_method"),
            cod: f.checked("cash_on_delivery"),
            shipping: f.value("shipping"),
            discount: f.value("order_discount"),
            total: f.value("total"),
            note: f.value("note"),
            rows,
        }
    }
}

fn pad(rows: &mut Vec<EntryLine>) {
    while rows.len() < BLANK_ROWS {
        rows.push(EntryLine::default());
    }
}

fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The order as our own format, `lines` being the used rows with their quantities.
fn payload(f: &EntryForm, lines: &[(usize, i64)], placed_at: String) -> serde_json::Value {
    let ship = [
        &f.ship_name,
        &f.ship_phone,
        &f.ship_country,
        &f.ship_province,
        &f.ship_city,
        &f.ship_postcode,
        &f.ship_line1,
        &f.ship_line2,
    ];
    let street: Vec<&str> = [&f.ship_line1, &f.ship_line2]
        .into_iter()
        .filter_map(|l| opt(l))
        .collect();
    let address = ship.iter().any(|v| opt(v).is_some()).then(|| {
        json!({
            "name": opt(&f.ship_name), "phone": opt(&f.ship_phone),
            "country": opt(&f.ship_country), "province": opt(&f.ship_province),
            "city": opt(&f.ship_city), "postcode": opt(&f.ship_postcode), "lines": street,
        })
    });
    let lines: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|&(i, quantity)| {
            let r = f.rows.get(i)?;
            Some(json!({"sku": r.sku.trim(), "quantity": quantity, "unit_price": r.unit_price.trim()}))
        })
        .collect();
    let total = opt(&f.total)
        .map(str::to_owned)
        .or_else(|| computed_total(f, lines.as_slice()));
    json!({
        "external_id": f.external_id, "currency": f.currency.trim(), "placed_at": placed_at,
        "payment_status": opt(&f.payment_status), "payment_method": opt(&f.payment_method),
        "cash_on_delivery": f.cod,
        "customer": {"name": opt(&f.name), "email": opt(&f.email), "phone": opt(&f.phone)},
        "shipping_address": address, "lines": lines,
        "shipping": opt(&f.shipping), "order_discount": opt(&f.discount), "total": total,
        "note": opt(&f.note),
    })
}

/// The total the form adds up to when left blank (lines, plus shipping, less the
/// discount); none when a part is not an amount (the format then reports that part).
fn computed_total(f: &EntryForm, lines: &[serde_json::Value]) -> Option<String> {
    let c = Currency::parse(f.currency.trim()).ok()?;
    let amount = |raw: &str| match opt(raw) {
        None => Some(0),
        Some(v) => Money::parse(v, c).ok().map(Money::minor),
    };
    let mut minor: i64 = 0;
    for l in lines {
        let price = amount(l["unit_price"].as_str()?)?;
        minor = minor.checked_add(price.checked_mul(l["quantity"].as_i64()?)?)?;
    }
    minor = minor
        .checked_add(amount(&f.shipping)?)?
        .checked_sub(amount(&f.discount)?)?;
    Some(Money::from_minor(minor, c).amount_text())
}

/// Where a mapping problem belongs on the form (the format's field path).
fn problem_field(p: &MappingProblem) -> String {
    match p {
        MappingProblem::Missing { field }
        | MappingProblem::BadQuantity { field, .. }
        | MappingProblem::BadAmount { field, .. }
        | MappingProblem::BadValue { field, .. }
        | MappingProblem::LineWithoutItem { field }
        | MappingProblem::Conflicting { field, .. } => field.clone(),
        MappingProblem::UnknownCurrency { .. } => "currency".to_owned(),
        MappingProblem::NoLines => "lines".to_owned(),
        MappingProblem::Totals(_) => "total".to_owned(),
        MappingProblem::UnknownSku { line, .. } => format!("lines[{line}].sku"),
        MappingProblem::Malformed { .. } => "form".to_owned(),
        MappingProblem::InRow { problem, .. } => problem_field(problem),
    }
}

/// Puts `lines[j].…` problems on the rows they came from (`used[j]`); returns the rest.
fn attach(
    rows: &mut [EntryLine],
    used: &[(usize, i64)],
    problems: &[MappingProblem],
) -> Vec<FieldError> {
    let mut rest = Vec::new();
    for p in problems {
        let field = problem_field(p);
        let target = field
            .strip_prefix("lines[")
            .and_then(|r| r.split_once("]."))
            .and_then(|(j, f)| Some((used.get(j.parse::<usize>().ok()?)?.0, f.to_owned())));
        let message = p.to_string();
        match target.and_then(|(i, f)| Some((rows.get_mut(i)?, f))) {
            Some((row, f)) if f == "quantity" => row.quantity_error = Some(message),
            Some((row, f)) if f == "sku" => row.sku_error = Some(message),
            Some((row, _)) => row.price_error = Some(message),
            None => rest.push(FieldError::new(field, p.code(), message)),
        }
    }
    rest
}

/// The used rows and their quantities; a quantity that is not a whole number is marked
/// on its row (`None`).
fn used_rows(t: &OrdTr, rows: &mut [EntryLine]) -> Option<Vec<(usize, i64)>> {
    let mut ok = true;
    let mut used = Vec::new();
    for (i, r) in rows.iter_mut().enumerate().filter(|(_, r)| !r.blank()) {
        match r.quantity.trim().parse::<i64>() {
            Ok(q) => used.push((i, q)),
            Err(_) => {
                r.quantity_error = Some(t.whole_number.to_owned());
                ok = false;
            }
        }
    }
    ok.then_some(used)
}

/// Checks, maps and takes in the order; the form's rows get their errors.
async fn enter(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    (f, channels): (&mut EntryForm, &Channels),
    t: &OrdTr,
) -> Result<OrderId, Error> {
    let channel: ChannelId = f.channel.trim().parse().map_err(|_| {
        Error::Validation(vec![FieldError::new(
            "channel_id",
            "required",
            t.choose_channel,
        )])
    })?;
    if f.currency.trim().is_empty()
        && let Some(c) = channels.get(channel)
    {
        f.currency = c.currency.to_string();
    }
    let used = used_rows(t, &mut f.rows).ok_or_else(|| Error::Validation(Vec::new()))?;
    let body = payload(f, &used, state.app.now().to_string()).to_string();
    let incoming = ApiOrder::map_body(body.as_bytes())
        .map_err(|u| Error::Validation(attach(&mut f.rows, &used, &u.problems)))?;
    let mut unknown = false;
    for (line, &(i, _)) in incoming.lines.iter().zip(&used) {
        let found = omnihub_app::channels::resolve_item(
            &state.app,
            &user.actor,
            merchant,
            channel,
            &line.item,
        )
        .await?;
        if found.is_none() {
            unknown = true;
            if let Some(r) = f.rows.get_mut(i) {
                r.sku_error = Some(t.unknown_sku.to_owned());
            }
        }
    }
    if unknown {
        return Err(Error::Validation(Vec::new()));
    }
    let delivery = Delivery {
        channel,
        source: ChannelPlatform::Manual,
        topic: OrderTopic::Created,
        payload: body,
        mapped: Ok(incoming),
    };
    let intake = ord::take_order(&state.app, &user.actor, merchant, &delivery).await?;
    Ok(intake.order.order.id)
}

#[derive(Template)]
#[template(path = "orders/new.html")]
struct EntryPage {
    ctx: PageContext,
    form: EntryForm,
    channels: Vec<Choice>,
    payments: Vec<Choice>,
    errors: FieldErrors,
    message: Option<String>,
}

fn form_view(
    ctx: PageContext,
    form: EntryForm,
    channels: &Channels,
    (errors, message): (FieldErrors, Option<String>),
    status: StatusCode,
) -> Response {
    let t = ctx.t.ord;
    let nonce = ctx.nonce.clone();
    let page = EntryPage {
        channels: channels.choices(&form.channel, None),
        payments: code_choices(
            PaymentStatus::ALL,
            PaymentStatus::code,
            |p| payment_label(t, p),
            &form.payment_status,
            None,
        ),
        form,
        errors,
        message,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The empty form, with a new external id.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let channels = match Channels::load(&state, &user.actor, merchant).await {
        Ok(c) => c,
        Err(err) => return app_error(ctx, err),
    };
    let mut form = EntryForm {
        external_id: format!("MANUAL-{}", state.app.ids.new_id()),
        payment_status: PaymentStatus::Paid.code().to_owned(),
        ..EntryForm::default()
    };
    pad(&mut form.rows);
    let none = (FieldErrors::none(), None);
    form_view(ctx, form, &channels, none, StatusCode::OK)
}

/// Takes the order in and shows it; or the form again with its errors (or one more line
/// row, for "add line").
pub(super) async fn submit(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let body = FormBody::parse(&body);
    let mut form = EntryForm::parse(&body);
    if !form.external_id.starts_with("MANUAL-") {
        form.external_id = format!("MANUAL-{}", state.app.ids.new_id());
    }
    let channels = match Channels::load(&state, &user.actor, merchant).await {
        Ok(c) => c,
        Err(err) => return app_error(ctx, err),
    };
    if body.checked("add_line") {
        form.rows.push(EntryLine::default());
        let none = (FieldErrors::none(), None);
        return form_view(ctx, form, &channels, none, StatusCode::OK);
    }
    let t = ctx.t.ord;
    match enter(&state, &user, merchant, (&mut form, &channels), t).await {
        Ok(id) => see_other(&done(&format!("/admin/orders/{id}"), "created")),
        Err(Error::Validation(fields)) => {
            let shown = (FieldErrors::of(fields), None);
            form_view(
                ctx,
                form,
                &channels,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(Error::Conflict { message, .. }) => {
            let shown = (FieldErrors::none(), Some(message));
            form_view(ctx, form, &channels, shown, StatusCode::CONFLICT)
        }
        Err(err) => app_error(ctx, err),
    }
}
