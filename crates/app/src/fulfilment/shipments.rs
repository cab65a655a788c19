//! Packing and shipping.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::{FulfilmentStatus, OrderId, OrderStatus, TimelineEvent};
use omnihub_store::fulfilment::{self as store, PackRow, ShipmentLineRow, ShipmentRow};
use omnihub_store::orders::{self as orders_store, OrderRow};
use omnihub_store::{Tx, time};

use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::inventory::{consume_in, require_location};
use crate::orders::intake::set_state;
use crate::orders::{
    Order, lock_order, note as note_on, require_order as require_order_row, save as save_order,
    timeline_actor,
};
use crate::{Actor, App};

/// An allocation as packing sees it.
#[derive(Debug, Clone)]
pub struct PackLine {
    /// The allocation.
    pub allocation_id: uuid::Uuid,
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku_code: String,
    /// Units allocated here.
    pub quantity: i64,
    /// Units packed.
    pub packed: i64,
}

impl From<PackRow> for PackLine {
    fn from(p: PackRow) -> Self {
        Self {
            allocation_id: p.allocation_id,
            sku_id: SkuId::from_uuid(p.sku_id),
            sku_code: p.sku_code,
            quantity: p.quantity,
            packed: p.packed_quantity,
        }
    }
}

fn conflict(code: &'static str, message: &str) -> Error {
    Error::Conflict {
        code,
        message: message.to_owned(),
    }
}

/// Confirms `units` of the item scanned (`code`: SKU code, any case, or barcode) as packed
/// for the order at `location`. `422` when the order has nothing of it open there; `409
/// over-packed` when more would be packed than allocated. Returns the packing state.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %order), err)]
pub async fn pack(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    location: LocationId,
    code: &str,
    units: i64,
) -> Result<Vec<PackLine>> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    if !(1..=10_000).contains(&units) {
        return Err(Error::invalid("quantity", "out_of_range", "1 to 10000"));
    }
    let mut tx = app.db.begin_write().await?;
    let row = lock_order(&mut tx, merchant, order).await?;
    let open = store::packable(&mut tx, merchant, row.id, location.as_uuid()).await?;
    let code = code.trim();
    let matching: Vec<&PackRow> = open
        .iter()
        .filter(|p| p.sku_code.eq_ignore_ascii_case(code) || p.barcode.as_deref() == Some(code))
        .collect();
    if matching.is_empty() {
        return Err(Error::invalid(
            "code",
            "not_in_order",
            format!("the order has no open {code} at this location"),
        ));
    }
    let target = matching
        .iter()
        .find(|p| p.packed_quantity + units <= p.quantity)
        .ok_or_else(|| {
            conflict(
                "over-packed",
                "that would pack more than the order has allocated here",
            )
        })?;
    if !store::add_packed(&mut tx, merchant, target.allocation_id, units).await? {
        return Err(conflict(
            "over-packed",
            "that would pack more than the order has allocated here",
        ));
    }
    let who = timeline_actor(actor, None);
    let data =
        serde_json::json!({"packed": target.sku_code, "units": units, "location_id": location});
    note_on(
        app,
        &mut tx,
        merchant,
        row.id,
        TimelineEvent::FulfilmentChanged,
        &who,
        data,
    )
    .await?;
    let now = store::packable(&mut tx, merchant, row.id, location.as_uuid()).await?;
    tx.commit().await?;
    Ok(now.into_iter().map(PackLine::from).collect())
}

/// What to ship.
#[derive(Debug, Clone, Default)]
pub struct ShipmentInput {
    /// From where.
    pub location_id: Option<LocationId>,
    /// Carrier code (`sf`, `ups`...).
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number (unique per carrier).
    pub tracking_number: Option<String>,
    /// Parcels (1 or more).
    pub packages: i64,
}

/// A shipment with its lines.
#[derive(Debug, Clone)]
pub struct Shipment {
    /// Id.
    pub id: uuid::Uuid,
    /// Shipped from.
    pub location_id: LocationId,
    /// Carrier.
    pub carrier: String,
    /// Service.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// Tracking status.
    pub status: String,
    /// When it left.
    pub shipped_at: Timestamp,
    /// (order line, SKU, units).
    pub lines: Vec<(uuid::Uuid, SkuId, i64)>,
}

fn text(v: &mut Vec<FieldError>, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    let t = raw.map(str::trim).filter(|t| !t.is_empty())?;
    if t.chars().count() > max || t.chars().any(char::is_control) {
        v.push(FieldError::new(
            field,
            "invalid",
            format!("1 to {max} characters"),
        ));
        return None;
    }
    Some(t.to_owned())
}

fn check(input: &ShipmentInput) -> Result<(LocationId, ShipmentInput)> {
    let mut errors = Vec::new();
    let carrier = text(&mut errors, "carrier", Some(&input.carrier), 40);
    if carrier.is_none() && errors.is_empty() {
        errors.push(FieldError::new("carrier", "required", "name the carrier"));
    }
    let service = text(&mut errors, "service", input.service.as_deref(), 80);
    let tracking = text(
        &mut errors,
        "tracking_number",
        input.tracking_number.as_deref(),
        80,
    );
    if !(1..=999).contains(&input.packages) {
        errors.push(FieldError::new("packages", "out_of_range", "1 to 999"));
    }
    let Some(location) = input.location_id else {
        errors.push(FieldError::new(
            "location_id",
            "required",
            "ship from a location",
        ));
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let clean = ShipmentInput {
        location_id: Some(location),
        carrier: carrier.unwrap_or_default(),
        service,
        tracking_number: tracking,
        packages: input.packages,
    };
    Ok((location, clean))
}

/// Ships everything packed for the order at one location: the packed allocations'
/// reservations are consumed (on hand and reserved go down with one `shipment` movement
/// each), and the order becomes partially shipped or shipped. `409 nothing-packed` when
/// nothing there is fully packed. Audited; on the timeline.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %order), err)]
pub async fn ship(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    input: &ShipmentInput,
) -> Result<Shipment> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let (location, input) = check(input)?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, location, false).await?;
    let mut row = lock_order(&mut tx, merchant, order).await?;
    let status = Order::try_from(&row)?.status;
    if !matches!(
        status,
        OrderStatus::Allocated | OrderStatus::PartiallyShipped
    ) {
        return Err(conflict(
            "order-state",
            &format!("an order that is {} cannot ship", status.code()),
        ));
    }
    let packed: Vec<PackRow> = store::packable(&mut tx, merchant, row.id, location.as_uuid())
        .await?
        .into_iter()
        .filter(|p| p.packed_quantity == p.quantity)
        .collect();
    if packed.is_empty() {
        return Err(conflict(
            "nothing-packed",
            "pack the order's items at this location first",
        ));
    }
    let shipment = record_shipment(
        app, &mut tx, actor, merchant, &row, location, &input, &packed,
    )
    .await?;
    advance_order(app, &mut tx, actor, merchant, &mut row, &shipment).await?;
    // Outbox (CH-3): the channel hears of the shipment iff this transaction commits.
    crate::outbox::fulfilment_in(app, &mut tx, merchant, &row, &shipment).await?;
    tx.commit().await?;
    Ok(shipment)
}

#[allow(clippy::too_many_arguments)]
async fn record_shipment(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &OrderRow,
    location: LocationId,
    input: &ShipmentInput,
    packed: &[PackRow],
) -> Result<Shipment> {
    let now = time::to_db(app.now());
    let s = ShipmentRow {
        id: app.ids.new_id(),
        order_id: row.id,
        location_id: location.as_uuid(),
        carrier: input.carrier.clone(),
        service: input.service.clone(),
        tracking_number: input.tracking_number.clone(),
        packages: input.packages,
        status: "shipped".to_owned(),
        shipped_at: now,
        created_at: now,
        updated_at: now,
    };
    store::insert_shipment(tx, merchant, &s)
        .await
        .map_err(|e| match e {
            omnihub_store::StoreError::Conflict { .. } => Error::invalid(
                "tracking_number",
                "taken",
                "this carrier's tracking number is on another shipment",
            ),
            other => other.into(),
        })?;
    let mut lines = Vec::with_capacity(packed.len());
    for p in packed {
        consume_in(app, tx, actor, merchant, &p.allocation_id.to_string()).await?;
        orders_store::close_allocation(tx, merchant, p.allocation_id, "consumed", now).await?;
        let line = ShipmentLineRow {
            shipment_id: s.id,
            allocation_id: p.allocation_id,
            order_line_id: p.order_line_id,
            sku_id: p.sku_id,
            quantity: p.quantity,
        };
        store::insert_shipment_line(tx, merchant, &line).await?;
        lines.push((p.order_line_id, SkuId::from_uuid(p.sku_id), p.quantity));
    }
    Ok(Shipment {
        id: s.id,
        location_id: location,
        carrier: s.carrier,
        service: s.service,
        tracking_number: s.tracking_number,
        packages: s.packages,
        status: s.status,
        shipped_at: time::from_db(s.shipped_at)?,
        lines,
    })
}

/// Moves the order and fulfilment states after a shipment and records it.
async fn advance_order(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    shipment: &Shipment,
) -> Result<()> {
    let order = Order::try_from(&*row)?;
    let lines = orders_store::lines_of(tx, merchant, row.id).await?;
    let ordered: i64 = lines
        .iter()
        .map(|l| l.quantity - l.cancelled_quantity)
        .sum();
    let shipped: i64 = store::shipment_lines_of(tx, merchant, row.id)
        .await?
        .iter()
        .map(|l| l.quantity)
        .sum();
    let open = orders_store::allocations_of(tx, merchant, row.id, Some("open")).await?;
    let everything = open.is_empty() && shipped >= ordered;
    let refused = |e: omnihub_domain::orders::TransitionError| Error::Conflict {
        code: e.code(),
        message: e.to_string(),
    };
    let next = order.status.ship(everything).map_err(refused)?;
    let fulfilment = FulfilmentStatus::Unfulfilled
        .record_shipment(shipped.min(ordered), ordered)
        .map_err(refused)?;
    let expected = row.version;
    row.fulfilment_status = fulfilment.code().to_owned();
    set_state(row, next, &[], &[])?;
    let units: i64 = shipment.lines.iter().map(|l| l.2).sum();
    let who = timeline_actor(actor, None);
    let data = serde_json::json!({"shipment_id": shipment.id, "location_id": shipment.location_id, "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number, "units": units, "fulfilment": fulfilment.code()});
    note_on(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::Shipped,
        &who,
        data.clone(),
    )
    .await?;
    save_order(app, tx, merchant, row, expected).await?;
    let change = Change {
        action: "shipment.create",
        entity_type: "shipment",
        entity_id: Some(shipment.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(data),
    };
    audit::record(app, tx, actor, change).await
}

/// The order's shipments with their lines. Needs `orders.read`.
pub async fn list_shipments(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
) -> Result<Vec<Shipment>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_order_row(&mut tx, merchant, order).await?;
    let lines = store::shipment_lines_of(&mut tx, merchant, row.id).await?;
    store::shipments_of(&mut tx, merchant, row.id)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Shipment {
                id: s.id,
                location_id: LocationId::from_uuid(s.location_id),
                lines: lines
                    .iter()
                    .filter(|l| l.shipment_id == s.id)
                    .map(|l| (l.order_line_id, SkuId::from_uuid(l.sku_id), l.quantity))
                    .collect(),
                carrier: s.carrier,
                service: s.service,
                tracking_number: s.tracking_number,
                packages: s.packages,
                status: s.status,
                shipped_at: time::from_db(s.shipped_at)?,
            })
        })
        .collect()
}

/// The order's open allocations at `location` with what is packed of each, for the
/// packing screen. Needs `orders.read`.
pub async fn packing(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    order: OrderId,
    location: LocationId,
) -> Result<Vec<PackLine>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = require_order_row(&mut tx, merchant, order).await?;
    let lines = store::packable(&mut tx, merchant, row.id, location.as_uuid()).await?;
    Ok(lines.into_iter().map(PackLine::from).collect())
}
