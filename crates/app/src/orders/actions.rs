//! What happens to an order after intake: channel updates and cancellations, and staff
//! actions (approve or reject a held order, hold, cancel an order or a line, retry an
//! exception, wait for stock, allocate, re-route). Each runs in one transaction, checks the
//! move with the domain's state machine, appends to the timeline and is audited.

use omnihub_domain::access::Permission;
use omnihub_domain::channels::{self as ch, ChannelId, ChannelPlatform, OrderTopic};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::api_format::ApiOrder;
use omnihub_domain::orders::csv_format;
use omnihub_domain::orders::{
    HoldReason, IncomingOrder, OrderId, OrderStatus, TimelineEvent, Unmappable, WorkQueue,
};
use omnihub_store::orders::{self as store, OrderRow};
use omnihub_store::{Tx, time};

use super::allocation::{AllocationResult, allocate_in, release_allocations};
use super::intake::{Delivery, Intake, IntakeOutcome, process, set_state};
use super::rows::{Order, Problem};
use super::{OrderDetail, detail_in, lock_order, note, save, timeline_actor};
use crate::audit::{self, Change};
use crate::channels::require_channel;
use crate::error::{Error, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

fn refused(e: omnihub_domain::orders::TransitionError) -> Error {
    Error::Conflict {
        code: e.code(),
        message: e.to_string(),
    }
}

fn reasons_of(row: &OrderRow) -> Result<Vec<HoldReason>> {
    Ok(Order::try_from(row)?.hold_reasons)
}

/// Applies a delivery for an order already held: a replay changes nothing; an exception
/// whose payload now maps is processed again; a cancellation cancels (releasing stock);
/// a payment change follows the channel.
pub(crate) async fn apply_channel_update(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    mut row: OrderRow,
    d: &Delivery,
    who: &str,
) -> Result<Intake> {
    let unchanged = |row: &OrderRow| {
        row.payload.as_deref() == Some(d.payload.as_str()) && d.topic != OrderTopic::Cancelled
    };
    if !unchanged(&row) {
        // A change: take the order row's lock first (replays above stay lock-free) and
        // decide on what it holds now.
        row = lock_order(tx, merchant, OrderId::from_uuid(row.id)).await?;
    }
    let order = Order::try_from(&row)?;
    if unchanged(&row) {
        let order = detail_in(tx, merchant, row).await?;
        return Ok(Intake {
            outcome: IntakeOutcome::Duplicate,
            order,
        });
    }
    let mapping_exception = order.status == OrderStatus::OnHold
        && order
            .hold_reasons
            .iter()
            .any(|r| matches!(r, HoldReason::Unmappable | HoldReason::UnknownSku));
    let outcome = match &d.mapped {
        Ok(_) if mapping_exception => {
            let channel = require_channel(tx, merchant, order.channel_id).await?;
            row.payload = Some(d.payload.clone());
            process(app, tx, actor, merchant, &channel, &mut row, d, who).await?;
            IntakeOutcome::Updated
        }
        Ok(o) => follow_channel(app, tx, actor, merchant, &mut row, o, d, who).await?,
        Err(u) => {
            let data = serde_json::json!({"topic": d.topic.code(), "ignored": "unmappable update", "problems": u.problems.iter().map(super::intake::problem_of).collect::<Vec<_>>()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ChannelUpdated,
                who,
                data,
            )
            .await?;
            IntakeOutcome::Updated
        }
    };
    let order = detail_in(tx, merchant, row).await?;
    Ok(Intake { outcome, order })
}

#[allow(clippy::too_many_arguments)]
async fn follow_channel(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    o: &IncomingOrder,
    d: &Delivery,
    who: &str,
) -> Result<IntakeOutcome> {
    let order = Order::try_from(&*row)?;
    let expected = row.version;
    row.payload = Some(d.payload.clone());
    row.channel_status = Some(o.channel_state.raw.clone());
    let cancel = o.channel_state.cancelled || d.topic == OrderTopic::Cancelled;
    if cancel && order.status != OrderStatus::Cancelled {
        return channel_cancel(app, tx, actor, merchant, row, d, who, expected).await;
    }
    let target = o.channel_state.payment;
    match order.payment_status.follow_channel(target) {
        Ok(next) if next != order.payment_status => {
            row.payment_status = next.code().to_owned();
            let data = serde_json::json!({"from": order.payment_status.code(), "to": next.code()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::PaymentChanged,
                who,
                data,
            )
            .await?;
        }
        Ok(_) => {}
        Err(e) => {
            let data = serde_json::json!({"topic": d.topic.code(), "refused": e.to_string()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ChannelUpdated,
                who,
                data,
            )
            .await?;
        }
    }
    let data = super::intake::apply_channel_changes(row, o, order.status, d.topic)?;
    note(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::ChannelUpdated,
        who,
        data,
    )
    .await?;
    save(app, tx, merchant, row, expected).await?;
    // Held only because it was unpaid, and now paid: release it the way staff would.
    let reasons = reasons_of(row)?;
    let paid = Order::try_from(&*row)?.payment_status.is_secured();
    if order.status == OrderStatus::OnHold && paid && reasons == [HoldReason::UnpaidNotCod] {
        release_and_allocate(app, tx, actor, merchant, row, who).await?;
    }
    Ok(IntakeOutcome::Updated)
}

#[allow(clippy::too_many_arguments)]
async fn channel_cancel(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    d: &Delivery,
    who: &str,
    expected: i64,
) -> Result<IntakeOutcome> {
    let order = Order::try_from(&*row)?;
    match order.status.cancel() {
        Ok(cancelled) => {
            release_allocations(app, tx, actor, merchant, row.id, None).await?;
            set_state(row, cancelled, &[], &[])?;
            let data = serde_json::json!({"topic": d.topic.code()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ChannelCancelled,
                who,
                data,
            )
            .await?;
        }
        Err(e) => {
            let data = serde_json::json!({"topic": d.topic.code(), "refused": e.to_string()});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ChannelUpdated,
                who,
                data,
            )
            .await?;
        }
    }
    save(app, tx, merchant, row, expected).await?;
    Ok(IntakeOutcome::Updated)
}

/// Releases an order held only for being unpaid once it is secured, and allocates it
/// (channel updates and payments share this).
pub(crate) async fn release_and_allocate(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    merchant: MerchantId,
    row: &mut OrderRow,
    who: &str,
) -> Result<()> {
    let order = Order::try_from(&*row)?;
    let released = order.status.release().map_err(refused)?;
    let expected = row.version;
    set_state(row, released, &[], &[])?;
    note(
        app,
        tx,
        merchant,
        row.id,
        TimelineEvent::Released,
        who,
        serde_json::json!({}),
    )
    .await?;
    save(app, tx, merchant, row, expected).await?;
    allocate_in(app, tx, actor, merchant, row, who, None)
        .await
        .map(|_| ())
}

/// A staff action on one order: loads it in a write transaction, runs `act`, audits
/// `action` and returns the order as it is now. Needs `orders.manage`.
pub(crate) async fn act_on(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    action: &'static str,
    act: impl AsyncFnOnce(&mut Tx, &mut OrderRow, &str) -> Result<serde_json::Value>,
) -> Result<OrderDetail> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let mut row = lock_order(&mut tx, merchant, id).await?;
    let before = serde_json::json!({"status": row.status, "queue": row.queue, "hold_reasons": row.hold_reasons});
    let who = timeline_actor(actor, None);
    let details = act(&mut tx, &mut row, &who).await?;
    let change = Change {
        action,
        entity_type: "order",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: Some(before),
        after: Some(
            serde_json::json!({"status": row.status, "queue": row.queue, "details": details}),
        ),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let out = detail_in(&mut tx, merchant, row).await?;
    tx.commit().await?;
    Ok(out)
}

fn allocation_json(r: &AllocationResult) -> serde_json::Value {
    match r {
        AllocationResult::Allocated(l) => serde_json::json!({"allocated": l}),
        AllocationResult::Short(p) => serde_json::json!({"short": p}),
        AllocationResult::Nothing => serde_json::json!({"nothing": true}),
    }
}

/// Approves an order held for review: it is confirmed and allocated. An order with an
/// exception (data or stock) must be fixed instead: `order-has-exception`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn approve_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderDetail> {
    act_on(app, actor, merchant, id, "order.approve", async |tx, row, who| {
        let reasons = reasons_of(row)?;
        if reasons.iter().any(|r| r.is_exception()) {
            return Err(Error::Conflict {
                code: "order-has-exception",
                message: "fix the order's exception before approving it".to_owned(),
            });
        }
        let order = Order::try_from(&*row)?;
        let confirmed = order.status.release().map_err(refused)?;
        let expected = row.version;
        set_state(row, confirmed, &[], &[])?;
        let data = serde_json::json!({"approved": reasons.iter().map(|r| r.code()).collect::<Vec<_>>()});
        note(app, tx, merchant, row.id, TimelineEvent::Released, who, data).await?;
        save(app, tx, merchant, row, expected).await?;
        let r = allocate_in(app, tx, actor, merchant, row, who, None).await?;
        Ok(allocation_json(&r))
    })
    .await
}

/// Cancels an order before anything shipped, releasing its reserved stock. Rejecting a
/// held order is the same move with the reason recorded.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn cancel_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    reason: Option<String>,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.cancel",
        async |tx, row, who| {
            let order = Order::try_from(&*row)?;
            let cancelled = order.status.cancel().map_err(refused)?;
            let released = release_allocations(app, tx, actor, merchant, row.id, None).await?;
            let expected = row.version;
            set_state(row, cancelled, &[], &[])?;
            for l in store::lines_of(tx, merchant, row.id).await? {
                store::set_line_cancelled(tx, merchant, l.id, l.quantity, time::to_db(app.now()))
                    .await?;
            }
            let data = serde_json::json!({"reason": reason, "released_allocations": released});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::Cancelled,
                who,
                data.clone(),
            )
            .await?;
            save(app, tx, merchant, row, expected).await?;
            // Outbox (CH-3): tell the channel of a staff cancellation (never of its own).
            crate::outbox::cancellation_in(app, tx, merchant, row, None, reason.as_deref()).await?;
            Ok(data)
        },
    )
    .await
}

/// Puts an order on hold by hand (releasing any reserved stock first, so a held order
/// never sits on stock).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn hold_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    reason: Option<String>,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.hold",
        async |tx, row, who| {
            let mut status = Order::try_from(&*row)?.status;
            if status == OrderStatus::Allocated {
                release_allocations(app, tx, actor, merchant, row.id, None).await?;
                status = status.deallocate().map_err(refused)?;
            }
            let held = status.hold().map_err(refused)?;
            let mut reasons = reasons_of(row)?;
            if !reasons.contains(&HoldReason::Manual) {
                reasons.push(HoldReason::Manual);
            }
            let problems: Vec<Problem> = serde_json::from_str(&row.problems).map_err(corrupt)?;
            let expected = row.version;
            set_state(row, held, &reasons, &problems)?;
            let data = serde_json::json!({"reason": reason});
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::Held,
                who,
                data.clone(),
            )
            .await?;
            save(app, tx, merchant, row, expected).await?;
            Ok(data)
        },
    )
    .await
}

/// Maps a stored payload again with the adapter of the path it came by.
fn remap(source: &str, payload: &str) -> Result<std::result::Result<IncomingOrder, Unmappable>> {
    let platform = ChannelPlatform::parse(source).map_err(corrupt)?;
    let body = payload.as_bytes();
    Ok(match platform {
        ChannelPlatform::Shopify => ch::shopify::map_order(body),
        ChannelPlatform::Woocommerce => ch::woocommerce::map_order(body),
        ChannelPlatform::Csv => csv_format::parse(body)
            .map_err(|e| corrupt(format!("a stored CSV payload no longer parses: {e}")))?
            .orders
            .into_iter()
            .next()
            .map(|o| o.result)
            .ok_or_else(|| corrupt("a stored CSV payload has no order"))?,
        ChannelPlatform::Api | ChannelPlatform::Manual => ApiOrder::map_body(body),
    })
}

/// Retries an exception: a data exception maps the stored payload again (after staff
/// added the missing listing, say); a stock exception tries allocation again.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn retry_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.retry",
        async |tx, row, who| {
            let order = Order::try_from(&*row)?;
            if order.queue != Some(WorkQueue::Exception) && order.queue != Some(WorkQueue::Allocate)
            {
                return Err(Error::Conflict {
                    code: "order-not-waiting",
                    message: "the order is not in the exception or allocation queue".to_owned(),
                });
            }
            if order.status == OrderStatus::Confirmed {
                let r = allocate_in(app, tx, actor, merchant, row, who, None).await?;
                return Ok(allocation_json(&r));
            }
            let payload = row
                .payload
                .clone()
                .ok_or_else(|| corrupt("an exception without its payload"))?;
            let delivery = Delivery {
                channel: ChannelId::from_uuid(row.channel_id),
                source: ChannelPlatform::parse(&row.source).map_err(corrupt)?,
                topic: OrderTopic::Created,
                mapped: remap(&row.source, &payload)?,
                payload,
            };
            let channel = require_channel(tx, merchant, delivery.channel).await?;
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::ExceptionResolved,
                who,
                serde_json::json!({"retry": true}),
            )
            .await?;
            process(app, tx, actor, merchant, &channel, row, &delivery, who).await?;
            Ok(serde_json::json!({"status": row.status, "queue": row.queue}))
        },
    )
    .await
}

/// Staff chose to wait for stock for an order short of it: it moves to the allocation
/// queue (allocated by [`allocate_order`] or [`allocate_waiting`] once stock arrives).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn wait_for_stock(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.backorder",
        async |tx, row, who| {
            let reasons = reasons_of(row)?;
            if !reasons.contains(&HoldReason::InsufficientStock) {
                return Err(Error::Conflict {
                    code: "order-not-short",
                    message: "the order is not short of stock".to_owned(),
                });
            }
            let expected = row.version;
            row.backorder = true;
            let problems: Vec<Problem> = serde_json::from_str(&row.problems).map_err(corrupt)?;
            set_state(row, OrderStatus::Confirmed, &reasons, &problems)?;
            note(
                app,
                tx,
                merchant,
                row.id,
                TimelineEvent::Edited,
                who,
                serde_json::json!({"backorder": true}),
            )
            .await?;
            save(app, tx, merchant, row, expected).await?;
            Ok(serde_json::json!({"backorder": true}))
        },
    )
    .await
}

/// Allocates one confirmed order now.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn allocate_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.allocate",
        async |tx, row, who| {
            let r = allocate_in(app, tx, actor, merchant, row, who, None).await?;
            Ok(allocation_json(&r))
        },
    )
    .await
}

/// Re-routes an allocated (or confirmed) order: releases its reservations and allocates
/// again, from `location` only when given (it must be active), else by the usual rule.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, order_id = %id), err)]
pub async fn reroute_order(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: OrderId,
    location: Option<LocationId>,
) -> Result<OrderDetail> {
    act_on(
        app,
        actor,
        merchant,
        id,
        "order.reroute",
        async |tx, row, who| {
            if let Some(l) = location {
                crate::inventory::require_location(tx, merchant, l, true).await?;
            }
            let order = Order::try_from(&*row)?;
            if order.status == OrderStatus::Allocated {
                let released = release_allocations(app, tx, actor, merchant, row.id, None).await?;
                let expected = row.version;
                set_state(row, order.status.deallocate().map_err(refused)?, &[], &[])?;
                note(
                    app,
                    tx,
                    merchant,
                    row.id,
                    TimelineEvent::Deallocated,
                    who,
                    serde_json::json!({"released_allocations": released}),
                )
                .await?;
                save(app, tx, merchant, row, expected).await?;
            }
            let r = allocate_in(app, tx, actor, merchant, row, who, location).await?;
            Ok(allocation_json(&r))
        },
    )
    .await
}

/// What [`allocate_waiting`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueRun {
    /// Orders tried.
    pub tried: usize,
    /// Orders now allocated.
    pub allocated: usize,
}

/// Works the allocation queue first in, first out: tries each waiting order (up to
/// `limit`), each in its own transaction so one shortage does not hold up the rest.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn allocate_waiting(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    limit: u32,
) -> Result<QueueRun> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let filter = store::OrderFilter {
        queue: Some(WorkQueue::Allocate.code()),
        ..Default::default()
    };
    let mut tx = app.db.begin_read().await?;
    let waiting = store::list_orders(&mut tx, merchant, &filter, None, limit.clamp(1, 500)).await?;
    drop(tx);
    let mut run = QueueRun::default();
    for o in waiting {
        run.tried += 1;
        let detail = allocate_order(app, actor, merchant, OrderId::from_uuid(o.id)).await?;
        if detail.order.status == OrderStatus::Allocated {
            run.allocated += 1;
        }
    }
    Ok(run)
}
