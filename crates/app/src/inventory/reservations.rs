//! The reservation service orders call (INV-4, INV-5): reserve a set of lines all or
//! nothing, release, consume (a shipment movement). Idempotent by reference: reserving a
//! reference again returns its reservation; releasing or consuming twice is a no-op.
//!
//! Each function exists twice: with its own transaction (needs `inventory.adjust`), and
//! `*_in` inside the caller's transaction (the caller did its own authorisation). On an
//! error the caller must roll its transaction back: an all-or-nothing reserve may have
//! written some lines before a later one ran out of stock.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    LocationId, MovementReason, Quantity, Reference, ReservationId, ReservationStatus,
};
use omnihub_store::inventory::{self as store, ReservationRow};
use omnihub_store::{Tx, time};

use super::stock::record;
use super::{Booking, alerts, book, conflict, corrupt, insufficient, require_location, transition};
use crate::catalog::require_listed;
use crate::error::{Error, FieldError, Result};
use crate::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use crate::{Actor, App};

/// A reservation as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Id.
    pub id: ReservationId,
    /// The order line it belongs to.
    pub reference: String,
    /// SKU.
    pub sku_id: SkuId,
    /// Location.
    pub location_id: LocationId,
    /// Units held.
    pub quantity: i64,
    /// Open, released or consumed.
    pub status: ReservationStatus,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<&ReservationRow> for Reservation {
    type Error = Error;
    fn try_from(r: &ReservationRow) -> Result<Self> {
        Ok(Self {
            id: ReservationId::from_uuid(r.id),
            reference: r.reference.clone(),
            sku_id: SkuId::from_uuid(r.sku_id),
            location_id: LocationId::from_uuid(r.location_id),
            quantity: r.quantity,
            status: ReservationStatus::parse(&r.status).map_err(corrupt)?,
            created_at: time::from_db(r.created_at)?,
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// One line to reserve.
#[derive(Debug, Clone)]
pub struct ReserveLine {
    /// The order line (unique per merchant): the idempotency key.
    pub reference: String,
    /// SKU (must be listed for sale).
    pub sku_id: SkuId,
    /// Location chosen by allocation.
    pub location_id: LocationId,
    /// Units.
    pub quantity: i64,
}

fn check_lines(lines: &[ReserveLine]) -> Result<Vec<(Reference, &ReserveLine)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if lines.is_empty() {
        errors.push(FieldError::new("lines", "required", "at least one line"));
    }
    for (i, l) in lines.iter().enumerate() {
        if let Err(e) = Quantity::new(l.quantity) {
            errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                "invalid",
                e,
            ));
        }
        match Reference::parse(&l.reference) {
            Ok(r) if out.iter().any(|(o, _)| *o == r) => {
                errors.push(FieldError::new(
                    format!("lines[{i}].reference"),
                    "duplicate",
                    "each reference once",
                ));
            }
            Ok(r) => out.push((r, l)),
            Err(e) => errors.push(FieldError::new(
                format!("lines[{i}].reference"),
                "invalid",
                e,
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Reserves every line or none, in its own transaction. Needs `inventory.adjust`.
/// Conflicts: `insufficient-stock`, `sku-not-sellable`, `location-inactive`,
/// `reference-reused` (a reference already reserved for something else).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn reserve(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    lines: &[ReserveLine],
) -> Result<Vec<Reservation>> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    gate(app, merchant, lines)?;
    let result = match lines {
        // One line: it joins the next round of its level (group commit, ADR 0025).
        [line] => {
            check_lines(lines)?;
            super::combine::reserve_combined(app, actor, merchant, line.clone()).await
        }
        _ => reserve_alone(app, actor, merchant, lines).await,
    };
    learn_sold_out(app, merchant, lines, &result).await;
    result
}

/// [`reserve`] in a transaction of its own.
pub(super) async fn reserve_alone(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    lines: &[ReserveLine],
) -> Result<Vec<Reservation>> {
    let mut tx = app.db.begin_write().await?;
    let out = reserve_in(app, &mut tx, actor, merchant, lines).await?;
    tx.commit().await?;
    Ok(out)
}

/// The sold-out gate's refusal (ADR 0025): the database refused one of these levels as
/// sold out a moment ago, so refusing again needs no transaction.
fn gate(app: &App, merchant: MerchantId, lines: &[ReserveLine]) -> Result<()> {
    match app.sold_out.refuses(merchant, lines, app.now()) {
        Some((sku, location, quantity)) => Err(insufficient(sku, location, quantity)),
        None => Ok(()),
    }
}

/// After the database refused for want of stock, notes each line's level that has
/// nothing left at all, with the references holding it. Best effort: a failed read
/// leaves the gate as it was.
async fn learn_sold_out<T>(
    app: &App,
    merchant: MerchantId,
    lines: &[ReserveLine],
    result: &Result<T>,
) {
    let Err(Error::Conflict {
        code: "insufficient-stock",
        ..
    }) = result
    else {
        return;
    };
    let Ok(mut tx) = app.db.begin_read().await else {
        return;
    };
    for l in lines {
        let (sku, location) = (l.sku_id.as_uuid(), l.location_id.as_uuid());
        if app.sold_out.is_sold_out(merchant, sku, location, app.now()) {
            continue;
        }
        let Ok(Some(level)) = store::get_level(&mut tx, merchant, sku, location).await else {
            continue;
        };
        if level.on_hand - level.reserved > 0 {
            continue;
        }
        if let Ok(open) = store::open_reservations(&mut tx, merchant, sku, location).await {
            let holders = open.into_iter().map(|r| r.reference).collect();
            app.sold_out
                .note_sold_out(merchant, sku, location, holders, app.now());
        }
    }
}

/// [`reserve`] once per `Idempotency-Key` (see [`crate::idempotency::run`]); `render`
/// makes the response to store and send. Needs `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn reserve_once(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    lines: &[ReserveLine],
    request: Option<&IdempotentRequest>,
    render: impl FnOnce(Vec<Reservation>) -> Result<StoredResponse>,
) -> Result<Outcome> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    // Without a key, the plain path (gate, rounds); with one, the stored answer decides
    // (a replay must be the first answer).
    if request.is_none() {
        let reserved = reserve(app, actor, merchant, lines).await?;
        return Ok(Outcome::Fresh(render(reserved)?));
    }
    let op = async |tx: &mut Tx| reserve_in(app, tx, actor, merchant, lines).await;
    let result = idempotency::run(app, actor, merchant, request, op, render).await;
    learn_sold_out(app, merchant, lines, &result).await;
    result
}

/// [`reserve`] inside the caller's transaction (no permission check). Lines whose
/// reference already has a reservation return it unchanged. Writes happen in a fixed
/// order (references, then levels by SKU and location) so concurrent multi-line
/// reservations cannot deadlock; each level is one conditional UPDATE.
pub async fn reserve_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    lines: &[ReserveLine],
) -> Result<Vec<Reservation>> {
    let mut checked = check_lines(lines)?;
    checked.sort_by(|a, b| a.0.cmp(&b.0));
    let skus: Vec<SkuId> = checked.iter().map(|(_, l)| l.sku_id).collect();
    require_listed(tx, merchant, &skus).await?;
    let now = time::to_db(app.now());
    let mut created = Vec::new();
    let mut results = Vec::new();
    for (reference, l) in &checked {
        require_location(tx, merchant, l.location_id, true).await?;
        let row = open_row(app, reference.to_string(), l, now);
        match store::insert_reservation(tx, merchant, &row).await? {
            Some(new) => created.push(new),
            None => results.push(existing(tx, merchant, &row).await?),
        }
    }
    created.sort_by_key(|r| (r.sku_id, r.location_id));
    for r in &created {
        let level = store::reserve(tx, merchant, r.sku_id, r.location_id, r.quantity, now)
            .await?
            .ok_or_else(|| insufficient(r.sku_id, r.location_id, r.quantity))?;
        alerts::refresh(app, tx, merchant, &level).await?;
    }
    record_reserved(
        app,
        tx,
        actor,
        merchant,
        &created.iter().collect::<Vec<_>>(),
    )
    .await?;
    results.extend(created);
    let mut out = results
        .iter()
        .map(Reservation::try_from)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|r| position(lines, &r.reference));
    Ok(out)
}

/// The row of a new open reservation of `line` under its normalised `reference`.
pub(super) fn open_row(
    app: &App,
    reference: String,
    line: &ReserveLine,
    now: i64,
) -> ReservationRow {
    ReservationRow {
        id: app.ids.new_id(),
        reference,
        sku_id: line.sku_id.as_uuid(),
        location_id: line.location_id.as_uuid(),
        quantity: line.quantity,
        status: ReservationStatus::Open.code().to_owned(),
        created_at: now,
        updated_at: now,
    }
}

/// The `stock.reserve` audit entry of an actor's new reservations (none: no entry).
pub(super) async fn record_reserved(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    created: &[&ReservationRow],
) -> Result<()> {
    if created.is_empty() {
        return Ok(());
    }
    let after = serde_json::json!(created.iter().map(|r| serde_json::json!({"reference": r.reference, "sku_id": r.sku_id, "location_id": r.location_id, "quantity": r.quantity})).collect::<Vec<_>>());
    let id = created
        .iter()
        .map(|r| r.reference.as_str())
        .collect::<Vec<_>>()
        .join(",");
    record(
        app,
        tx,
        actor,
        merchant,
        "stock.reserve",
        "reservation",
        id,
        after,
    )
    .await
}

fn position(lines: &[ReserveLine], reference: &str) -> usize {
    lines
        .iter()
        .position(|l| l.reference.trim() == reference)
        .unwrap_or(usize::MAX)
}

pub(super) async fn existing(
    tx: &mut Tx,
    merchant: MerchantId,
    wanted: &ReservationRow,
) -> Result<ReservationRow> {
    let row = store::get_reservation(tx, merchant, &wanted.reference)
        .await?
        .ok_or_else(|| corrupt(format!("reservation {} vanished", wanted.reference)))?;
    if (row.sku_id, row.location_id, row.quantity)
        != (wanted.sku_id, wanted.location_id, wanted.quantity)
    {
        return Err(conflict(
            "reference-reused",
            format!(
                "reference {} is already reserved for another SKU, location or quantity",
                wanted.reference
            ),
        ));
    }
    Ok(row)
}

/// The reservation of a reference. Needs `inventory.read`.
pub async fn get_reservation(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    reference: &str,
) -> Result<Reservation> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = store::get_reservation(&mut tx, merchant, reference.trim())
        .await?
        .ok_or(Error::NotFound {
            entity: "reservation",
        })?;
    Reservation::try_from(&row)
}

/// Releases a reservation (order cancelled), in its own transaction. Needs
/// `inventory.adjust`. Releasing a released one returns it; a consumed one is a conflict.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn release(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    reference: &str,
) -> Result<Reservation> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let out = release_in(app, &mut tx, actor, merchant, reference).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`release`] inside the caller's transaction.
pub async fn release_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    reference: &str,
) -> Result<Reservation> {
    let Some(row) = close(app, tx, merchant, reference, ReservationStatus::Released).await? else {
        return current(tx, merchant, reference, ReservationStatus::release).await;
    };
    let now = time::to_db(app.now());
    let level = store::unreserve(tx, merchant, row.sku_id, row.location_id, row.quantity, now)
        .await?
        .ok_or_else(|| {
            corrupt(format!(
                "level of reservation {} holds less than it",
                row.reference
            ))
        })?;
    app.sold_out.clear(merchant, row.sku_id, row.location_id);
    alerts::refresh(app, tx, merchant, &level).await?;
    record(
        app,
        tx,
        actor,
        merchant,
        "stock.release",
        "reservation",
        row.reference.clone(),
        serde_json::json!({"quantity": row.quantity}),
    )
    .await?;
    Reservation::try_from(&row)
}

/// Consumes a reservation at shipment, in its own transaction: on hand and reserved both
/// go down, with one `shipment` movement. Needs `inventory.adjust`. Consuming a consumed
/// one returns it; a released one is a conflict.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn consume(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    reference: &str,
) -> Result<Reservation> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let out = consume_in(app, &mut tx, actor, merchant, reference).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`consume`] inside the caller's transaction.
pub async fn consume_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    reference: &str,
) -> Result<Reservation> {
    let Some(row) = close(app, tx, merchant, reference, ReservationStatus::Consumed).await? else {
        return current(tx, merchant, reference, ReservationStatus::consume).await;
    };
    let b = Booking {
        sku: row.sku_id,
        location: row.location_id,
        reason: MovementReason::Shipment,
        quantity: -row.quantity,
        reference: row.reference.clone(),
        note: None,
        consumed: row.quantity,
    };
    book(app, tx, actor, merchant, &b).await?;
    record(
        app,
        tx,
        actor,
        merchant,
        "stock.consume",
        "reservation",
        row.reference.clone(),
        serde_json::json!({"quantity": row.quantity}),
    )
    .await?;
    Reservation::try_from(&row)
}

async fn close(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    reference: &str,
    to: ReservationStatus,
) -> Result<Option<ReservationRow>> {
    Ok(store::close_reservation(
        tx,
        merchant,
        reference.trim(),
        to.code(),
        time::to_db(app.now()),
    )
    .await?)
}

/// The reservation that was not open: the same close again is a no-op, another is a
/// conflict, none is not found.
async fn current(
    tx: &mut Tx,
    merchant: MerchantId,
    reference: &str,
    step: fn(
        ReservationStatus,
    ) -> Result<ReservationStatus, omnihub_domain::inventory::TransitionError>,
) -> Result<Reservation> {
    let row = store::get_reservation(tx, merchant, reference.trim())
        .await?
        .ok_or(Error::NotFound {
            entity: "reservation",
        })?;
    let r = Reservation::try_from(&row)?;
    let target = step(ReservationStatus::Open).map_err(transition)?;
    if r.status == target {
        return Ok(r);
    }
    match step(r.status) {
        Err(e) => Err(transition(e)),
        Ok(_) => Ok(r),
    }
}
