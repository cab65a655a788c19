//! API keys (IAM-5): created by a person for their merchant (or for the platform), shown
//! once, stored as a SHA-256 hash, and resolved back to an [`Actor`] on every request.
//!
//! A key acts with its scopes **intersected with its creator's current permissions**, so
//! taking a role away from the creator narrows their keys at once, and disabling the creator
//! stops them. A merchant's key never carries platform permissions. Keys and the OAuth access
//! tokens issued for them ([`crate::oauth`]) stop working the moment the key is revoked or
//! expires.

use jiff::Timestamp;
use omnihub_domain::access::{Permission, PermissionSet, Scope};
use omnihub_domain::api_keys::{
    self as domain, ApiKeyId, ExpiryError, KeyName, PresentedKey, constant_time_eq,
    scopes_from_text, scopes_to_text,
};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::api_keys::{self as store, ApiKeyRow, NewApiKey};
use omnihub_store::{StoreError, Tx, staff, time};

use crate::audit::{self, Change};
use crate::auth::token_hash;
use crate::context::{Principal, RequestMeta};
use crate::entropy::random_bytes;
use crate::error::{Error, FieldError, Result};
use crate::staff::StaffUser;
use crate::{Actor, App, access};

/// Whether a key may be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Usable.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked.
    Revoked,
}

impl KeyStatus {
    /// `active`, `expired` or `revoked`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// An API key as the app hands it out (never with its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Id.
    pub id: ApiKeyId,
    /// Owning merchant; none for a platform key.
    pub merchant: Option<MerchantId>,
    /// The person who created it.
    pub created_by: UserId,
    /// Name.
    pub name: String,
    /// Public prefix (the OAuth `client_id`).
    pub prefix: String,
    /// What it may do (further limited by its creator's current permissions).
    pub scopes: PermissionSet,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// Last authenticated use.
    pub last_used_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
}

impl ApiKey {
    /// Whether the key may be used at `now`.
    pub fn status(&self, now: Timestamp) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    /// The audit log's view of a key (never the secret).
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "prefix": self.prefix,
            "scopes": self.scopes.codes(),
            "expires_at": self.expires_at.map(|t| t.to_string()),
            "revoked_at": self.revoked_at.map(|t| t.to_string()),
            "created_by": self.created_by.to_string(),
        })
    }
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = Error;
    fn try_from(row: ApiKeyRow) -> Result<Self> {
        let instant = |v: Option<i64>| v.map(time::from_db).transpose();
        Ok(Self {
            id: ApiKeyId::from_uuid(row.id),
            merchant: row.merchant_id.map(MerchantId::from_uuid),
            created_by: UserId::from_uuid(row.created_by),
            name: row.name,
            prefix: row.prefix,
            scopes: scopes_from_text(&row.scopes),
            expires_at: instant(row.expires_at)?,
            revoked_at: instant(row.revoked_at)?,
            last_used_at: instant(row.last_used_at)?,
            created_at: time::from_db(row.created_at)?,
        })
    }
}

/// Unvalidated input for a new key, as received.
#[derive(Debug, Clone, Default)]
pub struct NewKeyInput {
    /// Name.
    pub name: String,
    /// Permission codes.
    pub scopes: Vec<String>,
    /// RFC 3339 expiry.
    pub expires_at: Option<String>,
    /// Or: expiry in days from now.
    pub expires_in_days: Option<i64>,
}

/// A new key with its secret, to show once. `Debug` never shows the secret.
#[derive(Clone)]
pub struct CreatedKey {
    /// The key.
    pub key: ApiKey,
    /// The whole key, `ohk_<prefix>_<secret>`.
    pub secret: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Creates a key for the actor's merchant (the platform, for platform staff who chose no
/// merchant). Only a person may, with `settings.manage`; the scopes must be among their own
/// permissions (and, on a merchant's key, merchant permissions only).
#[tracing::instrument(skip_all, err)]
pub async fn create(app: &App, actor: &Actor, input: NewKeyInput) -> Result<CreatedKey> {
    let creator = actor.person()?;
    actor.require(Permission::SettingsManage)?;
    let owner = owner(actor)?;
    let (name, scopes, expires_at) = parse(actor, owner, &input, app.now())?;
    let presented = PresentedKey::generate(
        random_bytes(app.entropy.as_ref()),
        random_bytes(app.entropy.as_ref()),
    );
    let scopes_text = scopes_to_text(&scopes);
    let new = NewApiKey {
        id: app.ids.new_id(),
        created_by: creator,
        name: name.as_ref(),
        prefix: presented.prefix().as_ref(),
        secret_hash: &token_hash(presented.expose()),
        scopes: &scopes_text,
        expires_at,
    };
    let mut tx = app.db.begin_write().await?;
    // A prefix collision (48 random bits) is left to surface as an internal error.
    let row = store::insert(&mut tx, owner, &new, app.now())
        .await
        .map_err(|e| match e {
            StoreError::Reference { .. } => Error::NotFound { entity: "merchant" },
            other => other.into(),
        })?;
    let key = ApiKey::try_from(row)?;
    let change = Change {
        action: "api_key.create",
        entity_type: "api_key",
        entity_id: Some(key.id.to_string()),
        merchant: owner,
        before: None,
        after: Some(key.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    tracing::info!(api_key_id = %key.id, prefix = %key.prefix, "API key created");
    Ok(CreatedKey {
        key,
        secret: presented.expose().to_owned(),
    })
}

/// The owner of the keys an actor manages: their merchant, or the platform.
fn owner(actor: &Actor) -> Result<Option<MerchantId>> {
    if actor.merchant.is_none() && !actor.platform {
        return actor.current_merchant().map(Some);
    }
    Ok(actor.merchant)
}

/// Validates a new key's fields, reporting every broken rule at once.
fn parse(
    actor: &Actor,
    owner: Option<MerchantId>,
    input: &NewKeyInput,
    now: Timestamp,
) -> Result<(KeyName, PermissionSet, Option<Timestamp>)> {
    let mut errors = Vec::new();
    let name = KeyName::parse(&input.name)
        .map_err(|e| errors.push(FieldError::new("name", "invalid", e)))
        .ok();
    let scopes = domain::key_scopes(
        input.scopes.iter().map(String::as_str),
        &actor.permissions,
        owner.is_some(),
    )
    .map_err(|e| errors.push(FieldError::new("scopes", e.code(), e)))
    .ok();
    let expires_at = domain::key_expiry(input.expires_at.as_deref(), input.expires_in_days, now)
        .map_err(|e| {
            let field = match e {
                ExpiryError::Days { .. } if input.expires_at.is_none() => "expires_in_days",
                _ => "expires_at",
            };
            errors.push(FieldError::new(field, "invalid", e));
        })
        .ok();
    match (name, scopes, expires_at) {
        (Some(name), Some(scopes), Some(expires_at)) if errors.is_empty() => {
            Ok((name, scopes, expires_at))
        }
        _ => Err(Error::Validation(errors)),
    }
}

/// The keys the actor manages (their merchant's, or the platform's), oldest first, after
/// the key `after`.
#[tracing::instrument(skip_all, err)]
pub async fn list(
    app: &App,
    actor: &Actor,
    after: Option<ApiKeyId>,
    limit: u32,
) -> Result<Vec<ApiKey>> {
    actor.require(Permission::SettingsManage)?;
    let owner = owner(actor)?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::list(&mut tx, owner, after.map(|a| a.as_uuid()), limit).await?;
    rows.into_iter().map(ApiKey::try_from).collect()
}

/// One key the actor manages; any other is "not found".
#[tracing::instrument(skip_all, fields(api_key_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, id: ApiKeyId) -> Result<ApiKey> {
    actor.require(Permission::SettingsManage)?;
    let owner = owner(actor)?;
    let mut tx = app.db.begin_read().await?;
    store::get(&mut tx, owner, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "api key" })
        .and_then(ApiKey::try_from)
}

/// Revokes a key the actor manages; it and its access tokens stop working at once.
/// Revoking a revoked key changes nothing and returns it.
#[tracing::instrument(skip_all, fields(api_key_id = %id), err)]
pub async fn revoke(app: &App, actor: &Actor, id: ApiKeyId) -> Result<ApiKey> {
    actor.require(Permission::SettingsManage)?;
    let owner = owner(actor)?;
    let mut tx = app.db.begin_write().await?;
    let before = store::get(&mut tx, owner, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "api key" })
        .and_then(ApiKey::try_from)?;
    let Some(row) = store::revoke(&mut tx, owner, id.as_uuid(), app.now()).await? else {
        return Ok(before);
    };
    let key = ApiKey::try_from(row)?;
    let change = Change {
        action: "api_key.revoke",
        entity_type: "api_key",
        entity_id: Some(key.id.to_string()),
        merchant: owner,
        before: Some(before.to_json()),
        after: Some(key.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(key)
}

/// The actor an API key (`ohk_…`) or OAuth access token (`oht_…`) stands for, and the
/// key's creator. Unknown, wrong, revoked and expired credentials are all
/// `Unauthenticated`, as is a key whose creator is disabled. Platform keys may act in a
/// `chosen` merchant, like platform staff. Records the key's last use.
#[tracing::instrument(skip_all, err)]
pub async fn authenticate(
    app: &App,
    token: &str,
    chosen: Option<MerchantId>,
    meta: RequestMeta,
) -> Result<(Actor, StaffUser, Option<Timestamp>)> {
    let presented = PresentedKey::parse(token);
    if presented.is_none() && !domain::is_access_token(token) {
        return Err(Error::Unauthenticated);
    }
    let now = app.now();
    // Read first; the write that records the use happens only when it is due (see
    // `auth::TOUCH_EVERY`), so authenticated requests are not all write transactions.
    let mut tx = app.db.begin_read().await?;
    let (row, token_scopes, token_expiry) = if let Some(presented) = presented {
        (verified_key(&mut tx, &presented).await?, None, None)
    } else {
        let found = store::find_token(&mut tx, &token_hash(token))
            .await?
            .filter(|t| t.expires_at > time::to_db(now))
            .ok_or(Error::Unauthenticated)?;
        let row = store::find_by_id(&mut tx, found.api_key_id).await?;
        let expiry = time::from_db(found.expires_at)?;
        (row, Some(scopes_from_text(&found.scopes)), Some(expiry))
    };
    let key = row
        .map(ApiKey::try_from)
        .transpose()?
        .filter(|k| k.status(now) == KeyStatus::Active)
        .ok_or(Error::Unauthenticated)?;
    let grant = Grant::resolve(&mut tx, &key).await?;
    let creator = grant.creator.ok_or(Error::Unauthenticated)?;
    let mut permissions = grant.permissions;
    if let Some(token_scopes) = token_scopes {
        permissions = intersect(&permissions, &token_scopes);
    }
    drop(tx);
    if key
        .last_used_at
        .is_none_or(|t| crate::auth::touch_due(t.as_microsecond(), now))
    {
        let mut tx = app.db.begin_write().await?;
        store::touch(&mut tx, key.id.as_uuid(), now).await?;
        tx.commit().await?;
    }
    let actor = Actor {
        principal: Principal::ApiKey {
            id: key.id.as_uuid(),
            created_by: key.created_by,
            name: key.name.clone(),
        },
        platform: key.merchant.is_none(),
        merchant: key.merchant.or(chosen),
        permissions,
        mfa_enrolment_required: false,
        meta,
    };
    let expires_at = match (key.expires_at, token_expiry) {
        (Some(k), Some(t)) => Some(k.min(t)),
        (k, t) => k.or(t),
    };
    Ok((actor, creator, expires_at))
}

/// The key of a well-formed presented key, if its secret matches (compared in constant
/// time, so the comparison's duration reveals nothing about the stored hash).
pub(crate) async fn verified_key(
    tx: &mut Tx,
    presented: &PresentedKey,
) -> Result<Option<ApiKeyRow>> {
    let row = store::find_by_prefix(tx, presented.prefix().as_ref()).await?;
    let hash = token_hash(presented.expose());
    Ok(row.filter(|r| constant_time_eq(&r.secret_hash, &hash)))
}

/// What a live key may do right now.
pub(crate) struct Grant {
    /// The creator, if still active.
    pub creator: Option<StaffUser>,
    /// The key's scopes within the creator's current permissions (empty when the creator
    /// is disabled); merchant permissions only on a merchant's key.
    pub permissions: PermissionSet,
}

impl Grant {
    pub(crate) async fn resolve(tx: &mut Tx, key: &ApiKey) -> Result<Self> {
        let creator = staff::get(tx, key.created_by)
            .await?
            .filter(|u| u.status == "active");
        let Some(creator) = creator else {
            return Ok(Self {
                creator: None,
                permissions: PermissionSet::empty(),
            });
        };
        let (held, _) = access::permissions_of(tx, key.created_by).await?;
        let permissions = intersect(&key.scopes, &held)
            .iter()
            .filter(|p| key.merchant.is_none() || p.scope() == Scope::Merchant)
            .collect();
        Ok(Self {
            creator: Some(crate::auth::staff_user(&creator)),
            permissions,
        })
    }
}

fn intersect(a: &PermissionSet, b: &PermissionSet) -> PermissionSet {
    a.iter().filter(|p| b.contains(*p)).collect()
}
