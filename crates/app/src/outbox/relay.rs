//! The worker's side of the outbox: claim due events with a lease ([`claim`]), each with
//! what is needed to send it (the channel's base URL and unsealed API token, read now so
//! a rotated token is used at once), and store each attempt's result ([`record`]) with
//! the retry schedule of [`RetryPolicy`]. No permission check: only the process's own
//! worker calls these, for every merchant. Sending is `omnihub-jobs`' business.

use jiff::SignedDuration;
use omnihub_domain::channels::push::{
    self, AttemptOutcome, PushKind, PushRequest, PushStatus, RetryPolicy,
};
use omnihub_domain::channels::{ChannelId, ChannelPlatform};
use omnihub_domain::ids::MerchantId;
use omnihub_store::outbox::{self as store, AttemptRecord, OutboxRow};
use omnihub_store::time;
use uuid::Uuid;

use crate::App;
use crate::channels::require_channel;
use crate::entropy::random_bytes;
use crate::error::{Error, Result};
use crate::inventory::corrupt;

/// How the worker claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelaySettings {
    /// Events claimed at a time.
    pub batch: u32,
    /// How long a claim hides an event from other workers (longer than a delivery).
    pub lease: SignedDuration,
    /// Retries and backoff.
    pub policy: RetryPolicy,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch: 10,
            lease: SignedDuration::from_secs(60),
            policy: RetryPolicy::default(),
        }
    }
}

/// A claimed event, ready to send. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The event (sent as `X-Omnihub-Event-Id`).
    pub event_id: Uuid,
    /// Its merchant.
    pub merchant: MerchantId,
    /// The attempt number this claim gave it.
    pub attempt: i64,
    /// What it reports.
    pub kind: PushKind,
    /// The channel's platform (decides the authentication).
    pub platform: ChannelPlatform,
    /// The channel's base URL (no trailing `/`).
    pub base_url: String,
    /// The channel's API token, unsealed.
    pub api_token: Option<String>,
    /// The request to send below `base_url`.
    pub request: PushRequest,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("event_id", &self.event_id)
            .field("attempt", &self.attempt)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptResult {
    /// The response status; none when there was no response (connection refused, timeout).
    pub status: Option<u16>,
    /// What went wrong, for staff (a short text, never a credential).
    pub error: Option<String>,
}

/// Claims up to `settings.batch` due events and prepares each for sending. An event whose
/// channel can no longer be pushed to (base URL removed, platform changed) is marked dead
/// here with the reason and not returned.
#[tracing::instrument(skip_all, err)]
pub async fn claim(app: &App, settings: &RelaySettings) -> Result<Vec<Delivery>> {
    let now = app.now();
    let lease_until = now.saturating_add(settings.lease).unwrap_or(now);
    let mut tx = app.db.begin_write().await?;
    let rows = store::claim_due(
        &mut tx,
        time::to_db(now),
        time::to_db(lease_until),
        settings.batch.max(1),
    )
    .await?;
    tx.commit().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match prepare(app, &row).await {
            Ok(d) => out.push(d),
            Err(e) => {
                tracing::warn!(event_id = %row.id, error = %e, "outbox event cannot be sent");
                let gave_up = AttemptResult {
                    status: None,
                    error: Some(format!("cannot send: {e}")),
                };
                store_result(
                    app,
                    row.id,
                    row.attempts,
                    PushStatus::Dead,
                    row.next_attempt_at,
                    &gave_up,
                )
                .await?;
            }
        }
    }
    Ok(out)
}

async fn prepare(app: &App, row: &OutboxRow) -> Result<Delivery> {
    let merchant = MerchantId::from_uuid(row.merchant_id);
    let mut tx = app.db.begin_read().await?;
    let channel = require_channel(&mut tx, merchant, ChannelId::from_uuid(row.channel_id)).await?;
    drop(tx);
    let platform = ChannelPlatform::parse(&channel.platform).map_err(corrupt)?;
    let base_url = channel
        .base_url
        .filter(|u| push::pushes(platform, Some(u)))
        .ok_or_else(|| corrupt("the channel has no base URL to push to any more"))?;
    let api_token = channel
        .api_token
        .map(|sealed| {
            let plain = app.secrets.open(&sealed)?;
            String::from_utf8(plain).map_err(Error::internal)
        })
        .transpose()?;
    Ok(Delivery {
        event_id: row.id,
        merchant,
        attempt: row.attempts,
        kind: PushKind::parse(&row.kind).map_err(corrupt)?,
        platform,
        base_url: base_url.trim_end_matches('/').to_owned(),
        api_token,
        request: serde_json::from_str(&row.payload).map_err(corrupt)?,
    })
}

async fn store_result(
    app: &App,
    id: Uuid,
    attempt: i64,
    status: PushStatus,
    next_attempt_at: i64,
    result: &AttemptResult,
) -> Result<bool> {
    let mut tx = app.db.begin_write().await?;
    let record = AttemptRecord {
        id,
        attempt,
        status: status.code(),
        next_attempt_at,
        last_error: result.error.as_deref(),
        last_status: result.status.map(i64::from),
        now: time::to_db(app.now()),
    };
    let stored = store::record_attempt(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Stores the result of sending `d`: delivered on 2xx; else pending again after the
/// policy's backoff (with jitter from the injected entropy), or dead when the refusal is
/// final or the attempts are used up. Returns the event's new status, or none when the
/// claim was stale (another worker holds the event now) and nothing was stored.
#[tracing::instrument(skip_all, fields(event_id = %d.event_id), err)]
pub async fn record(
    app: &App,
    policy: &RetryPolicy,
    d: &Delivery,
    result: &AttemptResult,
) -> Result<Option<PushStatus>> {
    let jitter = u32::from_le_bytes(random_bytes::<4>(app.entropy.as_ref()));
    let attempt = u32::try_from(d.attempt).unwrap_or(u32::MAX);
    let now = app.now();
    let (status, next) = match policy.after_attempt(attempt, result.status, jitter) {
        AttemptOutcome::Delivered => (PushStatus::Delivered, now),
        AttemptOutcome::Dead => (PushStatus::Dead, now),
        AttemptOutcome::RetryAfter(wait) => {
            (PushStatus::Pending, now.saturating_add(wait).unwrap_or(now))
        }
    };
    let stored = store_result(
        app,
        d.event_id,
        d.attempt,
        status,
        time::to_db(next),
        result,
    )
    .await?;
    Ok(stored.then_some(status))
}
