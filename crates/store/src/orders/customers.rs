//! Customers as order intake knows them: a record matched by e-mail, else phone (the CRM
//! deepens it). Concurrent intake of two orders from one new customer creates one record.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CustomerRow {
    /// Id.
    pub id: Uuid,
    /// Lower-cased e-mail.
    pub email: Option<String>,
    /// Normalised phone.
    pub phone: Option<String>,
    /// Name as last given.
    pub name: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const CUSTOMER_COLUMNS: &str = "id, email, phone, name, created_at, updated_at";

/// The customer with this e-mail, else this phone.
pub async fn find_customer(
    tx: &mut Tx,
    merchant: MerchantId,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<CustomerRow>, StoreError> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1 AND (email = $2 OR phone = $3) \
         ORDER BY CASE WHEN email = $2 THEN 0 ELSE 1 END, id LIMIT 1"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CustomerRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(email)
    .bind(phone)
    .fetch_optional(c)
    .await)?)
}

/// Stores a customer unless the e-mail or phone is taken (then `false`; the caller finds
/// the one that won).
pub async fn insert_customer(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &CustomerRow,
) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO customers (merchant_id, {CUSTOMER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT DO NOTHING"
    );
    let done = with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.email)
        .bind(&row.phone)
        .bind(&row.name)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// One customer.
pub async fn get_customer(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<CustomerRow>, StoreError> {
    let sql =
        format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CustomerRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}
