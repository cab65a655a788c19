//! Console pages for orders (issue 6): the order list with its work-queue tabs, filters,
//! search and per-row quick actions (the review and exception queues are the list with
//! the queue chosen, first in first out), the order page with its lines, allocations,
//! hold reasons, problems, timeline and the staff actions that apply, manual order entry,
//! CSV import with its per-order report and the template download, the runs of the bulk
//! import of historical orders, and the order settings. Every page calls `omnihub_app::orders` (the same use cases as
//! `/api/v1/orders`) in the merchant the user acts in; the use cases check permissions.

use axum::Router;
use axum::routing::{get, post};
use omnihub_app::channels::{self as ch, Channel, ChannelQuery};
use omnihub_app::{Actor, Error};
use omnihub_domain::channels::{ChannelId, ChannelStatus};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::{
    FulfilmentStatus, HoldReason, OrderStatus, PaymentStatus, TimelineEvent, WorkQueue,
};

use super::catalog::Choice;
use super::i18n::OrdTr;
use crate::state::AppState;

mod detail;
mod entry;
mod history;
mod import;
mod list;
mod payments;
mod settings;

/// The order routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list::page))
        .route("/orders/new", get(entry::page).post(entry::submit))
        .route("/orders/import", get(import::page).post(import::submit))
        .route("/orders/import/template.csv", get(import::template))
        .route("/orders/imports", get(history::page))
        .route("/orders/imports/{id}", get(history::run))
        .route("/orders/settings", get(settings::page).post(settings::save))
        .route("/orders/{id}", get(detail::page))
        .route("/orders/{id}/payments", post(payments::record))
        .route(
            "/orders/{id}/payments/{payment}/{action}",
            post(payments::act),
        )
        .route(
            "/orders/{id}/lines/{line}/cancel",
            post(detail::cancel_line),
        )
        .route(
            "/orders/{id}/lines/{line}/quantity",
            post(detail::change_quantity),
        )
        .route("/orders/{id}/{action}", post(detail::act))
}

/// Most channels a page loads to name and choose them.
const CHANNELS: u32 = 500;

/// The merchant's channels, loaded once per page. Someone who may read orders but not
/// channels still gets the page, with channel ids instead of codes and nothing to choose.
pub(super) struct Channels(Vec<Channel>);

impl Channels {
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        merchant: MerchantId,
    ) -> Result<Self, Error> {
        let q = ChannelQuery {
            limit: Some(CHANNELS),
            ..ChannelQuery::default()
        };
        match ch::list_channels(&state.app, actor, merchant, q).await {
            Ok(page) => Ok(Self(page.items)),
            Err(Error::MissingPermission(_)) => Ok(Self(Vec::new())),
            Err(err) => Err(err),
        }
    }

    /// The code of a channel (its id when unknown).
    pub fn code(&self, id: ChannelId) -> String {
        self.get(id)
            .map_or_else(|| id.to_string(), |c| c.code.to_string())
    }

    /// A channel by id.
    pub fn get(&self, id: ChannelId) -> Option<&Channel> {
        self.0.iter().find(|c| c.id == id)
    }

    /// Channel choices with `selected` marked; with `none` first for filters, else only
    /// channels that take orders (not archived) for the forms that create them.
    pub fn choices(&self, selected: &str, none: Option<&str>) -> Vec<Choice> {
        let mut out = Vec::new();
        if let Some(none) = none {
            out.push(Choice {
                value: String::new(),
                label: none.to_owned(),
                selected: selected.is_empty(),
            });
        }
        out.extend(
            self.0
                .iter()
                .filter(|c| none.is_some() || c.status != ChannelStatus::Archived)
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: format!("{} · {}", c.code, c.name),
                    selected: c.id.to_string() == selected,
                }),
        );
        out
    }
}

/// The label of a code from its position in the enum's `ALL` (the strings are kept in
/// the same order in [`OrdTr`], whose arrays are `ALL.len()` long, so a missing one is a
/// compile error).
fn label<T: PartialEq>(all: &[T], value: &T, names: &[&'static str]) -> &'static str {
    all.iter()
        .position(|v| v == value)
        .and_then(|i| names.get(i).copied())
        .unwrap_or_default()
}

/// The label of an order status.
pub(super) fn status_label(t: &OrdTr, s: OrderStatus) -> &'static str {
    label(OrderStatus::ALL, &s, &t.statuses)
}

/// The label of a payment status.
pub(super) fn payment_label(t: &OrdTr, s: PaymentStatus) -> &'static str {
    label(PaymentStatus::ALL, &s, &t.payments)
}

/// The label of a fulfilment status.
pub(super) fn fulfilment_label(t: &OrdTr, s: FulfilmentStatus) -> &'static str {
    label(FulfilmentStatus::ALL, &s, &t.fulfilments)
}

/// The label of a work queue.
pub(super) fn queue_label(t: &OrdTr, q: WorkQueue) -> &'static str {
    label(WorkQueue::ALL, &q, &t.queues)
}

/// The label of a hold reason.
pub(super) fn hold_label(t: &OrdTr, r: HoldReason) -> &'static str {
    label(HoldReason::ALL, &r, &t.hold_reasons)
}

/// The label of a timeline event.
pub(super) fn event_label(t: &OrdTr, e: TimelineEvent) -> &'static str {
    label(TimelineEvent::ALL, &e, &t.events)
}

/// The notice of a `?done=` code on the order pages (a fixed set: nothing the client
/// sends is echoed).
pub(super) fn notice(t: &'static OrdTr, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => t.notice_created,
        "approved" => t.notice_approved,
        "rejected" => t.notice_rejected,
        "cancelled" => t.notice_cancelled,
        "held" => t.notice_held,
        "retried" => t.notice_retried,
        "waiting" => t.notice_waiting,
        "allocated" => t.notice_allocated,
        "rerouted" => t.notice_rerouted,
        "line_cancelled" => t.notice_line_cancelled,
        "edited" => t.notice_edited,
        "saved" => t.notice_saved,
        _ => return None,
    })
}

/// A query string of the non-blank pairs.
pub(super) fn query_string(pairs: &[(&str, &Option<String>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// `path?query` (or `path` when the query is empty), with more pairs appended.
pub(super) fn link(path: &str, query: &str, more: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(query.to_owned());
    for (k, v) in more {
        s.append_pair(k, v);
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}
