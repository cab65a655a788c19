//! Reading orders and the work queues, staff actions, and the order settings.

use axum::Json;
use axum::extract::State;
use omnihub_app::orders::{self, OrderQuery};
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::{OrderId, OrderLineId, WorkQueue};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::dto::{
    OrderDetailDto, OrderDto, OrderListParams, OrderSettingsDto, QueueCountsDto, QueueRunDto,
    ReasonBody, RerouteBody,
};
use super::merchant;
use crate::api::Page;
use crate::api::users::Paging;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(queue_counts))
        .routes(routes!(get_order))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(hold))
        .routes(routes!(cancel))
        .routes(routes!(cancel_line))
        .routes(routes!(retry))
        .routes(routes!(backorder))
        .routes(routes!(allocate))
        .routes(routes!(reroute))
        .routes(routes!(allocate_waiting))
        .routes(routes!(get_settings, put_settings))
}

fn bad_uuid(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::InvalidParameter {
        place: "query",
        message: format!("{field} must be a uuid"),
    })
}

/// A page of orders, first in first out, filtered by status, work queue, channel and
/// received time, or searched by number, external id or customer. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderListParams), security(("bearer" = [])), responses(
    (status = 200, body = Page<OrderDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown `status` or `queue`, bad `from`/`to`", body = Problem, content_type = "application/problem+json")
))]
async fn list_orders(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<OrderListParams>,
) -> ApiResult<Json<Page<OrderDto>>> {
    let m = merchant(&auth)?;
    let (_, limit) = Paging {
        limit: p.limit,
        cursor: p.cursor.clone(),
    }
    .parse::<Uuid>()?;
    let channel = p
        .channel_id
        .as_deref()
        .map(|c| bad_uuid("channel_id", c))
        .transpose()?;
    let q = OrderQuery {
        status: p.status,
        queue: p.queue,
        channel: channel.map(omnihub_domain::channels::ChannelId::from_uuid),
        from: p.from,
        to: p.to,
        q: p.q,
        stage: p.stage,
        cursor: p.cursor,
        limit: Some(limit),
    };
    let page = orders::list_orders(&state.app, &auth.actor, m, q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(OrderDto::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// How many orders wait in each work queue. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/queues", tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = QueueCountsDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn queue_counts(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<QueueCountsDto>> {
    let m = merchant(&auth)?;
    let counts = orders::queue_counts(&state.app, &auth.actor, m).await?;
    let n = |q: WorkQueue| counts.iter().find(|(c, _)| *c == q).map_or(0, |(_, n)| *n);
    Ok(Json(QueueCountsDto {
        review: n(WorkQueue::Review),
        exception: n(WorkQueue::Exception),
        allocate: n(WorkQueue::Allocate),
    }))
}

/// One order with its lines, allocations and timeline. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}", tag = "orders", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_order(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::get_order(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Approves an order held for review: it is confirmed and allocated. Needs
/// `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/approve", tag = "orders", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-has-exception` (fix it first), `order-state` (not on hold), `order-changed`", body = Problem, content_type = "application/problem+json")
))]
async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::approve_order(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Rejects a held order: it is cancelled with the reason on its timeline. Needs
/// `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/reject", tag = "orders", request_body = ReasonBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`: already shipped or cancelled", body = Problem, content_type = "application/problem+json")
))]
async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    let reason = Some(b.reason.unwrap_or_else(|| "rejected in review".to_owned()));
    Ok(Json(
        orders::cancel_order(&state.app, &auth.actor, m, id, reason)
            .await?
            .into(),
    ))
}

/// Puts an order on hold by hand, releasing reserved stock first. Needs `orders.manage`;
/// audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/hold", tag = "orders", request_body = ReasonBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`: shipped or cancelled", body = Problem, content_type = "application/problem+json")
))]
async fn hold(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::hold_order(&state.app, &auth.actor, m, id, b.reason)
            .await?
            .into(),
    ))
}

/// Cancels an order before anything shipped; its reservations are released. Needs
/// `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/cancel", tag = "orders", request_body = ReasonBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`: shipped or already cancelled", body = Problem, content_type = "application/problem+json")
))]
async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::cancel_order(&state.app, &auth.actor, m, id, b.reason)
            .await?
            .into(),
    ))
}

/// Cancels every remaining unit of one line before shipment, releasing its reservations;
/// the last open line cancels the order. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/lines/{line_id}/cancel", tag = "orders", params(("order_id" = String, Path, description = "Order id"), ("line_id" = String, Path, description = "Line id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`, `line-cancelled`", body = Problem, content_type = "application/problem+json")
))]
async fn cancel_line(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, line)): ApiPath<(OrderId, OrderLineId)>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::cancel_line(&state.app, &auth.actor, m, id, line)
            .await?
            .into(),
    ))
}

/// Retries an exception: maps the stored payload again (after a listing was added, say)
/// or tries allocation again. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/retry", tag = "orders", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-not-waiting`", body = Problem, content_type = "application/problem+json")
))]
async fn retry(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::retry_order(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Waits for stock (a backorder) instead of cancelling an order short of it: it moves to
/// the allocation queue. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/backorder", tag = "orders", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-not-short`", body = Problem, content_type = "application/problem+json")
))]
async fn backorder(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::wait_for_stock(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Allocates a confirmed order now (a shortage leaves it in the exception queue). Needs
/// `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/allocate", tag = "orders", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`: not confirmed", body = Problem, content_type = "application/problem+json")
))]
async fn allocate(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::allocate_order(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Re-routes an order: releases its reservations and allocates again, from one location
/// when given, else by the usual rule. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/reroute", tag = "orders", request_body = RerouteBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order or location", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-state`, `location-inactive`", body = Problem, content_type = "application/problem+json")
))]
async fn reroute(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<RerouteBody>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    let location = b
        .location_id
        .as_deref()
        .map(|l| bad_uuid("location_id", l))
        .transpose()?
        .map(LocationId::from_uuid);
    Ok(Json(
        orders::reroute_order(&state.app, &auth.actor, m, id, location)
            .await?
            .into(),
    ))
}

/// Works the allocation queue first in, first out (up to 100 orders), each in its own
/// transaction: run it after stock arrives. Needs `orders.manage`; audited per order.
#[utoipa::path(post, path = "/api/v1/orders/allocate-waiting", tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = QueueRunDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn allocate_waiting(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<QueueRunDto>> {
    let m = merchant(&auth)?;
    let run = orders::allocate_waiting(&state.app, &auth.actor, m, 100).await?;
    Ok(Json(QueueRunDto {
        tried: run.tried,
        allocated: run.allocated,
    }))
}

/// The merchant's order settings (defaults until set). Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/settings", tag = "orders", security(("bearer" = [])), responses(
    (status = 200, body = OrderSettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
async fn get_settings(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<OrderSettingsDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::get_settings(&state.app, &auth.actor, m)
            .await?
            .into(),
    ))
}

/// Replaces the order settings: numbering and review rules. Needs `settings.manage`;
/// audited.
#[utoipa::path(put, path = "/api/v1/orders/settings", tag = "orders", request_body = OrderSettingsDto, security(("bearer" = [])), responses(
    (status = 200, body = OrderSettingsDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`number_prefix`, `amount_thresholds[0].amount`, `risk_weights.<signal>`...)", body = Problem, content_type = "application/problem+json")
))]
async fn put_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<OrderSettingsDto>,
) -> ApiResult<Json<OrderSettingsDto>> {
    let m = merchant(&auth)?;
    Ok(Json(
        orders::update_settings(&state.app, &auth.actor, m, b.into())
            .await?
            .into(),
    ))
}
