//! The first-run set-up page: creates the first platform administrator with the one-time
//! token `serve` prints, then sends them to sign in (and enrol MFA).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use omnihub_app::setup;

use super::{PageContext, render};
use crate::extract::{ApiQuery, Client};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    ctx: PageContext,
    token: String,
    email: String,
    errors: Vec<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct TokenQuery {
    token: Option<String>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Response {
    match setup::needed(&state.app).await {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/admin/login").into_response(),
        Err(err) => return crate::error::ApiError::from(err).into_response(),
    }
    let nonce = ctx.nonce.clone();
    render(
        StatusCode::OK,
        &nonce,
        &SetupPage {
            ctx,
            token: q.token.unwrap_or_default(),
            email: String::new(),
            errors: vec![],
        },
    )
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct SetupForm {
    token: String,
    email: String,
    password: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ctx: PageContext,
    Client(meta): Client,
    Form(form): Form<SetupForm>,
) -> Response {
    match setup::complete(&state.app, meta, &form.token, &form.email, &form.password).await {
        Ok(_) => Redirect::to("/admin/login").into_response(),
        Err(omnihub_app::Error::Validation(fields)) => {
            let nonce = ctx.nonce.clone();
            let errors = fields
                .into_iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &nonce,
                &SetupPage {
                    ctx,
                    token: form.token,
                    email: form.email,
                    errors,
                },
            )
        }
        Err(err) => crate::error::ApiError::from(err).into_response(),
    }
}
