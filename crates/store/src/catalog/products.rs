//! Products and SKUs: writes, lookups, the filtered and searched lists, and the sellable
//! check later order code calls.
//!
//! Lists page by keyset (`id > cursor ORDER BY id`; ids are UUIDv7, so this is creation
//! order) over indexes that start with `merchant_id`, so a page costs the same at row
//! 50,000 as at row 1. The list statement is assembled from fixed fragments, one per
//! filter given, so each combination gets a plan that can use its index; values are always
//! bound, never spliced.

use omnihub_domain::ids::MerchantId;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductRow {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Brand.
    pub brand_id: Option<Uuid>,
    /// Category.
    pub category_id: Option<Uuid>,
    /// Description.
    pub description: String,
    /// Image URLs, JSON array text.
    pub images: String,
    /// Attributes, JSON object text.
    pub attributes: String,
    /// Options and their values, JSON array text.
    pub options: String,
    /// May be priced below cost without a compliance error.
    pub allow_below_cost: bool,
    /// Status code.
    pub status: String,
    /// Level awaiting a decision while in review, else 0.
    pub review_level: i64,
    /// Levels of the current review round, else 0.
    pub review_levels: i64,
    /// How many times the product was submitted.
    pub review_round: i64,
    /// Who submitted the current round.
    pub submitted_by: Option<Uuid>,
    /// When (µs).
    pub submitted_at: Option<i64>,
    /// Compliance findings of the current round, JSON array text.
    pub findings: String,
    /// Current version number.
    pub version: i64,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

macro_rules! product_columns {
    () => {
        "id, name, brand_id, category_id, description, images, attributes, options, allow_below_cost, \
         status, review_level, review_levels, review_round, submitted_by, submitted_at, findings, version, \
         created_by, created_at, updated_at"
    };
}

/// The same columns qualified with `p.`, for joins.
macro_rules! product_columns_p {
    () => {
        "p.id, p.name, p.brand_id, p.category_id, p.description, p.images, p.attributes, p.options, \
         p.allow_below_cost, p.status, p.review_level, p.review_levels, p.review_round, p.submitted_by, \
         p.submitted_at, p.findings, p.version, p.created_by, p.created_at, p.updated_at"
    };
}

/// Stores a new product. A brand or category of another merchant cannot be referenced:
/// the app checks them first, within the same transaction.
pub async fn insert_product(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ProductRow,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO products (merchant_id, id, name, name_search, brand_id, category_id, \
         description, images, attributes, options, allow_below_cost, status, review_level, review_levels, \
         review_round, submitted_by, submitted_at, findings, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.name)
        .bind(row.name.to_lowercase())
        .bind(row.brand_id)
        .bind(row.category_id)
        .bind(&row.description)
        .bind(&row.images)
        .bind(&row.attributes)
        .bind(&row.options)
        .bind(row.allow_below_cost)
        .bind(&row.status)
        .bind(row.review_level)
        .bind(row.review_levels)
        .bind(row.review_round)
        .bind(row.submitted_by)
        .bind(row.submitted_at)
        .bind(&row.findings)
        .bind(row.version)
        .bind(row.created_by)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "products.id"))
}

/// Writes every mutable column of a product, if its version is still `expected_version`
/// (optimistic locking: a concurrent edit makes this return `false`).
pub async fn update_product(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &ProductRow,
    expected_version: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE products SET name = $3, name_search = $4, brand_id = $5, category_id = $6, \
         description = $7, images = $8, attributes = $9, options = $10, allow_below_cost = $11, status = $12, \
         review_level = $13, review_levels = $14, review_round = $15, submitted_by = $16, submitted_at = $17, \
         findings = $18, version = $19, updated_at = $20 \
         WHERE merchant_id = $1 AND id = $2 AND version = $21";
    let affected = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.name)
        .bind(row.name.to_lowercase())
        .bind(row.brand_id)
        .bind(row.category_id)
        .bind(&row.description)
        .bind(&row.images)
        .bind(&row.attributes)
        .bind(&row.options)
        .bind(row.allow_below_cost)
        .bind(&row.status)
        .bind(row.review_level)
        .bind(row.review_levels)
        .bind(row.review_round)
        .bind(row.submitted_by)
        .bind(row.submitted_at)
        .bind(&row.findings)
        .bind(row.version)
        .bind(row.updated_at)
        .bind(expected_version)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// One product of the merchant.
pub async fn get_product(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<ProductRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        product_columns!(),
        " FROM products WHERE merchant_id = $1 AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ProductRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// A SKU as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SkuRow {
    /// Id.
    pub id: Uuid,
    /// The product.
    pub product_id: Uuid,
    /// Code, as entered.
    pub code: String,
    /// EAN-13/UPC-A/EAN-8.
    pub barcode: Option<String>,
    /// Option values, JSON object text.
    pub options: String,
    /// Price in minor units.
    pub price_minor: i64,
    /// Cost in minor units.
    pub cost_minor: Option<i64>,
    /// ISO 4217 code of price and cost.
    pub currency: String,
    /// Grams.
    pub weight_grams: Option<i64>,
    /// `active` or `inactive`.
    pub status: String,
    /// Display order within the product.
    pub position: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

macro_rules! sku_columns {
    () => {
        "s.id, s.product_id, s.code, s.barcode, s.options, s.price_minor, s.cost_minor, s.currency, \
         s.weight_grams, s.status, s.position, s.created_at, s.updated_at"
    };
}

/// Which unique key of `skus` a violation broke. One statement can break either, and
/// sqlx-sqlite gives no constraint name, so read the column from the engine's message
/// ("UNIQUE constraint failed: skus.merchant_id, skus.barcode") or PostgreSQL's
/// constraint name (`skus_merchant_barcode_key`).
fn sku_error(err: sqlx::Error) -> StoreError {
    let barcode = match &err {
        sqlx::Error::Database(db) => {
            db.constraint().is_some_and(|c| c.contains("barcode"))
                || db.message().contains("barcode")
        }
        _ => false,
    };
    StoreError::from_sqlx(err, if barcode { "skus.barcode" } else { "skus.code" })
}

/// Stores a SKU. Fails with `Conflict { key: "skus.code" }` or `{ key: "skus.barcode" }`
/// when the merchant already has that code (ignoring case) or barcode.
pub async fn insert_sku(tx: &mut Tx, merchant: MerchantId, row: &SkuRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO skus (merchant_id, id, product_id, code, code_key, barcode, options, \
         price_minor, cost_minor, currency, weight_grams, status, position, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.product_id)
        .bind(&row.code)
        .bind(row.code.to_ascii_uppercase())
        .bind(&row.barcode)
        .bind(&row.options)
        .bind(row.price_minor)
        .bind(row.cost_minor)
        .bind(&row.currency)
        .bind(row.weight_grams)
        .bind(&row.status)
        .bind(row.position)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(sku_error)
}

/// Writes every mutable column of a SKU; `false` if the merchant has no such SKU on
/// that product. Same conflicts as [`insert_sku`].
pub async fn update_sku(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &SkuRow,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE skus SET code = $4, code_key = $5, barcode = $6, options = $7, price_minor = $8, \
         cost_minor = $9, currency = $10, weight_grams = $11, status = $12, position = $13, updated_at = $14 \
         WHERE merchant_id = $1 AND id = $2 AND product_id = $3";
    let affected = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(row.product_id)
        .bind(&row.code)
        .bind(row.code.to_ascii_uppercase())
        .bind(&row.barcode)
        .bind(&row.options)
        .bind(row.price_minor)
        .bind(row.cost_minor)
        .bind(&row.currency)
        .bind(row.weight_grams)
        .bind(&row.status)
        .bind(row.position)
        .bind(row.updated_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(sku_error)?;
    Ok(affected == 1)
}

/// The SKUs of a product, in display order.
pub async fn product_skus(
    tx: &mut Tx,
    merchant: MerchantId,
    product: Uuid,
) -> Result<Vec<SkuRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        sku_columns!(),
        " FROM skus s WHERE s.merchant_id = $1 AND s.product_id = $2 ORDER BY s.position, s.id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, SkuRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(product)
        .fetch_all(c)
        .await)?)
}

/// Which of `ids` the merchant may sell now: active SKUs of listed products. Unknown ids,
/// other merchants' SKUs and unsellable ones are simply absent from the result.
pub async fn sellable_skus(
    tx: &mut Tx,
    merchant: MerchantId,
    ids: &[Uuid],
) -> Result<Vec<SkuRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(merchant);
    let list: Vec<String> = ids.iter().map(|id| q.arg(Arg::Uuid(*id))).collect();
    q.sql = format!(
        concat!(
            "SELECT ",
            sku_columns!(),
            " FROM skus s JOIN products p ON p.id = s.product_id AND p.merchant_id = s.merchant_id ",
            "WHERE s.merchant_id = $1 AND s.id IN ({}) AND s.status = 'active' AND p.status = 'listed' ",
            "ORDER BY s.id"
        ),
        list.join(", ")
    );
    q.fetch_all::<SkuRow>(tx).await
}

/// Filters shared by the product and SKU lists; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter<'a> {
    /// Product status code.
    pub status: Option<&'a str>,
    /// Brand.
    pub brand: Option<Uuid>,
    /// Category subtree: the materialised path of its root.
    pub category_path: Option<&'a str>,
    /// Free text: a substring of the product name (any case), or an exact SKU code (any
    /// case) or barcode.
    pub search: Option<&'a str>,
}

/// A value bound to a dynamically assembled statement.
#[derive(Debug, Clone)]
enum Arg {
    Uuid(Uuid),
    Text(String),
    Int(i64),
}

/// A statement assembled from fixed fragments, with its bound values. `$1` is always the
/// merchant.
#[derive(Debug)]
struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    fn new(merchant: MerchantId) -> Self {
        Self {
            sql: String::new(),
            args: vec![Arg::Uuid(merchant.as_uuid())],
        }
    }

    /// Binds a value and returns its placeholder.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// Appends the product filters (`p` is the products alias).
    fn filter(&mut self, filter: &CatalogFilter<'_>, search_sku: &str) {
        if let Some(status) = filter.status {
            let p = self.arg(Arg::Text(status.to_owned()));
            self.sql.push_str(&format!(" AND p.status = {p}"));
        }
        if let Some(brand) = filter.brand {
            let p = self.arg(Arg::Uuid(brand));
            self.sql.push_str(&format!(" AND p.brand_id = {p}"));
        }
        if let Some(path) = filter.category_path {
            let p = self.arg(Arg::Text(path.to_owned()));
            self.sql.push_str(&format!(
                " AND p.category_id IN (SELECT c.id FROM categories c WHERE c.merchant_id = $1 \
                 AND substr(c.path, 1, length({p})) = {p})"
            ));
        }
        if let Some(search) = filter.search.map(str::trim).filter(|s| !s.is_empty()) {
            let like = self.arg(Arg::Text(format!(
                "%{}%",
                escape_like(&search.to_lowercase())
            )));
            let code = self.arg(Arg::Text(search.to_ascii_uppercase()));
            let barcode = self.arg(Arg::Text(search.to_owned()));
            let sku_match = search_sku
                .replace("{code}", &code)
                .replace("{barcode}", &barcode);
            self.sql.push_str(&format!(
                " AND (p.name_search LIKE {like} ESCAPE '\\' OR {sku_match})"
            ));
        }
    }

    async fn fetch_all<R>(self, tx: &mut Tx) -> Result<Vec<R>, StoreError>
    where
        R: Send + Unpin,
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let Self { sql, args } = self;
        Ok(with_conn!(tx, |c| {
            let mut q = sqlx::query_as::<_, R>(AssertSqlSafe(sql));
            for arg in args {
                q = match arg {
                    Arg::Uuid(v) => q.bind(v),
                    Arg::Text(v) => q.bind(v),
                    Arg::Int(v) => q.bind(v),
                };
            }
            q.fetch_all(c).await
        })?)
    }
}

/// Escapes LIKE's wildcards (and the escape character) so user text matches literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A page of the merchant's products matching `filter`, after the product `after`.
pub async fn list_products(
    tx: &mut Tx,
    merchant: MerchantId,
    filter: &CatalogFilter<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ProductRow>, StoreError> {
    let mut q = Query::new(merchant);
    q.sql = concat!(
        "SELECT ",
        product_columns_p!(),
        " FROM products p WHERE p.merchant_id = $1"
    )
    .to_owned();
    q.filter(
        filter,
        "p.id IN (SELECT s.product_id FROM skus s WHERE s.merchant_id = $1 \
         AND (s.code_key = {code} OR s.barcode = {barcode}))",
    );
    finish_page(&mut q, "p.id", after, limit);
    q.fetch_all::<ProductRow>(tx).await
}

/// A SKU with the product fields lists and exports show beside it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SkuListRow {
    /// The SKU.
    #[sqlx(flatten)]
    pub sku: SkuRow,
    /// Its product's name.
    pub product_name: String,
    /// Its product's status code.
    pub product_status: String,
    /// Its product's brand.
    pub brand_id: Option<Uuid>,
    /// Its product's category.
    pub category_id: Option<Uuid>,
}

/// A page of the merchant's SKUs whose products match `filter` (the search also matches
/// the SKU's own code or barcode), after the SKU `after`.
pub async fn list_skus(
    tx: &mut Tx,
    merchant: MerchantId,
    filter: &CatalogFilter<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<SkuListRow>, StoreError> {
    let mut q = Query::new(merchant);
    q.sql = concat!(
        "SELECT ",
        sku_columns!(),
        ", p.name AS product_name, p.status AS product_status, p.brand_id, p.category_id ",
        "FROM skus s JOIN products p ON p.id = s.product_id AND p.merchant_id = s.merchant_id ",
        "WHERE s.merchant_id = $1"
    )
    .to_owned();
    q.filter(filter, "(s.code_key = {code} OR s.barcode = {barcode})");
    finish_page(&mut q, "s.id", after, limit);
    q.fetch_all::<SkuListRow>(tx).await
}

/// Adds the keyset condition, order and limit.
fn finish_page(q: &mut Query, id: &str, after: Option<Uuid>, limit: u32) {
    if let Some(after) = after {
        let p = q.arg(Arg::Uuid(after));
        q.sql.push_str(&format!(" AND {id} > {p}"));
    }
    let p = q.arg(Arg::Int(i64::from(limit)));
    q.sql.push_str(&format!(" ORDER BY {id} LIMIT {p}"));
}

/// How many products and SKUs the merchant has (for dashboards and tests).
pub async fn counts(tx: &mut Tx, merchant: MerchantId) -> Result<(i64, i64), StoreError> {
    const SQL: &str = "SELECT (SELECT COUNT(*) FROM products WHERE merchant_id = $1), \
         (SELECT COUNT(*) FROM skus WHERE merchant_id = $1)";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, (i64, i64)>(SQL)
        .bind(merchant.as_uuid())
        .fetch_one(c)
        .await)?)
}

/// The SKUs with these codes (upper-cased keys) that the merchant already has, for
/// imports that report every taken code at once (and so never hit the unique key, which on
/// PostgreSQL would abort the whole transaction).
pub async fn taken_codes(
    tx: &mut Tx,
    merchant: MerchantId,
    code_keys: &[String],
) -> Result<Vec<String>, StoreError> {
    taken(tx, merchant, "code_key", code_keys).await
}

/// The barcodes among `barcodes` that the merchant's SKUs already carry.
pub async fn taken_barcodes(
    tx: &mut Tx,
    merchant: MerchantId,
    barcodes: &[String],
) -> Result<Vec<String>, StoreError> {
    taken(tx, merchant, "barcode", barcodes).await
}

/// `column` is one of the two fixed names above, never caller text.
async fn taken(
    tx: &mut Tx,
    merchant: MerchantId,
    column: &'static str,
    values: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut taken = Vec::new();
    // Chunks keep the statement under SQLite's bound-parameter limit.
    for chunk in values.chunks(500) {
        let mut q = Query::new(merchant);
        let list: Vec<String> = chunk.iter().map(|k| q.arg(Arg::Text(k.clone()))).collect();
        q.sql = format!(
            "SELECT {column} FROM skus WHERE merchant_id = $1 AND {column} IN ({})",
            list.join(", ")
        );
        let rows: Vec<(String,)> = q.fetch_all(&mut *tx).await?;
        taken.extend(rows.into_iter().map(|(k,)| k));
    }
    Ok(taken)
}

/// The merchant's SKUs with these codes (upper-cased keys), for callers that name SKUs by
/// code (channels, order intake). Unknown codes are simply absent.
pub async fn skus_by_codes(
    tx: &mut Tx,
    merchant: MerchantId,
    code_keys: &[String],
) -> Result<Vec<SkuRow>, StoreError> {
    let mut out = Vec::new();
    // Chunks keep the statement under SQLite's bound-parameter limit.
    for chunk in code_keys.chunks(500) {
        let mut q = Query::new(merchant);
        let list: Vec<String> = chunk.iter().map(|k| q.arg(Arg::Text(k.clone()))).collect();
        q.sql = format!(
            concat!(
                "SELECT ",
                sku_columns!(),
                " FROM skus s WHERE s.merchant_id = $1 AND s.code_key IN ({}) ORDER BY s.id"
            ),
            list.join(", ")
        );
        out.extend(q.fetch_all::<SkuRow>(&mut *tx).await?);
    }
    Ok(out)
}

/// A product awaiting a review decision, with who submitted its current round.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRow {
    /// The product.
    #[sqlx(flatten)]
    pub product: ProductRow,
    /// Email or key name of the round's submitter, from the review log.
    pub submitter_label: Option<String>,
}

/// A page of the merchant's products in review, oldest submission first; `after` is the
/// last product of the previous page. With `reviewer`, only those they may decide: not
/// submitted by them, and no level of the current round approved by them. The submitter
/// comes from the review log in the same statement, so a page is one query.
pub async fn review_queue(
    tx: &mut Tx,
    merchant: MerchantId,
    reviewer: Option<Uuid>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<QueueRow>, StoreError> {
    let mut q = Query::new(merchant);
    q.sql = concat!(
        "SELECT ",
        product_columns_p!(),
        ", (SELECT r.actor_label FROM product_reviews r WHERE r.merchant_id = p.merchant_id \
         AND r.product_id = p.id AND r.round = p.review_round AND r.action IN ('submit', 'resubmit') \
         ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS submitter_label \
         FROM products p WHERE p.merchant_id = $1 AND p.status = 'in_review'"
    )
    .to_owned();
    if let Some(reviewer) = reviewer {
        let me = q.arg(Arg::Uuid(reviewer));
        q.sql.push_str(&format!(
            " AND (p.submitted_by IS NULL OR p.submitted_by <> {me}) \
             AND NOT EXISTS (SELECT 1 FROM product_reviews r WHERE r.merchant_id = $1 \
             AND r.product_id = p.id AND r.round = p.review_round AND r.action = 'approve' \
             AND r.actor_id = {me})"
        ));
    }
    if let Some(after) = after {
        // Keyset on (submitted_at, id), read from the cursor's own row.
        let p = q.arg(Arg::Uuid(after));
        q.sql.push_str(&format!(
            " AND (p.submitted_at, p.id) > (SELECT c.submitted_at, c.id FROM products c \
             WHERE c.merchant_id = $1 AND c.id = {p})"
        ));
    }
    let p = q.arg(Arg::Int(i64::from(limit)));
    q.sql
        .push_str(&format!(" ORDER BY p.submitted_at, p.id LIMIT {p}"));
    q.fetch_all::<QueueRow>(tx).await
}
