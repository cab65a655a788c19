//! Inventory use cases (INV-1..7): locations, stock levels and the ledger, receipts and
//! adjustments with approval, transfers, stocktakes, the reservation service orders call,
//! alert thresholds and alerts, and the inventory settings (docs/adr/0013).
//!
//! Every write owns one transaction (or joins the caller's, for the `*_in` reservation
//! functions), changes on_hand only by booking a movement ([`book`]), re-evaluates the
//! alerts of every level it touched, and audits itself last: the audit chain's head row is
//! the last lock a transaction takes, so stock-level locks (always taken in (sku,
//! location) order) can never wait on a transaction that waits on them.

pub mod alerts;
mod combine;
pub use combine::Combiner;
pub mod documents;
pub mod gate;
pub mod locations;
pub mod lookup;
pub mod reservations;
pub mod stock;
pub mod stocktakes;

pub use alerts::*;
pub use documents::*;
pub use locations::*;
pub use lookup::*;
pub use reservations::*;
pub use stock::*;
pub use stocktakes::*;

use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{LocationId, MovementReason, TransitionError};
use omnihub_store::inventory::{self as store, LevelRow, LocationRow, NewMovement, SkuFacts};
use omnihub_store::{StoreError, Tx, time};
use uuid::Uuid;

use crate::catalog::actor_parts;
use crate::error::{Error, Result};
use crate::{Actor, App};

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<String>,
}

/// The page size asked for, 1 to 500 (default 50).
pub(crate) fn page_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(50).clamp(1, 500)
}

/// Cuts the extra row fetched to detect a next page and makes the cursor from the last.
pub(crate) fn paged<T>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    if more {
        items.pop();
    }
    let next_cursor = if more { items.last().map(cursor) } else { None };
    Page { items, next_cursor }
}

/// Parses a cursor made from an id.
pub(crate) fn id_cursor(cursor: Option<&str>) -> Result<Option<Uuid>> {
    cursor
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| Error::invalid("cursor", "invalid", "not a cursor from this list"))
        })
        .transpose()
}

/// A conflict with a stable code.
pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Error {
    Error::Conflict {
        code,
        message: message.into(),
    }
}

/// An illegal state transition as a conflict.
pub(crate) fn transition(e: TransitionError) -> Error {
    conflict(e.code(), e.to_string())
}

/// A stored value that no longer parses.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(what.to_string()).into()
}

/// The location, or not found; `active` refuses inactive ones with a conflict.
pub(crate) async fn require_location(
    tx: &mut Tx,
    merchant: MerchantId,
    id: LocationId,
    active: bool,
) -> Result<LocationRow> {
    let row = store::get_location(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "location" })?;
    if active && !row.active {
        return Err(conflict(
            "location-inactive",
            format!("location {} is inactive", row.code),
        ));
    }
    Ok(row)
}

/// The merchant's SKUs among `ids`, in the order of `ids`; a field error (`field[i]`)
/// for each unknown one.
pub(crate) async fn require_skus(
    tx: &mut Tx,
    merchant: MerchantId,
    ids: &[SkuId],
    field: &str,
) -> Result<Vec<SkuFacts>> {
    let raw: Vec<Uuid> = ids.iter().map(SkuId::as_uuid).collect();
    let found = store::sku_facts(tx, merchant, &raw).await?;
    let mut out = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for (i, id) in raw.iter().enumerate() {
        match found.iter().find(|f| f.id == *id) {
            Some(f) => out.push(f.clone()),
            None => errors.push(crate::FieldError::new(
                format!("{field}[{i}].sku_id"),
                "unknown",
                "no such SKU",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// One change of on_hand to book.
#[derive(Debug, Clone)]
pub(crate) struct Booking {
    pub sku: Uuid,
    pub location: Uuid,
    pub reason: MovementReason,
    pub quantity: i64,
    pub reference: String,
    pub note: Option<String>,
    /// Reserved units the movement consumes (shipments).
    pub consumed: i64,
}

/// Books a movement (the only way on_hand changes) and re-evaluates the level's alerts.
/// Refuses with `insufficient-stock` when a decrease would leave less than nothing
/// available for a SKU without backorders.
pub(crate) async fn book(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    b: &Booking,
) -> Result<(Uuid, LevelRow)> {
    let (actor_type, actor_id, actor_label) = actor_parts(actor);
    let mv = NewMovement {
        id: app.ids.new_id(),
        sku_id: b.sku,
        location_id: b.location,
        reason: b.reason.code(),
        quantity: b.quantity,
        reference: b.reference.clone(),
        actor_type,
        actor_id,
        actor_label,
        note: b.note.clone(),
        created_at: time::to_db(app.now()),
    };
    let level = store::apply_movement(tx, merchant, &mv, b.consumed)
        .await?
        .ok_or_else(|| insufficient(b.sku, b.location, -b.quantity))?;
    app.sold_out.clear(merchant, b.sku, b.location);
    alerts::refresh(app, tx, merchant, &level).await?;
    Ok((mv.id, level))
}

/// The conflict for a level without enough available stock.
pub(crate) fn insufficient(sku: Uuid, location: Uuid, wanted: i64) -> Error {
    conflict(
        "insufficient-stock",
        format!("not enough stock of SKU {sku} at location {location} for {wanted} units"),
    )
}

/// Checks a free-text note: trimmed, at most 1000 characters; empty is none.
pub(crate) fn clean_note(field: &str, note: Option<String>) -> Result<Option<String>> {
    let Some(n) = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if n.chars().count() > 1000 {
        return Err(Error::invalid(field, "too_long", "at most 1000 characters"));
    }
    Ok(Some(n))
}
