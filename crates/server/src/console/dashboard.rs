//! The console home `/admin`: the operations dashboard (issue 7). Work-queue and
//! fulfilment-stage counts, each a link to the order list filtered the same way (the
//! counts and the lists share one SQL predicate, `omnihub_app::dashboard`); orders and
//! revenue per day by channel for the last 30 days in the merchant's time zone, as an
//! ECharts chart started from `data-echarts` by console.js, with the same figures in a
//! JSON data island (`#dashboard-data`) and an accessible table; and the newest active
//! low-stock alerts. Platform staff who act in no merchant get the system status, which
//! also stays at `/admin/system`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::dashboard::{self as dash, Dashboard};
use omnihub_app::inventory::{self as inv, AlertQuery};
use omnihub_app::{Actor, Error};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::AlertKind;
use omnihub_domain::money::Money;

use super::forms::{app_error, when};
use super::i18n::FulTr;
use super::inventory::Locations;
use super::orders::{Channels, queue_label};
use super::session::ConsoleUser;
use super::{PageContext, render, system};
use crate::state::AppState;

/// Alerts shown.
const ALERTS: usize = 5;

/// One counter.
pub struct Card {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub href: String,
}

/// One series (channel and currency) as the table heads it.
pub struct SeriesHead {
    pub label: String,
}

/// One day of the table.
pub struct DayRow {
    pub date: String,
    pub total: i64,
    /// Per series: orders and revenue.
    pub cells: Vec<(i64, String)>,
}

/// One low-stock alert.
pub struct AlertRow {
    pub sku: String,
    pub location: String,
    pub kind: &'static str,
    pub available: i64,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct DashboardPage {
    ctx: PageContext,
    t: &'static FulTr,
    cards: Vec<Card>,
    time_zone: String,
    heads: Vec<SeriesHead>,
    days: Vec<DayRow>,
    chart: String,
    data: String,
    alerts: Option<Vec<AlertRow>>,
}

fn cards(ctx: &PageContext, t: &FulTr, d: &Dashboard) -> Vec<Card> {
    let mut out: Vec<Card> = d
        .queues
        .iter()
        .map(|(q, n)| Card {
            code: q.code(),
            label: queue_label(ctx.t.ord, *q),
            count: *n,
            href: format!("/admin/orders?queue={}", q.code()),
        })
        .collect();
    out.extend(d.stages.iter().map(|(s, n)| Card {
        code: s.code(),
        label: match s {
            dash::Stage::ToPick => t.stage_to_pick,
            dash::Stage::ToShip => t.stage_to_ship,
            dash::Stage::Late => t.stage_late,
        },
        count: *n,
        href: format!("/admin/orders?stage={}", s.code()),
    }));
    out
}

/// The figures as JSON for the data island (`<` escaped so it cannot end the element).
fn data_island(d: &Dashboard, labels: &[String]) -> String {
    let days: Vec<String> = d.days.iter().map(ToString::to_string).collect();
    let totals: Vec<i64> = (0..d.days.len())
        .map(|i| d.series.iter().map(|s| s.orders[i]).sum())
        .collect();
    let series: Vec<serde_json::Value> = d
        .series
        .iter()
        .zip(labels)
        .map(|(s, label)| {
            serde_json::json!({"channel_id": s.channel_id, "label": label, "currency": s.currency.to_string(),
                "orders": s.orders, "revenue_minor": s.revenue_minor})
        })
        .collect();
    serde_json::json!({"time_zone": d.time_zone, "days": days, "orders": totals, "series": series})
        .to_string()
        .replace('<', "\\u003c")
}

/// ECharts option: orders per channel as stacked bars, revenue per channel as lines.
fn chart(t: &FulTr, d: &Dashboard, labels: &[String]) -> String {
    let days: Vec<String> = d
        .days
        .iter()
        .map(|d| d.strftime("%m-%d").to_string())
        .collect();
    let mut series = Vec::new();
    for (s, label) in d.series.iter().zip(labels) {
        series.push(serde_json::json!({"name": format!("{label} · {}", t.orders), "type": "bar", "stack": "orders", "data": s.orders}));
        let revenue: Vec<f64> = s
            .revenue_minor
            .iter()
            .map(|m| {
                Money::from_minor(*m, s.currency)
                    .amount_text()
                    .parse()
                    .unwrap_or(0.0)
            })
            .collect();
        series.push(serde_json::json!({"name": format!("{label} · {}", t.revenue), "type": "line", "yAxisIndex": 1, "data": revenue}));
    }
    serde_json::json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll"},
        "grid": {"left": 50, "right": 60, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": days},
        "yAxis": [{"type": "value", "name": t.orders, "minInterval": 1}, {"type": "value", "name": t.revenue}],
        "series": series
    })
    .to_string()
}

fn table(d: &Dashboard) -> Vec<DayRow> {
    d.days
        .iter()
        .enumerate()
        .rev()
        .map(|(i, day)| DayRow {
            date: day.to_string(),
            total: d.series.iter().map(|s| s.orders[i]).sum(),
            cells: d
                .series
                .iter()
                .map(|s| {
                    let revenue = Money::from_minor(s.revenue_minor[i], s.currency);
                    (s.orders[i], revenue.amount_text())
                })
                .collect(),
        })
        .collect()
}

/// The newest active low-stock and out-of-stock alerts; `None` without `inventory.read`.
async fn alerts(
    state: &AppState,
    actor: &Actor,
    merchant: MerchantId,
) -> Result<Option<Vec<AlertRow>>, Error> {
    let q = AlertQuery {
        active: Some(true),
        limit: Some(50),
        ..AlertQuery::default()
    };
    let page = match inv::list_alerts(&state.app, actor, merchant, q).await {
        Ok(page) => page,
        Err(Error::MissingPermission(_)) => return Ok(None),
        Err(err) => return Err(err),
    };
    let low: Vec<_> = page
        .items
        .into_iter()
        .filter(|a| a.kind != AlertKind::Overstock)
        .take(ALERTS)
        .collect();
    let ids: Vec<_> = low.iter().map(|a| a.sku_id).collect();
    let names: HashMap<_, _> = inv::sku_refs(&state.app, actor, merchant, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let locations = Locations::load(state, actor, merchant).await?;
    Ok(Some(
        low.iter()
            .map(|a| AlertRow {
                sku: names
                    .get(&a.sku_id)
                    .cloned()
                    .unwrap_or_else(|| a.sku_id.to_string()),
                location: locations.code(a.location_id),
                kind: a.kind.code(),
                available: a.available,
                raised: when(a.raised_at),
            })
            .collect(),
    ))
}

/// The dashboard (the system status for platform staff acting in no merchant).
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let Some(merchant) = user.actor.merchant else {
        return system::status_page(State(state), user, ctx).await;
    };
    let ctx = ctx.signed_in(&user);
    let actor = &user.actor;
    let loaded = async {
        let d = dash::overview(&state.app, actor, merchant).await?;
        let channels = Channels::load(&state, actor, merchant).await?;
        Ok::<_, Error>((d, channels, alerts(&state, actor, merchant).await?))
    };
    let (d, channels, alerts) = match loaded.await {
        Ok(v) => v,
        // Staff who may not read orders (catalogue or inventory only) land on the status.
        Err(Error::MissingPermission(_)) => {
            return system::status_page(State(state), user, ctx).await;
        }
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.lang.ful();
    let labels: Vec<String> = d
        .series
        .iter()
        .map(|s| format!("{} ({})", channels.code(s.channel_id), s.currency))
        .collect();
    let nonce = ctx.nonce.clone();
    let page = DashboardPage {
        t,
        cards: cards(&ctx, t, &d),
        heads: labels
            .iter()
            .map(|l| SeriesHead { label: l.clone() })
            .collect(),
        days: table(&d),
        chart: chart(t, &d, &labels),
        data: data_island(&d, &labels),
        time_zone: d.time_zone.clone(),
        alerts,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}
