//! The invoice API (issue 7, PAY-4): `POST/GET /api/v1/orders/{order_id}/invoices` to
//! issue and list an order's invoices, and under `/api/v1/invoices/{id}` one invoice, its
//! void, its credit note and its printable page (the console's print template, Chinese or
//! English by `?lang=`). Every route acts in the caller's current merchant; another
//! merchant's order or invoice is 404.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use omnihub_app::invoices::{self as inv, BuyerInput};
use omnihub_domain::invoices::InvoiceId;
use omnihub_domain::orders::OrderId;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::console::i18n::Lang;
use crate::console::invoices::{html_response, print_html};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::state::AppState;

pub mod dto;

use dto::{InvoiceDto, InvoiceListDto};

/// The invoice routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue, list))
        .routes(routes!(get_invoice))
        .routes(routes!(void))
        .routes(routes!(credit_note))
        .routes(routes!(print))
}

/// Who the invoice is made out to; every field optional (a personal invoice may have
/// none). A company invoice needs `buyer_title` and `buyer_tax_id` together.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// Person's or company's name (抬头).
    pub buyer_title: Option<String>,
    /// The company's 18-character unified social credit code (GB 32100-2015).
    pub buyer_tax_id: Option<String>,
    /// Address as printed.
    pub buyer_address: Option<String>,
}

/// The language of the printed page.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PrintParams {
    /// `zh-CN` (default) or `en`.
    pub lang: Option<String>,
}

/// Issues an invoice for the order: a snapshot of its billed lines and totals, numbered
/// gap-free per merchant and year. Needs `orders.manage`; audited, on the timeline.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/invoices", tag = "invoices", request_body = IssueBody, params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 201, body = InvoiceDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invoice-exists` (void it first), `order-cancelled`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Field errors on `buyer_title`, `buyer_tax_id` (bad check character...), `buyer_address`", body = Problem, content_type = "application/problem+json")
))]
async fn issue(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(order): ApiPath<OrderId>,
    ApiJson(b): ApiJson<IssueBody>,
) -> ApiResult<(axum::http::StatusCode, Json<InvoiceDto>)> {
    let m = auth.actor.current_merchant()?;
    let buyer = BuyerInput {
        title: b.buyer_title,
        tax_id: b.buyer_tax_id,
        address: b.buyer_address,
    };
    let out = inv::issue_invoice(&state.app, &auth.actor, m, order, &buyer).await?;
    Ok((axum::http::StatusCode::CREATED, Json(out.into())))
}

/// The order's invoices and credit notes, oldest first. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/invoices", tag = "invoices", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = InvoiceListDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(order): ApiPath<OrderId>,
) -> ApiResult<Json<InvoiceListDto>> {
    let m = auth.actor.current_merchant()?;
    let items = inv::list_invoices(&state.app, &auth.actor, m, order).await?;
    Ok(Json(InvoiceListDto {
        items: items.into_iter().map(InvoiceDto::from).collect(),
    }))
}

/// One invoice or credit note with its lines. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/invoices/{invoice_id}", tag = "invoices", params(("invoice_id" = String, Path, description = "Invoice id")), security(("bearer" = [])), responses(
    (status = 200, body = InvoiceDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_invoice(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InvoiceId>,
) -> ApiResult<Json<InvoiceDto>> {
    let m = auth.actor.current_merchant()?;
    Ok(Json(
        inv::get_invoice(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Voids an invoice or credit note (its number stays taken); a voided invoice lets the
/// order be invoiced again. Needs `orders.manage`; audited, on the timeline.
#[utoipa::path(post, path = "/api/v1/invoices/{invoice_id}/void", tag = "invoices", params(("invoice_id" = String, Path, description = "Invoice id")), security(("bearer" = [])), responses(
    (status = 200, body = InvoiceDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invoice-void`: already void", body = Problem, content_type = "application/problem+json")
))]
async fn void(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InvoiceId>,
) -> ApiResult<Json<InvoiceDto>> {
    let m = auth.actor.current_merchant()?;
    Ok(Json(
        inv::void_invoice(&state.app, &auth.actor, m, id)
            .await?
            .into(),
    ))
}

/// Issues a credit note for the full amount of an issued invoice (refunds), numbered in
/// the same series. Needs `orders.manage`; audited, on the timeline.
#[utoipa::path(post, path = "/api/v1/invoices/{invoice_id}/credit-note", tag = "invoices", params(("invoice_id" = String, Path, description = "Invoice id")), security(("bearer" = [])), responses(
    (status = 201, body = InvoiceDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`not-creditable` (void, or a credit note), `invoice-credited`", body = Problem, content_type = "application/problem+json")
))]
async fn credit_note(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InvoiceId>,
) -> ApiResult<(axum::http::StatusCode, Json<InvoiceDto>)> {
    let m = auth.actor.current_merchant()?;
    let out = inv::credit_invoice(&state.app, &auth.actor, m, id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(out.into())))
}

/// The printable page of an invoice (`text/html`, the console's print template). Needs
/// `orders.read`.
#[utoipa::path(get, path = "/api/v1/invoices/{invoice_id}/print", tag = "invoices", params(("invoice_id" = String, Path, description = "Invoice id"), PrintParams), security(("bearer" = [])), responses(
    (status = 200, description = "The invoice as an HTML page", content_type = "text/html", body = String),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn print(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<InvoiceId>,
    ApiQuery(p): ApiQuery<PrintParams>,
) -> ApiResult<Response> {
    let m = auth.actor.current_merchant()?;
    let lang = p
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::ZhCn);
    let printable = inv::printable_invoice(&state.app, &auth.actor, m, id).await?;
    Ok(html_response(print_html(&printable, lang)))
}
