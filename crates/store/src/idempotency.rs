//! Idempotency keys (docs/adr/0016): the stored response of a POST sent with an
//! `Idempotency-Key` header, per merchant, principal and key. A key is claimed, the use
//! case runs, and the response is completed, all in the caller's one write transaction.

use omnihub_domain::ids::MerchantId;

use crate::{StoreError, Tx, with_conn};

/// A key as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdempotencyRow {
    /// Who sent it (`user:<id>`, `api_key:<id>`).
    pub principal: String,
    /// The client's key.
    pub key: String,
    /// Method and route template.
    pub route: String,
    /// Hex SHA-256 of the request body.
    pub request_hash: String,
    /// The stored status; none only inside the claiming transaction.
    pub status_code: Option<i64>,
    /// The stored body, byte for byte; none only inside the claiming transaction.
    pub response_body: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

const COLUMNS: &str = "principal, key, route, request_hash, status_code, response_body, created_at";

/// Claims a key: `true` when this transaction inserted it and now owns it, `false` when
/// it already exists (the caller reads it with [`get`]). ON CONFLICT DO NOTHING, so on
/// PostgreSQL a concurrent claim of the same key waits for the first transaction to end
/// instead of aborting, and then sees its row (or inserts, if the first rolled back).
pub async fn claim(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &IdempotencyRow,
) -> Result<bool, StoreError> {
    let sql = "INSERT INTO idempotency_keys (merchant_id, principal, key, route, request_hash, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (merchant_id, principal, key) DO NOTHING RETURNING key";
    let claimed: Option<(String,)> = with_conn!(tx, |c| sqlx::query_as(sql)
        .bind(merchant.as_uuid())
        .bind(&row.principal)
        .bind(&row.key)
        .bind(&row.route)
        .bind(&row.request_hash)
        .bind(row.created_at)
        .fetch_optional(c)
        .await)?;
    Ok(claimed.is_some())
}

/// The key of a principal, if it was ever claimed (and committed).
pub async fn get(
    tx: &mut Tx,
    merchant: MerchantId,
    principal: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM idempotency_keys WHERE merchant_id = $1 AND principal = $2 AND key = $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, IdempotencyRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(principal)
    .bind(key)
    .fetch_optional(c)
    .await)?)
}

/// Stores the response of a claimed key; `false` if there is no such key.
pub async fn complete(
    tx: &mut Tx,
    merchant: MerchantId,
    principal: &str,
    key: &str,
    status_code: i64,
    response_body: &str,
) -> Result<bool, StoreError> {
    let sql = "UPDATE idempotency_keys SET status_code = $4, response_body = $5 \
               WHERE merchant_id = $1 AND principal = $2 AND key = $3";
    let done = with_conn!(tx, |c| sqlx::query(sql)
        .bind(merchant.as_uuid())
        .bind(principal)
        .bind(key)
        .bind(status_code)
        .bind(response_body)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
