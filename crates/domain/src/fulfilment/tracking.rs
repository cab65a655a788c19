//! Shipment tracking (issue 7, FUL-5; docs/adr/0021): the kinds of carrier events, the
//! shipment status machine they drive, and the two formats they arrive in — the generic
//! signed carrier webhook (docs/tracking.md) and the tracking CSV import.
//!
//! Status rules ([`TrackingState::apply`]):
//! - `picked_up` and `in_transit` move a shipment to `in_transit`; `out_for_delivery`,
//!   `delivered` and `exception` to the status of the same name. From `exception`, any
//!   newer event moves it on again (the carrier recovered the parcel).
//! - An event older than the newest one seen is recorded but does not move the status
//!   back; an event at the same instant as the newest does move it (carriers often stamp
//!   to the minute, and the later delivery wins).
//! - `delivered` is final: anything after it, an exception included, is recorded only.

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;

use crate::channels::SignatureError;
use crate::codes::code_enum;

code_enum!(
    /// What a carrier says happened to a parcel.
    EventKind {
        /// The carrier collected it.
        PickedUp = "picked_up",
        /// On its way between the carrier's sites.
        InTransit = "in_transit",
        /// With the courier for the last leg.
        OutForDelivery = "out_for_delivery",
        /// Handed over.
        Delivered = "delivered",
        /// Delayed, damaged, refused, lost, address problem...: someone must look.
        Exception = "exception",
    }
);

code_enum!(
    /// Where a shipment stands, as the newest tracking event says.
    ShipmentStatus {
        /// Left the warehouse; no carrier event yet.
        Shipped = "shipped",
        /// With the carrier.
        InTransit = "in_transit",
        /// On the courier's van.
        OutForDelivery = "out_for_delivery",
        /// Handed over (final).
        Delivered = "delivered",
        /// The carrier reported a problem.
        Exception = "exception",
    }
);

impl EventKind {
    /// The status an event of this kind moves a shipment to.
    pub const fn target(self) -> ShipmentStatus {
        match self {
            Self::PickedUp | Self::InTransit => ShipmentStatus::InTransit,
            Self::OutForDelivery => ShipmentStatus::OutForDelivery,
            Self::Delivered => ShipmentStatus::Delivered,
            Self::Exception => ShipmentStatus::Exception,
        }
    }
}

/// A shipment's tracking state: its status and the time of its newest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackingState {
    /// Current status.
    pub status: ShipmentStatus,
    /// Newest event time seen (µs since the epoch), `None` before the first.
    pub last_event_at: Option<i64>,
}

/// What one event did to a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The state after the event.
    pub state: TrackingState,
    /// Whether the event moved the status (false: recorded only).
    pub moved: bool,
}

impl TrackingState {
    /// The state of a shipment that just left.
    pub const fn new() -> Self {
        Self {
            status: ShipmentStatus::Shipped,
            last_event_at: None,
        }
    }

    /// Applies an event of `kind` that happened at `at` (µs). Never fails: an event that
    /// may not move the status is still recorded, and says so in [`Applied::moved`].
    pub fn apply(self, kind: EventKind, at: i64) -> Applied {
        let newest = self.last_event_at.map_or(at, |l| l.max(at));
        let older = self.last_event_at.is_some_and(|l| at < l);
        let moved = !older && self.status != ShipmentStatus::Delivered;
        let status = if moved { kind.target() } else { self.status };
        Applied {
            state: Self {
                status,
                last_event_at: Some(newest),
            },
            moved,
        }
    }
}

impl Default for TrackingState {
    fn default() -> Self {
        Self::new()
    }
}

/// One field problem of a carrier event or CSV row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field (`occurred_at`).
    pub field: &'static str,
    /// A stable code (`required`, `invalid`, `too_long`).
    pub code: &'static str,
    /// For people.
    pub message: String,
}

fn problem(field: &'static str, code: &'static str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field,
        code,
        message: message.into(),
    }
}

/// A parsed tracking event, as any source sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierEvent {
    /// The carrier's id for the event: replays of it change nothing.
    pub event_id: String,
    /// The parcel.
    pub tracking_number: String,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub occurred_at: Timestamp,
    /// Where (a depot, a city).
    pub location: Option<String>,
    /// The carrier's words.
    pub description: Option<String>,
}

/// The fields of an event as received, before checking.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RawEvent {
    /// See [`CarrierEvent::event_id`].
    pub event_id: Option<String>,
    /// See [`CarrierEvent::tracking_number`].
    pub tracking_number: Option<String>,
    /// An [`EventKind`] code.
    pub event: Option<String>,
    /// RFC 3339.
    pub occurred_at: Option<String>,
    /// See [`CarrierEvent::location`].
    pub location: Option<String>,
    /// See [`CarrierEvent::description`].
    pub description: Option<String>,
}

fn text(
    v: &mut Vec<FieldProblem>,
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let t = raw.map(str::trim).filter(|t| !t.is_empty())?;
    if t.chars().count() > max || t.chars().any(char::is_control) {
        v.push(problem(field, "invalid", format!("1 to {max} characters")));
        return None;
    }
    Some(t.to_owned())
}

fn required(
    v: &mut Vec<FieldProblem>,
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let before = v.len();
    let t = text(v, field, raw, max);
    if t.is_none() && v.len() == before {
        v.push(problem(field, "required", "required"));
    }
    t
}

impl RawEvent {
    /// Checks every field; all problems at once.
    pub fn check(&self) -> Result<CarrierEvent, Vec<FieldProblem>> {
        let mut v = Vec::new();
        let event_id = required(&mut v, "event_id", self.event_id.as_deref(), 120);
        let tracking = required(
            &mut v,
            "tracking_number",
            self.tracking_number.as_deref(),
            80,
        );
        let kind = required(&mut v, "event", self.event.as_deref(), 40).and_then(|k| {
            EventKind::parse(&k)
                .map_err(|e| v.push(problem("event", "invalid", e.to_string())))
                .ok()
        });
        let at = required(&mut v, "occurred_at", self.occurred_at.as_deref(), 64).and_then(|t| {
            t.parse::<Timestamp>()
                .map_err(|_| v.push(problem("occurred_at", "invalid", "an RFC 3339 time")))
                .ok()
        });
        let location = text(&mut v, "location", self.location.as_deref(), 200);
        let description = text(&mut v, "description", self.description.as_deref(), 500);
        match (event_id, tracking, kind, at) {
            (Some(event_id), Some(tracking_number), Some(kind), Some(occurred_at))
                if v.is_empty() =>
            {
                Ok(CarrierEvent {
                    event_id,
                    tracking_number,
                    kind,
                    occurred_at,
                    location,
                    description,
                })
            }
            _ => Err(v),
        }
    }
}

/// The body of the generic carrier webhook: `{"events": [...]}`.
#[derive(Debug, Clone, serde::Deserialize)]
struct WebhookBody {
    events: Vec<serde_json::Value>,
}

/// Why a webhook body was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookBodyError {
    /// Not JSON, or not `{"events": [...]}`.
    #[error("the body must be JSON of the form {{\"events\": [...]}}")]
    Malformed,
    /// More than [`MAX_EVENTS`] events.
    #[error("at most {MAX_EVENTS} events per delivery")]
    TooMany,
}

/// Most events in one webhook delivery or CSV file.
pub const MAX_EVENTS: usize = 1000;

/// Parses a verified webhook body: each event checked on its own, so one bad event does
/// not refuse the others.
pub fn parse_webhook(
    body: &[u8],
) -> Result<Vec<Result<CarrierEvent, Vec<FieldProblem>>>, WebhookBodyError> {
    let b: WebhookBody = serde_json::from_slice(body).map_err(|_| WebhookBodyError::Malformed)?;
    if b.events.len() > MAX_EVENTS {
        return Err(WebhookBodyError::TooMany);
    }
    Ok(b.events
        .into_iter()
        .map(|e| {
            serde_json::from_value::<RawEvent>(e)
                .map_err(|_| {
                    vec![problem(
                        "event",
                        "invalid",
                        "each event is an object of strings",
                    )]
                })
                .and_then(|r| r.check())
        })
        .collect())
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps it total.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
    m.update(body);
    m
}

/// The header carriers sign in.
pub const SIGNATURE_HEADER: &str = "x-omnihub-signature";

/// The `X-Omnihub-Signature` value for `body`: `sha256=` and the lower-case hex HMAC-SHA256.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let bytes = mac(secret.as_bytes(), body).finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks `X-Omnihub-Signature` (`None` when absent) over the raw body, in constant time.
/// An empty secret never verifies.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let given = header
        .map(str::trim)
        .and_then(|h| h.strip_prefix("sha256="))
        .and_then(unhex)
        .ok_or(SignatureError::Malformed)?;
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    mac(secret.as_bytes(), body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// The columns of the tracking CSV template, in order.
pub const CSV_COLUMNS: [&str; 7] = [
    "carrier",
    "tracking_number",
    "event",
    "occurred_at",
    "location",
    "description",
    "event_id",
];

/// One data row of a tracking CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// Spreadsheet line (header = 1).
    pub line: u64,
    /// The carrier code and the event, or what is wrong with the row.
    pub result: Result<(String, CarrierEvent), Vec<FieldProblem>>,
}

/// Why a CSV file was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvFileError {
    /// Not UTF-8.
    #[error("the file is not UTF-8")]
    NotUtf8,
    /// The header is not the template's.
    #[error("the header must be: {}", CSV_COLUMNS.join(","))]
    Header,
    /// A line could not be read as CSV.
    #[error("line {0} is not valid CSV")]
    Unreadable(u64),
    /// More than [`MAX_EVENTS`] rows.
    #[error("at most {MAX_EVENTS} rows per file")]
    TooMany,
}

/// Parses a tracking CSV file (template: docs/tracking.md). A row without `event_id` gets
/// one made of its event and time, so importing the same file twice changes nothing.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<CsvRow>, CsvFileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvFileError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| CsvFileError::Header)?;
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    if names != CSV_COLUMNS {
        return Err(CsvFileError::Header);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let line = rows.len() as u64 + 2;
        let record = record.map_err(|_| CsvFileError::Unreadable(line))?;
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_EVENTS {
            return Err(CsvFileError::TooMany);
        }
        rows.push(CsvRow {
            line,
            result: csv_row(&record),
        });
    }
    Ok(rows)
}

fn csv_row(record: &csv::StringRecord) -> Result<(String, CarrierEvent), Vec<FieldProblem>> {
    let cell = |i: usize| record.get(i).map(str::to_owned);
    let mut v = Vec::new();
    let carrier = required(&mut v, "carrier", cell(0).as_deref(), 40);
    let event_id = cell(6).filter(|e| !e.is_empty()).or_else(|| {
        let (kind, at) = (cell(2)?, cell(3)?);
        Some(format!("csv:{kind}:{at}"))
    });
    let raw = RawEvent {
        event_id,
        tracking_number: cell(1),
        event: cell(2),
        occurred_at: cell(3),
        location: cell(4),
        description: cell(5),
    };
    match (carrier, raw.check()) {
        (Some(c), Ok(e)) if v.is_empty() => Ok((c, e)),
        (_, Ok(_)) => Err(v),
        (_, Err(mut more)) => {
            v.append(&mut more);
            Err(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: i64 = 1_000_000;

    #[test]
    fn events_move_the_status_forward_and_delivered_is_final() {
        let s = TrackingState::new();
        let a = s.apply(EventKind::PickedUp, 10 * S);
        assert_eq!((a.state.status, a.moved), (ShipmentStatus::InTransit, true));
        let b = a.state.apply(EventKind::Exception, 20 * S);
        assert_eq!(b.state.status, ShipmentStatus::Exception);
        let c = b.state.apply(EventKind::OutForDelivery, 30 * S);
        assert_eq!(c.state.status, ShipmentStatus::OutForDelivery, "recovered");
        let d = c.state.apply(EventKind::Delivered, 40 * S);
        assert_eq!(d.state.status, ShipmentStatus::Delivered);
        let e = d.state.apply(EventKind::Exception, 50 * S);
        assert_eq!(
            (e.state.status, e.moved, e.state.last_event_at),
            (ShipmentStatus::Delivered, false, Some(50 * S))
        );
    }

    #[test]
    fn an_older_event_is_recorded_without_moving_the_status_back() {
        let s = TrackingState::new().apply(EventKind::OutForDelivery, 30 * S);
        let old = s.state.apply(EventKind::InTransit, 20 * S);
        assert_eq!(
            (old.state.status, old.moved, old.state.last_event_at),
            (ShipmentStatus::OutForDelivery, false, Some(30 * S))
        );
    }

    #[test]
    fn webhook_bodies_are_checked_event_by_event() {
        let body = br#"{"events":[
            {"event_id":"e1","tracking_number":"SF1","event":"delivered","occurred_at":"2026-12-01T10:00:00Z","location":"Shanghai"},
            {"event_id":"e2","tracking_number":"SF1","event":"teleported","occurred_at":"yesterday"}]}"#;
        let events = parse_webhook(body).unwrap();
        let first = events[0].as_ref().unwrap();
        assert_eq!(
            (first.kind, first.location.as_deref()),
            (EventKind::Delivered, Some("Shanghai"))
        );
        let fields: Vec<_> = events[1]
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["event", "occurred_at"]);
        assert_eq!(parse_webhook(b"[1]"), Err(WebhookBodyError::Malformed));
    }

    #[test]
    fn signatures_are_hex_hmac_of_the_raw_body() {
        let sig = sign("secret", b"{}");
        assert!(sig.starts_with("sha256=") && sig.len() == 71);
        assert_eq!(verify("secret", b"{}", Some(&sig)), Ok(()));
        assert_eq!(
            verify("secret", b"{ }", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("other", b"{}", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify("", b"{}", Some(&sig)), Err(SignatureError::Mismatch));
        assert_eq!(
            verify("secret", b"{}", None),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("secret", b"{}", Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn csv_rows_report_their_line_and_fields() {
        let file = "carrier,tracking_number,event,occurred_at,location,description,event_id\n\
            sf,SF1,in_transit,2026-12-01T10:00:00Z,Hub,,\n\
            sf,,exploded,2026-12-01T11:00:00Z,,,x\n";
        let rows = parse_csv(file.as_bytes()).unwrap();
        let (carrier, e) = rows[0].result.as_ref().unwrap();
        assert_eq!(
            (rows[0].line, carrier.as_str(), e.event_id.as_str()),
            (2, "sf", "csv:in_transit:2026-12-01T10:00:00Z")
        );
        assert_eq!(rows[1].line, 3);
        let fields: Vec<_> = rows[1]
            .result
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["tracking_number", "event"]);
        assert_eq!(parse_csv(b"a,b\n"), Err(CsvFileError::Header));
    }

    fn kind() -> impl Strategy<Value = EventKind> {
        prop::sample::select(EventKind::ALL)
    }

    proptest! {
        #[test]
        fn delivered_never_changes(events in prop::collection::vec((kind(), 0_i64..1000), 0..20), at in 0_i64..1000) {
            let mut s = TrackingState::new().apply(EventKind::Delivered, at).state;
            for (k, t) in events {
                let a = s.apply(k, t);
                prop_assert!(!a.moved);
                s = a.state;
                prop_assert_eq!(s.status, ShipmentStatus::Delivered);
            }
        }

        #[test]
        fn the_newest_event_decides_whatever_the_arrival_order(
            mut events in prop::collection::vec((prop::sample::select(&[EventKind::PickedUp, EventKind::InTransit, EventKind::OutForDelivery, EventKind::Exception][..]), 0_i64..1_000_000), 1..20),
            seed in any::<u64>(),
        ) {
            events.sort_by_key(|e| e.1);
            events.dedup_by_key(|e| e.1);
            let newest = events.last().map(|e| e.0.target());
            let newest_at = events.last().map(|e| e.1);
            let n = events.len();
            let mut shuffled = events.clone();
            for i in 0..n {
                let j = usize::try_from((seed.wrapping_mul(i as u64 + 7)) % n as u64).unwrap();
                shuffled.swap(i, j);
            }
            let end = shuffled.iter().fold(TrackingState::new(), |s, (k, t)| s.apply(*k, *t).state);
            prop_assert_eq!(Some(end.status), newest);
            prop_assert_eq!(end.last_event_at, newest_at);
        }
    }
}
