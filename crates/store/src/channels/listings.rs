//! Channel listings (CAT-5): one SKU as sold on one channel, under the channel's own SKU
//! code, product id and variant id, with an optional price override. Unique per channel:
//! the SKU (`channel_listings.sku_id`), the channel SKU code ignoring case
//! (`channel_listings.external_sku`) and the variant id (`channel_listings.external_variant_id`).

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A listing as stored, with its SKU's code.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListingRow {
    /// Id.
    pub id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// Our SKU.
    pub sku_id: Uuid,
    /// Our SKU's code (read only: joined from `skus`).
    pub sku_code: String,
    /// The channel's SKU code, as the merchant spelt it.
    pub external_sku: Option<String>,
    /// The channel's product id.
    pub external_product_id: Option<String>,
    /// The channel's variant id.
    pub external_variant_id: Option<String>,
    /// Price override in minor units.
    pub price_override_minor: Option<i64>,
    /// The override's currency.
    pub price_override_currency: Option<String>,
    /// Inactive listings are kept but not resolved.
    pub active: bool,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

// `CROSS JOIN` keeps SQLite from starting at the merchant's SKUs (it did, reading every SKU
// to match an order line against a channel with few listings: 1.5 ms per line in B1); to
// PostgreSQL it is the same inner join.
macro_rules! listing_select {
    () => {
        "SELECT cl.id, cl.channel_id, cl.sku_id, s.code AS sku_code, cl.external_sku, \
         cl.external_product_id, cl.external_variant_id, cl.price_override_minor, \
         cl.price_override_currency, cl.active, cl.created_at, cl.updated_at \
         FROM channel_listings cl CROSS JOIN skus s \
         WHERE s.merchant_id = cl.merchant_id AND s.id = cl.sku_id AND cl.merchant_id = $1 AND cl.channel_id = $2"
    };
}

/// Which unique key a listing statement broke. sqlx-sqlite names no constraint, so the
/// SQLite message (`UNIQUE constraint failed: channel_listings.merchant_id, ...`) and the
/// PostgreSQL constraint name are both read for the distinguishing column.
fn listing_error(err: sqlx::Error) -> StoreError {
    let text = match &err {
        sqlx::Error::Database(db) => db
            .constraint()
            .map_or_else(|| db.message().to_owned(), str::to_owned),
        _ => String::new(),
    };
    let key = if text.contains("external_sku") {
        "channel_listings.external_sku"
    } else if text.contains("variant") {
        "channel_listings.external_variant_id"
    } else {
        "channel_listings.sku_id"
    };
    StoreError::from_sqlx(err, key)
}

/// Stores a new listing (the row's `sku_code` is ignored). `Conflict` names the unique key
/// broken.
pub async fn insert_listing(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ListingRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO channel_listings (id, merchant_id, channel_id, sku_id, external_sku, \
         external_sku_key, external_product_id, external_variant_id, price_override_minor, \
         price_override_currency, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(row.id)
        .bind(merchant.as_uuid())
        .bind(row.channel_id)
        .bind(row.sku_id)
        .bind(&row.external_sku)
        .bind(row.external_sku.as_deref().map(str::to_uppercase))
        .bind(&row.external_product_id)
        .bind(&row.external_variant_id)
        .bind(row.price_override_minor)
        .bind(&row.price_override_currency)
        .bind(row.active)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(listing_error)
}

/// Rewrites a listing's channel-side ids, price override and active flag; `false` if
/// there is no such listing. `Conflict` names the unique key broken.
pub async fn update_listing(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ListingRow,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE channel_listings SET external_sku = $4, external_sku_key = $5, \
         external_product_id = $6, external_variant_id = $7, price_override_minor = $8, \
         price_override_currency = $9, active = $10, updated_at = $11 \
         WHERE merchant_id = $1 AND channel_id = $2 AND id = $3";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.channel_id)
        .bind(row.id)
        .bind(&row.external_sku)
        .bind(row.external_sku.as_deref().map(str::to_uppercase))
        .bind(&row.external_product_id)
        .bind(&row.external_variant_id)
        .bind(row.price_override_minor)
        .bind(&row.price_override_currency)
        .bind(row.active)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(listing_error)?;
    Ok(done > 0)
}

/// Deletes a listing; `false` if there was none.
pub async fn delete_listing(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    const SQL: &str =
        "DELETE FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 AND id = $3";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// One listing of the channel.
pub async fn get_listing(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    id: Uuid,
) -> Result<Option<ListingRow>, StoreError> {
    const SQL: &str = concat!(listing_select!(), " AND cl.id = $3");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ListingRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Filters for the listing list.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter<'a> {
    /// Only this SKU.
    pub sku: Option<Uuid>,
    /// Exact match (any case for codes) of our SKU code, the channel SKU code, product id
    /// or variant id.
    pub q: Option<&'a str>,
    /// Only active (true) or inactive (false) ones.
    pub active: Option<bool>,
}

/// A page of the channel's listings in creation order, after `after`.
pub async fn list_listings(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    filter: &ListingFilter<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ListingRow>, StoreError> {
    const SQL: &str = concat!(
        listing_select!(),
        " AND ($3 IS NULL OR cl.sku_id = $3) AND ($4 IS NULL OR s.code_key = $5 OR cl.external_sku_key = $5 \
         OR cl.external_product_id = $4 OR cl.external_variant_id = $4) AND ($6 IS NULL OR cl.active = $6) \
         AND ($7 IS NULL OR cl.id > $7) ORDER BY cl.id LIMIT $8"
    );
    let q = filter.q.map(str::trim);
    with_conn!(tx, |c| sqlx::query_as::<_, ListingRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(filter.sku)
        .bind(q)
        .bind(q.map(str::to_uppercase))
        .bind(filter.active)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)
    .map_err(StoreError::from)
}

/// The channel's active listings any of whose channel-side ids match (the SKU code
/// ignoring case), by id: the candidates an incoming order line may refer to.
pub async fn matching_listings(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    sku: Option<&str>,
    product_id: Option<&str>,
    variant_id: Option<&str>,
) -> Result<Vec<ListingRow>, StoreError> {
    const SQL: &str = concat!(
        listing_select!(),
        // One indexed look-up per channel-side id; as an OR, SQLite read every listing of
        // the channel for each order line.
        " AND cl.active = TRUE AND cl.id IN (\
         SELECT id FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 AND external_sku_key = $3 \
         UNION SELECT id FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 AND external_product_id = $4 \
         UNION SELECT id FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 AND external_variant_id = $5) \
         ORDER BY cl.id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ListingRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(sku.map(str::to_uppercase))
        .bind(product_id)
        .bind(variant_id)
        .fetch_all(c)
        .await)?)
}

/// Another listing of the channel (not `except`) known only by this product id (no variant
/// id): two such listings could not be told apart.
pub async fn product_only_taken(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    product_id: &str,
    except: Uuid,
) -> Result<bool, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 \
         AND external_product_id = $3 AND external_variant_id IS NULL AND id <> $4";
    let n: i64 = with_conn!(tx, |c| sqlx::query_scalar(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(product_id)
        .bind(except)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// How many of the channel's listings carry a price override in another currency than
/// `currency` (a channel's currency may change only when none would be left behind).
pub async fn overrides_in_other_currency(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    currency: &str,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM channel_listings WHERE merchant_id = $1 AND channel_id = $2 \
         AND price_override_currency IS NOT NULL AND price_override_currency <> $3";
    Ok(with_conn!(tx, |c| sqlx::query_scalar(SQL)
        .bind(merchant.as_uuid())
        .bind(channel)
        .bind(currency)
        .fetch_one(c)
        .await)?)
}
