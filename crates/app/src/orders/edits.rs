//! Order edits before shipment (ORD-6): the shipping address, a line's quantity, a line
//! added or cancelled. Each edit runs in one transaction: the lines change, the totals are
//! computed again (`domain::orders::edits`), the payment status is derived again from the
//! order's payments, the reservations follow (an allocated order is released and
//! allocated again, and the edit is refused whole if the new lines cannot be allocated),
//! and the timeline and audit log record it.
//!
//! Not editable: an order that has shipped (in part), is cancelled or closed, is being
//! packed (units scanned at the bench), or has an issued invoice (void it first).

use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Currency;
use omnihub_domain::orders::api_format::{ApiAddress, ApiLine};
use omnihub_domain::orders::edits::{self, LineFigures, OrderFigures};
use omnihub_domain::orders::{OrderId, OrderLineId, OrderStatus, TimelineEvent};
use omnihub_store::orders::{self as store, LineRow, LineUnits, OrderRow};
use omnihub_store::{Tx, time};

use super::actions::act_on;
use super::allocation::{AllocationResult, allocate_in, release_allocations};
use super::intake::{problem_of, set_state};
use super::{OrderDetail, note, save};
use crate::channels::resolve_item_in;
use crate::error::{Error, FieldError, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

fn conflict(code: &'static str, message: &str) -> Error {
    Error::Conflict {
        code,
        message: message.to_owned(),
    }
}

fn invalid(problems: &[omnihub_domain::orders::MappingProblem]) -> Error {
    Error::Validation(
        problems
            .iter()
            .map(|p| {
                let field = problem_of(p).field.unwrap_or_else(|| "body".to_owned());
                FieldError::new(field, p.code(), p)
            })
            .collect(),
    )
}

/// Refuses edits the order's state does not allow.
async fn check_editable(tx: &mut Tx, merchant: MerchantId, row: &OrderRow) -> Result<()> {
    let status = super::Order::try_from(row)?.status;
    if !matches!(
        status,
        OrderStatus::PendingReview
            | OrderStatus::OnHold
            | OrderStatus::Confirmed
            | OrderStatus::Allocated
    ) {
        return Err(conflict(
            "order-not-editable",
            &format!("an order that is {} can no longer be edited", status.code()),
        ));
    }
    if omnihub_store::fulfilment::packed_allocations_of_order(tx, merchant, row.id).await? > 0 {
        return Err(conflict(
            "order-being-packed",
            "units of this order are already packed; ship or re-route it instead",
        ));
    }
    let invoices = omnihub_store::invoices::invoices_of_order(tx, merchant, row.id).await?;
    if crate::invoices::active_invoice(&invoices).is_some() {
        return Err(conflict(
            "order-invoiced",
            "the order has an issued invoice; void it before editing the order",
        ));
    }
    Ok(())
}

fn figures_of(l: &LineRow) -> LineFigures {
    LineFigures {
        ordered: l.quantity,
        cancelled: l.cancelled_quantity,
        unit_price: l.unit_price_minor,
        subtotal: l.subtotal_minor,
        discount: l.discount_minor,
        tax: l.tax_minor,
    }
}

fn order_figures(row: &OrderRow) -> OrderFigures {
    OrderFigures {
        items: row.items_minor,
        discounts: row.discounts_minor,
        shipping: row.shipping_minor,
        fees: row.fees_minor,
        tax: row.tax_minor,
        tax_included: row.tax_included,
        total: row.total_minor,
    }
}

fn refused(e: edits::EditError) -> Error {
    match e {
        edits::EditError::QuantityOutOfRange => {
            Error::invalid("quantity", e.code(), "1 to 100000 units")
        }
        _ => conflict(e.code(), &e.to_string()),
    }
}

/// What changes in the lines.
enum LineEdit {
    /// The line keeps `open` units (0 cancels it).
    Resize { line: uuid::Uuid, open: i64 },
    /// A new line.
    Add(Box<LineRow>),
}

/// The lines' figures after `edit`, the index of the line it touches, and what changed
/// (for the timeline).
fn figures_after(
    before: &[LineRow],
    edit: &LineEdit,
) -> Result<(Vec<LineFigures>, usize, serde_json::Value)> {
    let mut after: Vec<LineFigures> = before.iter().map(figures_of).collect();
    match edit {
        LineEdit::Resize { line, open } => {
            let i = before
                .iter()
                .position(|l| l.id == *line)
                .ok_or(Error::NotFound {
                    entity: "order line",
                })?;
            let from = after[i].open();
            if from == 0 {
                return Err(conflict("line-cancelled", "the line is already cancelled"));
            }
            after[i] = edits::resize_line(&after[i], *open).map_err(refused)?;
            let change = serde_json::json!({"line_id": line, "from": from, "to": open});
            Ok((after, i, change))
        }
        LineEdit::Add(l) => {
            after.push(figures_of(l));
            let change =
                serde_json::json!({"line_id": l.id, "added": l.quantity, "sku_id": l.sku_id});
            Ok((after, before.len(), change))
        }
    }
}

/// Stores the edited or added line.
async fn write_line(
    tx: &mut Tx,
    merchant: MerchantId,
    edit: LineEdit,
    f: LineFigures,
    now: i64,
) -> Result<()> {
    match edit {
        LineEdit::Resize { line, .. } => {
            let units = LineUnits {
                quantity: f.ordered,
                cancelled_quantity: f.cancelled,
                subtotal_minor: f.subtotal,
                discount_minor: f.discount,
                tax_minor: f.tax,
            };
            store::set_line_units(tx, merchant, line, &units, now).await?;
        }
        LineEdit::Add(l) => store::insert_line(tx, merchant, &l).await?,
    }
    Ok(())
}

/// Applies `edit` to the order's lines, computes the totals again and moves the stock: a
/// cancelled line gives back its own stock and the rest stays put; any other change of an
/// allocated order plans the whole order again (whole order from one location first, as at
/// intake) and is refused whole if the stock cannot cover it.
async fn edit_lines(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    who: &str,
    edit: LineEdit,
) -> Result<serde_json::Value> {
    check_editable(tx, merchant, row).await?;
    let before = store::lines_of(tx, merchant, row.id).await?;
    let (after, touched, change) = figures_after(&before, &edit)?;
    let old: Vec<LineFigures> = before.iter().map(figures_of).collect();
    let totals = edits::retotal(&order_figures(row), &old, &after).map_err(refused)?;
    let allocated = super::Order::try_from(&*row)?.status == OrderStatus::Allocated;
    let cancelled_line = match edit {
        LineEdit::Resize { line, open: 0 } => Some(line),
        _ => None,
    };
    let replan = allocated && cancelled_line.is_none();
    let released = if allocated {
        release_allocations(app, tx, actor, merchant, row.id, cancelled_line).await?
    } else {
        0
    };
    write_line(tx, merchant, edit, after[touched], time::to_db(app.now())).await?;
    let from_total = row.total_minor;
    apply_totals(tx, merchant, row, &totals).await?;
    let open_left = after.iter().any(|f| f.open() > 0);
    let expected = row.version;
    if !open_left {
        set_state(row, OrderStatus::Cancelled, &[], &[])?;
    } else if replan {
        set_state(row, OrderStatus::Confirmed, &[], &[])?;
    }
    let data = serde_json::json!({"change": change, "total_minor": {"from": from_total, "to": row.total_minor}, "released_allocations": released});
    note(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::Edited,
        who,
        data.clone(),
    )
    .await?;
    if !open_left {
        let why = serde_json::json!({"reason": "every line cancelled"});
        note(
            app,
            tx,
            merchant,
            row.id,
            TimelineEvent::Cancelled,
            who,
            why,
        )
        .await?;
    }
    save(app, tx, merchant, row, expected).await?;
    if cancelled_line.is_some() {
        // Outbox (CH-3): the channel hears of a cancelled line, or of the order when it was
        // the last one. Quantity changes and added lines are ours alone (ADR 0023).
        let line = before
            .get(touched)
            .filter(|_| open_left)
            .map(|l| (l, figures_of(l).open()));
        crate::outbox::cancellation_in(app, tx, merchant, row, line, None).await?;
    }
    if super::Order::try_from(&*row)?.status == OrderStatus::Confirmed {
        let r = allocate_in(app, tx, actor, merchant, row, who, None).await?;
        if replan && !matches!(r, AllocationResult::Allocated(_)) {
            // Rolled back with the whole transaction: the order keeps its stock.
            return Err(conflict(
                "insufficient-stock",
                "the edited order cannot be allocated from the stock there is; nothing was changed",
            ));
        }
    }
    Ok(data)
}

/// Writes the new totals and derives the payment status again from the payments.
async fn apply_totals(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &mut OrderRow,
    t: &OrderFigures,
) -> Result<()> {
    row.items_minor = t.items;
    row.discounts_minor = t.discounts;
    row.tax_minor = t.tax;
    row.total_minor = t.total;
    crate::payments::rederive_in(tx, merchant, row).await?;
    Ok(())
}

/// Changes how many units of a line the customer gets (1 to 100,000): fewer cancels
/// units, more orders more. Needs `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn change_line_quantity(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    line: OrderLineId,
    quantity: i64,
) -> Result<OrderDetail> {
    if quantity < 1 {
        return Err(Error::invalid(
            "quantity",
            "quantity-out-of-range",
            "at least 1 (cancel the line to remove it)",
        ));
    }
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.edit_line",
        async |tx, row, who| {
            let edit = LineEdit::Resize {
                line: line.as_uuid(),
                open: quantity,
            };
            edit_lines(app, tx, actor, merchant, row, who, edit).await
        },
    )
    .await
}

/// Cancels every remaining unit of one line before shipment, releasing what was reserved
/// for it; cancelling the last open line cancels the order. Needs `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn cancel_line(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    line: OrderLineId,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.cancel_line",
        async |tx, row, who| {
            let edit = LineEdit::Resize {
                line: line.as_uuid(),
                open: 0,
            };
            edit_lines(app, tx, actor, merchant, row, who, edit).await
        },
    )
    .await
}

/// Adds a line (a SKU the order's channel sells, in the order's currency). Needs
/// `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn add_line(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    input: &ApiLine,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.add_line",
        async |tx, row, who| {
            let currency = Currency::parse(&row.currency).map_err(corrupt)?;
            let l = input.read(currency).map_err(|p| invalid(&p))?;
            let channel = omnihub_domain::channels::ChannelId::from_uuid(row.channel_id);
            let Some(found) = resolve_item_in(tx, merchant, channel, &l.item).await? else {
                return Err(Error::invalid(
                    "sku",
                    "unknown_sku",
                    "no SKU of this channel has this code",
                ));
            };
            let lines = store::lines_of(tx, merchant, row.id).await?;
            let now = time::to_db(app.now());
            let position = lines.iter().map(|l| l.position + 1).max().unwrap_or(0);
            let matched = (
                Some(found.sku_id.as_uuid()),
                found.listing_id.map(|i| i.as_uuid()),
            );
            let new = LineRow {
                item_product_id: None,
                item_variant_id: None,
                ..super::intake::line_row((app.ids.new_id(), row.id, position), &l, matched, now)
            };
            edit_lines(
                app,
                tx,
                actor,
                merchant,
                row,
                who,
                LineEdit::Add(Box::new(new)),
            )
            .await
        },
    )
    .await
}

/// Replaces the shipping address of an order that has not shipped. The stock stays where
/// it was allocated (re-route to plan again for the new region). Needs `orders.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn edit_shipping_address(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    input: &ApiAddress,
) -> Result<OrderDetail> {
    let address = input.read("shipping_address").map_err(|p| invalid(&p))?;
    act_on(app, actor, merchant, id, "order.edit_address", async |tx, row, who| {
        check_editable(tx, merchant, row).await?;
        let expected = row.version;
        let from = row.shipping_address.clone();
        row.shipping_address = Some(serde_json::to_string(&address).map_err(Error::internal)?);
        let data = serde_json::json!({"change": "shipping_address", "from": from.and_then(|f| serde_json::from_str::<serde_json::Value>(&f).ok()), "to": address});
        note(app, tx, merchant, row.id, TimelineEvent::Edited, who, data.clone()).await?;
        save(app, tx, merchant, row, expected).await?;
        Ok(data)
    })
    .await
}
