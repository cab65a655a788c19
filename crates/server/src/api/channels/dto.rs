//! DTOs of the channel routes. Money is the catalogue's `{"amount": "19.90", "currency":
//! "CNY"}` (decimal text); a listing's price override must be in its channel's currency.

use omnihub_app::channels::{
    Channel, ChannelInput, ChannelLocation, ChannelPatch, ChannelWithSecret, LinkInput, Listing,
    ListingInput, ListingPatch, PriceInput,
};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::LocationId;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::catalog::dto::{MoneyDto, MoneyInput};

/// Deserialises a present field (even `null`) as `Some`, so a missing field (`None`) can
/// be told from one set to `null` (`Some(None)`, which clears it).
pub(super) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A sales channel. Credentials are never returned: only whether each is set, and its
/// last four characters.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelDto {
    /// Id.
    pub id: String,
    /// Code, unique per merchant (upper-cased).
    pub code: String,
    /// Display name.
    pub name: String,
    /// `own_store`, `app`, `marketplace`, `social`, `physical_store` or `dealer`.
    pub kind: &'static str,
    /// `api`, `shopify`, `woocommerce`, `csv` or `manual`.
    pub platform: &'static str,
    /// `active`, `paused` or `archived`.
    pub status: &'static str,
    /// ISO 4217 code the channel sells in.
    pub currency: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Hours after placement an order must ship.
    pub ship_by_hours: u16,
    /// Shopify shop domain.
    pub shop_domain: Option<String>,
    /// Shop base URL.
    pub base_url: Option<String>,
    /// Whether a webhook secret is stored.
    pub webhook_secret_set: bool,
    /// Its last four characters.
    pub webhook_secret_hint: Option<String>,
    /// Whether an API token is stored.
    pub api_token_set: bool,
    /// Its last four characters.
    pub api_token_hint: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Channel> for ChannelDto {
    fn from(c: Channel) -> Self {
        Self {
            id: c.id.to_string(),
            code: c.code.to_string(),
            name: c.name.to_string(),
            kind: c.kind.code(),
            platform: c.platform.code(),
            status: c.status.code(),
            currency: c.currency.as_ref().to_owned(),
            time_zone: c.time_zone,
            ship_by_hours: c.ship_by_hours.get(),
            shop_domain: c.shop_domain,
            base_url: c.base_url,
            webhook_secret_set: c.credentials.webhook_secret_set,
            webhook_secret_hint: c.credentials.webhook_secret_hint,
            api_token_set: c.credentials.api_token_set,
            api_token_hint: c.credentials.api_token_hint,
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

/// A channel, and the webhook secret the platform just generated for it: shown this once
/// and never again.
#[derive(Serialize, ToSchema)]
pub struct ChannelWithSecretDto {
    /// The channel.
    pub channel: ChannelDto,
    /// The generated secret; absent when the caller supplied one or none was rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

impl From<ChannelWithSecret> for ChannelWithSecretDto {
    fn from(c: ChannelWithSecret) -> Self {
        Self {
            channel: c.channel.into(),
            webhook_secret: c.generated_webhook_secret,
        }
    }
}

/// `Debug` for the bodies that carry credentials: never the credentials themselves.
macro_rules! redacted_debug {
    ($($name:ident),*) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )*};
}

redacted_debug!(ChannelWithSecretDto, CreateChannel, RotateCredentials);

/// A location to link to a channel.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// One of the merchant's active locations.
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// 1 (first) to 1000; its position in the list when absent.
    pub priority: Option<i64>,
}

impl From<LinkBody> for LinkInput {
    fn from(l: LinkBody) -> Self {
        Self {
            location_id: l.location_id,
            priority: l.priority,
        }
    }
}

/// A new channel.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// A-Z, 0-9, `-`, `_`, up to 32 (upper-cased); unique per merchant.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `own_store`, `app`, `marketplace`, `social`, `physical_store` or `dealer`.
    pub kind: String,
    /// `api`, `shopify`, `woocommerce`, `csv` or `manual`.
    pub platform: String,
    /// ISO 4217; the merchant's currency when absent.
    pub currency: Option<String>,
    /// IANA time zone; the merchant's when absent.
    pub time_zone: Option<String>,
    /// 1 to 720 (default 48).
    pub ship_by_hours: Option<i64>,
    /// Shopify shop domain (required for `shopify`).
    pub shop_domain: Option<String>,
    /// Shop base URL (required for `woocommerce`).
    pub base_url: Option<String>,
    /// Webhook secret (8-512 characters); one is generated and returned once when absent.
    pub webhook_secret: Option<String>,
    /// API token for calls to the channel.
    pub api_token: Option<String>,
    /// Linked locations.
    #[serde(default)]
    pub locations: Vec<LinkBody>,
}

impl From<CreateChannel> for ChannelInput {
    fn from(b: CreateChannel) -> Self {
        Self {
            code: b.code,
            name: b.name,
            kind: b.kind,
            platform: b.platform,
            currency: b.currency,
            time_zone: b.time_zone,
            ship_by_hours: b.ship_by_hours,
            shop_domain: b.shop_domain,
            base_url: b.base_url,
            webhook_secret: b.webhook_secret,
            api_token: b.api_token,
            locations: b.locations.into_iter().map(LinkInput::from).collect(),
        }
    }
}

/// Changes to a channel; a field left out keeps its value, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New platform.
    pub platform: Option<String>,
    /// New currency (409 `channel-currency-in-use` while listings carry overrides).
    pub currency: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New ship-by promise.
    pub ship_by_hours: Option<i64>,
    /// Shop domain; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub shop_domain: Option<Option<String>>,
    /// Base URL; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub base_url: Option<Option<String>>,
}

impl From<UpdateChannel> for ChannelPatch {
    fn from(b: UpdateChannel) -> Self {
        Self {
            code: b.code,
            name: b.name,
            kind: b.kind,
            platform: b.platform,
            currency: b.currency,
            time_zone: b.time_zone,
            ship_by_hours: b.ship_by_hours,
            shop_domain: b.shop_domain,
            base_url: b.base_url,
        }
    }
}

/// A move in the channel's life cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `pause` (active → paused), `resume` (paused → active) or `archive` (terminal).
    pub action: String,
}

/// New credentials.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateCredentials {
    /// A webhook secret to store (e.g. the one Shopify shows).
    pub webhook_secret: Option<String>,
    /// Generate a new random webhook secret instead; it is returned once.
    #[serde(default)]
    pub generate_webhook_secret: bool,
    /// A new API token; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub api_token: Option<Option<String>>,
}

/// The linked locations to set (replacing the current ones).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLocations {
    /// Each location once.
    pub locations: Vec<LinkBody>,
}

/// A location linked to a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelLocationDto {
    /// The location.
    pub location_id: String,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// 1 is tried first.
    pub priority: u16,
    /// Whether the location is active now.
    pub active: bool,
}

impl From<ChannelLocation> for ChannelLocationDto {
    fn from(l: ChannelLocation) -> Self {
        Self {
            location_id: l.location_id.to_string(),
            code: l.code,
            name: l.name,
            priority: l.priority.get(),
            active: l.active,
        }
    }
}

/// A channel's linked locations in allocation order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelLocations {
    /// Lowest priority first.
    pub items: Vec<ChannelLocationDto>,
}

impl From<Vec<ChannelLocation>> for ChannelLocations {
    fn from(v: Vec<ChannelLocation>) -> Self {
        Self {
            items: v.into_iter().map(ChannelLocationDto::from).collect(),
        }
    }
}

/// Filters of the channel list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelListParams {
    /// `active`, `paused` or `archived`.
    pub status: Option<String>,
    /// A kind code.
    pub kind: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One SKU as sold on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingDto {
    /// Id.
    pub id: String,
    /// The channel.
    pub channel_id: String,
    /// Our SKU.
    pub sku_id: String,
    /// Our SKU's code.
    pub sku_code: String,
    /// The channel's SKU code.
    pub external_sku: Option<String>,
    /// The channel's product id.
    pub external_product_id: Option<String>,
    /// The channel's variant id.
    pub external_variant_id: Option<String>,
    /// The channel price, when it differs from the catalogue's.
    pub price_override: Option<MoneyDto>,
    /// Inactive listings are kept but not matched to incoming orders.
    pub active: bool,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Listing> for ListingDto {
    fn from(l: Listing) -> Self {
        let text = |e: Option<omnihub_domain::channels::ExternalId>| e.map(|e| e.to_string());
        Self {
            id: l.id.to_string(),
            channel_id: l.channel_id.to_string(),
            sku_id: l.sku_id.to_string(),
            sku_code: l.sku_code,
            external_sku: text(l.external.sku),
            external_product_id: text(l.external.product_id),
            external_variant_id: text(l.external.variant_id),
            price_override: l.price_override.map(MoneyDto::from),
            active: l.active,
            created_at: l.created_at.to_string(),
            updated_at: l.updated_at.to_string(),
        }
    }
}

fn price(m: MoneyInput) -> PriceInput {
    PriceInput {
        amount: m.amount,
        currency: m.currency,
    }
}

/// A SKU to list on the channel, named by id or by code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    /// Our SKU's id.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub sku_id: Option<SkuId>,
    /// Our SKU's code (any case), instead of the id.
    pub sku_code: Option<String>,
    /// The channel's SKU code (unique per channel, ignoring case); ours when no
    /// channel-side id is given.
    pub external_sku: Option<String>,
    /// The channel's product id.
    pub external_product_id: Option<String>,
    /// The channel's variant id (unique per channel).
    pub external_variant_id: Option<String>,
    /// The channel price, in the channel's currency.
    pub price_override: Option<MoneyInput>,
    /// Default true.
    pub active: Option<bool>,
}

impl From<CreateListing> for ListingInput {
    fn from(b: CreateListing) -> Self {
        Self {
            sku_id: b.sku_id,
            sku_code: b.sku_code,
            external_sku: b.external_sku,
            external_product_id: b.external_product_id,
            external_variant_id: b.external_variant_id,
            price_override: b.price_override.map(price),
            active: b.active,
        }
    }
}

/// Changes to a listing; a field left out keeps its value, `null` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateListing {
    /// The channel's SKU code.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_sku: Option<Option<String>>,
    /// The channel's product id.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_product_id: Option<Option<String>>,
    /// The channel's variant id.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_variant_id: Option<Option<String>>,
    /// The channel price.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MoneyInput>)]
    pub price_override: Option<Option<MoneyInput>>,
    /// Activate (the SKU must still be sellable) or deactivate.
    pub active: Option<bool>,
}

impl From<UpdateListing> for ListingPatch {
    fn from(b: UpdateListing) -> Self {
        Self {
            external_sku: b.external_sku,
            external_product_id: b.external_product_id,
            external_variant_id: b.external_variant_id,
            price_override: b.price_override.map(|p| p.map(price)),
            active: b.active,
        }
    }
}

/// Filters of a channel's listings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingListParams {
    /// Only this SKU.
    #[param(value_type = Option<String>, format = Uuid)]
    pub sku_id: Option<SkuId>,
    /// Exact match of our SKU code, the channel SKU code (any case), product id or variant id.
    pub q: Option<String>,
    /// Only active (`true`) or inactive (`false`) listings.
    pub active: Option<bool>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
