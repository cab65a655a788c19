//! Issuing, voiding and crediting invoices. Each runs in one write transaction: it takes
//! the number from the merchant's sequence, snapshots the order, appends to the order's
//! timeline and is audited, so a refusal anywhere rolls the number back.

use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::invoices::{
    InvoiceId, InvoiceKind, InvoiceNumber, InvoiceStatus, OrderFigures, SourceLine, invoice_lines,
    invoice_totals,
};
use omnihub_domain::orders::{OrderId, OrderStatus, TimelineEvent};
use omnihub_store::invoices::{self as store, InvoiceLineRow, InvoiceRow};
use omnihub_store::orders::{self as orders_store, OrderRow};
use omnihub_store::{Tx, merchants, time};

use super::rows::{BuyerInput, Invoice};
use super::{load, require_invoice};
use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::inventory::corrupt;
use crate::orders::{lock_order, note, timeline_actor};
use crate::{Actor, App};

/// Takes the next number of the merchant's series for the year of `now` in the
/// merchant's time zone.
async fn next_number(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    kind: InvoiceKind,
) -> Result<String> {
    let m = merchants::get(tx, merchant).await?;
    let tz = jiff::tz::TimeZone::get(&m.time_zone).map_err(corrupt)?;
    let year = app.now().to_zoned(tz).year();
    let seq = store::next_invoice_sequence(tx, merchant, i64::from(year)).await?;
    let number = InvoiceNumber::new(kind, year, seq).map_err(|e| Error::Conflict {
        code: "invoice-numbers-exhausted",
        message: e.to_string(),
    })?;
    Ok(number.to_string())
}

/// The order's issued invoice, if any (credit notes and voided invoices do not count).
pub(crate) fn active_invoice(rows: &[InvoiceRow]) -> Option<&InvoiceRow> {
    rows.iter()
        .find(|r| r.kind == InvoiceKind::Invoice.code() && r.status == InvoiceStatus::Issued.code())
}

fn snapshot(
    app: &App,
    order: &OrderRow,
    lines: &[orders_store::LineRow],
    invoice: uuid::Uuid,
) -> (Vec<InvoiceLineRow>, omnihub_domain::invoices::InvoiceTotals) {
    let source: Vec<SourceLine> = lines
        .iter()
        .map(|l| SourceLine {
            description: l
                .title
                .clone()
                .or_else(|| l.item_sku.clone())
                .unwrap_or_else(|| format!("#{}", l.position + 1)),
            sku: l.item_sku.clone(),
            quantity: l.quantity,
            cancelled: l.cancelled_quantity,
            unit_price: l.unit_price_minor,
            discount: l.discount_minor,
            tax: l.tax_minor,
        })
        .collect();
    let drafts = invoice_lines(&source);
    let totals = invoice_totals(
        &drafts,
        OrderFigures {
            items: order.items_minor,
            discounts: order.discounts_minor,
            shipping: order.shipping_minor,
            fees: order.fees_minor,
            tax: order.tax_minor,
            tax_included: order.tax_included,
        },
    );
    let rows = drafts
        .into_iter()
        .map(|d| InvoiceLineRow {
            id: app.ids.new_id(),
            invoice_id: invoice,
            position: d.position,
            description: d.description,
            sku: d.sku,
            quantity: d.quantity,
            unit_price_minor: d.unit_price,
            subtotal_minor: d.subtotal,
            discount_minor: d.discount,
            tax_minor: d.tax,
        })
        .collect();
    (rows, totals)
}

/// Issues an invoice for an order inside the caller's transaction, for use cases that
/// already hold one (the payments work issues after payment when
/// [`super::auto_issue_enabled`]). Checks `orders.manage`. Refuses a cancelled order
/// (`order-cancelled`), and a second invoice while one is issued (`invoice-exists`):
/// void it first. The number is taken before that check so concurrent issuers for the
/// merchant queue on the sequence row; a refusal rolls it back with the transaction.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %order), err)]
pub async fn issue_invoice_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    buyer: &BuyerInput,
) -> Result<Invoice> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let buyer = buyer.check()?;
    let row = lock_order(tx, merchant, order).await?;
    if row.status == OrderStatus::Cancelled.code() {
        return Err(Error::Conflict {
            code: "order-cancelled",
            message: "a cancelled order cannot be invoiced".to_owned(),
        });
    }
    let number = next_number(app, tx, merchant, InvoiceKind::Invoice).await?;
    let existing = store::invoices_of_order(tx, merchant, row.id).await?;
    if let Some(first) = active_invoice(&existing) {
        return Err(Error::Conflict {
            code: "invoice-exists",
            message: format!(
                "the order already has invoice {}; void it first",
                first.number
            ),
        });
    }
    let id = app.ids.new_id();
    let lines = orders_store::lines_of(tx, merchant, row.id).await?;
    let (line_rows, totals) = snapshot(app, &row, &lines, id);
    let now = time::to_db(app.now());
    let inv = InvoiceRow {
        id,
        order_id: row.id,
        kind: InvoiceKind::Invoice.code().to_owned(),
        number,
        status: InvoiceStatus::Issued.code().to_owned(),
        buyer_title: buyer.title.map(String::from),
        buyer_tax_id: buyer.tax_id.map(String::from),
        buyer_address: buyer.address,
        currency: row.currency.clone(),
        items_minor: totals.items,
        discount_minor: totals.discount,
        shipping_minor: totals.shipping,
        tax_minor: totals.tax,
        total_minor: totals.total,
        issued_at: now,
        credit_of: None,
        created_at: now,
        updated_at: now,
    };
    store::insert_invoice(tx, merchant, &inv, &line_rows).await?;
    record(app, tx, actor, merchant, &inv, "invoice.issue", None).await?;
    let out = Invoice::from_rows(&inv, &line_rows, row.number)?;
    Ok(out)
}

/// Timeline entry on the order and audit entry for a change to `inv`.
async fn record(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    inv: &InvoiceRow,
    action: &'static str,
    before: Option<serde_json::Value>,
) -> Result<()> {
    let who = timeline_actor(actor, None);
    let data = serde_json::json!({"action": action, "invoice_id": inv.id, "number": inv.number, "kind": inv.kind, "status": inv.status, "total_minor": inv.total_minor});
    note(
        app,
        tx,
        merchant,
        inv.order_id,
        TimelineEvent::Edited,
        &who,
        data.clone(),
    )
    .await?;
    let change = Change {
        action,
        entity_type: "invoice",
        entity_id: Some(inv.id.to_string()),
        merchant: Some(merchant),
        before,
        after: Some(data),
    };
    audit::record(app, tx, actor, change).await
}

/// Issues an invoice for an order, snapshotting its lines and totals, with an optional
/// buyer (a company invoice needs title and tax id). Needs `orders.manage`; see
/// [`issue_invoice_in`] for what is refused.
pub async fn issue_invoice(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    buyer: &BuyerInput,
) -> Result<Invoice> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    buyer.check()?;
    let mut tx = app.db.begin_write().await?;
    let out = issue_invoice_in(app, &mut tx, actor, merchant, order, buyer).await?;
    tx.commit().await?;
    Ok(out)
}

/// Voids an issued invoice or credit note; its number stays taken. Voiding an invoice
/// lets the order be invoiced again. Needs `orders.manage`; a void one is
/// `invoice-void`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, invoice_id = %id), err)]
pub async fn void_invoice(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: InvoiceId,
) -> Result<Invoice> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let mut row = require_invoice(&mut tx, merchant, id).await?;
    if !store::void_invoice(&mut tx, merchant, row.id, time::to_db(app.now())).await? {
        return Err(Error::Conflict {
            code: "invoice-void",
            message: format!("invoice {} is already void", row.number),
        });
    }
    let before = serde_json::json!({"status": row.status});
    row.status = InvoiceStatus::Void.code().to_owned();
    record(
        app,
        &mut tx,
        actor,
        merchant,
        &row,
        "invoice.void",
        Some(before),
    )
    .await?;
    let out = load(&mut tx, merchant, row).await?;
    tx.commit().await?;
    Ok(out)
}

/// Issues a credit note for the full amount of an issued invoice, with the same lines
/// and buyer (refunds). Needs `orders.manage`. Refused for a credit note or a void
/// invoice (`not-creditable`) and for an invoice already credited (`invoice-credited`).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, invoice_id = %id), err)]
pub async fn credit_invoice(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: InvoiceId,
) -> Result<Invoice> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let original = require_invoice(&mut tx, merchant, id).await?;
    if original.kind != InvoiceKind::Invoice.code()
        || original.status != InvoiceStatus::Issued.code()
    {
        return Err(Error::Conflict {
            code: "not-creditable",
            message: "only an issued invoice can be credited".to_owned(),
        });
    }
    let number = next_number(app, &mut tx, merchant, InvoiceKind::CreditNote).await?;
    let siblings = store::invoices_of_order(&mut tx, merchant, original.order_id).await?;
    if siblings
        .iter()
        .any(|r| r.credit_of == Some(original.id) && r.status == InvoiceStatus::Issued.code())
    {
        return Err(Error::Conflict {
            code: "invoice-credited",
            message: format!("invoice {} is already credited", original.number),
        });
    }
    let now = time::to_db(app.now());
    let credit_id = app.ids.new_id();
    let lines: Vec<InvoiceLineRow> = store::lines_of_invoice(&mut tx, merchant, original.id)
        .await?
        .into_iter()
        .map(|l| InvoiceLineRow {
            id: app.ids.new_id(),
            invoice_id: credit_id,
            ..l
        })
        .collect();
    let credit = InvoiceRow {
        id: credit_id,
        kind: InvoiceKind::CreditNote.code().to_owned(),
        number,
        issued_at: now,
        credit_of: Some(original.id),
        created_at: now,
        updated_at: now,
        ..original
    };
    store::insert_invoice(&mut tx, merchant, &credit, &lines).await?;
    record(
        app,
        &mut tx,
        actor,
        merchant,
        &credit,
        "invoice.credit_note",
        None,
    )
    .await?;
    let out = load(&mut tx, merchant, credit).await?;
    tx.commit().await?;
    Ok(out)
}
