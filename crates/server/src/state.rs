//! The state every handler receives.

use std::sync::Arc;
use std::time::Duration;

use omnihub_app::App;

use crate::metrics::Metrics;

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest a request may take before it is abandoned with 408.
    pub request_timeout: Duration,
    /// Write requests (POST, PUT, PATCH, DELETE) admitted at once; more are answered
    /// 429 with `Retry-After` before any work (the bounded write queue, ADR 0025).
    pub max_pending_writes: usize,
    /// Longest a connection may take to send a request's headers before it is closed, so
    /// slow clients (slow-loris) cannot hold connections open for ever.
    pub header_read_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_pending_writes: 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state: the app context, metrics and HTTP settings; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases' context.
    pub app: App,
    /// Request metrics, rendered at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub http: HttpSettings,
    /// Slots of the bounded write queue ([`HttpSettings::max_pending_writes`]).
    pub write_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// State over an app context.
    pub fn new(app: App, http: HttpSettings) -> Self {
        Self {
            app,
            metrics: Arc::new(Metrics::new()),
            write_slots: Arc::new(tokio::sync::Semaphore::new(http.max_pending_writes.max(1))),
            http,
        }
    }
}
