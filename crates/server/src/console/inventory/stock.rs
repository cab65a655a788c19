//! The stock overview and the movement ledger. The overview lists levels by SKU (with the
//! SKU's backorder switch) or grouped by location, filtered by location, low stock, and a
//! SKU search (exact code or barcode, or part of a product name); an htmx request gets only
//! the table rows. The ledger filters by SKU code, location, reason and reference and pages
//! with the use case's cursor.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omnihub_app::inventory::{self as inv, LevelQuery, MovementQuery, SkuRef, StockLevel};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::MovementReason;

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FormBody, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{
    InvTr, Locations, code_choices, notice, reason_label, sku_code, sku_names, wants_partial,
};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Levels per page.
const PAGE: u32 = 50;
/// SKUs a search shows at most (their levels at every location, without paging).
const SEARCH_SKUS: u32 = 20;

/// The overview's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct StockFilters {
    /// `sku` (default) or `location`.
    pub view: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// SKU code, barcode or product-name search.
    pub q: Option<String>,
    /// `1`: only low stock.
    pub low: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Notice.
    pub done: Option<String>,
}

impl StockFilters {
    fn by_location(&self) -> bool {
        self.view.as_deref() == Some("location")
    }

    fn low(&self) -> bool {
        self.low.as_deref().is_some_and(|v| !v.is_empty())
    }

    fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("view", &self.view),
            ("location", &self.location),
            ("q", &self.q),
            ("low", &self.low),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// One level row.
pub struct LevelRow {
    pub sku_id: String,
    pub sku_code: String,
    pub location_id: String,
    pub location_code: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub incoming: i64,
    pub low: bool,
    /// The first row of its group (SKU or location), which carries the group's heading.
    pub first: bool,
    pub backorder: bool,
    pub ledger: String,
}

/// The rows, grouping and next-page link, shared by the page and the partial.
pub struct StockRows {
    pub rows: Vec<LevelRow>,
    pub by_location: bool,
    pub next: Option<String>,
    pub back: String,
}

#[derive(Template)]
#[template(path = "inventory/stock.html")]
struct StockPage {
    ctx: PageContext,
    filters: StockFilters,
    locations: Vec<Choice>,
    list: StockRows,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "inventory/stock_partial.html")]
struct StockPartial {
    ctx: PageContext,
    list: StockRows,
}

async fn load_levels(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    f: &StockFilters,
) -> Result<(Vec<StockLevel>, Option<String>), omnihub_app::Error> {
    let (app, actor) = (&state.app, &user.actor);
    let base = LevelQuery {
        location_id: opt_id(f.location.as_deref()),
        low_stock: f.low(),
        ..LevelQuery::default()
    };
    let Some(q) = f.search() else {
        let q = LevelQuery {
            cursor: f.cursor.clone().filter(|c| !c.is_empty()),
            limit: Some(PAGE),
            ..base
        };
        let page = inv::list_levels(app, actor, merchant, q).await?;
        return Ok((page.items, page.next_cursor));
    };
    let mut out = Vec::new();
    for sku in inv::search_skus(app, actor, merchant, q, SEARCH_SKUS).await? {
        let q = LevelQuery {
            sku_id: Some(sku.id),
            limit: Some(500),
            ..base.clone()
        };
        out.extend(inv::list_levels(app, actor, merchant, q).await?.items);
    }
    Ok((out, None))
}

fn level_rows(
    mut levels: Vec<StockLevel>,
    names: &HashMap<SkuId, SkuRef>,
    f: &StockFilters,
    next: Option<String>,
) -> StockRows {
    let by_location = f.by_location();
    if by_location {
        levels
            .sort_by(|a, b| (&a.location_code, &a.sku_code).cmp(&(&b.location_code, &b.sku_code)));
    }
    let mut prev: Option<String> = None;
    let rows = levels
        .into_iter()
        .map(|l| {
            let group = if by_location {
                l.location_id.to_string()
            } else {
                l.sku_id.to_string()
            };
            let first = prev.as_deref() != Some(group.as_str());
            prev = Some(group);
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("sku", &l.sku_code)
                .append_pair("location", &l.location_id.to_string())
                .finish();
            LevelRow {
                backorder: names.get(&l.sku_id).is_some_and(|s| s.allow_backorder),
                sku_id: l.sku_id.to_string(),
                location_id: l.location_id.to_string(),
                ledger: format!("/admin/inventory/movements?{q}"),
                sku_code: l.sku_code,
                location_code: l.location_code,
                on_hand: l.on_hand,
                reserved: l.reserved,
                available: l.available,
                incoming: l.incoming,
                low: l.low_stock,
                first,
            }
        })
        .collect();
    let qs = f.query_string();
    let back = format!("/admin/inventory/stock?{qs}");
    let next = next.map(|c| {
        let sep = if qs.is_empty() { "" } else { "&" };
        format!("/admin/inventory/stock?{qs}{sep}cursor={c}")
    });
    StockRows {
        rows,
        by_location,
        next,
        back,
    }
}

/// The stock overview, or only its rows for htmx.
pub(super) async fn overview(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    headers: HeaderMap,
    ApiQuery(filters): ApiQuery<StockFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let loaded = match load_levels(&state, &user, merchant, &filters).await {
        Ok(loaded) => loaded,
        Err(err) => return app_error(ctx, err),
    };
    let ids: Vec<SkuId> = loaded.0.iter().map(|l| l.sku_id).collect();
    let (names, locations) = match (
        sku_names(&state, &user.actor, merchant, &ids).await,
        Locations::load(&state, &user.actor, merchant).await,
    ) {
        (Ok(n), Ok(l)) => (n, l),
        (Err(err), _) | (_, Err(err)) => return app_error(ctx, err),
    };
    let list = level_rows(loaded.0, &names, &filters, loaded.1);
    let nonce = ctx.nonce.clone();
    if wants_partial(&headers) {
        return render(StatusCode::OK, &nonce, &StockPartial { ctx, list });
    }
    let t = ctx.t.inv;
    let page = StockPage {
        locations: locations.choices(
            filters.location.as_deref().unwrap_or_default(),
            Some(t.all_locations),
        ),
        notice: notice(t, filters.done.as_deref()),
        filters,
        list,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}

/// Switches a SKU's backorders on (`allow=1`) or off, then returns to the overview.
pub(super) async fn toggle_backorder(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = FormBody::parse(&body);
    let sku = match parse_id::<SkuId>(&raw, "sku") {
        Ok(sku) => sku,
        Err(err) => return app_error(ctx, err),
    };
    let allow = form.value("allow") == "1";
    match inv::set_backorder(&state.app, &user.actor, merchant, sku, allow).await {
        Ok(()) => {
            let back = form.value("back");
            let back = if back.starts_with("/admin/inventory/stock") {
                back
            } else {
                "/admin/inventory/stock".to_owned()
            };
            see_other(&super::done(&back, "backorder"))
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The ledger's query string.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LedgerFilters {
    /// SKU code.
    pub sku: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Reason code.
    pub reason: Option<String>,
    /// Reference.
    pub reference: Option<String>,
    /// Cursor.
    pub cursor: Option<String>,
    /// Notice.
    pub done: Option<String>,
}

impl LedgerFilters {
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("sku", &self.sku),
            ("location", &self.location),
            ("reason", &self.reason),
            ("reference", &self.reference),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// One ledger row.
pub struct MovementRow {
    pub id: String,
    pub when: String,
    pub sku_code: String,
    pub location_code: String,
    pub reason: &'static str,
    pub reason_code: &'static str,
    pub quantity: i64,
    pub reference: String,
    pub actor: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "inventory/ledger.html")]
struct LedgerPage {
    ctx: PageContext,
    filters: LedgerFilters,
    locations: Vec<Choice>,
    reasons: Vec<Choice>,
    rows: Vec<MovementRow>,
    next: Option<String>,
    unknown_sku: bool,
    notice: Option<&'static str>,
}

async fn ledger_query(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    f: &LedgerFilters,
) -> Result<Option<MovementQuery>, omnihub_app::Error> {
    let sku_id = match f.sku.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => {
            let found =
                inv::skus_by_code(&state.app, &user.actor, merchant, &[code.to_owned()]).await?;
            match found.into_iter().next().flatten() {
                Some(s) => Some(s.id),
                None => return Ok(None),
            }
        }
        None => None,
    };
    Ok(Some(MovementQuery {
        sku_id,
        location_id: opt_id(f.location.as_deref()),
        reason: f
            .reason
            .as_deref()
            .and_then(|r| MovementReason::parse(r).ok()),
        reference: f.reference.clone().filter(|r| !r.trim().is_empty()),
        cursor: f.cursor.clone().filter(|c| !c.is_empty()),
        limit: Some(PAGE),
        ..MovementQuery::default()
    }))
}

/// A page of the ledger with what names its rows.
struct LedgerData {
    rows: Vec<MovementRow>,
    next: Option<String>,
    unknown_sku: bool,
    locations: Locations,
}

async fn load_ledger(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    filters: &LedgerFilters,
    t: &InvTr,
) -> Result<LedgerData, omnihub_app::Error> {
    let (app, actor) = (&state.app, &user.actor);
    let page = match ledger_query(state, user, merchant, filters).await? {
        Some(q) => Some(inv::list_movements(app, actor, merchant, q).await?),
        None => None,
    };
    let unknown_sku = page.is_none();
    let (items, next) = page.map_or((Vec::new(), None), |p| (p.items, p.next_cursor));
    let ids: Vec<SkuId> = items.iter().map(|m| m.sku_id).collect();
    let names = sku_names(state, actor, merchant, &ids).await?;
    let locations = Locations::load(state, actor, merchant).await?;
    let rows = items
        .into_iter()
        .map(|m| MovementRow {
            id: m.id.to_string(),
            when: when(m.created_at),
            sku_code: sku_code(&names, m.sku_id),
            location_code: locations.code(m.location_id),
            reason: reason_label(t, m.reason),
            reason_code: m.reason.code(),
            quantity: m.quantity,
            reference: m.reference,
            actor: m.actor_label,
            note: m.note.unwrap_or_default(),
        })
        .collect();
    let qs = filters.query_string();
    let next = next.map(|c| {
        let sep = if qs.is_empty() { "" } else { "&" };
        format!("/admin/inventory/movements?{qs}{sep}cursor={c}")
    });
    Ok(LedgerData {
        rows,
        next,
        unknown_sku,
        locations,
    })
}

/// The movement ledger, newest first.
pub(super) async fn ledger(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(filters): ApiQuery<LedgerFilters>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let t = ctx.t.inv;
    let data = match load_ledger(&state, &user, merchant, &filters, t).await {
        Ok(data) => data,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let selected = filters.location.as_deref().unwrap_or_default();
    let page = LedgerPage {
        locations: data.locations.choices(selected, Some(t.all_locations)),
        reasons: code_choices(
            MovementReason::ALL,
            MovementReason::code,
            |r| reason_label(t, r),
            filters.reason.as_deref().unwrap_or_default(),
            Some(t.all_reasons),
        ),
        notice: notice(t, filters.done.as_deref()),
        filters,
        rows: data.rows,
        next: data.next,
        unknown_sku: data.unknown_sku,
        ctx,
    };
    render(StatusCode::OK, &nonce, &page)
}
