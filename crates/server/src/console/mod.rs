//! The admin console at `/admin`: server-rendered askama pages with htmx, calling the same
//! use cases as the API. Every page is rendered with a fresh CSP nonce and in the user's
//! language (cookie, else `Accept-Language`, else Chinese).

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use crate::state::AppState;

mod access_requests;
mod account;
mod api_keys;
mod audit;
mod auth;
mod catalog;
mod channels;
mod dashboard;
mod forms;
mod fulfilment;
pub mod i18n;
mod inventory;
pub mod invoices;
mod merchants;
mod orders;
mod outbox;
mod roles;
pub mod session;
mod setup;
pub mod shipments;
mod system;
mod users;

use i18n::{Lang, Tr};

/// The cookie holding the chosen console language.
pub const LANG_COOKIE: &str = "omnihub_lang";

/// Console routes, mounted under `/admin`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/system", get(system::status_page))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route(
            "/login/mfa",
            get(account::mfa_step_page).post(account::mfa_step_submit),
        )
        .route("/setup", get(setup::page).post(setup::submit))
        .route("/account", get(account::show))
        .route("/account/mfa/enrol", post(account::enrol))
        .route("/account/mfa/confirm", post(account::confirm))
        .route("/account/password", post(account::change_password))
        .route("/account/logout-all", post(account::logout_everywhere))
        .route("/lang/{tag}", get(auth::switch_language))
        .route("/audit", get(audit::list_page))
        .route("/audit/verify", get(audit::verify_partial))
        .route("/audit/export.csv", get(audit::export_csv))
        .route("/api-keys", get(api_keys::list_page).post(api_keys::create))
        .route("/api-keys/{id}/revoke", post(api_keys::revoke))
        .route("/users", get(users::list_page).post(users::create))
        .route("/users/{id}", get(users::detail))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/request-role", post(users::request_role))
        .route("/roles", get(roles::list_page).post(roles::create))
        .route("/roles/{id}", get(roles::detail))
        .route(
            "/roles/{id}/request-permissions",
            post(roles::request_permissions),
        )
        .route("/access-requests", get(access_requests::page))
        .route(
            "/access-requests/{id}/approve",
            post(access_requests::approve),
        )
        .route(
            "/access-requests/{id}/reject",
            post(access_requests::reject),
        )
        .route(
            "/merchants",
            get(merchants::list_page).post(merchants::create),
        )
        .route("/merchants/leave", post(merchants::leave))
        .route("/merchants/{id}", get(merchants::detail))
        .route("/merchants/{id}/owner", post(merchants::create_owner))
        .route("/merchants/{id}/act", post(merchants::act))
        .merge(catalog::router())
        .merge(inventory::router())
        .merge(channels::router())
        .merge(orders::router())
        .merge(shipments::router())
        .merge(fulfilment::router())
        .merge(outbox::router())
        .route("/invoices/{id}/print", get(invoices::print_page))
        .fallback(not_found)
        .layer(from_fn(session::csrf_guard))
}

/// What every page's layout needs: language, strings, CSP nonce, active section.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The page's language.
    pub lang: Lang,
    /// Its strings.
    pub t: &'static Tr,
    /// Nonce for the page's inline script and style elements.
    pub nonce: String,
    /// The request path (for the language switcher's return address).
    pub path: String,
    /// Cache-busting versions of the assets.
    pub assets: AssetVersions,
    /// The CSRF token of the current session (empty when signed out); the layout sends it
    /// with every htmx request and forms include it.
    pub csrf: String,
    /// The signed-in user's email, once a handler has identified them.
    pub user_label: Option<String>,
}

/// Content hashes of the assets the layout links.
#[derive(Debug, Clone)]
pub struct AssetVersions {
    /// console.css
    pub css: String,
    /// console.js
    pub js: String,
    /// vendor/htmx.min.js
    pub htmx: String,
    /// vendor/echarts.min.js
    pub echarts: String,
}

impl PageContext {
    /// Every language, for the switcher.
    pub fn languages(&self) -> [Lang; 2] {
        Lang::ALL
    }

    /// The context for a page shown to a signed-in user.
    pub fn signed_in(mut self, user: &session::ConsoleUser) -> Self {
        self.user_label = Some(user.user.email.clone());
        self.csrf = user.csrf.clone();
        self
    }
}

impl FromRequestParts<AppState> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = jar
            .get(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::ZhCn);
        let nonce: [u8; 16] = omnihub_app::entropy::random_bytes(state.app.entropy.as_ref());
        let csrf = jar
            .get(session::SESSION_COOKIE)
            .map(|c| session::csrf_token(c.value()))
            .unwrap_or_default();
        Ok(Self {
            lang,
            t: lang.tr(),
            nonce: hex::encode(nonce),
            path: parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.path().to_owned(), |u| u.0.path().to_owned()),
            assets: AssetVersions {
                css: crate::assets::version("console.css"),
                js: crate::assets::version("console.js"),
                htmx: crate::assets::version("vendor/htmx.min.js"),
                echarts: crate::assets::version("vendor/echarts.min.js"),
            },
            csrf,
            user_label: None,
        })
    }
}

/// Renders a page with its status and a strict, nonce-based Content-Security-Policy.
pub fn render(status: StatusCode, nonce: &str, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let csp = format!(
                "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}' 'unsafe-inline'; \
                 img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
            );
            if let Ok(csp) = HeaderValue::from_str(&csp) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            response
        }
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "console template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>")).into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    ctx: PageContext,
}

async fn not_found(ctx: PageContext) -> Response {
    let nonce = ctx.nonce.clone();
    render(StatusCode::NOT_FOUND, &nonce, &NotFoundPage { ctx })
}
