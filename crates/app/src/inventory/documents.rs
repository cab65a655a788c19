//! Transfers between locations (INV-6): create, dispatch (a `transfer_out` movement at
//! the source and incoming stock at the destination), receive in full or in part (a
//! `transfer_in` movement per line; closing short records the shortfall as a
//! discrepancy), and cancel before dispatch. Needs `inventory.adjust` to write and
//! `inventory.read` to read.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    LocationId, MovementReason, Quantity, TransferError, TransferId, TransferStatus,
};
use omnihub_store::inventory::{self as store, TransferLineRow, TransferRow};
use omnihub_store::{Tx, time};

use super::stock::{ReceiptLine, record};
use super::{
    Booking, Page, book, clean_note, conflict, corrupt, id_cursor, page_limit, paged,
    require_location, require_skus, transition,
};
use crate::catalog::actor_parts;
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// One line of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLine {
    /// SKU.
    pub sku_id: SkuId,
    /// Units shipped.
    pub quantity: i64,
    /// Units received so far.
    pub received: i64,
    /// Units that never arrived (set when closed short).
    pub discrepancy: i64,
}

/// A transfer as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Id.
    pub id: TransferId,
    /// Source.
    pub from_location_id: LocationId,
    /// Destination.
    pub to_location_id: LocationId,
    /// Where it is.
    pub status: TransferStatus,
    /// Free text.
    pub note: Option<String>,
    /// Lines in order.
    pub lines: Vec<TransferLine>,
    /// Dispatched.
    pub dispatched_at: Option<Timestamp>,
    /// Closed.
    pub received_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
}

fn to_transfer(t: &TransferRow, lines: &[TransferLineRow]) -> Result<Transfer> {
    Ok(Transfer {
        id: TransferId::from_uuid(t.id),
        from_location_id: LocationId::from_uuid(t.from_location_id),
        to_location_id: LocationId::from_uuid(t.to_location_id),
        status: TransferStatus::parse(&t.status).map_err(corrupt)?,
        note: t.note.clone(),
        lines: lines
            .iter()
            .map(|l| TransferLine {
                sku_id: SkuId::from_uuid(l.sku_id),
                quantity: l.quantity,
                received: l.received,
                discrepancy: l.discrepancy,
            })
            .collect(),
        dispatched_at: t.dispatched_at.map(time::from_db).transpose()?,
        received_at: t.received_at.map(time::from_db).transpose()?,
        created_at: time::from_db(t.created_at)?,
    })
}

/// A new transfer.
#[derive(Debug, Clone, Default)]
pub struct TransferInput {
    /// Source.
    pub from_location_id: Option<LocationId>,
    /// Destination.
    pub to_location_id: Option<LocationId>,
    /// What to move (each SKU once).
    pub lines: Vec<ReceiptLine>,
    /// Free text.
    pub note: Option<String>,
}

fn check_transfer(input: &TransferInput) -> Result<(LocationId, LocationId)> {
    let (Some(from), Some(to)) = (input.from_location_id, input.to_location_id) else {
        return Err(Error::invalid(
            "to_location_id",
            "required",
            "choose both locations",
        ));
    };
    if from == to {
        let e = TransferError::SameLocation;
        return Err(Error::invalid("to_location_id", e.code(), e));
    }
    let mut errors = Vec::new();
    if input.lines.is_empty() {
        errors.push(FieldError::new(
            "lines",
            TransferError::NoLines.code(),
            TransferError::NoLines,
        ));
    }
    for (i, l) in input.lines.iter().enumerate() {
        if let Err(e) = Quantity::new(l.quantity) {
            errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                "invalid",
                e,
            ));
        }
        if input.lines[..i].iter().any(|o| o.sku_id == l.sku_id) {
            errors.push(FieldError::new(
                format!("lines[{i}].sku_id"),
                "duplicate",
                "each SKU once",
            ));
        }
    }
    if errors.is_empty() {
        Ok((from, to))
    } else {
        Err(Error::Validation(errors))
    }
}

/// Creates a draft transfer; nothing moves until it is dispatched.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_transfer(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: TransferInput,
) -> Result<Transfer> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let (from, to) = check_transfer(&input)?;
    let note = clean_note("note", input.note)?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, from, true).await?;
    require_location(&mut tx, merchant, to, true).await?;
    let ids: Vec<SkuId> = input.lines.iter().map(|l| l.sku_id).collect();
    require_skus(&mut tx, merchant, &ids, "lines").await?;
    let now = time::to_db(app.now());
    let t = TransferRow {
        id: app.ids.new_id(),
        from_location_id: from.as_uuid(),
        to_location_id: to.as_uuid(),
        status: TransferStatus::Draft.code().to_owned(),
        note,
        created_label: actor_parts(actor).2,
        dispatched_at: None,
        received_at: None,
        created_at: now,
        updated_at: now,
    };
    let lines: Vec<TransferLineRow> = input
        .lines
        .iter()
        .zip(0..)
        .map(|(l, i)| TransferLineRow {
            id: app.ids.new_id(),
            position: i,
            sku_id: l.sku_id.as_uuid(),
            quantity: l.quantity,
            received: 0,
            discrepancy: 0,
        })
        .collect();
    store::insert_transfer(&mut tx, merchant, &t, &lines).await?;
    let transfer = to_transfer(&t, &lines)?;
    let after = serde_json::json!({"from": from, "to": to, "lines": lines.iter().map(|l| serde_json::json!({"sku_id": l.sku_id, "quantity": l.quantity})).collect::<Vec<_>>()});
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "transfer.create",
        "transfer",
        t.id.to_string(),
        after,
    )
    .await?;
    tx.commit().await?;
    Ok(transfer)
}

async fn load(
    tx: &mut Tx,
    merchant: MerchantId,
    id: TransferId,
) -> Result<(TransferRow, Vec<TransferLineRow>)> {
    store::get_transfer(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound { entity: "transfer" })
}

async fn save_status(tx: &mut Tx, merchant: MerchantId, t: &TransferRow, from: &str) -> Result<()> {
    if store::set_transfer_status(tx, merchant, t, from).await? {
        Ok(())
    } else {
        Err(conflict(
            "transfer-state",
            "the transfer was changed by someone else; reload and try again",
        ))
    }
}

/// Dispatches a draft transfer: books `transfer_out` at the source (refused with
/// `insufficient-stock` when not enough is available) and adds the units to the
/// destination's incoming stock.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, transfer_id = %id), err)]
pub async fn dispatch_transfer(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: TransferId,
) -> Result<Transfer> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let (mut t, lines) = load(&mut tx, merchant, id).await?;
    let old = t.status.clone();
    t.status = TransferStatus::parse(&t.status)
        .map_err(corrupt)?
        .dispatch()
        .map_err(transition)?
        .code()
        .to_owned();
    let now = time::to_db(app.now());
    (t.dispatched_at, t.updated_at) = (Some(now), now);
    save_status(&mut tx, merchant, &t, &old).await?;
    // Stock-level locks in (sku, location) order, as everywhere.
    let mut touches: Vec<(uuid::Uuid, uuid::Uuid, i64)> = lines
        .iter()
        .flat_map(|l| {
            [
                (l.sku_id, t.from_location_id, -l.quantity),
                (l.sku_id, t.to_location_id, l.quantity),
            ]
        })
        .collect();
    touches.sort();
    for (sku, location, q) in touches {
        if location == t.from_location_id {
            let b = Booking {
                sku,
                location,
                reason: MovementReason::TransferOut,
                quantity: q,
                reference: format!("transfer:{}", t.id),
                note: None,
                consumed: 0,
            };
            book(app, &mut tx, actor, merchant, &b).await?;
        } else {
            store::add_incoming(&mut tx, merchant, sku, location, q, now).await?;
        }
    }
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "transfer.dispatch",
        "transfer",
        t.id.to_string(),
        serde_json::json!({"status": t.status}),
    )
    .await?;
    tx.commit().await?;
    to_transfer(&t, &lines)
}

/// What arrived.
#[derive(Debug, Clone, Default)]
pub struct ReceiveTransferInput {
    /// Units arrived per SKU (SKUs left out: none arrived this time).
    pub lines: Vec<ReceiptLine>,
    /// Close the transfer now: whatever is still outstanding is recorded as a discrepancy
    /// and leaves the destination's incoming stock.
    pub close: bool,
}

fn apply_receipt(
    lines: &mut [TransferLineRow],
    input: &ReceiveTransferInput,
) -> Result<Vec<(uuid::Uuid, i64)>> {
    let mut arrived = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in input.lines.iter().enumerate() {
        let Some(line) = lines.iter_mut().find(|l| l.sku_id == r.sku_id.as_uuid()) else {
            errors.push(FieldError::new(
                format!("lines[{i}].sku_id"),
                "not_on_transfer",
                "this SKU is not on the transfer",
            ));
            continue;
        };
        let remaining = line.quantity - line.received;
        match Quantity::new(r.quantity) {
            Ok(q) if q.get() <= remaining => {
                line.received += q.get();
                arrived.push((line.sku_id, q.get()));
            }
            Ok(_) => {
                let e = TransferError::OverReceived { line: i, remaining };
                errors.push(FieldError::new(format!("lines[{i}].quantity"), e.code(), e));
            }
            Err(e) => errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                "invalid",
                e,
            )),
        }
    }
    if errors.is_empty() {
        Ok(arrived)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Receives goods of a dispatched transfer: `transfer_in` at the destination for what
/// arrived (at most what is outstanding per line). Complete when nothing is outstanding,
/// or when `close` records the shortfall as discrepancies.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, transfer_id = %id), err)]
pub async fn receive_transfer(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: TransferId,
    input: ReceiveTransferInput,
) -> Result<Transfer> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let (mut t, mut lines) = load(&mut tx, merchant, id).await?;
    let old = t.status.clone();
    let mut arrived = apply_receipt(&mut lines, &input)?;
    let outstanding: i64 = lines.iter().map(|l| l.quantity - l.received).sum();
    let status = TransferStatus::parse(&t.status)
        .map_err(corrupt)?
        .receive(outstanding, input.close)
        .map_err(transition)?;
    let now = time::to_db(app.now());
    t.status = status.code().to_owned();
    t.updated_at = now;
    if status == TransferStatus::Received {
        t.received_at = Some(now);
        for l in &mut lines {
            l.discrepancy = l.quantity - l.received;
        }
    }
    save_status(&mut tx, merchant, &t, &old).await?;
    arrived.sort();
    for (sku, q) in &arrived {
        let b = Booking {
            sku: *sku,
            location: t.to_location_id,
            reason: MovementReason::TransferIn,
            quantity: *q,
            reference: format!("transfer:{}", t.id),
            note: None,
            consumed: 0,
        };
        book(app, &mut tx, actor, merchant, &b).await?;
        store::add_incoming(&mut tx, merchant, *sku, t.to_location_id, -q, now).await?;
    }
    for l in lines.iter().filter(|l| l.discrepancy > 0) {
        store::add_incoming(
            &mut tx,
            merchant,
            l.sku_id,
            t.to_location_id,
            -l.discrepancy,
            now,
        )
        .await?;
    }
    for l in &lines {
        store::update_transfer_line(&mut tx, merchant, l).await?;
    }
    let after = serde_json::json!({"status": t.status, "arrived": arrived.iter().map(|(s, q)| serde_json::json!({"sku_id": s, "quantity": q})).collect::<Vec<_>>(),
        "discrepancies": lines.iter().filter(|l| l.discrepancy > 0).map(|l| serde_json::json!({"sku_id": l.sku_id, "missing": l.discrepancy})).collect::<Vec<_>>()});
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "transfer.receive",
        "transfer",
        t.id.to_string(),
        after,
    )
    .await?;
    tx.commit().await?;
    to_transfer(&t, &lines)
}

/// Cancels a draft transfer (nothing has moved).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, transfer_id = %id), err)]
pub async fn cancel_transfer(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: TransferId,
) -> Result<Transfer> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let (mut t, lines) = load(&mut tx, merchant, id).await?;
    let old = t.status.clone();
    t.status = TransferStatus::parse(&t.status)
        .map_err(corrupt)?
        .cancel()
        .map_err(transition)?
        .code()
        .to_owned();
    t.updated_at = time::to_db(app.now());
    save_status(&mut tx, merchant, &t, &old).await?;
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "transfer.cancel",
        "transfer",
        t.id.to_string(),
        serde_json::json!({"status": t.status}),
    )
    .await?;
    tx.commit().await?;
    to_transfer(&t, &lines)
}

/// One transfer. Needs `inventory.read`.
pub async fn get_transfer(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: TransferId,
) -> Result<Transfer> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    let (t, lines) = load(&mut tx, merchant, id).await?;
    to_transfer(&t, &lines)
}

/// Filters and paging for transfers.
#[derive(Debug, Clone, Default)]
pub struct TransferQuery {
    /// Only this status.
    pub status: Option<TransferStatus>,
    /// Only from or to this location.
    pub location_id: Option<LocationId>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Transfers newest first (without their lines). Needs `inventory.read`.
pub async fn list_transfers(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: TransferQuery,
) -> Result<Page<Transfer>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(q.limit);
    let before = id_cursor(q.cursor.as_deref())?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_transfers(
        &mut tx,
        merchant,
        q.status.map(TransferStatus::code),
        q.location_id.map(|l| l.as_uuid()),
        before,
        limit + 1,
    )
    .await?;
    let items = rows
        .iter()
        .map(|t| to_transfer(t, &[]))
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |t| t.id.to_string()))
}
