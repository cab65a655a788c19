//! Read-only figures for the console's operations dashboard (issue 7): how many orders
//! wait at each fulfilment stage (to pick, to ship, late against ship-by) and how many
//! orders and how much revenue came in per quarter hour over a window, per channel and
//! currency. The stage predicates are the same SQL the order list filters by
//! ([`OrderStage::predicate`]), so a dashboard number always equals the length of the
//! list it links to.
//!
//! Speed for large merchants: nothing loads orders. The counts are `COUNT(*)` over the
//! `(merchant_id, status, ...)` index with an `EXISTS` probe of the allocations by order;
//! the daily figures are one `GROUP BY` over the `(merchant_id, received_at, id)` index
//! range of the window, in 15-minute buckets (at most 96 a day per channel and currency)
//! that the app folds into the merchant's local days (every current time-zone offset is a
//! multiple of 15 minutes, so a bucket never straddles a local midnight, DST included).

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// Microseconds in one bucket of [`received_per_bucket`] (15 minutes).
pub const BUCKET_MICROS: i64 = 15 * 60 * 1_000_000;

/// A fulfilment stage an order may wait at, as the dashboard counts it and the order list
/// filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStage {
    /// Allocated (or partly shipped) with an open allocation that still has units to
    /// pack and that no open pick wave at its location holds.
    ToPick,
    /// Allocated (or partly shipped) with an open allocation packed in full: shipping at
    /// its location would send something.
    ToShip,
    /// Not shipped (nor cancelled) and past its ship-by deadline (`$late` bound to now).
    Late,
}

impl OrderStage {
    /// The condition on the `orders` table (unaliased) selecting the stage's orders. The
    /// text is fixed (no client input); [`Self::Late`] compares `ship_by` with the
    /// parameter named by `now_param` (e.g. `$10`).
    pub fn predicate(self, now_param: &str) -> String {
        const OPEN_ALLOCATION: &str = "SELECT 1 FROM order_allocations a WHERE a.merchant_id = orders.merchant_id \
             AND a.order_id = orders.id AND a.status = 'open'";
        match self {
            Self::ToPick => format!(
                "orders.status IN ('allocated', 'partially_shipped') AND EXISTS ({OPEN_ALLOCATION} \
                 AND a.packed_quantity < a.quantity AND NOT EXISTS (SELECT 1 FROM pick_wave_orders w \
                 WHERE w.merchant_id = a.merchant_id AND w.order_id = a.order_id \
                 AND w.location_id = a.location_id AND w.open_marker = 1))"
            ),
            Self::ToShip => format!(
                "orders.status IN ('allocated', 'partially_shipped') AND EXISTS ({OPEN_ALLOCATION} \
                 AND a.packed_quantity = a.quantity)"
            ),
            Self::Late => format!(
                "orders.status IN ('pending_review', 'on_hold', 'confirmed', 'allocated', 'partially_shipped') \
                 AND orders.ship_by < {now_param}"
            ),
        }
    }
}

/// How many of the merchant's orders wait at `stage` (`now` in microseconds, used by
/// [`OrderStage::Late`]).
pub async fn stage_count(
    tx: &mut Tx,
    merchant: MerchantId,
    stage: OrderStage,
    now: i64,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) FROM orders WHERE merchant_id = $1 AND {}",
        stage.predicate("$2")
    );
    let late = stage == OrderStage::Late;
    Ok(with_conn!(tx, |c| {
        let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(merchant.as_uuid());
        let q = if late { q.bind(now) } else { q };
        q.fetch_one(c).await
    })?)
}

/// Orders received in one bucket of one channel and currency.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BucketRow {
    /// Channel.
    pub channel_id: Uuid,
    /// Currency code.
    pub currency: String,
    /// `received_at / BUCKET_MICROS`.
    pub bucket: i64,
    /// Orders.
    pub orders: i64,
    /// Sum of their totals, minor units.
    pub revenue_minor: i64,
}

/// Orders (not cancelled) received in `[from, to)` (microseconds), counted and summed per
/// channel, currency and 15-minute bucket, in SQL.
pub async fn received_per_bucket(
    tx: &mut Tx,
    merchant: MerchantId,
    from: i64,
    to: i64,
) -> Result<Vec<BucketRow>, StoreError> {
    // The bucket width is written out (BUCKET_MICROS) so both engines see one constant
    // expression in SELECT and GROUP BY.
    const SQL: &str = "SELECT channel_id, currency, received_at / 900000000 AS bucket, COUNT(*) AS orders, \
         CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) AS revenue_minor FROM orders \
         WHERE merchant_id = $1 AND received_at >= $2 AND received_at < $3 AND status <> 'cancelled' \
         GROUP BY channel_id, currency, received_at / 900000000 ORDER BY bucket, currency";
    const _: () = assert!(BUCKET_MICROS == 900_000_000);
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, BucketRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?)
}
