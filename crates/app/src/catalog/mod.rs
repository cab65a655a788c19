//! The catalogue's use cases (CAT-1..4, 7): brands and categories ([`taxonomy`]),
//! products and SKUs ([`products`]), the listing review ([`review`]), change history
//! ([`history`]), CSV import and CSV/XLSX export ([`transfer`]) and the catalogue settings
//! (review levels, banned words) in this module.
//!
//! Every write runs in one transaction that also stores the product's new version (for
//! product and SKU edits) and the audit entry, so history and audit can never disagree
//! with the data. Reads need `catalog.read`, writes `catalog.write`, review decisions
//! `catalog.review`, settings `settings.manage`.

pub mod history;
pub mod products;
pub mod review;
pub mod taxonomy;
pub mod transfer;

use std::collections::BTreeMap;

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{
    BrandId, CategoryId, ComplianceFinding, DEFAULT_BANNED_WORDS, ProductId, ProductStatus,
    ReviewLevels, Severity, SkuId, SkuStatus,
};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::money::{Currency, Money};
use omnihub_domain::settings::SettingKey;
use omnihub_store::catalog::{ProductRow, SkuRow};
use omnihub_store::{StoreError, Tx, merchants, settings, time};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

pub use products::{
    GenerateSkus, ListQuery, OptionInput, Page, ProductInput, ProductPatch, SkuInput, SkuListItem,
    SkuPatch, add_sku, create, get, get_sku, list, list_skus, update, update_sku,
};
pub use review::{
    QueueItem, QueueScope, ReviewEntry, ReviewInput, check_sellable, decide, delist, list_for_sale,
    require_listed, review_queue, reviews, sellable_skus, submit,
};

/// A compliance finding as stored and shown to reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `required`, `banned_word`, `below_cost` or `image_url`.
    pub code: String,
    /// The field concerned.
    pub field: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What was found.
    pub message: String,
}

impl From<ComplianceFinding> for Finding {
    fn from(f: ComplianceFinding) -> Self {
        Self {
            code: f.code.to_owned(),
            field: f.field,
            severity: match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            }
            .to_owned(),
            message: f.message,
        }
    }
}

/// One option of a product and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOptionView {
    /// Name (`Colour`).
    pub name: String,
    /// Values in display order.
    pub values: Vec<String>,
}

/// A SKU as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku {
    /// Id.
    pub id: SkuId,
    /// Its product.
    pub product_id: ProductId,
    /// Code (unique per merchant, ignoring case).
    pub code: String,
    /// EAN-13, UPC-A or EAN-8.
    pub barcode: Option<String>,
    /// Option values (`Colour → Red`).
    pub options: BTreeMap<String, String>,
    /// Selling price.
    pub price: Money,
    /// Cost, if known.
    pub cost: Option<Money>,
    /// Weight in grams.
    pub weight_grams: Option<i64>,
    /// Active or inactive.
    pub status: SkuStatus,
    /// Display order.
    pub position: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A product with its SKUs as the app hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// Name.
    pub name: String,
    /// Brand.
    pub brand_id: Option<BrandId>,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Description.
    pub description: String,
    /// Image URLs.
    pub images: Vec<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Options.
    pub options: Vec<ProductOptionView>,
    /// May sell below cost without a compliance error.
    pub allow_below_cost: bool,
    /// Listing review status.
    pub status: ProductStatus,
    /// How many times it was submitted.
    pub review_round: i64,
    /// Who submitted the current round.
    pub submitted_by: Option<UserId>,
    /// When.
    pub submitted_at: Option<Timestamp>,
    /// Compliance findings of the current round.
    pub findings: Vec<Finding>,
    /// Current version number (1 at creation).
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
    /// SKUs in display order (empty in lists).
    pub skus: Vec<Sku>,
}

fn json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

fn json_text<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::internal)
}

impl TryFrom<&SkuRow> for Sku {
    type Error = Error;
    fn try_from(row: &SkuRow) -> Result<Self> {
        let currency = Currency::parse(&row.currency)
            .map_err(|e| StoreError::Corrupt(format!("sku {}: {e}", row.id)))?;
        let status = SkuStatus::parse(&row.status)
            .map_err(|e| StoreError::Corrupt(format!("sku {}: {e}", row.id)))?;
        Ok(Self {
            id: SkuId::from_uuid(row.id),
            product_id: ProductId::from_uuid(row.product_id),
            code: row.code.clone(),
            barcode: row.barcode.clone(),
            options: json(&row.options)?,
            price: Money::from_minor(row.price_minor, currency),
            cost: row.cost_minor.map(|c| Money::from_minor(c, currency)),
            weight_grams: row.weight_grams,
            status,
            position: row.position,
            created_at: time::from_db(row.created_at)?,
            updated_at: time::from_db(row.updated_at)?,
        })
    }
}

impl Product {
    /// A product from its row and (possibly no) SKU rows.
    fn from_rows(row: &ProductRow, skus: &[SkuRow]) -> Result<Self> {
        let status = ProductStatus::from_parts(&row.status, row.review_level, row.review_levels)
            .ok_or_else(|| StoreError::Corrupt(format!("product {}: status", row.id)))?;
        Ok(Self {
            id: ProductId::from_uuid(row.id),
            name: row.name.clone(),
            brand_id: row.brand_id.map(BrandId::from_uuid),
            category_id: row.category_id.map(CategoryId::from_uuid),
            description: row.description.clone(),
            images: json(&row.images)?,
            attributes: json(&row.attributes)?,
            options: json(&row.options)?,
            allow_below_cost: row.allow_below_cost,
            status,
            review_round: row.review_round,
            submitted_by: row.submitted_by.map(UserId::from_uuid),
            submitted_at: row.submitted_at.map(time::from_db).transpose()?,
            findings: json(&row.findings)?,
            version: row.version,
            created_at: time::from_db(row.created_at)?,
            updated_at: time::from_db(row.updated_at)?,
            skus: skus.iter().map(Sku::try_from).collect::<Result<_>>()?,
        })
    }
}

/// The content of a product that versions record and diffs compare: everything a person
/// edits, not its review status (that lives in the review log). SKUs are keyed by id so a
/// change of one SKU's price shows as `skus.<id>.price_minor`.
pub(crate) fn snapshot(product: &ProductRow, skus: &[SkuRow]) -> Result<Value> {
    let sku_map: serde_json::Map<String, Value> = skus
        .iter()
        .map(|s| {
            let options: Value = json(&s.options)?;
            Ok((
                s.id.to_string(),
                serde_json::json!({
                    "code": s.code,
                    "barcode": s.barcode,
                    "options": options,
                    "price_minor": s.price_minor,
                    "cost_minor": s.cost_minor,
                    "currency": s.currency,
                    "weight_grams": s.weight_grams,
                    "status": s.status,
                    "position": s.position,
                }),
            ))
        })
        .collect::<Result<_>>()?;
    let images: Value = json(&product.images)?;
    let attributes: Value = json(&product.attributes)?;
    let options: Value = json(&product.options)?;
    Ok(serde_json::json!({
        "name": product.name,
        "brand_id": product.brand_id,
        "category_id": product.category_id,
        "description": product.description,
        "images": images,
        "attributes": attributes,
        "options": options,
        "allow_below_cost": product.allow_below_cost,
        "skus": sku_map,
    }))
}

/// The merchant's catalogue settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSettings {
    /// Review levels a submission must pass (1 to 3).
    pub review_levels: ReviewLevels,
    /// Words that raise a compliance warning (the defaults when never set).
    pub banned_words: Vec<String>,
}

const LEVELS_KEY: &str = "catalog.review_levels";
const BANNED_KEY: &str = "catalog.banned_words";

fn setting_key(key: &str) -> Result<SettingKey> {
    SettingKey::parse(key).map_err(Error::internal)
}

/// Reads the merchant's catalogue settings within `tx`.
pub(crate) async fn load_settings(tx: &mut Tx, merchant: MerchantId) -> Result<CatalogSettings> {
    let levels = settings::get(tx, merchant, &setting_key(LEVELS_KEY)?).await?;
    let banned = settings::get(tx, merchant, &setting_key(BANNED_KEY)?).await?;
    let review_levels = match levels {
        Some(row) => {
            let n: i64 = json(&row.value)?;
            ReviewLevels::new(n).map_err(|e| StoreError::Corrupt(e.to_string()))?
        }
        None => ReviewLevels::DEFAULT,
    };
    let banned_words = match banned {
        Some(row) => json(&row.value)?,
        None => DEFAULT_BANNED_WORDS
            .iter()
            .map(|w| (*w).to_owned())
            .collect(),
    };
    Ok(CatalogSettings {
        review_levels,
        banned_words,
    })
}

/// The merchant's catalogue settings.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn get_settings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
) -> Result<CatalogSettings> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    load_settings(&mut tx, merchant).await
}

/// Unvalidated new catalogue settings; a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    /// 1 to 3.
    pub review_levels: Option<i64>,
    /// Banned words (each 1-50 characters, at most 500 words); an empty list turns the
    /// check off.
    pub banned_words: Option<Vec<String>>,
}

/// Changes the catalogue settings. Needs `settings.manage`. A new number of review levels
/// applies from the next submission; rounds under way keep theirs.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn update_settings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: SettingsInput,
) -> Result<CatalogSettings> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let levels = input
        .review_levels
        .map(ReviewLevels::new)
        .transpose()
        .map_err(|e| Error::invalid("review_levels", "out_of_range", e))?;
    let words = input.banned_words.map(clean_words).transpose()?;
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    let before = load_settings(&mut tx, merchant).await?;
    let now = app.now();
    if let Some(levels) = levels {
        let value = Value::from(levels.get());
        settings::put(
            &mut tx,
            merchant,
            &setting_key(LEVELS_KEY)?,
            &value,
            actor.user(),
            now,
        )
        .await?;
    }
    if let Some(words) = &words {
        let value = Value::from(words.clone());
        settings::put(
            &mut tx,
            merchant,
            &setting_key(BANNED_KEY)?,
            &value,
            actor.user(),
            now,
        )
        .await?;
    }
    let after = load_settings(&mut tx, merchant).await?;
    let view = |s: &CatalogSettings| serde_json::json!({"review_levels": s.review_levels.get(), "banned_words": s.banned_words});
    let change = Change {
        action: "catalog_settings.update",
        entity_type: "catalog_settings",
        entity_id: None,
        merchant: Some(merchant),
        before: Some(view(&before)),
        after: Some(view(&after)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// Checks a value written through the generic settings API to a key the catalogue owns,
/// so a bad value is refused there (`422`) instead of breaking every later submission.
/// `None` when the key is not the catalogue's.
pub(crate) fn check_setting(key: &str, value: &Value) -> Option<Result<()>> {
    let bad = |e: String| Error::invalid("value", "invalid", e);
    match key {
        LEVELS_KEY => Some(
            value
                .as_i64()
                .ok_or_else(|| bad("review levels are a whole number from 1 to 3".into()))
                .and_then(|n| ReviewLevels::new(n).map_err(|e| bad(e.to_string())))
                .map(drop),
        ),
        BANNED_KEY => Some(
            serde_json::from_value::<Vec<String>>(value.clone())
                .map_err(|_| bad("banned words are a list of strings".into()))
                .and_then(clean_words)
                .map(drop),
        ),
        _ => None,
    }
}

fn clean_words(words: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let w = word.trim();
        if w.is_empty() || w.chars().count() > 50 {
            errors.push(FieldError::new(
                format!("banned_words[{i}]"),
                "invalid",
                "each word must be 1 to 50 characters",
            ));
        } else if !out.iter().any(|o| o.to_lowercase() == w.to_lowercase()) {
            out.push(w.to_owned());
        }
    }
    if out.len() > 500 {
        errors.push(FieldError::new(
            "banned_words",
            "too_many",
            "at most 500 words",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Not found unless the merchant exists (platform staff may name any merchant id).
pub(crate) async fn require_merchant_exists(tx: &mut Tx, merchant: MerchantId) -> Result<String> {
    match merchants::get(tx, merchant).await {
        Ok(row) => Ok(row.currency),
        Err(StoreError::NotFound) => Err(Error::NotFound { entity: "merchant" }),
        Err(other) => Err(other.into()),
    }
}

/// The acting user as stored in review and version rows.
pub(crate) fn actor_parts(actor: &Actor) -> (&'static str, Option<uuid::Uuid>, String) {
    use crate::context::Principal;
    match &actor.principal {
        Principal::System => ("system", None, "system".to_owned()),
        Principal::User { id, email } => ("user", Some(id.as_uuid()), email.clone()),
        Principal::ApiKey { id, name, .. } => ("api_key", Some(*id), name.clone()),
    }
}
