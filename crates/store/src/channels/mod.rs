//! Channel storage (issue 6, CH-1): the merchant's sales channels with their sealed
//! credentials and linked locations, and the channel listings ([`listings`], CAT-5).
//!
//! Credentials arrive here already sealed by the app (`v1:...`); this module never sees a
//! plaintext secret. Every function takes the merchant first and scopes by it.

pub mod listings;

pub use listings::*;

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A channel as stored.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelRow {
    /// Id.
    pub id: Uuid,
    /// Upper-cased code, unique per merchant.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Platform code.
    pub platform: String,
    /// Status code.
    pub status: String,
    /// ISO 4217 code.
    pub currency: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Ship-by promise in hours.
    pub ship_by_hours: i64,
    /// Shopify shop domain.
    pub shop_domain: Option<String>,
    /// Shop base URL.
    pub base_url: Option<String>,
    /// Sealed webhook secret.
    pub webhook_secret: Option<String>,
    /// Last four characters of the webhook secret.
    pub webhook_secret_hint: Option<String>,
    /// Sealed API token.
    pub api_token: Option<String>,
    /// Last four characters of the API token.
    pub api_token_hint: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

impl std::fmt::Debug for ChannelRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sealed values are useless without the key, but logs need not carry them either.
        f.debug_struct("ChannelRow")
            .field("id", &self.id)
            .field("code", &self.code)
            .field("platform", &self.platform)
            .field("status", &self.status)
            .field("webhook_secret_set", &self.webhook_secret.is_some())
            .field("api_token_set", &self.api_token.is_some())
            .finish_non_exhaustive()
    }
}

macro_rules! channel_columns {
    () => {
        "id, code, name, kind, platform, status, currency, time_zone, ship_by_hours, shop_domain, \
         base_url, webhook_secret, webhook_secret_hint, api_token, api_token_hint, created_at, updated_at"
    };
}

/// Stores a new channel; `Conflict { key: "channels.code" }` if the code is taken.
pub async fn insert_channel(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ChannelRow,
) -> Result<ChannelRow, StoreError> {
    const SQL: &str = concat!(
        "INSERT INTO channels (merchant_id, ",
        channel_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING ",
        channel_columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, ChannelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.code)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.platform)
        .bind(&row.status)
        .bind(&row.currency)
        .bind(&row.time_zone)
        .bind(row.ship_by_hours)
        .bind(&row.shop_domain)
        .bind(&row.base_url)
        .bind(&row.webhook_secret)
        .bind(&row.webhook_secret_hint)
        .bind(&row.api_token)
        .bind(&row.api_token_hint)
        .bind(row.created_at)
        .bind(row.updated_at)
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "channels.code"))
}

/// Rewrites a channel's settings, status and credentials (all but id and created_at);
/// `None` if there is no such channel. `Conflict { key: "channels.code" }` if the new code
/// is taken.
pub async fn update_channel(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ChannelRow,
) -> Result<Option<ChannelRow>, StoreError> {
    const SQL: &str = concat!(
        "UPDATE channels SET code = $3, name = $4, kind = $5, platform = $6, status = $7, currency = $8, ",
        "time_zone = $9, ship_by_hours = $10, shop_domain = $11, base_url = $12, webhook_secret = $13, ",
        "webhook_secret_hint = $14, api_token = $15, api_token_hint = $16, updated_at = $17 ",
        "WHERE merchant_id = $1 AND id = $2 RETURNING ",
        channel_columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, ChannelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.code)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.platform)
        .bind(&row.status)
        .bind(&row.currency)
        .bind(&row.time_zone)
        .bind(row.ship_by_hours)
        .bind(&row.shop_domain)
        .bind(&row.base_url)
        .bind(&row.webhook_secret)
        .bind(&row.webhook_secret_hint)
        .bind(&row.api_token)
        .bind(&row.api_token_hint)
        .bind(row.updated_at)
        .fetch_optional(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "channels.code"))
}

/// One channel of the merchant.
pub async fn get_channel(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<ChannelRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        channel_columns!(),
        " FROM channels WHERE merchant_id = $1 AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ChannelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Filters for the channel list.
#[derive(Debug, Clone, Default)]
pub struct ChannelFilter<'a> {
    /// Only this status code.
    pub status: Option<&'a str>,
    /// Only this kind code.
    pub kind: Option<&'a str>,
}

/// A page of the merchant's channels in creation order (ids are UUIDv7), after `after`.
pub async fn list_channels(
    tx: &mut Tx,
    merchant: MerchantId,
    filter: &ChannelFilter<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ChannelRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        channel_columns!(),
        " FROM channels WHERE merchant_id = $1 AND ($2 IS NULL OR status = $2) ",
        "AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ChannelRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(filter.status)
        .bind(filter.kind)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// A location linked to a channel, with the location's code, name and active flag.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChannelLocationRow {
    /// The location.
    pub location_id: Uuid,
    /// Lower first.
    pub priority: i64,
    /// The location's code.
    pub code: String,
    /// The location's name.
    pub name: String,
    /// Whether the location is active now.
    pub active: bool,
}

/// The channel's linked locations by priority, then location id.
pub async fn channel_locations(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
) -> Result<Vec<ChannelLocationRow>, StoreError> {
    const SQL: &str = "SELECT cl.location_id, cl.priority, l.code, l.name, l.active \
         FROM channel_locations cl JOIN locations l ON l.merchant_id = cl.merchant_id AND l.id = cl.location_id \
         WHERE cl.merchant_id = $1 AND cl.channel_id = $2 ORDER BY cl.priority, cl.location_id";
    Ok(with_conn!(tx, |c| {
        sqlx::query_as::<_, ChannelLocationRow>(SQL)
            .bind(merchant.as_uuid())
            .bind(channel)
            .fetch_all(c)
            .await
    })?)
}

/// Replaces the channel's linked locations with `links` (`(location, priority)`, each
/// location once).
pub async fn replace_channel_locations(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    links: &[(Uuid, i64)],
    now: i64,
) -> Result<(), StoreError> {
    const DELETE: &str = "DELETE FROM channel_locations WHERE merchant_id = $1 AND channel_id = $2";
    const INSERT: &str = "INSERT INTO channel_locations (merchant_id, channel_id, location_id, priority, created_at) \
         VALUES ($1, $2, $3, $4, $5)";
    with_conn!(tx, |c| sqlx::query(DELETE)
        .bind(merchant.as_uuid())
        .bind(channel)
        .execute(c)
        .await
        .map(|_| ()))?;
    for (location, priority) in links {
        with_conn!(tx, |c| sqlx::query(INSERT)
            .bind(merchant.as_uuid())
            .bind(channel)
            .bind(location)
            .bind(priority)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(|e| StoreError::from_sqlx(e, "channel_locations.location_id"))?;
    }
    Ok(())
}
