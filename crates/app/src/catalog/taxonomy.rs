//! Brands and the category tree (CAT-2).
//!
//! Categories form a tree per merchant, stored with materialised paths
//! (`domain::catalog::CategoryPath`): listing a subtree is one prefix match, and moving a
//! subtree rewrites the paths under it in one statement. A move under the category itself
//! or one of its descendants is refused (it would make a cycle), as is one that would nest
//! deeper than the limit. Sibling categories have distinct names (ignoring case), so a
//! path of names (`Apparel/T-shirts`) names at most one category, as imports rely on.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{BrandId, BrandName, CategoryId, CategoryName, CategoryPath};
use omnihub_domain::ids::MerchantId;
use omnihub_store::catalog::{self as store, BrandRow, CategoryRow};
use omnihub_store::{StoreError, Tx, time};

use super::products::category_path;
use super::require_merchant_exists;
use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// A brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// Id.
    pub id: BrandId,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<BrandRow> for Brand {
    type Error = Error;
    fn try_from(row: BrandRow) -> Result<Self> {
        Ok(Self {
            id: BrandId::from_uuid(row.id),
            name: row.name,
            created_at: time::from_db(row.created_at)?,
            updated_at: time::from_db(row.updated_at)?,
        })
    }
}

fn brand_taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict { .. } => {
            Error::invalid("name", "taken", "a brand with this name already exists")
        }
        StoreError::Reference { .. } => Error::NotFound { entity: "merchant" },
        other => other.into(),
    }
}

/// Creates a brand. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_brand(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    name: &str,
) -> Result<Brand> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let name = BrandName::parse(name).map_err(|e| Error::invalid("name", e.code(), e))?;
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    let row = store::insert_brand(
        &mut tx,
        merchant,
        app.ids.new_id(),
        name.as_ref(),
        app.now(),
    )
    .await
    .map_err(brand_taken)?;
    let brand = Brand::try_from(row)?;
    let change = Change {
        action: "brand.create",
        entity_type: "brand",
        entity_id: Some(brand.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({"name": brand.name})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(brand)
}

/// Renames a brand. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, brand_id = %id), err)]
pub async fn update_brand(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: BrandId,
    name: &str,
) -> Result<Brand> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let name = BrandName::parse(name).map_err(|e| Error::invalid("name", e.code(), e))?;
    let mut tx = app.db.begin_write().await?;
    let before = store::get_brand(&mut tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "brand" })?;
    let row = store::rename_brand(&mut tx, merchant, id.as_uuid(), name.as_ref(), app.now())
        .await
        .map_err(brand_taken)?
        .ok_or(Error::NotFound { entity: "brand" })?;
    let brand = Brand::try_from(row)?;
    let change = Change {
        action: "brand.update",
        entity_type: "brand",
        entity_id: Some(brand.id.to_string()),
        merchant: Some(merchant),
        before: Some(serde_json::json!({"name": before.name})),
        after: Some(serde_json::json!({"name": brand.name})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(brand)
}

/// Every brand of the merchant, by name. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_brands(app: &App, actor: &Actor, merchant: MerchantId) -> Result<Vec<Brand>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    store::list_brands(&mut tx, merchant)
        .await?
        .into_iter()
        .map(Brand::try_from)
        .collect()
}

/// A category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Parent; none for a root.
    pub parent_id: Option<CategoryId>,
    /// Name.
    pub name: String,
    /// Materialised path of ids (`/<root>/…/<self>/`); sorting by it gives tree order.
    pub path: String,
    /// Level (a root is 1).
    pub depth: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<CategoryRow> for Category {
    type Error = Error;
    fn try_from(row: CategoryRow) -> Result<Self> {
        Ok(Self {
            id: CategoryId::from_uuid(row.id),
            parent_id: row.parent_id.map(CategoryId::from_uuid),
            name: row.name,
            path: row.path,
            depth: row.depth,
            created_at: time::from_db(row.created_at)?,
            updated_at: time::from_db(row.updated_at)?,
        })
    }
}

impl Category {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"name": self.name, "parent_id": self.parent_id, "path": self.path})
    }
}

async fn get_row(
    tx: &mut Tx,
    merchant: MerchantId,
    id: CategoryId,
    field: &str,
) -> Result<CategoryRow> {
    store::get_category(tx, merchant, id.as_uuid())
        .await?
        .ok_or_else(|| {
            if field.is_empty() {
                Error::NotFound { entity: "category" }
            } else {
                Error::invalid(field, "unknown", "no such category")
            }
        })
}

/// Refuses a name that a sibling under `parent` already has (ignoring case).
async fn check_sibling_name(
    tx: &mut Tx,
    merchant: MerchantId,
    parent: Option<CategoryId>,
    name: &str,
    except: Option<CategoryId>,
) -> Result<()> {
    let siblings = store::child_categories(tx, merchant, parent.map(|p| p.as_uuid())).await?;
    let lower = name.to_lowercase();
    let taken = siblings
        .iter()
        .any(|s| s.name.to_lowercase() == lower && Some(s.id) != except.map(|e| e.as_uuid()));
    if taken {
        return Err(Error::invalid(
            "name",
            "taken",
            "a category with this name already exists here",
        ));
    }
    Ok(())
}

/// Creates a category under `parent` (none: a new root). Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_category(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    name: &str,
    parent: Option<CategoryId>,
) -> Result<Category> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let name = CategoryName::parse(name).map_err(|e| Error::invalid("name", e.code(), e))?;
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    let category = insert_category(app, &mut tx, actor, merchant, &name, parent).await?;
    tx.commit().await?;
    Ok(category)
}

/// Stores and audits a new category inside `tx` (shared with the importer).
pub(crate) async fn insert_category(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    name: &CategoryName,
    parent: Option<CategoryId>,
) -> Result<Category> {
    let parent_path = match parent {
        Some(p) => Some(category_path(
            &get_row(tx, merchant, p, "parent_id").await?.path,
        )?),
        None => None,
    };
    check_sibling_name(tx, merchant, parent, name.as_ref(), None).await?;
    let id = CategoryId::from_uuid(app.ids.new_id());
    let path = CategoryPath::child(parent_path.as_ref(), id)
        .map_err(|e| Error::invalid("parent_id", "too_deep", e))?;
    let now = time::to_db(app.now());
    let row = CategoryRow {
        id: id.as_uuid(),
        parent_id: parent.map(|p| p.as_uuid()),
        name: name.to_string(),
        path: path.as_ref().to_owned(),
        depth: i64::try_from(path.depth()).unwrap_or(i64::MAX),
        created_at: now,
        updated_at: now,
    };
    let category = Category::try_from(store::insert_category(tx, merchant, &row).await?)?;
    let change = Change {
        action: "category.create",
        entity_type: "category",
        entity_id: Some(category.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(category.to_json()),
    };
    audit::record(app, tx, actor, change).await?;
    Ok(category)
}

/// Renames a category. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, category_id = %id), err)]
pub async fn rename_category(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: CategoryId,
    name: &str,
) -> Result<Category> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let name = CategoryName::parse(name).map_err(|e| Error::invalid("name", e.code(), e))?;
    let mut tx = app.db.begin_write().await?;
    let before = Category::try_from(get_row(&mut tx, merchant, id, "").await?)?;
    check_sibling_name(&mut tx, merchant, before.parent_id, name.as_ref(), Some(id)).await?;
    let row = store::rename_category(&mut tx, merchant, id.as_uuid(), name.as_ref(), app.now())
        .await?
        .ok_or(Error::NotFound { entity: "category" })?;
    let after = Category::try_from(row)?;
    let change = Change {
        action: "category.update",
        entity_type: "category",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(before.to_json()),
        after: Some(after.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a category with its whole subtree under `new_parent` (none: make it a root).
/// Refuses a move under itself or a descendant (conflict `category-cycle`) and one that
/// would nest too deep. Returns the moved category. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, category_id = %id), err)]
pub async fn move_category(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: CategoryId,
    new_parent: Option<CategoryId>,
) -> Result<Category> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let before = Category::try_from(get_row(&mut tx, merchant, id, "").await?)?;
    let old_path = category_path(&before.path)?;
    let parent_path = match new_parent {
        Some(p) => Some(category_path(
            &get_row(&mut tx, merchant, p, "parent_id").await?.path,
        )?),
        None => None,
    };
    let deepest = store::subtree_depth(&mut tx, merchant, old_path.as_ref()).await?;
    let deepest = usize::try_from(deepest).unwrap_or(usize::MAX);
    let new_path =
        CategoryPath::moved(&old_path, id, parent_path.as_ref(), deepest).map_err(|e| match e {
            omnihub_domain::catalog::CategoryError::Cycle => Error::Conflict {
                code: "category-cycle",
                message: e.to_string(),
            },
            other => Error::invalid("parent_id", "too_deep", other),
        })?;
    check_sibling_name(&mut tx, merchant, new_parent, &before.name, Some(id)).await?;
    let np = new_parent.map(|p| p.as_uuid());
    store::move_subtree(
        &mut tx,
        merchant,
        id.as_uuid(),
        np,
        old_path.as_ref(),
        new_path.as_ref(),
        app.now(),
    )
    .await?;
    let after = Category::try_from(get_row(&mut tx, merchant, id, "").await?)?;
    let change = Change {
        action: "category.move",
        entity_type: "category",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(before.to_json()),
        after: Some(after.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// The merchant's categories in tree order (each parent before its children): all, or the
/// subtree rooted at `root` (the root included). Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_categories(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    root: Option<CategoryId>,
) -> Result<Vec<Category>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let path = match root {
        Some(r) => Some(get_row(&mut tx, merchant, r, "").await?.path),
        None => None,
    };
    tree_order(store::list_categories(&mut tx, merchant, path.as_deref()).await?)
}

/// Orders categories depth-first with siblings by name (paths alone sort by id).
fn tree_order(rows: Vec<CategoryRow>) -> Result<Vec<Category>> {
    let by_id: std::collections::HashMap<uuid::Uuid, String> =
        rows.iter().map(|r| (r.id, r.name.to_lowercase())).collect();
    let key = |r: &CategoryRow| -> Vec<String> {
        r.path
            .trim_matches('/')
            .split('/')
            .map(|seg| {
                let name = uuid::Uuid::parse_str(seg)
                    .ok()
                    .and_then(|id| by_id.get(&id).cloned());
                format!("{}\u{0}{seg}", name.unwrap_or_default())
            })
            .collect()
    };
    let mut keyed: Vec<(Vec<String>, CategoryRow)> =
        rows.into_iter().map(|r| (key(&r), r)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed
        .into_iter()
        .map(|(_, r)| Category::try_from(r))
        .collect()
}

/// Each category's path of names (`Apparel/T-shirts`), for imports and exports.
pub(crate) async fn name_paths(
    tx: &mut Tx,
    merchant: MerchantId,
) -> Result<Vec<(CategoryId, String)>> {
    let rows = store::list_categories(tx, merchant, None).await?;
    let names: std::collections::HashMap<String, String> = rows
        .iter()
        .map(|r| (r.id.simple().to_string(), r.name.clone()))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let path = r
                .path
                .trim_matches('/')
                .split('/')
                .map(|seg| names.get(seg).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("/");
            (CategoryId::from_uuid(r.id), path)
        })
        .collect())
}
