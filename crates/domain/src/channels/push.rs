//! Push-back to channels (issue 7, CH-3): what we tell a channel after a change on our
//! side (a shipment, a tracking event, a staff cancellation), as the request its platform
//! expects, and when a failed delivery is tried again. docs/adr/0022, docs/outbox.md.
//!
//! Nothing here does I/O: the app stores the [`PushRequest`] in the outbox in the same
//! transaction as the change, and the worker sends it to the channel's base URL with the
//! channel's credentials (read at delivery time, so a rotated token is used at once).
//!
//! Which channels get pushes ([`pushes`]): Shopify, WooCommerce and our own `api` platform
//! (as a callback URL), and only when the channel has a base URL. CSV and manual channels
//! have nobody to tell. Shopify tracking updates need Shopify's own fulfillment id, which we
//! do not record yet, so [`tracking_request`] gives none for Shopify.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ChannelPlatform;
use crate::codes::code_enum;

/// The Shopify Admin REST API version our requests are written against.
pub const SHOPIFY_API_VERSION: &str = "2024-10";

code_enum!(
    /// What an outbox event tells the channel.
    PushKind {
        /// Units left in a shipment (carrier, tracking number, lines).
        Fulfilment = "fulfilment",
        /// A carrier tracking event of a shipment.
        Tracking = "tracking",
        /// Staff cancelled the order or one of its lines.
        Cancellation = "cancellation",
    }
);

code_enum!(
    /// Where an outbox event is in its life.
    PushStatus {
        /// Waiting for (another) delivery attempt.
        Pending = "pending",
        /// The channel accepted it (2xx).
        Delivered = "delivered",
        /// Given up: refused for good, or out of attempts. Staff may retry it.
        Dead = "dead",
    }
);

code_enum!(
    /// The HTTP method of a push.
    PushMethod {
        /// `POST`.
        Post = "POST",
        /// `PUT`.
        Put = "PUT",
    }
);

/// Whether a channel gets push-back events at all: a platform we can talk back to and a
/// base URL to talk to.
pub fn pushes(platform: ChannelPlatform, base_url: Option<&str>) -> bool {
    let speaks = matches!(
        platform,
        ChannelPlatform::Shopify | ChannelPlatform::Woocommerce | ChannelPlatform::Api
    );
    speaks && base_url.is_some_and(|u| !u.trim().is_empty())
}

/// One request to a channel: method, path below the channel's base URL, JSON body. This
/// is what the outbox stores as an event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Method.
    pub method: PushMethod,
    /// Path (with a leading `/`, or empty for the base URL itself).
    pub path: String,
    /// Body.
    pub body: Value,
}

/// An order line as the channel knows it, with the units concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushLine {
    /// The channel's line id (Shopify `line_items[].id`, WooCommerce `line_items[].id`).
    pub external_line_id: Option<String>,
    /// The channel's SKU, for receivers that match by SKU.
    pub sku: Option<String>,
    /// Units.
    pub quantity: i64,
}

/// A shipment to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfilmentPush {
    /// The channel's order id.
    pub external_order_id: String,
    /// Our shipment.
    pub shipment_id: Uuid,
    /// Carrier code.
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// The shipped lines.
    pub lines: Vec<PushLine>,
    /// True when this shipment completes the order.
    pub order_complete: bool,
}

/// A staff cancellation to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancellationPush {
    /// The channel's order id.
    pub external_order_id: String,
    /// True when the whole order is cancelled; else only `lines`.
    pub whole_order: bool,
    /// The cancelled lines (for a partial cancellation).
    pub lines: Vec<PushLine>,
    /// Staff's reason, if given.
    pub reason: Option<String>,
}

/// A carrier tracking event to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingPush {
    /// The channel's order id.
    pub external_order_id: String,
    /// Our shipment.
    pub shipment_id: Uuid,
    /// Carrier code.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Our tracking status code (`in_transit`, `delivered`...).
    pub status: String,
    /// When the carrier saw it.
    pub happened_at: Timestamp,
    /// The carrier's description.
    pub description: Option<String>,
}

/// Percent-encodes a path segment (channel ids are numeric, but we never trust that).
fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shopify ids are integers; send them as numbers when they are.
fn shopify_id(raw: &str) -> Value {
    raw.parse::<i64>()
        .map_or_else(|_| Value::String(raw.to_owned()), Value::from)
}

fn shopify_path(order: &str, tail: &str) -> String {
    format!(
        "/admin/api/{SHOPIFY_API_VERSION}/orders/{}/{tail}",
        segment(order)
    )
}

fn woo_path(order: &str) -> String {
    format!("/wp-json/wc/v3/orders/{}", segment(order))
}

fn lines_json(lines: &[PushLine]) -> Value {
    lines
        .iter()
        .map(|l| json!({"external_line_id": l.external_line_id, "sku": l.sku, "quantity": l.quantity}))
        .collect()
}

/// Our own format, for `api` channels: one event object posted to the base URL.
fn generic(kind: PushKind, order: &str, data: Value) -> PushRequest {
    PushRequest {
        method: PushMethod::Post,
        path: String::new(),
        body: json!({"kind": kind, "external_order_id": order, "data": data}),
    }
}

/// The request that reports a shipment; none for platforms that get no pushes.
pub fn fulfilment_request(platform: ChannelPlatform, f: &FulfilmentPush) -> Option<PushRequest> {
    let order = f.external_order_id.as_str();
    match platform {
        ChannelPlatform::Shopify => {
            let items: Vec<Value> = f
                .lines
                .iter()
                .filter_map(|l| l.external_line_id.as_deref().map(|id| (id, l.quantity)))
                .map(|(id, q)| json!({"id": shopify_id(id), "quantity": q}))
                .collect();
            Some(PushRequest {
                method: PushMethod::Post,
                path: shopify_path(order, "fulfillments.json"),
                body: json!({"fulfillment": {
                    "tracking_number": f.tracking_number,
                    "tracking_company": f.carrier,
                    "notify_customer": true,
                    "line_items": items,
                }}),
            })
        }
        ChannelPlatform::Woocommerce => {
            let status = if f.order_complete {
                "completed"
            } else {
                "processing"
            };
            let tracking = json!({"shipment_id": f.shipment_id, "carrier": f.carrier,
                "service": f.service, "tracking_number": f.tracking_number, "lines": lines_json(&f.lines)});
            Some(PushRequest {
                method: PushMethod::Put,
                path: woo_path(order),
                body: json!({"status": status, "meta_data": [
                    {"key": format!("_omnihub_shipment_{}", f.shipment_id), "value": tracking}
                ]}),
            })
        }
        ChannelPlatform::Api => Some(generic(
            PushKind::Fulfilment,
            order,
            json!({"shipment_id": f.shipment_id, "carrier": f.carrier, "service": f.service,
                "tracking_number": f.tracking_number, "lines": lines_json(&f.lines),
                "order_complete": f.order_complete}),
        )),
        ChannelPlatform::Csv | ChannelPlatform::Manual => None,
    }
}

/// The request that reports a staff cancellation; none for platforms that get no pushes.
pub fn cancellation_request(
    platform: ChannelPlatform,
    c: &CancellationPush,
) -> Option<PushRequest> {
    let order = c.external_order_id.as_str();
    match platform {
        ChannelPlatform::Shopify if c.whole_order => Some(PushRequest {
            method: PushMethod::Post,
            path: shopify_path(order, "cancel.json"),
            body: json!({"reason": "other", "email": false, "restock": false}),
        }),
        // Shopify cancels unfulfilled line items through a refund with restock_type cancel.
        ChannelPlatform::Shopify => {
            let items: Vec<Value> = c
                .lines
                .iter()
                .filter_map(|l| l.external_line_id.as_deref().map(|id| (id, l.quantity)))
                .map(|(id, q)| json!({"line_item_id": shopify_id(id), "quantity": q, "restock_type": "cancel"}))
                .collect();
            Some(PushRequest {
                method: PushMethod::Post,
                path: shopify_path(order, "refunds.json"),
                body: json!({"refund": {"note": c.reason, "notify": false, "refund_line_items": items}}),
            })
        }
        ChannelPlatform::Woocommerce if c.whole_order => Some(PushRequest {
            method: PushMethod::Put,
            path: woo_path(order),
            body: json!({"status": "cancelled"}),
        }),
        ChannelPlatform::Woocommerce => Some(PushRequest {
            method: PushMethod::Put,
            path: woo_path(order),
            body: json!({"meta_data": [{"key": "_omnihub_cancelled_lines",
                "value": {"reason": c.reason, "lines": lines_json(&c.lines)}}]}),
        }),
        ChannelPlatform::Api => Some(generic(
            PushKind::Cancellation,
            order,
            json!({"whole_order": c.whole_order, "reason": c.reason, "lines": lines_json(&c.lines)}),
        )),
        ChannelPlatform::Csv | ChannelPlatform::Manual => None,
    }
}

/// The request that reports a tracking event. None for Shopify (its fulfillment events
/// need Shopify's fulfillment id, which we do not record yet) and for platforms that get
/// no pushes.
pub fn tracking_request(platform: ChannelPlatform, t: &TrackingPush) -> Option<PushRequest> {
    let order = t.external_order_id.as_str();
    let data = json!({"shipment_id": t.shipment_id, "carrier": t.carrier,
        "tracking_number": t.tracking_number, "status": t.status,
        "happened_at": t.happened_at.to_string(), "description": t.description});
    match platform {
        ChannelPlatform::Woocommerce => Some(PushRequest {
            method: PushMethod::Put,
            path: woo_path(order),
            body: json!({"meta_data": [{"key": format!("_omnihub_tracking_{}", t.shipment_id), "value": data}]}),
        }),
        ChannelPlatform::Api => Some(generic(PushKind::Tracking, order, data)),
        ChannelPlatform::Shopify | ChannelPlatform::Csv | ChannelPlatform::Manual => None,
    }
}

/// How often and how patiently a failed push is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all before an event is dead (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub base_delay: SignedDuration,
    /// The longest wait.
    pub max_delay: SignedDuration,
}

impl Default for RetryPolicy {
    /// Eight attempts over about two hours: 30 s, 1, 2, 4, 8, 16, 32 minutes (plus jitter).
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: SignedDuration::from_secs(30),
            max_delay: SignedDuration::from_hours(6),
        }
    }
}

/// What to do with an event after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Accepted: done.
    Delivered,
    /// Try again after this long.
    RetryAfter(SignedDuration),
    /// Give up.
    Dead,
}

/// Whether a response status (none: no response at all) is worth another try: timeouts,
/// rate limits, server errors and network failures are; any other refusal is final.
pub fn retryable(status: Option<u16>) -> bool {
    match status {
        None => true,
        Some(s) => s == 408 || s == 429 || (500..=599).contains(&s),
    }
}

impl RetryPolicy {
    /// The outcome of attempt number `attempt` (1 for the first) that ended with `status`
    /// (none: no response). `jitter` is a random number from the injected entropy; it adds
    /// up to a quarter of the delay so that many failed events do not retry in lockstep.
    pub fn after_attempt(self, attempt: u32, status: Option<u16>, jitter: u32) -> AttemptOutcome {
        if status.is_some_and(|s| (200..=299).contains(&s)) {
            return AttemptOutcome::Delivered;
        }
        if !retryable(status) || attempt >= self.max_attempts.max(1) {
            return AttemptOutcome::Dead;
        }
        AttemptOutcome::RetryAfter(self.delay(attempt, jitter))
    }

    /// The wait after failed attempt `attempt`: base × 2^(attempt-1), capped, plus jitter.
    pub fn delay(self, attempt: u32, jitter: u32) -> SignedDuration {
        let base = self.base_delay.as_millis();
        let cap = self.max_delay.as_millis().max(base);
        let factor = 1i128 << attempt.saturating_sub(1).min(40);
        let delay = base.saturating_mul(factor).min(cap);
        let extra = delay / 4 * i128::from(jitter % 1001) / 1000;
        let ms = i64::try_from(delay + extra).unwrap_or(i64::MAX);
        SignedDuration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment() -> FulfilmentPush {
        FulfilmentPush {
            external_order_id: "450789469".into(),
            shipment_id: Uuid::nil(),
            carrier: "sf".into(),
            service: Some("standard".into()),
            tracking_number: Some("SF100".into()),
            lines: vec![
                PushLine {
                    external_line_id: Some("466157049".into()),
                    sku: Some("TEE-M".into()),
                    quantity: 2,
                },
                PushLine {
                    external_line_id: None,
                    sku: Some("MUG".into()),
                    quantity: 1,
                },
            ],
            order_complete: true,
        }
    }

    #[test]
    fn shopify_fulfilments_post_the_tracking_and_the_channels_line_ids() {
        let r = fulfilment_request(ChannelPlatform::Shopify, &shipment()).unwrap();
        assert_eq!(r.method, PushMethod::Post);
        assert_eq!(
            r.path,
            "/admin/api/2024-10/orders/450789469/fulfillments.json"
        );
        assert_eq!(r.body["fulfillment"]["tracking_number"], "SF100");
        assert_eq!(r.body["fulfillment"]["tracking_company"], "sf");
        assert_eq!(
            r.body["fulfillment"]["line_items"],
            json!([{"id": 466_157_049, "quantity": 2}]),
            "a line the channel does not know is left out"
        );
    }

    #[test]
    fn woocommerce_orders_complete_only_with_the_last_shipment() {
        let mut f = shipment();
        let r = fulfilment_request(ChannelPlatform::Woocommerce, &f).unwrap();
        assert_eq!(
            (r.method, r.path.as_str()),
            (PushMethod::Put, "/wp-json/wc/v3/orders/450789469")
        );
        assert_eq!(r.body["status"], "completed");
        assert_eq!(r.body["meta_data"][0]["value"]["tracking_number"], "SF100");
        f.order_complete = false;
        let partial = fulfilment_request(ChannelPlatform::Woocommerce, &f).unwrap();
        assert_eq!(partial.body["status"], "processing");
    }

    #[test]
    fn cancellations_cancel_the_order_or_only_the_lines() {
        let mut c = CancellationPush {
            external_order_id: "7/27".into(),
            whole_order: true,
            lines: vec![],
            reason: Some("customer asked".into()),
        };
        let shop = cancellation_request(ChannelPlatform::Shopify, &c).unwrap();
        assert_eq!(
            shop.path, "/admin/api/2024-10/orders/7%2F27/cancel.json",
            "ids are escaped"
        );
        let woo = cancellation_request(ChannelPlatform::Woocommerce, &c).unwrap();
        assert_eq!(woo.body, json!({"status": "cancelled"}));
        c.whole_order = false;
        c.lines = shipment().lines;
        let part = cancellation_request(ChannelPlatform::Shopify, &c).unwrap();
        assert!(part.path.ends_with("/refunds.json"));
        assert_eq!(
            part.body["refund"]["refund_line_items"][0]["restock_type"],
            "cancel"
        );
        assert!(cancellation_request(ChannelPlatform::Csv, &c).is_none());
    }

    #[test]
    fn only_channels_we_can_talk_back_to_get_pushes() {
        assert!(pushes(
            ChannelPlatform::Shopify,
            Some("http://127.0.0.1:9099")
        ));
        assert!(pushes(ChannelPlatform::Api, Some("http://x.test")));
        assert!(!pushes(ChannelPlatform::Woocommerce, None));
        assert!(!pushes(ChannelPlatform::Manual, Some("http://x.test")));
        assert!(!pushes(ChannelPlatform::Csv, Some("http://x.test")));
    }

    #[test]
    fn failures_back_off_exponentially_and_refusals_are_final() {
        let p = RetryPolicy::default();
        assert_eq!(p.after_attempt(1, Some(201), 0), AttemptOutcome::Delivered);
        assert_eq!(
            p.after_attempt(1, Some(500), 0),
            AttemptOutcome::RetryAfter(SignedDuration::from_secs(30))
        );
        assert_eq!(
            p.after_attempt(3, None, 0),
            AttemptOutcome::RetryAfter(SignedDuration::from_secs(120))
        );
        assert_eq!(p.after_attempt(1, Some(404), 0), AttemptOutcome::Dead);
        assert_eq!(p.after_attempt(1, Some(401), 0), AttemptOutcome::Dead);
        assert!(matches!(
            p.after_attempt(1, Some(429), 0),
            AttemptOutcome::RetryAfter(_)
        ));
        assert_eq!(p.after_attempt(8, Some(503), 0), AttemptOutcome::Dead);
        assert_eq!(p.delay(30, 0), SignedDuration::from_hours(6), "capped");
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        let p = RetryPolicy::default();
        for j in [0, 1, 500, 1000, u32::MAX] {
            let d = p.delay(2, j);
            assert!(
                d >= SignedDuration::from_secs(60) && d <= SignedDuration::from_secs(75),
                "{d:?}"
            );
        }
        assert_eq!(p.delay(2, 1000), SignedDuration::from_secs(75));
    }
}
