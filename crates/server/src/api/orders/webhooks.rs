//! The channel webhook receiver: `POST /api/v1/channels/{channel_id}/webhooks/{kind}`
//! with `kind` the channel's platform (`shopify`, `woocommerce`).
//!
//! The signature is checked over the exact bytes received, with the channel's own secret,
//! before anything is parsed or stored: a missing or wrong signature is 401 and leaves no
//! trace. Then a WooCommerce ping is answered, topics we do not take are acknowledged
//! (2xx, so the channel does not retry) and ignored, and an order delivery goes through
//! intake: idempotent by (channel, external id), an unmappable payload kept in the
//! exception queue. Any 2xx tells the channel it need not send again; a 5xx makes it
//! retry, which intake absorbs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use omnihub_app::orders::{self, Delivery};
use omnihub_domain::channels::{
    self as ch, ChannelId, ChannelPlatform, OrderTopic, SignatureError,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive))
}

/// What the receiver did with a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    /// `created`, `duplicate`, `updated`, `ping` or `ignored` (a topic we do not take).
    pub outcome: String,
    /// The order, for order deliveries.
    pub order_id: Option<String>,
    /// Its number.
    pub number: Option<String>,
    /// Its work queue (`exception` when the payload could not be mapped).
    pub queue: Option<String>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn refuse(e: SignatureError) -> ApiError {
    ApiError::WebhookSignature(e.code())
}

fn ack(outcome: &str) -> Json<WebhookAck> {
    Json(WebhookAck {
        outcome: outcome.to_owned(),
        order_id: None,
        number: None,
        queue: None,
    })
}

/// Receives a channel's order webhook. Shopify: `X-Shopify-Hmac-Sha256` (base64
/// HMAC-SHA256 of the raw body with the channel's webhook secret) and `X-Shopify-Topic`
/// (`orders/create`, `orders/updated`, `orders/cancelled`). WooCommerce:
/// `X-WC-Webhook-Signature` and `X-WC-Webhook-Topic` (`order.created`, `order.updated`);
/// the `webhook_id=N` ping is answered 200. Authenticated by the signature alone.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/webhooks/{kind}", tag = "orders", request_body(content = String, content_type = "application/json", description = "The channel's own order JSON, exactly as it signed it"), params(("channel_id" = String, Path, description = "Channel id"), ("kind" = String, Path, description = "`shopify` or `woocommerce`: the channel's platform")), responses(
    (status = 201, description = "A new order (possibly in the exception queue)", body = WebhookAck),
    (status = 200, description = "A replay, an update, a ping, or an ignored topic", body = WebhookAck),
    (status = 401, description = "`signature-malformed` or `signature-mismatch`: nothing stored", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such channel, or `kind` is not its platform", body = Problem, content_type = "application/problem+json")
))]
async fn receive(
    State(state): State<AppState>,
    ApiPath((channel, kind)): ApiPath<(ChannelId, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<WebhookAck>)> {
    let target = orders::webhook_target(&state.app, channel).await?;
    let platform = ChannelPlatform::parse(&kind).ok();
    let Some(target) =
        target.filter(|t| Some(t.platform) == platform && t.platform.receives_webhooks())
    else {
        return Err(ApiError::App(omnihub_app::Error::NotFound {
            entity: "webhook endpoint",
        }));
    };
    let secret = target
        .secret
        .as_deref()
        .ok_or(ApiError::WebhookSignature("signature-mismatch"))?;
    let (signature, topic_header) = match target.platform {
        ChannelPlatform::Shopify => (
            ch::verify_shopify(secret, &body, header(&headers, "x-shopify-hmac-sha256")),
            "x-shopify-topic",
        ),
        _ => (
            ch::verify_woocommerce(secret, &body, header(&headers, "x-wc-webhook-signature")),
            "x-wc-webhook-topic",
        ),
    };
    signature.map_err(refuse)?;
    if target.platform == ChannelPlatform::Woocommerce && ch::woocommerce_ping(&body).is_some() {
        return Ok((StatusCode::OK, ack("ping")));
    }
    let raw_topic = header(&headers, topic_header).unwrap_or_default();
    let topic = match target.platform {
        ChannelPlatform::Shopify => OrderTopic::parse_shopify(raw_topic),
        _ => OrderTopic::parse_woocommerce(raw_topic),
    };
    let Ok(topic) = topic else {
        return Ok((StatusCode::OK, ack("ignored")));
    };
    let mut mapped = match target.platform {
        ChannelPlatform::Shopify => ch::shopify::map_order(&body),
        _ => ch::woocommerce::map_order(&body),
    };
    // A payload too broken to name its order is still kept; the channel's delivery id
    // (the same on its retries) stands in for the order id, so retries do not pile up.
    if let Err(u) = &mut mapped
        && u.external_id.is_none()
    {
        let delivery = ["x-shopify-webhook-id", "x-wc-webhook-delivery-id"]
            .into_iter()
            .find_map(|h| header(&headers, h));
        u.external_id = delivery.and_then(|d| ch::ExternalId::parse(&format!("delivery:{d}")).ok());
    }
    let delivery = Delivery {
        channel,
        source: target.platform,
        topic,
        payload: String::from_utf8_lossy(&body).into_owned(),
        mapped,
    };
    let intake = orders::receive_webhook(&state.app, target.merchant, &delivery).await?;
    let status = match intake.outcome {
        orders::IntakeOutcome::Created => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    let o = intake.order.order;
    Ok((
        status,
        Json(WebhookAck {
            outcome: intake.outcome.code().to_owned(),
            order_id: Some(o.id.to_string()),
            number: Some(o.number),
            queue: o.queue.map(|q| q.code().to_owned()),
        }),
    ))
}
