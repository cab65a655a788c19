//! The mock channel (issue 6): realistic, signed Shopify and WooCommerce order deliveries
//! for demos, load runs and HTTP tests, without a real shop.
//!
//! A [`DemoOrder`] is a small spec (lines, currency, customer, destination, payment,
//! cancellation). [`shopify_payload`] and [`woocommerce_payload`] start from the official
//! fixture JSON the mappers are tested against and replace ids, numbers, lines, prices,
//! totals, customer and addresses, so the body is in the channel's real format and its
//! totals add up. [`shopify_delivery`] and [`woocommerce_delivery`] add the headers the
//! platform sends, signed with [`super::webhooks`].
//!
//! Pure and deterministic: [`demo_order`] derives everything from the seed, the sequence
//! number and the instant passed in, so the same arguments give byte-identical deliveries
//! (a replay really is a duplicate).

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::money::{Currency, Money};

use super::webhooks::{OrderTopic, sign_shopify, sign_woocommerce};

mod shopify;
mod woocommerce;

pub use shopify::shopify_payload;
pub use woocommerce::woocommerce_payload;

/// The shop domain the mock Shopify deliveries claim to come from.
pub const DEMO_SHOP_DOMAIN: &str = "omnihub-demo.myshopify.com";
/// The site URL the mock WooCommerce deliveries claim to come from.
pub const DEMO_WOO_SOURCE: &str = "https://woo.omnihub-demo.example/";

/// One line of a demo order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLine {
    /// The SKU code the channel sends (`line_items[].sku`).
    pub sku: String,
    /// How many, at least 1.
    pub quantity: u32,
    /// Price of one unit as a decimal string in the order currency (`"19.90"`). A string
    /// that does not parse is written as is, which makes an unmappable payload on purpose.
    pub unit_price: String,
}

/// What a demo order is: everything the generated payloads vary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrder {
    /// Position in the run (1, 2, ...): the visible order number derives from it.
    pub sequence: u64,
    /// The channel's order id (digits, like both platforms use).
    pub external_id: String,
    /// The lines, at least one.
    pub lines: Vec<DemoLine>,
    /// Shipping charged, a decimal string in the order currency.
    pub shipping: String,
    /// The order currency.
    pub currency: Currency,
    /// Customer email.
    pub email: String,
    /// Customer first name.
    pub first_name: String,
    /// Customer last name.
    pub last_name: String,
    /// ISO 3166-1 alpha-2 shipping country.
    pub country: String,
    /// Shipping province or state code.
    pub province: String,
    /// Shipping city.
    pub city: String,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// Paid (Shopify `paid`, WooCommerce `processing`) or pending.
    pub paid: bool,
    /// When the channel cancelled it, if it did.
    pub cancelled_at: Option<Timestamp>,
}

/// SKU codes used when the caller names none.
pub const DEFAULT_SKUS: [&str; 4] = ["TEE-M", "TEE-L", "MUG-01", "CAP-01"];

const FIRST: [&str; 8] = ["Ada", "Li", "Grace", "Mei", "Alan", "Yuki", "Hedy", "Omar"];
const LAST: [&str; 8] = [
    "Lovelace", "Wei", "Hopper", "Chen", "Turing", "Sato", "Lamarr", "Haddad",
];
const PLACES: [(&str, &str, &str); 6] = [
    ("US", "CA", "San Francisco"),
    ("US", "NY", "New York"),
    ("CN", "SH", "Shanghai"),
    ("DE", "BE", "Berlin"),
    ("GB", "ENG", "London"),
    ("JP", "13", "Tokyo"),
];

/// SplitMix64: a tiny, well-mixed generator, enough for demo data (not for secrets).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the tiny modulo bias does not matter here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let at = usize::try_from(self.below(len)).unwrap_or(0);
        &items[at.min(items.len().saturating_sub(1))]
    }
}

/// Order `sequence` of the demo run `seed`: 1 to 3 distinct SKUs from `skus` (or
/// [`DEFAULT_SKUS`] when empty), 1 to 4 of each, prices from 1.00 to 200.00 (in minor units,
/// so 100 to 20000 yen for JPY), about four in five paid, placed `sequence` minutes after
/// `start`. The external id is unique per (seed, sequence) while both are below a million,
/// so runs with different seeds do not collide and a rerun with the same seed replays.
pub fn demo_order(
    seed: u64,
    sequence: u64,
    skus: &[String],
    currency: Currency,
    start: Timestamp,
) -> DemoOrder {
    let mut rng = Rng(seed ^ sequence.wrapping_mul(0xA24B_AED4_963E_E407));
    let defaults: Vec<String> = DEFAULT_SKUS.iter().map(|s| (*s).to_owned()).collect();
    let mut pool: Vec<String> = if skus.is_empty() {
        defaults
    } else {
        skus.to_vec()
    };
    let wanted = 1 + rng.below(3.min(u64::try_from(pool.len()).unwrap_or(1)));
    let mut lines = Vec::new();
    for _ in 0..wanted {
        let at = usize::try_from(rng.below(u64::try_from(pool.len()).unwrap_or(1))).unwrap_or(0);
        let sku = pool.swap_remove(at.min(pool.len().saturating_sub(1)));
        let minor = i64::try_from(100 + rng.below(19_901)).unwrap_or(100);
        lines.push(DemoLine {
            sku,
            quantity: u32::try_from(1 + rng.below(4)).unwrap_or(1),
            unit_price: Money::from_minor(minor, currency).amount_text(),
        });
    }
    let shipping = *rng.pick(&[0_i64, 500, 990]);
    let (first, last) = (*rng.pick(&FIRST), *rng.pick(&LAST));
    let (country, province, city) = *rng.pick(&PLACES);
    let minutes = i64::try_from(sequence).unwrap_or(0).saturating_mul(60);
    DemoOrder {
        sequence,
        external_id: (1_000_000_000_000 + (seed % 1_000_000) * 1_000_000 + sequence % 1_000_000)
            .to_string(),
        lines,
        shipping: Money::from_minor(shipping, currency).amount_text(),
        currency,
        email: format!(
            "{}.{}.{sequence}@demo.example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        country: country.to_owned(),
        province: province.to_owned(),
        city: city.to_owned(),
        placed_at: start
            .checked_add(SignedDuration::from_secs(minutes))
            .unwrap_or(start),
        paid: rng.below(5) != 0,
        cancelled_at: None,
    }
}

/// Figures of a demo order in the order currency: per-line subtotals, items and total.
/// A price that does not parse counts as zero and is passed through as its line subtotal,
/// so both formats carry the bad figure.
struct Figures {
    line_subtotals: Vec<String>,
    items: String,
    total: String,
}

fn figures(order: &DemoOrder) -> Figures {
    let parse = |raw: &str| Money::parse(raw, order.currency).map(Money::minor);
    let text = |minor: i64| Money::from_minor(minor, order.currency).amount_text();
    let subtotals: Vec<Result<i64, &str>> = order
        .lines
        .iter()
        .map(|l| {
            parse(&l.unit_price)
                .map(|p| p.saturating_mul(i64::from(l.quantity)))
                .map_err(|_| l.unit_price.as_str())
        })
        .collect();
    let items = subtotals
        .iter()
        .fold(0_i64, |a, b| a.saturating_add(*b.as_ref().unwrap_or(&0)));
    Figures {
        line_subtotals: subtotals
            .iter()
            .map(|m| m.map_or_else(str::to_owned, text))
            .collect(),
        items: text(items),
        total: text(items.saturating_add(parse(&order.shipping).unwrap_or(0))),
    }
}

fn fixture(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or(Value::Null)
}

/// Sets each `(key, value)` on the JSON object `target`.
fn set_all<const N: usize>(target: &mut Value, pairs: [(&str, Value); N]) {
    for (key, value) in pairs {
        target[key] = value;
    }
}

/// A stable id made of digits for line `index` of `order`.
fn line_id(order: &DemoOrder, index: usize) -> u64 {
    order.external_id.parse::<u64>().unwrap_or(0) % 1_000_000_000 * 10 + index as u64
}

/// The order id as the platforms send it: a JSON number when it is one.
fn id_value(order: &DemoOrder) -> Value {
    order
        .external_id
        .parse::<u64>()
        .map_or_else(|_| json!(order.external_id), |n| json!(n))
}

/// One HTTP header of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header name as the platform spells it.
    pub name: &'static str,
    /// Its value.
    pub value: String,
}

impl Header {
    fn new(name: &'static str, value: impl Into<String>) -> Self {
        Self {
            name,
            value: value.into(),
        }
    }
}

/// A webhook delivery exactly as the platform would POST it: send `body` with
/// [`Delivery::headers`] to `/api/v1/channels/{id}/webhooks/{kind}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `X-Shopify-Topic` or `X-WC-Webhook-Topic`.
    pub topic: Header,
    /// `X-Shopify-Hmac-Sha256` or `X-WC-Webhook-Signature`, over `body`.
    pub signature: Header,
    /// The other headers: content type, shop or source, API version, webhook and delivery
    /// ids. The ids derive from the order, topic and body, so a replay of the same delivery
    /// carries the same ones and a changed body (another `start`) gets new ones.
    pub extra: Vec<Header>,
    /// The raw JSON body.
    pub body: Vec<u8>,
}

impl Delivery {
    /// Every header, topic and signature first.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [&self.topic, &self.signature]
            .into_iter()
            .chain(&self.extra)
            .map(|h| (h.name, h.value.as_str()))
    }

    /// The value of header `name` (any case), if the delivery has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

/// `order` as the delivery of `topic` describes it: a cancellation without a time is
/// cancelled an hour after it was placed.
fn for_topic(order: &DemoOrder, topic: OrderTopic) -> DemoOrder {
    let mut order = order.clone();
    if topic == OrderTopic::Cancelled && order.cancelled_at.is_none() {
        order.cancelled_at = order
            .placed_at
            .checked_add(SignedDuration::from_hours(1))
            .ok();
    }
    order
}

/// 16 bytes of SHA-256 over the parts, shaped as a version 4 UUID (stable, not random).
fn stable_uuid(parts: &[&[u8]]) -> uuid::Uuid {
    let digest = Sha256::digest(parts.join(&0x1f_u8));
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The signed Shopify delivery of `topic` for `order` (`orders/create`, `orders/updated`,
/// `orders/cancelled`; a cancelled topic sends a cancelled order).
pub fn shopify_delivery(secret: &str, topic: OrderTopic, order: &DemoOrder) -> Delivery {
    let name = match topic {
        OrderTopic::Created => "orders/create",
        OrderTopic::Updated => "orders/updated",
        OrderTopic::Cancelled => "orders/cancelled",
    };
    let body = shopify_payload(&for_topic(order, topic));
    let webhook_id = stable_uuid(&[
        b"shopify",
        order.external_id.as_bytes(),
        name.as_bytes(),
        &body,
    ]);
    Delivery {
        topic: Header::new("X-Shopify-Topic", name),
        signature: Header::new("X-Shopify-Hmac-Sha256", sign_shopify(secret, &body)),
        extra: vec![
            Header::new("Content-Type", "application/json"),
            Header::new("X-Shopify-Shop-Domain", DEMO_SHOP_DOMAIN),
            Header::new("X-Shopify-API-Version", "2024-04"),
            Header::new("X-Shopify-Webhook-Id", webhook_id.to_string()),
            Header::new("X-Shopify-Triggered-At", shopify::time(order.placed_at)),
        ],
        body,
    }
}

/// The signed WooCommerce delivery of `topic` for `order`. WooCommerce has no cancel
/// topic: a cancellation is `order.updated` with `status: cancelled`.
pub fn woocommerce_delivery(secret: &str, topic: OrderTopic, order: &DemoOrder) -> Delivery {
    let event = match topic {
        OrderTopic::Created => "created",
        OrderTopic::Updated | OrderTopic::Cancelled => "updated",
    };
    let body = woocommerce_payload(&for_topic(order, topic));
    let digest = stable_uuid(&[
        b"woo",
        order.external_id.as_bytes(),
        event.as_bytes(),
        &body,
    ]);
    let delivery_id = digest.as_u128() % 1_000_000_000;
    Delivery {
        topic: Header::new("X-WC-Webhook-Topic", format!("order.{event}")),
        signature: Header::new("X-WC-Webhook-Signature", sign_woocommerce(secret, &body)),
        extra: vec![
            Header::new("Content-Type", "application/json"),
            Header::new("X-WC-Webhook-Source", DEMO_WOO_SOURCE),
            Header::new("X-WC-Webhook-Resource", "order"),
            Header::new("X-WC-Webhook-Event", event),
            Header::new("X-WC-Webhook-ID", "1"),
            Header::new("X-WC-Webhook-Delivery-ID", delivery_id.to_string()),
        ],
        body,
    }
}

#[cfg(test)]
mod tests;
