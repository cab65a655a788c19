//! The console's MFA sign-in step and the "my account" page: MFA enrolment (QR code),
//! recovery codes, password change, sessions.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use omnihub_app::{auth, mfa};

use super::session::{ConsoleUser, SESSION_COOKIE, clear_session_cookie};
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "auth/mfa.html")]
struct MfaStepPage {
    ctx: PageContext,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

pub(super) async fn mfa_step_page(ctx: PageContext, ApiQuery(next): ApiQuery<Next>) -> Response {
    let nonce = ctx.nonce.clone();
    render(
        StatusCode::OK,
        &nonce,
        &MfaStepPage {
            ctx,
            next: super::auth::safe_next(next.next),
            error: None,
        },
    )
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct CodeForm {
    code: String,
    next: Option<String>,
}

/// Completes a console sign-in with a TOTP or recovery code.
pub(super) async fn mfa_step_submit(
    State(state): State<AppState>,
    ctx: PageContext,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Response {
    let next = super::auth::safe_next(form.next);
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Redirect::to("/admin/login").into_response();
    };
    match mfa::complete_login(&state.app, &token, &form.code).await {
        Ok(_) => Redirect::to(&next).into_response(),
        Err(omnihub_app::Error::Unauthenticated) => (
            jar.remove(clear_session_cookie()),
            Redirect::to("/admin/login"),
        )
            .into_response(),
        Err(err) => {
            let message = match err {
                omnihub_app::Error::TooManyAttempts { retry_after_secs } => {
                    format!("{} ({retry_after_secs} s)", ctx.t.too_many_attempts)
                }
                _ => ctx.t.wrong_code.to_owned(),
            };
            let nonce = ctx.nonce.clone();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &nonce,
                &MfaStepPage {
                    ctx,
                    next,
                    error: Some(message),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    ctx: PageContext,
    email: String,
    mfa_enabled: bool,
    mfa_required: bool,
    enrolment: Option<(String, String)>,
    recovery_codes: Vec<String>,
    sessions: Vec<SessionRow>,
    notice: Option<String>,
    error: Option<String>,
}

struct SessionRow {
    channel: String,
    created_at: String,
    last_seen_at: String,
    client: String,
    current: bool,
}

struct Extra {
    enrolment: Option<(String, String)>,
    recovery_codes: Vec<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let sessions = match auth::sessions(&state.app, &user.actor, &user.token).await {
        Ok(list) => list,
        Err(err) => return crate::error::ApiError::from(err).into_response(),
    };
    let ctx = ctx.signed_in(user);
    let nonce = ctx.nonce.clone();
    let page = AccountPage {
        email: user.user.email.clone(),
        mfa_enabled: user.user.mfa_enabled,
        mfa_required: user.actor.mfa_enrolment_required,
        sessions: sessions
            .into_iter()
            .map(|s| SessionRow {
                channel: s.channel,
                created_at: s.created_at.strftime("%Y-%m-%d %H:%M").to_string(),
                last_seen_at: s.last_seen_at.strftime("%Y-%m-%d %H:%M").to_string(),
                client: [
                    s.client_address.unwrap_or_default(),
                    s.user_agent.unwrap_or_default(),
                ]
                .join(" · "),
                current: s.current,
            })
            .collect(),
        enrolment: extra.enrolment,
        recovery_codes: extra.recovery_codes,
        notice: extra.notice,
        error: extra.error,
        ctx,
    };
    render(status, &nonce, &page)
}

fn none() -> Extra {
    Extra {
        enrolment: None,
        recovery_codes: vec![],
        notice: None,
        error: None,
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    account_page(&state, &user, ctx, none(), StatusCode::OK).await
}

/// Starts enrolment: shows the QR code and a confirmation form.
pub(super) async fn enrol(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
) -> Response {
    match mfa::enrol(&state.app, &user.actor).await {
        Ok(e) => {
            account_page(
                &state,
                &user,
                ctx,
                Extra {
                    enrolment: Some((e.qr_svg, e.secret)),
                    ..none()
                },
                StatusCode::OK,
            )
            .await
        }
        Err(err) => {
            account_page(
                &state,
                &user,
                ctx,
                Extra {
                    error: Some(err.to_string()),
                    ..none()
                },
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ConfirmForm {
    code: String,
}

/// Confirms enrolment and shows the recovery codes once.
pub(super) async fn confirm(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Form(form): Form<ConfirmForm>,
) -> Response {
    match mfa::confirm(&state.app, &user.actor, &form.code).await {
        Ok(codes) => {
            // Re-read the user so the page shows MFA as enabled.
            let mut user = user;
            user.user.mfa_enabled = true;
            user.actor.mfa_enrolment_required = false;
            let notice = Some(ctx.t.mfa_enabled_notice.to_owned());
            account_page(
                &state,
                &user,
                ctx,
                Extra {
                    recovery_codes: codes,
                    notice,
                    ..none()
                },
                StatusCode::OK,
            )
            .await
        }
        Err(err) => {
            let error = Some(format!("{}: {err}", ctx.t.wrong_code));
            account_page(
                &state,
                &user,
                ctx,
                Extra { error, ..none() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Changes the password; other sessions end.
pub(super) async fn change_password(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Form(form): Form<PasswordForm>,
) -> Response {
    match auth::change_password(
        &state.app,
        &user.actor,
        &user.token,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => {
            let notice = Some(ctx.t.password_changed.to_owned());
            account_page(
                &state,
                &user,
                ctx,
                Extra { notice, ..none() },
                StatusCode::OK,
            )
            .await
        }
        Err(omnihub_app::Error::Validation(fields)) => {
            let error = Some(
                fields
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            account_page(
                &state,
                &user,
                ctx,
                Extra { error, ..none() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(err) => crate::error::ApiError::from(err).into_response(),
    }
}

/// Signs out everywhere.
pub(super) async fn logout_everywhere(
    State(state): State<AppState>,
    jar: CookieJar,
    user: ConsoleUser,
) -> Response {
    if let Err(err) = auth::logout_everywhere(&state.app, &user.actor).await {
        return crate::error::ApiError::from(err).into_response();
    }
    (
        jar.remove(clear_session_cookie()),
        Redirect::to("/admin/login"),
    )
        .into_response()
}
