//! The order list: work-queue tabs with their counts, filters (status, queue, channel,
//! received from/to as dates), the search box (number, external id, customer e-mail,
//! phone or name) and cursor paging, first in first out. Rows waiting in a queue carry
//! that queue's quick actions (approve or reject for review; retry or wait for stock for
//! exceptions; allocate for the allocation queue), which return to the same list.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::inventory::Page;
use omnihub_app::orders::{self as ord, Order, OrderQuery};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::orders::{HoldReason, OrderStatus, WorkQueue};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, app_error, when};
use super::super::inventory::{code_choices, wants_partial};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{
    Channels, OrdTr, fulfilment_label, link, notice, payment_label, query_string, queue_label,
    status_label,
};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Orders per page.
const PAGE: u32 = 50;

/// The list's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct OrderFilters {
    /// Status code.
    pub status: Option<String>,
    /// Queue code.
    pub queue: Option<String>,
    /// Channel id.
    pub channel: Option<String>,
    /// Received on or after this date (`YYYY-MM-DD`, UTC) or instant.
    pub from: Option<String>,
    /// Received on or before this date (`YYYY-MM-DD`, UTC) or before this instant.
    pub to: Option<String>,
    /// Search text.
    pub q: Option<String>,
    /// Fulfilment stage (`to_pick`, `to_ship`, `late`), as the dashboard links it.
    pub stage: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Notice.
    pub done: Option<String>,
}

impl OrderFilters {
    fn query_string(&self) -> String {
        query_string(&[
            ("status", &self.status),
            ("queue", &self.queue),
            ("channel", &self.channel),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("stage", &self.stage),
        ])
    }

    fn query(&self) -> OrderQuery {
        OrderQuery {
            status: self.status.clone(),
            queue: self.queue.clone(),
            channel: opt_id(self.channel.as_deref()),
            from: instant(self.from.as_deref(), false),
            to: instant(self.to.as_deref(), true),
            q: self.q.clone(),
            stage: self.stage.clone(),
            cursor: self.cursor.clone().filter(|c| !c.is_empty()),
            limit: Some(PAGE),
        }
    }
}

/// A date from the filter as the instant the use case takes: the start of that day (UTC),
/// or of the next day for the end of a range. Anything else is passed on for the use case
/// to refuse with its field error.
fn instant(raw: Option<&str>, end: bool) -> Option<String> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    let Ok(date) = raw.parse::<jiff::civil::Date>() else {
        return Some(raw.to_owned());
    };
    let day = if end { date.tomorrow().ok()? } else { date };
    Some(format!("{day}T00:00:00Z"))
}

/// A quick action on a row.
pub struct QuickAction {
    pub action: &'static str,
    pub label: &'static str,
    /// Whether it asks for a reason (reject).
    pub reason: bool,
}

/// One order in the list.
pub struct ListRow {
    pub id: String,
    pub number: String,
    pub channel: String,
    pub placed: String,
    pub customer: String,
    pub total: String,
    pub currency: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub payment: &'static str,
    pub payment_code: &'static str,
    pub fulfilment: &'static str,
    pub fulfilment_code: &'static str,
    pub queue: &'static str,
    pub queue_code: &'static str,
    pub ship_by: String,
    pub actions: Vec<QuickAction>,
}

/// A work-queue tab.
pub struct Tab {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

/// The rows, next-page link and return address, shared by the page and the partial.
pub struct OrderRows {
    pub rows: Vec<ListRow>,
    pub next: Option<String>,
    /// The list as filtered, where the quick actions return to.
    pub back: String,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    ctx: PageContext,
    filters: OrderFilters,
    tabs: Vec<Tab>,
    statuses: Vec<Choice>,
    queues: Vec<Choice>,
    channels: Vec<Choice>,
    /// Fulfilment stages (the dashboard's links).
    stages: Vec<Choice>,
    list: OrderRows,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "orders/list_partial.html")]
struct ListPartial {
    ctx: PageContext,
    list: OrderRows,
}

/// The quick actions of an order waiting in a queue.
fn quick_actions(t: &OrdTr, o: &Order) -> Vec<QuickAction> {
    let a = |action, label, reason| QuickAction {
        action,
        label,
        reason,
    };
    match o.queue {
        Some(WorkQueue::Review) => {
            vec![a("approve", t.approve, false), a("reject", t.reject, true)]
        }
        Some(WorkQueue::Exception) => {
            let mut out = vec![a("retry", t.retry, false)];
            if o.hold_reasons.contains(&HoldReason::InsufficientStock) && !o.backorder {
                out.push(a("wait", t.wait_for_stock, false));
            }
            out
        }
        Some(WorkQueue::Allocate) => vec![a("allocate", t.allocate_now, false)],
        None => Vec::new(),
    }
}

fn list_row(t: &OrdTr, channels: &Channels, o: &Order) -> ListRow {
    let customer = [&o.customer_name, &o.customer_email, &o.customer_phone]
        .into_iter()
        .find_map(Clone::clone)
        .unwrap_or_default();
    ListRow {
        id: o.id.to_string(),
        number: o.number.clone(),
        channel: channels.code(o.channel_id),
        placed: when(o.placed_at),
        customer,
        total: o.total.amount_text(),
        currency: o.currency.to_string(),
        status: status_label(t, o.status),
        status_code: o.status.code(),
        payment: payment_label(t, o.payment_status),
        payment_code: o.payment_status.code(),
        fulfilment: fulfilment_label(t, o.fulfilment_status),
        fulfilment_code: o.fulfilment_status.code(),
        queue: o.queue.map(|q| queue_label(t, q)).unwrap_or_default(),
        queue_code: o.queue.map(WorkQueue::code).unwrap_or_default(),
        ship_by: when(o.ship_by),
        actions: quick_actions(t, o),
    }
}

/// What the list shows: its rows (none when the filters were refused) and the tabs.
struct Loaded {
    list: OrderRows,
    tabs: Vec<Tab>,
    channels: Channels,
    errors: FieldErrors,
}

async fn load(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    f: &OrderFilters,
    t: &OrdTr,
) -> Result<Loaded, Error> {
    let (app, actor) = (&state.app, &user.actor);
    let channels = Channels::load(state, actor, merchant).await?;
    let counts = ord::queue_counts(app, actor, merchant).await?;
    let (page, errors) = match ord::list_orders(app, actor, merchant, f.query()).await {
        Ok(page) => (page, FieldErrors::none()),
        Err(Error::Validation(fields)) => (
            Page {
                items: Vec::new(),
                next_cursor: None,
            },
            FieldErrors::of(fields),
        ),
        Err(err) => return Err(err),
    };
    let qs = f.query_string();
    let current = f.queue.as_deref().unwrap_or_default();
    let tabs = counts
        .into_iter()
        .map(|(q, count)| Tab {
            code: q.code(),
            label: queue_label(t, q),
            count,
            href: link("/admin/orders", "", &[("queue", q.code())]),
            current: q.code() == current,
        })
        .collect();
    let list = OrderRows {
        rows: page
            .items
            .iter()
            .map(|o| list_row(t, &channels, o))
            .collect(),
        next: page
            .next_cursor
            .map(|c| link("/admin/orders", &qs, &[("cursor", &c)])),
        back: link("/admin/orders", &qs, &[]),
    };
    Ok(Loaded {
        list,
        tabs,
        channels,
        errors,
    })
}

/// The status, queue and channel choices of the filter form.
fn filter_choices(t: &OrdTr, f: &OrderFilters, channels: &Channels) -> [Vec<Choice>; 3] {
    let pick = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        code_choices(
            OrderStatus::ALL,
            OrderStatus::code,
            |s| status_label(t, s),
            &pick(&f.status),
            Some(t.all),
        ),
        code_choices(
            WorkQueue::ALL,
            WorkQueue::code,
            |q| queue_label(t, q),
            &pick(&f.queue),
            Some(t.all),
        ),
        channels.choices(&pick(&f.channel), Some(t.all)),
    ]
}

/// The fulfilment stage choices of the filter form (`omnihub_app::dashboard::Stage`).
fn stage_choices(lang: super::super::i18n::Lang, selected: &str, all: &str) -> Vec<Choice> {
    let t = lang.ful();
    [
        ("", all),
        ("to_pick", t.stage_to_pick),
        ("to_ship", t.stage_to_ship),
        ("late", t.stage_late),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == selected,
    })
    .collect()
}

/// The order list (and the queues, as the list with the queue chosen), or only its rows
/// for htmx.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    headers: HeaderMap,
    ApiQuery(filters): ApiQuery<OrderFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let t = ctx.t.ord;
    let data = match load(&state, &user, merchant, &filters, t).await {
        Ok(data) => data,
        Err(err) => return app_error(ctx, err),
    };
    let status = if data.errors.all().is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let nonce = ctx.nonce.clone();
    if wants_partial(&headers) {
        return render(
            status,
            &nonce,
            &ListPartial {
                ctx,
                list: data.list,
            },
        );
    }
    let [statuses, queues, channels] = filter_choices(t, &filters, &data.channels);
    let page = ListPage {
        stages: stage_choices(
            ctx.lang,
            filters.stage.as_deref().unwrap_or_default(),
            t.all,
        ),
        statuses,
        queues,
        channels,
        notice: notice(t, filters.done.as_deref()),
        tabs: data.tabs,
        list: data.list,
        errors: data.errors,
        filters,
        ctx,
    };
    render(status, &nonce, &page)
}
