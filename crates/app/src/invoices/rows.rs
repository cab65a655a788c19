//! The invoice as the app hands it out, read back from its rows, and the buyer as the
//! client sends it.

use jiff::Timestamp;
use omnihub_domain::invoices::{
    BuyerTitle, InvoiceId, InvoiceKind, InvoiceStatus, UnifiedSocialCreditCode,
};
use omnihub_domain::merchants::Currency;
use omnihub_domain::money::Money;
use omnihub_domain::orders::OrderId;
use omnihub_store::invoices::{InvoiceLineRow, InvoiceRow};
use omnihub_store::time;

use crate::error::{Result, Validator};
use crate::inventory::corrupt;

/// Who the invoice is made out to, as the client sent it.
#[derive(Debug, Clone, Default)]
pub struct BuyerInput {
    /// Person's or company's name (抬头).
    pub title: Option<String>,
    /// Unified social credit code; a company invoice needs it and a title.
    pub tax_id: Option<String>,
    /// Address as printed.
    pub address: Option<String>,
}

/// A checked buyer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buyer {
    /// Title, if any.
    pub title: Option<BuyerTitle>,
    /// Tax id, if a company.
    pub tax_id: Option<UnifiedSocialCreditCode>,
    /// Address, if any.
    pub address: Option<String>,
}

/// Longest printed address, in characters.
const MAX_ADDRESS: usize = 500;

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl BuyerInput {
    /// Checks every field at once: a tax id must be a valid unified social credit code,
    /// and a company invoice (one with a tax id) needs a title.
    pub fn check(&self) -> Result<Buyer> {
        let mut v = Validator::default();
        let title = given(&self.title)
            .and_then(|t| v.check("buyer_title", "invalid", BuyerTitle::parse(t)));
        let tax_id = given(&self.tax_id)
            .and_then(|t| v.check("buyer_tax_id", "invalid", UnifiedSocialCreditCode::parse(t)));
        if given(&self.tax_id).is_some() && given(&self.title).is_none() {
            v.check::<(), _>(
                "buyer_title",
                "required",
                Err("a company invoice needs the buyer's title with its tax id"),
            );
        }
        let address = given(&self.address).map(str::to_owned);
        if address.as_ref().is_some_and(|a| {
            a.chars().count() > MAX_ADDRESS || a.chars().any(|c| c.is_control() && c != '\n')
        }) {
            v.check::<(), _>(
                "buyer_address",
                "invalid",
                Err("at most 500 printable characters"),
            );
        }
        v.finish()?;
        Ok(Buyer {
            title,
            tax_id,
            address,
        })
    }
}

/// One printed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    /// 0-based.
    pub position: i64,
    /// What was sold.
    pub description: String,
    /// SKU code.
    pub sku: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: Money,
    /// quantity x unit price.
    pub subtotal: Money,
    /// Discount.
    pub discount: Money,
    /// Tax.
    pub tax: Money,
}

/// An invoice or credit note. A credit note's amounts are positive: its kind says they
/// are owed to the buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// Id.
    pub id: InvoiceId,
    /// The order billed.
    pub order_id: OrderId,
    /// The order's number, as printed.
    pub order_number: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// Gap-free number.
    pub number: String,
    /// Issued or void.
    pub status: InvoiceStatus,
    /// Buyer's title.
    pub buyer_title: Option<String>,
    /// Buyer's tax id.
    pub buyer_tax_id: Option<String>,
    /// Buyer's address.
    pub buyer_address: Option<String>,
    /// Currency of every amount.
    pub currency: Currency,
    /// Sum of line subtotals.
    pub items: Money,
    /// Discounts.
    pub discount: Money,
    /// Shipping.
    pub shipping: Money,
    /// Tax.
    pub tax: Money,
    /// Total.
    pub total: Money,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// The invoice a credit note reverses.
    pub credit_of: Option<InvoiceId>,
    /// Lines by position.
    pub lines: Vec<InvoiceLine>,
}

/// An invoice with the seller's name, for the printed page.
#[derive(Debug, Clone)]
pub struct PrintableInvoice {
    /// The invoice.
    pub invoice: Invoice,
    /// The merchant's name.
    pub seller_name: String,
}

impl Invoice {
    pub(crate) fn from_rows(
        r: &InvoiceRow,
        lines: &[InvoiceLineRow],
        order_number: String,
    ) -> Result<Self> {
        let currency = Currency::parse(&r.currency).map_err(corrupt)?;
        let money = |minor| Money::from_minor(minor, currency);
        Ok(Self {
            id: InvoiceId::from_uuid(r.id),
            order_id: OrderId::from_uuid(r.order_id),
            order_number,
            kind: InvoiceKind::parse(&r.kind).map_err(corrupt)?,
            number: r.number.clone(),
            status: InvoiceStatus::parse(&r.status).map_err(corrupt)?,
            buyer_title: r.buyer_title.clone(),
            buyer_tax_id: r.buyer_tax_id.clone(),
            buyer_address: r.buyer_address.clone(),
            currency,
            items: money(r.items_minor),
            discount: money(r.discount_minor),
            shipping: money(r.shipping_minor),
            tax: money(r.tax_minor),
            total: money(r.total_minor),
            issued_at: time::from_db(r.issued_at)?,
            credit_of: r.credit_of.map(InvoiceId::from_uuid),
            lines: lines
                .iter()
                .map(|l| InvoiceLine {
                    position: l.position,
                    description: l.description.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_price: money(l.unit_price_minor),
                    subtotal: money(l.subtotal_minor),
                    discount: money(l.discount_minor),
                    tax: money(l.tax_minor),
                })
                .collect(),
        })
    }
}
