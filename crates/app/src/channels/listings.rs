//! Channel listings (CAT-5): which of our SKUs sell on a channel, under which channel-side
//! SKU code, product id and variant id, at which price override (in the channel's
//! currency). Only an active SKU of a listed product can be listed (the catalogue's
//! [`crate::catalog::require_listed`], 409 `sku-not-sellable`). Order intake resolves an
//! incoming line to our SKU with [`resolve_item_in`].

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::channels::{
    ChannelId, ChannelListing, ChannelListingId, ExternalId, ItemRef, best_listing,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::money::Money;
use omnihub_store::channels::{self as store, ListingFilter, ListingRow};
use omnihub_store::{StoreError, Tx, inventory as inv, time};

use super::{require_channel, require_open};
use crate::audit::{self, Change};
use crate::catalog::require_listed;
use crate::error::{Error, FieldError, Result};
use crate::inventory::{Page, conflict, corrupt, id_cursor, page_limit, paged};
use crate::{Actor, App};

/// A listing as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Id.
    pub id: ChannelListingId,
    /// The channel.
    pub channel_id: ChannelId,
    /// Our SKU.
    pub sku_id: SkuId,
    /// Our SKU's code.
    pub sku_code: String,
    /// The channel's ids for it.
    pub external: ItemRef,
    /// The channel price, when it differs from the catalogue's.
    pub price_override: Option<Money>,
    /// Inactive listings are kept but not resolved.
    pub active: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

fn ext(raw: Option<&str>) -> Result<Option<ExternalId>> {
    raw.map(ExternalId::parse).transpose().map_err(corrupt)
}

impl TryFrom<&ListingRow> for Listing {
    type Error = Error;
    fn try_from(r: &ListingRow) -> Result<Self> {
        let price_override = match (r.price_override_minor, &r.price_override_currency) {
            (Some(minor), Some(c)) => Some(Money::from_minor(
                minor,
                Currency::parse(c).map_err(corrupt)?,
            )),
            _ => None,
        };
        Ok(Self {
            id: ChannelListingId::from_uuid(r.id),
            channel_id: ChannelId::from_uuid(r.channel_id),
            sku_id: SkuId::from_uuid(r.sku_id),
            sku_code: r.sku_code.clone(),
            external: ItemRef {
                sku: ext(r.external_sku.as_deref())?,
                product_id: ext(r.external_product_id.as_deref())?,
                variant_id: ext(r.external_variant_id.as_deref())?,
            },
            price_override,
            active: r.active,
            created_at: time::from_db(r.created_at)?,
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// A price as sent: decimal text and, optionally, the currency (which must be the
/// channel's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceInput {
    /// Decimal text in the currency's major unit.
    pub amount: String,
    /// ISO 4217; the channel's currency when absent.
    pub currency: Option<String>,
}

/// An unvalidated new listing. The SKU is named by id or by code; when no channel-side id
/// is given, the channel SKU code defaults to ours.
#[derive(Debug, Clone, Default)]
pub struct ListingInput {
    /// Our SKU's id.
    pub sku_id: Option<SkuId>,
    /// Our SKU's code (any case), instead of the id.
    pub sku_code: Option<String>,
    /// The channel's SKU code.
    pub external_sku: Option<String>,
    /// The channel's product id.
    pub external_product_id: Option<String>,
    /// The channel's variant id.
    pub external_variant_id: Option<String>,
    /// The channel price.
    pub price_override: Option<PriceInput>,
    /// Active (default true).
    pub active: Option<bool>,
}

/// Changes to a listing; a field left out keeps its value, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ListingPatch {
    /// New channel SKU code.
    pub external_sku: Option<Option<String>>,
    /// New channel product id.
    pub external_product_id: Option<Option<String>>,
    /// New channel variant id.
    pub external_variant_id: Option<Option<String>>,
    /// New price override.
    pub price_override: Option<Option<PriceInput>>,
    /// Activate (the SKU must still be sellable) or deactivate.
    pub active: Option<bool>,
}

/// The validated channel-side part of a listing.
struct Terms {
    listing: ChannelListing,
}

/// Parses the external ids and price against the channel's currency, every error at once.
fn terms(
    currency: Currency,
    sku: Option<&str>,
    product: Option<&str>,
    variant: Option<&str>,
    price: Option<&PriceInput>,
) -> Result<Terms> {
    let mut errors = Vec::new();
    let mut id = |field: &str, raw: Option<&str>| -> Option<ExternalId> {
        let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
        ExternalId::parse(raw)
            .map_err(|e| errors.push(FieldError::new(field, e.code(), e)))
            .ok()
    };
    let external = ItemRef {
        sku: id("external_sku", sku),
        product_id: id("external_product_id", product),
        variant_id: id("external_variant_id", variant),
    };
    let price = price.and_then(|p| parse_price(currency, p, &mut errors));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let listing = ChannelListing::new(external, price)
        .map_err(|e| Error::invalid("external_sku", e.code(), e))?;
    Ok(Terms { listing })
}

fn parse_price(currency: Currency, p: &PriceInput, errors: &mut Vec<FieldError>) -> Option<Money> {
    if let Some(c) = p.currency.as_deref()
        && !c.trim().eq_ignore_ascii_case(currency.as_ref())
    {
        errors.push(FieldError::new(
            "price_override.currency",
            "currency_mismatch",
            format!(
                "a price override must be in the channel's currency, {}",
                currency.as_ref()
            ),
        ));
        return None;
    }
    Money::parse_non_negative(&p.amount, currency)
        .map_err(|e| errors.push(FieldError::new("price_override.amount", "invalid", e)))
        .ok()
}

fn write_terms(row: &mut ListingRow, t: &Terms) {
    let e = t.listing.external();
    row.external_sku = e.sku.as_ref().map(ToString::to_string);
    row.external_product_id = e.product_id.as_ref().map(ToString::to_string);
    row.external_variant_id = e.variant_id.as_ref().map(ToString::to_string);
    row.price_override_minor = t.listing.price_override().map(Money::minor);
    row.price_override_currency = t
        .listing
        .price_override()
        .map(|m| m.currency().as_ref().to_owned());
}

fn listing_conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict {
            key: "channel_listings.sku_id",
        } => conflict(
            "sku-already-listed",
            "this SKU is already listed on the channel",
        ),
        StoreError::Conflict {
            key: "channel_listings.external_sku",
        } => Error::invalid(
            "external_sku",
            "taken",
            "another listing of the channel has this SKU code",
        ),
        StoreError::Conflict {
            key: "channel_listings.external_variant_id",
        } => Error::invalid(
            "external_variant_id",
            "taken",
            "another listing of the channel has this variant id",
        ),
        other => other.into(),
    }
}

/// Refuses a product id another listing is known by alone (neither has a variant id):
/// an incoming line naming only that product could not be told apart.
async fn check_product_only(tx: &mut Tx, merchant: MerchantId, row: &ListingRow) -> Result<()> {
    if let (Some(p), None) = (&row.external_product_id, &row.external_variant_id)
        && store::product_only_taken(tx, merchant, row.channel_id, p, row.id).await?
    {
        return Err(Error::invalid(
            "external_product_id",
            "taken",
            "another listing of the channel is known by this product id alone; give a variant id",
        ));
    }
    Ok(())
}

fn view(l: &Listing) -> serde_json::Value {
    serde_json::json!({"sku_id": l.sku_id, "sku_code": l.sku_code, "external": l.external,
        "price_override_minor": l.price_override.map(Money::minor),
        "currency": l.price_override.map(|m| m.currency().as_ref().to_owned()), "active": l.active})
}

async fn audit_listing(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    action: &str,
    before: Option<&Listing>,
    after: Option<&Listing>,
) -> Result<()> {
    let id = after.or(before).map(|l| l.id.to_string());
    let change = Change {
        action,
        entity_type: "channel_listing",
        entity_id: id,
        merchant: Some(merchant),
        before: before.map(view),
        after: after.map(view),
    };
    audit::record(app, tx, actor, change).await
}

/// Our SKU named by id or by code.
async fn named_sku(tx: &mut Tx, merchant: MerchantId, input: &ListingInput) -> Result<SkuId> {
    match (
        input.sku_id,
        input
            .sku_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty()),
    ) {
        (Some(id), None) => Ok(id),
        (None, Some(code)) => inv::sku_by_code(tx, merchant, code)
            .await?
            .map(SkuId::from_uuid)
            .ok_or_else(|| Error::invalid("sku_code", "unknown", "no SKU has this code")),
        (Some(_), Some(_)) => Err(Error::invalid(
            "sku_code",
            "conflicting",
            "name the SKU by id or by code, not both",
        )),
        (None, None) => Err(Error::invalid(
            "sku_id",
            "required",
            "name the SKU by id or by code",
        )),
    }
}

async fn reload(tx: &mut Tx, merchant: MerchantId, row: &ListingRow) -> Result<Listing> {
    let stored = store::get_listing(tx, merchant, row.channel_id, row.id)
        .await?
        .ok_or(Error::NotFound { entity: "listing" })?;
    Listing::try_from(&stored)
}

/// Lists a SKU on a channel. Needs `channels.manage`; the SKU must be sellable (409
/// `sku-not-sellable`) and not yet listed there (409 `sku-already-listed`); a taken
/// channel SKU code, variant id or lone product id is a field error (`taken`).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel), err)]
pub async fn create_listing(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    input: ListingInput,
) -> Result<Listing> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let ch = require_channel(&mut tx, merchant, channel).await?;
    require_open(&ch)?;
    let currency = Currency::parse(&ch.currency).map_err(corrupt)?;
    let sku_id = named_sku(&mut tx, merchant, &input).await?;
    let sku = require_listed(&mut tx, merchant, &[sku_id]).await?;
    let nothing = input.external_sku.is_none()
        && input.external_product_id.is_none()
        && input.external_variant_id.is_none();
    let sku_code = sku.first().map(|s| s.code.clone()).unwrap_or_default();
    let external_sku = if nothing {
        Some(sku_code.as_str())
    } else {
        input.external_sku.as_deref()
    };
    let t = terms(
        currency,
        external_sku,
        input.external_product_id.as_deref(),
        input.external_variant_id.as_deref(),
        input.price_override.as_ref(),
    )?;
    let now = time::to_db(app.now());
    let mut row = ListingRow {
        id: app.ids.new_id(),
        channel_id: channel.as_uuid(),
        sku_id: sku_id.as_uuid(),
        sku_code,
        external_sku: None,
        external_product_id: None,
        external_variant_id: None,
        price_override_minor: None,
        price_override_currency: None,
        active: input.active.unwrap_or(true),
        created_at: now,
        updated_at: now,
    };
    write_terms(&mut row, &t);
    check_product_only(&mut tx, merchant, &row).await?;
    store::insert_listing(&mut tx, merchant, &row)
        .await
        .map_err(listing_conflict)?;
    let listing = reload(&mut tx, merchant, &row).await?;
    audit_listing(
        app,
        &mut tx,
        actor,
        merchant,
        "channel_listing.create",
        None,
        Some(&listing),
    )
    .await?;
    tx.commit().await?;
    Ok(listing)
}

fn keep(patch: Option<Option<String>>, old: Option<&ExternalId>) -> Option<String> {
    patch.unwrap_or_else(|| old.map(ToString::to_string))
}

/// Changes a listing. Needs `channels.manage`. Activating re-checks that the SKU is
/// sellable; the same uniqueness rules as creating apply.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel, listing_id = %id), err)]
pub async fn update_listing(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    id: ChannelListingId,
    patch: ListingPatch,
) -> Result<Listing> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let ch = require_channel(&mut tx, merchant, channel).await?;
    require_open(&ch)?;
    let currency = Currency::parse(&ch.currency).map_err(corrupt)?;
    let old_row = store::get_listing(&mut tx, merchant, channel.as_uuid(), id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "listing" })?;
    let before = Listing::try_from(&old_row)?;
    let price = match patch.price_override {
        Some(p) => p,
        None => before.price_override.map(|m| PriceInput {
            amount: m.amount_text(),
            currency: Some(m.currency().as_ref().to_owned()),
        }),
    };
    let sku = keep(patch.external_sku, before.external.sku.as_ref());
    let product = keep(
        patch.external_product_id,
        before.external.product_id.as_ref(),
    );
    let variant = keep(
        patch.external_variant_id,
        before.external.variant_id.as_ref(),
    );
    let t = terms(
        currency,
        sku.as_deref(),
        product.as_deref(),
        variant.as_deref(),
        price.as_ref(),
    )?;
    let mut row = old_row.clone();
    write_terms(&mut row, &t);
    row.active = patch.active.unwrap_or(old_row.active);
    if row.active && !old_row.active {
        require_listed(&mut tx, merchant, &[before.sku_id]).await?;
    }
    row.updated_at = time::to_db(app.now());
    check_product_only(&mut tx, merchant, &row).await?;
    store::update_listing(&mut tx, merchant, &row)
        .await
        .map_err(listing_conflict)?;
    let after = reload(&mut tx, merchant, &row).await?;
    audit_listing(
        app,
        &mut tx,
        actor,
        merchant,
        "channel_listing.update",
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a listing. Needs `channels.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel, listing_id = %id), err)]
pub async fn delete_listing(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    id: ChannelListingId,
) -> Result<()> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let ch = require_channel(&mut tx, merchant, channel).await?;
    require_open(&ch)?;
    let row = store::get_listing(&mut tx, merchant, channel.as_uuid(), id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "listing" })?;
    let before = Listing::try_from(&row)?;
    store::delete_listing(&mut tx, merchant, channel.as_uuid(), id.as_uuid()).await?;
    audit_listing(
        app,
        &mut tx,
        actor,
        merchant,
        "channel_listing.delete",
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One listing. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel, listing_id = %id), err)]
pub async fn get_listing(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    id: ChannelListingId,
) -> Result<Listing> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut tx = app.db.begin_read().await?;
    require_channel(&mut tx, merchant, channel).await?;
    let row = store::get_listing(&mut tx, merchant, channel.as_uuid(), id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "listing" })?;
    Listing::try_from(&row)
}

/// Filters and paging for a channel's listings.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// Only this SKU.
    pub sku_id: Option<SkuId>,
    /// Exact match of our SKU code or a channel-side id (codes in any case).
    pub q: Option<String>,
    /// Only active or inactive ones.
    pub active: Option<bool>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// A page of the channel's listings in creation order. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel), err)]
pub async fn list_listings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    q: ListingQuery,
) -> Result<Page<Listing>> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let after = id_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit);
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let filter = ListingFilter {
        sku: q.sku_id.map(|s| s.as_uuid()),
        q: search,
        active: q.active,
    };
    let mut tx = app.db.begin_read().await?;
    require_channel(&mut tx, merchant, channel).await?;
    let rows = store::list_listings(
        &mut tx,
        merchant,
        channel.as_uuid(),
        &filter,
        after,
        limit + 1,
    )
    .await?;
    let items = rows
        .iter()
        .map(Listing::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |l| l.id.to_string()))
}

/// What an incoming order line refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedItem {
    /// Our SKU.
    pub sku_id: SkuId,
    /// The listing it was found through; none when matched by our own SKU code.
    pub listing_id: Option<ChannelListingId>,
    /// The listing's channel price, if any.
    pub price_override: Option<Money>,
}

/// Resolves a line (channel SKU code / product id / variant id) to our SKU within the
/// caller's transaction: the channel's best-matching active listing
/// ([`best_listing`]: variant id, then SKU code ignoring case, then a lone product id),
/// else our own SKU with the line's SKU code. `None` = unknown SKU (intake's
/// `unknown_sku`). Sellability is intake's to check, not this look-up's.
pub async fn resolve_item_in(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: ChannelId,
    item: &ItemRef,
) -> Result<Option<ResolvedItem>> {
    let text = |e: &Option<ExternalId>| e.as_ref().map(ToString::to_string);
    let (sku, product, variant) = (
        text(&item.sku),
        text(&item.product_id),
        text(&item.variant_id),
    );
    let rows = store::matching_listings(
        tx,
        merchant,
        channel.as_uuid(),
        sku.as_deref(),
        product.as_deref(),
        variant.as_deref(),
    )
    .await?;
    let mut candidates = Vec::with_capacity(rows.len());
    for row in &rows {
        let l = Listing::try_from(row)?;
        if let Ok(domain) = ChannelListing::new(l.external.clone(), l.price_override) {
            candidates.push((l, domain));
        }
    }
    if let Some((l, _)) = best_listing(&candidates, item) {
        return Ok(Some(ResolvedItem {
            sku_id: l.sku_id,
            listing_id: Some(l.id),
            price_override: l.price_override,
        }));
    }
    let Some(code) = sku else {
        return Ok(None);
    };
    Ok(inv::sku_by_code(tx, merchant, &code)
        .await?
        .map(|id| ResolvedItem {
            sku_id: SkuId::from_uuid(id),
            listing_id: None,
            price_override: None,
        }))
}

/// [`resolve_item_in`] in its own read transaction. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %channel), err)]
pub async fn resolve_item(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    channel: ChannelId,
    item: &ItemRef,
) -> Result<Option<ResolvedItem>> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut tx = app.db.begin_read().await?;
    require_channel(&mut tx, merchant, channel).await?;
    resolve_item_in(&mut tx, merchant, channel, item).await
}
