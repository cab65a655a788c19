//! Invoice storage (issue 7, PAY-4): invoices and credit notes ([`InvoiceRow`]), their
//! lines ([`InvoiceLineRow`]) and the per-merchant, per-year number sequence.
//!
//! Numbers are gap-free: [`next_invoice_sequence`] bumps the sequence row inside the
//! issuing transaction, which keeps it locked until commit, so a rolled-back issue gives
//! its number back. Every function takes the merchant first and scopes by it.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// An invoice or credit note as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvoiceRow {
    /// Id.
    pub id: Uuid,
    /// The order it bills.
    pub order_id: Uuid,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// Unique per merchant.
    pub number: String,
    /// `issued` or `void`.
    pub status: String,
    /// Buyer's title.
    pub buyer_title: Option<String>,
    /// Buyer's unified social credit code.
    pub buyer_tax_id: Option<String>,
    /// Buyer's address as printed.
    pub buyer_address: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// Sum of line subtotals.
    pub items_minor: i64,
    /// Discounts.
    pub discount_minor: i64,
    /// Shipping.
    pub shipping_minor: i64,
    /// Tax.
    pub tax_minor: i64,
    /// What the buyer pays (or is credited).
    pub total_minor: i64,
    /// Microseconds since the epoch.
    pub issued_at: i64,
    /// The invoice a credit note reverses.
    pub credit_of: Option<Uuid>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const INVOICE_COLUMNS: &str = "id, order_id, kind, number, status, buyer_title, buyer_tax_id, \
     buyer_address, currency, items_minor, discount_minor, shipping_minor, tax_minor, total_minor, \
     issued_at, credit_of, created_at, updated_at";

/// One printed line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InvoiceLineRow {
    /// Id.
    pub id: Uuid,
    /// The invoice.
    pub invoice_id: Uuid,
    /// 0-based.
    pub position: i64,
    /// What was sold.
    pub description: String,
    /// SKU code.
    pub sku: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price_minor: i64,
    /// quantity x unit price.
    pub subtotal_minor: i64,
    /// Discount.
    pub discount_minor: i64,
    /// Tax.
    pub tax_minor: i64,
}

const LINE_COLUMNS: &str = "id, invoice_id, position, description, sku, quantity, \
     unit_price_minor, subtotal_minor, discount_minor, tax_minor";

/// Takes the merchant's next invoice sequence number for `year` (1, 2, ...). The row
/// stays locked to this transaction, so numbers are handed out in commit order with no
/// gaps, and concurrent issuers for one merchant wait for each other here.
pub async fn next_invoice_sequence(
    tx: &mut Tx,
    merchant: MerchantId,
    year: i64,
) -> Result<i64, StoreError> {
    const SQL: &str = "INSERT INTO invoice_sequences (merchant_id, year, last_value) VALUES ($1, $2, 1) \
         ON CONFLICT (merchant_id, year) DO UPDATE SET last_value = invoice_sequences.last_value + 1 \
         RETURNING last_value";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(merchant.as_uuid())
        .bind(year)
        .fetch_one(c)
        .await)?)
}

/// Stores a new invoice with its lines. A taken number is `Conflict { key:
/// "invoices.number" }` (it cannot happen while numbers come from the sequence).
pub async fn insert_invoice(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &InvoiceRow,
    lines: &[InvoiceLineRow],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO invoices (merchant_id, {INVOICE_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.order_id)
        .bind(&row.kind)
        .bind(&row.number)
        .bind(&row.status)
        .bind(&row.buyer_title)
        .bind(&row.buyer_tax_id)
        .bind(&row.buyer_address)
        .bind(&row.currency)
        .bind(row.items_minor)
        .bind(row.discount_minor)
        .bind(row.shipping_minor)
        .bind(row.tax_minor)
        .bind(row.total_minor)
        .bind(row.issued_at)
        .bind(row.credit_of)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "invoices.number"))?;
    for l in lines {
        insert_line(tx, merchant, l).await?;
    }
    Ok(())
}

async fn insert_line(
    tx: &mut Tx,
    merchant: MerchantId,
    l: &InvoiceLineRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO invoice_lines (merchant_id, {LINE_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(l.id)
        .bind(l.invoice_id)
        .bind(l.position)
        .bind(&l.description)
        .bind(&l.sku)
        .bind(l.quantity)
        .bind(l.unit_price_minor)
        .bind(l.subtotal_minor)
        .bind(l.discount_minor)
        .bind(l.tax_minor)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// One invoice of the merchant.
pub async fn get_invoice(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<InvoiceRow>, StoreError> {
    let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, InvoiceRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// The order's invoices and credit notes, oldest first.
pub async fn invoices_of_order(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<InvoiceRow>, StoreError> {
    let sql = format!(
        "SELECT {INVOICE_COLUMNS} FROM invoices WHERE merchant_id = $1 AND order_id = $2 ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, InvoiceRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}

/// The invoice's lines by position.
pub async fn lines_of_invoice(
    tx: &mut Tx,
    merchant: MerchantId,
    invoice: Uuid,
) -> Result<Vec<InvoiceLineRow>, StoreError> {
    let sql = format!(
        "SELECT {LINE_COLUMNS} FROM invoice_lines WHERE merchant_id = $1 AND invoice_id = $2 ORDER BY position"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, InvoiceLineRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(invoice)
    .fetch_all(c)
    .await)?)
}

/// Marks an issued invoice void; `false` when it was not issued (already void).
pub async fn void_invoice(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE invoices SET status = 'void', updated_at = $3 \
         WHERE merchant_id = $1 AND id = $2 AND status = 'issued'";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
