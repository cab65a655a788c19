//! The sign-in page and the language switch.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::i18n::Lang;
use super::{LANG_COOKIE, PageContext, render};
use crate::extract::ApiQuery;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: PageContext,
    notice: bool,
}

pub(super) async fn login_page(ctx: PageContext) -> Response {
    let nonce = ctx.nonce.clone();
    render(StatusCode::OK, &nonce, &LoginPage { ctx, notice: false })
}

/// Until the identity module lands, the form explains how to sign in instead.
pub(super) async fn login_submit(ctx: PageContext) -> Response {
    let nonce = ctx.nonce.clone();
    render(StatusCode::OK, &nonce, &LoginPage { ctx, notice: true })
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and returns to the page the user was on
/// (only console paths, so this cannot be used as an open redirect).
pub(super) async fn switch_language(
    jar: CookieJar,
    Path(tag): Path<String>,
    ApiQuery(next): ApiQuery<Next>,
) -> Response {
    let Some(lang) = Lang::parse(&tag) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let target = next
        .next
        .filter(|n| n.starts_with("/admin") && !n.starts_with("//") && !n.contains("://"))
        .unwrap_or_else(|| "/admin".to_owned());
    let cookie = Cookie::build((LANG_COOKIE, lang.tag()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&target)).into_response()
}
