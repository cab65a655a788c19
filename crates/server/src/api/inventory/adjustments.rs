//! Goods-in (receipts), manual adjustments with approval above the merchant's thresholds
//! (INV-6), and the inventory settings that hold those thresholds.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error as AppError;
use omnihub_app::inventory::{
    self as inv, Adjustment, AdjustmentInput, AdjustmentStatus, Movement, ReceiptInput,
};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::{AdjustmentId, ApprovalThresholds, LocationId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{LineBody, MovementDto, lines, page, paging, ts};
use super::merchant;
use crate::api::Page;
use crate::api::idempotency as idem;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiJsonRaw, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receive))
        .routes(routes!(list_adjustments, create_adjustment))
        .routes(routes!(get_adjustment))
        .routes(routes!(approve_adjustment))
        .routes(routes!(reject_adjustment))
        .routes(routes!(get_settings, put_settings))
}

/// A manual goods-in at one location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// Where the goods arrived (an active location).
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// What arrived, each SKU once.
    pub lines: Vec<LineBody>,
    /// Delivery note, PO number... (1-200 characters): the movements' reference.
    pub reference: String,
    /// Free text.
    pub note: Option<String>,
}

/// What a receipt booked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptDto {
    /// One `receipt` movement per line.
    pub movements: Vec<MovementDto>,
}

/// Books a receipt: one `receipt` movement per line, raising on hand. Needs
/// `inventory.adjust`; audited. With an `Idempotency-Key`, a retry with the same body
/// replays the first response (`Idempotent-Replayed: true`) instead of booking again.
#[utoipa::path(post, path = "/api/v1/inventory/receipts", tag = "inventory", request_body = ReceiptBody, params(("Idempotency-Key" = Option<String>, Header, description = "1-255 printable ASCII characters; the same key with the same body replays the first response (with `Idempotent-Replayed: true`), with another body it is 422 `idempotency-key-reused`. Keys are per merchant and caller.")), security(("bearer" = [])), responses(
    (status = 201, description = "Booked (or, for a replayed Idempotency-Key, as booked before)", body = ReceiptDto),
    (status = 400, description = "`idempotency-key-invalid`", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`location-inactive`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`lines[0].quantity`, `lines[0].sku_id` `unknown`...); `idempotency-key-reused` (the key was sent with another body)", body = Problem, content_type = "application/problem+json")
))]
async fn receive(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    ApiJsonRaw(body, raw): ApiJsonRaw<ReceiptBody>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    let request = idem::request(key.as_deref(), "POST /api/v1/inventory/receipts", &raw)?;
    let input = ReceiptInput {
        location_id: Some(body.location_id),
        lines: lines(body.lines),
        reference: body.reference,
        note: body.note,
    };
    let render = |booked: Vec<Movement>| {
        let movements = booked.into_iter().map(MovementDto::from).collect();
        idem::json(StatusCode::CREATED, &ReceiptDto { movements })
    };
    let outcome =
        inv::receive_once(&state.app, &auth.actor, m, input, request.as_ref(), render).await?;
    Ok(idem::respond(outcome))
}

/// A manual adjustment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentDto {
    /// Id.
    pub id: String,
    /// SKU id.
    pub sku_id: String,
    /// Location id.
    pub location_id: String,
    /// Signed change of on hand.
    pub delta: i64,
    /// `damaged`, `lost`, `theft`, `found`, `expired`, `correction` or `scrap`.
    pub reason: String,
    /// Free text.
    pub note: Option<String>,
    /// |delta| × unit cost in minor units, when the SKU has a cost.
    pub value_minor: Option<i64>,
    /// `applied` (booked), `pending` (waiting for approval) or `rejected`.
    pub status: String,
    /// Who asked.
    pub requested_by: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// The approver's note.
    pub decision_note: Option<String>,
    /// Requested (RFC 3339).
    pub created_at: String,
}

impl From<Adjustment> for AdjustmentDto {
    fn from(a: Adjustment) -> Self {
        Self {
            id: a.id.to_string(),
            sku_id: a.sku_id.to_string(),
            location_id: a.location_id.to_string(),
            delta: a.delta,
            reason: a.reason.code().to_owned(),
            note: a.note,
            value_minor: a.value_minor,
            status: status_code(a.status).to_owned(),
            requested_by: a.requested_by,
            decided_by: a.decided_by,
            decision_note: a.decision_note,
            created_at: ts(a.created_at),
        }
    }
}

fn status_code(s: AdjustmentStatus) -> &'static str {
    match s {
        AdjustmentStatus::Applied => "applied",
        AdjustmentStatus::Pending => "pending",
        AdjustmentStatus::Rejected => "rejected",
    }
}

/// A requested adjustment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// SKU id.
    #[schema(value_type = String, format = Uuid)]
    pub sku_id: SkuId,
    /// Location id.
    #[schema(value_type = String, format = Uuid)]
    pub location_id: LocationId,
    /// Signed change, not zero; must fit the reason (`found` only adds, the others only
    /// remove, `correction` both ways).
    pub delta: i64,
    /// `damaged`, `lost`, `theft`, `found`, `expired`, `correction` or `scrap`.
    #[schema(pattern = "^(damaged|lost|theft|found|expired|correction|scrap)$")]
    pub reason: String,
    /// Free text (up to 1000 characters).
    pub note: Option<String>,
}

/// Requests an adjustment. Within the merchant's approval thresholds it is booked at once
/// (an `adjustment` or `scrap` movement): **201** with status `applied`. Above them it is
/// stored as `pending` and nothing is booked: **202**, until another person with
/// `inventory.approve` approves it. Needs `inventory.adjust`; audited.
#[utoipa::path(post, path = "/api/v1/inventory/adjustments", tag = "inventory", request_body = AdjustmentBody, security(("bearer" = [])), responses(
    (status = 201, description = "Applied", body = AdjustmentDto),
    (status = 202, description = "Pending approval", body = AdjustmentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`insufficient-stock`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`delta` `direction`, `reason`...)", body = Problem, content_type = "application/problem+json")
))]
async fn create_adjustment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<AdjustmentBody>,
) -> ApiResult<(StatusCode, Json<AdjustmentDto>)> {
    let m = merchant(&auth)?;
    let input = AdjustmentInput {
        sku_id: Some(body.sku_id),
        location_id: Some(body.location_id),
        delta: body.delta,
        reason: body.reason,
        note: body.note,
    };
    let a = inv::adjust(&state.app, &auth.actor, m, input).await?;
    let status = match a.status {
        AdjustmentStatus::Pending => StatusCode::ACCEPTED,
        _ => StatusCode::CREATED,
    };
    Ok((status, Json(a.into())))
}

/// Adjustment list filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdjustmentParams {
    /// `applied`, `pending` (the approval queue) or `rejected`.
    pub status: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Adjustments, newest first. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/adjustments", tag = "inventory", params(AdjustmentParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<AdjustmentDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status`", body = Problem, content_type = "application/problem+json")
))]
async fn list_adjustments(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<AdjustmentParams>,
) -> ApiResult<Json<Page<AdjustmentDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let status = match p.status.as_deref() {
        None => None,
        Some("applied") => Some(AdjustmentStatus::Applied),
        Some("pending") => Some(AdjustmentStatus::Pending),
        Some("rejected") => Some(AdjustmentStatus::Rejected),
        Some(_) => {
            let e = AppError::invalid("status", "invalid", "applied, pending or rejected");
            return Err(e.into());
        }
    };
    let list = inv::list_adjustments(&state.app, &auth.actor, m, status, cursor, limit).await?;
    Ok(Json(page(list)))
}

/// One adjustment. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/adjustments/{adjustment_id}", tag = "inventory", params(("adjustment_id" = String, Path, description = "Adjustment id")), security(("bearer" = [])), responses(
    (status = 200, body = AdjustmentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_adjustment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AdjustmentId>,
) -> ApiResult<Json<AdjustmentDto>> {
    let m = merchant(&auth)?;
    let a = inv::get_adjustment(&state.app, &auth.actor, m, id).await?;
    Ok(Json(a.into()))
}

/// An approver's decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why (up to 1000 characters).
    pub note: Option<String>,
}

/// Approves a pending adjustment and books it. Needs `inventory.approve`, a signed-in
/// person, and not the requester (403 `self-approval`); audited.
#[utoipa::path(post, path = "/api/v1/inventory/adjustments/{adjustment_id}/approve", tag = "inventory", request_body = DecisionBody, params(("adjustment_id" = String, Path, description = "Adjustment id")), security(("bearer" = [])), responses(
    (status = 200, body = AdjustmentDto),
    (status = 403, description = "`missing-permission`, `self-approval`", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`adjustment-decided`, `insufficient-stock`", body = Problem, content_type = "application/problem+json")
))]
async fn approve_adjustment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AdjustmentId>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<AdjustmentDto>> {
    let m = merchant(&auth)?;
    let a = inv::decide_adjustment(&state.app, &auth.actor, m, id, true, body.note).await?;
    Ok(Json(a.into()))
}

/// Rejects a pending adjustment; nothing is booked. Same rules as approving.
#[utoipa::path(post, path = "/api/v1/inventory/adjustments/{adjustment_id}/reject", tag = "inventory", request_body = DecisionBody, params(("adjustment_id" = String, Path, description = "Adjustment id")), security(("bearer" = [])), responses(
    (status = 200, body = AdjustmentDto),
    (status = 403, description = "`missing-permission`, `self-approval`", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`adjustment-decided`", body = Problem, content_type = "application/problem+json")
))]
async fn reject_adjustment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<AdjustmentId>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<AdjustmentDto>> {
    let m = merchant(&auth)?;
    let a = inv::decide_adjustment(&state.app, &auth.actor, m, id, false, body.note).await?;
    Ok(Json(a.into()))
}

/// The inventory settings: when an adjustment needs a second person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventorySettingsDto {
    /// Largest |delta| applied without approval; `null` turns the rule off.
    pub approval_quantity: Option<i64>,
    /// Largest |delta| × unit cost (minor units) applied without approval; `null` turns
    /// the rule off (it never applies to SKUs without a cost).
    pub approval_value_minor: Option<i64>,
}

impl From<ApprovalThresholds> for InventorySettingsDto {
    fn from(t: ApprovalThresholds) -> Self {
        Self {
            approval_quantity: t.quantity,
            approval_value_minor: t.value_minor,
        }
    }
}

/// The inventory settings. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/settings", tag = "inventory", security(("bearer" = [])), responses(
    (status = 200, body = InventorySettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<InventorySettingsDto>> {
    let m = merchant(&auth)?;
    let t = inv::get_settings(&state.app, &auth.actor, m).await?;
    Ok(Json(t.into()))
}

/// Replaces the inventory settings (both fields; `null` turns a rule off). Needs
/// `settings.manage`; audited.
#[utoipa::path(put, path = "/api/v1/inventory/settings", tag = "inventory", request_body = InventorySettingsDto, security(("bearer" = [])), responses(
    (status = 200, body = InventorySettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Negative thresholds", body = Problem, content_type = "application/problem+json")
))]
async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<InventorySettingsDto>,
) -> ApiResult<Json<InventorySettingsDto>> {
    let m = merchant(&auth)?;
    let t = ApprovalThresholds {
        quantity: body.approval_quantity,
        value_minor: body.approval_value_minor,
    };
    let t = inv::update_settings(&state.app, &auth.actor, m, t)
        .await
        .map_err(|e| match e {
            // The use case names the thresholds `quantity`/`value_minor`; name the fields
            // as the client sent them.
            AppError::Validation(mut fields) => {
                for f in &mut fields {
                    f.field = format!("approval_{}", f.field);
                }
                AppError::Validation(fields)
            }
            other => other,
        })?;
    Ok(Json(t.into()))
}
