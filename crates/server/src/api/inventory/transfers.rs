//! Transfers between locations: `draft → in_transit → partially_received → received`, or
//! `draft → cancelled`. Dispatching books `transfer_out` at the source and raises the
//! destination's incoming; receiving books `transfer_in`; closing records the shortfall as
//! a discrepancy. Writing needs `inventory.adjust`, reading `inventory.read`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::Error as AppError;
use omnihub_app::inventory::{
    self as inv, ReceiveTransferInput, Transfer, TransferInput, TransferQuery,
};
use omnihub_domain::inventory::{LocationId, TransferId, TransferStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{LineBody, lines, page, paging, ts};
use super::merchant;
use crate::api::Page;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_transfers, create_transfer))
        .routes(routes!(get_transfer))
        .routes(routes!(dispatch_transfer))
        .routes(routes!(receive_transfer))
        .routes(routes!(cancel_transfer))
}

/// One line of a transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLineDto {
    /// SKU id.
    pub sku_id: String,
    /// Units sent.
    pub quantity: i64,
    /// Units received so far.
    pub received: i64,
    /// Units that never arrived (recorded when the transfer was closed short).
    pub discrepancy: i64,
}

/// A transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    /// Id.
    pub id: String,
    /// Source location id.
    pub from_location_id: String,
    /// Destination location id.
    pub to_location_id: String,
    /// `draft`, `in_transit`, `partially_received`, `received` or `cancelled`.
    pub status: String,
    /// Free text.
    pub note: Option<String>,
    /// The lines (empty in lists).
    pub lines: Vec<TransferLineDto>,
    /// Dispatched (RFC 3339).
    pub dispatched_at: Option<String>,
    /// Completed (RFC 3339).
    pub received_at: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
}

impl From<Transfer> for TransferDto {
    fn from(t: Transfer) -> Self {
        let lines = t
            .lines
            .into_iter()
            .map(|l| TransferLineDto {
                sku_id: l.sku_id.to_string(),
                quantity: l.quantity,
                received: l.received,
                discrepancy: l.discrepancy,
            })
            .collect();
        Self {
            id: t.id.to_string(),
            from_location_id: t.from_location_id.to_string(),
            to_location_id: t.to_location_id.to_string(),
            status: t.status.code().to_owned(),
            note: t.note,
            lines,
            dispatched_at: t.dispatched_at.map(ts),
            received_at: t.received_at.map(ts),
            created_at: ts(t.created_at),
        }
    }
}

/// A new transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTransfer {
    /// Source location id.
    #[schema(value_type = String, format = Uuid)]
    pub from_location_id: LocationId,
    /// Destination location id (not the source).
    #[schema(value_type = String, format = Uuid)]
    pub to_location_id: LocationId,
    /// What to move, each SKU once.
    pub lines: Vec<LineBody>,
    /// Free text.
    pub note: Option<String>,
}

/// Creates a draft transfer; nothing moves until it is dispatched. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/transfers", tag = "inventory", request_body = CreateTransfer, security(("bearer" = [])), responses(
    (status = 201, body = TransferDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`location-inactive`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`to_location_id` `same-location`, `lines`...)", body = Problem, content_type = "application/problem+json")
))]
async fn create_transfer(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTransfer>,
) -> ApiResult<(StatusCode, Json<TransferDto>)> {
    let m = merchant(&auth)?;
    let input = TransferInput {
        from_location_id: Some(body.from_location_id),
        to_location_id: Some(body.to_location_id),
        lines: lines(body.lines),
        note: body.note,
    };
    let t = inv::create_transfer(&state.app, &auth.actor, m, input).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Transfer list filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferParams {
    /// `draft`, `in_transit`, `partially_received`, `received` or `cancelled`.
    pub status: Option<String>,
    /// Only transfers from or to this location.
    #[param(value_type = Option<String>, format = Uuid)]
    pub location_id: Option<LocationId>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Transfers, newest first, without their lines. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/transfers", tag = "inventory", params(TransferParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<TransferDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status`", body = Problem, content_type = "application/problem+json")
))]
async fn list_transfers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<TransferParams>,
) -> ApiResult<Json<Page<TransferDto>>> {
    let m = merchant(&auth)?;
    let (cursor, limit) = paging(p.limit, p.cursor)?;
    let status = p
        .status
        .as_deref()
        .map(TransferStatus::parse)
        .transpose()
        .map_err(|e| AppError::invalid("status", "invalid", e))?;
    let q = TransferQuery {
        status,
        location_id: p.location_id,
        cursor,
        limit,
    };
    Ok(Json(page(
        inv::list_transfers(&state.app, &auth.actor, m, q).await?,
    )))
}

/// One transfer with its lines. Needs `inventory.read`.
#[utoipa::path(get, path = "/api/v1/inventory/transfers/{transfer_id}", tag = "inventory", params(("transfer_id" = String, Path, description = "Transfer id")), security(("bearer" = [])), responses(
    (status = 200, body = TransferDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_transfer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TransferId>,
) -> ApiResult<Json<TransferDto>> {
    let m = merchant(&auth)?;
    let t = inv::get_transfer(&state.app, &auth.actor, m, id).await?;
    Ok(Json(t.into()))
}

/// Dispatches a draft transfer: `transfer_out` at the source, incoming up at the
/// destination. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{transfer_id}/dispatch", tag = "inventory", params(("transfer_id" = String, Path, description = "Transfer id")), security(("bearer" = [])), responses(
    (status = 200, body = TransferDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`transfer-state`, `insufficient-stock`, `location-inactive`", body = Problem, content_type = "application/problem+json")
))]
async fn dispatch_transfer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TransferId>,
) -> ApiResult<Json<TransferDto>> {
    let m = merchant(&auth)?;
    let t = inv::dispatch_transfer(&state.app, &auth.actor, m, id).await?;
    Ok(Json(t.into()))
}

/// What arrived at the destination.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveTransfer {
    /// Units arrived per SKU (at most what is outstanding; SKUs left out: none this time).
    #[serde(default)]
    pub lines: Vec<LineBody>,
    /// Close the transfer now: what is still outstanding is recorded as a discrepancy and
    /// leaves the destination's incoming.
    #[serde(default)]
    pub close: bool,
}

/// Receives goods of a dispatched transfer (`transfer_in` per line). It completes when
/// nothing is outstanding, or when `close` records the shortfall. Audited.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{transfer_id}/receive", tag = "inventory", request_body = ReceiveTransfer, params(("transfer_id" = String, Path, description = "Transfer id")), security(("bearer" = [])), responses(
    (status = 200, body = TransferDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`transfer-state`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`lines[0].quantity` `over-received`, `lines[0].sku_id` `not_on_transfer`", body = Problem, content_type = "application/problem+json")
))]
async fn receive_transfer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TransferId>,
    ApiJson(body): ApiJson<ReceiveTransfer>,
) -> ApiResult<Json<TransferDto>> {
    let m = merchant(&auth)?;
    let input = ReceiveTransferInput {
        lines: lines(body.lines),
        close: body.close,
    };
    let t = inv::receive_transfer(&state.app, &auth.actor, m, id, input).await?;
    Ok(Json(t.into()))
}

/// Cancels a draft transfer (nothing has moved). Audited.
#[utoipa::path(post, path = "/api/v1/inventory/transfers/{transfer_id}/cancel", tag = "inventory", params(("transfer_id" = String, Path, description = "Transfer id")), security(("bearer" = [])), responses(
    (status = 200, body = TransferDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`transfer-state` (already dispatched)", body = Problem, content_type = "application/problem+json")
))]
async fn cancel_transfer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<TransferId>,
) -> ApiResult<Json<TransferDto>> {
    let m = merchant(&auth)?;
    let t = inv::cancel_transfer(&state.app, &auth.actor, m, id).await?;
    Ok(Json(t.into()))
}
