//! DTOs shared by the catalogue routes: money, products, SKUs, and the list filters.
//!
//! Money in JSON is `{"amount": "19.90", "currency": "CNY"}` both ways: the amount is
//! decimal text in the currency's major unit (at most as many fraction digits as the
//! currency has; never a JSON number, so nothing is rounded on the way), the currency an
//! ISO 4217 code. On input the currency may be left out: the merchant's currency applies.

use std::collections::BTreeMap;

use omnihub_app::Error as AppError;
use omnihub_app::catalog::{
    Finding, ListQuery, Product, ProductOptionView, Sku, SkuInput, SkuListItem,
};
use omnihub_domain::catalog::{BrandId, CategoryId};
use omnihub_domain::money::Money;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::users::Paging;
use crate::error::ApiError;

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MoneyDto {
    /// Decimal text in the currency's major unit, e.g. `"19.90"`.
    pub amount: String,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        Self {
            amount: m.amount_text(),
            currency: m.currency().to_string(),
        }
    }
}

/// An amount of money as sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// Decimal text (`"19.90"`, `"20"`), not negative, with no more fraction digits than
    /// the currency has.
    pub amount: String,
    /// ISO 4217 code; the merchant's currency when left out.
    pub currency: Option<String>,
}

/// The one currency of a price and a cost, or a field error when they disagree.
pub(super) fn one_currency(
    prefix: &str,
    price: Option<&MoneyInput>,
    cost: Option<&MoneyInput>,
) -> Result<Option<String>, ApiError> {
    let p = price.and_then(|m| m.currency.clone());
    let c = cost.and_then(|m| m.currency.clone());
    match (p, c) {
        (Some(p), Some(c)) if !p.eq_ignore_ascii_case(&c) => Err(AppError::invalid(
            &format!("{prefix}cost.currency"),
            "mismatch",
            "price and cost must be in the same currency",
        )
        .into()),
        (p, c) => Ok(p.or(c)),
    }
}

/// Deserialises a present field (even `null`) as `Some`, so a missing field (`None`) can
/// be told from one set to `null` (`Some(None)`, which clears it).
pub(super) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A compliance finding of a review round.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    /// `required`, `banned_word`, `below_cost` or `image_url`.
    pub code: String,
    /// The field concerned.
    pub field: String,
    /// `error` (blocks submission) or `warning` (shown to reviewers).
    pub severity: String,
    /// What was found.
    pub message: String,
}

impl From<Finding> for FindingDto {
    fn from(f: Finding) -> Self {
        Self {
            code: f.code,
            field: f.field,
            severity: f.severity,
            message: f.message,
        }
    }
}

/// A product option and its values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionDto {
    /// Name, e.g. `Colour`.
    pub name: String,
    /// Values in display order.
    pub values: Vec<String>,
}

impl From<ProductOptionView> for OptionDto {
    fn from(o: ProductOptionView) -> Self {
        Self {
            name: o.name,
            values: o.values,
        }
    }
}

impl From<OptionDto> for omnihub_app::catalog::OptionInput {
    fn from(o: OptionDto) -> Self {
        Self {
            name: o.name,
            values: o.values,
        }
    }
}

/// A SKU: one sellable variant of a product.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuDto {
    /// Id.
    pub id: String,
    /// Its product.
    pub product_id: String,
    /// Code, unique per merchant ignoring case.
    pub code: String,
    /// EAN-13, UPC-A or EAN-8.
    pub barcode: Option<String>,
    /// One value of each of the product's options (`Colour` → `Red`).
    pub options: BTreeMap<String, String>,
    /// Selling price.
    pub price: MoneyDto,
    /// Cost, if known.
    pub cost: Option<MoneyDto>,
    /// Weight in grams.
    pub weight_grams: Option<i64>,
    /// `active` or `inactive`.
    pub status: &'static str,
    /// Display order within the product.
    pub position: i64,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

impl From<Sku> for SkuDto {
    fn from(s: Sku) -> Self {
        Self {
            id: s.id.to_string(),
            product_id: s.product_id.to_string(),
            code: s.code,
            barcode: s.barcode,
            options: s.options,
            price: s.price.into(),
            cost: s.cost.map(MoneyDto::from),
            weight_grams: s.weight_grams,
            status: s.status.code(),
            position: s.position,
            created_at: s.created_at.to_string(),
            updated_at: s.updated_at.to_string(),
        }
    }
}

/// A product with its SKUs (lists leave `skus` empty).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Brand.
    pub brand_id: Option<String>,
    /// Category.
    pub category_id: Option<String>,
    /// Description.
    pub description: String,
    /// Image URLs (https).
    pub images: Vec<String>,
    /// Attributes (`Material` → `Cotton`).
    pub attributes: BTreeMap<String, String>,
    /// Options, whose value combinations the SKUs take.
    pub options: Vec<OptionDto>,
    /// May be priced below cost without a compliance error.
    pub allow_below_cost: bool,
    /// `draft`, `in_review`, `approved`, `rejected`, `listed` or `delisted`. Only `listed`
    /// products are sold.
    pub status: &'static str,
    /// While `in_review`: the level awaiting a decision (from 1).
    pub review_level: Option<u8>,
    /// While `in_review`: how many levels this round needs.
    pub review_levels: Option<u8>,
    /// How many times it was submitted.
    pub review_round: i64,
    /// Who submitted the current round.
    pub submitted_by: Option<String>,
    /// When (RFC 3339).
    pub submitted_at: Option<String>,
    /// Compliance findings of the current round.
    pub findings: Vec<FindingDto>,
    /// Current version (1 at creation, +1 per edit); pass as `expected_version`.
    pub version: i64,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// SKUs in display order.
    pub skus: Vec<SkuDto>,
}

impl From<Product> for ProductDto {
    fn from(p: Product) -> Self {
        let (level, of) = p.status.review_parts();
        Self {
            id: p.id.to_string(),
            name: p.name,
            brand_id: p.brand_id.map(|b| b.to_string()),
            category_id: p.category_id.map(|c| c.to_string()),
            description: p.description,
            images: p.images,
            attributes: p.attributes,
            options: p.options.into_iter().map(OptionDto::from).collect(),
            allow_below_cost: p.allow_below_cost,
            status: p.status.code(),
            review_level: (level > 0).then_some(level),
            review_levels: (of > 0).then_some(of),
            review_round: p.review_round,
            submitted_by: p.submitted_by.map(|u| u.to_string()),
            submitted_at: p.submitted_at.map(|t| t.to_string()),
            findings: p.findings.into_iter().map(FindingDto::from).collect(),
            version: p.version,
            created_at: p.created_at.to_string(),
            updated_at: p.updated_at.to_string(),
            skus: p.skus.into_iter().map(SkuDto::from).collect(),
        }
    }
}

/// A SKU in the flat SKU list, with its product's main fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuListItemDto {
    /// The SKU.
    #[serde(flatten)]
    pub sku: SkuDto,
    /// Its product's name.
    pub product_name: String,
    /// Its product's status.
    pub product_status: String,
    /// Its product's brand.
    pub brand_id: Option<String>,
    /// Its product's category.
    pub category_id: Option<String>,
}

impl From<SkuListItem> for SkuListItemDto {
    fn from(s: SkuListItem) -> Self {
        Self {
            sku: s.sku.into(),
            product_name: s.product_name,
            product_status: s.product_status,
            brand_id: s.brand_id.map(|b| b.to_string()),
            category_id: s.category_id.map(|c| c.to_string()),
        }
    }
}

/// A SKU as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuBody {
    /// 1-64 of A-Z, a-z, 0-9, `-`, `_`, `.`, `/`; unique per merchant ignoring case.
    pub code: String,
    /// EAN-13, UPC-A or EAN-8 with a valid check digit.
    pub barcode: Option<String>,
    /// One value of each of the product's options.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Selling price.
    pub price: MoneyInput,
    /// Cost (same currency as the price).
    pub cost: Option<MoneyInput>,
    /// Weight: `500` (grams), `500g` or `1.5kg`.
    pub weight: Option<String>,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
}

impl SkuBody {
    /// The app's input; `prefix` names fields in errors (`skus[2].`).
    pub(super) fn into_input(self, prefix: &str) -> Result<SkuInput, ApiError> {
        let currency = one_currency(prefix, Some(&self.price), self.cost.as_ref())?;
        Ok(SkuInput {
            code: self.code,
            barcode: self.barcode,
            options: self.options,
            price: self.price.amount,
            cost: self.cost.map(|c| c.amount),
            currency,
            weight: self.weight,
            status: self.status,
        })
    }
}

/// Filters and paging of the product and SKU lists (and exports).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `in_review`, `approved`, `rejected`, `listed` or `delisted`.
    pub status: Option<String>,
    /// Brand id.
    #[param(value_type = Option<String>, format = Uuid)]
    pub brand_id: Option<BrandId>,
    /// Category id: products in it and in every category below it.
    #[param(value_type = Option<String>, format = Uuid)]
    pub category_id: Option<CategoryId>,
    /// A substring of the product name (any case), or an exact SKU code or barcode.
    pub q: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    /// The app's query (limit and cursor checked: a 400 problem when out of range).
    pub(super) fn into_query(self) -> Result<ListQuery, ApiError> {
        let paging = Paging {
            limit: self.limit,
            cursor: self.cursor,
        };
        let (cursor, limit) = paging.parse::<Uuid>()?;
        Ok(ListQuery {
            status: self.status,
            brand_id: self.brand_id,
            category_id: self.category_id,
            search: self.q,
            cursor,
            limit: Some(limit),
        })
    }
}

/// An API page from an app page (the app already knows whether more follow).
pub(super) fn page<T, U: From<T>>(p: omnihub_app::catalog::Page<T>) -> crate::api::Page<U> {
    crate::api::Page {
        items: p.items.into_iter().map(U::from).collect(),
        next_cursor: p.next_cursor.map(|c| c.to_string()),
    }
}
