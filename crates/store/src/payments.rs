//! Payment storage (issue 7, PAY-1/PAY-2): payments of an order ([`PaymentRow`]), their
//! append-only event log and each merchant's sealed provider secrets. Updates are
//! conditional on the version read. Every function takes the merchant first and scopes by
//! it.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A payment as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The order paid for.
    pub order_id: Uuid,
    /// Method code.
    pub method: String,
    /// State code.
    pub state: String,
    /// Minor units.
    pub amount_minor: i64,
    /// ISO 4217 (the order's).
    pub currency: String,
    /// Minor units given back.
    pub refunded_minor: i64,
    /// Provider name.
    pub provider: Option<String>,
    /// The provider's id of the payment.
    pub provider_reference: Option<String>,
    /// Who paid, as given.
    pub payer: Option<String>,
    /// Staff note.
    pub note: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
    /// Bumped by every change.
    pub version: i64,
}

/// One entry of a payment's event log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentEventRow {
    /// Id (UUIDv7).
    pub id: Uuid,
    /// The payment.
    pub payment_id: Uuid,
    /// Event code.
    pub event: String,
    /// The payment's state after it.
    pub state: String,
    /// The amount it moved (recorded, captured, refunded), minor units.
    pub amount_minor: i64,
    /// Who did it.
    pub actor: String,
    /// JSON object.
    pub data: String,
    /// Microseconds since the epoch.
    pub at: i64,
}

const COLUMNS: &str = "id, order_id, method, state, amount_minor, currency, refunded_minor, \
     provider, provider_reference, payer, note, created_at, updated_at, version";

/// Stores a new payment. A taken provider reference is `Conflict` (callers check first,
/// since on PostgreSQL the violation aborts the transaction).
pub async fn insert_payment(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &PaymentRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO payments (merchant_id, id, order_id, method, state, \
         amount_minor, currency, refunded_minor, provider, provider_reference, payer, note, \
         created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.order_id)
        .bind(&row.method)
        .bind(&row.state)
        .bind(row.amount_minor)
        .bind(&row.currency)
        .bind(row.refunded_minor)
        .bind(&row.provider)
        .bind(&row.provider_reference)
        .bind(&row.payer)
        .bind(&row.note)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.version)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "payments.provider_reference"))
}

/// Writes the state and refunded sum back if the version is still `expected`, storing
/// `row.version` (the caller bumps it). `false` when someone changed it first.
pub async fn update_payment(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &PaymentRow,
    expected: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE payments SET state = $3, refunded_minor = $4, version = $5, \
         updated_at = $6 WHERE merchant_id = $1 AND id = $2 AND version = $7";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.state)
        .bind(row.refunded_minor)
        .bind(row.version)
        .bind(row.updated_at)
        .bind(expected)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// One payment of the merchant.
pub async fn get_payment(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<PaymentRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PaymentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// The merchant's payment with this provider's reference.
pub async fn payment_by_reference(
    tx: &mut Tx,
    merchant: MerchantId,
    provider: &str,
    reference: &str,
) -> Result<Option<PaymentRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_id = $1 AND provider = $2 \
         AND provider_reference = $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PaymentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(provider)
    .bind(reference)
    .fetch_optional(c)
    .await)?)
}

/// Every payment of an order, oldest first.
pub async fn payments_of(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<PaymentRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE merchant_id = $1 AND order_id = $2 ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PaymentRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}

/// Appends one entry to a payment's event log.
pub async fn append_event(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &PaymentEventRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO payment_events (merchant_id, id, payment_id, event, state, \
         amount_minor, actor, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.payment_id)
        .bind(&row.event)
        .bind(&row.state)
        .bind(row.amount_minor)
        .bind(&row.actor)
        .bind(&row.data)
        .bind(row.at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A payment's event log, oldest first.
pub async fn events_of(
    tx: &mut Tx,
    merchant: MerchantId,
    payment: Uuid,
) -> Result<Vec<PaymentEventRow>, StoreError> {
    const SQL: &str = "SELECT id, payment_id, event, state, amount_minor, actor, data, at \
         FROM payment_events WHERE merchant_id = $1 AND payment_id = $2 ORDER BY id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, PaymentEventRow>(
        SQL
    )
    .bind(merchant.as_uuid())
    .bind(payment)
    .fetch_all(c)
    .await)?)
}

/// Sets (or replaces) the merchant's sealed notification secret for `provider`.
pub async fn put_provider_secret(
    tx: &mut Tx,
    merchant: MerchantId,
    provider: &str,
    sealed: &str,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO payment_provider_secrets (merchant_id, provider, secret, \
         updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (merchant_id, provider) \
         DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(provider)
        .bind(sealed)
        .bind(at)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The merchant's sealed notification secret for `provider`, if one is set.
pub async fn provider_secret(
    tx: &mut Tx,
    merchant: MerchantId,
    provider: &str,
) -> Result<Option<String>, StoreError> {
    const SQL: &str =
        "SELECT secret FROM payment_provider_secrets WHERE merchant_id = $1 AND provider = $2";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, String>(SQL)
        .bind(merchant.as_uuid())
        .bind(provider)
        .fetch_optional(c)
        .await)?)
}
