//! The payment API (issue 7, PAY-1/PAY-2; docs/adr/0019): an order's payments under
//! `/api/v1/orders/{order_id}/payments`, moves of one payment under
//! `/api/v1/payments/{payment_id}`, and provider notifications at
//! `/api/v1/payments/providers/{provider}/notify` (public, verified by signature).
//!
//! Every route but the notification acts in the caller's current merchant; another
//! merchant's order or payment is 404. Card numbers are refused anywhere in a body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnihub_app::payments;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::OrderId;
use omnihub_domain::payments::PaymentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::idempotency as idem;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiJsonRaw, ApiPath, ApiQuery, Auth, IdempotencyKey};
use crate::state::AppState;

pub mod dto;

use dto::{
    NotificationAck, NotifyParams, PaymentBody, PaymentDto, PaymentListDto, RefundBody, SecretBody,
};

/// The payment routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_payments, record_payment))
        .routes(routes!(get_payment))
        .routes(routes!(capture))
        .routes(routes!(fail))
        .routes(routes!(refund))
        .routes(routes!(put_secret))
        .routes(routes!(notify))
}

fn merchant(auth: &Auth) -> Result<MerchantId, ApiError> {
    Ok(auth.actor.current_merchant()?)
}

/// Card numbers are refused in any field of the body, known or not.
fn no_card_numbers(raw: &[u8]) -> Result<(), ApiError> {
    let text = String::from_utf8_lossy(raw);
    Ok(payments::refuse_card_numbers(&[("body", Some(&text))])?)
}

/// The payments of an order, oldest first, each with its event log. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/orders/{order_id}/payments", tag = "payments", params(("order_id" = String, Path, description = "Order id")), security(("bearer" = [])), responses(
    (status = 200, body = PaymentListDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn list_payments(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<OrderId>,
) -> ApiResult<Json<PaymentListDto>> {
    let m = merchant(&auth)?;
    let items = payments::list_payments(&state.app, &auth.actor, m, id).await?;
    Ok(Json(PaymentListDto {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Records a payment of an order and recomputes the order's payment status; an order held
/// only for being unpaid is released and allocated once secured. Idempotent by
/// `Idempotency-Key`. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/orders/{order_id}/payments", tag = "payments", request_body = PaymentBody, params(("order_id" = String, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "The same key with the same body replays the first response")), security(("bearer" = [])), responses(
    (status = 201, body = PaymentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`payment-reference-taken`, `order-changed`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`card-number-refused` (nothing stored), field errors (`amount`: `above_due`, `not_positive`; `method`, `state`), `idempotency-key-reused`", body = Problem, content_type = "application/problem+json")
))]
async fn record_payment(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    ApiPath(id): ApiPath<OrderId>,
    ApiJsonRaw(body, raw): ApiJsonRaw<PaymentBody>,
) -> ApiResult<Response> {
    let m = merchant(&auth)?;
    no_card_numbers(&raw)?;
    let route = format!("POST /api/v1/orders/{id}/payments");
    let request = idem::request(key.as_deref(), &route, &raw)?;
    let input = body.into();
    let render = |p| idem::json(StatusCode::CREATED, &PaymentDto::from(p));
    let outcome = payments::record_payment(
        &state.app,
        &auth.actor,
        m,
        id,
        &input,
        request.as_ref(),
        render,
    )
    .await?;
    Ok(idem::respond(outcome))
}

/// One payment with its event log. Needs `orders.read`.
#[utoipa::path(get, path = "/api/v1/payments/{payment_id}", tag = "payments", params(("payment_id" = String, Path, description = "Payment id")), security(("bearer" = [])), responses(
    (status = 200, body = PaymentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
async fn get_payment(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PaymentId>,
) -> ApiResult<Json<PaymentDto>> {
    let m = merchant(&auth)?;
    let p = payments::get_payment(&state.app, &auth.actor, m, id).await?;
    Ok(Json(p.into()))
}

/// Captures a pending or authorised payment. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/payments/{payment_id}/capture", tag = "payments", params(("payment_id" = String, Path, description = "Payment id")), security(("bearer" = [])), responses(
    (status = 200, body = PaymentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`payment-state`: failed, captured or refunded already", body = Problem, content_type = "application/problem+json")
))]
async fn capture(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PaymentId>,
) -> ApiResult<Json<PaymentDto>> {
    let m = merchant(&auth)?;
    let p = payments::capture_payment(&state.app, &auth.actor, m, id).await?;
    Ok(Json(p.into()))
}

/// Marks a pending or authorised payment failed. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/payments/{payment_id}/fail", tag = "payments", params(("payment_id" = String, Path, description = "Payment id")), security(("bearer" = [])), responses(
    (status = 200, body = PaymentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`payment-state`: captured, refunded or failed already", body = Problem, content_type = "application/problem+json")
))]
async fn fail(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PaymentId>,
) -> ApiResult<Json<PaymentDto>> {
    let m = merchant(&auth)?;
    let p = payments::fail_payment(&state.app, &auth.actor, m, id).await?;
    Ok(Json(p.into()))
}

/// Gives back part or all of a captured payment. Needs `orders.manage`; audited.
#[utoipa::path(post, path = "/api/v1/payments/{payment_id}/refund", tag = "payments", request_body = RefundBody, params(("payment_id" = String, Path, description = "Payment id")), security(("bearer" = [])), responses(
    (status = 200, body = PaymentDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`payment-state` (not captured), `refund-amount` (0 or more than is left)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`amount` is not a decimal amount; `card-number-refused`", body = Problem, content_type = "application/problem+json")
))]
async fn refund(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<PaymentId>,
    ApiJsonRaw(b, raw): ApiJsonRaw<RefundBody>,
) -> ApiResult<Json<PaymentDto>> {
    let m = merchant(&auth)?;
    no_card_numbers(&raw)?;
    let p = payments::refund_payment(&state.app, &auth.actor, m, id, &b.amount).await?;
    Ok(Json(p.into()))
}

/// Sets the current merchant's notification secret for a provider (`test`). Needs
/// `settings.manage`; audited (without the secret).
#[utoipa::path(put, path = "/api/v1/payments/providers/{provider}/secret", tag = "payments", request_body = SecretBody, params(("provider" = String, Path, description = "`test`")), security(("bearer" = [])), responses(
    (status = 204, description = "Set"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`secret` too short", body = Problem, content_type = "application/problem+json")
))]
async fn put_secret(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(provider): ApiPath<String>,
    ApiJson(b): ApiJson<SecretBody>,
) -> ApiResult<StatusCode> {
    let m = merchant(&auth)?;
    payments::set_provider_secret(&state.app, &auth.actor, m, &provider, &b.secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Receives a provider's notification for one of `merchant_id`'s payments. The test
/// provider signs `base64(HMAC-SHA256(secret, raw_body))` in `X-Omnihub-Signature`; the
/// body is `{"provider_reference", "event": "authorized|captured|failed|refunded",
/// "amount"}`. Authenticated by the signature alone; the same notification twice changes
/// nothing (`duplicate`).
#[utoipa::path(post, path = "/api/v1/payments/providers/{provider}/notify", tag = "payments", request_body(content = String, content_type = "application/json", description = "The notification, exactly as signed"), params(("provider" = String, Path, description = "`test`"), NotifyParams), responses(
    (status = 200, body = NotificationAck),
    (status = 401, description = "`signature-mismatch`: missing or wrong signature, or no secret set; nothing changed", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider or payment", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`payment-state`, `refund-amount`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`notification-malformed`", body = Problem, content_type = "application/problem+json")
))]
async fn notify(
    State(state): State<AppState>,
    ApiPath(provider): ApiPath<String>,
    ApiQuery(p): ApiQuery<NotifyParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<NotificationAck>> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let (outcome, payment) =
        payments::receive_notification(&state.app, p.merchant_id, &provider, &headers, &body)
            .await
            .map_err(|e| match e {
                omnihub_app::Error::Unauthenticated => {
                    ApiError::WebhookSignature("signature-mismatch")
                }
                other => other.into(),
            })?;
    Ok(Json(NotificationAck {
        outcome: outcome.code().to_owned(),
        payment: payment.into(),
    }))
}
