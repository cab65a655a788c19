//! Console sign-in (password, then the TOTP step when enrolled), sign-out and the
//! language switch.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use omnihub_app::auth::{self, Channel};

use super::i18n::Lang;
use super::session::{ConsoleUser, clear_session_cookie, session_cookie};
use super::{LANG_COOKIE, PageContext, render};
use crate::extract::{ApiQuery, Client};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: PageContext,
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// Only console paths, so sign-in and the language switch cannot redirect off-site.
pub(super) fn safe_next(next: Option<String>) -> String {
    next.filter(|n| {
        n.starts_with("/admin") && !n.starts_with("//") && !n.contains("://") && !n.contains('\\')
    })
    .unwrap_or_else(|| "/admin".to_owned())
}

pub(super) async fn login_page(ctx: PageContext, ApiQuery(next): ApiQuery<Next>) -> Response {
    let nonce = ctx.nonce.clone();
    let page = LoginPage {
        ctx,
        error: None,
        email: String::new(),
        next: safe_next(next.next),
    };
    render(StatusCode::OK, &nonce, &page)
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Checks the password; on success sets the session cookie and goes on (to the MFA step
/// first when the user has MFA).
pub(super) async fn login_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    jar: CookieJar,
    Client(client): Client,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next);
    match auth::login(
        &state.app,
        &form.email,
        &form.password,
        &client,
        Channel::Console,
    )
    .await
    {
        Ok(signed_in) => {
            let target = if signed_in.mfa_required {
                format!("/admin/login/mfa?next={next}")
            } else {
                next
            };
            (
                jar.add(session_cookie(signed_in.token)),
                Redirect::to(&target),
            )
                .into_response()
        }
        Err(err) => {
            let (status, message) = match err {
                omnihub_app::Error::TooManyAttempts { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} ({retry_after_secs} s)", ctx.t.too_many_attempts),
                ),
                omnihub_app::Error::Unauthenticated => {
                    (StatusCode::UNAUTHORIZED, ctx.t.wrong_credentials.to_owned())
                }
                other => return crate::error::ApiError::from(other).into_response(),
            };
            let nonce = ctx.nonce.clone();
            render(
                status,
                &nonce,
                &LoginPage {
                    ctx,
                    error: Some(message),
                    email: form.email,
                    next,
                },
            )
        }
    }
}

/// Ends the console session.
pub(super) async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    user: ConsoleUser,
) -> Response {
    if let Err(err) = auth::logout(&state.app, &user.actor, &user.token).await {
        return crate::error::ApiError::from(err).into_response();
    }
    (
        jar.remove(clear_session_cookie()),
        Redirect::to("/admin/login"),
    )
        .into_response()
}

/// Remembers the chosen language in a cookie and returns to the page the user was on.
pub(super) async fn switch_language(
    jar: CookieJar,
    Path(tag): Path<String>,
    ApiQuery(next): ApiQuery<Next>,
) -> Response {
    let Some(lang) = Lang::parse(&tag) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cookie = Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&safe_next(next.next))).into_response()
}
