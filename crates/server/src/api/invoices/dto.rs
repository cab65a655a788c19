//! What the invoice API sends.

use omnihub_app::invoices::{Invoice, InvoiceLine};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::catalog::dto::MoneyDto;

/// One printed line.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceLineDto {
    /// 0-based.
    pub position: i64,
    /// What was sold.
    pub description: String,
    /// The SKU code as sold.
    pub sku: Option<String>,
    /// Units billed.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: MoneyDto,
    /// quantity x unit price.
    pub subtotal: MoneyDto,
    /// Discount.
    pub discount: MoneyDto,
    /// Tax.
    pub tax: MoneyDto,
}

impl From<InvoiceLine> for InvoiceLineDto {
    fn from(l: InvoiceLine) -> Self {
        Self {
            position: l.position,
            description: l.description,
            sku: l.sku,
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            subtotal: l.subtotal.into(),
            discount: l.discount.into(),
            tax: l.tax.into(),
        }
    }
}

/// An invoice or credit note. A credit note's amounts are positive: its kind says they
/// are owed to the buyer.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceDto {
    /// Id.
    pub id: String,
    /// The order billed.
    pub order_id: String,
    /// The order's number.
    pub order_number: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// Gap-free per merchant and year: `INV-2026-000001`, `CN-2026-000002`.
    pub number: String,
    /// `issued` or `void`.
    pub status: String,
    /// Buyer's title.
    pub buyer_title: Option<String>,
    /// Buyer's unified social credit code.
    pub buyer_tax_id: Option<String>,
    /// Buyer's address.
    pub buyer_address: Option<String>,
    /// Sum of line subtotals.
    pub items: MoneyDto,
    /// Discounts.
    pub discount: MoneyDto,
    /// Shipping and fees.
    pub shipping: MoneyDto,
    /// Tax.
    pub tax: MoneyDto,
    /// Total.
    pub total: MoneyDto,
    /// RFC 3339.
    pub issued_at: String,
    /// The invoice a credit note reverses.
    pub credit_of: Option<String>,
    /// Lines by position.
    pub lines: Vec<InvoiceLineDto>,
}

impl From<Invoice> for InvoiceDto {
    fn from(i: Invoice) -> Self {
        Self {
            id: i.id.to_string(),
            order_id: i.order_id.to_string(),
            order_number: i.order_number,
            kind: i.kind.code().to_owned(),
            number: i.number,
            status: i.status.code().to_owned(),
            buyer_title: i.buyer_title,
            buyer_tax_id: i.buyer_tax_id,
            buyer_address: i.buyer_address,
            items: i.items.into(),
            discount: i.discount.into(),
            shipping: i.shipping.into(),
            tax: i.tax.into(),
            total: i.total.into(),
            issued_at: i.issued_at.to_string(),
            credit_of: i.credit_of.map(|c| c.to_string()),
            lines: i.lines.into_iter().map(InvoiceLineDto::from).collect(),
        }
    }
}

/// An order's invoices.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceListDto {
    /// Oldest first.
    pub items: Vec<InvoiceDto>,
}
