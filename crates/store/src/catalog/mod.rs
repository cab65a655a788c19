//! The catalogue's storage (CAT-1..4, 7): brands, the category tree (materialised paths),
//! products and SKUs ([`products`]), the version history and the review log.
//!
//! Every function takes the merchant first and scopes every statement by it. Unique keys
//! are mapped to `StoreError::Conflict` naming the key (`brands.name`, `skus.code`,
//! `skus.barcode`) so the app can report them as field errors; sqlx-sqlite reports no
//! constraint names, so the key is told apart by the statement and, where one statement
//! can break two keys, by the column the engine names in its message.

pub mod products;

use jiff::Timestamp;
use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, time, with_conn};

pub use products::*;

/// A brand as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BrandRow {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

/// Stores a brand. Fails with `Conflict { key: "brands.name" }` when the merchant already
/// has a brand of that name (ignoring case).
pub async fn insert_brand(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    name: &str,
    now: Timestamp,
) -> Result<BrandRow, StoreError> {
    const SQL: &str = "INSERT INTO brands (id, merchant_id, name, name_key, created_at, updated_at) \
         VALUES ($2, $1, $3, $4, $5, $5) RETURNING id, name, created_at, updated_at";
    with_conn!(tx, |c| sqlx::query_as::<_, BrandRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(time::to_db(now))
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "brands.name"))
}

/// Renames a brand; `None` if the merchant has no such brand.
pub async fn rename_brand(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    name: &str,
    now: Timestamp,
) -> Result<Option<BrandRow>, StoreError> {
    const SQL: &str = "UPDATE brands SET name = $3, name_key = $4, updated_at = $5 \
         WHERE merchant_id = $1 AND id = $2 RETURNING id, name, created_at, updated_at";
    with_conn!(tx, |c| sqlx::query_as::<_, BrandRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(time::to_db(now))
        .fetch_optional(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "brands.name"))
}

/// One brand of the merchant.
pub async fn get_brand(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<BrandRow>, StoreError> {
    const SQL: &str = "SELECT id, name, created_at, updated_at FROM brands \
         WHERE merchant_id = $1 AND id = $2";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, BrandRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Every brand of the merchant, by name (a merchant has hundreds, not millions).
pub async fn list_brands(tx: &mut Tx, merchant: MerchantId) -> Result<Vec<BrandRow>, StoreError> {
    const SQL: &str = "SELECT id, name, created_at, updated_at FROM brands \
         WHERE merchant_id = $1 ORDER BY name_key";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, BrandRow>(SQL)
        .bind(merchant.as_uuid())
        .fetch_all(c)
        .await)?)
}

/// A category as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CategoryRow {
    /// Id.
    pub id: Uuid,
    /// Parent; none for a root.
    pub parent_id: Option<Uuid>,
    /// Display name.
    pub name: String,
    /// Materialised path of ids, `/<root>/…/<self>/`.
    pub path: String,
    /// Levels down from the root (a root is 1).
    pub depth: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

macro_rules! category_columns {
    () => {
        "id, parent_id, name, path, depth, created_at, updated_at"
    };
}

/// Stores a category whose path and depth the caller computed from its parent.
pub async fn insert_category(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &CategoryRow,
) -> Result<CategoryRow, StoreError> {
    const SQL: &str = concat!(
        "INSERT INTO categories (merchant_id, id, parent_id, name, path, depth, created_at, updated_at) ",
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        category_columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, CategoryRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.parent_id)
        .bind(&row.name)
        .bind(&row.path)
        .bind(row.depth)
        .bind(row.created_at)
        .bind(row.updated_at)
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "categories.path"))
}

/// One category of the merchant.
pub async fn get_category(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<CategoryRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        category_columns!(),
        " FROM categories WHERE merchant_id = $1 AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CategoryRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// The merchant's categories in tree order (by path), all or the subtree at `root_path`.
pub async fn list_categories(
    tx: &mut Tx,
    merchant: MerchantId,
    root_path: Option<&str>,
) -> Result<Vec<CategoryRow>, StoreError> {
    // substr, not LIKE: LIKE is case-insensitive on SQLite and would need escaping.
    const SQL: &str = concat!(
        "SELECT ",
        category_columns!(),
        " FROM categories WHERE merchant_id = $1 ",
        "AND ($2 IS NULL OR substr(path, 1, length($2)) = $2) ORDER BY path"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CategoryRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(root_path)
        .fetch_all(c)
        .await)?)
}

/// The children of `parent` (none: the roots), for sibling-name checks.
pub async fn child_categories(
    tx: &mut Tx,
    merchant: MerchantId,
    parent: Option<Uuid>,
) -> Result<Vec<CategoryRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        category_columns!(),
        " FROM categories WHERE merchant_id = $1 ",
        "AND (parent_id = $2 OR ($2 IS NULL AND parent_id IS NULL)) ORDER BY name"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CategoryRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(parent)
        .fetch_all(c)
        .await)?)
}

/// Renames a category; `None` if the merchant has no such category.
pub async fn rename_category(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    name: &str,
    now: Timestamp,
) -> Result<Option<CategoryRow>, StoreError> {
    const SQL: &str = concat!(
        "UPDATE categories SET name = $3, updated_at = $4 WHERE merchant_id = $1 AND id = $2 RETURNING ",
        category_columns!()
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CategoryRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(name)
        .bind(time::to_db(now))
        .fetch_optional(c)
        .await)?)
}

/// Moves the subtree at `old_path` to `new_path` under `new_parent`: the root's parent
/// changes, and every path in the subtree swaps its prefix (depths shift by the
/// difference). One statement each, so the tree is never seen half-moved. Returns how
/// many categories moved.
pub async fn move_subtree(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    new_parent: Option<Uuid>,
    old_path: &str,
    new_path: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    const PARENT: &str =
        "UPDATE categories SET parent_id = $3, updated_at = $4 WHERE merchant_id = $1 AND id = $2";
    const PATHS: &str = "UPDATE categories SET path = $3 || substr(path, length($2) + 1), \
         depth = depth + $4, updated_at = $5 \
         WHERE merchant_id = $1 AND substr(path, 1, length($2)) = $2";
    let shift = depth_of(new_path) - depth_of(old_path);
    with_conn!(tx, |c| sqlx::query(PARENT)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(new_parent)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|_| ()))?;
    let moved = with_conn!(tx, |c| sqlx::query(PATHS)
        .bind(merchant.as_uuid())
        .bind(old_path)
        .bind(new_path)
        .bind(shift)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(moved)
}

fn depth_of(path: &str) -> i64 {
    i64::try_from(path.matches('/').count()).unwrap_or(1) - 1
}

/// The depth of the deepest category in the subtree at `path`.
pub async fn subtree_depth(
    tx: &mut Tx,
    merchant: MerchantId,
    path: &str,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COALESCE(MAX(depth), 0) FROM categories \
         WHERE merchant_id = $1 AND substr(path, 1, length($2)) = $2";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(merchant.as_uuid())
        .bind(path)
        .fetch_one(c)
        .await)?)
}

/// One stored version of a product.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VersionRow {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// 1 for the creation, then +1 per edit.
    pub version: i64,
    /// The product and its SKUs after the edit, JSON text.
    pub snapshot: String,
    /// Top-level fields changed by the edit, JSON array text.
    pub changed: String,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

macro_rules! version_columns {
    () => {
        "id, product_id, version, snapshot, changed, actor_type, actor_id, actor_label, created_at"
    };
}

/// Appends a version. Fails with `Conflict { key: "product_versions.version" }` when a
/// concurrent edit took the number first.
pub async fn insert_version(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &VersionRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO product_versions (merchant_id, id, product_id, version, snapshot, changed, \
         actor_type, actor_id, actor_label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.product_id)
        .bind(row.version)
        .bind(&row.snapshot)
        .bind(&row.changed)
        .bind(&row.actor_type)
        .bind(row.actor_id)
        .bind(&row.actor_label)
        .bind(row.created_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "product_versions.version"))
}

/// A product's versions, newest first.
pub async fn list_versions(
    tx: &mut Tx,
    merchant: MerchantId,
    product: Uuid,
) -> Result<Vec<VersionRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        version_columns!(),
        " FROM product_versions WHERE merchant_id = $1 AND product_id = $2 ORDER BY version DESC"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, VersionRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(product)
        .fetch_all(c)
        .await)?)
}

/// One version of a product.
pub async fn get_version(
    tx: &mut Tx,
    merchant: MerchantId,
    product: Uuid,
    version: i64,
) -> Result<Option<VersionRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        version_columns!(),
        " FROM product_versions WHERE merchant_id = $1 AND product_id = $2 AND version = $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, VersionRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(product)
        .bind(version)
        .fetch_optional(c)
        .await)?)
}

/// One entry of a product's review log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewRow {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// Which submission of the product (from 1).
    pub round: i64,
    /// The level decided (0 for submit, list and delist).
    pub level: i64,
    /// `submit`, `resubmit`, `approve`, `reject`, `list` or `delist`.
    pub action: String,
    /// The acting user (the creator, for an API key).
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// Why (rejections).
    pub reason: Option<String>,
    /// Compliance findings at submission, JSON array text.
    pub findings: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// Appends to a product's review log.
pub async fn insert_review(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ReviewRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO product_reviews (merchant_id, id, product_id, round, level, action, \
         actor_id, actor_label, reason, findings, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.product_id)
        .bind(row.round)
        .bind(row.level)
        .bind(&row.action)
        .bind(row.actor_id)
        .bind(&row.actor_label)
        .bind(&row.reason)
        .bind(&row.findings)
        .bind(row.created_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "product_reviews.product_id"))
}

/// A product's review log, oldest first.
pub async fn list_reviews(
    tx: &mut Tx,
    merchant: MerchantId,
    product: Uuid,
) -> Result<Vec<ReviewRow>, StoreError> {
    const SQL: &str = "SELECT id, product_id, round, level, action, actor_id, actor_label, reason, findings, created_at \
         FROM product_reviews WHERE merchant_id = $1 AND product_id = $2 ORDER BY created_at, id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ReviewRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(product)
        .fetch_all(c)
        .await)?)
}

/// Who approved a level of the given round (each level needs a different reviewer).
pub async fn round_approvers(
    tx: &mut Tx,
    merchant: MerchantId,
    product: Uuid,
    round: i64,
) -> Result<Vec<Uuid>, StoreError> {
    const SQL: &str = "SELECT actor_id FROM product_reviews WHERE merchant_id = $1 AND product_id = $2 \
         AND round = $3 AND action = 'approve' AND actor_id IS NOT NULL";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, Uuid>(SQL)
        .bind(merchant.as_uuid())
        .bind(product)
        .bind(round)
        .fetch_all(c)
        .await)?)
}

/// Integrity findings for `omnihub check`: SKUs whose product belongs to another merchant,
/// and categories whose path does not extend their parent's (or whose parent belongs to
/// another merchant).
pub async fn integrity_problems(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    const SKUS: &str = "SELECT s.code FROM skus s JOIN products p ON p.id = s.product_id \
         WHERE p.merchant_id <> s.merchant_id";
    const PATHS: &str = "SELECT c.path FROM categories c JOIN categories p ON p.id = c.parent_id \
         WHERE p.merchant_id <> c.merchant_id OR substr(c.path, 1, length(p.path)) <> p.path \
         OR c.depth <> p.depth + 1";
    let skus: Vec<String> = with_conn!(&mut *tx, |c| sqlx::query_scalar(SKUS).fetch_all(c).await)?;
    let paths: Vec<String> = with_conn!(tx, |c| sqlx::query_scalar(PATHS).fetch_all(c).await)?;
    let mut problems: Vec<String> = skus
        .into_iter()
        .map(|code| format!("SKU {code} belongs to a product of another merchant"))
        .collect();
    problems.extend(
        paths
            .into_iter()
            .map(|p| format!("category {p} does not sit under its parent's path")),
    );
    Ok(problems)
}
