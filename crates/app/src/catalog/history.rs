//! Change history (CAT-4): every edit of a product or one of its SKUs stored a version
//! (a full snapshot, who, when, which fields); here they are listed, read and compared.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{FieldChange, ProductId, diff};
use omnihub_domain::ids::MerchantId;
use omnihub_store::catalog::{self as store, VersionRow};
use omnihub_store::time;
use serde_json::Value;

use super::json;
use super::products::load;
use crate::error::{Error, Result};
use crate::{Actor, App};

/// One version of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// Number: 1 at creation, +1 per edit.
    pub version: i64,
    /// Top-level fields the edit changed (`name`, `skus`...).
    pub changed: Vec<String>,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or key.
    pub actor_id: Option<uuid::Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// When.
    pub created_at: Timestamp,
    /// The product's content after the edit (none in the history list).
    pub snapshot: Option<Value>,
}

impl Version {
    fn from_row(row: VersionRow, with_snapshot: bool) -> Result<Self> {
        Ok(Self {
            version: row.version,
            changed: json(&row.changed)?,
            actor_type: row.actor_type,
            actor_id: row.actor_id,
            actor_label: row.actor_label,
            created_at: time::from_db(row.created_at)?,
            snapshot: if with_snapshot {
                Some(json(&row.snapshot)?)
            } else {
                None
            },
        })
    }
}

/// A product's versions, newest first, without snapshots. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn history(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
) -> Result<Vec<Version>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    load(&mut tx, merchant, id).await?;
    store::list_versions(&mut tx, merchant, id.as_uuid())
        .await?
        .into_iter()
        .map(|r| Version::from_row(r, false))
        .collect()
}

/// One version with its snapshot. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn version(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
    number: i64,
) -> Result<Version> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = store::get_version(&mut tx, merchant, id.as_uuid(), number)
        .await?
        .ok_or(Error::NotFound { entity: "version" })?;
    Version::from_row(row, true)
}

/// The field-level differences from version `from` to version `to` (either order).
/// Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn diff_versions(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
    from: i64,
    to: i64,
) -> Result<Vec<FieldChange>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let mut snapshot = async |n: i64| -> Result<Value> {
        let row = store::get_version(&mut tx, merchant, id.as_uuid(), n)
            .await?
            .ok_or(Error::NotFound { entity: "version" })?;
        json(&row.snapshot)
    };
    let before = snapshot(from).await?;
    let after = snapshot(to).await?;
    Ok(diff(&before, &after))
}
