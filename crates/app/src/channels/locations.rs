//! A channel's linked locations: the candidate locations allocation will ship its orders
//! from, each once, with a priority (1 first). Only the merchant's own active locations
//! can be linked; a location deactivated later stays linked but is shown as inactive.

use omnihub_domain::access::Permission;
use omnihub_domain::channels::{
    ChannelId, LinkError, LinkedLocation, LocationPriority, check_links,
};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;
use omnihub_store::channels as store;
use omnihub_store::inventory as inv;
use omnihub_store::{Tx, time};
use uuid::Uuid;

use super::{require_channel, require_open};
use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::{Actor, App};

/// A location to link, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkInput {
    /// The location.
    pub location_id: LocationId,
    /// 1 to 1000; its position in the list (from 1) when absent.
    pub priority: Option<i64>,
}

/// A location linked to a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelLocation {
    /// The location.
    pub location_id: LocationId,
    /// Lower is tried first.
    pub priority: LocationPriority,
    /// The location's code.
    pub code: String,
    /// The location's name.
    pub name: String,
    /// Whether the location is active now.
    pub active: bool,
}

/// Checks the links (priorities, the merchant's own active locations, each once) and
/// returns them in allocation order as `(location, priority)`; field errors name
/// `locations[i].location_id` / `locations[i].priority`.
pub(crate) async fn check_link_inputs(
    tx: &mut Tx,
    merchant: MerchantId,
    inputs: &[LinkInput],
) -> Result<Vec<(Uuid, i64)>> {
    let mut errors = Vec::new();
    let mut links = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let field = |f: &str| format!("locations[{i}].{f}");
        let position = i64::try_from(i + 1).unwrap_or(i64::MAX);
        let priority = match LocationPriority::new(input.priority.unwrap_or(position)) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(field("priority"), "out_of_range", e));
                None
            }
        };
        match inv::get_location(tx, merchant, input.location_id.as_uuid()).await? {
            None => errors.push(FieldError::new(
                field("location_id"),
                "unknown",
                "no such location",
            )),
            Some(l) if !l.active => errors.push(FieldError::new(
                field("location_id"),
                "inactive",
                format!("location {} is inactive", l.code),
            )),
            Some(_) => {
                if let Some(priority) = priority {
                    links.push(LinkedLocation {
                        location: input.location_id,
                        priority,
                    });
                }
            }
        }
    }
    if let Err(LinkError::Duplicate(dup)) = check_links(&links) {
        let at = inputs
            .iter()
            .rposition(|l| l.location_id == dup)
            .unwrap_or(0);
        errors.push(FieldError::new(
            format!("locations[{at}].location_id"),
            "duplicate",
            "each location may be linked once",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let sorted = check_links(&links).map_err(|e| Error::invalid("locations", e.code(), e))?;
    Ok(sorted
        .iter()
        .map(|l| (l.location.as_uuid(), i64::from(l.priority.get())))
        .collect())
}

async fn load(tx: &mut Tx, merchant: MerchantId, id: ChannelId) -> Result<Vec<ChannelLocation>> {
    store::channel_locations(tx, merchant, id.as_uuid())
        .await?
        .into_iter()
        .map(|r| {
            Ok(ChannelLocation {
                location_id: LocationId::from_uuid(r.location_id),
                priority: LocationPriority::new(r.priority).map_err(crate::inventory::corrupt)?,
                code: r.code,
                name: r.name,
                active: r.active,
            })
        })
        .collect()
}

fn view(links: &[ChannelLocation]) -> serde_json::Value {
    links
        .iter()
        .map(|l| serde_json::json!({"location_id": l.location_id, "code": l.code, "priority": l.priority}))
        .collect()
}

/// Replaces the channel's linked locations. Needs `channels.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn set_locations(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
    links: &[LinkInput],
) -> Result<Vec<ChannelLocation>> {
    actor.require_in(merchant, Permission::ChannelsManage)?;
    let mut tx = app.db.begin_write().await?;
    let channel = require_channel(&mut tx, merchant, id).await?;
    require_open(&channel)?;
    let checked = check_link_inputs(&mut tx, merchant, links).await?;
    let before = load(&mut tx, merchant, id).await?;
    let now = time::to_db(app.now());
    store::replace_channel_locations(&mut tx, merchant, id.as_uuid(), &checked, now).await?;
    let after = load(&mut tx, merchant, id).await?;
    let change = Change {
        action: "channel.locations_set",
        entity_type: "channel",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: Some(view(&before)),
        after: Some(view(&after)),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// The channel's linked locations in allocation order. Needs `channels.read`.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, channel_id = %id), err)]
pub async fn list_locations(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    id: ChannelId,
) -> Result<Vec<ChannelLocation>> {
    actor.require_in(merchant, Permission::ChannelsRead)?;
    let mut tx = app.db.begin_read().await?;
    require_channel(&mut tx, merchant, id).await?;
    load(&mut tx, merchant, id).await
}
