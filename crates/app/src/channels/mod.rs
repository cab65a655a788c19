//! Channel use cases (issue 6, CH-1): the merchant's sales channels (create, edit, list,
//! status changes, credential rotation, linked locations) and their listings
//! ([`listings`], CAT-5), plus the two look-ups intake calls: [`webhook_secret`] and
//! [`listings::resolve_item_in`] (docs/adr/0015).
//!
//! Credentials (webhook secret, API token) are sealed with the instance key
//! ([`crate::secrets::SecretBox`]) before they reach the store and are never handed out
//! again: [`Channel`] only says which are set, with a four-character hint. A secret the
//! platform generates is returned once, by the call that generated it. Reading needs
//! `channels.read`, every write `channels.manage`, and every write is audited (without
//! any credential).

pub mod listings;
mod locations;

pub use listings::*;
pub use locations::*;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::channels::{
    ChannelCode, ChannelId, ChannelKind, ChannelName, ChannelPlatform, ChannelStatus, ShipByHours,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::{Currency, MerchantTimeZone};
use omnihub_store::channels::{self as store, ChannelFilter, ChannelRow};
use omnihub_store::{StoreError, Tx, merchants, time};

use crate::audit::{self, Change};
use crate::entropy::random_bytes;
use crate::error::{Error, FieldError, Result, Validator};
use crate::inventory::{Page, conflict, corrupt, id_cursor, page_limit, paged};
use crate::{Actor, App};

/// Which credentials a channel holds, never the credentials themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialStatus {
    /// A webhook secret is stored.
    pub webhook_secret_set: bool,
    /// Its last four characters.
    pub webhook_secret_hint: Option<String>,
    /// An API token is stored.
    pub api_token_set: bool,
    /// Its last four characters.
    pub api_token_hint: Option<String>,
}

/// A channel as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Id.
    pub id: ChannelId,
    /// Code, unique per merchant.
    pub code: ChannelCode,
    /// Display name.
    pub name: ChannelName,
    /// What sort of channel.
    pub kind: ChannelKind,
    /// Which adapter speaks to it.
    pub platform: ChannelPlatform,
    /// Life cycle.
    pub status: ChannelStatus,
    /// The currency the channel sells in.
    pub currency: Currency,
    /// IANA time zone of the channel (its orders' local dates).
    pub time_zone: String,
    /// Ship-by promise.
    pub ship_by_hours: ShipByHours,
    /// Shopify shop domain.
    pub shop_domain: Option<String>,
    /// Shop base URL.
    pub base_url: Option<String>,
    /// Which credentials are set.
    pub credentials: CredentialStatus,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<&ChannelRow> for Channel {
    type Error = Error;
    fn try_from(r: &ChannelRow) -> Result<Self> {
        Ok(Self {
            id: ChannelId::from_uuid(r.id),
            code: ChannelCode::parse(&r.code).map_err(corrupt)?,
            name: ChannelName::parse(&r.name).map_err(corrupt)?,
            kind: ChannelKind::parse(&r.kind).map_err(corrupt)?,
            platform: ChannelPlatform::parse(&r.platform).map_err(corrupt)?,
            status: ChannelStatus::parse(&r.status).map_err(corrupt)?,
            currency: Currency::parse(&r.currency).map_err(corrupt)?,
            time_zone: r.time_zone.clone(),
            ship_by_hours: ShipByHours::new(r.ship_by_hours).map_err(corrupt)?,
            shop_domain: r.shop_domain.clone(),
            base_url: r.base_url.clone(),
            credentials: CredentialStatus {
                webhook_secret_set: r.webhook_secret.is_some(),
                webhook_secret_hint: r.webhook_secret_hint.clone(),
                api_token_set: r.api_token.is_some(),
                api_token_hint: r.api_token_hint.clone(),
            },
            created_at: time::from_db(r.created_at)?,
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// A channel and the webhook secret the platform generated for it, if it did: the only
/// time that secret is ever returned. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelWithSecret {
    /// The channel.
    pub channel: Channel,
    /// The generated webhook secret (none when the caller supplied one or kept the old).
    pub generated_webhook_secret: Option<String>,
}

/// An unvalidated new channel, as received. `Debug` never shows the credentials.
#[derive(Clone, Default)]
pub struct ChannelInput {
    /// Code (A-Z, 0-9, `-`, `_`; up to 32; upper-cased).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Platform code.
    pub platform: String,
    /// ISO 4217; the merchant's currency when absent.
    pub currency: Option<String>,
    /// IANA time zone; the merchant's when absent.
    pub time_zone: Option<String>,
    /// 1 to 720 (default 48).
    pub ship_by_hours: Option<i64>,
    /// Shopify shop domain (required for Shopify).
    pub shop_domain: Option<String>,
    /// Shop base URL (required for WooCommerce).
    pub base_url: Option<String>,
    /// Webhook secret; generated when absent.
    pub webhook_secret: Option<String>,
    /// API token for outbound calls.
    pub api_token: Option<String>,
    /// Linked locations.
    pub locations: Vec<LinkInput>,
}

impl std::fmt::Debug for ChannelWithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelWithSecret")
            .field("channel", &self.channel)
            .field(
                "generated_webhook_secret",
                &self.generated_webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl std::fmt::Debug for ChannelInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelInput")
            .field("code", &self.code)
            .field("platform", &self.platform)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsInput")
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("generate_webhook_secret", &self.generate_webhook_secret)
            .field(
                "api_token",
                &self
                    .api_token
                    .as_ref()
                    .map(|t| t.as_ref().map(|_| "<redacted>")),
            )
            .finish()
    }
}

/// Changes to a channel; a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct ChannelPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New platform.
    pub platform: Option<String>,
    /// New currency (refused while price overrides in the old one exist).
    pub currency: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New ship-by promise.
    pub ship_by_hours: Option<i64>,
    /// New shop domain (`Some(None)` clears it).
    pub shop_domain: Option<Option<String>>,
    /// New base URL (`Some(None)` clears it).
    pub base_url: Option<Option<String>>,
}

/// The channel's settings as text, before validation.
struct Settings<'a> {
    code: &'a str,
    name: &'a str,
    kind: &'a str,
    platform: &'a str,
    currency: &'a str,
    time_zone: &'a str,
    ship_by_hours: i64,
    shop_domain: Option<&'a str>,
    base_url: Option<&'a str>,
}

fn blank_to_none(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A Shopify-style shop domain: lower-case letters, digits, `-` and `.`, with a dot.
fn shop_domain(raw: &str) -> std::result::Result<String, &'static str> {
    let d = raw.trim().to_ascii_lowercase();
    let ok = d.len() <= 255
        && d.contains('.')
        && !d.starts_with(['.', '-'])
        && !d.ends_with(['.', '-'])
        && d.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(d)
    } else {
        Err("must be a host name such as acme.myshopify.com")
    }
}

/// An http(s) URL with a host and no spaces.
fn base_url(raw: &str) -> std::result::Result<String, &'static str> {
    let u = raw.trim().trim_end_matches('/');
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && u.len() <= 500
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(u.to_owned())
    } else {
        Err("must be an http:// or https:// URL such as https://shop.example.com")
    }
}

/// Checks every setting, recording each broken one, and writes the good ones to `row`.
fn apply_settings(s: &Settings<'_>, row: &mut ChannelRow, v: &mut Validator) {
    let code = v.check("code", "invalid", ChannelCode::parse(s.code));
    let name = v.check("name", "invalid", ChannelName::parse(s.name));
    let kind = v.check("kind", "invalid", ChannelKind::parse(s.kind));
    let platform = v.check("platform", "invalid", ChannelPlatform::parse(s.platform));
    let currency = v.check("currency", "invalid", Currency::parse(s.currency));
    let tz = v.check("time_zone", "invalid", MerchantTimeZone::parse(s.time_zone));
    let ship = v.check(
        "ship_by_hours",
        "out_of_range",
        ShipByHours::new(s.ship_by_hours),
    );
    let domain = blank_to_none(s.shop_domain)
        .and_then(|d| v.check("shop_domain", "invalid", shop_domain(d)));
    let url = blank_to_none(s.base_url).and_then(|u| v.check("base_url", "invalid", base_url(u)));
    match platform {
        Some(ChannelPlatform::Shopify) if blank_to_none(s.shop_domain).is_none() => {
            v.check::<(), _>(
                "shop_domain",
                "required",
                Err("a Shopify channel needs its shop domain"),
            );
        }
        Some(ChannelPlatform::Woocommerce) if blank_to_none(s.base_url).is_none() => {
            v.check::<(), _>(
                "base_url",
                "required",
                Err("a WooCommerce channel needs its shop URL"),
            );
        }
        _ => {}
    }
    if let (
        Some(code),
        Some(name),
        Some(kind),
        Some(platform),
        Some(currency),
        Some(tz),
        Some(ship),
    ) = (code, name, kind, platform, currency, tz, ship)
    {
        row.code = code.to_string();
        row.name = name.to_string();
        row.kind = kind.code().to_owned();
        row.platform = platform.code().to_owned();
        row.currency = currency.as_ref().to_owned();
        row.time_zone = tz.as_ref().to_owned();
        row.ship_by_hours = i64::from(ship.get());
        row.shop_domain = domain;
        row.base_url = url;
    }
}

/// Checks a credential supplied by a person: 8 to 512 characters, no control characters.
fn credential(field: &str, raw: &str) -> Result<String> {
    let t = raw.trim();
    let n = t.chars().count();
    if !(8..=512).contains(&n) || t.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "invalid",
            "must be 8 to 512 characters without control characters",
        ));
    }
    Ok(t.to_owned())
}

/// The last four characters, shown so a person can tell which secret is stored; none for
/// a secret shorter than 16 characters, where four would give away too much of it.
fn hint(secret: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    (chars.len() >= 16).then(|| chars[chars.len() - 4..].iter().collect())
}

/// A new random webhook secret: 256 bits from the injected entropy.
fn generate_secret(app: &App) -> String {
    let bytes: [u8; 32] = random_bytes(app.entropy.as_ref());
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Seals `secret` into the webhook columns of `row`.
fn seal_webhook(app: &App, row: &mut ChannelRow, secret: &str) -> Result<()> {
    row.webhook_secret = Some(app.secrets.seal(secret.as_bytes(), app.entropy.as_ref())?);
    row.webhook_secret_hint = hint(secret);
    Ok(())
}

/// Seals `token` (or clears it) into the API token columns of `row`.
fn seal_token(app: &App, row: &mut ChannelRow, token: Option<&str>) -> Result<()> {
    row.api_token = token
        .map(|t| app.secrets.seal(t.as_bytes(), app.entropy.as_ref()))
        .transpose()?;
    row.api_token_hint = token.and_then(hint);
    Ok(())
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict { .. } => {
            Error::invalid("code", "taken", "another channel has this code")
        }
        other => other.into(),
    }
}

/// What the audit log records of a channel: its settings and which credentials are set,
/// never a credential or its hint.
fn view(c: &Channel) -> serde_json::Value {
    serde_json::json!({"code": c.code, "name": c.name, "kind": c.kind, "platform": c.platform,
        "status": c.status, "currency": c.currency.as_ref(), "time_zone": c.time_zone,
        "ship_by_hours": c.ship_by_hours, "shop_domain": c.shop_domain, "base_url": c.base_url,
        "webhook_secret_set": c.credentials.webhook_secret_set,
        "api_token_set": c.credentials.api_token_set})
}

/// The channel, or not found.
pub(crate) async fn require_channel(
    tx: &mut Tx,
    merchant: MerchantId,
    id: ChannelId,
) -> Result<ChannelRow> {
    store::get_channel(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "channel" })
}

/// Refuses changes to an archived channel (its history is read-only).
pub(crate) fn require_open(row: &ChannelRow) -> Result<()> {
    if row.status == ChannelStatus::Archived.code() {
        return Err(conflict(
            "channel-archived",
            format!("channel {} is archived", row.code),
        ));
    }
    Ok(())
}

async fn audit_change(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    action: &str,
    before: Option<&Channel>,
    after: &Channel,
) -> Result<()> {
    let change = Change {
        action,
        entity_type: "channel",
        entity_id: Some(after.id.to_string()),
        merchant: Some(merchant),
        before: before.map(view),
        after: Some(view(after)),
    };
    audit::record(app, tx, actor, change).await
}

/// Creates a channel with its linked locations. Needs `channels.manage`. A webhook
/// secret is generated when none is given and returned once. Field errors for bad values,
/// a taken code (`code`/`taken`) and unknown, foreign or inactive locations
/// (`locations[i].location_id`).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_channel(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: ChannelInput,
) -> Result<ChannelWithSecret> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let owner = match merchants::get(&mut tx, merchant).await {
        Ok(row) => row,
        Err(StoreError::NotFound) => return Err(Error::NotFound { entity: "merchant" }),
        Err(other) => return Err(other.into()),
    };
    let now = time::to_db(app.now());
    let mut row = empty_row(app.ids.new_id(), now);
    let mut v = Validator::default();
    let settings = Settings {
        code: &input.code,
        name: &input.name,
        kind: &input.kind,
        platform: &input.platform,
        currency: input.currency.as_deref().unwrap_or(&owner.currency),
        time_zone: input.time_zone.as_deref().unwrap_or(&owner.time_zone),
        ship_by_hours: input.ship_by_hours.unwrap_or(48),
        shop_domain: input.shop_domain.as_deref(),
        base_url: input.base_url.as_deref(),
    };
    apply_settings(&settings, &mut row, &mut v);
    let secret = input
        .webhook_secret
        .as_deref()
        .map(|s| credential("webhook_secret", s))
        .transpose();
    let token = input
        .api_token
        .as_deref()
        .map(|s| credential("api_token", s))
        .transpose();
    let links = check_link_inputs(&mut tx, merchant, &input.locations).await;
    let errors = collect(
        v,
        [
            secret.as_ref().err(),
            token.as_ref().err(),
            links.as_ref().err(),
        ],
    );
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (secret, token, links) = (secret?, token?, links?);
    let generated = if secret.is_none() {
        Some(generate_secret(app))
    } else {
        None
    };
    let plain = secret
        .as_deref()
        .or(generated.as_deref())
        .unwrap_or_default();
    seal_webhook(app, &mut row, plain)?;
    seal_token(app, &mut row, token.as_deref())?;
    let stored = store::insert_channel(&mut tx, merchant, &row)
        .await
        .map_err(taken)?;
    store::replace_channel_locations(&mut tx, merchant, row.id, &links, now).await?;
    let channel = Channel::try_from(&stored)?;
    audit_change(
        app,
        &mut tx,
        actor,
        merchant,
        "channel.create",
        None,
        &channel,
    )
    .await?;
    tx.commit().await?;
    Ok(ChannelWithSecret {
        channel,
        generated_webhook_secret: generated,
    })
}

/// Every field error of a validator and of the checks made beside it.
fn collect<const N: usize>(v: Validator, others: [Option<&Error>; N]) -> Vec<FieldError> {
    let mut errors = match v.finish() {
        Err(Error::Validation(e)) => e,
        _ => Vec::new(),
    };
    for e in others.into_iter().flatten() {
        if let Error::Validation(fields) = e {
            errors.extend(fields.iter().cloned());
        }
    }
    errors
}

fn empty_row(id: uuid::Uuid, now: i64) -> ChannelRow {
    ChannelRow {
        id,
        code: String::new(),
        name: String::new(),
        kind: String::new(),
        platform: String::new(),
        status: ChannelStatus::Active.code().to_owned(),
        currency: String::new(),
        time_zone: String::new(),
        ship_by_hours: 48,
        shop_domain: None,
        base_url: None,
        webhook_secret: None,
        webhook_secret_hint: None,
        api_token: None,
        api_token_hint: None,
        created_at: now,
        updated_at: now,
    }
}

/// Changes a channel's settings. Needs `channels.manage`; refused (409
/// `channel-archived`) for an archived channel, and (409 `channel-currency-in-use`) for a
/// new currency while listings carry price overrides in the old one.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn update_channel(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
    patch: ChannelPatch,
) -> Result<Channel> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let old = require_channel(&mut tx, merchant, id).await?;
    require_open(&old)?;
    let shop = patch.shop_domain.unwrap_or_else(|| old.shop_domain.clone());
    let url = patch.base_url.unwrap_or_else(|| old.base_url.clone());
    let settings = Settings {
        code: patch.code.as_deref().unwrap_or(&old.code),
        name: patch.name.as_deref().unwrap_or(&old.name),
        kind: patch.kind.as_deref().unwrap_or(&old.kind),
        platform: patch.platform.as_deref().unwrap_or(&old.platform),
        currency: patch.currency.as_deref().unwrap_or(&old.currency),
        time_zone: patch.time_zone.as_deref().unwrap_or(&old.time_zone),
        ship_by_hours: patch.ship_by_hours.unwrap_or(old.ship_by_hours),
        shop_domain: shop.as_deref(),
        base_url: url.as_deref(),
    };
    let mut row = old.clone();
    let mut v = Validator::default();
    apply_settings(&settings, &mut row, &mut v);
    v.finish()?;
    if row.currency != old.currency
        && store::overrides_in_other_currency(&mut tx, merchant, row.id, &row.currency).await? > 0
    {
        return Err(conflict(
            "channel-currency-in-use",
            format!(
                "listings carry price overrides in {}; remove them first",
                old.currency
            ),
        ));
    }
    row.updated_at = time::to_db(app.now());
    let after = save(&mut tx, merchant, &row).await?;
    let before = Channel::try_from(&old)?;
    audit_change(
        app,
        &mut tx,
        actor,
        merchant,
        "channel.update",
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn save(tx: &mut Tx, merchant: MerchantId, row: &ChannelRow) -> Result<Channel> {
    let stored = store::update_channel(tx, merchant, row)
        .await
        .map_err(taken)?
        .ok_or(Error::NotFound { entity: "channel" })?;
    Channel::try_from(&stored)
}

/// A move in a channel's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Active → paused.
    Pause,
    /// Paused → active.
    Resume,
    /// Active or paused → archived.
    Archive,
}

impl StatusAction {
    /// Parses `pause`, `resume` or `archive`.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim() {
            "pause" => Ok(Self::Pause),
            "resume" => Ok(Self::Resume),
            "archive" => Ok(Self::Archive),
            _ => Err(Error::invalid(
                "action",
                "invalid",
                "must be pause, resume or archive",
            )),
        }
    }
}

/// Pauses, resumes or archives a channel. Needs `channels.manage`; an illegal move is 409
/// `channel-state`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn change_status(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
    action: StatusAction,
) -> Result<Channel> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let old = require_channel(&mut tx, merchant, id).await?;
    let before = Channel::try_from(&old)?;
    let next = match action {
        StatusAction::Pause => before.status.pause(),
        StatusAction::Resume => before.status.resume(),
        StatusAction::Archive => before.status.archive(),
    }
    .map_err(|e| conflict(e.code(), e.to_string()))?;
    let mut row = old;
    next.code().clone_into(&mut row.status);
    row.updated_at = time::to_db(app.now());
    let after = save(&mut tx, merchant, &row).await?;
    audit_change(
        app,
        &mut tx,
        actor,
        merchant,
        "channel.status",
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// New credentials for a channel. `Debug` never shows them.
#[derive(Clone, Default)]
pub struct CredentialsInput {
    /// A webhook secret to store (from the channel's admin, e.g. Shopify's).
    pub webhook_secret: Option<String>,
    /// Generate a new random webhook secret instead (returned once).
    pub generate_webhook_secret: bool,
    /// A new API token (`Some(None)` removes it).
    pub api_token: Option<Option<String>>,
}

/// Rotates a channel's credentials. Needs `channels.manage`; audited as which credentials
/// changed, never their values. A generated secret is returned once.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn rotate_credentials(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
    input: CredentialsInput,
) -> Result<ChannelWithSecret> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    if input.webhook_secret.is_some() && input.generate_webhook_secret {
        return Err(Error::invalid(
            "generate_webhook_secret",
            "conflicting",
            "give a webhook secret or ask for one to be generated, not both",
        ));
    }
    if input.webhook_secret.is_none() && !input.generate_webhook_secret && input.api_token.is_none()
    {
        return Err(Error::invalid(
            "webhook_secret",
            "required",
            "nothing to rotate",
        ));
    }
    let secret = input
        .webhook_secret
        .as_deref()
        .map(|s| credential("webhook_secret", s))
        .transpose()?;
    let token = match &input.api_token {
        Some(Some(t)) => Some(Some(credential("api_token", t)?)),
        Some(None) => Some(None),
        None => None,
    };
    let mut tx = app.db.begin_write().await?;
    let old = require_channel(&mut tx, merchant, id).await?;
    require_open(&old)?;
    let before = Channel::try_from(&old)?;
    let mut row = old;
    let generated = input.generate_webhook_secret.then(|| generate_secret(app));
    if let Some(s) = secret.as_deref().or(generated.as_deref()) {
        seal_webhook(app, &mut row, s)?;
    }
    if let Some(t) = &token {
        seal_token(app, &mut row, t.as_deref())?;
    }
    row.updated_at = time::to_db(app.now());
    let channel = save(&mut tx, merchant, &row).await?;
    let changed = serde_json::json!({"webhook_secret": secret.is_some() || generated.is_some(),
        "api_token": token.is_some()});
    let change = Change {
        action: "channel.credentials_rotate",
        entity_type: "channel",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(view(&before)),
        after: Some(serde_json::json!({"rotated": changed, "channel": view(&channel)})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(ChannelWithSecret {
        channel,
        generated_webhook_secret: generated,
    })
}

/// One channel. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn get_channel(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
) -> Result<Channel> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut tx = app.db.begin_read().await?;
    Channel::try_from(&require_channel(&mut tx, merchant, id).await?)
}

/// Filters and paging for the channel list.
#[derive(Debug, Clone, Default)]
pub struct ChannelQuery {
    /// Only this status code.
    pub status: Option<String>,
    /// Only this kind code.
    pub kind: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// A page of the merchant's channels in creation order. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_channels(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: ChannelQuery,
) -> Result<Page<Channel>> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut v = Validator::default();
    let status = q
        .status
        .as_deref()
        .and_then(|s| v.check("status", "invalid", ChannelStatus::parse(s)));
    let kind = q
        .kind
        .as_deref()
        .and_then(|k| v.check("kind", "invalid", ChannelKind::parse(k)));
    v.finish()?;
    let after = id_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit);
    let filter = ChannelFilter {
        status: status.map(ChannelStatus::code),
        kind: kind.map(ChannelKind::code),
    };
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_channels(&mut tx, merchant, &filter, after, limit + 1).await?;
    let items = rows
        .iter()
        .map(Channel::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |c| c.id.to_string()))
}

/// The channel's webhook secret in plain text, for the webhook receiver to verify a
/// signature with; `None` when none is set. Internal: no permission check (the receiver
/// is authenticated by the signature itself) and no HTTP route.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn webhook_secret(
    app: &App,
    merchant: MerchantId,
    id: ChannelId,
) -> Result<Option<String>> {
    let mut tx = app.db.begin_read().await?;
    let row = require_channel(&mut tx, merchant, id).await?;
    row.webhook_secret
        .map(|sealed| {
            let plain = app.secrets.open(&sealed)?;
            String::from_utf8(plain).map_err(Error::internal)
        })
        .transpose()
}
