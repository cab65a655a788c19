//! Shipment tracking (issue 7, FUL-5; docs/adr/0021): carrier events arrive through the
//! signed carrier webhook, the tracking CSV import or staff's hand, and every one goes
//! through [`record_event_in`], which in the caller's transaction stores the event (once
//! per shipment and carrier event id), moves the shipment's status by the domain's rules,
//! notes it on the order's timeline, delivers the order once all its shipments are
//! delivered, holds it in the exception queue on a carrier exception, and audits it.
//!
//! The shopper's tracking look-up ([`track`]) is public: it needs the order number and
//! the customer's e-mail or phone, answers one way for every miss, and is throttled per
//! client address with the sign-in throttle.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::fulfilment::tracking::{
    CarrierEvent, EventKind, FieldProblem, RawEvent, ShipmentStatus, TrackingState, parse_csv,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::{HoldReason, OrderId, OrderStatus, TimelineEvent};
use omnihub_domain::throttle::{Counter, Policy};
use omnihub_store::throttle::{self, ThrottleRow};
use omnihub_store::tracking::{self as store, EventRow, ShipmentFilter, TrackedRow};
use omnihub_store::{Tx, time};
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::inventory::{Page, corrupt, id_cursor, page_limit, paged};
use crate::orders::intake::set_state;
use crate::orders::{Order, Problem, lock_order, note, save, timeline_actor};
use crate::{Actor, App};

/// A shipment with its tracking state.
#[derive(Debug, Clone)]
pub struct TrackedShipment {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: OrderId,
    /// Its number.
    pub order_number: String,
    /// Carrier code.
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// Tracking status.
    pub status: ShipmentStatus,
    /// When it left.
    pub shipped_at: Timestamp,
    /// The newest event's time.
    pub last_event_at: Option<Timestamp>,
}

impl TryFrom<&TrackedRow> for TrackedShipment {
    type Error = Error;
    fn try_from(r: &TrackedRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            order_id: OrderId::from_uuid(r.order_id),
            order_number: r.order_number.clone(),
            carrier: r.carrier.clone(),
            service: r.service.clone(),
            tracking_number: r.tracking_number.clone(),
            packages: r.packages,
            status: ShipmentStatus::parse(&r.status).map_err(corrupt)?,
            shipped_at: time::from_db(r.shipped_at)?,
            last_event_at: r.last_event_at.map(time::from_db).transpose()?,
        })
    }
}

/// A recorded tracking event.
#[derive(Debug, Clone)]
pub struct TrackingEvent {
    /// The carrier's event id.
    pub event_id: String,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub occurred_at: Timestamp,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: Option<String>,
    /// `webhook`, `csv` or `manual`.
    pub source: String,
    /// Whether it moved the status (an older or post-delivery event does not).
    pub applied: bool,
}

impl TryFrom<&EventRow> for TrackingEvent {
    type Error = Error;
    fn try_from(r: &EventRow) -> Result<Self> {
        Ok(Self {
            event_id: r.event_id.clone(),
            kind: EventKind::parse(&r.kind).map_err(corrupt)?,
            occurred_at: time::from_db(r.occurred_at)?,
            location: r.location.clone(),
            description: r.description.clone(),
            source: r.source.clone(),
            applied: r.applied,
        })
    }
}

/// A shipment with its events, oldest first.
#[derive(Debug, Clone)]
pub struct ShipmentDetail {
    /// The shipment.
    pub shipment: TrackedShipment,
    /// Its events by time.
    pub events: Vec<TrackingEvent>,
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// Stored, and it moved the shipment.
    Applied,
    /// Stored only: older than the newest event, or after delivery.
    Recorded,
    /// Already had: nothing changed.
    Duplicate,
}

impl EventOutcome {
    /// A stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Recorded => "recorded",
            Self::Duplicate => "duplicate",
        }
    }
}

/// Records one event for a shipment inside the caller's transaction, with every effect
/// (module docs). The one place events enter, whatever their source.
pub async fn record_event_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    shipment: &TrackedRow,
    event: &CarrierEvent,
    source: &str,
) -> Result<EventOutcome> {
    let state = TrackingState {
        status: ShipmentStatus::parse(&shipment.status).map_err(corrupt)?,
        last_event_at: shipment.last_event_at,
    };
    let at = time::to_db(event.occurred_at);
    let applied = state.apply(event.kind, at);
    let now = time::to_db(app.now());
    let row = EventRow {
        id: app.ids.new_id(),
        shipment_id: shipment.id,
        event_id: event.event_id.clone(),
        kind: event.kind.code().to_owned(),
        occurred_at: at,
        location: event.location.clone(),
        description: event.description.clone(),
        source: source.to_owned(),
        applied: applied.moved,
        recorded_at: now,
    };
    if !store::insert_event(tx, merchant, &row).await? {
        return Ok(EventOutcome::Duplicate);
    }
    let status = applied.state.status;
    store::update_tracking(
        tx,
        merchant,
        shipment.id,
        status.code(),
        applied.state.last_event_at,
        now,
    )
    .await?;
    let who = match source {
        "manual" => timeline_actor(actor, None),
        _ => format!("carrier:{}", shipment.carrier),
    };
    let data = serde_json::json!({"shipment_id": shipment.id, "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number, "event": event.kind.code(), "event_id": event.event_id,
        "occurred_at": event.occurred_at.to_string(), "location": event.location, "description": event.description,
        "status": status.code(), "applied": applied.moved, "source": source});
    let order = OrderId::from_uuid(shipment.order_id);
    let mut o = lock_order(tx, merchant, order).await?;
    note(
        app,
        tx,
        merchant,
        o.id,
        TimelineEvent::ShipmentEvent,
        &who,
        data.clone(),
    )
    .await?;
    if applied.moved {
        follow_shipment(app, tx, merchant, &mut o, event.kind, &who).await?;
    }
    if applied.moved {
        push_tracking(app, tx, merchant, shipment, &o, (row.id, status), event).await?;
    }
    let change = Change {
        action: "shipment.event",
        entity_type: "shipment",
        entity_id: Some(shipment.id.to_string()),
        merchant: Some(merchant),
        before: Some(serde_json::json!({"status": shipment.status})),
        after: Some(data),
    };
    audit::record(app, tx, actor, change).await?;
    Ok(if applied.moved {
        EventOutcome::Applied
    } else {
        EventOutcome::Recorded
    })
}

/// Outbox (CH-3): the channel hears of each status change in the event's transaction; a
/// stale or repeated event moves nothing and is not pushed.
async fn push_tracking(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    shipment: &TrackedRow,
    order: &omnihub_store::orders::OrderRow,
    (event_id, status): (Uuid, ShipmentStatus),
    event: &CarrierEvent,
) -> Result<()> {
    let update = crate::outbox::TrackingUpdate {
        event_id,
        shipment_id: shipment.id,
        carrier: shipment.carrier.clone(),
        tracking_number: shipment.tracking_number.clone(),
        status: status.code().to_owned(),
        happened_at: event.occurred_at,
        description: event.description.clone(),
    };
    crate::outbox::tracking_in(app, tx, merchant, order, &update).await?;
    Ok(())
}

/// The order's side of an event that moved its shipment: a carrier exception holds it in
/// the exception queue; the last delivery delivers a shipped order.
async fn follow_shipment(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    o: &mut omnihub_store::orders::OrderRow,
    kind: EventKind,
    who: &str,
) -> Result<()> {
    let order = Order::try_from(&*o)?;
    let mut reasons = order.hold_reasons.clone();
    let mut status = order.status;
    let exception = HoldReason::ShipmentException;
    if kind == EventKind::Exception && !reasons.contains(&exception) {
        reasons.push(exception);
        let data = serde_json::json!({"reasons": [exception.code()]});
        note(
            app,
            tx,
            merchant,
            o.id,
            TimelineEvent::ExceptionRaised,
            who,
            data,
        )
        .await?;
    } else if kind == EventKind::Delivered && status == OrderStatus::Shipped {
        let all = store::tracked_of_order(tx, merchant, o.id).await?;
        if !all
            .iter()
            .all(|s| s.status == ShipmentStatus::Delivered.code())
        {
            return Ok(());
        }
        status = status.deliver().map_err(|e| Error::Conflict {
            code: e.code(),
            message: e.to_string(),
        })?;
        let data = serde_json::json!({"shipments": all.len()});
        note(app, tx, merchant, o.id, TimelineEvent::Delivered, who, data).await?;
    } else {
        return Ok(());
    }
    let expected = o.version;
    let problems: Vec<Problem> = serde_json::from_str(&o.problems).map_err(corrupt)?;
    set_state(o, status, &reasons, &problems)?;
    save(app, tx, merchant, o, expected).await
}

/// What became of one event of a webhook delivery or one row of a CSV file.
#[derive(Debug, Clone)]
pub struct EventReport {
    /// Position in the delivery (0-based) or spreadsheet line (header = 1).
    pub position: u64,
    /// The carrier's event id, when given.
    pub event_id: Option<String>,
    /// The tracking number, when given.
    pub tracking_number: Option<String>,
    /// `applied`, `recorded`, `duplicate`, `unknown_tracking_number` or `invalid`.
    pub outcome: &'static str,
    /// The shipment, when found.
    pub shipment_id: Option<Uuid>,
    /// Why it is invalid.
    pub problems: Vec<FieldProblem>,
}

#[allow(clippy::too_many_arguments)]
async fn apply_one(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    carrier: &str,
    position: u64,
    event: Result<CarrierEvent, Vec<FieldProblem>>,
    source: &str,
) -> Result<EventReport> {
    let e = match event {
        Ok(e) => e,
        Err(problems) => {
            return Ok(EventReport {
                position,
                event_id: None,
                tracking_number: None,
                outcome: "invalid",
                shipment_id: None,
                problems,
            });
        }
    };
    let mut report = EventReport {
        position,
        event_id: Some(e.event_id.clone()),
        tracking_number: Some(e.tracking_number.clone()),
        outcome: "unknown_tracking_number",
        shipment_id: None,
        problems: Vec::new(),
    };
    if let Some(s) = store::find_by_tracking(tx, merchant, carrier, &e.tracking_number).await? {
        report.outcome = record_event_in(app, tx, actor, merchant, &s, &e, source)
            .await?
            .code();
        report.shipment_id = Some(s.id);
    }
    Ok(report)
}

/// Applies a verified carrier webhook delivery for the carrier `carrier` of `merchant`,
/// in one transaction. Events with field problems or unknown tracking numbers are
/// reported, not stored, and do not refuse the others.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn receive_carrier_events(
    app: &App,
    merchant: MerchantId,
    carrier: &str,
    events: Vec<Result<CarrierEvent, Vec<FieldProblem>>>,
) -> Result<Vec<EventReport>> {
    let actor = Actor::system();
    let mut tx = app.db.begin_write().await?;
    let mut reports = Vec::with_capacity(events.len());
    for (i, e) in events.into_iter().enumerate() {
        let r = apply_one(
            app, &mut tx, &actor, merchant, carrier, i as u64, e, "webhook",
        )
        .await?;
        reports.push(r);
    }
    tx.commit().await?;
    Ok(reports)
}

/// Imports a tracking CSV file (docs/tracking.md) in one transaction. Needs
/// `orders.manage`. A file-level problem refuses it (422); a row with field problems or
/// an unknown tracking number is reported with its line and changes nothing.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn import_tracking_csv(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    bytes: &[u8],
) -> Result<Vec<EventReport>> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let rows = parse_csv(bytes).map_err(|e| Error::invalid("file", "invalid", e))?;
    let mut tx = app.db.begin_write().await?;
    let mut reports = Vec::with_capacity(rows.len());
    for row in rows {
        let (carrier, event) = match row.result {
            Ok((c, e)) => (c, Ok(e)),
            Err(p) => (String::new(), Err(p)),
        };
        let r = apply_one(
            app, &mut tx, actor, merchant, &carrier, row.line, event, "csv",
        )
        .await?;
        reports.push(r);
    }
    tx.commit().await?;
    Ok(reports)
}

/// A tracking event entered by staff.
#[derive(Debug, Clone, Default)]
pub struct ManualEvent {
    /// An [`EventKind`] code.
    pub event: String,
    /// RFC 3339; now when empty.
    pub occurred_at: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// What the carrier said.
    pub description: Option<String>,
}

fn field_errors(problems: Vec<FieldProblem>) -> Error {
    Error::Validation(
        problems
            .into_iter()
            .map(|p| crate::FieldError::new(p.field, p.code, p.message))
            .collect(),
    )
}

/// Adds an event to a shipment by hand. Needs `orders.manage`; same effects as a
/// carrier's event.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, shipment_id = %id), err)]
pub async fn add_manual_event(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
    input: &ManualEvent,
) -> Result<ShipmentDetail> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let s = store::get_tracked(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound { entity: "shipment" })?;
    let at = input
        .occurred_at
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| app.now().to_string());
    let raw = RawEvent {
        event_id: Some(format!("manual:{}", app.ids.new_id())),
        tracking_number: Some(s.tracking_number.clone().unwrap_or_else(|| "-".to_owned())),
        event: Some(input.event.clone()),
        occurred_at: Some(at),
        location: input.location.clone(),
        description: input.description.clone(),
    };
    let event = raw.check().map_err(field_errors)?;
    record_event_in(app, &mut tx, actor, merchant, &s, &event, "manual").await?;
    let out = detail_in(&mut tx, merchant, id).await?;
    tx.commit().await?;
    Ok(out)
}

async fn detail_in(tx: &mut Tx, merchant: MerchantId, id: Uuid) -> Result<ShipmentDetail> {
    let s = store::get_tracked(tx, merchant, id)
        .await?
        .ok_or(Error::NotFound { entity: "shipment" })?;
    let events = store::events_of(tx, merchant, id).await?;
    Ok(ShipmentDetail {
        shipment: TrackedShipment::try_from(&s)?,
        events: events
            .iter()
            .map(TrackingEvent::try_from)
            .collect::<Result<_>>()?,
    })
}

/// One shipment with its events. Needs `orders.read`.
pub async fn shipment_detail(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: Uuid,
) -> Result<ShipmentDetail> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    detail_in(&mut tx, merchant, id).await
}

/// Filters of the shipment list, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct ShipmentQuery {
    /// Status code.
    pub status: Option<String>,
    /// Carrier code.
    pub carrier: Option<String>,
    /// Tracking number or order number.
    pub q: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

fn filled(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A page of shipments, newest first. Needs `orders.read`.
pub async fn search_shipments(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: &ShipmentQuery,
) -> Result<Page<TrackedShipment>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut v = Validator::default();
    let status = filled(q.status.as_ref())
        .and_then(|s| v.check("status", "invalid", ShipmentStatus::parse(s)));
    v.finish()?;
    let carrier = filled(q.carrier.as_ref()).map(str::to_ascii_lowercase);
    let filter = ShipmentFilter {
        status: status.map(ShipmentStatus::code),
        carrier: carrier.as_deref(),
        q: filled(q.q.as_ref()),
    };
    let before = id_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit);
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_tracked(&mut tx, merchant, &filter, before, limit + 1).await?;
    let items = rows
        .iter()
        .map(TrackedShipment::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |s| s.id.to_string()))
}

/// Takes a carrier exception off an order once staff have dealt with it: the
/// `shipment_exception` reason goes, and with it the order's place in the exception
/// queue. `409 no-shipment-exception` when it has none. Needs `orders.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn clear_shipment_exception(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<Order> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let mut row = lock_order(&mut tx, merchant, id).await?;
    let order = Order::try_from(&row)?;
    if !order.hold_reasons.contains(&HoldReason::ShipmentException) {
        return Err(Error::Conflict {
            code: "no-shipment-exception",
            message: "the order has no shipment exception".to_owned(),
        });
    }
    let reasons: Vec<HoldReason> = order
        .hold_reasons
        .iter()
        .copied()
        .filter(|r| *r != HoldReason::ShipmentException)
        .collect();
    let expected = row.version;
    let problems: Vec<Problem> = serde_json::from_str(&row.problems).map_err(corrupt)?;
    set_state(&mut row, order.status, &reasons, &problems)?;
    let who = timeline_actor(actor, None);
    let data = serde_json::json!({"cleared": HoldReason::ShipmentException.code()});
    note(
        app,
        &mut tx,
        merchant,
        row.id,
        TimelineEvent::ExceptionResolved,
        &who,
        data,
    )
    .await?;
    save(app, &mut tx, merchant, &mut row, expected).await?;
    let change = Change {
        action: "order.clear_shipment_exception",
        entity_type: "order",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: Some(serde_json::json!({"queue": order.queue.map(|q| q.code())})),
        after: Some(serde_json::json!({"queue": row.queue})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Order::try_from(&row)
}

/// What a shopper may see of an order: its number and status, and its shipments'
/// carriers, tracking numbers, statuses and events. Nothing else.
#[derive(Debug, Clone)]
pub struct PublicTracking {
    /// Order number.
    pub number: String,
    /// Order status.
    pub status: OrderStatus,
    /// Shipments with their events.
    pub shipments: Vec<ShipmentDetail>,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Whether `contact` is the order's e-mail (any case) or phone (digits only; a number
/// given without its country code matches one stored with it).
fn contact_matches(c: &store::TrackCandidate, contact: &str) -> bool {
    if contact.contains('@') {
        return c
            .customer_email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(contact));
    }
    let given = digits(contact);
    let Some(stored) = c.customer_phone.as_deref().map(digits) else {
        return false;
    };
    if given.len() < 6 || stored.len() < 6 {
        return false;
    }
    let (long, short) = if given.len() >= stored.len() {
        (&given, &stored)
    } else {
        (&stored, &given)
    };
    long == short || (short.len() >= 8 && long.ends_with(short.as_str()))
}

/// Refuses with `TooManyAttempts` while `key` is locked; otherwise returns its counter.
async fn counter(tx: &mut Tx, key: &str, now: i64) -> Result<Counter> {
    let c = throttle::get(tx, key)
        .await?
        .map_or_else(Counter::default, |r| Counter {
            failures: r.failures,
            window_started_at: r.window_started_at,
            lockouts: r.lockouts,
            locked_until: r.locked_until,
        });
    if let Some(wait) = c.locked_for(now) {
        return Err(Error::TooManyAttempts {
            retry_after_secs: u64::try_from(wait / 1_000_000 + 1).unwrap_or(1),
        });
    }
    Ok(c)
}

/// The shopper's tracking look-up: the order numbered `number` whose customer has the
/// e-mail or phone `contact`, across merchants. No match, or more than one, is the same
/// `404 tracking not found`, and counts against the client address (`client`) with the
/// sign-in throttle's per-client policy; a locked address gets 429 before any look-up.
#[tracing::instrument(skip_all, err)]
pub async fn track(
    app: &App,
    client: Option<&str>,
    number: &str,
    contact: &str,
) -> Result<PublicTracking> {
    let key = format!("track:{}", client.unwrap_or("unknown"));
    let now = time::to_db(app.now());
    let mut tx = app.db.begin_write().await?;
    let c = counter(&mut tx, &key, now).await?;
    let (number, contact) = (number.trim(), contact.trim());
    let found: Vec<store::TrackCandidate> = if number.is_empty() || contact.is_empty() {
        Vec::new()
    } else {
        store::orders_by_number_any(&mut tx, number)
            .await?
            .into_iter()
            .filter(|o| contact_matches(o, contact))
            .collect()
    };
    let [o] = found.as_slice() else {
        let next = c.after_attempt(now, Policy::CLIENT);
        let row = ThrottleRow {
            key,
            failures: next.failures,
            window_started_at: next.window_started_at,
            lockouts: next.lockouts,
            locked_until: next.locked_until,
        };
        throttle::put(&mut tx, &row).await?;
        tx.commit().await?;
        return Err(Error::NotFound { entity: "tracking" });
    };
    let merchant = MerchantId::from_uuid(o.merchant_id);
    let mut shipments = Vec::new();
    for s in store::tracked_of_order(&mut tx, merchant, o.id).await? {
        shipments.push(detail_in(&mut tx, merchant, s.id).await?);
    }
    let out = PublicTracking {
        number: o.number.clone(),
        status: OrderStatus::parse(&o.status).map_err(corrupt)?,
        shipments,
    };
    tx.commit().await?;
    Ok(out)
}
