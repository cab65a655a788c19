//! The channel page: settings (inline field errors on a 422), status moves, credentials
//! status and rotation (a generated secret shown once, on the response to the rotation),
//! and the linked locations (add, change priority, remove).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::channels::{self, ChannelLocation, CredentialsInput, LinkInput, StatusAction};
use omnihub_app::inventory::{self as inv, LocationQuery};
use omnihub_domain::channels::{ChannelId, ChannelStatus};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::LocationId;

use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, see_other};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::target;
use super::{ChannelForm, Opt, kind_label, kind_opts, platform_label, platform_opts, status_label};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The channel as the page shows it.
pub struct ChannelView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub kind: &'static str,
    pub platform: &'static str,
    pub webhook: String,
    pub token: String,
    pub open: bool,
    pub can_pause: bool,
    pub can_resume: bool,
}

/// A linked location row.
pub struct LinkRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub priority: u16,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "channels/detail.html")]
struct DetailPage {
    ctx: PageContext,
    c: ChannelView,
    form: ChannelForm,
    kinds: Vec<Opt>,
    platforms: Vec<Opt>,
    errors: FieldErrors,
    messages: Vec<String>,
    notice: Option<&'static str>,
    new_secret: Option<String>,
    links: Vec<LinkRow>,
    addable: Vec<Opt>,
}

/// What a handler adds to the page: entered values with their errors, a notice, a new secret.
#[derive(Default)]
pub(super) struct Extra {
    pub form: Option<(ChannelForm, FieldErrors)>,
    pub messages: Vec<String>,
    pub notice: Option<&'static str>,
    pub new_secret: Option<String>,
}

fn credential(t: &super::ChannelsTr, set: bool, hint: Option<&String>) -> String {
    match (set, hint) {
        (true, Some(h)) => format!("{} · …{h}", t.is_set),
        (true, None) => t.is_set.to_owned(),
        (false, _) => t.not_set.to_owned(),
    }
}

/// Renders the channel page.
pub(super) async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    id: ChannelId,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let (app, actor) = (&state.app, &user.actor);
    let loaded = match channels::get_channel(app, actor, merchant, id).await {
        Ok(c) => channels::list_locations(app, actor, merchant, id)
            .await
            .map(|l| (c, l)),
        Err(e) => Err(e),
    };
    let (c, links) = match loaded {
        Ok(v) => v,
        Err(err) => return app_error(ctx, err),
    };
    // Choosing a location needs inventory.read; without it the add form offers nothing.
    let locations = inv::list_locations(
        app,
        actor,
        merchant,
        LocationQuery {
            active: Some(true),
            ..LocationQuery::default()
        },
    )
    .await
    .unwrap_or_default();
    let t = ctx.t.ch;
    let addable = locations
        .iter()
        .filter(|l| !links.iter().any(|k| k.location_id == l.id))
        .map(|l| Opt {
            value: l.id.to_string(),
            label: format!("{} · {}", l.code, l.name),
            selected: false,
        })
        .collect();
    let view = ChannelView {
        id: c.id.to_string(),
        code: c.code.to_string(),
        name: c.name.to_string(),
        status: status_label(t, c.status),
        status_code: c.status.code(),
        kind: kind_label(t, c.kind),
        platform: platform_label(t, c.platform),
        webhook: credential(
            t,
            c.credentials.webhook_secret_set,
            c.credentials.webhook_secret_hint.as_ref(),
        ),
        token: credential(
            t,
            c.credentials.api_token_set,
            c.credentials.api_token_hint.as_ref(),
        ),
        open: c.status != ChannelStatus::Archived,
        can_pause: c.status == ChannelStatus::Active,
        can_resume: c.status == ChannelStatus::Paused,
    };
    let (form, errors) = extra
        .form
        .unwrap_or_else(|| (ChannelForm::of(&c), FieldErrors::none()));
    let (kinds, platforms) = (
        kind_opts(t, &form.kind, None),
        platform_opts(t, &form.platform),
    );
    let links = links.iter().map(link_row).collect();
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        c: view,
        form,
        kinds,
        platforms,
        errors,
        links,
        addable,
        ctx,
        messages: extra.messages,
        notice: extra.notice,
        new_secret: extra.new_secret,
    };
    let shown = page.new_secret.is_some();
    no_store(render(status, &nonce, &page), shown)
}

/// A page that shows a secret once must not be kept by any cache.
fn no_store(mut response: Response, secret_shown: bool) -> Response {
    if secret_shown {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn link_row(l: &ChannelLocation) -> LinkRow {
    LinkRow {
        id: l.location_id.to_string(),
        code: l.code.clone(),
        name: l.name.clone(),
        priority: l.priority.get(),
        active: l.active,
    }
}

fn done_notice(t: &super::ChannelsTr, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "saved" => Some(t.notice_saved),
        "status" => Some(t.notice_status),
        "removed" => Some(t.notice_removed),
        _ => None,
    }
}

/// The channel page.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let extra = Extra {
        notice: done_notice(ctx.t.ch, q.done.as_deref()),
        ..Extra::default()
    };
    view(&state, &user, ctx, merchant, id, extra, StatusCode::OK).await
}

/// Saves the settings form.
pub(super) async fn update(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let form = ChannelForm::parse(&FormBody::parse(&body));
    match channels::update_channel(&state.app, &user.actor, merchant, id, form.patch()).await {
        Ok(_) => see_other(&format!("/admin/channels/{id}?done=saved")),
        Err(Error::Validation(fields)) => {
            let extra = Extra {
                form: Some((form, FieldErrors::of(fields))),
                ..Extra::default()
            };
            view(
                &state,
                &user,
                ctx,
                merchant,
                id,
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Pauses, resumes or archives the channel; an illegal move is the 409 page.
pub(super) async fn change_status(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, action)): Path<(String, String)>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let result = match StatusAction::parse(&action) {
        Ok(a) => channels::change_status(&state.app, &user.actor, merchant, id, a).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other(&format!("/admin/channels/{id}?done=status")),
        Err(err) => app_error(ctx, err),
    }
}

/// Replaces the credentials: `generate` asks for a new random webhook secret, shown on
/// the page this response renders and never again; blank fields change nothing.
pub(super) async fn rotate(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, &raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let f = FormBody::parse(&body);
    let input = CredentialsInput {
        webhook_secret: f.optional("webhook_secret"),
        generate_webhook_secret: f.checked("generate"),
        api_token: f.optional("api_token").map(Some),
    };
    match channels::rotate_credentials(&state.app, &user.actor, merchant, id, input).await {
        Ok(done) => {
            let extra = Extra {
                new_secret: done.generated_webhook_secret,
                notice: Some(ctx.t.ch.notice_saved),
                ..Extra::default()
            };
            view(&state, &user, ctx, merchant, id, extra, StatusCode::OK).await
        }
        Err(Error::Validation(fields)) => {
            let extra = Extra {
                messages: FieldErrors::of(fields).all(),
                ..Extra::default()
            };
            view(
                &state,
                &user,
                ctx,
                merchant,
                id,
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Applies `edit` to the current links and saves them.
async fn edit_links(
    state: AppState,
    user: ConsoleUser,
    ctx: PageContext,
    raw: &str,
    edit: impl FnOnce(&mut Vec<LinkInput>),
) -> Response {
    let ctx = ctx.signed_in(&user);
    let (merchant, id) = match target(&user, &ctx, raw) {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let (app, actor) = (&state.app, &user.actor);
    let result = match channels::list_locations(app, actor, merchant, id).await {
        Ok(current) => {
            let mut links: Vec<LinkInput> = current
                .iter()
                .map(|l| LinkInput {
                    location_id: l.location_id,
                    priority: Some(i64::from(l.priority.get())),
                })
                .collect();
            edit(&mut links);
            channels::set_locations(app, actor, merchant, id, &links).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other(&format!("/admin/channels/{id}?done=saved")),
        Err(Error::Validation(fields)) => {
            let extra = Extra {
                messages: FieldErrors::of(fields).all(),
                ..Extra::default()
            };
            view(
                &state,
                &user,
                ctx,
                merchant,
                id,
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// A priority as typed; anything else becomes 0, which the app refuses with its range.
fn priority(f: &FormBody) -> Option<i64> {
    f.optional("priority")
        .map(|p| p.trim().parse().unwrap_or(0))
}

/// Links one more location.
pub(super) async fn add_location(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let f = FormBody::parse(&body);
    let Ok(location) = f.value("location_id").parse::<LocationId>() else {
        let ctx = ctx.signed_in(&user);
        return app_error(
            ctx,
            Error::invalid("location_id", "required", "choose a location"),
        );
    };
    let p = priority(&f);
    edit_links(state, user, ctx, &raw, move |links| {
        let next = links.iter().filter_map(|l| l.priority).max().unwrap_or(0) + 1;
        links.push(LinkInput {
            location_id: location,
            priority: Some(p.unwrap_or(next)),
        });
    })
    .await
}

/// Changes a linked location's priority.
pub(super) async fn set_priority(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, location)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let p = priority(&FormBody::parse(&body));
    edit_links(state, user, ctx, &raw, move |links| {
        for l in links
            .iter_mut()
            .filter(|l| l.location_id.to_string() == location)
        {
            l.priority = p;
        }
    })
    .await
}

/// Unlinks a location.
pub(super) async fn remove_location(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path((raw, location)): Path<(String, String)>,
) -> Response {
    edit_links(state, user, ctx, &raw, move |links| {
        links.retain(|l| l.location_id.to_string() != location);
    })
    .await
}
