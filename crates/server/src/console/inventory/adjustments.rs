//! Goods-in and adjustments. The receive form books a receipt (location, lines of SKU code
//! and quantity, reference, note); the adjustment form requests a signed change with a
//! reason code, booked at once or, above the merchant's thresholds, queued for approval.
//! The queue lists pending adjustments with approve and reject buttons; deciding needs
//! `inventory.approve` and someone other than the requester, and a refusal is shown on the
//! page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::inventory::{
    self as inv, Adjustment, AdjustmentInput, AdjustmentStatus, ReceiptInput,
};
use omnihub_app::{Error, FieldError};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{AdjustmentId, AdjustmentReason};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{
    InvTr, LineRow, Locations, adjustment_reason_label, attach_line_errors, code_choices, done,
    line_rows, notice, pad, resolve_lines, sku_code, sku_names,
};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The receive form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct ReceiveForm {
    pub location: String,
    pub reference: String,
    pub note: String,
    pub rows: Vec<LineRow>,
}

#[derive(Template)]
#[template(path = "inventory/receive.html")]
struct ReceivePage {
    ctx: PageContext,
    form: ReceiveForm,
    locations: Vec<Choice>,
    errors: FieldErrors,
}

async fn receive_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    form: ReceiveForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let locations = match Locations::load(state, &user.actor, merchant).await {
        Ok(l) => l,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = ReceivePage {
        locations: locations.choices(&form.location, None),
        form,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The goods-in form.
pub(super) async fn receive_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let mut form = ReceiveForm::default();
    pad(&mut form.rows);
    receive_view(
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

/// Resolves the form's SKU codes and books the receipt. A refusal of the input is a
/// validation error holding what belongs to no row (the rows carry their own).
async fn book_receipt(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    t: &InvTr,
    form: &mut ReceiveForm,
) -> Result<(), Error> {
    let Some(lines) = resolve_lines(state, &user.actor, merchant, t, &mut form.rows).await? else {
        return Err(Error::Validation(Vec::new()));
    };
    let input = ReceiptInput {
        location_id: opt_id(Some(&form.location)),
        lines: lines.lines,
        reference: form.reference.clone(),
        note: Some(form.note.clone()),
    };
    match inv::receive(&state.app, &user.actor, merchant, input).await {
        Ok(_) => Ok(()),
        Err(Error::Validation(fields)) => Err(Error::Validation(attach_line_errors(
            &mut form.rows,
            &lines.rows,
            fields,
        ))),
        Err(err) => Err(err),
    }
}

/// Books a receipt, then shows it in the ledger.
pub(super) async fn receive(
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
    let mut form = ReceiveForm {
        location: body.value("location_id"),
        reference: body.value("reference"),
        note: body.value("note"),
        rows: line_rows(&body),
    };
    match book_receipt(&state, &user, merchant, ctx.t.inv, &mut form).await {
        Ok(()) => {
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("reference", form.reference.trim())
                .append_pair("done", "received")
                .finish();
            see_other(&format!("/admin/inventory/movements?{q}"))
        }
        Err(Error::Validation(rest)) => {
            let (errors, status) = (FieldErrors::of(rest), StatusCode::UNPROCESSABLE_ENTITY);
            receive_view(&state, &user, ctx, merchant, form, errors, status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The adjustment form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct AdjustForm {
    pub sku_code: String,
    pub location: String,
    pub reason: String,
    pub delta: String,
    pub note: String,
}

/// An adjustment row.
pub struct AdjustmentRow {
    pub id: String,
    pub when: String,
    pub sku_code: String,
    pub location_code: String,
    pub delta: i64,
    pub reason: &'static str,
    pub value: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub requested_by: String,
    pub decided_by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "inventory/adjustments.html")]
struct AdjustPage {
    ctx: PageContext,
    form: AdjustForm,
    locations: Vec<Choice>,
    reasons: Vec<Choice>,
    errors: FieldErrors,
    pending: Vec<AdjustmentRow>,
    recent: Vec<AdjustmentRow>,
    message: Option<String>,
    notice: Option<&'static str>,
}

/// What the adjustment page shows besides its lists.
struct AdjustState {
    form: AdjustForm,
    errors: FieldErrors,
    message: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
}

impl AdjustState {
    fn fresh(notice: Option<&'static str>) -> Self {
        Self {
            form: AdjustForm::default(),
            errors: FieldErrors::none(),
            message: None,
            notice,
            status: StatusCode::OK,
        }
    }
}

fn adjustment_rows(
    ctx: &PageContext,
    items: Vec<Adjustment>,
    names: &std::collections::HashMap<SkuId, inv::SkuRef>,
    locations: &Locations,
) -> Vec<AdjustmentRow> {
    let t = ctx.t.inv;
    items
        .into_iter()
        .map(|a| {
            let (status, code) = match a.status {
                AdjustmentStatus::Applied => (t.adj_status_applied, "applied"),
                AdjustmentStatus::Pending => (t.adj_status_pending, "pending"),
                AdjustmentStatus::Rejected => (t.adj_status_rejected, "rejected"),
            };
            AdjustmentRow {
                id: a.id.to_string(),
                when: when(a.created_at),
                sku_code: sku_code(names, a.sku_id),
                location_code: locations.code(a.location_id),
                delta: a.delta,
                reason: adjustment_reason_label(t, a.reason),
                value: a.value_minor.map(minor).unwrap_or_default(),
                status,
                status_code: code,
                requested_by: a.requested_by,
                decided_by: a.decided_by.unwrap_or_default(),
                note: a.note.unwrap_or_default(),
            }
        })
        .collect()
}

/// Minor units as a decimal amount (two places).
pub(super) fn minor(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let v = v.unsigned_abs();
    format!("{sign}{}.{:02}", v / 100, v % 100)
}

async fn adjust_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    s: AdjustState,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let lists = async {
        let pending = inv::list_adjustments(
            app,
            actor,
            merchant,
            Some(AdjustmentStatus::Pending),
            None,
            Some(100),
        )
        .await?;
        let recent = inv::list_adjustments(app, actor, merchant, None, None, Some(20)).await?;
        let ids: Vec<SkuId> = pending
            .items
            .iter()
            .chain(&recent.items)
            .map(|a| a.sku_id)
            .collect();
        let names = sku_names(state, actor, merchant, &ids).await?;
        let locations = Locations::load(state, actor, merchant).await?;
        Ok::<_, Error>((pending.items, recent.items, names, locations))
    };
    let (pending, recent, names, locations) = match lists.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.inv;
    let nonce = ctx.nonce.clone();
    let page = AdjustPage {
        pending: adjustment_rows(&ctx, pending, &names, &locations),
        recent: adjustment_rows(&ctx, recent, &names, &locations),
        locations: locations.choices(&s.form.location, None),
        reasons: code_choices(
            AdjustmentReason::ALL,
            AdjustmentReason::code,
            |r| adjustment_reason_label(t, r),
            &s.form.reason,
            None,
        ),
        form: s.form,
        errors: s.errors,
        message: s.message,
        notice: s.notice,
        ctx,
    };
    render(s.status, &nonce, &page)
}

/// The adjustment form and the approval queue.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let n = notice(ctx.t.inv, query.done.as_deref());
    adjust_view(&state, &user, ctx, merchant, AdjustState::fresh(n)).await
}

/// Requests an adjustment.
pub(super) async fn request(
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
    let form = AdjustForm {
        sku_code: body.value("sku_code"),
        location: body.value("location_id"),
        reason: body.value("reason"),
        delta: body.value("delta"),
        note: body.value("note"),
    };
    let result = match adjustment_input(&state, &user, merchant, &form).await {
        Ok(input) => inv::adjust(&state.app, &user.actor, merchant, input).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(a) => {
            let code = if a.status == AdjustmentStatus::Pending {
                "pending"
            } else {
                "applied"
            };
            see_other(&done("/admin/inventory/adjustments", code))
        }
        Err(Error::Validation(fields)) => {
            let s = AdjustState {
                form,
                errors: FieldErrors::of(fields),
                message: None,
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            adjust_view(&state, &user, ctx, merchant, s).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The use case's input, with the SKU code resolved (unknown code: a field error, as is a
/// delta that is not a whole number).
async fn adjustment_input(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    form: &AdjustForm,
) -> Result<AdjustmentInput, Error> {
    let found = inv::skus_by_code(
        &state.app,
        &user.actor,
        merchant,
        std::slice::from_ref(&form.sku_code),
    )
    .await?;
    let sku = found.into_iter().next().flatten();
    let delta = form.delta.trim().parse::<i64>().ok();
    let mut errors = Vec::new();
    if sku.is_none() {
        errors.push(FieldError::new(
            "sku_code",
            "unknown",
            "no SKU has this code",
        ));
    }
    if delta.is_none() {
        errors.push(FieldError::new(
            "delta",
            "invalid",
            "must be a whole number (negative to take away)",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(AdjustmentInput {
        sku_id: sku.map(|s| s.id),
        location_id: opt_id(Some(&form.location)),
        delta: delta.unwrap_or_default(),
        reason: form.reason.clone(),
        note: Some(form.note.clone()),
    })
}

/// Approves or rejects a pending adjustment; a refusal (self-approval, already decided,
/// not enough stock) is shown above the queue.
pub(super) async fn decide(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, decision)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return app_error(ctx, Error::NotFound { entity: "page" }),
    };
    let note = FormBody::parse(&body).optional("note");
    let result = match parse_id::<AdjustmentId>(&raw, "adjustment") {
        Ok(id) => {
            inv::decide_adjustment(&state.app, &user.actor, merchant, id, approve, note).await
        }
        Err(err) => Err(err),
    };
    let (status, message) = match result {
        Ok(_) => {
            let code = if approve { "approved" } else { "rejected" };
            return see_other(&done("/admin/inventory/adjustments", code));
        }
        Err(Error::Denied {
            code: "self-approval",
            ..
        }) => (StatusCode::FORBIDDEN, ctx.t.inv.self_approval.to_owned()),
        Err(Error::Conflict { message, .. }) => (StatusCode::CONFLICT, message),
        Err(err) => return app_error(ctx, err),
    };
    let s = AdjustState {
        message: Some(message),
        status,
        ..AdjustState::fresh(None)
    };
    adjust_view(&state, &user, ctx, merchant, s).await
}
