//! Carrier accounts (docs/adr/0021): one per carrier a merchant ships with, its code the
//! one shipments carry, and the secret the carrier signs its tracking webhooks with —
//! sealed with `app.secrets` like channel credentials, shown afterwards only as a hint.
//! Managing them needs `orders.manage` (as shipping does), reading `orders.read`.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_store::time;
use omnihub_store::tracking::{self as store, CarrierRow};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

/// A carrier account; the secret itself never leaves the app.
#[derive(Debug, Clone)]
pub struct Carrier {
    /// Id (the webhook URL names it).
    pub id: Uuid,
    /// Code, as on shipments.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The webhook secret's last four characters, once set.
    pub secret_hint: Option<String>,
    /// Whether a webhook secret is set.
    pub has_secret: bool,
    /// Created.
    pub created_at: Timestamp,
}

impl TryFrom<CarrierRow> for Carrier {
    type Error = Error;
    fn try_from(r: CarrierRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            has_secret: r.webhook_secret.is_some(),
            code: r.code,
            name: r.name,
            secret_hint: r.webhook_secret_hint,
            created_at: time::from_db(r.created_at)?,
        })
    }
}

fn code_of(raw: &str) -> Result<String> {
    let c = raw.trim().to_ascii_lowercase();
    let ok = (1..=40).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if ok {
        Ok(c)
    } else {
        Err(Error::invalid(
            "code",
            "invalid",
            "1 to 40 letters, digits, - or _",
        ))
    }
}

fn secret_of(raw: &str) -> Result<String> {
    let s = raw.trim();
    if s.chars().count() < 16 || s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(Error::Validation(vec![FieldError::new(
            "secret",
            "invalid",
            "16 to 200 characters",
        )]));
    }
    Ok(s.to_owned())
}

/// The last four characters, so a person can tell which secret is stored.
fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// The merchant's carriers by code. Needs `orders.read`.
pub async fn list_carriers(app: &App, actor: &Actor, merchant: MerchantId) -> Result<Vec<Carrier>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    store::list_carriers(&mut tx, merchant)
        .await?
        .into_iter()
        .map(Carrier::try_from)
        .collect()
}

/// Adds a carrier account (`code` 1-40 of `a-z0-9-_`, unique per merchant: 422 `taken`;
/// `name` 1-80 characters; optional `secret` of 16+ characters). Needs `orders.manage`;
/// audited (never the secret).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_carrier(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    code: &str,
    name: &str,
    secret: Option<&str>,
) -> Result<Carrier> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let code = code_of(code)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "invalid", "1 to 80 characters"));
    }
    let secret = secret
        .filter(|s| !s.trim().is_empty())
        .map(secret_of)
        .transpose()?;
    let now = time::to_db(app.now());
    let row = CarrierRow {
        id: app.ids.new_id(),
        code,
        name: name.to_owned(),
        webhook_secret: secret
            .as_deref()
            .map(|s| app.secrets.seal(s.as_bytes(), app.entropy.as_ref()))
            .transpose()?,
        webhook_secret_hint: secret.as_deref().map(hint),
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.db.begin_write().await?;
    store::insert_carrier(&mut tx, merchant, &row)
        .await
        .map_err(|e| match e {
            omnihub_store::StoreError::Conflict { .. } => {
                Error::invalid("code", "taken", "another carrier has this code")
            }
            other => other.into(),
        })?;
    let change = Change {
        action: "carrier.create",
        entity_type: "carrier",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(
            serde_json::json!({"code": row.code, "name": row.name, "secret": secret.is_some()}),
        ),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Carrier::try_from(row)
}

/// Replaces a carrier's webhook secret (16+ characters). Needs `orders.manage`; audited
/// (never the secret).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, carrier_id = %id), err)]
pub async fn set_carrier_secret(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
    secret: &str,
) -> Result<Carrier> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let secret = secret_of(secret)?;
    let sealed = app.secrets.seal(secret.as_bytes(), app.entropy.as_ref())?;
    let mut tx = app.db.begin_write().await?;
    let now = time::to_db(app.now());
    let h = hint(&secret);
    if !store::set_carrier_secret(&mut tx, merchant, id, &sealed, Some(&h), now).await? {
        return Err(Error::NotFound { entity: "carrier" });
    }
    let change = Change {
        action: "carrier.set_secret",
        entity_type: "carrier",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({"secret": "set"})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let row = store::get_carrier(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound { entity: "carrier" })?;
    tx.commit().await?;
    Carrier::try_from(row)
}

/// Where a carrier webhook goes: the carrier's merchant and code, with its secret opened
/// (`None` when none is set: every delivery is refused).
#[derive(Clone)]
pub struct CarrierTarget {
    /// Whose carrier it is.
    pub merchant: MerchantId,
    /// The carrier's code (shipments are found by it and the tracking number).
    pub code: String,
    /// The webhook secret.
    pub secret: Option<String>,
}

impl std::fmt::Debug for CarrierTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierTarget")
            .field("merchant", &self.merchant)
            .field("code", &self.code)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The carrier a webhook names, for the public receiver to verify the signature with,
/// before it parses anything. No authorisation: the signature is the credential.
pub async fn carrier_webhook_target(app: &App, id: Uuid) -> Result<Option<CarrierTarget>> {
    let mut tx = app.db.begin_read().await?;
    let Some((merchant, row)) = store::carrier_any(&mut tx, id).await? else {
        return Ok(None);
    };
    let secret = row
        .webhook_secret
        .as_deref()
        .map(|s| String::from_utf8(app.secrets.open(s)?).map_err(corrupt))
        .transpose()?;
    Ok(Some(CarrierTarget {
        merchant: MerchantId::from_uuid(merchant),
        code: row.code,
        secret,
    }))
}
