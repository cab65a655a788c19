//! The carrier's side of the demo: shipments that left a few days before the end of the
//! seeded period are reported in transit and then delivered, through the tracking CSV
//! import (one transaction per batch), so the delivered orders on the dashboard went
//! through the same use case as a carrier's file would.

use jiff::{SignedDuration, Timestamp};
use omnihub_app::fulfilment::{self, ShipmentQuery};
use omnihub_domain::fulfilment::tracking::ShipmentStatus;

use super::seed::{Seeder, Shop};

/// Events per imported file.
const BATCH: usize = 400;

/// Days from shipping to delivery: 2 to 4, the same for the same shipment.
fn transit_days(id: &impl std::fmt::Display) -> i64 {
    let last = id.to_string().bytes().last().unwrap_or(b'0');
    2 + i64::from(last % 3)
}

fn row(carrier: &str, tracking: &str, event: &str, at: Timestamp, key: String) -> String {
    format!("{carrier},{tracking},{event},{at},上海转运中心,{event},{key}\n")
}

/// Reports in transit, then delivered, every shipped shipment old enough by `end`; returns
/// how many were delivered.
pub async fn deliver_shipped(s: &Seeder, shop: &Shop, end: Timestamp) -> anyhow::Result<usize> {
    let (app, actor, m) = (&s.app, &shop.owner, shop.merchant);
    let mut rows = Vec::new();
    let mut delivered = 0;
    let mut cursor = None;
    loop {
        let q = ShipmentQuery {
            status: Some(ShipmentStatus::Shipped.code().to_owned()),
            cursor: cursor.clone(),
            limit: Some(200),
            ..ShipmentQuery::default()
        };
        let page = fulfilment::search_shipments(app, actor, m, &q).await?;
        for sh in &page.items {
            let Some(tracking) = sh.tracking_number.as_deref() else {
                continue;
            };
            let moving = sh.shipped_at + SignedDuration::from_hours(20);
            let arrives = sh.shipped_at + SignedDuration::from_hours(24 * transit_days(&sh.id));
            if moving < end {
                rows.push(row(
                    &sh.carrier,
                    tracking,
                    "in_transit",
                    moving,
                    format!("{}-t", sh.id),
                ));
            }
            if arrives < end {
                rows.push(row(
                    &sh.carrier,
                    tracking,
                    "delivered",
                    arrives,
                    format!("{}-d", sh.id),
                ));
                delivered += 1;
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    for chunk in rows.chunks(BATCH) {
        let mut file = String::from(
            "carrier,tracking_number,event,occurred_at,location,description,event_id\n",
        );
        file.extend(chunk.iter().map(String::as_str));
        fulfilment::import_tracking_csv(app, actor, m, file.as_bytes()).await?;
    }
    Ok(delivered)
}
