//! Products and their SKUs (CAT-1): create with options that generate SKUs, read, list and
//! search, edit. Every edit is saved through [`save_edit`], which stores the new version,
//! sends a reviewed product back to review when a sale-relevant field changed, and audits.

use std::collections::{BTreeMap, BTreeSet};

use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{
    Attributes, Barcode, BrandId, CatalogValueError, CategoryId, CategoryPath, Combination,
    Description, ImageUrl, ProductId, ProductName, ProductOption, ProductStatus, SkuCode, SkuId,
    SkuStatus, Weight, changed_fields, diff, is_sale_relevant,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::{Currency, Money};
use omnihub_store::catalog::{self as store, CatalogFilter, ProductRow, SkuRow, VersionRow};
use omnihub_store::{StoreError, Tx, time};
use uuid::Uuid;

use super::review::{compliance, findings_as_errors};
use super::{
    Product, ProductOptionView, Sku, actor_parts, json_text, load_settings,
    require_merchant_exists, snapshot,
};
use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// One option as received: a name and its values.
#[derive(Debug, Clone, Default)]
pub struct OptionInput {
    /// Name.
    pub name: String,
    /// Values in display order.
    pub values: Vec<String>,
}

/// One SKU as received.
#[derive(Debug, Clone, Default)]
pub struct SkuInput {
    /// Code, unique per merchant.
    pub code: String,
    /// EAN-13, UPC-A or EAN-8, optional.
    pub barcode: Option<String>,
    /// One value of each of the product's options.
    pub options: BTreeMap<String, String>,
    /// Price as decimal text (`19.90`).
    pub price: String,
    /// Cost as decimal text.
    pub cost: Option<String>,
    /// ISO 4217 code; the merchant's currency when absent.
    pub currency: Option<String>,
    /// `500`, `500g` or `1.5kg`.
    pub weight: Option<String>,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
}

/// Asks for one SKU per option combination, all with these values.
#[derive(Debug, Clone, Default)]
pub struct GenerateSkus {
    /// Codes become `<PREFIX>-<VALUE>-<VALUE>`.
    pub code_prefix: String,
    /// Price of each.
    pub price: String,
    /// Cost of each.
    pub cost: Option<String>,
    /// Currency; the merchant's when absent.
    pub currency: Option<String>,
    /// Weight of each.
    pub weight: Option<String>,
}

/// A new product as received.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    /// Name.
    pub name: String,
    /// Brand of this merchant.
    pub brand_id: Option<BrandId>,
    /// Category of this merchant.
    pub category_id: Option<CategoryId>,
    /// Description.
    pub description: String,
    /// Image URLs.
    pub images: Vec<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Options (up to 3).
    pub options: Vec<OptionInput>,
    /// Allowed to be priced below cost.
    pub allow_below_cost: bool,
    /// SKUs; when empty and `generate` is set, one per combination is made.
    pub skus: Vec<SkuInput>,
    /// Generate SKUs for every option combination.
    pub generate: Option<GenerateSkus>,
}

/// Changes to a product's own fields; a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct ProductPatch {
    /// Name.
    pub name: Option<String>,
    /// Brand (`Some(None)` clears it).
    pub brand_id: Option<Option<BrandId>>,
    /// Category (`Some(None)` clears it).
    pub category_id: Option<Option<CategoryId>>,
    /// Description.
    pub description: Option<String>,
    /// Image URLs.
    pub images: Option<Vec<String>>,
    /// Attributes (replaces them all).
    pub attributes: Option<BTreeMap<String, String>>,
    /// Options (existing SKUs must still match them).
    pub options: Option<Vec<OptionInput>>,
    /// Allowed below cost.
    pub allow_below_cost: Option<bool>,
    /// Refuse with a conflict unless the product is still at this version (lost-update
    /// protection for forms).
    pub expected_version: Option<i64>,
}

/// Changes to a SKU; a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct SkuPatch {
    /// Code.
    pub code: Option<String>,
    /// Barcode (`Some(None)` clears it).
    pub barcode: Option<Option<String>>,
    /// Option values.
    pub options: Option<BTreeMap<String, String>>,
    /// Price.
    pub price: Option<String>,
    /// Cost (`Some(None)` clears it).
    pub cost: Option<Option<String>>,
    /// Currency of price and cost.
    pub currency: Option<String>,
    /// Weight (`Some(None)` clears it).
    pub weight: Option<Option<String>>,
    /// `active` or `inactive`.
    pub status: Option<String>,
    /// Display order.
    pub position: Option<i64>,
    /// As for [`ProductPatch::expected_version`].
    pub expected_version: Option<i64>,
}

/// Collects field errors under a prefix (`skus[2].`).
struct Fields<'a> {
    prefix: String,
    errors: &'a mut Vec<FieldError>,
}

impl Fields<'_> {
    fn check<T>(&mut self, field: &str, parsed: Result<T, CatalogValueError>) -> Option<T> {
        parsed
            .map_err(|e| {
                let name = format!("{}{field}", self.prefix);
                self.errors.push(FieldError::new(name, e.code(), e));
            })
            .ok()
    }
}

/// Parsed product-level fields.
pub(crate) struct ParsedProduct {
    pub name: ProductName,
    pub description: Description,
    pub images: Vec<ImageUrl>,
    pub attributes: Attributes,
    pub options: Vec<ProductOption>,
}

pub(crate) fn parse_name(errors: &mut Vec<FieldError>, raw: &str) -> Option<ProductName> {
    Fields {
        prefix: String::new(),
        errors,
    }
    .check("name", ProductName::parse(raw))
}

pub(crate) fn parse_description(errors: &mut Vec<FieldError>, raw: &str) -> Option<Description> {
    Fields {
        prefix: String::new(),
        errors,
    }
    .check("description", Description::parse(raw))
}

pub(crate) fn parse_images(errors: &mut Vec<FieldError>, raw: &[String]) -> Option<Vec<ImageUrl>> {
    if raw.len() > ImageUrl::MAX_PER_PRODUCT {
        let msg = format!("at most {} images", ImageUrl::MAX_PER_PRODUCT);
        errors.push(FieldError::new("images", "too_many", msg));
        return None;
    }
    let before = errors.len();
    let mut f = Fields {
        prefix: String::new(),
        errors,
    };
    let images: Vec<ImageUrl> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, u)| f.check(&format!("images[{i}]"), ImageUrl::parse(u)))
        .collect();
    (errors.len() == before).then_some(images)
}

pub(crate) fn parse_attributes(
    errors: &mut Vec<FieldError>,
    raw: &BTreeMap<String, String>,
) -> Option<Attributes> {
    Attributes::parse(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|(key, e)| {
            let field = if key.is_empty() {
                "attributes".to_owned()
            } else {
                format!("attributes.{key}")
            };
            errors.push(FieldError::new(field, e.code(), e));
        })
        .ok()
}

pub(crate) fn parse_options(
    errors: &mut Vec<FieldError>,
    raw: &[OptionInput],
) -> Option<Vec<ProductOption>> {
    omnihub_domain::catalog::variants::parse_options(
        raw.iter()
            .map(|o| (o.name.as_str(), o.values.iter().map(String::as_str))),
    )
    .map_err(|e| errors.push(FieldError::new("options", e.code(), e)))
    .ok()
}

fn parse_product(input: &ProductInput, errors: &mut Vec<FieldError>) -> Option<ParsedProduct> {
    let name = parse_name(errors, &input.name);
    let description = parse_description(errors, &input.description);
    let images = parse_images(errors, &input.images);
    let attributes = parse_attributes(errors, &input.attributes);
    let options = parse_options(errors, &input.options);
    Some(ParsedProduct {
        name: name?,
        description: description?,
        images: images?,
        attributes: attributes?,
        options: options?,
    })
}

/// A SKU's parsed values, ready to store.
#[derive(Debug, Clone)]
pub(crate) struct ParsedSku {
    pub code: SkuCode,
    pub barcode: Option<Barcode>,
    pub options: Combination,
    pub price: Money,
    pub cost: Option<Money>,
    pub weight: Option<Weight>,
    pub status: SkuStatus,
}

/// Parses one SKU; errors are named `<prefix>code`, `<prefix>price`...
pub(crate) fn parse_sku(
    input: &SkuInput,
    prefix: &str,
    default_currency: Currency,
    errors: &mut Vec<FieldError>,
) -> Option<ParsedSku> {
    let mut f = Fields {
        prefix: prefix.to_owned(),
        errors,
    };
    let code = f.check("code", SkuCode::parse(&input.code));
    let barcode = match input
        .barcode
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        Some(b) => f.check("barcode", Barcode::parse(b)).map(Some),
        None => Some(None),
    };
    let weight = match input
        .weight
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(w) => f.check("weight", Weight::parse(w)).map(Some),
        None => Some(None),
    };
    let status = f.check(
        "status",
        SkuStatus::parse(input.status.as_deref().unwrap_or("active")),
    );
    let currency = match &input.currency {
        Some(c) => Currency::parse(c)
            .map_err(|e| {
                f.errors
                    .push(FieldError::new(format!("{prefix}currency"), "invalid", e))
            })
            .ok(),
        None => Some(default_currency),
    };
    let money = |field: &str, raw: &str, errors: &mut Vec<FieldError>| {
        let currency = currency?;
        Money::parse_non_negative(raw, currency)
            .map_err(|e| errors.push(FieldError::new(format!("{prefix}{field}"), "invalid", e)))
            .ok()
    };
    let price = money("price", &input.price, f.errors);
    let cost = match input
        .cost
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => money("cost", c, f.errors).map(Some),
        None => Some(None),
    };
    Some(ParsedSku {
        code: code?,
        barcode: barcode?,
        options: input.options.clone(),
        price: price?,
        cost: cost?,
        weight: weight?,
        status: status?,
    })
}

/// The SKU inputs for every option combination.
fn generated(options: &[ProductOption], g: &GenerateSkus) -> Vec<SkuInput> {
    omnihub_domain::catalog::variants::variants(options)
        .into_iter()
        .enumerate()
        .map(|(i, combo)| SkuInput {
            code: omnihub_domain::catalog::variants::suggested_code(&g.code_prefix, &combo, i),
            barcode: None,
            options: combo,
            price: g.price.clone(),
            cost: g.cost.clone(),
            currency: g.currency.clone(),
            weight: g.weight.clone(),
            status: None,
        })
        .collect()
}

/// Field errors for SKU combinations that do not fit the options, and for codes or
/// barcodes repeated within the request.
pub(crate) fn check_skus(
    options: &[ProductOption],
    skus: &[ParsedSku],
    field: impl Fn(usize, &str) -> String,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err((i, e)) = omnihub_domain::catalog::variants::check_combinations(
        options,
        skus.iter().map(|s| &s.options),
    ) {
        errors.push(FieldError::new(field(i, "options"), e.code(), e));
    }
    let mut codes = BTreeSet::new();
    let mut barcodes = BTreeSet::new();
    for (i, sku) in skus.iter().enumerate() {
        if !codes.insert(sku.code.key()) {
            errors.push(FieldError::new(
                field(i, "code"),
                "duplicate",
                "this code is used twice",
            ));
        }
        if let Some(b) = &sku.barcode
            && !barcodes.insert(b.to_string())
        {
            errors.push(FieldError::new(
                field(i, "barcode"),
                "duplicate",
                "this barcode is used twice",
            ));
        }
    }
    errors
}

/// Refuses a brand or category that is not the merchant's.
pub(crate) async fn check_refs(
    tx: &mut Tx,
    merchant: MerchantId,
    brand: Option<BrandId>,
    category: Option<CategoryId>,
) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(b) = brand
        && store::get_brand(tx, merchant, b.as_uuid()).await?.is_none()
    {
        errors.push(FieldError::new("brand_id", "unknown", "no such brand"));
    }
    if let Some(c) = category
        && store::get_category(tx, merchant, c.as_uuid())
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "category_id",
            "unknown",
            "no such category",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

fn options_json(options: &[ProductOption]) -> Result<String> {
    let view: Vec<ProductOptionView> = options
        .iter()
        .map(|o| ProductOptionView {
            name: o.name.to_string(),
            values: o.values.iter().map(ToString::to_string).collect(),
        })
        .collect();
    json_text(&view)
}

fn sku_row(id: Uuid, product: Uuid, sku: &ParsedSku, position: i64, now: i64) -> Result<SkuRow> {
    Ok(SkuRow {
        id,
        product_id: product,
        code: sku.code.to_string(),
        barcode: sku.barcode.as_ref().map(ToString::to_string),
        options: json_text(&sku.options)?,
        price_minor: sku.price.minor(),
        cost_minor: sku.cost.map(Money::minor),
        currency: sku.price.currency().to_string(),
        weight_grams: sku.weight.map(Weight::as_grams),
        status: sku.status.code().to_owned(),
        position,
        created_at: now,
        updated_at: now,
    })
}

/// Maps a SKU key conflict to a field error.
pub(crate) fn sku_conflict(err: StoreError, field: impl Fn(&str) -> String) -> Error {
    match err {
        StoreError::Conflict {
            key: "skus.barcode",
        } => Error::Validation(vec![FieldError::new(
            field("barcode"),
            "taken",
            "another SKU already has this barcode",
        )]),
        StoreError::Conflict { .. } => Error::Validation(vec![FieldError::new(
            field("code"),
            "taken",
            "another SKU already has this code",
        )]),
        other => other.into(),
    }
}

/// Creates a draft product with its SKUs (given, or generated from the options), and
/// version 1 of its history. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: ProductInput,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let currency = merchant_currency(&mut tx, merchant).await?;
    let product = insert_new(app, &mut tx, actor, merchant, &input, currency).await?;
    tx.commit().await?;
    Ok(product)
}

/// The merchant's default currency (and a not-found for an unknown merchant).
pub(crate) async fn merchant_currency(tx: &mut Tx, merchant: MerchantId) -> Result<Currency> {
    let code = require_merchant_exists(tx, merchant).await?;
    Currency::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}

/// Validates a new product's fields and SKUs without touching the database (the importer
/// uses it to report every row before writing any).
pub(crate) fn validate_new(
    input: &ProductInput,
    currency: Currency,
) -> Result<(ParsedProduct, Vec<ParsedSku>)> {
    let mut errors = Vec::new();
    let parsed = parse_product(input, &mut errors);
    let sku_inputs = match (&input.generate, input.skus.is_empty(), &parsed) {
        (Some(g), true, Some(p)) => generated(&p.options, g),
        _ => input.skus.clone(),
    };
    let skus: Vec<Option<ParsedSku>> = sku_inputs
        .iter()
        .enumerate()
        .map(|(i, s)| parse_sku(s, &format!("skus[{i}]."), currency, &mut errors))
        .collect();
    let (Some(parsed), Some(skus)) = (parsed, skus.into_iter().collect::<Option<Vec<_>>>()) else {
        return Err(Error::Validation(errors));
    };
    errors.extend(check_skus(&parsed.options, &skus, |i, f| {
        format!("skus[{i}].{f}")
    }));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok((parsed, skus))
}

/// Validates and stores a new product inside `tx` (shared with the importer).
pub(crate) async fn insert_new(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    input: &ProductInput,
    currency: Currency,
) -> Result<Product> {
    let (parsed, skus) = validate_new(input, currency)?;
    check_refs(tx, merchant, input.brand_id, input.category_id).await?;
    let now = time::to_db(app.now());
    let id = app.ids.new_id();
    let row = ProductRow {
        id,
        name: parsed.name.to_string(),
        brand_id: input.brand_id.map(|b| b.as_uuid()),
        category_id: input.category_id.map(|c| c.as_uuid()),
        description: parsed.description.to_string(),
        images: json_text(&parsed.images)?,
        attributes: json_text(parsed.attributes.as_map())?,
        options: options_json(&parsed.options)?,
        allow_below_cost: input.allow_below_cost,
        status: ProductStatus::Draft.code().to_owned(),
        review_level: 0,
        review_levels: 0,
        review_round: 0,
        submitted_by: None,
        submitted_at: None,
        findings: "[]".to_owned(),
        version: 1,
        created_by: actor.user().map(|u| u.as_uuid()),
        created_at: now,
        updated_at: now,
    };
    store::insert_product(tx, merchant, &row).await?;
    let mut sku_rows = Vec::with_capacity(skus.len());
    for (i, sku) in skus.iter().enumerate() {
        let position = i64::try_from(i).unwrap_or(i64::MAX);
        let sku_row = sku_row(app.ids.new_id(), id, sku, position, now)?;
        store::insert_sku(tx, merchant, &sku_row)
            .await
            .map_err(|e| sku_conflict(e, |f| format!("skus[{i}].{f}")))?;
        sku_rows.push(sku_row);
    }
    let snap = snapshot(&row, &sku_rows)?;
    let changed = changed_fields(&serde_json::json!({}), &snap);
    record_version(app, tx, actor, merchant, &row, &snap, &changed).await?;
    let product = Product::from_rows(&row, &sku_rows)?;
    let change = Change {
        action: "product.create",
        entity_type: "product",
        entity_id: Some(product.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(snap),
    };
    audit::record(app, tx, actor, change).await?;
    Ok(product)
}

async fn record_version(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &ProductRow,
    snap: &serde_json::Value,
    changed: &[String],
) -> Result<()> {
    let (actor_type, actor_id, actor_label) = actor_parts(actor);
    let version = VersionRow {
        id: app.ids.new_id(),
        product_id: row.id,
        version: row.version,
        snapshot: snap.to_string(),
        changed: json_text(&changed)?,
        actor_type: actor_type.to_owned(),
        actor_id,
        actor_label,
        created_at: row.updated_at,
    };
    store::insert_version(tx, merchant, &version)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => concurrent_edit(),
            other => other.into(),
        })
}

fn concurrent_edit() -> Error {
    Error::Conflict {
        code: "concurrent-edit",
        message: "the product was changed by someone else; reload and try again".to_owned(),
    }
}

/// Loads a product and its SKUs for an edit, or "product not found".
pub(crate) async fn load(
    tx: &mut Tx,
    merchant: MerchantId,
    id: ProductId,
) -> Result<(ProductRow, Vec<SkuRow>)> {
    let row = store::get_product(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "product" })?;
    let skus = store::product_skus(tx, merchant, id.as_uuid()).await?;
    Ok((row, skus))
}

fn check_version(row: &ProductRow, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != row.version => Err(Error::Conflict {
            code: "version-mismatch",
            message: format!(
                "the product is at version {}, not {v}; reload and try again",
                row.version
            ),
        }),
        _ => Ok(()),
    }
}

/// One product with its SKUs. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, merchant: MerchantId, id: ProductId) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let (row, skus) = load(&mut tx, merchant, id).await?;
    Product::from_rows(&row, &skus)
}

/// One SKU. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, sku_id = %id), err)]
pub async fn get_sku(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    product: ProductId,
    id: SkuId,
) -> Result<Sku> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let (_, skus) = load(&mut tx, merchant, product).await?;
    skus.iter()
        .find(|s| s.id == id.as_uuid())
        .ok_or(Error::NotFound { entity: "sku" })
        .and_then(Sku::try_from)
}

/// Filters and paging for product and SKU lists, as received.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Status code (`listed`...).
    pub status: Option<String>,
    /// Brand.
    pub brand_id: Option<BrandId>,
    /// Category: the products in it and in every category below it.
    pub category_id: Option<CategoryId>,
    /// Name substring, or exact SKU code or barcode.
    pub search: Option<String>,
    /// Continue after this id (the previous page's `next_cursor`).
    pub cursor: Option<Uuid>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<Uuid>,
}

/// A SKU in a list, with its product's main fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuListItem {
    /// The SKU.
    pub sku: Sku,
    /// Product name.
    pub product_name: String,
    /// Product status code.
    pub product_status: String,
    /// Product brand.
    pub brand_id: Option<BrandId>,
    /// Product category.
    pub category_id: Option<CategoryId>,
}

/// Resolves a list query's filters; the category becomes its subtree's path.
pub(crate) async fn resolve_filter(
    tx: &mut Tx,
    merchant: MerchantId,
    q: &ListQuery,
) -> Result<(Option<String>, u32)> {
    if let Some(s) = &q.status
        && !ProductStatus::CODES.contains(&s.as_str())
    {
        let msg = format!("must be one of {}", ProductStatus::CODES.join(", "));
        return Err(Error::invalid("status", "invalid", msg));
    }
    let path = match q.category_id {
        Some(c) => Some(
            store::get_category(tx, merchant, c.as_uuid())
                .await?
                .ok_or_else(|| Error::invalid("category_id", "unknown", "no such category"))?
                .path,
        ),
        None => None,
    };
    Ok((path, q.limit.unwrap_or(50).clamp(1, 500)))
}

/// A page from `limit + 1` fetched rows: the extra row only says a next page exists.
pub(crate) fn page<T>(mut items: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Page<T> {
    let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    if more {
        items.pop();
    }
    let next_cursor = if more { items.last().map(id) } else { None };
    Page { items, next_cursor }
}

/// A page of products (without their SKUs), oldest first. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: ListQuery,
) -> Result<Page<Product>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    let (path, limit) = resolve_filter(&mut tx, merchant, &q).await?;
    let filter = CatalogFilter {
        status: q.status.as_deref(),
        brand: q.brand_id.map(|b| b.as_uuid()),
        category_path: path.as_deref(),
        search: q.search.as_deref(),
    };
    let rows = store::list_products(&mut tx, merchant, &filter, q.cursor, limit + 1).await?;
    let items = rows
        .iter()
        .map(|r| Product::from_rows(r, &[]))
        .collect::<Result<Vec<_>>>()?;
    Ok(page(items, limit, |p| p.id.as_uuid()))
}

/// A page of SKUs with their product's main fields, oldest first. Needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_skus(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: ListQuery,
) -> Result<Page<SkuListItem>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    sku_page(&mut tx, merchant, &q).await
}

pub(crate) async fn sku_page(
    tx: &mut Tx,
    merchant: MerchantId,
    q: &ListQuery,
) -> Result<Page<SkuListItem>> {
    let (path, limit) = resolve_filter(tx, merchant, q).await?;
    let filter = CatalogFilter {
        status: q.status.as_deref(),
        brand: q.brand_id.map(|b| b.as_uuid()),
        category_path: path.as_deref(),
        search: q.search.as_deref(),
    };
    let rows = store::list_skus(tx, merchant, &filter, q.cursor, limit + 1).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(SkuListItem {
                sku: Sku::try_from(&r.sku)?,
                product_name: r.product_name.clone(),
                product_status: r.product_status.clone(),
                brand_id: r.brand_id.map(BrandId::from_uuid),
                category_id: r.category_id.map(CategoryId::from_uuid),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(page(items, limit, |s| s.sku.id.as_uuid()))
}

/// Edits a product's own fields. A sale-relevant change to a product that was submitted,
/// approved, listed or delisted sends it back to review (level 1, compliance re-run), so it
/// is not sold until approved again. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn update(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
    patch: ProductPatch,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let (before, skus) = load(&mut tx, merchant, id).await?;
    check_version(&before, patch.expected_version)?;
    let after = apply_patch(&mut tx, merchant, &before, &skus, &patch).await?;
    let product = save_edit(
        app,
        &mut tx,
        actor,
        merchant,
        (&before, &skus),
        (after, skus.clone()),
        "product.update",
    )
    .await?;
    tx.commit().await?;
    Ok(product)
}

async fn apply_patch(
    tx: &mut Tx,
    merchant: MerchantId,
    before: &ProductRow,
    skus: &[SkuRow],
    patch: &ProductPatch,
) -> Result<ProductRow> {
    let mut errors = Vec::new();
    let mut row = before.clone();
    if let Some(name) = patch
        .name
        .as_deref()
        .and_then(|n| parse_name(&mut errors, n))
    {
        row.name = name.to_string();
    }
    if let Some(d) = patch
        .description
        .as_deref()
        .and_then(|d| parse_description(&mut errors, d))
    {
        row.description = d.to_string();
    }
    if let Some(images) = patch
        .images
        .as_deref()
        .and_then(|i| parse_images(&mut errors, i))
    {
        row.images = json_text(&images)?;
    }
    if let Some(a) = patch
        .attributes
        .as_ref()
        .and_then(|a| parse_attributes(&mut errors, a))
    {
        row.attributes = json_text(a.as_map())?;
    }
    if let Some(options) = patch
        .options
        .as_deref()
        .and_then(|o| parse_options(&mut errors, o))
    {
        let combos: Vec<Combination> = skus
            .iter()
            .map(|s| super::json(&s.options))
            .collect::<Result<_>>()?;
        if let Err((i, e)) =
            omnihub_domain::catalog::variants::check_combinations(&options, &combos)
        {
            let msg = format!(
                "SKU {} no longer fits these options: {e}",
                skus.get(i).map_or("", |s| s.code.as_str())
            );
            errors.push(FieldError::new("options", "in_use", msg));
        }
        row.options = options_json(&options)?;
    }
    if let Some(flag) = patch.allow_below_cost {
        row.allow_below_cost = flag;
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let brand = patch
        .brand_id
        .unwrap_or(row.brand_id.map(BrandId::from_uuid));
    let category = patch
        .category_id
        .unwrap_or(row.category_id.map(CategoryId::from_uuid));
    check_refs(tx, merchant, brand, category).await?;
    row.brand_id = brand.map(|b| b.as_uuid());
    row.category_id = category.map(|c| c.as_uuid());
    Ok(row)
}

/// The product's options as domain values (stored text was validated on the way in).
pub(crate) fn stored_options(row: &ProductRow) -> Result<Vec<ProductOption>> {
    let view: Vec<ProductOptionView> = super::json(&row.options)?;
    let mut errors = Vec::new();
    let inputs: Vec<OptionInput> = view
        .into_iter()
        .map(|o| OptionInput {
            name: o.name,
            values: o.values,
        })
        .collect();
    parse_options(&mut errors, &inputs)
        .ok_or_else(|| StoreError::Corrupt(format!("product {} options", row.id)).into())
}

/// Adds a SKU to a product. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %product), err)]
pub async fn add_sku(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    product: ProductId,
    input: SkuInput,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let currency = merchant_currency(&mut tx, merchant).await?;
    let (before, skus) = load(&mut tx, merchant, product).await?;
    let mut errors = Vec::new();
    let parsed =
        parse_sku(&input, "", currency, &mut errors).ok_or_else(|| Error::Validation(errors))?;
    let now = time::to_db(app.now());
    let position = skus.iter().map(|s| s.position + 1).max().unwrap_or(0);
    let new = sku_row(app.ids.new_id(), before.id, &parsed, position, now)?;
    let mut after = skus.clone();
    after.push(new);
    check_stored_skus(&before, &after, after.len() - 1)?;
    let product = save_edit(
        app,
        &mut tx,
        actor,
        merchant,
        (&before, &skus),
        (before.clone(), after),
        "sku.create",
    )
    .await?;
    tx.commit().await?;
    Ok(product)
}

/// Checks the SKU at `index` of `skus` against the product's options and the others.
fn check_stored_skus(product: &ProductRow, skus: &[SkuRow], index: usize) -> Result<()> {
    let options = stored_options(product)?;
    let combos: Vec<Combination> = skus
        .iter()
        .map(|s| super::json(&s.options))
        .collect::<Result<_>>()?;
    if let Err((i, e)) = omnihub_domain::catalog::variants::check_combinations(&options, &combos) {
        let field = if i == index { "options" } else { "product" };
        return Err(Error::invalid(field, e.code(), e));
    }
    let target = skus.get(index).ok_or(Error::NotFound { entity: "sku" })?;
    let key = target.code.to_ascii_uppercase();
    if skus
        .iter()
        .enumerate()
        .any(|(i, s)| i != index && s.code.to_ascii_uppercase() == key)
    {
        return Err(Error::invalid(
            "code",
            "taken",
            "another SKU already has this code",
        ));
    }
    Ok(())
}

/// Edits a SKU. Price, code, barcode, options and status are sale-relevant (a listed
/// product goes back to review); cost and weight are not. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, sku_id = %id), err)]
pub async fn update_sku(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    product: ProductId,
    id: SkuId,
    patch: SkuPatch,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let (before, skus) = load(&mut tx, merchant, product).await?;
    check_version(&before, patch.expected_version)?;
    let index = skus
        .iter()
        .position(|s| s.id == id.as_uuid())
        .ok_or(Error::NotFound { entity: "sku" })?;
    let mut after = skus.clone();
    if let Some(slot) = after.get_mut(index) {
        *slot = patched_sku(slot, &patch)?;
    }
    check_stored_skus(&before, &after, index)?;
    let product = save_edit(
        app,
        &mut tx,
        actor,
        merchant,
        (&before, &skus),
        (before.clone(), after),
        "sku.update",
    )
    .await?;
    tx.commit().await?;
    Ok(product)
}

/// A SKU row with the patch applied (validated as a whole, so the errors name fields).
fn patched_sku(row: &SkuRow, patch: &SkuPatch) -> Result<SkuRow> {
    let current = Sku::try_from(row)?;
    let amount = |m: Money| m.amount_text();
    let input = SkuInput {
        code: patch.code.clone().unwrap_or_else(|| row.code.clone()),
        barcode: patch.barcode.clone().unwrap_or_else(|| row.barcode.clone()),
        options: patch
            .options
            .clone()
            .unwrap_or_else(|| current.options.clone()),
        price: patch.price.clone().unwrap_or_else(|| amount(current.price)),
        cost: patch
            .cost
            .clone()
            .unwrap_or_else(|| current.cost.map(amount)),
        currency: Some(
            patch
                .currency
                .clone()
                .unwrap_or_else(|| row.currency.clone()),
        ),
        weight: patch
            .weight
            .clone()
            .unwrap_or_else(|| row.weight_grams.map(|g| g.to_string())),
        status: Some(patch.status.clone().unwrap_or_else(|| row.status.clone())),
    };
    let mut errors = Vec::new();
    let parsed = parse_sku(&input, "", current.price.currency(), &mut errors)
        .ok_or_else(|| Error::Validation(errors))?;
    let mut out = sku_row(
        row.id,
        row.product_id,
        &parsed,
        patch.position.unwrap_or(row.position),
        row.created_at,
    )?;
    out.updated_at = row.updated_at;
    Ok(out)
}

/// Saves an edit: nothing if nothing changed; otherwise the next version, the review
/// consequence of a sale-relevant change, the changed SKU rows, and the audit entry.
pub(crate) async fn save_edit(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    before: (&ProductRow, &[SkuRow]),
    after: (ProductRow, Vec<SkuRow>),
    action: &str,
) -> Result<Product> {
    let (old, old_skus) = before;
    let (mut row, mut skus) = after;
    let before_snap = snapshot(old, old_skus)?;
    let after_snap = snapshot(&row, &skus)?;
    let changes = diff(&before_snap, &after_snap);
    if changes.is_empty() {
        return Product::from_rows(old, old_skus);
    }
    let now = time::to_db(app.now());
    let status = ProductStatus::from_parts(&old.status, old.review_level, old.review_levels)
        .ok_or_else(|| StoreError::Corrupt(format!("product {}: status", old.id)))?;
    let settings = load_settings(tx, merchant).await?;
    let next = status.after_edit(is_sale_relevant(&changes), settings.review_levels);
    let resubmitted = next != status
        || (matches!(next, ProductStatus::InReview { .. }) && is_sale_relevant(&changes));
    if resubmitted {
        let findings = compliance(&row, &skus, &settings.banned_words)?;
        findings_as_errors(&findings)?;
        let round = super::review::Round {
            status: next,
            findings: &findings,
            action: "resubmit",
        };
        super::review::start_round(app, tx, actor, merchant, &mut row, round).await?;
    }
    row.version = old.version + 1;
    row.updated_at = now;
    if !store::update_product(tx, merchant, &row, old.version).await? {
        return Err(concurrent_edit());
    }
    write_skus(tx, merchant, old_skus, &mut skus, now).await?;
    let changed = changed_fields(&before_snap, &after_snap);
    record_version(app, tx, actor, merchant, &row, &after_snap, &changed).await?;
    let change = Change {
        action,
        entity_type: "product",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: Some(serde_json::json!({"version": old.version, "status": old.status})),
        after: Some(
            serde_json::json!({"version": row.version, "status": row.status, "changes": changes}),
        ),
    };
    audit::record(app, tx, actor, change).await?;
    Product::from_rows(&row, &skus)
}

/// Inserts new SKU rows and updates changed ones (stamping them with `now`).
async fn write_skus(
    tx: &mut Tx,
    merchant: MerchantId,
    old: &[SkuRow],
    skus: &mut [SkuRow],
    now: i64,
) -> Result<()> {
    for sku in skus.iter_mut() {
        let field = |f: &str| f.to_owned();
        match old.iter().find(|o| o.id == sku.id) {
            None => {
                store::insert_sku(tx, merchant, sku)
                    .await
                    .map_err(|e| sku_conflict(e, field))?;
            }
            Some(o) if o != sku => {
                sku.updated_at = now;
                store::update_sku(tx, merchant, sku)
                    .await
                    .map_err(|e| sku_conflict(e, field))?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The category's path, for filters and moves.
pub(crate) fn category_path(raw: &str) -> Result<CategoryPath> {
    CategoryPath::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()).into())
}
