//! The order page's "Payments" block (issue 7, PAY-1): the order's payments (method,
//! state, amount, refunded), the record-payment form and the capture / fail / refund
//! buttons that apply to each. Each form calls `omnihub_app::payments` (the same use cases
//! as `/api/v1/orders/{id}/payments`); a refusal (an amount above what is due, an illegal
//! move, a card number in any field) is shown inside the block with what was entered
//! kept, and nothing is stored.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::idempotency::StoredResponse;
use omnihub_app::payments::{self as pay, NewPayment, Payment};
use omnihub_app::{Actor, Error};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::OrderId;
use omnihub_domain::payments::{PaymentId, PaymentMethod, PaymentState};

use super::super::PageContext;
use super::super::catalog::{Choice, choose_merchant};
use super::super::forms::{FieldErrors, FormBody, app_error, parse_id, see_other, when};
use super::super::i18n::{FulTr, Lang};
use super::super::inventory::done;
use super::super::session::ConsoleUser;
use super::detail::{Extra, show};
use crate::state::AppState;

/// One payment as the block lists it.
pub struct PaymentView {
    pub id: String,
    pub method: String,
    pub state: &'static str,
    pub amount: String,
    pub refunded: String,
    pub reference: String,
    pub payer: String,
    pub recorded: String,
    pub can_capture: bool,
    pub can_fail: bool,
    pub can_refund: bool,
}

impl PaymentView {
    fn of(p: &Payment) -> Self {
        Self {
            id: p.id.to_string(),
            method: p.method.code().to_owned(),
            state: p.state.code(),
            amount: p.amount.amount_text(),
            refunded: p.refunded.amount_text(),
            reference: p.provider_reference.clone().unwrap_or_default(),
            payer: p.payer.clone().unwrap_or_default(),
            recorded: when(p.created_at),
            can_capture: p.state.capture().is_ok(),
            can_fail: p.state.fail().is_ok(),
            can_refund: matches!(
                p.state,
                PaymentState::Captured | PaymentState::PartiallyRefunded
            ),
        }
    }
}

/// The record form as entered (kept after a refusal).
#[derive(Debug, Default, Clone)]
pub struct PaymentForm {
    pub method: String,
    pub amount: String,
    pub state: String,
    pub reference: String,
    pub payer: String,
    pub note: String,
}

/// A refusal shown in the block, and the payment it concerns (none: the record form).
#[derive(Debug, Default, Clone)]
pub struct PaymentError {
    pub message: String,
    pub payment: Option<String>,
}

/// The block.
pub struct PaymentsBlock {
    pub t: &'static FulTr,
    pub rows: Vec<PaymentView>,
    pub methods: Vec<Choice>,
    pub states: Vec<Choice>,
    pub form: PaymentForm,
    pub error: Option<PaymentError>,
}

/// The block of an order, with the form and refusal to show again.
pub async fn load(
    state: &AppState,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    lang: Lang,
    (form, error): (PaymentForm, Option<PaymentError>),
) -> Result<PaymentsBlock, Error> {
    let payments = pay::list_payments(&state.app, actor, merchant, order).await?;
    let t = lang.ful();
    let methods = PaymentMethod::ALL
        .iter()
        .map(|m| Choice {
            value: m.code().to_owned(),
            label: m.code().to_owned(),
            selected: m.code() == form.method,
        })
        .collect();
    let states = [
        ("pending", t.pay_pending),
        ("authorized", t.pay_authorized),
        ("captured", t.pay_captured),
    ]
    .into_iter()
    .map(|(v, label)| Choice {
        value: v.to_owned(),
        label: label.to_owned(),
        selected: v == form.state,
    })
    .collect();
    Ok(PaymentsBlock {
        t,
        rows: payments.iter().map(PaymentView::of).collect(),
        methods,
        states,
        form,
        error,
    })
}

fn form_of(form: &FormBody) -> PaymentForm {
    PaymentForm {
        method: form.value("method"),
        amount: form.value("amount"),
        state: form.value("state"),
        reference: form.value("provider_reference"),
        payer: form.value("payer"),
        note: form.value("note"),
    }
}

/// The message of a refusal shown in the block; other errors are pages of their own.
fn refusal(err: Error) -> Result<(String, StatusCode), Error> {
    match err {
        Error::Conflict { message, .. } => Ok((message, StatusCode::CONFLICT)),
        Error::Unprocessable { message, .. } => Ok((message, StatusCode::UNPROCESSABLE_ENTITY)),
        Error::Validation(fields) => Ok((
            FieldErrors::of(fields).all().join("; "),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        err => Err(err),
    }
}

/// The order page again with the refusal in the block (409/422 as the API answers).
async fn refused(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (merchant, id): (MerchantId, OrderId),
    err: Error,
    (form, payment): (PaymentForm, Option<String>),
) -> Response {
    // A refused card number is not echoed back into the form.
    let card = matches!(&err, Error::Unprocessable { code, .. } if *code == "card-number-refused");
    let form = if card { PaymentForm::default() } else { form };
    match refusal(err) {
        Ok((message, status)) => {
            let extra = Extra {
                payment_form: form,
                payment_error: Some(PaymentError { message, payment }),
                status: Some(status),
                ..Extra::default()
            };
            show(state, user, ctx, merchant, id, extra).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Records a payment of the order.
pub(super) async fn record(
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
    let entered = form_of(&FormBody::parse(&body));
    let input = NewPayment {
        method: entered.method.clone(),
        amount: entered.amount.clone(),
        state: Some(entered.state.clone()).filter(|s| !s.is_empty()),
        provider: None,
        provider_reference: Some(entered.reference.clone()).filter(|s| !s.is_empty()),
        payer: Some(entered.payer.clone()).filter(|s| !s.is_empty()),
        note: Some(entered.note.clone()).filter(|s| !s.is_empty()),
    };
    // The console sends no idempotency key: a resent form is a second payment, which
    // the "at most what is due" rule refuses once the order is covered.
    let stored = |_| {
        Ok(StoredResponse {
            status: 201,
            body: String::new(),
        })
    };
    match pay::record_payment(&state.app, &user.actor, merchant, id, &input, None, stored).await {
        Ok(_) => see_other(&done(&format!("/admin/orders/{id}"), "payment_recorded")),
        Err(err) => refused(&state, &user, ctx, (merchant, id), err, (entered, None)).await,
    }
}

/// Captures, fails or refunds (`amount`) one payment of the order.
pub(super) async fn act(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, raw_payment, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let ids = parse_id::<OrderId>(&raw, "order")
        .and_then(|id| Ok((id, parse_id::<PaymentId>(&raw_payment, "payment")?)));
    let (id, payment) = match ids {
        Ok(ids) => ids,
        Err(err) => return app_error(ctx, err),
    };
    let (app, actor) = (&state.app, &user.actor);
    let amount = FormBody::parse(&body).value("amount");
    let moved = match pay::get_payment(app, actor, merchant, payment).await {
        Ok(p) if p.order_id != id => Err(Error::NotFound { entity: "payment" }),
        Ok(_) => match action.as_str() {
            "capture" => pay::capture_payment(app, actor, merchant, payment).await,
            "fail" => pay::fail_payment(app, actor, merchant, payment).await,
            "refund" => pay::refund_payment(app, actor, merchant, payment, &amount).await,
            _ => Err(Error::NotFound { entity: "page" }),
        },
        Err(err) => Err(err),
    };
    match moved {
        Ok(p) => see_other(&done(
            &format!("/admin/orders/{id}"),
            &format!("payment_{}", p.state.code()),
        )),
        Err(err) => {
            let which = (PaymentForm::default(), Some(payment.to_string()));
            refused(&state, &user, ctx, (merchant, id), err, which).await
        }
    }
}
