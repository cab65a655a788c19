//! Transfers: the list with a create form (source, destination, lines of SKU code and
//! quantity), and the detail page with dispatch, receive (a received quantity per line,
//! optionally closing with the shortfall recorded as discrepancies) and cancel.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::inventory::{
    self as inv, ReceiptLine, ReceiveTransferInput, Transfer, TransferInput, TransferQuery,
};
use omnihub_app::{Error, FieldError};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{TransferId, TransferStatus};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{
    InvTr, LineRow, Locations, attach_line_errors, done, line_rows, notice, pad, resolve_lines,
    sku_code, sku_names, transfer_status_label,
};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The create form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct TransferForm {
    pub from: String,
    pub to: String,
    pub note: String,
    pub rows: Vec<LineRow>,
}

/// A transfer in the list.
pub struct TransferRow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "inventory/transfers.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<TransferRow>,
    next: Option<String>,
    form: TransferForm,
    from_choices: Vec<Choice>,
    to_choices: Vec<Choice>,
    errors: FieldErrors,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    cursor: Option<String>,
    entered: Option<(TransferForm, FieldErrors)>,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let q = TransferQuery {
        cursor: cursor.filter(|c| !c.is_empty()),
        limit: Some(50),
        ..TransferQuery::default()
    };
    let loaded = async {
        Ok::<_, Error>((
            inv::list_transfers(app, actor, merchant, q).await?,
            Locations::load(state, actor, merchant).await?,
        ))
    };
    let (page, locations) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.inv;
    let rows = page
        .items
        .iter()
        .map(|tr| TransferRow {
            id: tr.id.to_string(),
            from: locations.code(tr.from_location_id),
            to: locations.code(tr.to_location_id),
            status: transfer_status_label(t, tr.status),
            status_code: tr.status.code(),
            created: when(tr.created_at),
        })
        .collect();
    let status = if entered.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (form, errors) = entered.unwrap_or_else(|| {
        let mut f = TransferForm::default();
        pad(&mut f.rows);
        (f, FieldErrors::none())
    });
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        rows,
        next: page
            .next_cursor
            .map(|c| format!("/admin/inventory/transfers?cursor={c}")),
        from_choices: locations.choices(&form.from, None),
        to_choices: locations.choices(&form.to, None),
        form,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The transfer list with the create form.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    list_view(&state, &user, ctx, merchant, query.cursor, None).await
}

/// Resolves the form's SKU codes and creates the transfer. A refusal of the input is a
/// validation error holding what belongs to no row (the rows carry their own).
async fn create_draft(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    t: &InvTr,
    form: &mut TransferForm,
) -> Result<Transfer, Error> {
    let Some(lines) = resolve_lines(state, &user.actor, merchant, t, &mut form.rows).await? else {
        return Err(Error::Validation(Vec::new()));
    };
    let input = TransferInput {
        from_location_id: opt_id(Some(&form.from)),
        to_location_id: opt_id(Some(&form.to)),
        lines: lines.lines,
        note: Some(form.note.clone()),
    };
    match inv::create_transfer(&state.app, &user.actor, merchant, input).await {
        Err(Error::Validation(fields)) => Err(Error::Validation(attach_line_errors(
            &mut form.rows,
            &lines.rows,
            fields,
        ))),
        other => other,
    }
}

/// Creates a draft transfer and opens it.
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
    let body = FormBody::parse(&body);
    let mut form = TransferForm {
        from: body.value("from_location_id"),
        to: body.value("to_location_id"),
        note: body.value("note"),
        rows: line_rows(&body),
    };
    match create_draft(&state, &user, merchant, ctx.t.inv, &mut form).await {
        Ok(tr) => see_other(&done(
            &format!("/admin/inventory/transfers/{}", tr.id),
            "created",
        )),
        Err(Error::Validation(rest)) => {
            let entered = Some((form, FieldErrors::of(rest)));
            list_view(&state, &user, ctx, merchant, None, entered).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A line of the detail page.
pub struct DetailLine {
    pub sku_id: String,
    pub sku_code: String,
    pub quantity: i64,
    pub received: i64,
    pub outstanding: i64,
    pub discrepancy: i64,
}

#[derive(Template)]
#[template(path = "inventory/transfer.html")]
struct DetailPage {
    ctx: PageContext,
    id: String,
    from: String,
    to: String,
    status: &'static str,
    status_code: &'static str,
    note: String,
    created: String,
    dispatched: String,
    closed: String,
    lines: Vec<DetailLine>,
    can_dispatch: bool,
    can_receive: bool,
    message: Option<String>,
    notice: Option<&'static str>,
}

async fn detail_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    tr: Transfer,
    message: Option<(StatusCode, String)>,
    notice: Option<&'static str>,
) -> Response {
    let ids: Vec<SkuId> = tr.lines.iter().map(|l| l.sku_id).collect();
    let (names, locations) = match (
        sku_names(state, &user.actor, merchant, &ids).await,
        Locations::load(state, &user.actor, merchant).await,
    ) {
        (Ok(n), Ok(l)) => (n, l),
        (Err(err), _) | (_, Err(err)) => return app_error(ctx, err),
    };
    let (status, message) = message.map_or((StatusCode::OK, None), |(s, m)| (s, Some(m)));
    let lines = tr
        .lines
        .iter()
        .map(|l| DetailLine {
            sku_id: l.sku_id.to_string(),
            sku_code: sku_code(&names, l.sku_id),
            quantity: l.quantity,
            received: l.received,
            outstanding: (l.quantity - l.received - l.discrepancy).max(0),
            discrepancy: l.discrepancy,
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        id: tr.id.to_string(),
        from: locations.code(tr.from_location_id),
        to: locations.code(tr.to_location_id),
        status: transfer_status_label(ctx.t.inv, tr.status),
        status_code: tr.status.code(),
        note: tr.note.clone().unwrap_or_default(),
        created: when(tr.created_at),
        dispatched: tr.dispatched_at.map(when).unwrap_or_default(),
        closed: tr.received_at.map(when).unwrap_or_default(),
        can_dispatch: tr.status == TransferStatus::Draft,
        can_receive: matches!(
            tr.status,
            TransferStatus::InTransit | TransferStatus::PartiallyReceived
        ),
        lines,
        message,
        notice,
        ctx,
    };
    render(status, &nonce, &page)
}

/// One transfer with its actions.
pub(super) async fn detail(
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
    let found = match parse_id::<TransferId>(&raw, "transfer") {
        Ok(id) => inv::get_transfer(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match found {
        Ok(tr) => {
            let n = notice(ctx.t.inv, query.done.as_deref());
            detail_view(&state, &user, ctx, merchant, tr, None, n).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The received quantities of the receive form (`sku_id` and `received` repeated; blank
/// or zero rows left out).
fn received_lines(form: &FormBody) -> Result<Vec<ReceiptLine>, Error> {
    let mut out = Vec::new();
    for (raw_sku, raw_q) in form.values("sku_id").iter().zip(form.values("received")) {
        if raw_q.trim().is_empty() {
            continue;
        }
        let sku = parse_id::<SkuId>(raw_sku, "sku")?;
        let quantity = raw_q.trim().parse::<i64>().map_err(|_| {
            Error::Validation(vec![FieldError::new(
                format!("received[{sku}]"),
                "invalid",
                "must be a whole number",
            )])
        })?;
        if quantity != 0 {
            out.push(ReceiptLine {
                sku_id: sku,
                quantity,
            });
        }
    }
    Ok(out)
}

/// Runs one action of the detail page; the notice code on success.
async fn run(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    id: TransferId,
    action: &str,
    form: &FormBody,
) -> Result<&'static str, Error> {
    let (app, actor) = (&state.app, &user.actor);
    match action {
        "dispatch" => inv::dispatch_transfer(app, actor, merchant, id)
            .await
            .map(|_| "dispatched"),
        "cancel" => inv::cancel_transfer(app, actor, merchant, id)
            .await
            .map(|_| "cancelled"),
        "receive" => match received_lines(form) {
            Ok(lines) => {
                let input = ReceiveTransferInput {
                    lines,
                    close: form.checked("close"),
                };
                inv::receive_transfer(app, actor, merchant, id, input)
                    .await
                    .map(|_| "received")
            }
            Err(err) => Err(err),
        },
        _ => Err(Error::NotFound { entity: "page" }),
    }
}

/// Dispatches, receives or cancels a transfer.
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
    let id = match parse_id::<TransferId>(&raw, "transfer") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let result = run(
        &state,
        &user,
        merchant,
        id,
        &action,
        &FormBody::parse(&body),
    )
    .await;
    let message = match result {
        Ok(code) => return see_other(&done(&format!("/admin/inventory/transfers/{id}"), code)),
        Err(Error::Conflict { message, .. }) => (StatusCode::CONFLICT, message),
        Err(Error::Validation(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::of(fields).all().join("; "),
        ),
        Err(err) => return app_error(ctx, err),
    };
    match inv::get_transfer(&state.app, &user.actor, merchant, id).await {
        Ok(tr) => detail_view(&state, &user, ctx, merchant, tr, Some(message), None).await,
        Err(err) => app_error(ctx, err),
    }
}
