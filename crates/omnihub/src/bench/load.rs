//! The load driver: `clients` concurrent tasks run one operation at a time, either as fast
//! as answers come back (closed loop, to find the peak) or each on a fixed schedule (open
//! loop at a given rate, latency counted from the planned start so a stalled server cannot
//! hide its queue). Each task keeps its own tally; they are merged at the end.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How to pace the clients.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub clients: usize,
    /// Stop after this long.
    pub duration: Duration,
    /// Stop after this many operations in all.
    pub max_ops: Option<u64>,
    /// Operations per second over all clients (open loop); `None` = closed loop.
    pub rate: Option<f64>,
}

/// Answers by class (e.g. `201 allocated`, `409 insufficient-stock`) with their latencies.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub by_class: BTreeMap<String, Vec<u32>>,
    pub elapsed: Duration,
}

impl Tally {
    fn record(&mut self, class: String, micros: u32) {
        self.by_class.entry(class).or_default().push(micros);
    }

    fn merge(&mut self, other: Tally) {
        for (class, mut l) in other.by_class {
            self.by_class.entry(class).or_default().append(&mut l);
        }
    }

    /// Operations answered.
    pub fn total(&self) -> u64 {
        self.by_class.values().map(|v| v.len() as u64).sum()
    }

    /// Operations per second.
    pub fn per_second(&self) -> f64 {
        self.total() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Every latency, sorted, in microseconds (optionally only some classes).
    pub fn latencies(&self, only: Option<&dyn Fn(&str) -> bool>) -> Vec<u32> {
        let mut all: Vec<u32> = self
            .by_class
            .iter()
            .filter(|(c, _)| only.is_none_or(|f| f(c)))
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        all.sort_unstable();
        all
    }
}

/// The `p`-th percentile (0–100) of sorted microsecond latencies, in milliseconds.
pub fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

/// Runs `op(n)` for n = 0, 1, 2… from `pace.clients` tasks; returns the merged tally.
pub async fn drive<F, Fut>(pace: Pace, op: F) -> Tally
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = String> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + pace.duration;
    let interval = pace
        .rate
        .map(|r| Duration::from_secs_f64(pace.clients as f64 / r.max(1e-3)));
    let mut tasks = Vec::with_capacity(pace.clients);
    for client in 0..pace.clients {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            // Spread the open-loop clients' first sends over one interval.
            let mut planned =
                interval.map(|i| started + i.mul_f64(client as f64 / pace.clients as f64));
            loop {
                if let (Some(at), Some(i)) = (planned.as_mut(), interval) {
                    if *at >= deadline {
                        break;
                    }
                    tokio::time::sleep_until((*at).into()).await;
                    *at += i;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                if Instant::now() >= deadline || pace.max_ops.is_some_and(|m| n >= m) {
                    break;
                }
                let begun = match planned {
                    Some(at) => at - interval.unwrap_or_default(),
                    None => Instant::now(),
                };
                let class = op(n).await;
                let micros = u32::try_from(begun.elapsed().as_micros()).unwrap_or(u32::MAX);
                tally.record(class, micros);
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        if let Ok(t) = task.await {
            all.merge(t);
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// The class of an HTTP answer: the status and, for a problem, its `code` (RFC 9457
/// `type`'s last segment), e.g. `409 insufficient-stock`; `no answer` on a transport error.
pub fn class_of(status: u16, body: &[u8]) -> String {
    if status < 400 {
        return status.to_string();
    }
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("code")
                .and_then(|c| c.as_str().map(str::to_owned))
                .or_else(|| {
                    v.get("type")
                        .and_then(|t| t.as_str())
                        .and_then(|t| t.rsplit('/').next().map(str::to_owned))
                })
        })
        .unwrap_or_default();
    format!("{status} {code}").trim().to_owned()
}
