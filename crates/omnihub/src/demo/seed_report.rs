//! The end of `omnihub demo seed`: today's pick waves, and the summary printed for the
//! user (orders per status, per channel and per work queue, revenue), read back through
//! the same use cases the console uses.

use std::collections::BTreeMap;
use std::fmt;

use omnihub_app::Error as AppError;
use omnihub_app::orders::{self, OrderQuery};
use omnihub_domain::money::Money;

use super::seed::{Seeder, Shop};

/// What the seed left in the database.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Orders by status code.
    pub by_status: BTreeMap<String, usize>,
    /// Orders by channel code.
    pub by_channel: BTreeMap<String, usize>,
    /// Orders by payment status code.
    pub by_payment: BTreeMap<String, usize>,
    /// Orders waiting in each work queue.
    pub queues: BTreeMap<String, i64>,
    /// Order totals of the orders not cancelled, in minor units.
    pub revenue_minor: i64,
    /// The currency of `revenue_minor`.
    pub currency: Option<omnihub_domain::money::Currency>,
    /// Steps the orders' state refused, by conflict code.
    pub skipped: BTreeMap<String, usize>,
    /// Pick waves opened at the end.
    pub waves: usize,
}

impl Summary {
    /// All orders counted.
    pub fn orders(&self) -> usize {
        self.by_status.values().sum()
    }
}

fn counts<V: fmt::Display>(map: &BTreeMap<String, V>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "orders: {}", self.orders())?;
        writeln!(f, "  by status:  {}", counts(&self.by_status))?;
        writeln!(f, "  by channel: {}", counts(&self.by_channel))?;
        writeln!(f, "  by payment: {}", counts(&self.by_payment))?;
        writeln!(f, "  queues:     {}", counts(&self.queues))?;
        writeln!(f, "  pick waves opened today: {}", self.waves)?;
        if !self.skipped.is_empty() {
            writeln!(
                f,
                "  steps refused by the order's state: {}",
                counts(&self.skipped)
            )?;
        }
        match self.currency {
            Some(c) => write!(
                f,
                "revenue (orders not cancelled): {} {c}",
                Money::from_minor(self.revenue_minor, c).amount_text()
            ),
            None => write!(f, "revenue: 0"),
        }
    }
}

/// Opens today's pick waves: one per location, together holding about half of the
/// allocated orders, so part of them is being picked and the rest waits for a wave.
pub async fn waves(s: &Seeder, shop: &Shop) -> anyhow::Result<usize> {
    let query = OrderQuery {
        status: Some("allocated".to_owned()),
        limit: Some(500),
        ..OrderQuery::default()
    };
    let allocated = orders::list_orders(&s.app, &shop.owner, shop.merchant, query)
        .await?
        .items
        .len();
    let per_location = allocated / (2 * shop.locations.len().max(1));
    let per_location = u32::try_from(per_location).unwrap_or(200).max(1);
    let mut opened = 0;
    for location in &shop.locations {
        match omnihub_app::fulfilment::create_wave(
            &s.app,
            &shop.owner,
            shop.merchant,
            *location,
            per_location,
        )
        .await
        {
            Ok(_) => opened += 1,
            Err(AppError::Conflict { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(opened)
}

/// Reads every order of the demo merchant back and counts them.
pub async fn summarise(s: &Seeder, shop: &Shop) -> anyhow::Result<Summary> {
    let (app, actor, m) = (&s.app, &shop.owner, shop.merchant);
    let names: BTreeMap<_, String> =
        omnihub_app::channels::list_channels(app, actor, m, Default::default())
            .await?
            .items
            .into_iter()
            .map(|c| (c.id, c.code.to_string()))
            .collect();
    let mut summary = Summary {
        currency: Some(shop.currency),
        ..Summary::default()
    };
    let mut cursor = None;
    loop {
        let query = OrderQuery {
            cursor,
            limit: Some(500),
            ..OrderQuery::default()
        };
        let page = orders::list_orders(app, actor, m, query).await?;
        for o in &page.items {
            *summary
                .by_status
                .entry(o.status.code().to_owned())
                .or_default() += 1;
            *summary
                .by_payment
                .entry(o.payment_status.code().to_owned())
                .or_default() += 1;
            let channel = names.get(&o.channel_id).cloned().unwrap_or_default();
            *summary.by_channel.entry(channel).or_default() += 1;
            if o.status != omnihub_domain::orders::OrderStatus::Cancelled {
                summary.revenue_minor += o.total.minor();
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    for (queue, n) in orders::queue_counts(app, actor, m).await? {
        summary.queues.insert(queue.code().to_owned(), n);
    }
    Ok(summary)
}
