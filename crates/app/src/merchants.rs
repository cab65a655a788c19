//! Merchants (tenants): created and listed by platform administrators.

use jiff::Timestamp;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::{
    Currency, MerchantCode, MerchantName, MerchantTimeZone, NewMerchant,
};
use omnihub_store::StoreError;
use omnihub_store::merchants::{self, MerchantRow};

use omnihub_domain::access::Permission;

use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::{Actor, App};

/// A merchant as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    /// Id.
    pub id: MerchantId,
    /// Unique handle.
    pub code: String,
    /// Display name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Default currency.
    pub currency: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Merchant {
    /// The audit log's view of a merchant.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"code": self.code, "name": self.name, "time_zone": self.time_zone, "currency": self.currency, "status": self.status})
    }
}

impl TryFrom<MerchantRow> for Merchant {
    type Error = Error;
    fn try_from(row: MerchantRow) -> Result<Self> {
        Ok(Self {
            id: MerchantId::from_uuid(row.id),
            code: row.code,
            name: row.name,
            time_zone: row.time_zone,
            currency: row.currency,
            status: row.status,
            created_at: omnihub_store::time::from_db(row.created_at)?,
        })
    }
}

/// Unvalidated input for a new merchant, as received.
#[derive(Debug, Clone, Default)]
pub struct MerchantInput {
    /// Handle.
    pub code: String,
    /// Display name.
    pub name: String,
    /// IANA time zone; defaults to Asia/Shanghai.
    pub time_zone: Option<String>,
    /// ISO 4217 code; defaults to CNY.
    pub currency: Option<String>,
}

impl TryFrom<MerchantInput> for NewMerchant {
    type Error = Error;
    fn try_from(input: MerchantInput) -> Result<Self> {
        let mut v = Validator::default();
        let code = v.check("code", "invalid", MerchantCode::parse(&input.code));
        let name = v.check("name", "invalid", MerchantName::parse(&input.name));
        let tz = input.time_zone.as_deref().unwrap_or("Asia/Shanghai");
        let time_zone = v.check("time_zone", "invalid", MerchantTimeZone::parse(tz));
        let currency = input.currency.as_deref().unwrap_or("CNY");
        let currency = v.check("currency", "invalid", Currency::parse(currency));
        match (code, name, time_zone, currency) {
            (Some(code), Some(name), Some(time_zone), Some(currency)) => Ok(NewMerchant {
                code,
                name,
                time_zone,
                currency,
            }),
            _ => v.finish().and(Err(Error::invalid(
                "merchant",
                "invalid",
                "invalid merchant",
            ))),
        }
    }
}

/// Creates a merchant. Platform administrators only.
#[tracing::instrument(skip_all, err)]
pub async fn create(app: &App, actor: &Actor, input: MerchantInput) -> Result<Merchant> {
    actor.require(Permission::MerchantsManage)?;
    let new = NewMerchant::try_from(input)?;
    let mut tx = app.db.begin_write().await?;
    let id = MerchantId::from_uuid(app.ids.new_id());
    let row = merchants::insert(&mut tx, id, &new, app.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                Error::invalid("code", "taken", "a merchant with this code already exists")
            }
            other => other.into(),
        })?;
    let merchant = Merchant::try_from(row)?;
    let change = Change {
        action: "merchant.create",
        entity_type: "merchant",
        entity_id: Some(id.to_string()),
        merchant: Some(id),
        before: None,
        after: Some(merchant.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(merchant)
}

/// One merchant; merchant staff may read only their own.
#[tracing::instrument(skip_all, fields(merchant_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, id: MerchantId) -> Result<Merchant> {
    actor.require_merchant(id)?;
    let mut tx = app.db.begin_read().await?;
    match merchants::get(&mut tx, id).await {
        Err(StoreError::NotFound) => Err(Error::NotFound { entity: "merchant" }),
        other => Merchant::try_from(other?),
    }
}

/// A page of merchants in creation order. Platform administrators only.
#[tracing::instrument(skip_all, err)]
pub async fn list(
    app: &App,
    actor: &Actor,
    after: Option<MerchantId>,
    limit: u32,
) -> Result<Vec<Merchant>> {
    actor.require(Permission::MerchantsManage)?;
    let mut tx = app.db.begin_read().await?;
    merchants::list(&mut tx, after, limit.clamp(1, 500))
        .await?
        .into_iter()
        .map(Merchant::try_from)
        .collect()
}
