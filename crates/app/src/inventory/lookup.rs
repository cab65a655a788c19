//! SKU look-ups for the inventory screens: people type SKU codes (or part of a product
//! name), not ids, so the console resolves what they typed here, under `inventory.read`
//! (a stock clerk need not hold `catalog.read`). Codes match ignoring case, like the
//! catalogue's own uniqueness rule; any SKU of the merchant matches, listed or not,
//! because stock is received and counted before a product goes on sale.

use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_store::catalog::{self as catalog_store, CatalogFilter};
use omnihub_store::inventory as store;

use crate::error::Result;
use crate::{Actor, App};

/// A SKU as the inventory screens name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuRef {
    /// Id.
    pub id: SkuId,
    /// Code, as entered in the catalogue.
    pub code: String,
    /// Whether it may be reserved beyond its stock.
    pub allow_backorder: bool,
}

/// The SKU of each code, in the order of `codes` (`None` for an unknown one). Needs
/// `inventory.read`; at most 500 codes.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn skus_by_code(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    codes: &[String],
) -> Result<Vec<Option<SkuRef>>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let keys: Vec<String> = codes
        .iter()
        .take(500)
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    let mut tx = app.db.begin_read().await?;
    let rows = catalog_store::skus_by_codes(&mut tx, merchant, &keys).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let facts = store::sku_facts(&mut tx, merchant, &ids).await?;
    Ok(keys
        .iter()
        .map(|key| {
            let row = rows.iter().find(|r| r.code.to_ascii_uppercase() == *key)?;
            Some(SkuRef {
                id: SkuId::from_uuid(row.id),
                code: row.code.clone(),
                allow_backorder: facts.iter().any(|f| f.id == row.id && f.allow_backorder),
            })
        })
        .collect())
}

/// Up to `limit` (1 to 100) SKUs whose code or barcode is `text` or whose product name
/// contains it, oldest first. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn search_skus(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    text: &str,
    limit: u32,
) -> Result<Vec<SkuRef>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let filter = CatalogFilter {
        status: None,
        brand: None,
        category_path: None,
        search: Some(text.trim()),
    };
    let mut tx = app.db.begin_read().await?;
    let rows =
        catalog_store::list_skus(&mut tx, merchant, &filter, None, limit.clamp(1, 100)).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.sku.id).collect();
    refs(&mut tx, merchant, &ids).await
}

/// The merchant's SKUs among `ids` (unknown ones left out), for naming the SKUs of a page
/// of levels, movements or alerts. Needs `inventory.read`.
pub async fn sku_refs(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    ids: &[SkuId],
) -> Result<Vec<SkuRef>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut raw: Vec<uuid::Uuid> = ids.iter().map(SkuId::as_uuid).collect();
    raw.sort_unstable();
    raw.dedup();
    let mut tx = app.db.begin_read().await?;
    refs(&mut tx, merchant, &raw).await
}

async fn refs(
    tx: &mut omnihub_store::Tx,
    merchant: MerchantId,
    ids: &[uuid::Uuid],
) -> Result<Vec<SkuRef>> {
    Ok(store::sku_facts(tx, merchant, ids)
        .await?
        .into_iter()
        .map(|f| SkuRef {
            id: SkuId::from_uuid(f.id),
            code: f.code,
            allow_backorder: f.allow_backorder,
        })
        .collect())
}
