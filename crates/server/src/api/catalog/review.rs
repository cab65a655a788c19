//! The listing review: submit (compliance checks first), decide level by level, list and
//! delist, the review log, and the queue of products a reviewer may decide.
//!
//! `draft → in_review(1..N) → approved → listed ⇄ delisted`; `rejected` from any level
//! (a reason is required); N is the `review_levels` setting. The submitter may not decide
//! their own round, and nobody may decide two levels of one round.

use axum::Json;
use axum::extract::State;
use omnihub_app::catalog::{self, QueueItem, ReviewEntry, ReviewInput};
use omnihub_domain::catalog::{Decision, ProductId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{FindingDto, ProductDto, page};
use super::merchant;
use crate::api::Page;
use crate::api::users::Paging;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_product))
        .routes(routes!(review_product))
        .routes(routes!(list_product))
        .routes(routes!(delist_product))
        .routes(routes!(product_reviews))
        .routes(routes!(review_queue))
}

/// A decision.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionDto {
    /// Pass this level.
    Approve,
    /// Refuse; a `reason` is required.
    Reject,
}

/// A review decision on the level awaiting one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// The level being decided (the product's `review_level`), 1-3.
    pub level: u8,
    /// `approve` or `reject`.
    pub decision: DecisionDto,
    /// Why (required to reject; at most 2000 characters).
    pub reason: Option<String>,
}

impl From<ReviewBody> for ReviewInput {
    fn from(b: ReviewBody) -> Self {
        Self {
            level: b.level,
            decision: match b.decision {
                DecisionDto::Approve => Decision::Approve,
                DecisionDto::Reject => Decision::Reject,
            },
            reason: b.reason,
        }
    }
}

/// One entry of a product's review log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewEntryDto {
    /// Submission round, from 1.
    pub round: i64,
    /// Level decided (0 for submit, resubmit, list, delist).
    pub level: i64,
    /// `submit`, `resubmit`, `approve`, `reject`, `list` or `delist`.
    pub action: String,
    /// The acting user.
    pub actor_id: Option<String>,
    /// Their email, or the API key's name.
    pub actor_label: String,
    /// Rejection reason.
    pub reason: Option<String>,
    /// Compliance findings (on submit and resubmit).
    pub findings: Vec<FindingDto>,
    /// When (RFC 3339).
    pub created_at: String,
}

impl From<ReviewEntry> for ReviewEntryDto {
    fn from(e: ReviewEntry) -> Self {
        Self {
            round: e.round,
            level: e.level,
            action: e.action,
            actor_id: e.actor_id.map(|a| a.to_string()),
            actor_label: e.actor_label,
            reason: e.reason,
            findings: e.findings.into_iter().map(FindingDto::from).collect(),
            created_at: e.created_at.to_string(),
        }
    }
}

/// Submits a draft or rejected product for review. Compliance errors (missing category,
/// description, image or active SKU; malformed image URL; price below cost without
/// `allow_below_cost`) refuse it with field errors; banned words are warnings kept in
/// `findings` for reviewers. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products/{product_id}/submit", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`illegal-transition`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Compliance errors", body = Problem, content_type = "application/problem+json")
))]
async fn submit_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        catalog::submit(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Decides the level awaiting a decision: approving the last level makes the product
/// `approved`, rejecting at any level makes it `rejected`. Needs `catalog.review`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products/{product_id}/review", tag = "catalog", request_body = ReviewBody, params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, description = "Missing catalog.review", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`own-submission`, `already-reviewed`, `wrong-review-level`, `illegal-transition`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A rejection without a reason", body = Problem, content_type = "application/problem+json")
))]
async fn review_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    let product = catalog::decide(&state.app, &auth.actor, m, id, body.into()).await?;
    Ok(Json(product.into()))
}

/// Puts an approved (or delisted) product on sale. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products/{product_id}/list", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`illegal-transition`", body = Problem, content_type = "application/problem+json")
))]
async fn list_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    let product = catalog::list_for_sale(&state.app, &auth.actor, m, id).await?;
    Ok(Json(product.into()))
}

/// Takes a listed product off sale. Needs `catalog.write`; audited.
#[utoipa::path(post, path = "/api/v1/catalog/products/{product_id}/delist", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = ProductDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`illegal-transition`", body = Problem, content_type = "application/problem+json")
))]
async fn delist_product(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<ProductDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        catalog::delist(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// A product's review log, oldest first, with each round's findings. Needs `catalog.read`.
#[utoipa::path(get, path = "/api/v1/catalog/products/{product_id}/reviews", tag = "catalog", params(("product_id" = String, Path, description = "Product id")), security(("bearer" = [])), responses(
    (status = 200, body = Vec<ReviewEntryDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn product_reviews(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<ProductId>,
) -> ApiResult<Json<Vec<ReviewEntryDto>>> {
    let m = merchant(&auth)?;
    let log = catalog::reviews(&state.app, &auth.actor, m, id).await?;
    Ok(Json(log.into_iter().map(ReviewEntryDto::from).collect()))
}

/// The products in review that the caller may decide (not their own submissions, no level
/// of the round already approved by them), oldest submission first, each with its
/// compliance `findings` and the `review_level` awaiting a decision. Needs `catalog.review`.
#[utoipa::path(get, path = "/api/v1/catalog/review-queue", tag = "catalog", params(Paging), security(("bearer" = [])), responses(
    (status = 200, body = Page<QueueItemDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Missing catalog.review", body = Problem, content_type = "application/problem+json")
))]
async fn review_queue(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<QueueItemDto>>> {
    let m = merchant(&auth)?;
    let (after, limit) = paging.parse::<ProductId>()?;
    let scope = catalog::QueueScope::Decidable;
    let queue = catalog::review_queue(&state.app, &auth.actor, m, scope, after, limit).await?;
    Ok(Json(page(queue)))
}

/// A product in the review queue: the product, and who submitted the current round.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItemDto {
    /// The product (its `status` names the level awaiting a decision, `findings` the
    /// compliance checks' results).
    #[serde(flatten)]
    pub product: ProductDto,
    /// Who submitted the round (email or API key name).
    pub submitter: String,
}

impl From<QueueItem> for QueueItemDto {
    fn from(item: QueueItem) -> Self {
        Self {
            product: ProductDto::from(item.product),
            submitter: item.submitter,
        }
    }
}
