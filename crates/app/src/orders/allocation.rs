//! Allocation of confirmed orders (ORD-4): the candidates are the channel's linked active
//! locations (or the one location staff re-route to), the plan comes from the domain
//! planner (whole order first, then region, then priority; split only when needed), and
//! the stock is reserved through the inventory service inside the order's transaction,
//! behind a savepoint: if a reservation is refused (stock moved since the plan was made)
//! the half-made reservations are undone and the order goes to the exception queue as
//! `insufficient_stock`, kept, never lost.

use std::collections::BTreeMap;

use omnihub_domain::catalog::SkuId;
use omnihub_domain::channels::LocationPriority;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{LocationId, Quantity};
use omnihub_domain::orders::allocation::{
    self as planner, AllocationError, Candidate, DemandLine, RegionKey, Shortage,
};
use omnihub_domain::orders::{HoldReason, OrderStatus, TimelineEvent};
use omnihub_store::channels as channel_store;
use omnihub_store::inventory as inv;
use omnihub_store::orders::{self as store, AllocationRow, LineRow, OrderRow};
use omnihub_store::{Savepoint, Tx, time};

use super::intake::set_state;
use super::rows::{Order, Problem};
use super::{note, save};
use crate::error::{Error, Result};
use crate::inventory::{ReserveLine, corrupt, reserve_in};
use crate::{Actor, App};

/// How an allocation attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationResult {
    /// Reserved at these locations (more than one: a split).
    Allocated(Vec<LocationId>),
    /// Not enough stock: the order waits in the exception queue.
    Short(Vec<Problem>),
    /// Nothing left to allocate (every line cancelled).
    Nothing,
}

/// Far more than any order: the planner's stand-in for "unlimited" on backorder SKUs.
const BACKORDER_STOCK: i64 = i64::MAX / 4;

fn region_of_order(row: &OrderRow) -> Option<RegionKey> {
    let v: serde_json::Value = serde_json::from_str(row.shipping_address.as_deref()?).ok()?;
    let part = |k: &str| v.get(k).and_then(serde_json::Value::as_str);
    RegionKey::new(part("country")?, part("province"), part("city"))
}

/// The locations to plan over with their stock of the demanded SKUs.
async fn candidates(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &OrderRow,
    demand: &[DemandLine],
    only: Option<LocationId>,
) -> Result<Vec<Candidate>> {
    let links: Vec<(uuid::Uuid, i64)> = match only {
        Some(l) => vec![(l.as_uuid(), 1)],
        None => channel_store::channel_locations(tx, merchant, row.channel_id)
            .await?
            .into_iter()
            .filter(|l| l.active)
            .map(|l| (l.location_id, l.priority))
            .collect(),
    };
    let skus: Vec<uuid::Uuid> = demand.iter().map(|d| d.sku.as_uuid()).collect();
    let facts = inv::sku_facts(tx, merchant, &skus).await?;
    let mut stock: BTreeMap<(uuid::Uuid, uuid::Uuid), i64> = BTreeMap::new();
    for sku in &skus {
        for a in store::available_by_location(tx, merchant, *sku).await? {
            stock.insert((*sku, a.location_id), a.available);
        }
    }
    let mut out = Vec::with_capacity(links.len());
    for (location, priority) in links {
        let Some(loc) = inv::get_location(tx, merchant, location).await? else {
            continue;
        };
        if !loc.active {
            continue;
        }
        let available = skus
            .iter()
            .map(|s| {
                let backorder = facts.iter().any(|f| f.id == *s && f.allow_backorder);
                let have = stock.get(&(*s, location)).copied().unwrap_or(0);
                (
                    SkuId::from_uuid(*s),
                    if backorder { BACKORDER_STOCK } else { have },
                )
            })
            .collect();
        out.push(Candidate {
            location: LocationId::from_uuid(location),
            priority: LocationPriority::new(priority.clamp(0, 9999)).map_err(corrupt)?,
            region: RegionKey::new(&loc.country, loc.province.as_deref(), loc.city.as_deref()),
            available,
        });
    }
    Ok(out)
}

fn demand_of(lines: &[LineRow]) -> Result<(Vec<DemandLine>, Vec<&LineRow>)> {
    let mut demand = Vec::new();
    let mut used = Vec::new();
    for l in lines {
        let open = l.quantity - l.cancelled_quantity;
        if let (Some(sku), true) = (l.sku_id, open > 0) {
            demand.push(DemandLine {
                sku: SkuId::from_uuid(sku),
                quantity: Quantity::new(open).map_err(corrupt)?,
            });
            used.push(l);
        }
    }
    Ok((demand, used))
}

fn shortage_problems(shortages: &[Shortage]) -> Vec<Problem> {
    shortages
        .iter()
        .map(|s| Problem {
            code: "insufficient_stock".to_owned(),
            field: Some(format!("sku:{}", s.sku)),
            message: format!(
                "{} more units of SKU {} are needed than the locations have",
                s.short_by, s.sku
            ),
        })
        .collect()
}

/// Allocates a confirmed order inside the caller's transaction and saves the row.
/// `only` restricts the candidates to one location (manual re-route).
pub(crate) async fn allocate_in(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    who: &str,
    only: Option<LocationId>,
) -> Result<AllocationResult> {
    let order = Order::try_from(&*row)?;
    let allocated = order.status.allocate().map_err(|e| Error::Conflict {
        code: e.code(),
        message: e.to_string(),
    })?;
    let lines = store::lines_of(tx, merchant, row.id).await?;
    let (demand, used) = demand_of(&lines)?;
    if demand.is_empty() {
        return Ok(AllocationResult::Nothing);
    }
    let candidates = candidates(tx, merchant, row, &demand, only).await?;
    let plan = match planner::plan(&demand, &candidates, region_of_order(row).as_ref()) {
        Ok(plan) => plan,
        Err(AllocationError::InsufficientStock(s)) => {
            return short(app, tx, merchant, row, who, shortage_problems(&s)).await;
        }
        Err(e) => return Err(corrupt(e)),
    };
    let allocations = match reserve_plan(app, tx, actor, merchant, row, &plan, &used).await? {
        Ok(a) => a,
        Err(problem) => return short(app, tx, merchant, row, who, vec![problem]).await,
    };
    let expected = row.version;
    row.backorder = false;
    set_state(row, allocated, &[], &[])?;
    let parts: Vec<_> = plan
        .parts()
        .iter()
        .map(|p| serde_json::json!({"location_id": p.location, "lines": p.lines.len()}))
        .collect();
    let units: i64 = allocations.iter().map(|a| a.quantity).sum();
    note(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::Allocated,
        who,
        serde_json::json!({"parts": parts, "split": plan.is_split(), "units": units}),
    )
    .await?;
    save(app, tx, merchant, row, expected).await?;
    Ok(AllocationResult::Allocated(
        plan.parts().iter().map(|p| p.location).collect(),
    ))
}

/// Reserves the plan's parts behind a savepoint and records the allocations; a refused
/// reservation undoes them all and comes back as the problem to report.
async fn reserve_plan(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &OrderRow,
    plan: &planner::AllocationPlan,
    used: &[&LineRow],
) -> Result<std::result::Result<Vec<AllocationRow>, Problem>> {
    let now = time::to_db(app.now());
    let mut allocations = Vec::new();
    for part in plan.parts() {
        for p in &part.lines {
            let line = used
                .get(p.line)
                .ok_or_else(|| corrupt("plan names an unknown line"))?;
            allocations.push(AllocationRow {
                id: app.ids.new_id(),
                order_id: row.id,
                order_line_id: line.id,
                location_id: part.location.as_uuid(),
                sku_id: p.sku.as_uuid(),
                quantity: p.quantity.get(),
                reservation_id: uuid::Uuid::nil(),
                status: "open".to_owned(),
                created_at: now,
                updated_at: now,
            });
        }
    }
    let point = Savepoint::set(tx, "order_allocation").await?;
    let wanted: Vec<ReserveLine> = allocations
        .iter()
        .map(|a| ReserveLine {
            reference: a.id.to_string(),
            sku_id: SkuId::from_uuid(a.sku_id),
            location_id: LocationId::from_uuid(a.location_id),
            quantity: a.quantity,
        })
        .collect();
    let reserved = match reserve_in(app, tx, actor, merchant, &wanted).await {
        Ok(r) => r,
        Err(Error::Conflict { code, message }) => {
            point.roll_back(tx).await?;
            let problem = Problem {
                code: code.replace('-', "_"),
                field: None,
                message,
            };
            return Ok(Err(problem));
        }
        Err(e) => return Err(e),
    };
    point.release(tx).await?;
    for a in &mut allocations {
        let r = reserved
            .iter()
            .find(|r| r.reference == a.id.to_string())
            .ok_or_else(|| corrupt("a reservation is missing after reserving"))?;
        a.reservation_id = r.id.as_uuid();
        store::insert_allocation(tx, merchant, a).await?;
    }
    Ok(Ok(allocations))
}

/// Records a shortage: the order stays confirmed, in the exception queue (or waiting in
/// the allocation queue when staff chose to wait for stock).
async fn short(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    row: &mut OrderRow,
    who: &str,
    problems: Vec<Problem>,
) -> Result<AllocationResult> {
    let expected = row.version;
    let before: Vec<Problem> = serde_json::from_str(&row.problems).map_err(corrupt)?;
    set_state(
        row,
        OrderStatus::Confirmed,
        &[HoldReason::InsufficientStock],
        &problems,
    )?;
    if before != problems {
        let data = serde_json::json!({"reasons": ["insufficient_stock"], "problems": problems});
        note(
            app,
            tx,
            merchant,
            row.id,
            TimelineEvent::ExceptionRaised,
            who,
            data,
        )
        .await?;
    }
    save(app, tx, merchant, row, expected).await?;
    Ok(AllocationResult::Short(problems))
}

/// Releases every open allocation of the order (cancel, hold, re-route) inside the
/// caller's transaction; `line` limits it to one line. Returns how many were released.
pub(crate) async fn release_allocations(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    order: uuid::Uuid,
    line: Option<uuid::Uuid>,
) -> Result<usize> {
    let open = store::allocations_of(tx, merchant, order, Some("open")).await?;
    let now = time::to_db(app.now());
    let mut released = 0;
    for a in open
        .iter()
        .filter(|a| line.is_none_or(|l| l == a.order_line_id))
    {
        crate::inventory::release_in(app, tx, actor, merchant, &a.id.to_string()).await?;
        store::close_allocation(tx, merchant, a.id, "released", now).await?;
        released += 1;
    }
    Ok(released)
}
