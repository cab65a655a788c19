//! Stocktakes (INV-6): open a count for a location (all its SKUs, or chosen ones) with a
//! snapshot of on hand; enter counts directly or from CSV (each count also records what
//! the books said at that moment, so movements during the count are accounted for); post
//! the variances as `count` movements; the variance report. Writing needs
//! `inventory.adjust`, reading `inventory.read`.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    Count, LocationId, MovementReason, StocktakeId, StocktakeStatus, Variance,
};
use omnihub_store::inventory::{self as store, StocktakeLineRow, StocktakeRow};
use omnihub_store::{StoreError, Tx, time};

use super::stock::record;
use super::{
    Booking, Page, book, clean_note, conflict, corrupt, id_cursor, page_limit, paged,
    require_location, require_skus, transition,
};
use crate::catalog::actor_parts;
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// One line of the variance report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StocktakeLine {
    /// SKU.
    pub sku_id: SkuId,
    /// SKU code.
    pub sku_code: String,
    /// On hand at the snapshot.
    pub snapshot: i64,
    /// The counted units and the maths, once counted.
    pub variance: Option<Variance>,
    /// Variance × unit cost, when counted and the cost is known.
    pub value_minor: Option<i64>,
    /// When counted.
    pub counted_at: Option<Timestamp>,
}

/// A stocktake with its lines (the variance report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stocktake {
    /// Id.
    pub id: StocktakeId,
    /// Counted location.
    pub location_id: LocationId,
    /// Open, posted or cancelled.
    pub status: StocktakeStatus,
    /// Free text.
    pub note: Option<String>,
    /// Lines by SKU.
    pub lines: Vec<StocktakeLine>,
    /// Sum of variances (units) over counted lines.
    pub net_variance: i64,
    /// Sum of variance values over counted lines with a known cost.
    pub net_value_minor: i64,
    /// Lines not yet counted.
    pub uncounted: usize,
    /// Opened.
    pub created_at: Timestamp,
    /// Posted.
    pub posted_at: Option<Timestamp>,
}

async fn to_stocktake(
    tx: &mut Tx,
    merchant: MerchantId,
    s: &StocktakeRow,
    rows: &[StocktakeLineRow],
) -> Result<Stocktake> {
    let facts = store::sku_facts(
        tx,
        merchant,
        &rows.iter().map(|l| l.sku_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for l in rows {
        let fact = facts.iter().find(|f| f.id == l.sku_id);
        let variance = match (l.counted, l.on_hand_at_count) {
            (Some(c), Some(at)) => Some(Variance::compute(l.snapshot_on_hand, at, c)),
            _ => None,
        };
        let cost = l
            .unit_cost_minor
            .or_else(|| fact.and_then(|f| f.cost_minor));
        lines.push(StocktakeLine {
            sku_id: SkuId::from_uuid(l.sku_id),
            sku_code: fact.map(|f| f.code.clone()).unwrap_or_default(),
            snapshot: l.snapshot_on_hand,
            value_minor: variance.and_then(|v| v.value_minor(cost)),
            variance,
            counted_at: l.counted_at.map(time::from_db).transpose()?,
        });
    }
    lines.sort_by(|a, b| a.sku_code.cmp(&b.sku_code));
    Ok(Stocktake {
        id: StocktakeId::from_uuid(s.id),
        location_id: LocationId::from_uuid(s.location_id),
        status: StocktakeStatus::parse(&s.status).map_err(corrupt)?,
        note: s.note.clone(),
        net_variance: lines
            .iter()
            .filter_map(|l| l.variance.map(|v| v.variance))
            .sum(),
        net_value_minor: lines.iter().filter_map(|l| l.value_minor).sum(),
        uncounted: lines.iter().filter(|l| l.variance.is_none()).count(),
        lines,
        created_at: time::from_db(s.created_at)?,
        posted_at: s.posted_at.map(time::from_db).transpose()?,
    })
}

/// A stocktake to open.
#[derive(Debug, Clone, Default)]
pub struct StocktakeInput {
    /// Where to count.
    pub location_id: Option<LocationId>,
    /// Only these SKUs (a cycle count); none: every SKU stocked at the location.
    pub sku_ids: Option<Vec<SkuId>>,
    /// Free text.
    pub note: Option<String>,
}

/// Opens a stocktake, snapshotting on hand of each SKU in scope.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn open_stocktake(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: StocktakeInput,
) -> Result<Stocktake> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let location = input
        .location_id
        .ok_or_else(|| Error::invalid("location_id", "required", "choose a location"))?;
    let note = clean_note("note", input.note)?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, location, false).await?;
    let levels = store::levels_at(&mut tx, merchant, location.as_uuid()).await?;
    let skus: Vec<uuid::Uuid> = match &input.sku_ids {
        Some(ids) => require_skus(&mut tx, merchant, ids, "sku_ids")
            .await?
            .iter()
            .map(|f| f.id)
            .collect(),
        None => levels.iter().map(|l| l.sku_id).collect(),
    };
    let now = time::to_db(app.now());
    let s = StocktakeRow {
        id: app.ids.new_id(),
        location_id: location.as_uuid(),
        status: StocktakeStatus::Open.code().to_owned(),
        note,
        opened_label: actor_parts(actor).2,
        posted_at: None,
        created_at: now,
        updated_at: now,
    };
    store::insert_stocktake(&mut tx, merchant, &s).await?;
    let mut lines = Vec::new();
    for sku in skus {
        let snapshot = levels
            .iter()
            .find(|l| l.sku_id == sku)
            .map_or(0, |l| l.on_hand);
        let line = new_line(app, sku, snapshot);
        match store::insert_stocktake_line(&mut tx, merchant, s.id, &line).await {
            Ok(()) => lines.push(line),
            Err(StoreError::Conflict { .. }) => {
                return Err(Error::invalid("sku_ids", "duplicate", "each SKU once"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "stocktake.open",
        "stocktake",
        s.id.to_string(),
        serde_json::json!({"location_id": location, "lines": lines.len()}),
    )
    .await?;
    let out = to_stocktake(&mut tx, merchant, &s, &lines).await?;
    tx.commit().await?;
    Ok(out)
}

fn new_line(app: &App, sku: uuid::Uuid, snapshot: i64) -> StocktakeLineRow {
    StocktakeLineRow {
        id: app.ids.new_id(),
        sku_id: sku,
        snapshot_on_hand: snapshot,
        counted: None,
        on_hand_at_count: None,
        counted_at: None,
        variance: None,
        unit_cost_minor: None,
    }
}

async fn load(
    tx: &mut Tx,
    merchant: MerchantId,
    id: StocktakeId,
) -> Result<(StocktakeRow, Vec<StocktakeLineRow>)> {
    store::get_stocktake(tx, merchant, id.as_uuid())
        .await?
        .ok_or(Error::NotFound {
            entity: "stocktake",
        })
}

/// One counted SKU.
#[derive(Debug, Clone, Copy)]
pub struct CountInput {
    /// SKU.
    pub sku_id: SkuId,
    /// Units counted (0 or more).
    pub counted: i64,
}

/// Records counts (a later count of a SKU replaces an earlier one). A SKU that was not
/// in the snapshot (found on the shelf) gets a line whose snapshot is on hand now.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, stocktake_id = %id), err)]
pub async fn enter_counts(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
    counts: &[CountInput],
) -> Result<Stocktake> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (i, c) in counts.iter().enumerate() {
        match Count::new(c.counted) {
            Ok(n) => parsed.push((c.sku_id, n)),
            Err(e) => errors.push(FieldError::new(
                format!("counts[{i}].counted"),
                "invalid",
                e,
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let mut tx = app.db.begin_write().await?;
    let out = record_counts(app, &mut tx, actor, merchant, id, &parsed).await?;
    tx.commit().await?;
    Ok(out)
}

async fn record_counts(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
    counts: &[(SkuId, Count)],
) -> Result<Stocktake> {
    let (s, _) = load(tx, merchant, id).await?;
    StocktakeStatus::parse(&s.status)
        .map_err(corrupt)?
        .enter_counts()
        .map_err(transition)?;
    let ids: Vec<SkuId> = counts.iter().map(|c| c.0).collect();
    require_skus(tx, merchant, &ids, "counts").await?;
    let now = time::to_db(app.now());
    for (sku, n) in counts {
        if !store::record_count(
            tx,
            merchant,
            s.id,
            s.location_id,
            sku.as_uuid(),
            n.get(),
            now,
        )
        .await?
        {
            let on_hand = store::get_level(tx, merchant, sku.as_uuid(), s.location_id)
                .await?
                .map_or(0, |l| l.on_hand);
            store::insert_stocktake_line(
                tx,
                merchant,
                s.id,
                &new_line(app, sku.as_uuid(), on_hand),
            )
            .await?;
            store::record_count(
                tx,
                merchant,
                s.id,
                s.location_id,
                sku.as_uuid(),
                n.get(),
                now,
            )
            .await?;
        }
    }
    let after = serde_json::json!(
        counts
            .iter()
            .map(|(s, n)| serde_json::json!({"sku_id": s, "counted": n}))
            .collect::<Vec<_>>()
    );
    record(
        app,
        tx,
        actor,
        merchant,
        "stocktake.count",
        "stocktake",
        s.id.to_string(),
        after,
    )
    .await?;
    let (s, lines) = load(tx, merchant, id).await?;
    to_stocktake(tx, merchant, &s, &lines).await
}

/// A problem with one CSV row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRowError {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    /// `sku_code` or `counted`.
    pub field: String,
    /// Stable code.
    pub code: &'static str,
    /// Explanation.
    pub message: String,
}

/// The outcome of a count import: all rows are recorded, or none when any is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountImport {
    /// Data rows read.
    pub rows: usize,
    /// Problems; empty when the counts were recorded.
    pub errors: Vec<CountRowError>,
    /// The stocktake after the import.
    pub stocktake: Option<Stocktake>,
}

/// Imports counts from CSV with a header `sku_code,counted` (UTF-8, BOM allowed): every
/// row is checked first, and nothing is recorded unless all are valid.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, stocktake_id = %id), err)]
pub async fn import_counts_csv(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
    bytes: &[u8],
) -> Result<CountImport> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid("file", "encoding", "the file must be UTF-8"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("file", "malformed", e))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(code_col), Some(count_col)) = (col("sku_code"), col("counted")) else {
        return Err(Error::invalid(
            "file",
            "header",
            "the header must name sku_code and counted",
        ));
    };
    let mut tx = app.db.begin_write().await?;
    let (rows, counts, mut errors) =
        parse_rows(&mut tx, merchant, &mut reader, code_col, count_col).await?;
    if !errors.is_empty() || counts.is_empty() {
        if counts.is_empty() && errors.is_empty() {
            errors.push(CountRowError {
                line: 1,
                field: "file".to_owned(),
                code: "empty",
                message: "no rows".to_owned(),
            });
        }
        return Ok(CountImport {
            rows,
            errors,
            stocktake: None,
        });
    }
    let stocktake = record_counts(app, &mut tx, actor, merchant, id, &counts).await?;
    tx.commit().await?;
    Ok(CountImport {
        rows,
        errors,
        stocktake: Some(stocktake),
    })
}

type ParsedRows = (usize, Vec<(SkuId, Count)>, Vec<CountRowError>);

async fn parse_rows(
    tx: &mut Tx,
    merchant: MerchantId,
    reader: &mut csv::Reader<&[u8]>,
    code_col: usize,
    count_col: usize,
) -> Result<ParsedRows> {
    let mut counts = Vec::new();
    let mut errors = Vec::new();
    let mut rows = 0;
    for (i, record) in reader.records().enumerate() {
        rows += 1;
        let line = i + 2;
        let err = |field: &str, code, message: String| CountRowError {
            line,
            field: field.to_owned(),
            code,
            message,
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(err("row", "malformed", e.to_string()));
                continue;
            }
        };
        let code = record.get(code_col).unwrap_or_default();
        let sku = store::sku_by_code(tx, merchant, code).await?;
        let count = Count::parse(record.get(count_col).unwrap_or_default());
        match (sku, count) {
            (Some(s), Ok(n)) => counts.push((SkuId::from_uuid(s), n)),
            (s, n) => {
                if s.is_none() {
                    errors.push(err(
                        "sku_code",
                        "unknown",
                        format!("no SKU with code {code}"),
                    ));
                }
                if let Err(e) = n {
                    errors.push(err("counted", "invalid", e.to_string()));
                }
            }
        }
    }
    Ok((rows, counts, errors))
}

/// Posts a stocktake: books each counted line's variance (counted minus on hand when
/// counted) as a `count` movement and closes it. Uncounted lines are left as they are.
/// Refused with `insufficient-stock` if a shortfall would leave less than the reserved
/// units of a SKU without backorders (release or reallocate them first).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, stocktake_id = %id), err)]
pub async fn post_stocktake(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
) -> Result<Stocktake> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let (s, mut lines) = load(&mut tx, merchant, id).await?;
    StocktakeStatus::parse(&s.status)
        .map_err(corrupt)?
        .post()
        .map_err(transition)?;
    if !store::close_stocktake(
        &mut tx,
        merchant,
        s.id,
        StocktakeStatus::Posted.code(),
        time::to_db(app.now()),
    )
    .await?
    {
        return Err(conflict(
            "stocktake-state",
            "the stocktake was closed by someone else",
        ));
    }
    lines.sort_by_key(|l| l.sku_id);
    let facts = store::sku_facts(
        &mut tx,
        merchant,
        &lines.iter().map(|l| l.sku_id).collect::<Vec<_>>(),
    )
    .await?;
    for l in &lines {
        let (Some(counted), Some(at)) = (l.counted, l.on_hand_at_count) else {
            continue;
        };
        let v = Variance::compute(l.snapshot_on_hand, at, counted);
        let cost = facts
            .iter()
            .find(|f| f.id == l.sku_id)
            .and_then(|f| f.cost_minor);
        store::set_line_variance(&mut tx, merchant, l.id, v.variance, cost).await?;
        if v.variance != 0 {
            let b = Booking {
                sku: l.sku_id,
                location: s.location_id,
                reason: MovementReason::Count,
                quantity: v.variance,
                reference: format!("stocktake:{}", s.id),
                note: None,
                consumed: 0,
            };
            book(app, &mut tx, actor, merchant, &b).await?;
        }
    }
    let (s, lines) = load(&mut tx, merchant, id).await?;
    let out = to_stocktake(&mut tx, merchant, &s, &lines).await?;
    record(app, &mut tx, actor, merchant, "stocktake.post", "stocktake", s.id.to_string(), serde_json::json!({"net_variance": out.net_variance, "net_value_minor": out.net_value_minor})).await?;
    tx.commit().await?;
    Ok(out)
}

/// Cancels an open stocktake; nothing is booked.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, stocktake_id = %id), err)]
pub async fn cancel_stocktake(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
) -> Result<Stocktake> {
    actor.require_in(merchant, Permission::InventoryAdjust)?;
    let mut tx = app.db.begin_write().await?;
    let (s, _) = load(&mut tx, merchant, id).await?;
    StocktakeStatus::parse(&s.status)
        .map_err(corrupt)?
        .cancel()
        .map_err(transition)?;
    if !store::close_stocktake(
        &mut tx,
        merchant,
        s.id,
        StocktakeStatus::Cancelled.code(),
        time::to_db(app.now()),
    )
    .await?
    {
        return Err(conflict(
            "stocktake-state",
            "the stocktake was closed by someone else",
        ));
    }
    record(
        app,
        &mut tx,
        actor,
        merchant,
        "stocktake.cancel",
        "stocktake",
        s.id.to_string(),
        serde_json::json!({"status": "cancelled"}),
    )
    .await?;
    let (s, lines) = load(&mut tx, merchant, id).await?;
    let out = to_stocktake(&mut tx, merchant, &s, &lines).await?;
    tx.commit().await?;
    Ok(out)
}

/// A stocktake with its variance report. Needs `inventory.read`.
pub async fn variance_report(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: StocktakeId,
) -> Result<Stocktake> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    let (s, lines) = load(&mut tx, merchant, id).await?;
    to_stocktake(&mut tx, merchant, &s, &lines).await
}

/// Stocktakes newest first (without lines), optionally of one status or location.
/// Needs `inventory.read`.
pub async fn list_stocktakes(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    status: Option<StocktakeStatus>,
    location: Option<LocationId>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<Page<Stocktake>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let limit = page_limit(limit);
    let before = id_cursor(cursor.as_deref())?;
    let mut tx = app.db.begin_read().await?;
    let rows = store::list_stocktakes(
        &mut tx,
        merchant,
        status.map(StocktakeStatus::code),
        location.map(|l| l.as_uuid()),
        before,
        limit + 1,
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for s in &rows {
        items.push(to_stocktake(&mut tx, merchant, s, &[]).await?);
    }
    Ok(paged(items, limit, |s| s.id.to_string()))
}
