//! Merchant settings: read and change one JSON-valued setting at a time.

use jiff::Timestamp;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::settings::SettingKey;
use omnihub_store::StoreError;
use omnihub_store::merchants;
use omnihub_store::settings::{self, SettingRow};

use omnihub_domain::access::Permission;

use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// A setting as the app hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Key.
    pub key: String,
    /// Value.
    pub value: serde_json::Value,
    /// Last change.
    pub updated_at: Timestamp,
}

impl TryFrom<SettingRow> for Setting {
    type Error = Error;
    fn try_from(row: SettingRow) -> Result<Self> {
        Ok(Self {
            value: serde_json::from_str(&row.value).map_err(Error::internal)?,
            updated_at: omnihub_store::time::from_db(row.updated_at)?,
            key: row.key,
        })
    }
}

/// Every setting of a merchant.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list(app: &App, actor: &Actor, merchant: MerchantId) -> Result<Vec<Setting>> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let mut tx = app.db.begin_read().await?;
    match merchants::get(&mut tx, merchant).await {
        Err(StoreError::NotFound) => return Err(Error::NotFound { entity: "merchant" }),
        other => other?,
    };
    settings::list(&mut tx, merchant)
        .await?
        .into_iter()
        .map(Setting::try_from)
        .collect()
}

/// Sets one setting of a merchant.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn put(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    key: &str,
    value: serde_json::Value,
) -> Result<Setting> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let key = SettingKey::parse(key).map_err(|e| Error::invalid("key", "invalid", e))?;
    if let Some(checked) = crate::catalog::check_setting(key.as_ref(), &value)
        .or_else(|| crate::inventory::check_setting(key.as_ref(), &value))
        .or_else(|| crate::orders::check_setting(key.as_ref(), &value))
        .or_else(|| crate::invoices::check_setting(key.as_ref(), &value))
    {
        checked?;
    }
    let mut tx = app.db.begin_write().await?;
    let before = settings::get(&mut tx, merchant, &key).await?;
    let row = settings::put(&mut tx, merchant, &key, &value, actor.user(), app.now())
        .await
        .map_err(|e| match e {
            StoreError::Reference { .. } => Error::NotFound { entity: "merchant" },
            other => other.into(),
        })?;
    let before = before.and_then(|b| serde_json::from_str(&b.value).ok());
    let change = Change {
        action: "setting.update",
        entity_type: "setting",
        entity_id: Some(key.to_string()),
        merchant: Some(merchant),
        before,
        after: Some(value),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Setting::try_from(row)
}
