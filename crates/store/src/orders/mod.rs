//! Order storage (issue 6, ORD-1..5): orders with their three statuses and work queue
//! ([`OrderRow`]), their lines, allocations and timeline ([`lines`]), customers matched by
//! e-mail or phone ([`customers`]), the per-merchant order-number sequence, and the bulk
//! import of historical orders ([`imports`]).
//!
//! Intake is idempotent by (merchant, channel, external id): [`insert_order`] never
//! aborts a transaction on a duplicate (ON CONFLICT DO NOTHING), it reports it. Updates
//! are conditional on the version read, so two concurrent changes cannot both apply.
//! Every function takes the merchant first and scopes by it.

pub mod customers;
pub mod lines;

pub use customers::*;
pub use lines::*;

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    /// Id (UUIDv7, minted at receipt: id order is arrival order).
    pub id: Uuid,
    /// Channel.
    pub channel_id: Uuid,
    /// Human-readable number.
    pub number: String,
    /// The channel's order id.
    pub external_id: Option<String>,
    /// The channel's order number.
    pub external_number: Option<String>,
    /// Intake path code.
    pub source: String,
    /// Order status code.
    pub status: String,
    /// Payment status code.
    pub payment_status: String,
    /// Fulfilment status code.
    pub fulfilment_status: String,
    /// Work queue code, if any.
    pub queue: Option<String>,
    /// JSON array of hold reason codes.
    pub hold_reasons: String,
    /// JSON array of mapping problems.
    pub problems: String,
    /// 0-100.
    pub risk_score: i64,
    /// Waiting for stock by staff's choice.
    pub backorder: bool,
    /// Matched customer.
    pub customer_id: Option<Uuid>,
    /// Customer e-mail as given.
    pub customer_email: Option<String>,
    /// Customer phone as given.
    pub customer_phone: Option<String>,
    /// Customer name as given.
    pub customer_name: Option<String>,
    /// JSON address.
    pub shipping_address: Option<String>,
    /// JSON address.
    pub billing_address: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// Sum of line subtotals.
    pub items_minor: i64,
    /// Discounts.
    pub discounts_minor: i64,
    /// Shipping charged.
    pub shipping_minor: i64,
    /// Other fees.
    pub fees_minor: i64,
    /// Tax.
    pub tax_minor: i64,
    /// Whether prices include tax.
    pub tax_included: bool,
    /// What the customer pays.
    pub total_minor: i64,
    /// Cash on delivery.
    pub cash_on_delivery: bool,
    /// JSON array of gateway names.
    pub payment_gateways: String,
    /// The channel's status word.
    pub channel_status: Option<String>,
    /// Customer or staff note.
    pub note: Option<String>,
    /// JSON array of tags.
    pub tags: String,
    /// The payload as received.
    pub payload: Option<String>,
    /// Microseconds since the epoch.
    pub placed_at: i64,
    /// Microseconds since the epoch.
    pub received_at: i64,
    /// Microseconds since the epoch.
    pub ship_by: i64,
    /// Bumped by every change.
    pub version: i64,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const ORDER_COLUMNS: &str = "id, channel_id, number, external_id, external_number, source, status, \
     payment_status, fulfilment_status, queue, hold_reasons, problems, risk_score, backorder, \
     customer_id, customer_email, customer_phone, customer_name, shipping_address, billing_address, \
     currency, items_minor, discounts_minor, shipping_minor, fees_minor, tax_minor, tax_included, \
     total_minor, cash_on_delivery, payment_gateways, channel_status, note, tags, payload, \
     placed_at, received_at, ship_by, version, created_at, updated_at";

fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds every column of `row` after the merchant, in [`ORDER_COLUMNS`] order.
macro_rules! bind_order {
    ($q:expr, $row:expr) => {
        $q.bind($row.id)
            .bind($row.channel_id)
            .bind(&$row.number)
            .bind(&$row.external_id)
            .bind(&$row.external_number)
            .bind(&$row.source)
            .bind(&$row.status)
            .bind(&$row.payment_status)
            .bind(&$row.fulfilment_status)
            .bind(&$row.queue)
            .bind(&$row.hold_reasons)
            .bind(&$row.problems)
            .bind($row.risk_score)
            .bind($row.backorder)
            .bind($row.customer_id)
            .bind(&$row.customer_email)
            .bind(&$row.customer_phone)
            .bind(&$row.customer_name)
            .bind(&$row.shipping_address)
            .bind(&$row.billing_address)
            .bind(&$row.currency)
            .bind($row.items_minor)
            .bind($row.discounts_minor)
            .bind($row.shipping_minor)
            .bind($row.fees_minor)
            .bind($row.tax_minor)
            .bind($row.tax_included)
            .bind($row.total_minor)
            .bind($row.cash_on_delivery)
            .bind(&$row.payment_gateways)
            .bind(&$row.channel_status)
            .bind(&$row.note)
            .bind(&$row.tags)
            .bind(&$row.payload)
            .bind($row.placed_at)
            .bind($row.received_at)
            .bind($row.ship_by)
            .bind($row.version)
            .bind($row.created_at)
            .bind($row.updated_at)
    };
}

// Declared after `bind_order!` so the bulk statements can bind order rows with it.
pub mod imports;

/// Takes the merchant's next order sequence number (1, 2, ...). The row stays locked to
/// this transaction, so numbers are handed out in commit order with no gaps.
pub async fn next_order_sequence(tx: &mut Tx, merchant: MerchantId) -> Result<i64, StoreError> {
    const SQL: &str = "INSERT INTO order_sequences (merchant_id, last_value) VALUES ($1, 1) \
         ON CONFLICT (merchant_id) DO UPDATE SET last_value = order_sequences.last_value + 1 \
         RETURNING last_value";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(merchant.as_uuid())
        .fetch_one(c)
        .await)?)
}

/// Stores a new order; `false` (nothing written, transaction still usable) when the
/// channel's external id is already taken.
pub async fn insert_order(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &OrderRow,
) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO orders (merchant_id, {ORDER_COLUMNS}) VALUES ($1, {}) ON CONFLICT DO NOTHING",
        placeholders(2, 40)
    );
    let done = with_conn!(tx, |c| bind_order!(
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(merchant.as_uuid()),
        row
    )
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from_sqlx(e, "orders.number"))?;
    Ok(done == 1)
}

/// Rewrites every mutable column of an order if its version is still `expected`, and
/// stores `row.version` (the caller bumps it). `false` when someone changed it first.
pub async fn update_order(
    tx: &mut Tx,
    merchant: MerchantId,
    row: &OrderRow,
    expected: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE orders SET external_number = $3, status = $4, payment_status = $5, \
         fulfilment_status = $6, queue = $7, hold_reasons = $8, problems = $9, risk_score = $10, \
         backorder = $11, customer_id = $12, customer_email = $13, customer_phone = $14, \
         customer_name = $15, shipping_address = $16, billing_address = $17, currency = $18, \
         items_minor = $19, discounts_minor = $20, shipping_minor = $21, fees_minor = $22, \
         tax_minor = $23, tax_included = $24, total_minor = $25, cash_on_delivery = $26, \
         payment_gateways = $27, channel_status = $28, note = $29, tags = $30, payload = $31, \
         placed_at = $32, ship_by = $33, version = $34, updated_at = $35 \
         WHERE merchant_id = $1 AND id = $2 AND version = $36";
    let done = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(row.id)
        .bind(&row.external_number)
        .bind(&row.status)
        .bind(&row.payment_status)
        .bind(&row.fulfilment_status)
        .bind(&row.queue)
        .bind(&row.hold_reasons)
        .bind(&row.problems)
        .bind(row.risk_score)
        .bind(row.backorder)
        .bind(row.customer_id)
        .bind(&row.customer_email)
        .bind(&row.customer_phone)
        .bind(&row.customer_name)
        .bind(&row.shipping_address)
        .bind(&row.billing_address)
        .bind(&row.currency)
        .bind(row.items_minor)
        .bind(row.discounts_minor)
        .bind(row.shipping_minor)
        .bind(row.fees_minor)
        .bind(row.tax_minor)
        .bind(row.tax_included)
        .bind(row.total_minor)
        .bind(row.cash_on_delivery)
        .bind(&row.payment_gateways)
        .bind(&row.channel_status)
        .bind(&row.note)
        .bind(&row.tags)
        .bind(&row.payload)
        .bind(row.placed_at)
        .bind(row.ship_by)
        .bind(row.version)
        .bind(row.updated_at)
        .bind(expected)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Gives an order its human-readable number (taken at the end of intake).
pub async fn set_order_number(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    number: &str,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE orders SET number = $3 WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(number)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "orders.number"))?;
    Ok(())
}

/// One order of the merchant.
pub async fn get_order(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<OrderRow>, StoreError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OrderRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// One order of the merchant, locked for the rest of a write transaction (`FOR UPDATE`
/// on PostgreSQL; SQLite's writer already holds the database). Every write path takes
/// the order row first, before stock rows or the audit chain, so two writers of one
/// order queue up instead of deadlocking.
pub async fn lock_order(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<OrderRow>, StoreError> {
    let lock = if matches!(tx, Tx::Pg(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql =
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE merchant_id = $1 AND id = $2{lock}");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OrderRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// The channel's order with this external id.
pub async fn order_by_external_id(
    tx: &mut Tx,
    merchant: MerchantId,
    channel: Uuid,
    external_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE merchant_id = $1 AND channel_id = $2 AND external_id = $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OrderRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(channel)
    .bind(external_id)
    .fetch_optional(c)
    .await)?)
}

/// Filters for the order list; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter<'a> {
    /// Status code.
    pub status: Option<&'a str>,
    /// Queue code.
    pub queue: Option<&'a str>,
    /// Channel.
    pub channel: Option<Uuid>,
    /// Received at or after (microseconds).
    pub from: Option<i64>,
    /// Received before (microseconds).
    pub to: Option<i64>,
    /// Number (case-insensitive) or external id or number (exact): those orders only;
    /// otherwise the orders whose customer e-mail, phone or name contains it (lower-cased
    /// by the caller).
    pub q: Option<&'a str>,
    /// Only orders waiting at this fulfilment stage, with "now" in microseconds (the
    /// dashboard's counts use the same predicate).
    pub stage: Option<(crate::dashboard::OrderStage, i64)>,
}

/// The ids of the orders whose number or channel id is the search text (parameter
/// `param`), as `hit_id`. Each arm is an indexed look-up, and the list is driven from them
/// (joined to `orders` by id) rather than scanning the merchant's orders. Numbers are
/// always upper case (`OrderNumber`), so `number = UPPER(…)` is the case-insensitive match
/// and uses `orders_number_key`.
fn exact_hits(param: &str) -> String {
    format!(
        "(SELECT id AS hit_id FROM orders WHERE merchant_id = $1 AND number = UPPER({param}) \
         UNION SELECT id FROM orders WHERE merchant_id = $1 AND external_id = {param} \
         UNION SELECT id FROM orders WHERE merchant_id = $1 AND external_number = {param}) hit"
    )
}

/// The search text `$7` within the customer's e-mail, phone or name (a scan of the
/// merchant's orders in id order, stopped at the page's end).
const CUSTOMER_MATCH: &str = "(LOWER(customer_email) LIKE '%' || $7 || '%' \
     OR customer_phone LIKE '%' || $7 || '%' OR LOWER(customer_name) LIKE '%' || $7 || '%')";

/// Whether `q` is exactly some order's number, external id or external number. When it
/// is, a search for it finds those orders only, without scanning every order for a
/// customer who happens to contain it.
async fn exact_match_exists(
    tx: &mut Tx,
    merchant: MerchantId,
    q: &str,
) -> Result<bool, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {}", exact_hits("$2"));
    let found = with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(merchant.as_uuid())
    .bind(q)
    .fetch_one(c)
    .await)?;
    Ok(found > 0)
}

/// A page of orders in arrival order (ids are UUIDv7 minted at receipt, so this is first
/// in, first out), after `after`. A search text `q` that is exactly an order's number or
/// channel id finds those orders; otherwise the orders whose customer contains it.
pub async fn list_orders(
    tx: &mut Tx,
    merchant: MerchantId,
    filter: &OrderFilter<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<OrderRow>, StoreError> {
    let (source, text) = match filter.q {
        None => ("orders".to_owned(), "CAST($7 AS TEXT) IS NULL"),
        Some(q) if exact_match_exists(tx, merchant, q).await? => (
            format!("{} JOIN orders ON orders.id = hit.hit_id", exact_hits("$7")),
            "CAST($7 AS TEXT) IS NOT NULL",
        ),
        Some(_) => ("orders".to_owned(), CUSTOMER_MATCH),
    };
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM {source} WHERE merchant_id = $1 \
         AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR queue = $3) \
         AND ($4 IS NULL OR channel_id = $4) AND ($5 IS NULL OR received_at >= $5) \
         AND ($6 IS NULL OR received_at < $6) AND {text} \
         AND ($8 IS NULL OR id > $8) {stage} ORDER BY id LIMIT $9",
        stage = filter
            .stage
            .map(|(s, _)| format!("AND {}", s.predicate("$10")))
            .unwrap_or_default(),
    );
    // Only the late stage compares with now; binding it otherwise would leave a
    // parameter PostgreSQL does not expect.
    let now = filter
        .stage
        .filter(|(s, _)| *s == crate::dashboard::OrderStage::Late)
        .map(|(_, now)| now);
    Ok(with_conn!(tx, |c| {
        let q = sqlx::query_as::<_, OrderRow>(sqlx::AssertSqlSafe(sql))
            .bind(merchant.as_uuid())
            .bind(filter.status)
            .bind(filter.queue)
            .bind(filter.channel)
            .bind(filter.from)
            .bind(filter.to)
            .bind(filter.q)
            .bind(after)
            .bind(i64::from(limit));
        let q = match now {
            Some(now) => q.bind(now),
            None => q,
        };
        q.fetch_all(c).await
    })?)
}

/// How many orders sit in each queue, for the console's counters.
pub async fn queue_counts(
    tx: &mut Tx,
    merchant: MerchantId,
) -> Result<Vec<(String, i64)>, StoreError> {
    const SQL: &str = "SELECT queue, COUNT(*) FROM orders WHERE merchant_id = $1 AND queue IS NOT NULL \
         GROUP BY queue ORDER BY queue";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, (String, i64)>(SQL)
        .bind(merchant.as_uuid())
        .fetch_all(c)
        .await)?)
}

/// The customer's other orders placed at or after `since` (for the duplicate rule).
pub async fn recent_orders_of_customer(
    tx: &mut Tx,
    merchant: MerchantId,
    customer: Uuid,
    since: i64,
    except: Uuid,
) -> Result<Vec<OrderRow>, StoreError> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE merchant_id = $1 AND customer_id = $2 \
         AND placed_at >= $3 AND id <> $4 AND status <> 'cancelled' ORDER BY placed_at, id LIMIT 50"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, OrderRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(customer)
    .bind(since)
    .bind(except)
    .fetch_all(c)
    .await)?)
}

/// Every order's integrity problem `omnihub check` reports: open allocations of orders
/// that cannot hold stock, and allocations whose reservation state differs.
pub async fn allocation_problems(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    const SQL: &str = "SELECT o.number || ': allocation ' || a.status || ' but reservation ' || r.status \
         FROM order_allocations a JOIN orders o ON o.merchant_id = a.merchant_id AND o.id = a.order_id \
         JOIN reservations r ON r.merchant_id = a.merchant_id AND r.id = a.reservation_id \
         WHERE a.status <> r.status \
         UNION ALL SELECT o.number || ': open allocation on a ' || o.status || ' order' \
         FROM order_allocations a JOIN orders o ON o.merchant_id = a.merchant_id AND o.id = a.order_id \
         WHERE a.status = 'open' AND o.status NOT IN ('allocated', 'partially_shipped')";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, String>(SQL)
        .fetch_all(c)
        .await)?)
}

/// The merchant that owns a channel, for the webhook receiver, which knows only the
/// channel id from its URL and is authenticated by the channel's signature. The one
/// look-up here that is not scoped by a merchant: it is how the merchant is found.
pub async fn channel_owner(tx: &mut Tx, channel: Uuid) -> Result<Option<Uuid>, StoreError> {
    const SQL: &str = "SELECT merchant_id FROM channels WHERE id = $1";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, Uuid>(SQL)
        .bind(channel)
        .fetch_optional(c)
        .await)?)
}
