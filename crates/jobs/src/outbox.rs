//! The outbox relay (issue 7, CH-3, docs/adr/0022): claims due push-back events, sends
//! each to its channel through a [`ChannelPusher`], and stores the result with the retry
//! schedule. One worker per process, started by `omnihub serve`; several processes on one
//! PostgreSQL database share the queue safely (claims skip each other's rows).
//!
//! Delivery is at least once: a worker that dies between sending and recording sends the
//! event again after its lease. Every request carries `X-Omnihub-Event-Id` so a receiver
//! can drop the repeat.

use std::future::Future;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use omnihub_app::App;
use omnihub_app::outbox::{self, AttemptResult, Delivery, RelaySettings};
use omnihub_domain::channels::ChannelPlatform;
use omnihub_domain::channels::push::{PushMethod, PushStatus};

use crate::ShutdownListener;

/// Sends one claimed event to its channel. The real one is [`HttpPusher`]; tests may
/// substitute their own.
pub trait ChannelPusher: Send + Sync {
    /// Sends `d` and says what came back (never fails: a failure is a result too).
    fn push(&self, d: &Delivery) -> impl Future<Output = AttemptResult> + Send;
}

/// The header that carries the event id, for receivers to deduplicate by.
pub const EVENT_ID_HEADER: &str = "X-Omnihub-Event-Id";

/// Pushes over HTTP with reqwest. Built without TLS (loopback and plain-HTTP endpoints
/// only; docs/outbox.md): an `https://` base URL fails with a clear error and is retried
/// until it is dead, until the `rustls` feature is added.
#[derive(Debug, Clone)]
pub struct HttpPusher {
    client: reqwest::Client,
}

impl HttpPusher {
    /// A pusher whose requests give up after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("omnihub/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }
}

/// The error and its causes, shortened for the event's `last_error`.
fn error_text(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text.chars().take(500).collect()
}

/// The platform's authentication header for the channel's token: Shopify's access token
/// header; WooCommerce REST keys as HTTP Basic (`consumer_key:consumer_secret`); our own
/// platform a bearer token.
fn auth_header(platform: ChannelPlatform, token: &str) -> (&'static str, String) {
    match platform {
        ChannelPlatform::Shopify => ("X-Shopify-Access-Token", token.to_owned()),
        ChannelPlatform::Woocommerce => {
            ("Authorization", format!("Basic {}", STANDARD.encode(token)))
        }
        _ => ("Authorization", format!("Bearer {token}")),
    }
}

impl ChannelPusher for HttpPusher {
    async fn push(&self, d: &Delivery) -> AttemptResult {
        let url = format!("{}{}", d.base_url, d.request.path);
        if url.starts_with("https://") {
            return AttemptResult {
                status: None,
                error: Some("https is not supported by this build (plain http only)".into()),
            };
        }
        let method = match d.request.method {
            PushMethod::Post => reqwest::Method::POST,
            PushMethod::Put => reqwest::Method::PUT,
        };
        let mut request = self
            .client
            .request(method, &url)
            .header("Content-Type", "application/json")
            .header(EVENT_ID_HEADER, d.event_id.to_string())
            .header("X-Omnihub-Event-Kind", d.kind.code())
            .body(d.request.body.to_string());
        if let Some(token) = &d.api_token {
            let (name, value) = auth_header(d.platform, token);
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let error = (!status.is_success()).then(|| format!("HTTP {}", status.as_u16()));
                AttemptResult {
                    status: Some(status.as_u16()),
                    error,
                }
            }
            Err(err) => AttemptResult {
                status: None,
                error: Some(error_text(&err)),
            },
        }
    }
}

/// What one [`run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events claimed and sent.
    pub sent: usize,
    /// Accepted by their channel.
    pub delivered: usize,
    /// Pending again, for a later attempt.
    pub retrying: usize,
    /// Given up.
    pub dead: usize,
}

/// Claims one batch of due events, sends each and stores the results.
pub async fn run_once<P: ChannelPusher>(
    app: &App,
    settings: &RelaySettings,
    pusher: &P,
) -> omnihub_app::error::Result<RunStats> {
    let mut stats = RunStats::default();
    for d in outbox::claim(app, settings).await? {
        let result = pusher.push(&d).await;
        stats.sent += 1;
        match outbox::record(app, &settings.policy, &d, &result).await? {
            Some(PushStatus::Delivered) => stats.delivered += 1,
            Some(PushStatus::Pending) => stats.retrying += 1,
            Some(PushStatus::Dead) => stats.dead += 1,
            None => {}
        }
        tracing::info!(event_id = %d.event_id, kind = d.kind.code(), attempt = d.attempt,
            status = ?result.status, error = ?result.error, "outbox push");
    }
    Ok(stats)
}

/// The process-wide relay: drains due events, then sleeps `interval` (or until shutdown).
#[derive(Debug, Clone)]
pub struct OutboxWorker<P> {
    /// The use cases' context.
    pub app: App,
    /// Claims and retries.
    pub settings: RelaySettings,
    /// The pause between polls when nothing is due.
    pub interval: Duration,
    /// How events are sent.
    pub pusher: P,
}

impl<P: ChannelPusher> OutboxWorker<P> {
    /// Runs until `shutdown`; an error in one round is logged and the next round goes on.
    /// The pacing is a tokio interval (wall-clock pacing, not business time: what is due
    /// is decided by the app's injected clock).
    pub async fn run(self, shutdown: ShutdownListener) {
        tracing::info!(
            interval_ms = self.interval.as_millis(),
            "outbox worker started"
        );
        let mut ticks = tokio::time::interval(self.interval.max(Duration::from_millis(10)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let batch = usize::try_from(self.settings.batch).unwrap_or(usize::MAX);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = shutdown.clone().wait() => break,
            }
            // Drain: a full batch means more may be due at once.
            loop {
                match run_once(&self.app, &self.settings, &self.pusher).await {
                    Ok(stats) if stats.sent >= batch && !shutdown.is_triggered() => {}
                    Ok(_) => break,
                    Err(err) => {
                        tracing::error!(error = %err, "outbox round failed");
                        break;
                    }
                }
            }
        }
        tracing::info!("outbox worker stopped");
    }
}
