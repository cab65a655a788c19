//! Console pages for inventory (issue 5): the stock overview (by SKU or by location, with
//! the per-SKU backorder switch), the movement ledger, locations, goods-in, adjustments
//! with their approval queue, transfers, stocktakes with counts, CSV import and the
//! variance report, alerts with their thresholds, and the approval settings. Every page
//! calls `omnihub_app::inventory` (the same use cases as `/api/v1/inventory`) in the
//! merchant the user acts in, chosen as on the catalogue pages. Forms take SKU codes,
//! resolved through `inventory::skus_by_code`; line forms show each refusal beside the
//! row it belongs to.

use std::collections::HashMap;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use omnihub_app::inventory::{self as inv, Location, LocationQuery, ReceiptLine, SkuRef};
use omnihub_app::{Actor, Error, FieldError};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{
    AdjustmentReason, AlertKind, LocationId, LocationKind, MovementReason, StocktakeStatus,
    TransferStatus,
};

use super::catalog::Choice;
use super::forms::FormBody;
use super::i18n::InvTr;
use crate::state::AppState;

mod adjustments;
mod alerts;
mod locations;
mod stock;
mod stocktakes;
mod transfers;

/// The inventory routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inventory/stock", get(stock::overview))
        .route(
            "/inventory/skus/{id}/backorder",
            post(stock::toggle_backorder),
        )
        .route("/inventory/movements", get(stock::ledger))
        .route(
            "/inventory/locations",
            get(locations::list_page).post(locations::create),
        )
        .route(
            "/inventory/locations/{id}",
            get(locations::edit_page).post(locations::update),
        )
        .route(
            "/inventory/receive",
            get(adjustments::receive_page).post(adjustments::receive),
        )
        .route(
            "/inventory/adjustments",
            get(adjustments::page).post(adjustments::request),
        )
        .route(
            "/inventory/adjustments/{id}/{decision}",
            post(adjustments::decide),
        )
        .route(
            "/inventory/transfers",
            get(transfers::list_page).post(transfers::create),
        )
        .route("/inventory/transfers/{id}", get(transfers::detail))
        .route("/inventory/transfers/{id}/{action}", post(transfers::act))
        .route(
            "/inventory/stocktakes",
            get(stocktakes::list_page).post(stocktakes::open),
        )
        .route("/inventory/stocktakes/{id}", get(stocktakes::detail))
        .route("/inventory/stocktakes/{id}/{action}", post(stocktakes::act))
        .route("/inventory/alerts", get(alerts::list_page))
        .route(
            "/inventory/alerts/{id}/acknowledge",
            post(alerts::acknowledge),
        )
        .route(
            "/inventory/thresholds",
            get(alerts::thresholds_page).post(alerts::save_thresholds),
        )
        .route(
            "/inventory/settings",
            get(alerts::settings_page).post(alerts::save_settings),
        )
}

/// Whether a request is htmx asking for a fragment (not a boosted navigation).
pub(super) fn wants_partial(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-boosted")
}

/// The merchant's locations, loaded once per page to name and choose them.
pub(super) struct Locations(pub Vec<Location>);

impl Locations {
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        merchant: MerchantId,
    ) -> Result<Self, Error> {
        inv::list_locations(&state.app, actor, merchant, LocationQuery::default())
            .await
            .map(Self)
    }

    /// The code of a location (its id when unknown).
    pub fn code(&self, id: LocationId) -> String {
        self.0
            .iter()
            .find(|l| l.id == id)
            .map_or_else(|| id.to_string(), |l| l.code.clone())
    }

    /// Location choices with `selected` marked; the first is `none` unless it is `None`
    /// (then only active locations are offered, for forms that move stock).
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
                .filter(|l| none.is_some() || l.active)
                .map(|l| Choice {
                    value: l.id.to_string(),
                    label: format!("{} · {}", l.code, l.name),
                    selected: l.id.to_string() == selected,
                }),
        );
        out
    }
}

/// SKU codes by id for the SKUs shown on a page (one look-up per page).
pub(super) async fn sku_names(
    state: &AppState,
    actor: &Actor,
    merchant: MerchantId,
    ids: &[SkuId],
) -> Result<HashMap<SkuId, SkuRef>, Error> {
    Ok(inv::sku_refs(&state.app, actor, merchant, ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// The code of a SKU on a page (its id when unknown).
pub(super) fn sku_code(names: &HashMap<SkuId, SkuRef>, id: SkuId) -> String {
    names
        .get(&id)
        .map_or_else(|| id.to_string(), |s| s.code.clone())
}

/// One row of a line form (SKU code and quantity) with its errors.
#[derive(Debug, Clone, Default)]
pub struct LineRow {
    pub code: String,
    pub quantity: String,
    pub code_error: Option<String>,
    pub quantity_error: Option<String>,
}

/// Rows shown by an empty line form.
const BLANK_ROWS: usize = 5;

/// The rows of a line form as posted (`sku_code` and `quantity` repeated), padded with
/// blank rows to at least [`BLANK_ROWS`].
pub(super) fn line_rows(form: &FormBody) -> Vec<LineRow> {
    let codes = form.values("sku_code");
    let quantities = form.values("quantity");
    let n = codes.len().max(quantities.len());
    let mut rows: Vec<LineRow> = (0..n)
        .map(|i| LineRow {
            code: codes.get(i).cloned().unwrap_or_default(),
            quantity: quantities.get(i).cloned().unwrap_or_default(),
            ..LineRow::default()
        })
        .collect();
    pad(&mut rows);
    rows
}

/// Pads a line form to at least [`BLANK_ROWS`] rows.
pub(super) fn pad(rows: &mut Vec<LineRow>) {
    while rows.len() < BLANK_ROWS {
        rows.push(LineRow::default());
    }
}

/// Resolved lines and, for each, the row of the form it came from.
pub(super) struct Lines {
    pub lines: Vec<ReceiptLine>,
    pub rows: Vec<usize>,
}

/// Resolves the non-blank rows' SKU codes and parses their quantities (as whole numbers:
/// whether a quantity is allowed is the use case's rule). Unknown codes and non-numbers are
/// marked on their rows; `Ok(None)` means some row has an error.
pub(super) async fn resolve_lines(
    state: &AppState,
    actor: &Actor,
    merchant: MerchantId,
    t: &InvTr,
    rows: &mut [LineRow],
) -> Result<Option<Lines>, Error> {
    let used: Vec<usize> = (0..rows.len())
        .filter(|&i| !rows[i].code.trim().is_empty() || !rows[i].quantity.trim().is_empty())
        .collect();
    let codes: Vec<String> = used.iter().map(|&i| rows[i].code.clone()).collect();
    let found = inv::skus_by_code(&state.app, actor, merchant, &codes).await?;
    let mut out = Lines {
        lines: Vec::new(),
        rows: Vec::new(),
    };
    let mut ok = true;
    for (&i, sku) in used.iter().zip(found) {
        let row = &mut rows[i];
        let quantity = row.quantity.trim().parse::<i64>().ok();
        if quantity.is_none() {
            row.quantity_error = Some(t.whole_number.to_owned());
        }
        if sku.is_none() {
            row.code_error = Some(t.unknown_sku.to_owned());
        }
        match (sku, quantity) {
            (Some(s), Some(q)) => {
                out.lines.push(ReceiptLine {
                    sku_id: s.id,
                    quantity: q,
                });
                out.rows.push(i);
            }
            _ => ok = false,
        }
    }
    Ok(ok.then_some(out))
}

/// Puts a use case's `lines[j].…` errors on the rows they belong to and returns the rest.
pub(super) fn attach_line_errors(
    rows: &mut [LineRow],
    map: &[usize],
    errors: Vec<FieldError>,
) -> Vec<FieldError> {
    let mut rest = Vec::new();
    for e in errors {
        let target = e
            .field
            .strip_prefix("lines[")
            .and_then(|r| r.split_once("]."))
            .and_then(|(j, f)| Some((map.get(j.parse::<usize>().ok()?)?, f.to_owned())));
        match target.and_then(|(i, f)| Some((rows.get_mut(*i)?, f))) {
            Some((row, f)) if f == "quantity" => row.quantity_error = Some(e.message),
            Some((row, _)) => row.code_error = Some(e.message),
            None => rest.push(e),
        }
    }
    rest
}

/// The label of a location kind.
pub(super) fn kind_label(t: &InvTr, kind: LocationKind) -> &'static str {
    match kind {
        LocationKind::Warehouse => t.kind_warehouse,
        LocationKind::Store => t.kind_store,
        LocationKind::ThirdPartyWarehouse => t.kind_third_party,
    }
}

/// The label of a ledger reason.
pub(super) fn reason_label(t: &InvTr, r: MovementReason) -> &'static str {
    match r {
        MovementReason::Receipt => t.reason_receipt,
        MovementReason::Shipment => t.reason_shipment,
        MovementReason::ReturnRestock => t.reason_return_restock,
        MovementReason::Adjustment => t.reason_adjustment,
        MovementReason::Count => t.reason_count,
        MovementReason::TransferOut => t.reason_transfer_out,
        MovementReason::TransferIn => t.reason_transfer_in,
        MovementReason::Scrap => t.reason_scrap,
    }
}

/// The label of an adjustment reason code.
pub(super) fn adjustment_reason_label(t: &InvTr, r: AdjustmentReason) -> &'static str {
    match r {
        AdjustmentReason::Damaged => t.adj_damaged,
        AdjustmentReason::Lost => t.adj_lost,
        AdjustmentReason::Theft => t.adj_theft,
        AdjustmentReason::Found => t.adj_found,
        AdjustmentReason::Expired => t.adj_expired,
        AdjustmentReason::Correction => t.adj_correction,
        AdjustmentReason::Scrap => t.adj_scrap,
    }
}

/// The label of a transfer status.
pub(super) fn transfer_status_label(t: &InvTr, s: TransferStatus) -> &'static str {
    match s {
        TransferStatus::Draft => t.tr_draft,
        TransferStatus::InTransit => t.tr_in_transit,
        TransferStatus::PartiallyReceived => t.tr_partially_received,
        TransferStatus::Received => t.tr_received,
        TransferStatus::Cancelled => t.tr_cancelled,
    }
}

/// The label of a stocktake status.
pub(super) fn stocktake_status_label(t: &InvTr, s: StocktakeStatus) -> &'static str {
    match s {
        StocktakeStatus::Open => t.st_open,
        StocktakeStatus::Posted => t.st_posted,
        StocktakeStatus::Cancelled => t.st_cancelled,
    }
}

/// The label of an alert kind.
pub(super) fn alert_kind_label(t: &InvTr, k: AlertKind) -> &'static str {
    match k {
        AlertKind::LowStock => t.alert_low_stock,
        AlertKind::OutOfStock => t.alert_out_of_stock,
        AlertKind::Overstock => t.alert_overstock,
    }
}

/// Choices of a closed set of codes with labels (first: `none`).
pub(super) fn code_choices<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
    none: Option<&str>,
) -> Vec<Choice> {
    let mut out = Vec::new();
    if let Some(none) = none {
        out.push(Choice {
            value: String::new(),
            label: none.to_owned(),
            selected: selected.is_empty(),
        });
    }
    out.extend(all.iter().map(|v| Choice {
        value: code(*v).to_owned(),
        label: label(*v).to_owned(),
        selected: code(*v) == selected,
    }));
    out
}

/// A 303 target with a fixed notice code.
pub(super) fn done(path: &str, code: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}done={code}")
}

/// The notice of a `?done=` code on the inventory pages (a fixed set: nothing the client
/// sends is echoed).
pub(super) fn notice(t: &'static InvTr, code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "received" => t.notice_received,
        "applied" => t.notice_applied,
        "pending" => t.notice_pending,
        "approved" => t.notice_approved,
        "rejected" => t.notice_rejected,
        "saved" => t.notice_saved,
        "created" => t.notice_created,
        "dispatched" => t.notice_dispatched,
        "cancelled" => t.notice_cancelled,
        "counted" => t.notice_counted,
        "posted" => t.notice_posted,
        "acknowledged" => t.notice_acknowledged,
        "backorder" => t.notice_backorder,
        _ => return None,
    })
}
