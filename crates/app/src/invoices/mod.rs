//! Invoice use cases (issue 7, PAY-4): issue an invoice for an order on request
//! ([`issue_invoice`]) or from another use case's transaction ([`issue_invoice_in`], for
//! the payments work's auto-issue), void one, credit an issued one in full, and read them
//! (docs/adr/0020-invoices.md).
//!
//! Reading needs `orders.read`; every change needs `orders.manage`, appends to the order's
//! timeline and is audited. Numbers are gap-free per merchant and year: the sequence is
//! taken inside the issuing transaction, so a refused issue gives its number back.

mod issue;
mod rows;

pub use issue::*;
pub use rows::{Buyer, BuyerInput, Invoice, InvoiceLine, PrintableInvoice};

use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::invoices::InvoiceId;
use omnihub_domain::orders::OrderId;
use omnihub_store::invoices::{self as store, InvoiceRow};
use omnihub_store::{Tx, merchants, settings};

use crate::error::{Error, Result};
use crate::inventory::corrupt;
use crate::orders::require_order;
use crate::{Actor, App};

/// The merchant setting that turns on issuing an invoice once an order is paid (a JSON
/// boolean; off when unset). The payments work reads it through [`auto_issue_enabled`].
pub const AUTO_ISSUE_KEY: &str = "invoices.auto_issue";

/// Checks a value written through the generic settings API to the invoice key; `None`
/// when the key is not the invoice module's.
pub(crate) fn check_setting(key: &str, value: &serde_json::Value) -> Option<Result<()>> {
    (key == AUTO_ISSUE_KEY).then(|| {
        if value.is_boolean() {
            Ok(())
        } else {
            Err(Error::invalid("value", "invalid", "must be true or false"))
        }
    })
}

/// Whether the merchant wants invoices issued automatically after payment.
pub async fn auto_issue_enabled(tx: &mut Tx, merchant: MerchantId) -> Result<bool> {
    let key =
        omnihub_domain::settings::SettingKey::parse(AUTO_ISSUE_KEY).map_err(Error::internal)?;
    match settings::get(tx, merchant, &key).await? {
        Some(row) => serde_json::from_str::<bool>(&row.value).map_err(corrupt),
        None => Ok(false),
    }
}

pub(crate) async fn require_invoice(
    tx: &mut Tx,
    merchant: MerchantId,
    id: InvoiceId,
) -> Result<InvoiceRow> {
    store::get_invoice(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "invoice" })
}

pub(crate) async fn load(tx: &mut Tx, merchant: MerchantId, row: InvoiceRow) -> Result<Invoice> {
    let lines = store::lines_of_invoice(tx, merchant, row.id).await?;
    let order = require_order(tx, merchant, OrderId::from_uuid(row.order_id)).await?;
    Invoice::from_rows(&row, &lines, order.number)
}

/// One invoice or credit note with its lines. Needs `orders.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, invoice_id = %id), err)]
pub async fn get_invoice(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: InvoiceId,
) -> Result<Invoice> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_invoice(&mut tx, merchant, id).await?;
    load(&mut tx, merchant, row).await
}

/// An invoice with what its printed page needs besides: the seller. Needs `orders.read`.
pub async fn printable_invoice(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: InvoiceId,
) -> Result<PrintableInvoice> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_invoice(&mut tx, merchant, id).await?;
    let invoice = load(&mut tx, merchant, row).await?;
    let seller = merchants::get(&mut tx, merchant).await?;
    Ok(PrintableInvoice {
        invoice,
        seller_name: seller.name,
    })
}

/// The order's invoices and credit notes, oldest first. Needs `orders.read`; another
/// merchant's order is not found.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %order), err)]
pub async fn list_invoices(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
) -> Result<Vec<Invoice>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let o = require_order(&mut tx, merchant, order).await?;
    let mut out = Vec::new();
    for row in store::invoices_of_order(&mut tx, merchant, o.id).await? {
        let lines = store::lines_of_invoice(&mut tx, merchant, row.id).await?;
        out.push(Invoice::from_rows(&row, &lines, o.number.clone())?);
    }
    Ok(out)
}
