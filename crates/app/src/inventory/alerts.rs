//! Stock alerts (INV-7): thresholds per SKU and location (low stock, reorder point,
//! overstock), alerts raised and cleared whenever a level changes, listing and
//! acknowledging them, and the domain events each raise and clear appends to the `events`
//! outbox in the same transaction.

use std::collections::BTreeSet;

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    AlertId, AlertKind, AlertThresholds, LocationId, StockFigures, alert_changes, alerts_for,
};
use omnihub_store::inventory::{
    self as store, AlertFilter, AlertRow, AlertRuleRow, EventRow, LevelRow,
};
use omnihub_store::{Tx, time};
use serde_json::Value;

use super::{Page, corrupt, id_cursor, page_limit, paged, require_location, require_skus};
use crate::audit::{self, Change};
use crate::catalog::actor_parts;
use crate::error::{Error, Result};
use crate::{Actor, App};

/// Appends a domain event to the `events` outbox within `tx`.
pub async fn append_event(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    kind: &str,
    payload: &Value,
) -> Result<()> {
    let row = EventRow {
        id: app.ids.new_id(),
        kind: kind.to_owned(),
        payload: payload.to_string(),
        created_at: time::to_db(app.now()),
    };
    Ok(store::insert_event(tx, merchant, &row).await?)
}

/// A stored domain event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Id; events are read in id order.
    pub id: uuid::Uuid,
    /// Kind, e.g. `inventory.alert.raised`.
    pub kind: String,
    /// The JSON payload.
    pub payload: Value,
    /// When it happened.
    pub created_at: Timestamp,
}

/// Events of a merchant after `after`, oldest first, for the outbox relay and for tests.
/// Internal (no actor): the relay runs as the system.
pub async fn events_after(
    app: &App,
    merchant: MerchantId,
    kind: Option<&str>,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<Event>> {
    let mut tx = app.db.begin_read().await?;
    store::list_events(&mut tx, merchant, kind, after, limit)
        .await?
        .into_iter()
        .map(|e| {
            Ok(Event {
                id: e.id,
                kind: e.kind,
                payload: serde_json::from_str(&e.payload).map_err(corrupt)?,
                created_at: time::from_db(e.created_at)?,
            })
        })
        .collect()
}

/// The merchant's events after `after` (an event id; from the start when none), oldest
/// first, optionally of one kind: the read-only feed integrators poll. Needs
/// `inventory.read`.
pub async fn list_events(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    kind: Option<&str>,
    after: Option<uuid::Uuid>,
    limit: u32,
) -> Result<Vec<Event>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    events_after(app, merchant, kind, after, limit.clamp(1, 500)).await
}

fn thresholds_of(rule: &AlertRuleRow) -> Result<AlertThresholds> {
    AlertThresholds::new(rule.low_stock, rule.reorder_point, rule.overstock).map_err(corrupt)
}

/// Re-evaluates the alerts of a level that just changed: raises and clears to match its
/// thresholds, appending an event for each. Levels without thresholds have no alerts.
pub(crate) async fn refresh(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    level: &LevelRow,
) -> Result<()> {
    let rule = store::get_alert_rule(tx, merchant, level.sku_id, level.location_id).await?;
    let active = store::active_alerts(tx, merchant, level.sku_id, level.location_id).await?;
    if rule.is_none() && active.is_empty() {
        return Ok(());
    }
    let figures = StockFigures {
        on_hand: level.on_hand,
        reserved: level.reserved,
    };
    let wanted = match &rule {
        Some(r) => alerts_for(figures, &thresholds_of(r)?),
        None => BTreeSet::new(),
    };
    let current: BTreeSet<AlertKind> = active
        .iter()
        .filter_map(|a| AlertKind::parse(&a.kind))
        .collect();
    let (raise, clear) = alert_changes(&current, &wanted);
    let now = time::to_db(app.now());
    for kind in raise {
        let row = AlertRow {
            id: app.ids.new_id(),
            sku_id: level.sku_id,
            location_id: level.location_id,
            kind: kind.code().to_owned(),
            status: "active".to_owned(),
            on_hand: level.on_hand,
            available: figures.available(),
            raised_at: now,
            cleared_at: None,
            acknowledged_by: None,
            acknowledged_label: None,
            acknowledged_at: None,
        };
        store::insert_alert(tx, merchant, &row).await?;
        emit(app, tx, merchant, "inventory.alert.raised", &row, figures).await?;
    }
    for kind in clear {
        for row in active.iter().filter(|a| a.kind == kind.code()) {
            store::clear_alert(tx, merchant, row.id, now).await?;
            emit(app, tx, merchant, "inventory.alert.cleared", row, figures).await?;
        }
    }
    Ok(())
}

async fn emit(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    kind: &str,
    alert: &AlertRow,
    now: StockFigures,
) -> Result<()> {
    let payload = serde_json::json!({
        "alert_id": alert.id, "kind": alert.kind, "sku_id": alert.sku_id,
        "location_id": alert.location_id, "on_hand": now.on_hand, "available": now.available(),
    });
    append_event(app, tx, merchant, kind, &payload).await
}

/// Unvalidated thresholds; `None` turns a rule off.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThresholdsInput {
    /// Low-stock threshold (available at or below it is low).
    pub low_stock: Option<i64>,
    /// Reorder point (available at or below it is low).
    pub reorder_point: Option<i64>,
    /// Overstock threshold (on hand above it is overstock).
    pub overstock: Option<i64>,
}

/// Sets the alert thresholds of a SKU at a location and re-evaluates its alerts at once.
/// Needs `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, sku_id = %sku, location_id = %location), err)]
pub async fn set_thresholds(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    sku: SkuId,
    location: LocationId,
    input: ThresholdsInput,
) -> Result<AlertThresholds> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let t = AlertThresholds::new(input.low_stock, input.reorder_point, input.overstock)
        .map_err(|e| Error::invalid("thresholds", "invalid", e))?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, location, false).await?;
    require_skus(&mut tx, merchant, &[sku], "skus").await?;
    let now = time::to_db(app.now());
    let before =
        store::get_alert_rule(&mut tx, merchant, sku.as_uuid(), location.as_uuid()).await?;
    let rule = AlertRuleRow {
        sku_id: sku.as_uuid(),
        location_id: location.as_uuid(),
        low_stock: t.low_stock(),
        reorder_point: t.reorder_point(),
        overstock: t.overstock(),
        updated_at: now,
    };
    store::put_alert_rule(&mut tx, merchant, &rule).await?;
    // A no-op update takes the level's row lock, as every stock change does, so this
    // evaluation and a concurrent stock change cannot both raise the same alert.
    store::add_incoming(&mut tx, merchant, rule.sku_id, rule.location_id, 0, now).await?;
    if let Some(level) = store::get_level(&mut tx, merchant, rule.sku_id, rule.location_id).await? {
        refresh(app, &mut tx, merchant, &level).await?;
    }
    let view = |r: &AlertRuleRow| serde_json::json!({"low_stock": r.low_stock, "reorder_point": r.reorder_point, "overstock": r.overstock});
    let change = Change {
        action: "stock_thresholds.set",
        entity_type: "stock_level",
        entity_id: Some(format!("{sku}@{location}")),
        merchant: Some(merchant),
        before: before.as_ref().map(view),
        after: Some(view(&rule)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(t)
}

/// The thresholds of a SKU at a location (all off when never set). Needs `inventory.read`.
pub async fn get_thresholds(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    sku: SkuId,
    location: LocationId,
) -> Result<AlertThresholds> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    // Another merchant's location or SKU is not found, rather than "no thresholds".
    require_location(&mut tx, merchant, location, false).await?;
    require_skus(&mut tx, merchant, &[sku], "skus").await?;
    match store::get_alert_rule(&mut tx, merchant, sku.as_uuid(), location.as_uuid()).await? {
        Some(r) => thresholds_of(&r),
        None => Ok(AlertThresholds::default()),
    }
}

/// An alert as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Id.
    pub id: AlertId,
    /// SKU.
    pub sku_id: SkuId,
    /// Location.
    pub location_id: LocationId,
    /// What is wrong.
    pub kind: AlertKind,
    /// Still active (false once stock recovered).
    pub active: bool,
    /// On hand when raised.
    pub on_hand: i64,
    /// Available when raised.
    pub available: i64,
    /// When raised.
    pub raised_at: Timestamp,
    /// When cleared.
    pub cleared_at: Option<Timestamp>,
    /// Who acknowledged it, and when.
    pub acknowledged: Option<(String, Timestamp)>,
}

impl TryFrom<&AlertRow> for Alert {
    type Error = Error;
    fn try_from(r: &AlertRow) -> Result<Self> {
        let acknowledged = match (&r.acknowledged_label, r.acknowledged_at) {
            (Some(l), Some(at)) => Some((l.clone(), time::from_db(at)?)),
            _ => None,
        };
        Ok(Self {
            id: AlertId::from_uuid(r.id),
            sku_id: SkuId::from_uuid(r.sku_id),
            location_id: LocationId::from_uuid(r.location_id),
            kind: AlertKind::parse(&r.kind).ok_or_else(|| corrupt(&r.kind))?,
            active: r.status == "active",
            on_hand: r.on_hand,
            available: r.available,
            raised_at: time::from_db(r.raised_at)?,
            cleared_at: r.cleared_at.map(time::from_db).transpose()?,
            acknowledged,
        })
    }
}

/// Filters and paging for the alert list.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// Only active (true) or cleared (false) alerts.
    pub active: Option<bool>,
    /// Only this kind.
    pub kind: Option<AlertKind>,
    /// Only this SKU.
    pub sku_id: Option<SkuId>,
    /// Only this location.
    pub location_id: Option<LocationId>,
    /// Only unacknowledged (true) or acknowledged (false) ones.
    pub unacknowledged: Option<bool>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Alerts, newest first. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_alerts(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: AlertQuery,
) -> Result<Page<Alert>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(q.limit);
    let filter = AlertFilter {
        status: q.active.map(|a| if a { "active" } else { "cleared" }),
        kind: q.kind.map(AlertKind::code),
        sku: q.sku_id.map(|s| s.as_uuid()),
        location: q.location_id.map(|l| l.as_uuid()),
        unacknowledged: q.unacknowledged,
        before: id_cursor(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_alerts(&mut tx, merchant, &filter).await?;
    let items = rows
        .iter()
        .map(Alert::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |a| a.id.to_string()))
}

/// Acknowledges an alert (the first acknowledgement is kept). Needs `inventory.read`:
/// anyone who sees alerts may acknowledge them.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, alert_id = %id), err)]
pub async fn acknowledge_alert(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: AlertId,
) -> Result<Alert> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let (_, by, label) = actor_parts(actor);
    let mut tx = app.db.begin_write().await?;
    let now = time::to_db(app.now());
    let row = store::acknowledge_alert(&mut tx, merchant, id.as_uuid(), by, &label, now)
        .await?
        .ok_or(Error::NotFound { entity: "alert" })?;
    let alert = Alert::try_from(&row)?;
    let change = Change {
        action: "stock_alert.acknowledge",
        entity_type: "stock_alert",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({"kind": alert.kind, "acknowledged_by": label})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(alert)
}
