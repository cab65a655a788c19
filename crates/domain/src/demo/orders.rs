//! The demo order book: who orders what, when, through which channel, how they pay, and
//! what becomes of each order (shipped, partly shipped, cancelled and refunded, held for
//! review, in the exception queue, waiting for stock). Pure: the seed command plays the
//! plan through the real use cases with the clock moved to each step's time, so follow-up
//! steps still in the future at the end leave recent orders allocated or unshipped.

use jiff::{SignedDuration, Timestamp};

use super::catalog::DemoProduct;
use super::people::{DemoCustomer, domestic_customer, foreign_customer};
use super::rng::{DemoRng, Zipf};

/// Orders above this total (fen) are held for review by the demo merchant's settings.
pub const REVIEW_THRESHOLD_FEN: i64 = 300_000;

/// The merchant's UTC offset (Asia/Shanghai has no daylight saving time).
const LOCAL_OFFSET_SECS: i64 = 8 * 3600;

/// Which of the three demo channels an order comes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DemoChannel {
    /// The cross-border Shopify store (signed webhooks).
    Shopify,
    /// The domestic WooCommerce store (signed webhooks).
    Woocommerce,
    /// The merchant's own web shop, calling the orders API.
    OwnStore,
}

impl DemoChannel {
    /// All three, in display order.
    pub const ALL: [Self; 3] = [Self::Shopify, Self::Woocommerce, Self::OwnStore];
}

/// How an order is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPayment {
    /// Paid at the channel when placed.
    Paid,
    /// Card authorised, not captured.
    Authorized,
    /// Cash on delivery: unpaid, not held.
    CashOnDelivery,
    /// Placed unpaid; the payment (Alipay/WeChat Pay) is recorded a little later.
    PaidLater,
    /// Placed unpaid and never paid: stays held for review.
    NeverPaid,
}

/// What becomes of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoFate {
    /// Packed and shipped (if its ship time has come).
    Ship,
    /// One allocation shipped, the rest not (partially shipped).
    ShipPart,
    /// Cancelled before shipping (refunded when paid through us).
    Cancel,
    /// Held for review and left there.
    Review,
    /// A line names an unknown SKU: the exception queue.
    Exception,
    /// Short of stock; staff chose to wait for stock.
    WaitForStock,
}

/// A line: an index into the catalogue's products and that product's SKUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLineRef {
    /// Index into the catalogue.
    pub product: usize,
    /// Index into the product's SKUs.
    pub sku: usize,
    /// Units.
    pub quantity: i64,
}

/// When the follow-up steps happen, after the order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoDelays {
    /// Payment of a [`DemoPayment::PaidLater`] order.
    pub pay: SignedDuration,
    /// Approval of an order held for its amount.
    pub approve: SignedDuration,
    /// Packing and shipping.
    pub ship: SignedDuration,
    /// Cancellation.
    pub cancel: SignedDuration,
    /// Refund, after the cancellation.
    pub refund: SignedDuration,
    /// Invoice, after shipping.
    pub invoice: SignedDuration,
}

/// One planned order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOrder {
    /// 1, 2, ... in placement order.
    pub sequence: u64,
    /// The channel's order id.
    pub external_id: String,
    /// When the customer placed it.
    pub placed_at: Timestamp,
    /// Through which channel.
    pub channel: DemoChannel,
    /// How it is paid.
    pub payment: DemoPayment,
    /// What becomes of it.
    pub fate: DemoFate,
    /// Over [`REVIEW_THRESHOLD_FEN`]: held, then approved unless the fate is review.
    pub big: bool,
    /// Invoice it after shipping.
    pub invoice: bool,
    /// Known lines.
    pub lines: Vec<DemoLineRef>,
    /// An extra line with a SKU code nobody knows (exception orders).
    pub unknown_sku: Option<String>,
    /// Shipping charged, fen.
    pub shipping_fen: i64,
    /// Who.
    pub customer: DemoCustomer,
    /// When things happen.
    pub delays: DemoDelays,
}

impl PlannedOrder {
    /// Items total in fen from the catalogue prices.
    pub fn items_fen(&self, catalog: &[DemoProduct]) -> i64 {
        self.lines
            .iter()
            .map(|l| price_of(catalog, l).saturating_mul(l.quantity))
            .sum()
    }
}

fn price_of(catalog: &[DemoProduct], l: &DemoLineRef) -> i64 {
    catalog
        .get(l.product)
        .and_then(|p| p.skus.get(l.sku))
        .map_or(0, |s| s.price_fen)
}

/// What to plan.
#[derive(Debug, Clone, Copy)]
pub struct OrderPlanSpec {
    /// The seed.
    pub seed: u64,
    /// How many orders.
    pub orders: usize,
    /// Over how many days before `end`.
    pub days: u32,
    /// The instant the plan ends (the time of the seed run).
    pub end: Timestamp,
}

/// Demand over the week (Monday first): weekends are busiest.
const WEEKDAY: [u64; 7] = [100, 95, 95, 100, 110, 130, 125];
/// Demand over the day (local hours): a late-morning and an evening peak.
const HOURLY: [u64; 24] = [
    12, 6, 3, 2, 2, 3, 6, 14, 30, 48, 62, 66, 55, 50, 52, 54, 52, 50, 55, 70, 86, 92, 70, 35,
];

fn local_day(t: Timestamp) -> i64 {
    (t.as_second() + LOCAL_OFFSET_SECS).div_euclid(86_400)
}

/// Draws per order before falling back to "just before the end".
const PLACEMENT_DRAWS: usize = 64;

/// Placement instants: recent days busier (three times the first day's weight by the
/// last), weekly rhythm, daily peaks; sorted, all before `end`.
fn placements(rng: &mut DemoRng, spec: &OrderPlanSpec) -> Vec<Timestamp> {
    let days = i64::from(spec.days.max(1));
    let first = local_day(spec.end) - days + 1;
    let weights: Vec<u64> = (0..days)
        .map(|k| {
            let weekday = usize::try_from((first + k + 3).rem_euclid(7)).unwrap_or(0);
            let growth = 100 + u64::try_from(200 * k / days).unwrap_or(0);
            growth * WEEKDAY[weekday]
        })
        .collect();
    let latest = spec.end.as_second() - 300;
    let mut out: Vec<Timestamp> = (0..spec.orders)
        .map(|_| {
            // A draw later than `latest` falls in the part of today still to come; drawing
            // again keeps the day and hour weights (clamping piled today's orders into the
            // last two hours, so a seed run just after midnight had almost none shipped).
            let secs = (0..PLACEMENT_DRAWS)
                .map(|_| {
                    let day = first + i64::try_from(rng.weighted(&weights)).unwrap_or(0);
                    let hour = i64::try_from(rng.weighted(&HOURLY)).unwrap_or(12);
                    day * 86_400 - LOCAL_OFFSET_SECS + hour * 3600 + rng.between(0, 3599)
                })
                .find(|secs| *secs <= latest)
                .unwrap_or_else(|| latest - rng.between(0, 7200));
            Timestamp::from_second(secs).unwrap_or(spec.end)
        })
        .collect();
    out.sort_unstable();
    out
}

/// The SKUs by demand rank (most wanted first): a seeded shuffle of the catalogue.
pub fn demand_ranking(seed: u64, catalog: &[DemoProduct]) -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = catalog
        .iter()
        .enumerate()
        .flat_map(|(p, product)| (0..product.skus.len()).map(move |s| (p, s)))
        .collect();
    let mut rng = DemoRng::stream(seed, 2);
    for i in (1..all.len()).rev() {
        let j = rng.index(i + 1);
        all.swap(i, j);
    }
    all
}

/// A SKU of the catalogue: (product index, SKU index).
pub type SkuKey = (usize, usize);

/// The SKUs kept scarce on purpose: ranks 40 to 45 of the demand ranking (so some of
/// their orders wait for stock), and the ones kept low: ranks 46 to 51.
pub fn scarce_and_low(ranking: &[SkuKey]) -> (Vec<SkuKey>, Vec<SkuKey>) {
    let take = |from: usize| ranking.iter().skip(from).take(6).copied().collect();
    (take(40), take(46))
}

fn pick_fate(rng: &mut DemoRng, recent: bool) -> DemoFate {
    use DemoFate as F;
    let (fates, weights): ([F; 6], [u64; 6]) = if recent {
        (
            [
                F::Ship,
                F::ShipPart,
                F::Cancel,
                F::Review,
                F::Exception,
                F::WaitForStock,
            ],
            [720, 40, 60, 80, 45, 55],
        )
    } else {
        (
            [
                F::Ship,
                F::ShipPart,
                F::Cancel,
                F::Review,
                F::Exception,
                F::WaitForStock,
            ],
            [895, 30, 75, 0, 0, 0],
        )
    };
    fates[rng.weighted(&weights)]
}

fn pick_payment(rng: &mut DemoRng, channel: DemoChannel, fate: DemoFate) -> DemoPayment {
    use DemoPayment as P;
    match (channel, fate) {
        (DemoChannel::OwnStore, DemoFate::Review) => P::NeverPaid,
        (DemoChannel::Shopify, _) => [P::Paid, P::Authorized][rng.weighted(&[88, 12])],
        (DemoChannel::Woocommerce, _) => [P::Paid, P::CashOnDelivery][rng.weighted(&[75, 25])],
        (DemoChannel::OwnStore, _) => {
            [P::PaidLater, P::Authorized, P::CashOnDelivery][rng.weighted(&[70, 10, 20])]
        }
    }
}

fn minutes(rng: &mut DemoRng, lo: i64, hi: i64) -> SignedDuration {
    SignedDuration::from_mins(rng.between(lo, hi))
}

fn delays(rng: &mut DemoRng) -> DemoDelays {
    DemoDelays {
        pay: minutes(rng, 2, 90),
        approve: minutes(rng, 30, 240),
        ship: minutes(rng, 4 * 60, 56 * 60),
        cancel: minutes(rng, 30, 20 * 60),
        refund: minutes(rng, 60, 48 * 60),
        invoice: minutes(rng, 60, 24 * 60),
    }
}

/// Ordinary lines: 1 to 5 distinct SKUs chosen by Zipf demand, mostly one unit each
/// (at least two lines when `at_least_two`).
fn lines(
    rng: &mut DemoRng,
    zipf: &Zipf,
    ranking: &[(usize, usize)],
    at_least_two: bool,
) -> Vec<DemoLineRef> {
    let mut wanted = 1 + rng.weighted(&[55, 25, 12, 5, 3]);
    if at_least_two {
        wanted = wanted.max(2);
    }
    let mut out: Vec<DemoLineRef> = Vec::new();
    for _ in 0..wanted * 4 {
        if out.len() == wanted {
            break;
        }
        let Some(&(product, sku)) = ranking.get(zipf.sample(rng)) else {
            break;
        };
        if out.iter().any(|l| (l.product, l.sku) == (product, sku)) {
            continue;
        }
        let quantity = 1 + i64::try_from(rng.weighted(&[75, 18, 7])).unwrap_or(0);
        out.push(DemoLineRef {
            product,
            sku,
            quantity,
        });
    }
    out
}

/// The order book of `spec` over `catalog`.
pub fn plan_orders(spec: &OrderPlanSpec, catalog: &[DemoProduct]) -> Vec<PlannedOrder> {
    let mut rng = DemoRng::stream(spec.seed, 3);
    let ranking = demand_ranking(spec.seed, catalog);
    let (scarce, _) = scarce_and_low(&ranking);
    let zipf = Zipf::new(ranking.len());
    let recent_from = spec.end.as_second() - i64::from(spec.days) * 86_400 / 4;
    let mut orders: Vec<PlannedOrder> = placements(&mut rng, spec)
        .into_iter()
        .zip(1_u64..)
        .map(|(placed_at, sequence)| {
            let fate = pick_fate(&mut rng, placed_at.as_second() >= recent_from);
            let channel = DemoChannel::ALL[rng.weighted(&[35, 30, 35])];
            let payment = pick_payment(&mut rng, channel, fate);
            let mut lines = lines(&mut rng, &zipf, &ranking, fate == DemoFate::ShipPart);
            if fate == DemoFate::WaitForStock
                && let Some(&(product, sku)) = rng.pick(&scarce)
            {
                // The quantity is set by `outsize` once the demand is known.
                lines = vec![DemoLineRef {
                    product,
                    sku,
                    quantity: 1,
                }];
            }
            let customer = match channel {
                DemoChannel::Shopify if rng.chance(600) => foreign_customer(&mut rng, sequence),
                _ => domestic_customer(&mut rng, sequence),
            };
            PlannedOrder {
                sequence,
                external_id: external_id(spec.seed, channel, sequence),
                placed_at,
                channel,
                payment,
                fate,
                big: false,
                invoice: rng.chance(450),
                unknown_sku: (fate == DemoFate::Exception)
                    .then(|| format!("DISC-{:04}", rng.between(1, 9999))),
                lines,
                shipping_fen: [0, 0, 800, 1200][rng.index(4)],
                customer,
                delays: delays(&mut rng),
            }
        })
        .collect();
    outsize(&mut orders);
    for o in &mut orders {
        mark_big(o, catalog);
    }
    orders
}

/// Gives each wait-for-stock order more units than will ever be in stock: the demand of
/// the other orders (all a scarce SKU ever receives, see [`stock_plan`]) plus one to three.
fn outsize(orders: &mut [PlannedOrder]) {
    let reserving = |o: &PlannedOrder| {
        matches!(
            o.fate,
            DemoFate::Ship | DemoFate::ShipPart | DemoFate::Cancel
        )
    };
    let demand = |key: (usize, usize), orders: &[PlannedOrder]| -> i64 {
        orders
            .iter()
            .filter(|o| reserving(o))
            .flat_map(|o| &o.lines)
            .filter(|l| (l.product, l.sku) == key)
            .map(|l| l.quantity)
            .sum()
    };
    for i in 0..orders.len() {
        if orders[i].fate != DemoFate::WaitForStock {
            continue;
        }
        let Some(first) = orders[i].lines.first().copied() else {
            continue;
        };
        let extra = i64::try_from(orders[i].sequence % 3).unwrap_or(0) + 1;
        let wanted = demand((first.product, first.sku), orders) + extra;
        if let Some(l) = orders[i].lines.first_mut() {
            l.quantity = wanted;
        }
    }
}

/// Orders over the threshold are `big`; a review-fated order from a channel that pays
/// at once is made big (its first line bought in bulk) so the amount rule holds it.
fn mark_big(o: &mut PlannedOrder, catalog: &[DemoProduct]) {
    if o.fate == DemoFate::Review
        && o.payment != DemoPayment::NeverPaid
        && let Some(first) = o.lines.first_mut()
    {
        let unit = price_of(catalog, first).max(1);
        first.quantity = first.quantity.max(REVIEW_THRESHOLD_FEN / unit + 1);
    }
    o.big = o.fate != DemoFate::WaitForStock
        && o.items_fen(catalog) + o.shipping_fen > REVIEW_THRESHOLD_FEN;
}

fn external_id(seed: u64, channel: DemoChannel, sequence: u64) -> String {
    match channel {
        DemoChannel::Shopify => format!("5{:03}{sequence:07}", seed % 1000),
        DemoChannel::Woocommerce => format!("{}", 10_000 + sequence),
        DemoChannel::OwnStore => format!("WEB-{:03}-{sequence:06}", seed % 1000),
    }
}

/// Units to receive per SKU so every order that will reserve stock finds it: the planned
/// demand plus a fifth plus three, except the scarce SKUs (exactly their demand, so a
/// bulk order of one waits for stock) and the low ones (demand plus two).
pub fn stock_plan(
    seed: u64,
    catalog: &[DemoProduct],
    orders: &[PlannedOrder],
) -> Vec<((usize, usize), i64)> {
    let ranking = demand_ranking(seed, catalog);
    let (scarce, low) = scarce_and_low(&ranking);
    let mut demand: std::collections::BTreeMap<(usize, usize), i64> =
        ranking.iter().map(|k| (*k, 0)).collect();
    for o in orders {
        if matches!(
            o.fate,
            DemoFate::Ship | DemoFate::ShipPart | DemoFate::Cancel
        ) {
            for l in &o.lines {
                *demand.entry((l.product, l.sku)).or_default() += l.quantity;
            }
        }
    }
    demand
        .into_iter()
        .map(|(key, d)| {
            let units = if scarce.contains(&key) {
                d
            } else if low.contains(&key) {
                d + 2
            } else {
                d + d / 5 + 3
            };
            (key, units)
        })
        .collect()
}

#[cfg(test)]
mod tests;
