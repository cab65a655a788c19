//! Stock levels and the ledger (INV-2, INV-3), receipts, adjustments with approval above
//! the merchant's thresholds (INV-6), per-SKU backorders and the inventory settings.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    AdjustmentId, AdjustmentReason, ApprovalThresholds, LocationId, MovementId, MovementReason,
    Quantity, Reference, needs_approval,
};
use omnihub_domain::settings::SettingKey;
use omnihub_store::inventory::{
    self as store, AdjustmentRow, LevelFilter, LevelListRow, MovementFilter, MovementRow,
};
use omnihub_store::{Tx, settings, time};
use uuid::Uuid;

use super::{
    Booking, Page, book, clean_note, conflict, corrupt, id_cursor, page_limit, paged,
    require_location, require_skus,
};
use crate::audit::{self, Change};
use crate::catalog::{actor_parts, require_merchant_exists};
use crate::error::{Error, FieldError, Result};
use crate::idempotency::{self, IdempotentRequest, Outcome, StoredResponse};
use crate::{Actor, App};

/// One stock level as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    /// SKU.
    pub sku_id: SkuId,
    /// SKU code.
    pub sku_code: String,
    /// Location.
    pub location_id: LocationId,
    /// Location code.
    pub location_code: String,
    /// Physically on hand.
    pub on_hand: i64,
    /// Held for open reservations.
    pub reserved: i64,
    /// on_hand - reserved.
    pub available: i64,
    /// In transit towards this location.
    pub incoming: i64,
    /// At or below its low-stock threshold or reorder point.
    pub low_stock: bool,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<&LevelListRow> for StockLevel {
    type Error = Error;
    fn try_from(r: &LevelListRow) -> Result<Self> {
        let available = r.on_hand - r.reserved;
        Ok(Self {
            sku_id: SkuId::from_uuid(r.sku_id),
            sku_code: r.sku_code.clone(),
            location_id: LocationId::from_uuid(r.location_id),
            location_code: r.location_code.clone(),
            on_hand: r.on_hand,
            reserved: r.reserved,
            available,
            incoming: r.incoming,
            low_stock: r
                .low_stock
                .max(r.reorder_point)
                .is_some_and(|l| available <= l),
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// Filters and paging for stock levels.
#[derive(Debug, Clone, Default)]
pub struct LevelQuery {
    /// Only this SKU (its stock at every location).
    pub sku_id: Option<SkuId>,
    /// Only this location (every SKU stocked there).
    pub location_id: Option<LocationId>,
    /// Only levels at or below their low-stock threshold or reorder point.
    pub low_stock: bool,
    /// Only SKUs whose code starts with this, ignoring case.
    pub sku_code: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

fn level_cursor(raw: Option<&str>) -> Result<Option<(Uuid, Uuid)>> {
    let bad = || Error::invalid("cursor", "invalid", "not a cursor from this list");
    raw.map(|c| {
        let (a, b) = c.split_once('.').ok_or_else(bad)?;
        Ok((
            Uuid::parse_str(a).map_err(|_| bad())?,
            Uuid::parse_str(b).map_err(|_| bad())?,
        ))
    })
    .transpose()
}

/// Stock levels by SKU then location. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_levels(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: LevelQuery,
) -> Result<Page<StockLevel>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(q.limit);
    let filter = LevelFilter {
        sku: q.sku_id.map(|s| s.as_uuid()),
        location: q.location_id.map(|l| l.as_uuid()),
        low_only: q.low_stock,
        code_prefix: q
            .sku_code
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty()),
        after: level_cursor(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_levels(&mut tx, merchant, &filter).await?;
    let items = rows
        .iter()
        .map(StockLevel::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |l| {
        format!("{}.{}", l.sku_id, l.location_id)
    }))
}

/// One level (zeros when nothing was ever booked there). Needs `inventory.read`.
pub async fn get_level(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    sku: SkuId,
    location: LocationId,
) -> Result<StockLevel> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    let loc = require_location(&mut tx, merchant, location, false).await?;
    let facts = require_skus(&mut tx, merchant, &[sku], "skus").await?;
    let filter = LevelFilter {
        sku: Some(sku.as_uuid()),
        location: Some(location.as_uuid()),
        limit: 1,
        ..LevelFilter::default()
    };
    match store::list_levels(&mut tx, merchant, &filter)
        .await?
        .first()
    {
        Some(row) => StockLevel::try_from(row),
        None => Ok(StockLevel {
            sku_id: sku,
            sku_code: facts.first().map(|f| f.code.clone()).unwrap_or_default(),
            location_id: location,
            location_code: loc.code,
            on_hand: 0,
            reserved: 0,
            available: 0,
            incoming: 0,
            low_stock: false,
            updated_at: time::from_db(loc.created_at)?,
        }),
    }
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// Id.
    pub id: MovementId,
    /// SKU.
    pub sku_id: SkuId,
    /// Location.
    pub location_id: LocationId,
    /// Why.
    pub reason: MovementReason,
    /// Signed change of on hand.
    pub quantity: i64,
    /// What caused it.
    pub reference: String,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// Email or key name.
    pub actor_label: String,
    /// Free text.
    pub note: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

impl TryFrom<&MovementRow> for Movement {
    type Error = Error;
    fn try_from(r: &MovementRow) -> Result<Self> {
        Ok(Self {
            id: MovementId::from_uuid(r.id),
            sku_id: SkuId::from_uuid(r.sku_id),
            location_id: LocationId::from_uuid(r.location_id),
            reason: MovementReason::parse(&r.reason).map_err(corrupt)?,
            quantity: r.quantity,
            reference: r.reference.clone(),
            actor_type: r.actor_type.clone(),
            actor_label: r.actor_label.clone(),
            note: r.note.clone(),
            created_at: time::from_db(r.created_at)?,
        })
    }
}

/// Filters and paging for the ledger.
#[derive(Debug, Clone, Default)]
pub struct MovementQuery {
    /// Only this SKU.
    pub sku_id: Option<SkuId>,
    /// Only this location.
    pub location_id: Option<LocationId>,
    /// Only this reason.
    pub reason: Option<MovementReason>,
    /// Only this reference.
    pub reference: Option<String>,
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// The movement ledger, newest first. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_movements(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: MovementQuery,
) -> Result<Page<Movement>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(q.limit);
    let filter = MovementFilter {
        sku: q.sku_id.map(|s| s.as_uuid()),
        location: q.location_id.map(|l| l.as_uuid()),
        reason: q.reason.map(MovementReason::code),
        reference: q.reference.as_deref(),
        from: q.from.map(time::to_db),
        until: q.until.map(time::to_db),
        before_id: id_cursor(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_movements(&mut tx, merchant, &filter).await?;
    let items = rows
        .iter()
        .map(Movement::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |m| m.id.to_string()))
}

/// One received line.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptLine {
    /// SKU.
    pub sku_id: SkuId,
    /// Units received (positive).
    pub quantity: i64,
}

/// A manual goods-in.
#[derive(Debug, Clone, Default)]
pub struct ReceiptInput {
    /// Where the goods arrived.
    pub location_id: Option<LocationId>,
    /// What arrived.
    pub lines: Vec<ReceiptLine>,
    /// Delivery note, PO number...
    pub reference: String,
    /// Free text.
    pub note: Option<String>,
}

fn parse_lines(lines: &[ReceiptLine], field: &str) -> Result<Vec<(SkuId, Quantity)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if lines.is_empty() {
        errors.push(FieldError::new(field, "required", "at least one line"));
    }
    for (i, l) in lines.iter().enumerate() {
        match Quantity::new(l.quantity) {
            Ok(q) => out.push((l.sku_id, q)),
            Err(e) => errors.push(FieldError::new(
                format!("{field}[{i}].quantity"),
                "invalid",
                e,
            )),
        }
        if lines[..i].iter().any(|o| o.sku_id == l.sku_id) {
            errors.push(FieldError::new(
                format!("{field}[{i}].sku_id"),
                "duplicate",
                "each SKU once",
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(errors))
    }
}

/// Books a manual receipt: one `receipt` movement per line. Needs `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn receive(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: ReceiptInput,
) -> Result<Vec<Movement>> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let movements = receive_in(app, &mut tx, actor, merchant, input).await?;
    tx.commit().await?;
    Ok(movements)
}

/// [`receive`] once per `Idempotency-Key` (see [`crate::idempotency::run`]); `render`
/// makes the response to store and send. Needs `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn receive_once(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: ReceiptInput,
    request: Option<&IdempotentRequest>,
    render: impl FnOnce(Vec<Movement>) -> Result<StoredResponse>,
) -> Result<Outcome> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let op = async |tx: &mut Tx| receive_in(app, tx, actor, merchant, input).await;
    idempotency::run(app, actor, merchant, request, op, render).await
}

/// [`receive`] inside the caller's transaction (no permission check).
pub async fn receive_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    input: ReceiptInput,
) -> Result<Vec<Movement>> {
    let location = input
        .location_id
        .ok_or_else(|| Error::invalid("location_id", "required", "choose a location"))?;
    let reference = Reference::parse(&input.reference)
        .map_err(|e| Error::invalid("reference", "invalid", e))?;
    let mut lines = parse_lines(&input.lines, "lines")?;
    let note = clean_note("note", input.note)?;
    lines.sort_by_key(|l| l.0);
    require_location(tx, merchant, location, true).await?;
    let ids: Vec<SkuId> = lines.iter().map(|l| l.0).collect();
    require_skus(tx, merchant, &ids, "lines").await?;
    let mut ids = Vec::new();
    for (sku, q) in &lines {
        let b = Booking {
            sku: sku.as_uuid(),
            location: location.as_uuid(),
            reason: MovementReason::Receipt,
            quantity: q.get(),
            reference: reference.to_string(),
            note: note.clone(),
            consumed: 0,
        };
        ids.push(book(app, tx, actor, merchant, &b).await?.0);
    }
    let after = serde_json::json!({"location_id": location, "reference": reference,
        "lines": lines.iter().map(|(s, q)| serde_json::json!({"sku_id": s, "quantity": q})).collect::<Vec<_>>()});
    record(
        app,
        tx,
        actor,
        merchant,
        "stock.receive",
        "stock_receipt",
        reference.to_string(),
        after,
    )
    .await?;
    movements_by_id(tx, merchant, &reference, &ids).await
}

async fn movements_by_id(
    tx: &mut Tx,
    merchant: MerchantId,
    reference: &Reference,
    ids: &[Uuid],
) -> Result<Vec<Movement>> {
    let filter = MovementFilter {
        reference: Some(reference.as_ref()),
        limit: 500,
        ..MovementFilter::default()
    };
    let rows = store::list_movements(tx, merchant, &filter).await?;
    ids.iter()
        .filter_map(|id| rows.iter().find(|r| r.id == *id))
        .map(Movement::try_from)
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    action: &str,
    entity_type: &str,
    entity_id: String,
    after: serde_json::Value,
) -> Result<()> {
    let change = Change {
        action,
        entity_type,
        entity_id: Some(entity_id),
        merchant: Some(merchant),
        before: None,
        after: Some(after),
    };
    audit::record(app, tx, actor, change).await
}

/// Whether an adjustment was booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentStatus {
    /// Booked (at once, or after approval).
    Applied,
    /// Above a threshold: waiting for someone with `inventory.approve`.
    Pending,
    /// Refused by an approver; nothing was booked.
    Rejected,
}

impl AdjustmentStatus {
    fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
        }
    }

    fn parse(raw: &str) -> Result<Self> {
        match raw {
            "applied" => Ok(Self::Applied),
            "pending" => Ok(Self::Pending),
            "rejected" => Ok(Self::Rejected),
            other => Err(corrupt(other)),
        }
    }
}

/// An adjustment as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// Id.
    pub id: AdjustmentId,
    /// SKU.
    pub sku_id: SkuId,
    /// Location.
    pub location_id: LocationId,
    /// Signed change.
    pub delta: i64,
    /// Reason code.
    pub reason: AdjustmentReason,
    /// Free text.
    pub note: Option<String>,
    /// |delta| × unit cost, when the cost is known.
    pub value_minor: Option<i64>,
    /// Applied, pending or rejected.
    pub status: AdjustmentStatus,
    /// Who asked.
    pub requested_by: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// Why.
    pub decision_note: Option<String>,
    /// Requested.
    pub created_at: Timestamp,
}

impl TryFrom<&AdjustmentRow> for Adjustment {
    type Error = Error;
    fn try_from(r: &AdjustmentRow) -> Result<Self> {
        Ok(Self {
            id: AdjustmentId::from_uuid(r.id),
            sku_id: SkuId::from_uuid(r.sku_id),
            location_id: LocationId::from_uuid(r.location_id),
            delta: r.delta,
            reason: AdjustmentReason::parse(&r.reason).map_err(corrupt)?,
            note: r.note.clone(),
            value_minor: r.unit_cost_minor.and_then(|c| c.checked_mul(r.delta.abs())),
            status: AdjustmentStatus::parse(&r.status)?,
            requested_by: r.requested_label.clone(),
            decided_by: r.decided_label.clone(),
            decision_note: r.decision_note.clone(),
            created_at: time::from_db(r.created_at)?,
        })
    }
}

/// An unvalidated adjustment.
#[derive(Debug, Clone, Default)]
pub struct AdjustmentInput {
    /// SKU.
    pub sku_id: Option<SkuId>,
    /// Location.
    pub location_id: Option<LocationId>,
    /// Signed change (not zero).
    pub delta: i64,
    /// Reason code (`damaged`, `lost`, `theft`, `found`, `expired`, `correction`, `scrap`).
    pub reason: String,
    /// Free text.
    pub note: Option<String>,
}

fn check_adjustment(input: &AdjustmentInput) -> Result<(SkuId, LocationId, AdjustmentReason)> {
    let mut errors = Vec::new();
    let reason = AdjustmentReason::parse(&input.reason)
        .map_err(|e| errors.push(FieldError::new("reason", "invalid", e)))
        .ok();
    if input.delta == 0 || Quantity::new(input.delta.saturating_abs()).is_err() {
        errors.push(FieldError::new(
            "delta",
            "invalid",
            "must be a non-zero whole number of at most 1000000000 units",
        ));
    } else if let Some(r) = reason.filter(|r| !r.allows(input.delta)) {
        errors.push(FieldError::new(
            "delta",
            "direction",
            format!("a {r} adjustment cannot go this way"),
        ));
    }
    if input.sku_id.is_none() {
        errors.push(FieldError::new("sku_id", "required", "choose a SKU"));
    }
    if input.location_id.is_none() {
        errors.push(FieldError::new(
            "location_id",
            "required",
            "choose a location",
        ));
    }
    match (input.sku_id, input.location_id, reason) {
        (Some(s), Some(l), Some(r)) if errors.is_empty() => Ok((s, l, r)),
        _ => Err(Error::Validation(errors)),
    }
}

/// Requests an adjustment. At or below the merchant's approval thresholds it is booked at
/// once (`adjustment` or `scrap` movement); above them it waits as `pending` for someone
/// else with `inventory.approve`. Needs `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn adjust(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: AdjustmentInput,
) -> Result<Adjustment> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let (sku, location, reason) = check_adjustment(&input)?;
    let note = clean_note("note", input.note)?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, location, false).await?;
    let facts = require_skus(&mut tx, merchant, &[sku], "skus").await?;
    let cost = facts.first().and_then(|f| f.cost_minor);
    let thresholds = load_approval(&mut tx, merchant).await?;
    let pending = needs_approval(&thresholds, input.delta, cost);
    let (_, by, label) = actor_parts(actor);
    let now = time::to_db(app.now());
    let row = AdjustmentRow {
        id: app.ids.new_id(),
        sku_id: sku.as_uuid(),
        location_id: location.as_uuid(),
        delta: input.delta,
        reason: reason.code().to_owned(),
        note,
        unit_cost_minor: cost,
        status: if pending {
            AdjustmentStatus::Pending
        } else {
            AdjustmentStatus::Applied
        }
        .code()
        .to_owned(),
        requested_by: by,
        requested_label: label,
        decided_by: None,
        decided_label: None,
        decision_note: None,
        decided_at: None,
        created_at: now,
        updated_at: now,
    };
    if !pending {
        apply_adjustment(app, &mut tx, actor, merchant, &row).await?;
    }
    store::insert_adjustment(&mut tx, merchant, &row).await?;
    let adjustment = Adjustment::try_from(&row)?;
    let after = serde_json::json!({"sku_id": sku, "location_id": location, "delta": row.delta, "reason": row.reason, "status": row.status});
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "stock_adjustment.request",
        "stock_adjustment",
        row.id.to_string(),
        after,
    )
    .await?;
    tx.commit().await?;
    Ok(adjustment)
}

async fn apply_adjustment(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &AdjustmentRow,
) -> Result<()> {
    let reason = AdjustmentReason::parse(&row.reason).map_err(corrupt)?;
    let b = Booking {
        sku: row.sku_id,
        location: row.location_id,
        reason: reason.movement_reason(),
        quantity: row.delta,
        reference: format!("adjustment:{}", row.id),
        note: row.note.clone(),
        consumed: 0,
    };
    book(app, tx, actor, merchant, &b).await.map(|_| ())
}

/// Approves (`approve = true`) or rejects a pending adjustment. Needs `inventory.approve`
/// and another person than the requester (`self-approval`). Approving books it; it may
/// still fail with `insufficient-stock` if stock left in the meantime.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, adjustment_id = %id), err)]
pub async fn decide_adjustment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: AdjustmentId,
    approve: bool,
    note: Option<String>,
) -> Result<Adjustment> {
    actor.require_in(merchant, Permission::InventoryApprove)?;
    let person = actor.person()?;
    let note = clean_note("note", note)?;
    let mut tx = app.db.begin_write().await?;
    let mut row = store::get_adjustment(&mut tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound {
            entity: "adjustment",
        })?;
    if row.status != "pending" {
        return Err(conflict(
            "adjustment-decided",
            format!("the adjustment is already {}", row.status),
        ));
    }
    if row.requested_by == Some(person.as_uuid()) {
        return Err(Error::Denied {
            code: "self-approval",
            message: "another person must approve your adjustment".to_owned(),
        });
    }
    let (_, by, label) = actor_parts(actor);
    let status = if approve {
        AdjustmentStatus::Applied
    } else {
        AdjustmentStatus::Rejected
    };
    row.status = status.code().to_owned();
    (row.decided_by, row.decided_label, row.decision_note) = (by, Some(label), note);
    row.decided_at = Some(time::to_db(app.now()));
    if !store::decide_adjustment(&mut tx, merchant, &row).await? {
        return Err(conflict(
            "adjustment-decided",
            "the adjustment was decided by someone else",
        ));
    }
    if approve {
        apply_adjustment(app, &mut tx, actor, merchant, &row).await?;
    }
    let action = if approve {
        "stock_adjustment.approve"
    } else {
        "stock_adjustment.reject"
    };
    let after = serde_json::json!({"status": row.status, "note": row.decision_note});
    record(
        app,
        &mut tx,
        actor,
        merchant,
        action,
        "stock_adjustment",
        row.id.to_string(),
        after,
    )
    .await?;
    tx.commit().await?;
    Adjustment::try_from(&row)
}

/// Adjustments newest first, optionally of one status (`pending` for the approval queue).
/// Needs `inventory.read`.
pub async fn list_adjustments(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    status: Option<AdjustmentStatus>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<Page<Adjustment>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(limit);
    let before = id_cursor(cursor.as_deref())?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_adjustments(
        &mut tx,
        merchant,
        status.map(AdjustmentStatus::code),
        before,
        limit + 1,
    )
    .await?;
    let items = rows
        .iter()
        .map(Adjustment::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(paged(items, limit, |a| a.id.to_string()))
}

/// One adjustment. Needs `inventory.read`.
pub async fn get_adjustment(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: AdjustmentId,
) -> Result<Adjustment> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = store::get_adjustment(&mut tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound {
            entity: "adjustment",
        })?;
    Adjustment::try_from(&row)
}

const APPROVAL_QUANTITY: &str = "inventory.approval_quantity";
const APPROVAL_VALUE: &str = "inventory.approval_value_minor";

fn key(k: &str) -> Result<SettingKey> {
    SettingKey::parse(k).map_err(Error::internal)
}

/// Checks a value written through the generic settings API to an inventory key (`null`
/// or a whole number of at least 0); `None` when the key is not inventory's.
pub(crate) fn check_setting(key: &str, value: &serde_json::Value) -> Option<Result<()>> {
    if key != APPROVAL_QUANTITY && key != APPROVAL_VALUE {
        return None;
    }
    let ok = value.is_null() || value.as_i64().is_some_and(|v| v >= 0);
    Some(if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "value",
            "invalid",
            "an approval threshold is null or a whole number of at least 0",
        ))
    })
}

async fn load_approval(tx: &mut Tx, merchant: MerchantId) -> Result<ApprovalThresholds> {
    let read = |row: Option<omnihub_store::settings::SettingRow>| -> Result<Option<i64>> {
        row.map(|r| serde_json::from_str::<Option<i64>>(&r.value).map_err(corrupt))
            .transpose()
            .map(Option::flatten)
    };
    let quantity = read(settings::get(tx, merchant, &key(APPROVAL_QUANTITY)?).await?)?;
    let value_minor = read(settings::get(tx, merchant, &key(APPROVAL_VALUE)?).await?)?;
    Ok(ApprovalThresholds {
        quantity,
        value_minor,
    })
}

/// The merchant's inventory settings. Needs `inventory.read`.
pub async fn get_settings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
) -> Result<ApprovalThresholds> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    load_approval(&mut tx, merchant).await
}

/// Sets the adjustment approval thresholds (`None` turns a rule off). Needs
/// `settings.manage`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn update_settings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    thresholds: ApprovalThresholds,
) -> Result<ApprovalThresholds> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    for (field, v) in [
        ("quantity", thresholds.quantity),
        ("value_minor", thresholds.value_minor),
    ] {
        if v.is_some_and(|v| v < 0) {
            return Err(Error::invalid(
                field,
                "out_of_range",
                "must not be negative",
            ));
        }
    }
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    let before = load_approval(&mut tx, merchant).await?;
    let now = app.now();
    settings::put(
        &mut tx,
        merchant,
        &key(APPROVAL_QUANTITY)?,
        &serde_json::json!(thresholds.quantity),
        actor.user(),
        now,
    )
    .await?;
    settings::put(
        &mut tx,
        merchant,
        &key(APPROVAL_VALUE)?,
        &serde_json::json!(thresholds.value_minor),
        actor.user(),
        now,
    )
    .await?;
    let change = Change {
        action: "inventory_settings.update",
        entity_type: "inventory_settings",
        entity_id: None,
        merchant: Some(merchant),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(thresholds)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(thresholds)
}

/// Allows or forbids backorders for a SKU: reserving beyond available stock. Needs
/// `inventory.adjust`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, sku_id = %sku), err)]
pub async fn set_backorder(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    sku: SkuId,
    allow: bool,
) -> Result<()> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    require_skus(&mut tx, merchant, &[sku], "skus").await?;
    store::set_backorder(
        &mut tx,
        merchant,
        sku.as_uuid(),
        allow,
        time::to_db(app.now()),
    )
    .await?;
    app.sold_out.clear_sku(merchant, sku.as_uuid());
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "sku_inventory.backorder",
        "sku",
        sku.to_string(),
        serde_json::json!({"allow_backorder": allow}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
