//! B1 (place order) and B3 (retry storm): orders of 1 to 5 lines over the fixture's SKUs
//! with Zipf-skewed demand, each sent with its own `Idempotency-Key` to
//! `POST /api/v1/orders`. B3 sends a fifth of them again 1 to 3 times with the same key,
//! some at the same moment as the first, and checks every replay is byte-identical.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::json;

use super::fixture::Fixture;
use super::load::class_of;

/// Zipf(s = 1) over `n` ranks: the cumulative weights, for sampling by binary search.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize) -> Self {
        let mut total = 0.0;
        let mut cdf = Vec::with_capacity(n);
        for rank in 1..=n {
            total += 1.0 / rank as f64;
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Self { cdf }
    }

    /// A rank (0-based) drawn from `rng`.
    pub fn sample(&self, rng: &mut StdRng) -> usize {
        let u: f64 = rng.random();
        self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1)
    }
}

/// What the clients send and what came back acknowledged.
pub struct OrderLoad {
    pub http: reqwest::Client,
    pub base: String,
    pub fixture: Fixture,
    pub zipf: Zipf,
    pub seed: u64,
    /// A label that keeps external ids unique across the runs on one database.
    pub run: String,
    /// External ids answered 201, with the first answer's body.
    pub acknowledged: Mutex<HashMap<String, Vec<u8>>>,
    /// B3: replays that differed from the first answer, and concurrent duplicates
    /// answered other than 409 or an identical replay.
    pub violations: Mutex<Vec<String>>,
}

impl OrderLoad {
    /// The body of order `n`: 1 to 5 distinct Zipf-picked SKUs of 1 or 2 units. The same
    /// `n` always gives the same bytes (a retry must resend the same request).
    pub fn body(&self, n: u64) -> (String, String) {
        let mut rng = StdRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let count = rng.random_range(1..=5usize);
        let mut picked: Vec<usize> = Vec::with_capacity(count);
        while picked.len() < count {
            let i = self.zipf.sample(&mut rng);
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        let external_id = format!("{}-{n}", self.run);
        let mut total = 0u64;
        let lines: Vec<serde_json::Value> = picked
            .iter()
            .map(|&i| {
                let q = rng.random_range(1..=2u64);
                total += q * 25;
                json!({"sku": self.fixture.skus[i].1, "quantity": q, "unit_price": "25.00"})
            })
            .collect();
        let body = json!({
            "external_id": external_id, "currency": "CNY", "placed_at": "2026-12-01T10:00:00Z",
            "payment_status": "paid", "total": format!("{total}.00"),
            "customer": {"email": format!("{external_id}@buyer.test"), "name": "Buyer"},
            "shipping_address": {"name": "Buyer", "country": "CN", "province": "上海市",
                "city": "上海市", "postcode": "200000", "lines": ["世纪大道 100 号"]},
            "lines": lines
        });
        (external_id, body.to_string())
    }

    /// Sends order `n` once; its class and, for a 201, the body.
    pub async fn send(&self, n: u64) -> (String, Option<Vec<u8>>) {
        let (external_id, body) = self.body(n);
        let url = format!(
            "{}/api/v1/orders?channel_id={}",
            self.base, self.fixture.channel
        );
        let sent = self
            .http
            .post(url)
            .bearer_auth(&self.fixture.key)
            .header("content-type", "application/json")
            .header("idempotency-key", &external_id)
            .body(body)
            .send()
            .await;
        let Ok(r) = sent else {
            return ("no answer".to_owned(), None);
        };
        let status = r.status().as_u16();
        let replayed = r.headers().contains_key("idempotent-replayed");
        let Ok(bytes) = r.bytes().await else {
            return ("no answer".to_owned(), None);
        };
        if status != 201 {
            return (class_of(status, &bytes), None);
        }
        let state = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["order"]["status"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let class = if replayed {
            format!("201 replayed {state}")
        } else {
            format!("201 {state}")
        };
        (class, Some(bytes.to_vec()))
    }

    /// B1: order `n` once, remembered when acknowledged.
    pub async fn place(&self, n: u64) -> String {
        let (class, body) = self.send(n).await;
        if let Some(body) = body {
            self.remember(n, body);
        }
        class
    }

    fn remember(&self, n: u64, body: Vec<u8>) -> Option<Vec<u8>> {
        let (external_id, _) = self.body(n);
        let mut acked = self
            .acknowledged
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match acked.get(&external_id) {
            Some(first) => Some(first.clone()),
            None => {
                acked.insert(external_id, body);
                None
            }
        }
    }

    fn violation(&self, text: String) {
        self.violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }

    /// B3: order `n`, and for one order in five 1 to 3 more sends with the same key, the
    /// first of them at the same moment as the original for half of those.
    pub async fn place_with_retries(self: Arc<Self>, n: u64) -> String {
        let mut rng = StdRng::seed_from_u64(self.seed.rotate_left(17) ^ n);
        if !rng.random_bool(0.2) {
            return self.place(n).await;
        }
        let retries = rng.random_range(1..=3u32);
        let concurrent = rng.random_bool(0.5);
        let mut answers = Vec::new();
        if concurrent {
            let (a, b) = tokio::join!(self.send(n), self.send(n));
            answers.push(a);
            answers.push(b);
        } else {
            answers.push(self.send(n).await);
        }
        for _ in 1..retries {
            answers.push(self.send(n).await);
        }
        self.judge(n, concurrent, &answers);
        answers
            .first()
            .map_or_else(|| "no answer".to_owned(), |a| format!("{} (retried)", a.0))
    }

    /// Replays must be byte-identical to the first 201; an in-flight duplicate may be a
    /// 409 instead. Anything else is a violation.
    fn judge(&self, n: u64, concurrent: bool, answers: &[(String, Option<Vec<u8>>)]) {
        let mut first: Option<Vec<u8>> = None;
        for (i, (class, body)) in answers.iter().enumerate() {
            match body {
                Some(b) => {
                    let earlier = self.remember(n, b.clone()).or_else(|| first.clone());
                    if earlier.is_some_and(|e| e != *b) {
                        self.violation(format!(
                            "order {n}: a replay differs from the first answer"
                        ));
                    }
                    first.get_or_insert_with(|| b.clone());
                }
                None if concurrent && i < 2 && class.starts_with("409") => {}
                None => self.violation(format!("order {n}: answer {i} was {class}")),
            }
        }
    }
}
