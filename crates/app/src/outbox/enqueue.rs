//! Queuing push-back events inside the transaction of the change they report. Each
//! `*_in` function takes the caller's open transaction, so the event commits (or rolls
//! back) with the shipment, the cancellation or the tracking event itself.

use jiff::Timestamp;
use omnihub_domain::channels::ChannelPlatform;
use omnihub_domain::channels::push::{
    self, CancellationPush, FulfilmentPush, PushKind, PushLine, PushRequest, TrackingPush,
};
use omnihub_domain::ids::MerchantId;
use omnihub_store::orders::{self as orders_store, LineRow, OrderRow};
use omnihub_store::outbox::{self as store, OutboxRow};
use omnihub_store::{Tx, time};
use uuid::Uuid;

use crate::App;
use crate::channels::require_channel;
use crate::error::{Error, Result};
use crate::fulfilment::Shipment;
use crate::inventory::corrupt;

/// Queues one event of `kind` about `subject` for the order's channel, if that channel
/// gets pushes (see [`push::pushes`]) and the order has the channel's id. `build` makes
/// the platform's request from the platform and the channel's order id; `None` from it
/// means the platform has nothing to say about this change. Returns the event id, or
/// none when nothing was queued (no pushes, or the change already has its event).
pub async fn enqueue_in(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: &OrderRow,
    kind: PushKind,
    subject: Uuid,
    build: impl FnOnce(ChannelPlatform, &str) -> Option<PushRequest>,
) -> Result<Option<Uuid>> {
    let Some(external) = order.external_id.as_deref() else {
        return Ok(None);
    };
    let channel = require_channel(
        tx,
        merchant,
        omnihub_domain::channels::ChannelId::from_uuid(order.channel_id),
    )
    .await?;
    let platform = ChannelPlatform::parse(&channel.platform).map_err(corrupt)?;
    if !push::pushes(platform, channel.base_url.as_deref()) {
        return Ok(None);
    }
    let Some(request) = build(platform, external) else {
        return Ok(None);
    };
    let now = time::to_db(app.now());
    let row = OutboxRow {
        id: app.ids.new_id(),
        merchant_id: merchant.as_uuid(),
        channel_id: channel.id,
        order_id: order.id,
        kind: kind.code().to_owned(),
        subject_id: subject,
        payload: serde_json::to_string(&request).map_err(Error::internal)?,
        status: push::PushStatus::Pending.code().to_owned(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        last_status: None,
        created_at: now,
        updated_at: now,
        delivered_at: None,
    };
    let inserted = store::insert_event(tx, merchant, &row).await?;
    tracing::debug!(event_id = %row.id, kind = kind.code(), inserted, "outbox event queued");
    Ok(inserted.then_some(row.id))
}

fn push_line(line: &LineRow, quantity: i64) -> PushLine {
    PushLine {
        external_line_id: line.external_line_id.clone(),
        sku: line.item_sku.clone(),
        quantity,
    }
}

/// Queues the fulfilment event of a shipment just recorded on `order` (its state already
/// advanced): carrier, tracking number and the shipped units per channel line.
pub async fn fulfilment_in(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: &OrderRow,
    shipment: &Shipment,
) -> Result<Option<Uuid>> {
    let lines = orders_store::lines_of(tx, merchant, order.id).await?;
    let shipped: Vec<PushLine> = shipment
        .lines
        .iter()
        .filter_map(|(line_id, _, q)| {
            lines
                .iter()
                .find(|l| l.id == *line_id)
                .map(|l| push_line(l, *q))
        })
        .collect();
    let f = |external: &str| FulfilmentPush {
        external_order_id: external.to_owned(),
        shipment_id: shipment.id,
        carrier: shipment.carrier.clone(),
        service: shipment.service.clone(),
        tracking_number: shipment.tracking_number.clone(),
        lines: shipped.clone(),
        order_complete: order.status == "shipped",
    };
    enqueue_in(
        app,
        tx,
        merchant,
        order,
        PushKind::Fulfilment,
        shipment.id,
        |p, ext| push::fulfilment_request(p, &f(ext)),
    )
    .await
}

/// Queues the cancellation event of a staff cancellation: the whole order (subject: the
/// order) or, when `line` is given and the order goes on, that line's remaining units
/// (subject: the line). Never called for cancellations that came from the channel.
pub async fn cancellation_in(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: &OrderRow,
    line: Option<(&LineRow, i64)>,
    reason: Option<&str>,
) -> Result<Option<Uuid>> {
    let (subject, lines) = match line {
        Some((l, units)) => (l.id, vec![push_line(l, units)]),
        None => (order.id, Vec::new()),
    };
    let c = |external: &str| CancellationPush {
        external_order_id: external.to_owned(),
        whole_order: line.is_none(),
        lines: lines.clone(),
        reason: reason.map(str::to_owned),
    };
    enqueue_in(
        app,
        tx,
        merchant,
        order,
        PushKind::Cancellation,
        subject,
        |p, ext| push::cancellation_request(p, &c(ext)),
    )
    .await
}

/// A carrier tracking event, as the tracking use case hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUpdate {
    /// The tracking event (the event's subject: one event per tracking event).
    pub event_id: Uuid,
    /// Its shipment.
    pub shipment_id: Uuid,
    /// Carrier code.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking status code.
    pub status: String,
    /// When the carrier saw it.
    pub happened_at: Timestamp,
    /// The carrier's description.
    pub description: Option<String>,
}

/// Queues the tracking event of a carrier update of one of `order`'s shipments. For the
/// tracking use case's `record_event_in` to call in its transaction (wired by the lead).
pub async fn tracking_in(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    order: &OrderRow,
    update: &TrackingUpdate,
) -> Result<Option<Uuid>> {
    let t = |external: &str| TrackingPush {
        external_order_id: external.to_owned(),
        shipment_id: update.shipment_id,
        carrier: update.carrier.clone(),
        tracking_number: update.tracking_number.clone(),
        status: update.status.clone(),
        happened_at: update.happened_at,
        description: update.description.clone(),
    };
    enqueue_in(
        app,
        tx,
        merchant,
        order,
        PushKind::Tracking,
        update.event_id,
        |p, ext| push::tracking_request(p, &t(ext)),
    )
    .await
}
