//! The listing review (CAT-3): submit (automatic compliance checks first), decisions level
//! by level, listing and delisting, the review log, and the sellable checks later order
//! and allocation code call.
//!
//! Reviewers need `catalog.review`; nobody may decide on a round they submitted, nor decide
//! two levels of one round (each level is another pair of eyes). A review needs an
//! identifiable person: the operator's CLI (`system`) cannot review.

use omnihub_domain::access::Permission;
use omnihub_domain::catalog::{
    ComplianceFinding, ComplianceInput, Decision, ProductId, ProductStatus, SkuId, TransitionError,
    check_compliance, check_reviewer, has_errors,
};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::catalog::{self as store, ProductRow, ReviewRow, SkuRow};
use omnihub_store::{StoreError, Tx, time};

use super::products::load;
use super::{Finding, Product, Sku, actor_parts, json, json_text, load_settings};
use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// Runs the automatic compliance checks on a product's current content.
pub(crate) fn compliance(
    row: &ProductRow,
    skus: &[SkuRow],
    banned: &[String],
) -> Result<Vec<ComplianceFinding>> {
    let images: Vec<String> = json(&row.images)?;
    let attributes: std::collections::BTreeMap<String, String> = json(&row.attributes)?;
    let input = ComplianceInput {
        name: &row.name,
        description: &row.description,
        has_category: row.category_id.is_some(),
        images: images.iter().map(String::as_str).collect(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        skus: skus
            .iter()
            .filter(|s| s.status == "active")
            .map(|s| (s.code.as_str(), s.price_minor, s.cost_minor))
            .collect(),
        allow_below_cost: row.allow_below_cost,
    };
    Ok(check_compliance(&input, banned))
}

/// Refuses with one field error per blocking finding (code `compliance.<code>`).
pub(crate) fn findings_as_errors(findings: &[ComplianceFinding]) -> Result<()> {
    if !has_errors(findings) {
        return Ok(());
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == omnihub_domain::catalog::Severity::Error)
        .map(|f| FieldError::new(f.field.clone(), f.code, &f.message))
        .collect();
    Err(Error::Validation(errors))
}

fn transition(e: TransitionError) -> Error {
    Error::Conflict {
        code: e.code(),
        message: e.to_string(),
    }
}

fn status_of(row: &ProductRow) -> Result<ProductStatus> {
    ProductStatus::from_parts(&row.status, row.review_level, row.review_levels)
        .ok_or_else(|| StoreError::Corrupt(format!("product {}: status", row.id)).into())
}

fn set_status(row: &mut ProductRow, status: ProductStatus) {
    let (level, of) = status.review_parts();
    row.status = status.code().to_owned();
    row.review_level = level.into();
    row.review_levels = of.into();
}

/// A review round about to start.
pub(crate) struct Round<'a> {
    /// The in-review status it starts at.
    pub status: ProductStatus,
    /// The compliance findings for reviewers.
    pub findings: &'a [ComplianceFinding],
    /// `submit` or `resubmit`.
    pub action: &'a str,
}

/// Starts a review round on `row` (not yet written): next round number, submitter, the
/// findings, and the log entry.
pub(crate) async fn start_round(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut ProductRow,
    round: Round<'_>,
) -> Result<()> {
    let Round {
        status,
        findings,
        action,
    } = round;
    let now = time::to_db(app.now());
    let stored: Vec<Finding> = findings.iter().cloned().map(Finding::from).collect();
    set_status(row, status);
    row.review_round += 1;
    row.submitted_by = actor.user().map(|u| u.as_uuid());
    row.submitted_at = Some(now);
    row.findings = json_text(&stored)?;
    log(
        app,
        tx,
        actor,
        merchant,
        row,
        0,
        action,
        None,
        Some(row.findings.clone()),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn log(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &ProductRow,
    level: i64,
    action: &str,
    reason: Option<String>,
    findings: Option<String>,
) -> Result<()> {
    let (_, _, actor_label) = actor_parts(actor);
    let entry = ReviewRow {
        id: app.ids.new_id(),
        product_id: row.id,
        round: row.review_round,
        level,
        action: action.to_owned(),
        actor_id: actor.user().map(|u| u.as_uuid()),
        actor_label,
        reason,
        findings,
        created_at: time::to_db(app.now()),
    };
    Ok(store::insert_review(tx, merchant, &entry).await?)
}

/// Writes a status change (no content change, so no new version) and audits it.
async fn save_status(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    old: &ProductRow,
    row: &ProductRow,
    action: &str,
) -> Result<()> {
    let mut row = row.clone();
    row.updated_at = time::to_db(app.now());
    if !store::update_product(tx, merchant, &row, old.version).await? {
        return Err(Error::Conflict {
            code: "concurrent-edit",
            message: "the product was changed by someone else; reload and try again".to_owned(),
        });
    }
    let view = |r: &ProductRow| serde_json::json!({"status": r.status, "review_level": r.review_level, "review_round": r.review_round});
    let change = Change {
        action,
        entity_type: "product",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: Some(view(old)),
        after: Some(view(&row)),
    };
    audit::record(app, tx, actor, change).await
}

/// Submits a draft or rejected product for review. The compliance checks run first:
/// errors (missing required fields, malformed image URLs, price below cost without the
/// flag) refuse the submission with field errors; warnings (banned words) are stored with
/// the round and shown to reviewers. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn submit(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let (old, skus) = load(&mut tx, merchant, id).await?;
    let settings = load_settings(&mut tx, merchant).await?;
    let next = status_of(&old)?
        .submit(settings.review_levels)
        .map_err(transition)?;
    let findings = compliance(&old, &skus, &settings.banned_words)?;
    findings_as_errors(&findings)?;
    let mut row = old.clone();
    let round = Round {
        status: next,
        findings: &findings,
        action: "submit",
    };
    start_round(app, &mut tx, actor, merchant, &mut row, round).await?;
    save_status(app, &mut tx, actor, merchant, &old, &row, "product.submit").await?;
    tx.commit().await?;
    Product::from_rows(&row, &skus)
}

/// A review decision as received.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    /// The level being decided (the one awaiting a decision).
    pub level: u8,
    /// Approve or reject.
    pub decision: Decision,
    /// Why; required to reject.
    pub reason: Option<String>,
}

/// Decides the current review level. Approving the last level makes the product
/// `approved`; rejecting at any level makes it `rejected` with the reason. Needs
/// `catalog.review`; the submitter and earlier approvers of this round are refused.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn decide(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
    input: ReviewInput,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogReview)?;
    let reviewer = actor.user().ok_or(Error::Forbidden(
        "a review decision needs an identifiable reviewer",
    ))?;
    let mut tx = app.db.begin_write().await?;
    let (old, skus) = load(&mut tx, merchant, id).await?;
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(Error::invalid(
            "reason",
            "too_long",
            "must be at most 2000 characters",
        ));
    }
    let next = status_of(&old)?
        .decide(input.level, input.decision, reason)
        .map_err(|e| match e {
            TransitionError::ReasonRequired => Error::invalid("reason", "required", e),
            other => transition(other),
        })?;
    let earlier: Vec<UserId> = store::round_approvers(&mut tx, merchant, old.id, old.review_round)
        .await?
        .into_iter()
        .map(UserId::from_uuid)
        .collect();
    let submitter = old.submitted_by.map(UserId::from_uuid);
    check_reviewer(&reviewer, submitter.as_ref(), &earlier).map_err(transition)?;
    let mut row = old.clone();
    set_status(&mut row, next);
    let (action, audit_action) = match input.decision {
        Decision::Approve => ("approve", "product.approve"),
        Decision::Reject => ("reject", "product.reject"),
    };
    let level = i64::from(input.level);
    log(
        app,
        &mut tx,
        actor,
        merchant,
        &row,
        level,
        action,
        reason.map(str::to_owned),
        None,
    )
    .await?;
    save_status(app, &mut tx, actor, merchant, &old, &row, audit_action).await?;
    tx.commit().await?;
    Product::from_rows(&row, &skus)
}

/// Puts an approved (or delisted) product on sale. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn list_for_sale(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
) -> Result<Product> {
    move_to(app, actor, merchant, id, ProductStatus::list, "list").await
}

/// Takes a listed product off sale. Needs `catalog.write`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn delist(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
) -> Result<Product> {
    move_to(app, actor, merchant, id, ProductStatus::delist, "delist").await
}

async fn move_to(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
    step: fn(ProductStatus) -> Result<ProductStatus, TransitionError>,
    action: &str,
) -> Result<Product> {
    actor.require_in(merchant, Permission::CatalogWrite)?;
    let mut tx = app.db.begin_write().await?;
    let (old, skus) = load(&mut tx, merchant, id).await?;
    let next = step(status_of(&old)?).map_err(transition)?;
    let mut row = old.clone();
    set_status(&mut row, next);
    log(app, &mut tx, actor, merchant, &row, 0, action, None, None).await?;
    save_status(
        app,
        &mut tx,
        actor,
        merchant,
        &old,
        &row,
        &format!("product.{action}"),
    )
    .await?;
    tx.commit().await?;
    Product::from_rows(&row, &skus)
}

/// One entry of a product's review log.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewEntry {
    /// Submission round (from 1).
    pub round: i64,
    /// Level decided (0 for submit, resubmit, list, delist).
    pub level: i64,
    /// `submit`, `resubmit`, `approve`, `reject`, `list` or `delist`.
    pub action: String,
    /// The acting user.
    pub actor_id: Option<UserId>,
    /// Email or key name.
    pub actor_label: String,
    /// Rejection reason.
    pub reason: Option<String>,
    /// Compliance findings (on submit and resubmit).
    pub findings: Vec<Finding>,
    /// When.
    pub created_at: jiff::Timestamp,
}

/// A product's review log, oldest first: what reviewers see beside the product. Needs
/// `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, product_id = %id), err)]
pub async fn reviews(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ProductId,
) -> Result<Vec<ReviewEntry>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    let mut tx = app.db.begin_read().await?;
    load(&mut tx, merchant, id).await?;
    store::list_reviews(&mut tx, merchant, id.as_uuid())
        .await?
        .into_iter()
        .map(|r| {
            Ok(ReviewEntry {
                round: r.round,
                level: r.level,
                action: r.action,
                actor_id: r.actor_id.map(UserId::from_uuid),
                actor_label: r.actor_label,
                reason: r.reason,
                findings: r
                    .findings
                    .as_deref()
                    .map(json)
                    .transpose()?
                    .unwrap_or_default(),
                created_at: time::from_db(r.created_at)?,
            })
        })
        .collect()
}

/// A product waiting in the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The product (without SKUs), with its status (level k of N) and the compliance
    /// findings of the current round.
    pub product: Product,
    /// Who submitted the round (email or key name; empty if the log has no entry).
    pub submitter: String,
}

/// Which of `ids` may be sold now (active SKUs of listed products), within the caller's
/// transaction. For order intake and allocation, which have done their own authorisation.
pub async fn sellable_skus(tx: &mut Tx, merchant: MerchantId, ids: &[SkuId]) -> Result<Vec<Sku>> {
    let raw: Vec<uuid::Uuid> = ids.iter().map(|i| i.as_uuid()).collect();
    store::sellable_skus(tx, merchant, &raw)
        .await?
        .iter()
        .map(Sku::try_from)
        .collect()
}

/// Like [`sellable_skus`], but refuses (conflict `sku-not-sellable`, naming them) unless
/// every id is sellable. Returns the SKUs in the order of `ids`.
pub async fn require_listed(tx: &mut Tx, merchant: MerchantId, ids: &[SkuId]) -> Result<Vec<Sku>> {
    let found = sellable_skus(tx, merchant, ids).await?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.iter().any(|s| s.id == **id))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Conflict {
            code: "sku-not-sellable",
            message: format!(
                "not sellable (unknown, inactive, or its product is not listed): {}",
                missing.join(", ")
            ),
        });
    }
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|s| s.id == *id).cloned())
        .collect())
}

/// Which review queue to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueScope {
    /// Only what the caller may decide: not their own submissions, no level of the round
    /// already approved by them. Needs `catalog.review`.
    Decidable,
    /// Everything in review, for an overview (deciding still needs `catalog.review`).
    /// Needs `catalog.read`.
    All,
}

/// Products in review, oldest submission first, each with its compliance findings, the
/// level awaiting a decision and who submitted the round. `after` is the previous page's
/// `next_cursor`; `limit` 1 to 500.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn review_queue(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    scope: QueueScope,
    after: Option<ProductId>,
    limit: u32,
) -> Result<super::Page<QueueItem>> {
    let reviewer = match scope {
        QueueScope::Decidable => {
            actor.require_in(merchant, Permission::CatalogReview)?;
            let me = actor.user().ok_or(Error::Forbidden(
                "a review queue belongs to an identifiable reviewer",
            ))?;
            Some(me.as_uuid())
        }
        QueueScope::All => {
            actor.require_in(merchant, Permission::CatalogRead)?;
            None
        }
    };
    let limit = limit.clamp(1, 500);
    let mut tx = app.db.begin_read().await?;
    let rows = store::review_queue(
        &mut tx,
        merchant,
        reviewer,
        after.map(|a| a.as_uuid()),
        limit + 1,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(QueueItem {
                product: Product::from_rows(&r.product, &[])?,
                submitter: r.submitter_label.unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(super::products::page(items, limit, |i| {
        i.product.id.as_uuid()
    }))
}

/// Checks that every SKU named (by id or by code, ignoring case) may be sold now: an
/// active SKU of a listed product of this merchant. Returns them, ids first then codes;
/// otherwise a conflict `sku-not-sellable` naming each one that is not (unknown, another
/// merchant's, inactive, or its product not listed). For order intake and channels
/// calling over HTTP; needs `catalog.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn check_sellable(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    ids: &[SkuId],
    codes: &[String],
) -> Result<Vec<Sku>> {
    actor.require_in(merchant, Permission::CatalogRead)?;
    if ids.is_empty() && codes.is_empty() {
        return Err(Error::invalid(
            "sku_ids",
            "required",
            "name at least one SKU by id or code",
        ));
    }
    if ids.len() + codes.len() > 500 {
        return Err(Error::invalid("sku_ids", "too_many", "at most 500 SKUs"));
    }
    let mut tx = app.db.begin_read().await?;
    let keys: Vec<String> = codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    let by_code = store::skus_by_codes(&mut tx, merchant, &keys).await?;
    let mut wanted: Vec<(String, Option<SkuId>)> =
        ids.iter().map(|id| (id.to_string(), Some(*id))).collect();
    for (raw, key) in codes.iter().zip(&keys) {
        let id = by_code
            .iter()
            .find(|s| s.code.to_ascii_uppercase() == *key)
            .map(|s| SkuId::from_uuid(s.id));
        wanted.push((raw.trim().to_owned(), id));
    }
    let known: Vec<SkuId> = wanted.iter().filter_map(|(_, id)| *id).collect();
    let found = sellable_skus(&mut tx, merchant, &known).await?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, id)| !id.is_some_and(|id| found.iter().any(|s| s.id == id)))
        .map(|(name, _)| name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Conflict {
            code: "sku-not-sellable",
            message: format!(
                "not sellable (unknown, inactive, or its product is not listed): {}",
                missing.join(", ")
            ),
        });
    }
    Ok(wanted
        .iter()
        .filter_map(|(_, id)| found.iter().find(|s| Some(s.id) == *id).cloned())
        .collect())
}
