//! Stocktakes: the list with an open form (location, optional SKU codes for a cycle
//! count), and the detail page: a count input per line, CSV upload of counts
//! (`sku_code,counted`, pasted or read from a file into the form as on the catalogue
//! import page) with its row-by-row error report, post, cancel, and the variance report
//! (snapshot, movements during the count, expected, counted, variance and its value).

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::inventory::{self as inv, CountInput, CountRowError, Stocktake, StocktakeInput};
use omnihub_app::{Error, FieldError};
use omnihub_domain::catalog::SkuId;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{StocktakeId, StocktakeStatus};

use super::super::catalog::{Choice, choose_merchant, opt_id};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::adjustments::minor;
use super::{InvTr, Locations, done, notice, stocktake_status_label};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The open form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct OpenForm {
    pub location: String,
    pub skus: String,
    pub note: String,
}

/// A stocktake in the list.
pub struct StocktakeRow {
    pub id: String,
    pub location: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "inventory/stocktakes.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<StocktakeRow>,
    next: Option<String>,
    form: OpenForm,
    locations: Vec<Choice>,
    errors: FieldErrors,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    cursor: Option<String>,
    entered: Option<(OpenForm, FieldErrors)>,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let cursor = cursor.filter(|c| !c.is_empty());
    let loaded = async {
        let page = inv::list_stocktakes(app, actor, merchant, None, None, cursor, Some(50)).await?;
        Ok::<_, Error>((page, Locations::load(state, actor, merchant).await?))
    };
    let (page, locations) = match loaded.await {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.inv;
    let rows = page
        .items
        .iter()
        .map(|s| StocktakeRow {
            id: s.id.to_string(),
            location: locations.code(s.location_id),
            status: stocktake_status_label(t, s.status),
            status_code: s.status.code(),
            created: when(s.created_at),
        })
        .collect();
    let status = if entered.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (form, errors) = entered.unwrap_or_default();
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        rows,
        next: page
            .next_cursor
            .map(|c| format!("/admin/inventory/stocktakes?cursor={c}")),
        locations: locations.choices(&form.location, None),
        form,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The stocktake list with the open form.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    list_view(&state, &user, ctx, merchant, query.cursor, None).await
}

/// The SKU ids of a cycle count's codes (separated by commas, spaces or lines); none when
/// blank (every SKU stocked there); a field error naming unknown codes.
async fn cycle_skus(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    raw: &str,
) -> Result<Option<Vec<SkuId>>, Error> {
    let codes: Vec<String> = raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    if codes.is_empty() {
        return Ok(None);
    }
    let found = inv::skus_by_code(&state.app, &user.actor, merchant, &codes).await?;
    let unknown: Vec<&str> = codes
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    if !unknown.is_empty() {
        let message = format!("no SKU has these codes: {}", unknown.join(", "));
        return Err(Error::Validation(vec![FieldError::new(
            "sku_codes",
            "unknown",
            message,
        )]));
    }
    Ok(Some(found.into_iter().flatten().map(|s| s.id).collect()))
}

/// Opens a stocktake and shows it.
pub(super) async fn open(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let body = FormBody::parse(&body);
    let form = OpenForm {
        location: body.value("location_id"),
        skus: body.value("sku_codes"),
        note: body.value("note"),
    };
    let result = match cycle_skus(&state, &user, merchant, &form.skus).await {
        Ok(sku_ids) => {
            let input = StocktakeInput {
                location_id: opt_id(Some(&form.location)),
                sku_ids,
                note: Some(form.note.clone()),
            };
            inv::open_stocktake(&state.app, &user.actor, merchant, input).await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(s) => see_other(&done(
            &format!("/admin/inventory/stocktakes/{}", s.id),
            "created",
        )),
        Err(Error::Validation(fields)) => {
            list_view(
                &state,
                &user,
                ctx,
                merchant,
                None,
                Some((form, FieldErrors::of(fields))),
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A line of the variance report.
pub struct ReportLine {
    pub sku_id: String,
    pub sku_code: String,
    pub snapshot: i64,
    pub movements: String,
    pub expected: String,
    pub counted: String,
    pub variance: String,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "inventory/stocktake.html")]
struct DetailPage {
    ctx: PageContext,
    id: String,
    location: String,
    status: &'static str,
    status_code: &'static str,
    note: String,
    created: String,
    posted: String,
    lines: Vec<ReportLine>,
    net_variance: i64,
    net_value: String,
    uncounted: usize,
    open: bool,
    csv: String,
    csv_errors: Vec<CountRowError>,
    message: Option<String>,
    notice: Option<&'static str>,
}

/// What the detail page shows besides the stocktake.
#[derive(Default)]
struct Extra {
    csv: String,
    csv_errors: Vec<CountRowError>,
    line_errors: HashMap<String, String>,
    message: Option<String>,
    notice: Option<&'static str>,
    status: Option<StatusCode>,
}

async fn detail_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    s: Stocktake,
    mut extra: Extra,
) -> Response {
    let locations = match Locations::load(state, &user.actor, merchant).await {
        Ok(l) => l,
        Err(err) => return app_error(ctx, err),
    };
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let lines = s
        .lines
        .iter()
        .map(|l| ReportLine {
            sku_id: l.sku_id.to_string(),
            sku_code: l.sku_code.clone(),
            snapshot: l.snapshot,
            movements: opt(l.variance.map(|v| v.movements_during_count)),
            expected: opt(l.variance.map(|v| v.expected)),
            counted: opt(l.variance.map(|v| v.counted)),
            variance: opt(l.variance.map(|v| v.variance)),
            value: l.value_minor.map(minor).unwrap_or_default(),
            error: extra.line_errors.remove(&l.sku_id.to_string()),
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        id: s.id.to_string(),
        location: locations.code(s.location_id),
        status: stocktake_status_label(ctx.t.inv, s.status),
        status_code: s.status.code(),
        note: s.note.clone().unwrap_or_default(),
        created: when(s.created_at),
        posted: s.posted_at.map(when).unwrap_or_default(),
        net_variance: s.net_variance,
        net_value: minor(s.net_value_minor),
        uncounted: s.uncounted,
        open: s.status == StocktakeStatus::Open,
        lines,
        csv: extra.csv,
        csv_errors: extra.csv_errors,
        message: extra.message,
        notice: extra.notice,
        ctx,
    };
    render(extra.status.unwrap_or(StatusCode::OK), &nonce, &page)
}

/// One stocktake: counts, CSV import, actions and the variance report.
pub(super) async fn detail(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let found = match parse_id::<StocktakeId>(&raw, "stocktake") {
        Ok(id) => inv::variance_report(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match found {
        Ok(s) => {
            let extra = Extra {
                notice: notice(ctx.t.inv, query.done.as_deref()),
                ..Extra::default()
            };
            detail_view(&state, &user, ctx, merchant, s, extra).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// The counts of the count form (`sku_id` and `counted` repeated; blank rows left out),
/// or the errors of the rows that are not whole numbers, by SKU id.
fn counts_of(
    form: &FormBody,
    t: &super::InvTr,
) -> Result<Vec<CountInput>, HashMap<String, String>> {
    let mut out = Vec::new();
    let mut errors = HashMap::new();
    for (sku, raw) in form
        .values("sku_id")
        .into_iter()
        .zip(form.values("counted"))
    {
        if raw.trim().is_empty() {
            continue;
        }
        match (sku.parse::<SkuId>(), raw.trim().parse::<i64>()) {
            (Ok(sku_id), Ok(counted)) => out.push(CountInput { sku_id, counted }),
            _ => {
                errors.insert(sku, t.whole_number.to_owned());
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Records counts, imports CSV counts, posts or cancels a stocktake.
pub(super) async fn act(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let id = match parse_id::<StocktakeId>(&raw, "stocktake") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let mut extra = Extra::default();
    let result = run(
        &state,
        &user,
        merchant,
        (id, &action),
        &form,
        ctx.t.inv,
        &mut extra,
    )
    .await;
    match result {
        Ok(code) => return see_other(&done(&format!("/admin/inventory/stocktakes/{id}"), code)),
        Err(Error::Conflict { message, .. }) => {
            (extra.status, extra.message) = (Some(StatusCode::CONFLICT), Some(message));
        }
        Err(Error::Validation(fields)) => {
            extra.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
            let rest: Vec<String> = FieldErrors::of(fields).all();
            extra.message = Some(rest.join("; ")).filter(|m| !m.is_empty());
        }
        Err(err) => return app_error(ctx, err),
    }
    match inv::variance_report(&state.app, &user.actor, merchant, id).await {
        Ok(s) => detail_view(&state, &user, ctx, merchant, s, extra).await,
        Err(err) => app_error(ctx, err),
    }
}

/// Runs one action of the detail page; what the page should show besides a refusal goes
/// into `extra` (the pasted CSV and its report, errors beside count inputs).
async fn run(
    state: &AppState,
    user: &ConsoleUser,
    merchant: MerchantId,
    (id, action): (StocktakeId, &str),
    form: &FormBody,
    t: &InvTr,
    extra: &mut Extra,
) -> Result<&'static str, Error> {
    let (app, actor) = (&state.app, &user.actor);
    match action {
        "counts" => match counts_of(form, t) {
            Ok(counts) => {
                let outcome = inv::enter_counts(app, actor, merchant, id, &counts).await;
                if let Err(Error::Validation(fields)) = &outcome {
                    extra.line_errors = count_errors(&counts, fields);
                }
                outcome.map(|_| "counted")
            }
            Err(errors) => {
                extra.line_errors = errors;
                Err(Error::Validation(Vec::new()))
            }
        },
        "import" => {
            extra.csv = form.value("csv");
            match inv::import_counts_csv(app, actor, merchant, id, extra.csv.as_bytes()).await {
                Ok(report) if report.errors.is_empty() => Ok("counted"),
                Ok(report) => {
                    extra.csv_errors = report.errors;
                    Err(Error::Validation(Vec::new()))
                }
                Err(err) => Err(err),
            }
        }
        "post" => inv::post_stocktake(app, actor, merchant, id)
            .await
            .map(|_| "posted"),
        "cancel" => inv::cancel_stocktake(app, actor, merchant, id)
            .await
            .map(|_| "cancelled"),
        _ => Err(Error::NotFound { entity: "page" }),
    }
}

/// The use case's `counts[i].counted` errors by SKU id.
fn count_errors(counts: &[CountInput], fields: &[FieldError]) -> HashMap<String, String> {
    fields
        .iter()
        .filter_map(|f| {
            let i: usize = f
                .field
                .strip_prefix("counts[")?
                .split_once(']')?
                .0
                .parse()
                .ok()?;
            Some((counts.get(i)?.sku_id.to_string(), f.message.clone()))
        })
        .collect()
}
