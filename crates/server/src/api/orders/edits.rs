//! Order edits before shipment (ORD-6): the shipping address, a line's quantity, a line
//! added. Cancelling a line is in `manage`. Each is one use case in `app::orders::edits`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use omnihub_app::orders;
use omnihub_domain::orders::api_format::{ApiAddress, ApiLine};
use omnihub_domain::orders::{OrderId, OrderLineId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{AddressBody, LineBody, OrderDetailDto};
use super::merchant;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(edit_address))
        .routes(routes!(add_line))
        .routes(routes!(change_quantity))
}

/// The new number of units of a line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityBody {
    /// 1 to 100,000 open units (cancel the line to remove it).
    pub quantity: i64,
}

/// Replaces the shipping address of an order that has not shipped. Reservations stay
/// where they are (re-route to plan again). Needs `orders.manage`; audited.
#[utoipa::path(put, path = "/api/v1/orders/{order_id}/shipping-address", tag = "orders", request_body = AddressBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-not-editable` (shipped, cancelled, closed), `order-being-packed`, `order-invoiced`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`shipping_address.country`...)", body = Problem, content_type = "application/problem+json")
))]
async fn edit_address(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ApiAddress>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    let o = orders::edit_shipping_address(&state.app, &auth.actor, m, id, &b).await?;
    Ok(Json(o.into()))
}

/// Adds a line (a SKU the order's channel sells; amounts in the order's currency). The
/// totals are computed again; an allocated order is allocated again with the new line,
/// or the edit is refused whole. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/lines", tag = "orders", request_body = LineBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 201, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-not-editable`, `order-being-packed`, `order-invoiced`, `insufficient-stock` (nothing changed), `negative-total`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors (`lines[0].unit_price`, `sku` `unknown_sku`...)", body = Problem, content_type = "application/problem+json")
))]
async fn add_line(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
    ApiJson(b): ApiJson<ApiLine>,
) -> ApiResult<(StatusCode, Json<OrderDetailDto>)> {
    let m = merchant(&auth)?;
    let o = orders::add_line(&state.app, &auth.actor, m, id, &b).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// Changes how many units of a line the customer gets: fewer cancels units, more orders
/// more. Totals and reservations follow, as for an added line. Needs `orders.manage`;
/// audited.
#[utoipa::path(put, path = "/api/v1/orders/{order_id}/lines/{line_id}/quantity", tag = "orders", request_body = QuantityBody, params(("order_id" = String, Path, description = "Order id"), ("line_id" = String, Path, description = "Line id")), security(("bearer" = [])), responses(
    (status = 200, body = OrderDetailDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`order-not-editable`, `order-being-packed`, `order-invoiced`, `line-cancelled`, `insufficient-stock` (nothing changed), `negative-total`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`quantity` out of range", body = Problem, content_type = "application/problem+json")
))]
async fn change_quantity(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, line)): ApiPath<(OrderId, OrderLineId)>,
    ApiJson(b): ApiJson<QuantityBody>,
) -> ApiResult<Json<OrderDetailDto>> {
    let m = merchant(&auth)?;
    let o = orders::change_line_quantity(&state.app, &auth.actor, m, id, line, b.quantity).await?;
    Ok(Json(o.into()))
}
