//! Prometheus metrics: requests by route and status, latency histograms, and database pool
//! figures. Each [`Metrics`] owns its recorder (not the process-global one), so several
//! app instances in one test process keep separate, exact counts.

use std::time::Duration;

use metrics::{Label, Recorder, with_local_recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use omnihub_app::system::PoolStats;

/// Latency buckets in seconds: fine-grained where API calls should land (1-250 ms).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder and its renderer.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh recorder with the latency buckets configured.
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new();
        // A constant, non-empty bucket list cannot be refused; fall back to summaries if it
        // ever were rather than failing start-up.
        let builder = match builder.set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            LATENCY_BUCKETS,
        ) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        Self { recorder, handle }
    }

    /// Records one finished request.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = [
            ("method", method.to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        with_local_recorder(&self.recorder as &dyn Recorder, || {
            metrics::counter!("http_requests_total", &labels).increment(1);
            metrics::histogram!("http_request_duration_seconds", &labels[..2])
                .record(elapsed.as_secs_f64());
        });
    }

    /// Renders the exposition text, with the pool gauges read now.
    pub fn render(&self, pools: &[PoolStats]) -> String {
        with_local_recorder(&self.recorder as &dyn Recorder, || {
            for p in pools {
                let label = [Label::new("pool", p.pool)];
                metrics::gauge!("db_pool_connections", label.iter()).set(f64::from(p.size));
                metrics::gauge!("db_pool_idle_connections", label.iter()).set(f64::from(p.idle));
                metrics::gauge!("db_pool_max_connections", label.iter()).set(f64::from(p.max));
            }
        });
        self.handle.render()
    }
}
