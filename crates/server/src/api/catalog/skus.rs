//! SKUs: add to a product, read, edit, the flat SKU list with search, and the sellability
//! check that order intake and channels call before selling.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::catalog::{self, SkuPatch};
use omnihub_domain::catalog::{ProductId, SkuId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{
    ListParams, MoneyInput, ProductDto, SkuBody, SkuDto, SkuListItemDto, one_currency, page,
    present,
};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_sku))
        .routes(routes!(get_sku, update_sku))
        .routes(routes!(list_skus))
        .routes(routes!(check_sellability))
}

/// Changes to a SKU; a field left out keeps its value, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSku {
    /// Code.
    pub code: Option<String>,
    /// Barcode; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub barcode: Option<Option<String>>,
    /// Option values.
    pub options: Option<BTreeMap<String, String>>,
    /// Price (sale-relevant: a listed product goes back to review).
    pub price: Option<MoneyInput>,
    /// Cost; `null` clears it (not sale-relevant).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MoneyInput>)]
    pub cost: Option<Option<MoneyInput>>,
    /// Weight: `500` (grams), `500g` or `1.5kg`; `null` clears it (not sale-relevant).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub weight: Option<Option<String>>,
    /// `active` or `inactive`.
    pub status: Option<String>,
    /// Display order.
    pub position: Option<i64>,
    /// Refuse (409 `version-mismatch`) unless the product is still at this version.
    pub expected_version: Option<i64>,
}

impl TryFrom<UpdateSku> for SkuPatch {
    type Error = ApiError;
    fn try_from(b: UpdateSku) -> Result<Self, ApiError> {
        let cost = b.cost.as_ref().and_then(Option::as_ref);
        let currency = one_currency("", b.price.as_ref(), cost)?;
        Ok(Self {
            code: b.code,
            barcode: b.barcode,
            options: b.options,
            price: b.price.map(|p| p.amount),
            cost: b.cost.map(|c| c.map(|c| c.amount)),
            currency,
            weight: b.weight,
            status: b.status,
            position: b.position,
            expected_version: b.expected_version,
        })
    }
}

/// SKUs to check, by id and/or by code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellabilityQuery {
    /// SKU ids.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub sku_ids: Vec<SkuId>,
    /// SKU codes (any case).
    #[serde(default)]
    pub sku_codes: Vec<String>,
}

/// Every SKU asked about may be sold.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sellability {
    /// Always `true` (otherwise the answer is a 409 problem).
    pub sellable: bool,
    /// The SKUs, ids first then codes, in the order asked.
    pub skus: Vec<SkuDto>,
}

/// Adds a SKU to a product (a new version; sale-relevant). Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products/{product_id}/skus", tag = "catalog", request_body = SkuBody, params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 201, description = "The product with the new SKU", body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors, e.g. `code` `taken`", body = Problem, content_type = "application/problem+json")
))]
async fn add_sku(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
    ApiJson(body): ApiJson<SkuBody>,
) -> ApiResult<(StatusCode, Json<ProductDto>)> {
    let m = merchant(&auth)?;
    let product = catalog::add_sku(&state.app, &auth.actor, m, id, body.into_input("")?).await?;
    Ok((StatusCode::CREATED, Json(product.into())))
}

/// One SKU of a product. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}/skus/{sku_id}", tag = "catalog", params(("product_id" = String, Path, description = "Product id"), ("sku_id" = String, Path, description = "SKU id")), security(("bearer" = [])), responses(
    (status = 200, body = SkuDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_sku(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((product, id)): ApiPath<(ProductId, SkuId)>,
) -> ApiResult<Json<SkuDto>> {
    let m = merchant(&auth)?;
    let sku = catalog::get_sku(&state.app, &auth.actor, m, product, id).await?;
    Ok(Json(sku.into()))
}

/// Edits a SKU (a new version). Price, code, barcode, options and status are
/// sale-relevant (a listed product goes back to review); cost and weight are not. Needs
/// `catalog.write`; audited.
#[utoipa::path(patch, path = "/api/v1/catalog/products/{product_id}/skus/{sku_id}", tag = "catalog", request_body = UpdateSku, params(("product_id" = String, Path, description = "Product id"), ("sku_id" = String, Path, description = "SKU id")), security(("bearer" = [])), responses(
    (status = 200, description = "The product with the edited SKU", body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`version-mismatch`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")
))]
async fn update_sku(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((product, id)): ApiPath<(ProductId, SkuId)>,
    ApiJson(body): ApiJson<UpdateSku>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    let patch = SkuPatch::try_from(body)?;
    let product = catalog::update_sku(&state.app, &auth.actor, m, product, id, patch).await?;
    Ok(Json(product.into()))
}

/// A page of SKUs with their product's main fields, oldest first; the search also matches
/// a SKU's own code or barcode. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/skus", tag = "catalog", params(ListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<SkuListItemDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn list_skus(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<SkuListItemDto>>> {
    let m = merchant(&auth)?;
    let skus = catalog::list_skus(&state.app, &auth.actor, m, params.into_query()?).await?;
    Ok(Json(page(skus)))
}

/// Checks that every SKU named may be sold now: an active SKU of a listed product of this
/// merchant. Otherwise 409 `sku-not-sellable`, whose `detail` names each SKU that is not
/// (unknown, inactive, or its product not listed). Order intake and channels call this
/// before selling. Needs `catalog.read`.
#[utoipa::path(post, path = "/api/v1/catalog/sellability", tag = "catalog", request_body = SellabilityQuery, security(("bearer" = [])), responses(
    (status = 200, body = Sellability),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`sku-not-sellable`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No SKU named, or more than 500", body = Problem, content_type = "application/problem+json")
))]
async fn check_sellability(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<SellabilityQuery>,
) -> ApiResult<Json<Sellability>> {
    let m = merchant(&auth)?;
    let skus =
        catalog::check_sellable(&state.app, &auth.actor, m, &body.sku_ids, &body.sku_codes).await?;
    let skus = skus.into_iter().map(SkuDto::from).collect();
    Ok(Json(Sellability {
        sellable: true,
        skus,
    }))
}
