//! The console's first page: system status (version, database, migrations, uptime, pools).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::system;

use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::state::AppState;

/// One row of the connection pool table.
pub struct PoolRow {
    pub name: &'static str,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Template)]
#[template(path = "system/status.html")]
struct StatusPage {
    ctx: PageContext,
    status: Option<StatusView>,
}

struct StatusView {
    version: &'static str,
    backend: &'static str,
    applied: usize,
    expected: usize,
    latest: String,
    current: bool,
    started_at: String,
    uptime: String,
    pools: Vec<PoolRow>,
    chart: String,
}

pub(super) async fn status_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let view = match system::status(&state.app).await {
        Ok(s) => Some(StatusView {
            version: s.version,
            backend: s.backend.name(),
            applied: s.migrations.applied.len(),
            expected: s.migrations.expected.len(),
            latest: s
                .migrations
                .latest_applied()
                .map_or_else(|| "-".into(), |v| format!("{v:04}")),
            current: s.migrations.is_current(),
            started_at: s.started_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
            uptime: format_uptime(s.uptime.as_secs()),
            chart: pool_chart(&s.pools, ctx.t),
            pools: s
                .pools
                .iter()
                .map(|p| PoolRow {
                    name: p.pool,
                    size: p.size,
                    idle: p.idle,
                    max: p.max,
                })
                .collect(),
        }),
        Err(err) => {
            tracing::warn!(error.cause_chain = ?err, "status page: database unavailable");
            None
        }
    };
    let code = if view.is_some() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let nonce = ctx.nonce.clone();
    render(code, &nonce, &StatusPage { ctx, status: view })
}

fn format_uptime(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h {m}m")
    } else {
        format!("{h}h {m}m {s}s")
    }
}

/// ECharts option for a stacked bar of busy/idle connections per pool.
fn pool_chart(pools: &[omnihub_app::system::PoolStats], t: &super::Tr) -> String {
    let names: Vec<&str> = pools.iter().map(|p| p.pool).collect();
    let busy: Vec<u32> = pools
        .iter()
        .map(|p| p.size.saturating_sub(p.idle))
        .collect();
    let idle: Vec<u32> = pools.iter().map(|p| p.idle).collect();
    serde_json::json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [t.in_use, t.idle]},
        "grid": {"left": 60, "right": 20, "top": 30, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names},
        "series": [
            {"name": t.in_use, "type": "bar", "stack": "c", "data": busy},
            {"name": t.idle, "type": "bar", "stack": "c", "data": idle}
        ]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_naturally() {
        assert_eq!(format_uptime(59), "0h 0m 59s");
        assert_eq!(format_uptime(90_061), "1d 1h 1m");
    }
}
