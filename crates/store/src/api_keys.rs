//! API keys and the OAuth access tokens issued for them. Keys belong to one merchant, or to
//! the platform (`merchant_id` NULL); every lookup by id is scoped by that owner. Only
//! SHA-256 hashes of secrets are stored. Lookups by prefix or token hash come before the
//! owner is known (authentication), like sessions.

use jiff::Timestamp;
use omnihub_domain::ids::{MerchantId, UserId};
use uuid::Uuid;

use crate::{StoreError, Tx, time, with_conn};

/// The columns of [`ApiKeyRow`], for `concat!`.
macro_rules! columns {
    () => {
        "id, merchant_id, created_by, name, prefix, secret_hash, scopes, expires_at, revoked_at, last_used_at, created_at"
    };
}

/// Matches the key's owner to `$1`: that merchant, or the platform when `$1` is NULL.
macro_rules! owner {
    () => {
        "(merchant_id = $1 OR ($1 IS NULL AND merchant_id IS NULL))"
    };
}

/// An API key as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRow {
    /// Id.
    pub id: Uuid,
    /// Owning merchant; none for a platform key.
    pub merchant_id: Option<Uuid>,
    /// The person who created it.
    pub created_by: Uuid,
    /// Display name.
    pub name: String,
    /// Public prefix (OAuth client id), unique.
    pub prefix: String,
    /// SHA-256 of the whole key.
    pub secret_hash: Vec<u8>,
    /// Space-separated permission codes.
    pub scopes: String,
    /// Expiry (µs), if any.
    pub expires_at: Option<i64>,
    /// Revocation time (µs), if revoked.
    pub revoked_at: Option<i64>,
    /// Last authenticated use (µs).
    pub last_used_at: Option<i64>,
    /// Creation time (µs).
    pub created_at: i64,
}

/// A new key, already validated and hashed.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    /// Id.
    pub id: Uuid,
    /// Creator.
    pub created_by: UserId,
    /// Name.
    pub name: &'a str,
    /// Public prefix.
    pub prefix: &'a str,
    /// SHA-256 of the whole key.
    pub secret_hash: &'a [u8],
    /// Space-separated permission codes.
    pub scopes: &'a str,
    /// Expiry.
    pub expires_at: Option<Timestamp>,
}

/// Stores a key for `merchant` (none: the platform). Fails with
/// `Conflict { key: "api_keys.prefix" }` when the prefix is taken and
/// `Reference { key: "api_keys.merchant_id" }` when the merchant does not exist.
pub async fn insert(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    key: &NewApiKey<'_>,
    now: Timestamp,
) -> Result<ApiKeyRow, StoreError> {
    const SQL: &str = concat!(
        "INSERT INTO api_keys (id, merchant_id, created_by, name, prefix, secret_hash, scopes, expires_at, created_at) ",
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
        columns!()
    );
    let result = with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(key.id)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(key.created_by.as_uuid())
        .bind(key.name)
        .bind(key.prefix)
        .bind(key.secret_hash)
        .bind(key.scopes)
        .bind(key.expires_at.map(time::to_db))
        .bind(time::to_db(now))
        .fetch_one(c)
        .await);
    result.map_err(|e| match StoreError::from_sqlx(e, "api_keys.prefix") {
        StoreError::Reference { .. } => StoreError::Reference {
            key: "api_keys.merchant_id",
        },
        other => other,
    })
}

/// The keys of `merchant` (none: the platform's), oldest first, after the key `after`.
pub async fn list(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ApiKeyRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE ",
        owner!(),
        " AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// One key of `merchant` (none: the platform's), if any.
pub async fn get(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: Uuid,
) -> Result<Option<ApiKeyRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE ",
        owner!(),
        " AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Revokes a live key of `merchant` at `now`; returns it, or `None` if it is not theirs or
/// was already revoked.
pub async fn revoke(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: Uuid,
    now: Timestamp,
) -> Result<Option<ApiKeyRow>, StoreError> {
    const SQL: &str = concat!(
        "UPDATE api_keys SET revoked_at = $3 WHERE ",
        owner!(),
        " AND id = $2 AND revoked_at IS NULL RETURNING ",
        columns!()
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id)
        .bind(time::to_db(now))
        .fetch_optional(c)
        .await)?)
}

/// The key with this prefix, whoever owns it (authentication).
pub async fn find_by_prefix(tx: &mut Tx, prefix: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM api_keys WHERE prefix = $1");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(prefix)
        .fetch_optional(c)
        .await)?)
}

/// Records that a key was used at `now`.
pub async fn touch(tx: &mut Tx, id: Uuid, now: Timestamp) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A new OAuth access token.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    /// SHA-256 of the token.
    pub token_hash: &'a [u8],
    /// The key it was issued to.
    pub api_key_id: Uuid,
    /// Space-separated permission codes.
    pub scopes: &'a str,
    /// Expiry.
    pub expires_at: Timestamp,
}

/// Stores an access token.
pub async fn insert_token(
    tx: &mut Tx,
    token: &NewAccessToken<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO oauth_tokens (token_hash, api_key_id, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(token.token_hash)
        .bind(token.api_key_id)
        .bind(token.scopes)
        .bind(time::to_db(now))
        .bind(time::to_db(token.expires_at))
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "oauth_tokens.token_hash"))
}

/// An access token as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessTokenRow {
    /// The key it was issued to.
    pub api_key_id: Uuid,
    /// Space-separated permission codes.
    pub scopes: String,
    /// Expiry (µs).
    pub expires_at: i64,
}

/// The token with this hash, if any (authentication).
pub async fn find_token(
    tx: &mut Tx,
    token_hash: &[u8],
) -> Result<Option<AccessTokenRow>, StoreError> {
    const SQL: &str =
        "SELECT api_key_id, scopes, expires_at FROM oauth_tokens WHERE token_hash = $1";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AccessTokenRow>(
        SQL
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await)?)
}

/// The key with this id, whoever owns it (to resolve an access token).
pub async fn find_by_id(tx: &mut Tx, id: Uuid) -> Result<Option<ApiKeyRow>, StoreError> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM api_keys WHERE id = $1");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ApiKeyRow>(SQL)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}
