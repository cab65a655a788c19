//! Alerts (open or acknowledged, by kind) with acknowledge, the alert thresholds of a SKU
//! at a location (low stock, reorder point, overstock), and the inventory settings (the
//! adjustment approval thresholds; saving needs `settings.manage`).

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::inventory::{self as inv, Alert, AlertQuery, SkuRef, ThresholdsInput};
use omnihub_app::{Error, FieldError};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{AlertId, AlertKind, ApprovalThresholds, LocationId};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{InvTr, Locations, alert_kind_label, code_choices, done, notice, sku_code, sku_names};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The alert list's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AlertFilters {
    /// `open` (default: not acknowledged), `acknowledged` or `all`.
    pub state: Option<String>,
    /// Kind code.
    pub kind: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Notice.
    pub done: Option<String>,
}

impl AlertFilters {
    /// `open`, `acknowledged` or `all`.
    fn which(&self) -> String {
        match self.state.as_deref() {
            Some(s @ ("acknowledged" | "all")) => s.to_owned(),
            _ => "open".to_owned(),
        }
    }

    fn query(&self) -> AlertQuery {
        AlertQuery {
            unacknowledged: match self.which().as_str() {
                "acknowledged" => Some(false),
                "all" => None,
                _ => Some(true),
            },
            kind: self.kind.as_deref().and_then(AlertKind::parse),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit: Some(50),
            ..AlertQuery::default()
        }
    }

    fn next_link(&self, cursor: &str) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &self.which())
            .append_pair("kind", self.kind.as_deref().unwrap_or_default())
            .append_pair("cursor", cursor)
            .finish();
        format!("/admin/inventory/alerts?{q}")
    }
}

/// An alert row.
pub struct AlertRow {
    pub id: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub sku_code: String,
    pub location_code: String,
    pub active: bool,
    pub on_hand: i64,
    pub available: i64,
    pub raised: String,
    pub acknowledged: Option<String>,
    pub thresholds: String,
}

#[derive(Template)]
#[template(path = "inventory/alerts.html")]
struct AlertsPage {
    ctx: PageContext,
    state: String,
    kinds: Vec<Choice>,
    rows: Vec<AlertRow>,
    next: Option<String>,
    notice: Option<&'static str>,
}

fn alert_rows(
    t: &InvTr,
    items: Vec<Alert>,
    names: &HashMap<SkuId, SkuRef>,
    locations: &Locations,
) -> Vec<AlertRow> {
    items
        .into_iter()
        .map(|a| {
            let code = sku_code(names, a.sku_id);
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("sku", &code)
                .append_pair("location", &a.location_id.to_string())
                .finish();
            AlertRow {
                id: a.id.to_string(),
                kind: alert_kind_label(t, a.kind),
                kind_code: a.kind.code(),
                location_code: locations.code(a.location_id),
                sku_code: code,
                active: a.active,
                on_hand: a.on_hand,
                available: a.available,
                raised: when(a.raised_at),
                acknowledged: a
                    .acknowledged
                    .map(|(who, at)| format!("{who} · {}", when(at))),
                thresholds: format!("/admin/inventory/thresholds?{q}"),
            }
        })
        .collect()
}

/// The alert list.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(f): ApiQuery<AlertFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let (which, q) = (f.which(), f.query());
    let (app, actor) = (&state.app, &user.actor);
    let loaded = async {
        let page = inv::list_alerts(app, actor, merchant, q).await?;
        let ids: Vec<SkuId> = page.items.iter().map(|a| a.sku_id).collect();
        let names = sku_names(&state, actor, merchant, &ids).await?;
        Ok::<_, Error>((page, names, Locations::load(&state, actor, merchant).await?))
    };
    let (page, names, locations) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.inv;
    let rows = alert_rows(t, page.items, &names, &locations);
    let kind = f.kind.clone().unwrap_or_default();
    let next = page.next_cursor.map(|c| f.next_link(&c));
    let nonce = ctx.nonce.clone();
    let page = AlertsPage {
        kinds: code_choices(
            &AlertKind::ALL,
            AlertKind::code,
            |k| alert_kind_label(t, k),
            &kind,
            Some(t.all_kinds),
        ),
        notice: notice(t, f.done.as_deref()),
        state: which,
        rows,
        next,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

/// Acknowledges an alert and returns to the list.
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let result = match parse_id::<AlertId>(&raw, "alert") {
        Ok(id) => inv::acknowledge_alert(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => see_other(&done("/admin/inventory/alerts", "acknowledged")),
        Err(err) => app_error(ctx, err),
    }
}

/// The thresholds form's values, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ThresholdForm {
    /// SKU code.
    #[serde(default)]
    pub sku: String,
    /// Location id.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub low_stock: String,
    #[serde(default)]
    pub reorder_point: String,
    #[serde(default)]
    pub overstock: String,
    /// Notice.
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "inventory/thresholds.html")]
struct ThresholdsPage {
    ctx: PageContext,
    form: ThresholdForm,
    locations: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn thresholds_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    form: ThresholdForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let locations = match Locations::load(state, &user.actor, merchant).await {
        Ok(l) => l,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = ThresholdsPage {
        locations: locations.choices(&form.location, None),
        notice: notice(ctx.t.inv, form.done.as_deref()),
        form,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The SKU and location of a thresholds form; field errors for an unknown code or no
/// location.
async fn target(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    form: &ThresholdForm,
) -> Result<(SkuId, LocationId), Error> {
    let found = inv::skus_by_code(
        &state.app,
        &user.actor,
        merchant,
        std::slice::from_ref(&form.sku),
    )
    .await?;
    let mut errors = Vec::new();
    let sku = found.into_iter().next().flatten();
    if sku.is_none() {
        errors.push(FieldError::new("sku", "unknown", "no SKU has this code"));
    }
    let location: Option<LocationId> = opt_id(Some(&form.location));
    if location.is_none() {
        errors.push(FieldError::new("location", "required", "choose a location"));
    }
    match (sku, location) {
        (Some(s), Some(l)) => Ok((s.id, l)),
        _ => Err(Error::Validation(errors)),
    }
}

/// Puts the stored thresholds of the form's SKU and location into the form.
async fn fill_current(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    form: &mut ThresholdForm,
) -> Result<(), Error> {
    let (sku, loc) = target(state, user, merchant, form).await?;
    let t = inv::get_thresholds(&state.app, &user.actor, merchant, sku, loc).await?;
    let show = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    form.low_stock = show(t.low_stock());
    form.reorder_point = show(t.reorder_point());
    form.overstock = show(t.overstock());
    Ok(())
}

/// The thresholds of the SKU and location in the query (blank until both are chosen).
pub(super) async fn thresholds_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(mut form): ApiQuery<ThresholdForm>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    if !form.sku.trim().is_empty() && !form.location.is_empty() {
        match fill_current(&state, &user, merchant, &mut form).await {
            Ok(()) => {}
            Err(Error::Validation(fields)) => {
                let (errors, status) = (FieldErrors::of(fields), StatusCode::UNPROCESSABLE_ENTITY);
                return thresholds_view(&state, &user, ctx, merchant, form, errors, status).await;
            }
            Err(err) => return app_error(ctx, err),
        }
    }
    thresholds_view(
        &state,
        &user,
        ctx,
        merchant,
        form,
        FieldErrors::none(),
        StatusCode::OK,
    )
    .await
}

/// An optional whole number from a form field (blank: none).
fn optional_number(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse()
        .map_err(|_| {
            errors.push(FieldError::new(
                field,
                "invalid",
                "must be a whole number, or blank for none",
            ))
        })
        .ok()
}

impl ThresholdForm {
    fn parse(body: &FormBody) -> Self {
        Self {
            sku: body.value("sku"),
            location: body.value("location"),
            low_stock: body.value("low_stock"),
            reorder_point: body.value("reorder_point"),
            overstock: body.value("overstock"),
            done: None,
        }
    }

    /// The page showing these thresholds again, with a notice.
    fn saved_link(&self) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("sku", self.sku.trim())
            .append_pair("location", &self.location)
            .append_pair("done", "saved")
            .finish();
        format!("/admin/inventory/thresholds?{q}")
    }
}

/// Checks the form (every field error at once) and sets the thresholds.
async fn set(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    form: &ThresholdForm,
) -> Result<(), Error> {
    let mut errors = Vec::new();
    let input = ThresholdsInput {
        low_stock: optional_number("low_stock", &form.low_stock, &mut errors),
        reorder_point: optional_number("reorder_point", &form.reorder_point, &mut errors),
        overstock: optional_number("overstock", &form.overstock, &mut errors),
    };
    let (sku, loc) = match target(state, user, merchant, form).await {
        Ok(t) if errors.is_empty() => t,
        Ok(_) => return Err(Error::Validation(errors)),
        Err(Error::Validation(mut fields)) => {
            fields.append(&mut errors);
            return Err(Error::Validation(fields));
        }
        Err(err) => return Err(err),
    };
    inv::set_thresholds(&state.app, &user.actor, merchant, sku, loc, input)
        .await
        .map(|_| ())
}

/// Saves the thresholds of a SKU at a location.
pub(super) async fn save_thresholds(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = ThresholdForm::parse(&FormBody::parse(&body));
    match set(&state, &user, merchant, &form).await {
        Ok(()) => see_other(&form.saved_link()),
        Err(Error::Validation(fields)) => {
            let (errors, status) = (FieldErrors::of(fields), StatusCode::UNPROCESSABLE_ENTITY);
            thresholds_view(&state, &user, ctx, merchant, form, errors, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

#[derive(Template)]
#[template(path = "inventory/settings.html")]
struct SettingsPage {
    ctx: PageContext,
    quantity: String,
    value: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

fn settings_view(
    ctx: PageContext,
    quantity: String,
    value: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let nonce = ctx.nonce.clone();
    let page = SettingsPage {
        ctx,
        quantity,
        value,
        errors,
        notice,
    };
    render(status, &nonce, &page)
}

/// The inventory settings form.
pub(super) async fn settings_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    match inv::get_settings(&state.app, &user.actor, merchant).await {
        Ok(s) => {
            let show = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            let n = notice(ctx.t.inv, query.done.as_deref());
            settings_view(
                ctx,
                show(s.quantity),
                show(s.value_minor),
                FieldErrors::none(),
                n,
                StatusCode::OK,
            )
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Saves the approval thresholds (blank turns a rule off).
pub(super) async fn save_settings(
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
    let (quantity, value) = (body.value("quantity"), body.value("value_minor"));
    let mut errors = Vec::new();
    let thresholds = ApprovalThresholds {
        quantity: optional_number("quantity", &quantity, &mut errors),
        value_minor: optional_number("value_minor", &value, &mut errors),
    };
    let result = if errors.is_empty() {
        inv::update_settings(&state.app, &user.actor, merchant, thresholds)
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(errors))
    };
    match result {
        Ok(()) => see_other(&done("/admin/inventory/settings", "saved")),
        Err(Error::Validation(fields)) => settings_view(
            ctx,
            quantity,
            value,
            FieldErrors::of(fields),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => app_error(ctx, err),
    }
}
