//! Payment use cases (issue 7, PAY-1/PAY-2; docs/adr/0019): record payments of an order,
//! move them (capture, fail, refund, and authorise through a provider), read them, and
//! apply signed provider notifications ([`notify`]).
//!
//! Every change runs in one write transaction that also recomputes the order's payment
//! status with [`derive_order_payment`], appends `payment_changed` to the order's timeline,
//! appends to the payment's event log and is audited. An order held only because it was
//! unpaid is released and allocated once its payments secure it. Reading needs
//! `orders.read`, changing `orders.manage`. No text field may carry a card number.

pub mod notify;
mod rows;

pub use notify::*;
pub use rows::{NewPayment, Payment, PaymentEvent};

use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Money;
use omnihub_domain::orders::{HoldReason, OrderId, OrderStatus, PaymentStatus, TimelineEvent};
use omnihub_domain::payments::{
    PaymentFigures, PaymentId, PaymentMethod, PaymentMoveError, PaymentState, contains_card_number,
    derive_order_payment,
};
use omnihub_store::orders::OrderRow;
use omnihub_store::payments::{self as store, PaymentEventRow, PaymentRow};
use omnihub_store::{Tx, time};

use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use crate::orders::{
    Order, lock_order, note, release_and_allocate, require_order, save, timeline_actor,
};
use crate::{Actor, App};

fn refused(e: PaymentMoveError) -> Error {
    Error::Conflict {
        code: e.code(),
        message: e.to_string(),
    }
}

/// Refuses text that carries a card number: we never store one (DESIGN.md "Security").
pub fn refuse_card_numbers(fields: &[(&str, Option<&str>)]) -> Result<()> {
    match fields
        .iter()
        .find(|(_, v)| v.is_some_and(contains_card_number))
    {
        Some((field, _)) => Err(Error::Unprocessable {
            code: "card-number-refused",
            message: format!(
                "{field} looks like it carries a card number; card numbers are never stored"
            ),
        }),
        None => Ok(()),
    }
}

async fn require_payment(tx: &mut Tx, merchant: MerchantId, id: PaymentId) -> Result<PaymentRow> {
    store::get_payment(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "payment" })
}

fn figures(rows: &[PaymentRow]) -> Result<Vec<PaymentFigures>> {
    rows.iter()
        .map(|r| {
            Ok(PaymentFigures {
                state: PaymentState::parse(&r.state).map_err(crate::inventory::corrupt)?,
                amount_minor: r.amount_minor,
                refunded_minor: r.refunded_minor,
            })
        })
        .collect()
}

/// What a change of a payment is: its event-log code, audit action, who did it (as the
/// timeline names them) and extra data for the event log.
pub(crate) struct Act<'a> {
    pub(crate) event: &'a str,
    pub(crate) action: &'static str,
    pub(crate) who: &'a str,
    pub(crate) data: serde_json::Value,
}

/// After a payment changed: appends its event, recomputes the order's payment status,
/// notes `payment_changed` on the timeline, saves the order and, when the order was held
/// only for being unpaid and is now secured, releases and allocates it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn after_change(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    order: &mut OrderRow,
    payment: &PaymentRow,
    act: &Act<'_>,
    moved_minor: i64,
) -> Result<()> {
    let (event, who) = (act.event, act.who);
    let ev = PaymentEventRow {
        id: app.ids.new_id(),
        payment_id: payment.id,
        event: event.to_owned(),
        state: payment.state.clone(),
        amount_minor: moved_minor,
        actor: who.to_owned(),
        data: act.data.to_string(),
        at: time::to_db(app.now()),
    };
    store::append_event(tx, merchant, &ev).await?;
    let before = Order::try_from(&*order)?;
    let rows = store::payments_of(tx, merchant, order.id).await?;
    let next = derive_order_payment(order.total_minor, &figures(&rows)?);
    let data = serde_json::json!({"payment_id": payment.id, "event": event, "state": payment.state, "amount_minor": moved_minor, "from": before.payment_status.code(), "to": next.code()});
    note(
        app,
        tx,
        merchant,
        order.id,
        TimelineEvent::PaymentChanged,
        who,
        data,
    )
    .await?;
    let expected = order.version;
    order.payment_status = next.code().to_owned();
    save(app, tx, merchant, order, expected).await?;
    let held_for_payment =
        before.status == OrderStatus::OnHold && before.hold_reasons == [HoldReason::UnpaidNotCod];
    if held_for_payment && next.is_secured() {
        release_and_allocate(app, tx, actor, merchant, order, who).await?;
    }
    if before.payment_status != PaymentStatus::Paid && next == PaymentStatus::Paid {
        auto_invoice(app, tx, actor, merchant, order.id).await?;
    }
    Ok(())
}

/// The order's payment status derived again from its payments after its total changed
/// (an order edit). An order without payment records keeps what its channel reported.
/// Returns the new status when it changed; the caller saves the row.
pub(crate) async fn rederive_in(
    tx: &mut Tx,
    merchant: MerchantId,
    order: &mut OrderRow,
) -> Result<Option<PaymentStatus>> {
    let rows = store::payments_of(tx, merchant, order.id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let next = derive_order_payment(order.total_minor, &figures(&rows)?);
    if next.code() == order.payment_status {
        return Ok(None);
    }
    order.payment_status = next.code().to_owned();
    Ok(Some(next))
}

/// Issues the invoice of an order that just became paid when the merchant turned
/// `invoices.auto_issue` on. Behind a savepoint: an order that already has an invoice (or
/// cannot have one) keeps its payment, and the invoice number taken is given back.
async fn auto_invoice(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    order: uuid::Uuid,
) -> Result<()> {
    if !crate::invoices::auto_issue_enabled(tx, merchant).await? {
        return Ok(());
    }
    let point = omnihub_store::Savepoint::set(tx, "auto_invoice").await?;
    let buyer = crate::invoices::BuyerInput::default();
    let id = OrderId::from_uuid(order);
    match crate::invoices::issue_invoice_in(app, tx, actor, merchant, id, &buyer).await {
        Ok(_) => point.release(tx).await.map_err(Into::into),
        Err(Error::Conflict { .. }) => point.roll_back(tx).await.map_err(Into::into),
        Err(e) => Err(e),
    }
}

fn audit_change(
    merchant: MerchantId,
    action: &'static str,
    before: Option<&PaymentRow>,
    after: &PaymentRow,
) -> Change<'static> {
    let view = |p: &PaymentRow| serde_json::json!({"order_id": p.order_id, "method": p.method, "state": p.state, "amount_minor": p.amount_minor, "refunded_minor": p.refunded_minor});
    Change {
        action,
        entity_type: "payment",
        entity_id: Some(after.id.to_string()),
        merchant: Some(merchant),
        before: before.map(view),
        after: Some(view(after)),
    }
}

fn optional(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A payment is recorded pending (the default), authorised or captured; nothing else.
fn initial_state(v: &mut Validator, raw: Option<&str>) -> Option<PaymentState> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty());
    let Some(s) = raw else {
        return Some(PaymentState::Pending);
    };
    let parsed = PaymentState::parse(s).and_then(|s| match s {
        PaymentState::Pending | PaymentState::Authorized | PaymentState::Captured => Ok(s),
        _ => Err(omnihub_domain::codes::UnknownCode {
            expected: "pending authorized captured",
        }),
    });
    v.check("state", "invalid", parsed)
}

/// Checks a new payment against its order; the row to insert (state and amount parsed,
/// texts trimmed). The amount must be more than 0 and at most what is still due.
fn new_row(
    app: &App,
    order: &OrderRow,
    existing: &[PaymentRow],
    input: &NewPayment,
) -> Result<PaymentRow> {
    let o = Order::try_from(order)?;
    let mut v = Validator::default();
    let method = v.check(
        "method",
        "invalid",
        PaymentMethod::parse(input.method.trim()),
    );
    let state = initial_state(&mut v, input.state.as_deref());
    let amount = v.check(
        "amount",
        "invalid",
        Money::parse_non_negative(&input.amount, o.currency),
    );
    let due = order.total_minor
        - existing
            .iter()
            .filter(|p| PaymentState::parse(&p.state).is_ok_and(PaymentState::counts))
            .map(|p| p.amount_minor - p.refunded_minor)
            .sum::<i64>();
    if let Some(a) = amount {
        if a.minor() <= 0 {
            v.check(
                "amount",
                "not_positive",
                Err::<(), _>("must be more than 0"),
            );
        } else if a.minor() > due {
            let left = Money::from_minor(due.max(0), o.currency).amount_text();
            v.check(
                "amount",
                "above_due",
                Err::<(), _>(format!("at most {left} is still due")),
            );
        }
    }
    for (field, text) in [
        ("provider", &input.provider),
        ("provider_reference", &input.provider_reference),
        ("payer", &input.payer),
        ("note", &input.note),
    ] {
        if text.as_deref().is_some_and(|t| t.chars().count() > 500) {
            v.check(field, "too_long", Err::<(), _>("at most 500 characters"));
        }
    }
    v.finish()?;
    let (Some(method), Some(state), Some(amount)) = (method, state, amount) else {
        return Err(Error::Validation(Vec::new()));
    };
    let now = time::to_db(app.now());
    Ok(PaymentRow {
        id: app.ids.new_id(),
        order_id: order.id,
        method: method.code().to_owned(),
        state: state.code().to_owned(),
        amount_minor: amount.minor(),
        currency: o.currency.as_ref().to_owned(),
        refunded_minor: 0,
        provider: optional(input.provider.as_deref()),
        provider_reference: optional(input.provider_reference.as_deref()),
        payer: optional(input.payer.as_deref()),
        note: optional(input.note.as_deref()),
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

async fn record_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    input: &NewPayment,
) -> Result<Payment> {
    let mut o = lock_order(tx, merchant, order).await?;
    let existing = store::payments_of(tx, merchant, o.id).await?;
    let row = new_row(app, &o, &existing, input)?;
    if let (Some(p), Some(r)) = (&row.provider, &row.provider_reference)
        && store::payment_by_reference(tx, merchant, p, r)
            .await?
            .is_some()
    {
        return Err(Error::Conflict {
            code: "payment-reference-taken",
            message: "another payment of this provider has that reference".to_owned(),
        });
    }
    store::insert_payment(tx, merchant, &row).await?;
    let who = timeline_actor(actor, None);
    let act = Act {
        event: "recorded",
        action: "payment.record",
        who: &who,
        data: serde_json::json!({}),
    };
    after_change(
        app,
        tx,
        actor,
        merchant,
        &mut o,
        &row,
        &act,
        row.amount_minor,
    )
    .await?;
    audit::record(
        app,
        tx,
        actor,
        audit_change(merchant, "payment.record", None, &row),
    )
    .await?;
    payment_in(tx, merchant, row).await
}

/// Records a payment of an order (pending unless `state` says authorized or captured).
/// Idempotent by `Idempotency-Key`. Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %order), err)]
pub async fn record_payment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    input: &NewPayment,
    request: Option<&IdempotentRequest>,
    render: impl FnOnce(Payment) -> Result<StoredResponse>,
) -> Result<Outcome> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    refuse_card_numbers(&input.texts())?;
    let op = async |tx: &mut Tx| record_in(app, tx, actor, merchant, order, input).await;
    idempotency::run(app, actor, merchant, request, op, render).await
}

pub(crate) async fn payment_in(
    tx: &mut Tx,
    merchant: MerchantId,
    row: PaymentRow,
) -> Result<Payment> {
    let events = store::events_of(tx, merchant, row.id).await?;
    Payment::from_rows(&row, &events)
}

/// The payments of one order, oldest first. Needs `orders.read`.
pub async fn list_payments(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
) -> Result<Vec<Payment>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let o = require_order(&mut tx, merchant, order).await?;
    let mut out = Vec::new();
    for row in store::payments_of(&mut tx, merchant, o.id).await? {
        out.push(payment_in(&mut tx, merchant, row).await?);
    }
    Ok(out)
}

/// One payment with its event log. Needs `orders.read`.
pub async fn get_payment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: PaymentId,
) -> Result<Payment> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_payment(&mut tx, merchant, id).await?;
    payment_in(&mut tx, merchant, row).await
}

/// A move of one payment: the new state and refunded sum, and the amount it moved.
pub(crate) type Move = (PaymentState, i64, i64);

/// Applies `step` to a payment in `tx`: saves it (version-checked), then [`after_change`]
/// and the audit entry.
pub(crate) async fn move_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    mut row: PaymentRow,
    act: &Act<'_>,
    step: impl FnOnce(PaymentState, &PaymentRow) -> Result<Move>,
) -> Result<PaymentRow> {
    let before = row.clone();
    let state = PaymentState::parse(&row.state).map_err(crate::inventory::corrupt)?;
    let (next, refunded, moved) = step(state, &row)?;
    let expected = row.version;
    row.state = next.code().to_owned();
    row.refunded_minor = refunded;
    row.version = expected + 1;
    row.updated_at = time::to_db(app.now());
    if !store::update_payment(tx, merchant, &row, expected).await? {
        return Err(Error::Conflict {
            code: "payment-changed",
            message: "the payment was changed by someone else; reload and retry".to_owned(),
        });
    }
    let mut order = lock_order(tx, merchant, OrderId::from_uuid(row.order_id)).await?;
    after_change(app, tx, actor, merchant, &mut order, &row, act, moved).await?;
    audit::record(
        app,
        tx,
        actor,
        audit_change(merchant, act.action, Some(&before), &row),
    )
    .await?;
    Ok(row)
}

async fn staff_move(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: PaymentId,
    event: &str,
    action: &'static str,
    step: impl FnOnce(PaymentState, &PaymentRow) -> Result<Move>,
) -> Result<Payment> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let row = require_payment(&mut tx, merchant, id).await?;
    let who = timeline_actor(actor, None);
    let act = Act {
        event,
        action,
        who: &who,
        data: serde_json::json!({}),
    };
    let row = move_in(app, &mut tx, actor, merchant, row, &act, step).await?;
    let out = payment_in(&mut tx, merchant, row).await?;
    tx.commit().await?;
    Ok(out)
}

/// Captures a pending or authorised payment (money taken, cash collected).
/// Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, payment_id = %id), err)]
pub async fn capture_payment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: PaymentId,
) -> Result<Payment> {
    staff_move(
        app,
        actor,
        merchant,
        id,
        "captured",
        "payment.capture",
        |s, r| {
            Ok((
                s.capture().map_err(refused)?,
                r.refunded_minor,
                r.amount_minor,
            ))
        },
    )
    .await
}

/// Marks a pending or authorised payment failed. Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, payment_id = %id), err)]
pub async fn fail_payment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: PaymentId,
) -> Result<Payment> {
    staff_move(
        app,
        actor,
        merchant,
        id,
        "failed",
        "payment.fail",
        |s, r| Ok((s.fail().map_err(refused)?, r.refunded_minor, 0)),
    )
    .await
}

/// Parses a refund amount in the payment's currency and refunds it.
pub(crate) fn refund_step(s: PaymentState, r: &PaymentRow, amount: &str) -> Result<Move> {
    let currency =
        omnihub_domain::money::Currency::parse(&r.currency).map_err(crate::inventory::corrupt)?;
    let mut v = Validator::default();
    let a = v.check(
        "amount",
        "invalid",
        Money::parse_non_negative(amount, currency),
    );
    v.finish()?;
    let a = a.map_or(0, Money::minor);
    let (next, refunded) = s
        .refund(r.amount_minor, r.refunded_minor, a)
        .map_err(refused)?;
    Ok((next, refunded, a))
}

/// Gives back `amount` (decimal text) of a captured payment, in part or in full.
/// Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, payment_id = %id), err)]
pub async fn refund_payment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: PaymentId,
    amount: &str,
) -> Result<Payment> {
    staff_move(
        app,
        actor,
        merchant,
        id,
        "refunded",
        "payment.refund",
        |s, r| refund_step(s, r, amount),
    )
    .await
}
