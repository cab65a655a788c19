//! Pick waves and pick lists.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_domain::orders::OrderId;
use omnihub_store::fulfilment::{self as store, WaveRow};
use omnihub_store::time;

use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::inventory::require_location;
use crate::{Actor, App};

/// A pick wave.
#[derive(Debug, Clone)]
pub struct Wave {
    /// Id.
    pub id: uuid::Uuid,
    /// Where it is picked.
    pub location_id: LocationId,
    /// `open` or `closed`.
    pub status: String,
    /// Created.
    pub created_at: Timestamp,
}

impl TryFrom<&WaveRow> for Wave {
    type Error = Error;
    fn try_from(r: &WaveRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            location_id: LocationId::from_uuid(r.location_id),
            status: r.status.clone(),
            created_at: time::from_db(r.created_at)?,
        })
    }
}

/// An order in a wave.
#[derive(Debug, Clone)]
pub struct WaveOrder {
    /// Id.
    pub id: OrderId,
    /// Number.
    pub number: String,
    /// Must ship by.
    pub ship_by: Timestamp,
}

/// A line of the pick list.
#[derive(Debug, Clone)]
pub struct PickLine {
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku_code: String,
    /// Its barcode.
    pub barcode: Option<String>,
    /// Units still to pick.
    pub quantity: i64,
    /// Orders wanting it.
    pub orders: i64,
}

/// A wave with its orders and pick list.
#[derive(Debug, Clone)]
pub struct WaveDetail {
    /// The wave.
    pub wave: Wave,
    /// Its orders, by ship-by then arrival.
    pub orders: Vec<WaveOrder>,
    /// What to pick, by SKU code.
    pub pick_list: Vec<PickLine>,
}

async fn detail(
    tx: &mut omnihub_store::Tx,
    merchant: MerchantId,
    row: &WaveRow,
) -> Result<WaveDetail> {
    let orders = store::wave_orders(tx, merchant, row.id)
        .await?
        .into_iter()
        .map(|(id, number, ship_by)| {
            Ok(WaveOrder {
                id: OrderId::from_uuid(id),
                number,
                ship_by: time::from_db(ship_by)?,
            })
        })
        .collect::<Result<_>>()?;
    let pick_list = store::pick_list(tx, merchant, row.id)
        .await?
        .into_iter()
        .filter(|p| p.quantity > 0)
        .map(|p| PickLine {
            sku_id: SkuId::from_uuid(p.sku_id),
            sku_code: p.sku_code,
            barcode: p.barcode,
            quantity: p.quantity,
            orders: p.orders,
        })
        .collect();
    Ok(WaveDetail {
        wave: Wave::try_from(row)?,
        orders,
        pick_list,
    })
}

/// Starts a wave at a location with up to `limit` (1-200) of its allocated orders that no
/// open wave holds, first by ship-by deadline. `409 nothing-to-pick` when there are none.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_wave(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    location: LocationId,
    limit: u32,
) -> Result<WaveDetail> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    require_location(&mut tx, merchant, location, false).await?;
    let candidates =
        store::wave_candidates(&mut tx, merchant, location.as_uuid(), limit.clamp(1, 200)).await?;
    if candidates.is_empty() {
        return Err(Error::Conflict {
            code: "nothing-to-pick",
            message: "no allocated order at this location is waiting for a wave".to_owned(),
        });
    }
    let now = time::to_db(app.now());
    let row = WaveRow {
        id: app.ids.new_id(),
        location_id: location.as_uuid(),
        status: "open".to_owned(),
        created_at: now,
        updated_at: now,
    };
    store::insert_wave(&mut tx, merchant, &row).await?;
    for (i, order) in candidates.iter().enumerate() {
        let position = i64::try_from(i).map_err(Error::internal)?;
        store::add_to_wave(
            &mut tx,
            merchant,
            row.id,
            *order,
            location.as_uuid(),
            position,
        )
        .await?;
    }
    let change = Change {
        action: "pick_wave.create",
        entity_type: "pick_wave",
        entity_id: Some(row.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({"location_id": location, "orders": candidates.len()})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let out = detail(&mut tx, merchant, &row).await?;
    tx.commit().await?;
    Ok(out)
}

/// One wave with its orders and pick list. Needs `orders.read`.
pub async fn get_wave(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: uuid::Uuid,
) -> Result<WaveDetail> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    let row = store::get_wave(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "pick wave",
        })?;
    detail(&mut tx, merchant, &row).await
}

/// The newest waves (up to 100), optionally only `open` or `closed` ones. Needs
/// `orders.read`.
pub async fn list_waves(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    status: Option<&str>,
) -> Result<Vec<Wave>> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    if status.is_some_and(|s| s != "open" && s != "closed") {
        return Err(Error::invalid("status", "invalid", "open or closed"));
    }
    let mut tx = app.db.begin_read().await?;
    store::list_waves(&mut tx, merchant, status, 100)
        .await?
        .iter()
        .map(Wave::try_from)
        .collect()
}

/// Closes a wave: its orders may join another. Needs `orders.manage`; audited.
pub async fn close_wave(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: uuid::Uuid,
) -> Result<WaveDetail> {
    actor.require_in(merchant, Permission::OrdersManage)?;
    let mut tx = app.db.begin_write().await?;
    let row = store::get_wave(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "pick wave",
        })?;
    if !store::close_wave(&mut tx, merchant, id, time::to_db(app.now())).await? {
        return Err(Error::Conflict {
            code: "wave-closed",
            message: "the wave is already closed".to_owned(),
        });
    }
    let change = Change {
        action: "pick_wave.close",
        entity_type: "pick_wave",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(serde_json::json!({"status": row.status})),
        after: Some(serde_json::json!({"status": "closed"})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let row = store::get_wave(&mut tx, merchant, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "pick wave",
        })?;
    let out = detail(&mut tx, merchant, &row).await?;
    tx.commit().await?;
    Ok(out)
}
