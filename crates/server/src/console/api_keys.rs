//! Console page for API keys: list, create (showing the new key once) and revoke. Calls the
//! same use cases as `/api/v1/api-keys`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use omnihub_app::api_keys::{self, ApiKey, CreatedKey, KeyStatus, NewKeyInput};
use omnihub_domain::access::Scope;
use omnihub_domain::api_keys::ApiKeyId;

use super::session::ConsoleUser;
use super::{PageContext, Tr, render};
use crate::error::ApiError;
use crate::state::AppState;

/// The most keys listed on the page.
const PAGE_LIMIT: u32 = 500;

#[derive(Template)]
#[template(path = "api_keys/list.html")]
struct KeysPage {
    ctx: PageContext,
    owner: String,
    keys: Vec<KeyRow>,
    grantable: Vec<ScopeOption>,
    created: Option<String>,
    error: Option<String>,
    form_name: String,
}

struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: String,
    expires_at: String,
    last_used_at: String,
    status: &'static str,
    status_class: &'static str,
    active: bool,
}

struct ScopeOption {
    code: &'static str,
    description: &'static str,
}

impl KeyRow {
    fn new(key: ApiKey, now: Timestamp, t: &Tr) -> Self {
        let status = key.status(now);
        let (label, class) = match status {
            KeyStatus::Active => (t.api_key_status_active, "ok"),
            KeyStatus::Expired => (t.api_key_status_expired, "warn"),
            KeyStatus::Revoked => (t.api_key_status_revoked, "warn"),
        };
        let when =
            |ts: Option<Timestamp>| ts.map_or_else(|| t.api_key_never.to_owned(), format_time);
        Self {
            id: key.id.to_string(),
            name: key.name,
            prefix: format!("ohk_{}_…", key.prefix),
            scopes: key.scopes.codes().join(" "),
            created_at: format_time(key.created_at),
            expires_at: when(key.expires_at),
            last_used_at: when(key.last_used_at),
            status: label,
            status_class: class,
            active: status == KeyStatus::Active,
        }
    }
}

/// The status and message for a refused use case: a permission or scoping refusal, or an
/// outage (logged).
fn refusal(err: omnihub_app::Error, t: &Tr) -> (StatusCode, String) {
    use omnihub_app::Error as E;
    match err {
        E::Unavailable(_) | E::Internal(_) => {
            tracing::error!(error.cause_chain = ?err, "API keys page: use case failed");
            (StatusCode::SERVICE_UNAVAILABLE, t.unavailable.to_owned())
        }
        other => {
            let status = StatusCode::from_u16(ApiError::from(other).problem().status)
                .unwrap_or(StatusCode::FORBIDDEN);
            (status, t.api_key_forbidden.to_owned())
        }
    }
}

fn format_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The page: the actor's keys, the create form, and a new key or an error if any.
async fn page(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    created: Option<CreatedKey>,
    error: Option<(StatusCode, String)>,
    form_name: String,
) -> Response {
    let ctx = ctx.signed_in(user);
    let t = ctx.t;
    let now = state.app.now();
    let (status, keys, error) =
        match api_keys::list(&state.app, &user.actor, None, PAGE_LIMIT).await {
            Ok(keys) => {
                let (status, error) = error.map_or((StatusCode::OK, None), |(s, e)| (s, Some(e)));
                let rows = keys.into_iter().map(|k| KeyRow::new(k, now, t)).collect();
                (status, rows, error)
            }
            Err(err) => {
                let (status, message) = refusal(err, t);
                (status, Vec::new(), Some(message))
            }
        };
    let owner = user.actor.merchant.map_or_else(
        || t.api_keys_owner_platform.to_owned(),
        |m| format!("{} {m}", t.api_keys_owner_merchant),
    );
    let for_merchant = user.actor.merchant.is_some();
    let grantable = user
        .actor
        .permissions
        .iter()
        .filter(|p| !for_merchant || p.scope() == Scope::Merchant)
        .map(|p| ScopeOption {
            code: p.code(),
            description: p.description(),
        })
        .collect();
    let nonce = ctx.nonce.clone();
    let shown_once = created.is_some();
    let mut response = render(
        status,
        &nonce,
        &KeysPage {
            ctx,
            owner,
            keys,
            grantable,
            created: created.map(|c| c.secret),
            error,
            form_name,
        },
    );
    if shown_once {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `GET /admin/api-keys`.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    page(&state, &user, ctx, None, None, String::new()).await
}

/// `POST /admin/api-keys`: creates a key and shows it once.
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let name = field("name").unwrap_or_default();
    let days = field("expires_in_days");
    let expires_in_days = match days.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(d)) => Some(d),
        // Out of range on purpose, so the use case reports the field.
        Some(Err(_)) => Some(0),
    };
    let input = NewKeyInput {
        name: name.clone(),
        scopes: form
            .iter()
            .filter(|(k, _)| k == "scopes")
            .map(|(_, v)| v.clone())
            .collect(),
        expires_at: None,
        expires_in_days,
    };
    match api_keys::create(&state.app, &user.actor, input).await {
        Ok(created) => page(&state, &user, ctx, Some(created), None, String::new()).await,
        Err(omnihub_app::Error::Validation(fields)) => {
            let message = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ");
            let error = format!("{} {message}", ctx.t.api_key_refused);
            let error = Some((StatusCode::UNPROCESSABLE_ENTITY, error));
            page(&state, &user, ctx, None, error, name).await
        }
        Err(other) => {
            let error = Some(refusal(other, ctx.t));
            page(&state, &user, ctx, None, error, name).await
        }
    }
}

/// `POST /admin/api-keys/{id}/revoke`.
pub(super) async fn revoke(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<ApiKeyId>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match api_keys::revoke(&state.app, &user.actor, id).await {
        Ok(_) => Redirect::to("/admin/api-keys").into_response(),
        Err(err) => {
            let error = Some(refusal(err, ctx.t));
            page(&state, &user, ctx, None, error, String::new()).await
        }
    }
}
