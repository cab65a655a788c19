//! Tracking storage (issue 7, FUL-5; docs/adr/0021): carrier accounts with their sealed
//! webhook secret, the tracking state of shipments, and their events — unique per
//! (shipment, carrier event id), inserted with ON CONFLICT DO NOTHING so a replay is seen
//! as such without aborting the transaction. Every function takes the merchant first and
//! scopes by it, except the two public look-ups named `*_any` (the carrier webhook finds
//! its carrier by id; the shopper's tracking page finds an order by its number), which
//! return the merchant for the caller to scope everything after.

use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A carrier account as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CarrierRow {
    /// Id.
    pub id: Uuid,
    /// Code, as on shipments (`sf`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Webhook secret, sealed.
    pub webhook_secret: Option<String>,
    /// Its last four characters.
    pub webhook_secret_hint: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const CARRIER_COLUMNS: &str =
    "id, code, name, webhook_secret, webhook_secret_hint, created_at, updated_at";

/// Stores a carrier; `Conflict { key: "carriers.code" }` when the code is taken.
pub async fn insert_carrier(
    tx: &mut Tx,
    merchant: MerchantId,
    r: &CarrierRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO carriers (merchant_id, {CARRIER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    );
    with_conn!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(merchant.as_uuid())
        .bind(r.id)
        .bind(&r.code)
        .bind(&r.name)
        .bind(&r.webhook_secret)
        .bind(&r.webhook_secret_hint)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "carriers.code"))
}

/// The merchant's carriers by code.
pub async fn list_carriers(
    tx: &mut Tx,
    merchant: MerchantId,
) -> Result<Vec<CarrierRow>, StoreError> {
    let sql =
        format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE merchant_id = $1 ORDER BY code");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CarrierRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .fetch_all(c)
    .await)?)
}

/// One carrier.
pub async fn get_carrier(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<CarrierRow>, StoreError> {
    let sql = format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE merchant_id = $1 AND id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, CarrierRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// A carrier by id alone, with its merchant: only for the public webhook, which learns
/// the merchant from it.
pub async fn carrier_any(tx: &mut Tx, id: Uuid) -> Result<Option<(Uuid, CarrierRow)>, StoreError> {
    let sql = format!("SELECT merchant_id, {CARRIER_COLUMNS} FROM carriers WHERE id = $1");
    let row = with_conn!(tx, |c| sqlx::query_as::<
        _,
        (
            Uuid,
            Uuid,
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            i64
        ),
    >(sqlx::AssertSqlSafe(sql))
    .bind(id)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(
        |(m, id, code, name, secret, hint, created_at, updated_at)| {
            (
                m,
                CarrierRow {
                    id,
                    code,
                    name,
                    webhook_secret: secret,
                    webhook_secret_hint: hint,
                    created_at,
                    updated_at,
                },
            )
        },
    ))
}

/// Replaces a carrier's sealed secret; `false` when there is no such carrier.
pub async fn set_carrier_secret(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    sealed: &str,
    hint: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE carriers SET webhook_secret = $3, webhook_secret_hint = $4, updated_at = $5 \
         WHERE merchant_id = $1 AND id = $2";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(sealed)
        .bind(hint)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A shipment with its tracking state and its order's number.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrackedRow {
    /// Id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_number: String,
    /// Shipped from.
    pub location_id: Uuid,
    /// Carrier code.
    pub carrier: String,
    /// Service level.
    pub service: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Parcels.
    pub packages: i64,
    /// Tracking status code.
    pub status: String,
    /// Newest event time, µs.
    pub last_event_at: Option<i64>,
    /// Microseconds since the epoch.
    pub shipped_at: i64,
    /// Microseconds since the epoch.
    pub updated_at: i64,
}

const TRACKED: &str = "SELECT s.id, s.order_id, o.number AS order_number, s.location_id, s.carrier, \
     s.service, s.tracking_number, s.packages, s.status, s.last_event_at, s.shipped_at, s.updated_at \
     FROM shipments s JOIN orders o ON o.merchant_id = s.merchant_id AND o.id = s.order_id \
     WHERE s.merchant_id = $1";

/// One shipment.
pub async fn get_tracked(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
) -> Result<Option<TrackedRow>, StoreError> {
    let sql = format!("{TRACKED} AND s.id = $2");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TrackedRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// The shipment a carrier's tracking number names.
pub async fn find_by_tracking(
    tx: &mut Tx,
    merchant: MerchantId,
    carrier: &str,
    tracking_number: &str,
) -> Result<Option<TrackedRow>, StoreError> {
    let sql = format!("{TRACKED} AND s.carrier = $2 AND s.tracking_number = $3");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TrackedRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(carrier)
    .bind(tracking_number)
    .fetch_optional(c)
    .await)?)
}

/// The order's shipments, oldest first.
pub async fn tracked_of_order(
    tx: &mut Tx,
    merchant: MerchantId,
    order: Uuid,
) -> Result<Vec<TrackedRow>, StoreError> {
    let sql = format!("{TRACKED} AND s.order_id = $2 ORDER BY s.id");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TrackedRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(order)
    .fetch_all(c)
    .await)?)
}

/// Filters of the shipment list.
#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter<'a> {
    /// Status code.
    pub status: Option<&'a str>,
    /// Carrier code.
    pub carrier: Option<&'a str>,
    /// Tracking number or order number (exact, any case).
    pub q: Option<&'a str>,
}

/// A page of shipments, newest first, after the cursor `before` (an id).
pub async fn list_tracked(
    tx: &mut Tx,
    merchant: MerchantId,
    f: &ShipmentFilter<'_>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<TrackedRow>, StoreError> {
    let sql = format!(
        "{TRACKED} AND ($2 IS NULL OR s.status = $2) AND ($3 IS NULL OR s.carrier = $3) \
         AND ($4 IS NULL OR UPPER(s.tracking_number) = UPPER($4) OR UPPER(o.number) = UPPER($4)) \
         AND ($5 IS NULL OR s.id < $5) ORDER BY s.id DESC LIMIT $6"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TrackedRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(merchant.as_uuid())
    .bind(f.status)
    .bind(f.carrier)
    .bind(f.q)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?)
}

/// Sets a shipment's tracking status and newest event time.
pub async fn update_tracking(
    tx: &mut Tx,
    merchant: MerchantId,
    id: Uuid,
    status: &str,
    last_event_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE shipments SET status = $3, last_event_at = $4, updated_at = $5 \
         WHERE merchant_id = $1 AND id = $2";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(id)
        .bind(status)
        .bind(last_event_at)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A tracking event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    /// Id.
    pub id: Uuid,
    /// The shipment.
    pub shipment_id: Uuid,
    /// The carrier's event id.
    pub event_id: String,
    /// Event kind code.
    pub kind: String,
    /// µs.
    pub occurred_at: i64,
    /// Where.
    pub location: Option<String>,
    /// The carrier's words.
    pub description: Option<String>,
    /// `webhook`, `csv` or `manual`.
    pub source: String,
    /// Whether it moved the status.
    pub applied: bool,
    /// µs.
    pub recorded_at: i64,
}

/// Stores an event; `false` (and nothing stored) when the shipment already has this
/// carrier event id.
pub async fn insert_event(
    tx: &mut Tx,
    merchant: MerchantId,
    e: &EventRow,
) -> Result<bool, StoreError> {
    const SQL: &str = "INSERT INTO shipment_events (merchant_id, id, shipment_id, event_id, kind, occurred_at, \
         location, description, source, applied, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT DO NOTHING";
    let n = with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.as_uuid())
        .bind(e.id)
        .bind(e.shipment_id)
        .bind(&e.event_id)
        .bind(&e.kind)
        .bind(e.occurred_at)
        .bind(&e.location)
        .bind(&e.description)
        .bind(&e.source)
        .bind(e.applied)
        .bind(e.recorded_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A shipment's events in the order they happened.
pub async fn events_of(
    tx: &mut Tx,
    merchant: MerchantId,
    shipment: Uuid,
) -> Result<Vec<EventRow>, StoreError> {
    const SQL: &str = "SELECT id, shipment_id, event_id, kind, occurred_at, location, description, source, \
         applied, recorded_at FROM shipment_events WHERE merchant_id = $1 AND shipment_id = $2 \
         ORDER BY occurred_at, id";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, EventRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(shipment)
        .fetch_all(c)
        .await)?)
}

/// An order found by number for the shopper's tracking page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrackCandidate {
    /// Its merchant.
    pub merchant_id: Uuid,
    /// The order.
    pub id: Uuid,
    /// Number.
    pub number: String,
    /// Order status code.
    pub status: String,
    /// Customer e-mail as given.
    pub customer_email: Option<String>,
    /// Customer phone as given.
    pub customer_phone: Option<String>,
}

/// Orders of any merchant numbered `number` (as given, or in upper case): only for the
/// public tracking page, which then checks the contact and scopes by the merchant found.
pub async fn orders_by_number_any(
    tx: &mut Tx,
    number: &str,
) -> Result<Vec<TrackCandidate>, StoreError> {
    const SQL: &str = "SELECT merchant_id, id, number, status, customer_email, customer_phone FROM orders \
         WHERE number IN ($1, $2) LIMIT 20";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, TrackCandidate>(
        SQL
    )
    .bind(number)
    .bind(number.to_uppercase())
    .fetch_all(c)
    .await)?)
}
