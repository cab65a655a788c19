//! Locations (INV-1): create, update, list and get warehouses, stores and third-party
//! warehouses. Reading needs `inventory.read`; writing needs `settings.manage`.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    Address, LocationCode, LocationId, LocationKind, LocationName, Region,
};
use omnihub_store::inventory::{self as store, LocationFilter, LocationRow};
use omnihub_store::{StoreError, time};

use super::{corrupt, require_location};
use crate::audit::{self, Change};
use crate::catalog::require_merchant_exists;
use crate::error::{Error, Result, Validator};
use crate::{Actor, App};

/// A location as the app hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Id.
    pub id: LocationId,
    /// Upper-cased code, unique per merchant.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Warehouse, store or third-party warehouse.
    pub kind: LocationKind,
    /// Country, province and city.
    pub region: Region,
    /// Postal address.
    pub address: Option<String>,
    /// Lower numbers are allocated from first.
    pub priority: i64,
    /// Inactive locations take no new stock, transfers or reservations.
    pub active: bool,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl TryFrom<&LocationRow> for Location {
    type Error = Error;
    fn try_from(r: &LocationRow) -> Result<Self> {
        Ok(Self {
            id: LocationId::from_uuid(r.id),
            code: r.code.clone(),
            name: r.name.clone(),
            kind: LocationKind::parse(&r.kind).map_err(corrupt)?,
            region: Region::parse(&r.country, r.province.as_deref(), r.city.as_deref())
                .map_err(corrupt)?,
            address: r.address.clone(),
            priority: r.priority,
            active: r.active,
            created_at: time::from_db(r.created_at)?,
            updated_at: time::from_db(r.updated_at)?,
        })
    }
}

/// An unvalidated location, as received.
#[derive(Debug, Clone, Default)]
pub struct LocationInput {
    /// Code (A-Z, 0-9, `-`, `_`; up to 32).
    pub code: String,
    /// Display name.
    pub name: String,
    /// `warehouse`, `store` or `third_party_warehouse`.
    pub kind: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Province code.
    pub province: Option<String>,
    /// City code (needs a province).
    pub city: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Priority (default 100).
    pub priority: Option<i64>,
    /// Active (default true).
    pub active: Option<bool>,
}

/// Changes to a location; a field left out keeps its value.
#[derive(Debug, Clone, Default)]
pub struct LocationPatch {
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<String>,
    /// New country.
    pub country: Option<String>,
    /// New province (`Some(None)` clears it).
    pub province: Option<Option<String>>,
    /// New city (`Some(None)` clears it).
    pub city: Option<Option<String>>,
    /// New address (`Some(None)` clears it).
    pub address: Option<Option<String>>,
    /// New priority.
    pub priority: Option<i64>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

fn validate(input: &LocationInput, row: &mut LocationRow) -> Result<()> {
    let mut v = Validator::default();
    let code = v.check("code", "invalid", LocationCode::parse(&input.code));
    let name = v.check("name", "invalid", LocationName::parse(&input.name));
    let kind = v.check("kind", "invalid", LocationKind::parse(&input.kind));
    let region = v.check(
        "country",
        "invalid",
        Region::parse(
            &input.country,
            input.province.as_deref(),
            input.city.as_deref(),
        ),
    );
    let address = input
        .address
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .and_then(|a| v.check("address", "invalid", Address::parse(a)));
    let priority = input.priority.unwrap_or(100);
    if !(0..=1_000_000).contains(&priority) {
        v.check::<(), _>("priority", "out_of_range", Err("must be from 0 to 1000000"));
    }
    v.finish()?;
    if let (Some(code), Some(name), Some(kind), Some(region)) = (code, name, kind, region) {
        row.code = code.to_string();
        row.name = name.to_string();
        row.kind = kind.code().to_owned();
        row.country = region.country().to_owned();
        row.province = region.province().map(str::to_owned);
        row.city = region.city().map(str::to_owned);
        row.address = address.map(|a| a.to_string());
        row.priority = priority;
        row.active = input.active.unwrap_or(row.active);
    }
    Ok(())
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict { .. } => {
            Error::invalid("code", "taken", "another location has this code")
        }
        other => other.into(),
    }
}

fn view(l: &Location) -> serde_json::Value {
    serde_json::json!({"code": l.code, "name": l.name, "kind": l.kind, "region": l.region,
        "address": l.address, "priority": l.priority, "active": l.active})
}

/// Creates a location. Needs `settings.manage`. Field errors for bad values and a taken
/// code (`code`/`taken`).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_location(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: LocationInput,
) -> Result<Location> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let now = time::to_db(app.now());
    let mut row = LocationRow {
        id: app.ids.new_id(),
        code: String::new(),
        name: String::new(),
        kind: String::new(),
        country: String::new(),
        province: None,
        city: None,
        address: None,
        priority: 100,
        active: true,
        created_at: now,
        updated_at: now,
    };
    validate(&input, &mut row)?;
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    let stored = store::insert_location(&mut tx, merchant, &row)
        .await
        .map_err(taken)?;
    let location = Location::try_from(&stored)?;
    let change = Change {
        action: "location.create",
        entity_type: "location",
        entity_id: Some(location.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(view(&location)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(location)
}

/// Changes a location. Needs `settings.manage`. Deactivating keeps its stock; it only
/// stops new receipts, transfers and reservations there.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, location_id = %id), err)]
pub async fn update_location(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: LocationId,
    patch: LocationPatch,
) -> Result<Location> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let mut tx = app.db.begin_write().await?;
    let old = require_location(&mut tx, merchant, id, false).await?;
    let input = LocationInput {
        code: patch.code.unwrap_or_else(|| old.code.clone()),
        name: patch.name.unwrap_or_else(|| old.name.clone()),
        kind: patch.kind.unwrap_or_else(|| old.kind.clone()),
        country: patch.country.unwrap_or_else(|| old.country.clone()),
        province: patch.province.unwrap_or_else(|| old.province.clone()),
        city: patch.city.unwrap_or_else(|| old.city.clone()),
        address: patch.address.unwrap_or_else(|| old.address.clone()),
        priority: Some(patch.priority.unwrap_or(old.priority)),
        active: Some(patch.active.unwrap_or(old.active)),
    };
    let mut row = old.clone();
    validate(&input, &mut row)?;
    row.updated_at = time::to_db(app.now());
    let stored = store::update_location(&mut tx, merchant, &row)
        .await
        .map_err(taken)?
        .ok_or(Error::NotFound { entity: "location" })?;
    let (before, after) = (Location::try_from(&old)?, Location::try_from(&stored)?);
    let change = Change {
        action: "location.update",
        entity_type: "location",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(view(&before)),
        after: Some(view(&after)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// One location. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, location_id = %id), err)]
pub async fn get_location(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: LocationId,
) -> Result<Location> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let mut tx = app.db.begin_read().await?;
    Location::try_from(&require_location(&mut tx, merchant, id, false).await?)
}

/// Filters for the location list.
#[derive(Debug, Clone, Default)]
pub struct LocationQuery {
    /// Only this kind code.
    pub kind: Option<String>,
    /// Only active or inactive ones.
    pub active: Option<bool>,
    /// Only in this country.
    pub country: Option<String>,
}

/// The merchant's locations by priority, then code. Needs `inventory.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn list_locations(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    q: LocationQuery,
) -> Result<Vec<Location>> {
    actor.require_in(merchant, Permission::InventoryRead)?;
    let kind = q
        .kind
        .as_deref()
        .map(LocationKind::parse)
        .transpose()
        .map_err(|e| Error::invalid("kind", "invalid", e))?;
    let country = q.country.map(|c| c.trim().to_ascii_uppercase());
    let filter = LocationFilter {
        kind: kind.map(LocationKind::code),
        active: q.active,
        country: country.as_deref(),
    };
    let mut tx = app.db.begin_read().await?;
    store::list_locations(&mut tx, merchant, &filter)
        .await?
        .iter()
        .map(Location::try_from)
        .collect()
}
