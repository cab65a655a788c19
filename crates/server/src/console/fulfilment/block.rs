//! The order page's "Fulfilment" block: per location the order has stock allocated at,
//! the units still open there with a link to its packing screen, and the shipments that
//! left from it (each linking to its shipment page).

use omnihub_app::fulfilment as ful;
use omnihub_app::orders::OrderDetail;
use omnihub_app::{Actor, Error};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;

use super::super::forms::when;
use super::super::i18n::{FulTr, Lang};
use super::super::inventory::Locations;
use super::pack_link;
use crate::state::AppState;

/// A shipment as the block lists it.
pub struct ShipmentView {
    pub id: String,
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub packages: i64,
    pub units: i64,
    pub status: String,
    pub shipped_at: String,
}

/// One location of the order.
pub struct LocationBlock {
    pub location_id: String,
    pub location: String,
    /// Units allocated there and not shipped yet.
    pub open_units: i64,
    /// The packing screen, while something is open there.
    pub pack: Option<String>,
    pub shipments: Vec<ShipmentView>,
}

/// The block.
pub struct FulfilmentBlock {
    pub t: &'static FulTr,
    pub locations: Vec<LocationBlock>,
}

/// The block of an order: its allocations grouped by location, and its shipments.
pub async fn load(
    state: &AppState,
    actor: &Actor,
    merchant: MerchantId,
    d: &OrderDetail,
    locations: &Locations,
    lang: Lang,
) -> Result<FulfilmentBlock, Error> {
    let shipments = ful::list_shipments(&state.app, actor, merchant, d.order.id).await?;
    let mut at: Vec<LocationId> = Vec::new();
    let used = d
        .allocations
        .iter()
        .filter(|a| a.status != "released")
        .map(|a| a.location_id)
        .chain(shipments.iter().map(|s| s.location_id));
    for l in used {
        if !at.contains(&l) {
            at.push(l);
        }
    }
    let blocks = at
        .into_iter()
        .map(|l| {
            let open_units: i64 = d
                .allocations
                .iter()
                .filter(|a| a.location_id == l && a.status == "open")
                .map(|a| a.quantity)
                .sum();
            LocationBlock {
                location_id: l.to_string(),
                location: locations.code(l),
                open_units,
                pack: (open_units > 0).then(|| pack_link(d.order.id, l)),
                shipments: shipments
                    .iter()
                    .filter(|s| s.location_id == l)
                    .map(|s| ShipmentView {
                        id: s.id.to_string(),
                        carrier: s.carrier.clone(),
                        service: s.service.clone().unwrap_or_default(),
                        tracking_number: s.tracking_number.clone().unwrap_or_default(),
                        packages: s.packages,
                        units: s.lines.iter().map(|x| x.2).sum(),
                        status: s.status.clone(),
                        shipped_at: when(s.shipped_at),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(FulfilmentBlock {
        t: lang.ful(),
        locations: blocks,
    })
}

/// The order page's notice after a shipment or a payment change (a fixed set of codes).
pub fn order_notice(lang: Lang, code: Option<&str>) -> Option<&'static str> {
    let t = lang.ful();
    Some(match code? {
        "shipped" => t.notice_shipped,
        "payment_recorded" => t.notice_payment_recorded,
        "payment_captured" => t.notice_payment_captured,
        "payment_failed" => t.notice_payment_failed,
        "payment_refunded" | "payment_partially_refunded" => t.notice_payment_refunded,
        _ => return None,
    })
}
