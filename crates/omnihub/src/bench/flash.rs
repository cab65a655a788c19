//! B2 flash sale: 1 to 5 hot SKUs with a fixed stock each at the first warehouse, far more
//! buyers than units, each wanting one unit (`POST /api/v1/inventory/reservations`, the
//! buyer's reference as the line reference, so a buyer who asks again gets their own
//! reservation back and never a second unit: the per-buyer limit of 1). One buyer in ten
//! asks twice. Afterwards every hot SKU must have sold exactly its stock: 0 oversold (the
//! database's reserved units equal the buyers told yes, never above the stock) and 0
//! undersold (with demand above supply, everything sold).

use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

use omnihub_app::{Actor, App};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::inventory::LocationId;
use serde_json::json;

use super::fixture::{self, Fixture};
use super::load::class_of;

/// One sale: its SKUs and what the buyers were told.
pub struct Sale {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
    pub skus: Vec<SkuId>,
    pub location: LocationId,
    pub units: i64,
    pub label: String,
    /// Buyers told yes, repeat answers that named another reservation, and requests
    /// the server shed (429/503) that the buyer sent again.
    pub outcome: Mutex<(u64, u64, u64)>,
}

/// New hot SKUs (`count` of them, listed) holding `units` each at the first warehouse.
pub async fn hot_skus(
    app: &App,
    f: &Fixture,
    label: &str,
    count: usize,
    units: i64,
) -> anyhow::Result<Vec<SkuId>> {
    let skus = fixture::listed_skus(app, &f.owner, f.merchant, label, count).await?;
    let location = f.locations[0];
    fixture::receive(app, &f.owner, f.merchant, location, &skus, units).await?;
    Ok(skus.into_iter().map(|s| s.0).collect())
}

/// The server's answer to one single-unit reservation.
pub struct UnitAnswer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl UnitAnswer {
    /// Its class for the tally (status and problem code).
    pub fn class(&self) -> String {
        class_of(self.status, &self.body)
    }

    fn reservation_id(&self) -> Option<String> {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["reservations"][0]["id"].as_str().map(str::to_owned))
    }
}

/// `POST /api/v1/inventory/reservations` for one unit of `sku` at `location` under
/// `reference`; `None` when no whole answer came back.
pub async fn post_unit(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    sku: SkuId,
    location: LocationId,
    reference: &str,
) -> Option<UnitAnswer> {
    let body = json!({"lines": [{"reference": reference, "sku_id": sku.to_string(),
        "location_id": location.to_string(), "quantity": 1}]});
    let r = http
        .post(format!("{base}/api/v1/inventory/reservations"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = r.bytes().await.ok()?.to_vec();
    Some(UnitAnswer {
        status,
        retry_after,
        body,
    })
}

impl Sale {
    /// Asks until an answer that decides: a buyer refused with 429 or 503 (the server
    /// shedding load) waits as told by `Retry-After` (or 50 ms) and asks again.
    async fn ask(&self, buyer: u64) -> (String, Option<String>) {
        let mut answer = self.ask_once(buyer).await;
        for _ in 0..50 {
            let retry = match answer.2 {
                Some(wait) => wait,
                None => return (answer.0, answer.1),
            };
            self.outcome
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .2 += 1;
            tokio::time::sleep(retry).await;
            answer = self.ask_once(buyer).await;
        }
        (answer.0, answer.1)
    }

    /// One request: the answer's class, the reservation id when told yes, and how long to
    /// wait before asking again when the server shed the request.
    async fn ask_once(&self, buyer: u64) -> (String, Option<String>, Option<Duration>) {
        let sku = self.skus[usize::try_from(buyer).unwrap_or(0) % self.skus.len()];
        let reference = format!("{}-{buyer}", self.label);
        let shed = Some(Duration::from_millis(50));
        let Some(answer) = post_unit(
            &self.http,
            &self.base,
            &self.key,
            sku,
            self.location,
            &reference,
        )
        .await
        else {
            return ("no answer".to_owned(), None, shed);
        };
        match answer.status {
            429 | 503 => (answer.class(), None, answer.retry_after.or(shed)),
            s if s >= 300 => (answer.class(), None, None),
            _ => ("reserved".to_owned(), answer.reservation_id(), None),
        }
    }

    /// Buyer `buyer` asks for one unit (one in ten asks twice).
    pub async fn buy(&self, buyer: u64) -> String {
        let (class, id) = self.ask(buyer).await;
        let mut told_yes = id.is_some();
        let mut wrong_repeat = false;
        if buyer % 10 == 7 {
            // A buyer told yes must get the same reservation again; one refused (sold out,
            // or a 429/503 under the rush) may still be told yes once.
            let (_, second) = self.ask(buyer).await;
            wrong_repeat = id.is_some() && second.is_some() && second != id;
            told_yes |= second.is_some();
        }
        {
            let mut o = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
            o.0 += u64::from(told_yes);
            o.1 += u64::from(wrong_repeat);
        }
        match class.as_str() {
            "409 insufficient-stock" => "sold out".to_owned(),
            _ => class,
        }
    }

    /// Units the database holds reserved on the sale's SKUs, per SKU.
    pub async fn reserved(&self, app: &App, f: &Fixture) -> anyhow::Result<Vec<i64>> {
        let mut out = Vec::new();
        for sku in &self.skus {
            let level = omnihub_app::inventory::get_level(
                app,
                &Actor::system(),
                f.merchant,
                *sku,
                self.location,
            )
            .await?;
            out.push(level.reserved);
        }
        Ok(out)
    }

    /// Oversold and undersold units, given `buyers` asked: (yes answers − stock sold, stock
    /// left while buyers were refused).
    pub async fn verdict(&self, app: &App, f: &Fixture, buyers: u64) -> anyhow::Result<(i64, i64)> {
        let reserved = self.reserved(app, f).await?;
        let sold: i64 = reserved.iter().sum();
        let (yes, _, _) = *self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        let yes = i64::try_from(yes)?;
        let stock = self.units * self.skus.len() as i64;
        let over = reserved
            .iter()
            .map(|r| (r - self.units).max(0))
            .sum::<i64>()
            + (yes - sold).abs();
        let demand = i64::try_from(buyers)?;
        let under = if demand >= stock {
            stock - sold
        } else {
            demand - sold
        };
        Ok((over, under.max(0)))
    }
}
