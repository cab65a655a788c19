//! `omnihub demo channel`: the mock channel. Sends realistic, signed Shopify or
//! WooCommerce order webhooks (built by `omnihub_domain::channels::demo`) to a running
//! Omnihub, as the platform would, and prints what came back. With `--replay` each
//! delivery goes out several times (concurrently when `--concurrency` allows), which shows
//! intake deduplicating.

pub mod seed;
mod seed_orders;
mod seed_report;
mod seed_tracking;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use omnihub_domain::channels::demo::{
    Delivery, demo_order, shopify_delivery, woocommerce_delivery,
};
use omnihub_domain::channels::{ChannelId, OrderTopic};
use omnihub_domain::clock::Clock;
use omnihub_domain::money::Currency;

/// Which platform the mock channel imitates; also the `{kind}` of the webhook route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoKind {
    /// Shopify `orders/*` webhooks (`X-Shopify-Hmac-Sha256`).
    Shopify,
    /// WooCommerce `order.*` webhooks (`X-WC-Webhook-Signature`).
    Woocommerce,
}

impl DemoKind {
    const fn path(self) -> &'static str {
        match self {
            Self::Shopify => "shopify",
            Self::Woocommerce => "woocommerce",
        }
    }
}

/// `omnihub demo channel` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ChannelArgs {
    /// The platform to imitate (the channel's platform).
    #[arg(long, value_enum)]
    pub kind: DemoKind,
    /// Base URL of the running Omnihub.
    #[arg(long, default_value = "http://127.0.0.1:8080", value_name = "URL")]
    pub url: String,
    /// The channel's id (as shown by `GET /api/v1/channels`).
    #[arg(long, value_name = "UUID")]
    pub channel: ChannelId,
    /// The channel's webhook secret.
    #[arg(long, env = "OMNIHUB_DEMO_SECRET", hide_env_values = true)]
    pub secret: String,
    /// How many orders to generate.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub orders: u64,
    /// SKU codes to order, comma-separated (default: TEE-M,TEE-L,MUG-01,CAP-01).
    #[arg(long, value_delimiter = ',', value_name = "CODE,CODE,...")]
    pub skus: Vec<String>,
    /// How many deliveries are in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Send each delivery this many times (to show deduplication).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub replay: u16,
    /// Seed of the generated orders: the same seed gives the same order ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Which webhook topic to send.
    #[arg(long, default_value = "created", value_parser = parse_topic)]
    pub topic: OrderTopic,
    /// The orders' currency (ISO 4217).
    #[arg(long, default_value = "USD", value_parser = parse_currency)]
    pub currency: Currency,
}

fn parse_topic(raw: &str) -> Result<OrderTopic, String> {
    OrderTopic::parse(raw).map_err(|e| e.to_string())
}

fn parse_currency(raw: &str) -> Result<Currency, String> {
    Currency::parse(&raw.to_ascii_uppercase()).map_err(|e| e.to_string())
}

/// What the server answered, counted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Deliveries attempted.
    pub sent: usize,
    /// 2xx answers by status code (intake may tell new from duplicate by the code).
    pub ok: BTreeMap<u16, usize>,
    /// 4xx answers by status code.
    pub client_errors: BTreeMap<u16, usize>,
    /// 5xx answers by status code.
    pub server_errors: BTreeMap<u16, usize>,
    /// Any other status (1xx, 3xx) by code.
    pub other: BTreeMap<u16, usize>,
    /// Deliveries that got no answer, and the first reason.
    pub failed: usize,
    /// The first connection error seen.
    pub first_error: Option<String>,
}

impl Summary {
    /// Counts one outcome: the status code, or why there was none.
    pub fn record(&mut self, outcome: Result<u16, String>) {
        self.sent += 1;
        match outcome {
            Ok(code @ 200..=299) => *self.ok.entry(code).or_default() += 1,
            Ok(code @ 400..=499) => *self.client_errors.entry(code).or_default() += 1,
            Ok(code @ 500..=599) => *self.server_errors.entry(code).or_default() += 1,
            Ok(code) => *self.other.entry(code).or_default() += 1,
            Err(reason) => {
                self.failed += 1;
                self.first_error.get_or_insert(reason);
            }
        }
    }

    /// A 5xx or an unanswered delivery fails the run; a 4xx is an answer (a refused
    /// signature or a paused channel is the server working).
    pub fn succeeded(&self) -> bool {
        self.server_errors.is_empty() && self.failed == 0
    }

    fn counts(map: &BTreeMap<u16, usize>) -> String {
        let parts: Vec<String> = map.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        let total: usize = map.values().sum();
        if parts.is_empty() {
            "0".into()
        } else {
            format!("{total} ({})", parts.join(", "))
        }
    }

    /// The one-line report, with `elapsed_ms`.
    pub fn line(&self, elapsed_ms: i64) -> String {
        let mut line = format!(
            "sent {}, 2xx {}, 4xx {}, 5xx {}, no answer {}, elapsed {elapsed_ms} ms",
            self.sent,
            Self::counts(&self.ok),
            Self::counts(&self.client_errors),
            Self::counts(&self.server_errors),
            self.failed,
        );
        if !self.other.is_empty() {
            line.push_str(&format!(", other {}", Self::counts(&self.other)));
        }
        line
    }
}

/// The deliveries of a run, in order, each repeated `replay` times in a row. Blank SKU
/// codes are dropped (so `--skus ''` means the defaults).
pub fn deliveries(args: &ChannelArgs, start: jiff::Timestamp) -> Vec<Delivery> {
    let skus: Vec<String> = args
        .skus
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut out = Vec::new();
    for sequence in 1..=args.orders {
        let order = demo_order(args.seed, sequence, &skus, args.currency, start);
        let delivery = match args.kind {
            DemoKind::Shopify => shopify_delivery(&args.secret, args.topic, &order),
            DemoKind::Woocommerce => woocommerce_delivery(&args.secret, args.topic, &order),
        };
        for _ in 0..args.replay {
            out.push(delivery.clone());
        }
    }
    out
}

/// The webhook route of `args`' channel.
pub fn endpoint(args: &ChannelArgs) -> String {
    format!(
        "{}/api/v1/channels/{}/webhooks/{}",
        args.url.trim_end_matches('/'),
        args.channel,
        args.kind.path()
    )
}

/// The error and its causes (reqwest's own message omits "connection refused").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

async fn send(client: &reqwest::Client, url: &str, d: &Delivery) -> Result<u16, String> {
    let mut request = client.post(url).body(d.body.clone());
    for (name, value) in d.headers() {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(err) => Err(error_chain(&err)),
    }
}

/// `omnihub demo channel`: sends the deliveries with `concurrency` workers and prints the
/// summary; exit 1 if any delivery got a 5xx or no answer.
pub async fn channel(args: &ChannelArgs, clock: &dyn Clock) -> anyhow::Result<ExitCode> {
    let url = endpoint(args);
    let started = clock.now();
    let all: Arc<[Delivery]> = deliveries(args, started).into();
    println!(
        "sending {} {} deliveries ({} orders × {}) to {url}",
        all.len(),
        args.kind.path(),
        args.orders,
        args.replay
    );
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")?;
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (client, url, all, next) = (client.clone(), url.clone(), all.clone(), next.clone());
        workers.spawn(async move {
            let mut outcomes = Vec::new();
            while let Some(d) = all.get(next.fetch_add(1, Ordering::Relaxed)) {
                outcomes.push(send(&client, &url, d).await);
            }
            outcomes
        });
    }
    let mut summary = Summary::default();
    while let Some(done) = workers.join_next().await {
        done.context("a sender task failed")?
            .into_iter()
            .for_each(|o| summary.record(o));
    }
    let elapsed = clock.now().duration_since(started).as_millis();
    println!(
        "{}",
        summary.line(i64::try_from(elapsed).unwrap_or(i64::MAX))
    );
    if let Some(reason) = &summary.first_error {
        eprintln!("omnihub: first connection error: {reason}");
    }
    Ok(if summary.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_class_and_code() {
        let mut s = Summary::default();
        for o in [Ok(200), Ok(202), Ok(401), Ok(401), Ok(409), Ok(302)] {
            s.record(o);
        }
        assert!(s.succeeded(), "4xx answers do not fail the run");
        assert_eq!(s.sent, 6);
        assert_eq!(s.ok, BTreeMap::from([(200, 1), (202, 1)]));
        assert_eq!(s.client_errors, BTreeMap::from([(401, 2), (409, 1)]));
        assert_eq!(
            s.line(12),
            "sent 6, 2xx 2 (200×1, 202×1), 4xx 3 (401×2, 409×1), 5xx 0, no answer 0, elapsed 12 ms, other 1 (302×1)"
        );
        s.record(Ok(503));
        assert!(!s.succeeded());
        let mut s = Summary::default();
        s.record(Err("connection refused".into()));
        s.record(Err("timed out".into()));
        assert!(!s.succeeded());
        assert_eq!(s.first_error.as_deref(), Some("connection refused"));
    }
}
