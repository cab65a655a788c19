//! Console pages for shipment tracking (issue 7, FUL-5; docs/adr/0021): the shipment list
//! (status filter, search by tracking or order number), the shipment page with its event
//! timeline and a form to add an event by hand, the carrier accounts (create, set the
//! webhook secret), the tracking CSV import with its per-line report, and the shopper's
//! public tracking page at `/track` (the console's look, no navigation). Every page calls
//! `omnihub_app::fulfilment` — the same use cases as the API — which checks permissions.
//! The strings live here, in both languages, like the invoice pages'.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use omnihub_app::Error;
use omnihub_app::fulfilment::{
    self as ful, Carrier, EventReport, ManualEvent, PublicTracking, ShipmentDetail, ShipmentQuery,
    TrackedShipment,
};
use omnihub_domain::fulfilment::tracking::{EventKind, ShipmentStatus};
use uuid::Uuid;

use super::catalog::{Choice, choose_merchant};
use super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other, when};
use super::i18n::Lang;
use super::session::ConsoleUser;
use super::{PageContext, render};
use crate::extract::Client;
use crate::state::AppState;

/// The tracking routes (relative to `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/shipments", get(list_page))
        .route("/shipments/{id}", get(detail_page))
        .route("/shipments/{id}/events", post(add_event))
        .route("/carriers", get(carriers_page).post(create_carrier))
        .route("/carriers/{id}/secret", post(set_secret))
        .route("/tracking/import", get(import_page).post(import_submit))
}

/// The tracking pages' words.
#[derive(Debug)]
pub struct ShipTr {
    pub nav_section: &'static str,
    pub nav_shipments: &'static str,
    pub nav_carriers: &'static str,
    pub nav_import: &'static str,
    pub shipments: &'static str,
    pub shipment: &'static str,
    pub order: &'static str,
    pub carrier: &'static str,
    pub service: &'static str,
    pub tracking_number: &'static str,
    pub status: &'static str,
    pub all: &'static str,
    pub search: &'static str,
    pub filter: &'static str,
    pub shipped_at: &'static str,
    pub last_event: &'static str,
    pub none: &'static str,
    pub next_page: &'static str,
    pub events: &'static str,
    pub no_events: &'static str,
    pub event: &'static str,
    pub occurred_at: &'static str,
    pub occurred_hint: &'static str,
    pub location: &'static str,
    pub description: &'static str,
    pub source: &'static str,
    pub recorded_only: &'static str,
    pub add_event: &'static str,
    pub event_added: &'static str,
    pub carriers: &'static str,
    pub code: &'static str,
    pub name: &'static str,
    pub secret: &'static str,
    pub secret_hint: &'static str,
    pub no_secret: &'static str,
    pub webhook: &'static str,
    pub create: &'static str,
    pub set_secret: &'static str,
    pub saved: &'static str,
    pub import: &'static str,
    pub import_hint: &'static str,
    pub csv_text: &'static str,
    pub run_import: &'static str,
    pub report: &'static str,
    pub line: &'static str,
    pub outcome: &'static str,
    pub problems: &'static str,
    pub track_title: &'static str,
    pub track_hint: &'static str,
    pub contact: &'static str,
    pub track: &'static str,
    pub track_not_found: &'static str,
    pub track_busy: &'static str,
    pub order_status: &'static str,
    pub statuses: [&'static str; ShipmentStatus::ALL.len()],
    pub kinds: [&'static str; EventKind::ALL.len()],
}

const EN: ShipTr = ShipTr {
    nav_section: "Tracking",
    nav_shipments: "Shipments",
    nav_carriers: "Carriers",
    nav_import: "Import tracking",
    shipments: "Shipments",
    shipment: "Shipment",
    order: "Order",
    carrier: "Carrier",
    service: "Service",
    tracking_number: "Tracking number",
    status: "Status",
    all: "All",
    search: "Tracking or order number",
    filter: "Filter",
    shipped_at: "Shipped",
    last_event: "Last event",
    none: "Nothing here yet.",
    next_page: "Next page",
    events: "Tracking events",
    no_events: "No tracking event yet.",
    event: "Event",
    occurred_at: "When",
    occurred_hint: "RFC 3339, e.g. 2026-12-01T10:00:00Z; empty for now",
    location: "Location",
    description: "Description",
    source: "Source",
    recorded_only: "recorded only",
    add_event: "Add event",
    event_added: "Event added.",
    carriers: "Carriers",
    code: "Code",
    name: "Name",
    secret: "Webhook secret",
    secret_hint: "ends in",
    no_secret: "not set",
    webhook: "Webhook URL",
    create: "Add carrier",
    set_secret: "Set secret",
    saved: "Saved.",
    import: "Import tracking",
    import_hint: "Columns: carrier,tracking_number,event,occurred_at,location,description,event_id. Rows with problems or unknown tracking numbers change nothing.",
    csv_text: "CSV",
    run_import: "Import",
    report: "Report",
    line: "Line",
    outcome: "Outcome",
    problems: "Problems",
    track_title: "Track your order",
    track_hint: "Enter your order number and the e-mail or phone number you ordered with.",
    contact: "E-mail or phone",
    track: "Track",
    track_not_found: "We found no order with that number and contact.",
    track_busy: "Too many attempts. Please try again later.",
    order_status: "Order status",
    statuses: [
        "Shipped",
        "In transit",
        "Out for delivery",
        "Delivered",
        "Exception",
    ],
    kinds: [
        "Picked up",
        "In transit",
        "Out for delivery",
        "Delivered",
        "Exception",
    ],
};

const ZH: ShipTr = ShipTr {
    nav_section: "物流跟踪",
    nav_shipments: "包裹",
    nav_carriers: "承运商",
    nav_import: "导入物流轨迹",
    shipments: "包裹",
    shipment: "包裹",
    order: "订单",
    carrier: "承运商",
    service: "服务",
    tracking_number: "运单号",
    status: "状态",
    all: "全部",
    search: "运单号或订单号",
    filter: "筛选",
    shipped_at: "发货时间",
    last_event: "最新轨迹",
    none: "暂无数据。",
    next_page: "下一页",
    events: "物流轨迹",
    no_events: "暂无物流轨迹。",
    event: "事件",
    occurred_at: "时间",
    occurred_hint: "RFC 3339 格式，如 2026-12-01T10:00:00Z；留空为当前时间",
    location: "地点",
    description: "描述",
    source: "来源",
    recorded_only: "仅记录",
    add_event: "添加轨迹",
    event_added: "已添加轨迹。",
    carriers: "承运商",
    code: "代码",
    name: "名称",
    secret: "Webhook 密钥",
    secret_hint: "末四位",
    no_secret: "未设置",
    webhook: "Webhook 地址",
    create: "添加承运商",
    set_secret: "设置密钥",
    saved: "已保存。",
    import: "导入物流轨迹",
    import_hint: "列：carrier,tracking_number,event,occurred_at,location,description,event_id。有问题或运单号未知的行不会改变任何数据。",
    csv_text: "CSV",
    run_import: "导入",
    report: "导入报告",
    line: "行",
    outcome: "结果",
    problems: "问题",
    track_title: "查询物流",
    track_hint: "请输入订单号以及下单时使用的邮箱或手机号。",
    contact: "邮箱或手机号",
    track: "查询",
    track_not_found: "未找到与该订单号和联系方式匹配的订单。",
    track_busy: "尝试次数过多，请稍后再试。",
    order_status: "订单状态",
    statuses: ["已发货", "运输中", "派送中", "已签收", "异常"],
    kinds: ["已揽收", "运输中", "派送中", "已签收", "异常"],
};

impl Lang {
    /// The tracking pages' words in this language (also used by the layout's navigation).
    pub fn ship(self) -> &'static ShipTr {
        match self {
            Self::ZhCn => &ZH,
            Self::En => &EN,
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn status_label(t: &ShipTr, s: ShipmentStatus) -> &'static str {
    let i = ShipmentStatus::ALL.iter().position(|x| *x == s);
    i.and_then(|i| t.statuses.get(i).copied())
        .unwrap_or_default()
}

fn kind_label(t: &ShipTr, k: EventKind) -> &'static str {
    let i = EventKind::ALL.iter().position(|x| *x == k);
    i.and_then(|i| t.kinds.get(i).copied()).unwrap_or_default()
}

/// A shipment as the list and the page show it.
pub struct Row {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub shipped_at: String,
    pub last_event_at: String,
}

fn row(t: &ShipTr, s: &TrackedShipment) -> Row {
    Row {
        id: s.id.to_string(),
        order_id: s.order_id.to_string(),
        order_number: s.order_number.clone(),
        carrier: s.carrier.clone(),
        service: s.service.clone().unwrap_or_default(),
        tracking_number: s.tracking_number.clone().unwrap_or_default(),
        status: s.status.code(),
        status_label: status_label(t, s.status),
        shipped_at: when(s.shipped_at),
        last_event_at: s.last_event_at.map(when).unwrap_or_default(),
    }
}

/// An event as the pages show it.
pub struct EventRow {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub at: String,
    pub location: String,
    pub description: String,
    pub source: String,
    pub applied: bool,
}

fn events(t: &ShipTr, d: &ShipmentDetail) -> Vec<EventRow> {
    d.events
        .iter()
        .map(|e| EventRow {
            kind: e.kind.code(),
            kind_label: kind_label(t, e.kind),
            at: when(e.occurred_at),
            location: e.location.clone().unwrap_or_default(),
            description: e.description.clone().unwrap_or_default(),
            source: e.source.clone(),
            applied: e.applied,
        })
        .collect()
}

fn status_choices(t: &ShipTr, selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: t.all.to_owned(),
        selected: selected.is_empty(),
    }];
    out.extend(ShipmentStatus::ALL.iter().map(|s| Choice {
        value: s.code().to_owned(),
        label: status_label(t, *s).to_owned(),
        selected: s.code() == selected,
    }));
    out
}

fn kind_choices(t: &ShipTr) -> Vec<Choice> {
    EventKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: kind_label(t, *k).to_owned(),
            selected: false,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "shipments/list.html")]
struct ListPage {
    ctx: PageContext,
    s: &'static ShipTr,
    rows: Vec<Row>,
    statuses: Vec<Choice>,
    q: String,
    next: Option<String>,
}

/// The shipment list's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

/// `GET /admin/shipments`.
async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Query(p): Query<ListQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let q = ShipmentQuery {
        status: p.status.clone(),
        q: p.q.clone(),
        cursor: p.cursor,
        ..ShipmentQuery::default()
    };
    let page = match ful::search_shipments(&state.app, &user.actor, merchant, &q).await {
        Ok(p) => p,
        Err(err) => return app_error(ctx, err),
    };
    let s = ctx.lang.ship();
    let status = p.status.unwrap_or_default();
    let query = format!(
        "status={}&q={}",
        enc(&status),
        enc(p.q.as_deref().unwrap_or_default())
    );
    let nonce = ctx.nonce.clone();
    let list = ListPage {
        rows: page.items.iter().map(|i| row(s, i)).collect(),
        statuses: status_choices(s, &status),
        q: p.q.unwrap_or_default(),
        next: page.next_cursor.map(|c| format!("{query}&cursor={c}")),
        s,
        ctx,
    };
    render(StatusCode::OK, &nonce, &list)
}

#[derive(Template)]
#[template(path = "shipments/detail.html")]
struct DetailPage {
    ctx: PageContext,
    s: &'static ShipTr,
    row: Row,
    events: Vec<EventRow>,
    kinds: Vec<Choice>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

fn detail_view(
    ctx: PageContext,
    d: &ShipmentDetail,
    notice: Option<&'static str>,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let s = ctx.lang.ship();
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        row: row(s, &d.shipment),
        events: events(s, d),
        kinds: kind_choices(s),
        notice,
        errors,
        s,
        ctx,
    };
    render(status, &nonce, &page)
}

/// `GET /admin/shipments/{id}`.
async fn detail_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let found = match parse_id::<Uuid>(&raw, "shipment") {
        Ok(id) => ful::shipment_detail(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    let notice = q.done.as_deref().map(|_| ctx.lang.ship().event_added);
    match found {
        Ok(d) => detail_view(ctx, &d, notice, FieldErrors::none(), StatusCode::OK),
        Err(err) => app_error(ctx, err),
    }
}

/// `POST /admin/shipments/{id}/events`: the manual event form.
async fn add_event(
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
    let id = match parse_id::<Uuid>(&raw, "shipment") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let input = ManualEvent {
        event: form.value("event"),
        occurred_at: form.optional("occurred_at"),
        location: form.optional("location"),
        description: form.optional("description"),
    };
    match ful::add_manual_event(&state.app, &user.actor, merchant, id, &input).await {
        Ok(_) => see_other(&format!("/admin/shipments/{id}?done=event")),
        Err(Error::Validation(fields)) => {
            match ful::shipment_detail(&state.app, &user.actor, merchant, id).await {
                Ok(d) => detail_view(
                    ctx,
                    &d,
                    None,
                    FieldErrors::of(fields),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(err) => app_error(ctx, err),
            }
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A carrier as its page shows it.
pub struct CarrierRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub hint: Option<String>,
    pub webhook: String,
}

impl From<Carrier> for CarrierRow {
    fn from(c: Carrier) -> Self {
        Self {
            webhook: format!("/api/v1/carriers/{}/webhooks", c.id),
            id: c.id.to_string(),
            code: c.code,
            name: c.name,
            hint: c.secret_hint,
        }
    }
}

#[derive(Template)]
#[template(path = "shipments/carriers.html")]
struct CarriersPage {
    ctx: PageContext,
    s: &'static ShipTr,
    carriers: Vec<CarrierRow>,
    notice: Option<&'static str>,
    errors: FieldErrors,
}

async fn carriers_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    (notice, errors, status): (Option<&'static str>, FieldErrors, StatusCode),
) -> Response {
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let list = match ful::list_carriers(&state.app, &user.actor, merchant).await {
        Ok(l) => l,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = CarriersPage {
        s: ctx.lang.ship(),
        carriers: list.into_iter().map(CarrierRow::from).collect(),
        notice,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// `GET /admin/carriers`.
async fn carriers_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Query(q): Query<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let notice = q.done.as_deref().map(|_| ctx.lang.ship().saved);
    carriers_view(
        &state,
        &user,
        ctx,
        (notice, FieldErrors::none(), StatusCode::OK),
    )
    .await
}

async fn carrier_result(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    result: Result<Carrier, Error>,
) -> Response {
    match result {
        Ok(_) => see_other("/admin/carriers?done=saved"),
        Err(Error::Validation(fields)) => {
            let shown = (
                None,
                FieldErrors::of(fields),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
            carriers_view(state, user, ctx, shown).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// `POST /admin/carriers`.
async fn create_carrier(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = FormBody::parse(&body);
    let secret = form.optional("secret");
    let result = ful::create_carrier(
        &state.app,
        &user.actor,
        merchant,
        &form.value("code"),
        &form.value("name"),
        secret.as_deref(),
    )
    .await;
    carrier_result(&state, &user, ctx, result).await
}

/// `POST /admin/carriers/{id}/secret`.
async fn set_secret(
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
    let secret = FormBody::parse(&body).value("secret");
    let result = match parse_id::<Uuid>(&raw, "carrier") {
        Ok(id) => ful::set_carrier_secret(&state.app, &user.actor, merchant, id, &secret).await,
        Err(err) => Err(err),
    };
    carrier_result(&state, &user, ctx, result).await
}

/// One line of the import report.
pub struct ReportRow {
    pub line: u64,
    pub tracking_number: String,
    pub outcome: &'static str,
    pub shipment_id: Option<String>,
    pub problems: Vec<String>,
}

fn report(r: Vec<EventReport>) -> Vec<ReportRow> {
    r.into_iter()
        .map(|e| ReportRow {
            line: e.position,
            tracking_number: e.tracking_number.unwrap_or_default(),
            outcome: e.outcome,
            shipment_id: e.shipment_id.map(|s| s.to_string()),
            problems: e
                .problems
                .into_iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "shipments/import.html")]
struct ImportPage {
    ctx: PageContext,
    s: &'static ShipTr,
    csv: String,
    report: Option<Vec<ReportRow>>,
    errors: FieldErrors,
}

fn import_view(
    ctx: PageContext,
    csv: String,
    report: Option<Vec<ReportRow>>,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let nonce = ctx.nonce.clone();
    let page = ImportPage {
        s: ctx.lang.ship(),
        csv,
        report,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// `GET /admin/tracking/import`.
async fn import_page(user: ConsoleUser, ctx: PageContext) -> Response {
    let ctx = ctx.signed_in(&user);
    if user.actor.merchant.is_none() {
        return choose_merchant(ctx);
    }
    import_view(
        ctx,
        String::new(),
        None,
        FieldErrors::none(),
        StatusCode::OK,
    )
}

/// `POST /admin/tracking/import`.
async fn import_submit(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let csv = FormBody::parse(&body).value("csv");
    match ful::import_tracking_csv(&state.app, &user.actor, merchant, csv.as_bytes()).await {
        Ok(r) => import_view(
            ctx,
            csv,
            Some(report(r)),
            FieldErrors::none(),
            StatusCode::OK,
        ),
        Err(Error::Validation(fields)) => import_view(
            ctx,
            csv,
            None,
            FieldErrors::of(fields),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => app_error(ctx, err),
    }
}

/// The shopper's page query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TrackQuery {
    order: Option<String>,
    contact: Option<String>,
}

/// A shipment as the shopper sees it.
pub struct PublicParcel {
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub status_label: &'static str,
    pub events: Vec<EventRow>,
}

#[derive(Template)]
#[template(path = "tracking/track.html")]
struct TrackPage {
    ctx: PageContext,
    s: &'static ShipTr,
    order: String,
    contact: String,
    number: String,
    order_status: String,
    parcels: Vec<PublicParcel>,
    message: Option<&'static str>,
}

fn parcels(s: &ShipTr, t: &PublicTracking) -> Vec<PublicParcel> {
    t.shipments
        .iter()
        .map(|d| PublicParcel {
            carrier: d.shipment.carrier.clone(),
            service: d.shipment.service.clone().unwrap_or_default(),
            tracking_number: d.shipment.tracking_number.clone().unwrap_or_default(),
            status_label: status_label(s, d.shipment.status),
            // The shopper sees what happened, when and where; not how it reached us.
            events: events(s, d)
                .into_iter()
                .map(|e| EventRow {
                    source: String::new(),
                    ..e
                })
                .collect(),
        })
        .collect()
}

/// `GET /track`: the shopper's tracking form and, when asked, what it found. Public;
/// the same look-up, answers and throttle as `GET /api/v1/track`.
pub async fn track_page(
    State(state): State<AppState>,
    Client(client): Client,
    ctx: PageContext,
    Query(q): Query<TrackQuery>,
) -> Response {
    let s = ctx.lang.ship();
    let (order, contact) = (q.order.unwrap_or_default(), q.contact.unwrap_or_default());
    let mut page = TrackPage {
        s,
        order: order.clone(),
        contact: contact.clone(),
        number: String::new(),
        order_status: String::new(),
        parcels: Vec::new(),
        message: None,
        ctx,
    };
    let mut status = StatusCode::OK;
    if !order.is_empty() || !contact.is_empty() {
        let addr = client.client_address.as_deref();
        match ful::track(&state.app, addr, &order, &contact).await {
            Ok(t) => {
                page.number = t.number.clone();
                page.order_status =
                    super::orders::status_label(page.ctx.t.ord, t.status).to_owned();
                page.parcels = parcels(s, &t);
            }
            Err(Error::TooManyAttempts { .. }) => {
                (status, page.message) = (StatusCode::TOO_MANY_REQUESTS, Some(s.track_busy));
            }
            Err(Error::NotFound { .. }) => {
                (status, page.message) = (StatusCode::NOT_FOUND, Some(s.track_not_found));
            }
            Err(err) => return app_error(page.ctx, err),
        }
    }
    let nonce = page.ctx.nonce.clone();
    render(status, &nonce, &page)
}
