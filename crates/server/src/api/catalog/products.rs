//! Products: list (filters, search, cursor paging), create (explicit SKUs, or generated
//! from the options), read with SKUs, edit. Editing a sale-relevant field of a product
//! under review or on sale sends it back to review (see ADR 0012).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::catalog::{self, GenerateSkus, ProductInput, ProductPatch};
use omnihub_domain::catalog::{BrandId, CategoryId, ProductId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{
    ListParams, MoneyInput, OptionDto, ProductDto, SkuBody, one_currency, page, present,
};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product))
}

/// Asks for one SKU per combination of the options' values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    /// Codes become `<PREFIX>-<VALUE>-<VALUE>` (upper-cased).
    pub code_prefix: String,
    /// Price of each.
    pub price: MoneyInput,
    /// Cost of each.
    pub cost: Option<MoneyInput>,
    /// Weight of each: `500` (grams), `500g` or `1.5kg`.
    pub weight: Option<String>,
}

/// A new product. It starts as a `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// 1-200 characters.
    pub name: String,
    /// A brand of this merchant.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub brand_id: Option<BrandId>,
    /// A category of this merchant.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub category_id: Option<CategoryId>,
    /// Description (at most 20,000 characters).
    #[serde(default)]
    pub description: String,
    /// Image URLs (https, at most 20).
    #[serde(default)]
    pub images: Vec<String>,
    /// Attributes (`Material` → `Cotton`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Up to 3 options with up to 50 values each (at most 500 combinations).
    #[serde(default)]
    pub options: Vec<OptionDto>,
    /// May be priced below cost without a compliance error.
    #[serde(default)]
    pub allow_below_cost: bool,
    /// The SKUs, each naming one value of every option.
    #[serde(default)]
    pub skus: Vec<SkuBody>,
    /// Instead of `skus`: one SKU per option combination.
    pub generate: Option<GenerateBody>,
}

impl TryFrom<CreateProduct> for ProductInput {
    type Error = ApiError;
    fn try_from(b: CreateProduct) -> Result<Self, ApiError> {
        let skus = b
            .skus
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.into_input(&format!("skus[{i}].")))
            .collect::<Result<_, _>>()?;
        let generate = match b.generate {
            Some(g) => Some(GenerateSkus {
                currency: one_currency("generate.", Some(&g.price), g.cost.as_ref())?,
                code_prefix: g.code_prefix,
                price: g.price.amount,
                cost: g.cost.map(|c| c.amount),
                weight: g.weight,
            }),
            None => None,
        };
        Ok(Self {
            name: b.name,
            brand_id: b.brand_id,
            category_id: b.category_id,
            description: b.description,
            images: b.images,
            attributes: b.attributes,
            options: b.options.into_iter().map(Into::into).collect(),
            allow_below_cost: b.allow_below_cost,
            skus,
            generate,
        })
    }
}

/// Changes to a product's own fields; a field left out keeps its value, `null` clears
/// brand or category.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    /// Name.
    pub name: Option<String>,
    /// Brand; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub brand_id: Option<Option<BrandId>>,
    /// Category; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub category_id: Option<Option<CategoryId>>,
    /// Description.
    pub description: Option<String>,
    /// Image URLs (replaces them all).
    pub images: Option<Vec<String>>,
    /// Attributes (replaces them all).
    pub attributes: Option<BTreeMap<String, String>>,
    /// Options (every existing SKU must still fit them).
    pub options: Option<Vec<OptionDto>>,
    /// May be priced below cost.
    pub allow_below_cost: Option<bool>,
    /// Refuse (409 `version-mismatch`) unless the product is still at this version.
    pub expected_version: Option<i64>,
}

impl From<UpdateProduct> for ProductPatch {
    fn from(b: UpdateProduct) -> Self {
        Self {
            name: b.name,
            brand_id: b.brand_id,
            category_id: b.category_id,
            description: b.description,
            images: b.images,
            attributes: b.attributes,
            options: b.options.map(|o| o.into_iter().map(Into::into).collect()),
            allow_below_cost: b.allow_below_cost,
            expected_version: b.expected_version,
        }
    }
}

/// A page of products (without SKUs), oldest first. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products", tag = "catalog", params(ListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<ProductDto>),
    (status = 400, description = "Bad limit, cursor or id", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown status or category", body = Problem, content_type = "application/problem+json")
))]
async fn list_products(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<ProductDto>>> {
    let m = merchant(&auth)?;
    let products = catalog::list(&state.app, &auth.actor, m, params.into_query()?).await?;
    Ok(Json(page(products)))
}

/// Creates a draft product with its SKUs and version 1 of its history. Needs
/// `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products", tag = "catalog", request_body = CreateProduct, security(("bearer" = [])), responses(
    (status = 201, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`skus[0].code` `taken`, `skus[0].barcode` `check_digit`, `images[0]`, `options` ...)", body = Problem, content_type = "application/problem+json")
))]
async fn create_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateProduct>,
) -> ApiResult<(StatusCode, Json<ProductDto>)> {
    let m = merchant(&auth)?;
    let product = catalog::create(&state.app, &auth.actor, m, body.try_into()?).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

/// One product with its SKUs. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        catalog::get(&state.app, &auth.actor, m, id).await?.into(),
    ))
}

/// Edits a product's own fields, storing a new version. A sale-relevant change to a
/// product that was submitted, approved, listed or delisted sends it back to review level
/// 1. Needs `catalog.write`; audited.
#[utoipa::path(patch, path = "/api/v1/catalog/products/{product_id}", tag = "catalog", request_body = UpdateProduct, params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`version-mismatch` or `concurrent-edit`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn update_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
    ApiJson(body): ApiJson<UpdateProduct>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    let product = catalog::update(&state.app, &auth.actor, m, id, body.into()).await?;
    Ok(Json(product.into()))
}
