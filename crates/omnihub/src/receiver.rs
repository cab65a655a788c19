//! `omnihub demo channel-receiver`: the mock channel's receiving end for push-back
//! (issue 7, CH-3, docs/outbox.md). Listens on a local address, accepts the Shopify and
//! WooCommerce requests the outbox worker sends (any method and path), prints one JSON
//! line per request to standard output, and deduplicates by `X-Omnihub-Event-Id` the way
//! a real receiver should. `--fail-first N` answers the first N requests with 500, to
//! show the worker's retries. Never prints a credential, only whether one came.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};

/// `omnihub demo channel-receiver` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ReceiverArgs {
    /// Address to listen on; point the channel's base URL at `http://<this>`.
    #[arg(long, default_value = "127.0.0.1:9099", value_name = "HOST:PORT")]
    pub listen: SocketAddr,
    /// Answer the first N requests with 500 (the worker retries them).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub fail_first: u32,
}

/// What the receiver has seen: how many requests it still fails, and the event ids it
/// accepted.
#[derive(Debug, Default)]
pub struct Recorder {
    fail_left: u32,
    accepted: HashSet<String>,
}

/// One request as the receiver judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The status answered.
    pub status: u16,
    /// The event was accepted before (a redelivery).
    pub duplicate: bool,
}

impl Recorder {
    /// A recorder that fails the first `fail_first` requests.
    pub fn new(fail_first: u32) -> Self {
        Self {
            fail_left: fail_first,
            accepted: HashSet::new(),
        }
    }

    /// Judges one request carrying `event_id`: a scripted failure (500, not recorded, so
    /// the retry counts as new), a redelivery of an accepted event (200, duplicate), or a
    /// new event (200, recorded).
    pub fn judge(&mut self, event_id: Option<&str>) -> Verdict {
        if self.fail_left > 0 {
            self.fail_left -= 1;
            return Verdict {
                status: 500,
                duplicate: false,
            };
        }
        let duplicate = event_id.is_some_and(|id| !self.accepted.insert(id.to_owned()));
        Verdict {
            status: 200,
            duplicate,
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The JSON line printed for one request.
pub fn line(method: &Method, path: &str, headers: &HeaderMap, body: &[u8], v: &Verdict) -> Value {
    let body: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    json!({
        "method": method.as_str(),
        "path": path,
        "event_id": header(headers, "x-omnihub-event-id"),
        "event_kind": header(headers, "x-omnihub-event-kind"),
        "shopify_token": headers.contains_key("x-shopify-access-token"),
        "authorization": headers.contains_key("authorization"),
        "answered": v.status,
        "duplicate": v.duplicate,
        "body": body,
    })
}

/// Runs the receiver until Ctrl-C.
pub async fn run(args: &ReceiverArgs) -> anyhow::Result<std::process::ExitCode> {
    let recorder = Arc::new(Mutex::new(Recorder::new(args.fail_first)));
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let recorder = recorder.clone();
            async move {
                let verdict = recorder
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .judge(header(&headers, "x-omnihub-event-id"));
                println!("{}", line(&method, uri.path(), &headers, &body, &verdict));
                StatusCode::from_u16(verdict.status).unwrap_or(StatusCode::OK)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    eprintln!(
        "channel receiver on http://{} (failing the first {} requests); Ctrl-C stops",
        listener.local_addr()?,
        args.fail_first
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("receiver failed")?;
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_requests_fail_then_events_are_accepted_once() {
        let mut r = Recorder::new(2);
        assert_eq!(r.judge(Some("e1")).status, 500);
        assert_eq!(r.judge(Some("e1")).status, 500);
        assert_eq!(
            r.judge(Some("e1")),
            Verdict {
                status: 200,
                duplicate: false
            },
            "a failed attempt does not count as received"
        );
        assert!(r.judge(Some("e1")).duplicate, "a redelivery is a duplicate");
        assert!(!r.judge(Some("e2")).duplicate);
        assert!(
            !r.judge(None).duplicate,
            "without an id nothing can be deduplicated"
        );
    }

    #[test]
    fn lines_never_carry_credentials() {
        let mut h = HeaderMap::new();
        h.insert("x-shopify-access-token", "shpat_secret".parse().unwrap());
        h.insert("x-omnihub-event-id", "e1".parse().unwrap());
        let v = Verdict {
            status: 200,
            duplicate: false,
        };
        let l = line(&Method::POST, "/admin/x.json", &h, br#"{"a":1}"#, &v);
        assert_eq!(l["event_id"], "e1");
        assert_eq!(l["shopify_token"], true);
        assert_eq!(l["body"]["a"], 1);
        assert!(!l.to_string().contains("shpat_secret"));
    }
}
