//! The operations dashboard (issue 7): the size of every work queue and fulfilment stage,
//! and the orders and revenue received per day by channel over the last 30 days in the
//! merchant's time zone. Read-only; needs `orders.read`.
//!
//! The stages are defined once, in SQL (`omnihub_store::dashboard::OrderStage`), and the
//! order list filters by the same predicate (`OrderQuery::stage`), so each count equals
//! the list it links to:
//! - **to pick**: allocated or partly shipped, with an open allocation that still has
//!   units to pack and that no open pick wave at its location holds;
//! - **to ship**: allocated or partly shipped, with an open allocation packed in full
//!   (shipping at that location would send something);
//! - **late**: not yet shipped (nor cancelled) and past its ship-by deadline.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use omnihub_domain::access::Permission;
use omnihub_domain::channels::ChannelId;
use omnihub_domain::codes::UnknownCode;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::money::Currency;
use omnihub_domain::orders::WorkQueue;
use omnihub_store::dashboard::{self as store, OrderStage};
use omnihub_store::{merchants, time};

use crate::error::{Error, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

/// Days the chart covers, today included.
pub const DAYS: i64 = 30;

/// A fulfilment stage an order waits at (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting to be picked.
    ToPick,
    /// Packed, waiting to ship.
    ToShip,
    /// Past its ship-by deadline.
    Late,
}

impl Stage {
    /// Every stage, in the dashboard's order.
    pub const ALL: [Self; 3] = [Self::ToPick, Self::ToShip, Self::Late];

    /// The stable code (`to_pick`, `to_ship`, `late`), as the order list's `stage=` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::ToPick => "to_pick",
            Self::ToShip => "to_ship",
            Self::Late => "late",
        }
    }

    pub(crate) fn stored(self) -> OrderStage {
        match self {
            Self::ToPick => OrderStage::ToPick,
            Self::ToShip => OrderStage::ToShip,
            Self::Late => OrderStage::Late,
        }
    }
}

/// Parses a stage code for the order list filter.
pub(crate) fn parse_stage(raw: &str) -> std::result::Result<OrderStage, UnknownCode> {
    Stage::ALL
        .into_iter()
        .find(|s| s.code() == raw.trim())
        .map(Stage::stored)
        .ok_or(UnknownCode {
            expected: "to_pick to_ship late",
        })
}

/// One channel's orders in one currency, day by day (aligned with [`Dashboard::days`]).
#[derive(Debug, Clone)]
pub struct DailySeries {
    /// The channel.
    pub channel_id: ChannelId,
    /// The currency of its orders.
    pub currency: Currency,
    /// Orders received per day (cancelled ones left out).
    pub orders: Vec<i64>,
    /// Their totals per day, minor units.
    pub revenue_minor: Vec<i64>,
}

/// Everything the dashboard shows about orders.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Orders per work queue.
    pub queues: Vec<(WorkQueue, i64)>,
    /// Orders per fulfilment stage.
    pub stages: Vec<(Stage, i64)>,
    /// The merchant's time zone the days are in.
    pub time_zone: String,
    /// The last [`DAYS`] local dates, oldest first, today last.
    pub days: Vec<Date>,
    /// Per channel and currency, one figure per day.
    pub series: Vec<DailySeries>,
}

/// The local dates of the window and the instants it spans (`[from, to)`).
fn window(now: Timestamp, tz: &TimeZone) -> Result<(Vec<Date>, Timestamp, Timestamp)> {
    let today = now.to_zoned(tz.clone()).date();
    let first = today
        .checked_sub((DAYS - 1).days())
        .map_err(Error::internal)?;
    let days = (0..DAYS)
        .map(|i| first.checked_add(i.days()).map_err(Error::internal))
        .collect::<Result<Vec<_>>>()?;
    let start = |d: Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(Error::internal)
    };
    let tomorrow = today.tomorrow().map_err(Error::internal)?;
    Ok((days, start(first)?, start(tomorrow)?))
}

/// Folds the 15-minute buckets into one series per channel and currency.
fn fold(rows: Vec<store::BucketRow>, days: &[Date], tz: &TimeZone) -> Result<Vec<DailySeries>> {
    let mut series: Vec<DailySeries> = Vec::new();
    for r in rows {
        let at = time::from_db(r.bucket * store::BUCKET_MICROS)?;
        let date = at.to_zoned(tz.clone()).date();
        let Some(i) = days.iter().position(|d| *d == date) else {
            continue;
        };
        let currency = Currency::parse(&r.currency).map_err(corrupt)?;
        let channel = ChannelId::from_uuid(r.channel_id);
        let pos = match series
            .iter()
            .position(|s| s.channel_id == channel && s.currency == currency)
        {
            Some(p) => p,
            None => {
                series.push(DailySeries {
                    channel_id: channel,
                    currency,
                    orders: vec![0; days.len()],
                    revenue_minor: vec![0; days.len()],
                });
                series.len() - 1
            }
        };
        if let Some(s) = series.get_mut(pos) {
            s.orders[i] += r.orders;
            s.revenue_minor[i] += r.revenue_minor;
        }
    }
    Ok(series)
}

/// The dashboard's figures for the merchant, as of now. Needs `orders.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn overview(app: &App, actor: &Actor, merchant: MerchantId) -> Result<Dashboard> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let queues = crate::orders::queue_counts(app, actor, merchant).await?;
    let now = app.now();
    let mut tx = app.db.begin_read().await?;
    let m = merchants::get(&mut tx, merchant).await?;
    let tz = TimeZone::get(&m.time_zone).map_err(corrupt)?;
    let mut stages = Vec::with_capacity(Stage::ALL.len());
    for s in Stage::ALL {
        let n = store::stage_count(&mut tx, merchant, s.stored(), time::to_db(now)).await?;
        stages.push((s, n));
    }
    let (days, from, to) = window(now, &tz)?;
    let rows =
        store::received_per_bucket(&mut tx, merchant, time::to_db(from), time::to_db(to)).await?;
    let series = fold(rows, &days, &tz)?;
    Ok(Dashboard {
        queues,
        stages,
        time_zone: m.time_zone,
        days,
        series,
    })
}
