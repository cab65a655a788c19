//! The catalogue settings: how many review levels a submission passes (1 to 3) and the
//! banned words that raise compliance warnings. Reading needs `catalog.read`, saving
//! `settings.manage`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::catalog::{self, SettingsInput};
use omnihub_domain::ids::MerchantId;

use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, see_other};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::choose_merchant;
use crate::extract::ApiQuery;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "catalog/settings.html")]
struct SettingsPage {
    ctx: PageContext,
    levels: String,
    words: String,
    errors: FieldErrors,
    saved: bool,
}

async fn view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    entered: Option<(String, String, FieldErrors)>,
    saved: bool,
) -> Response {
    let (levels, words, errors, status) = match entered {
        Some((l, w, e)) => (l, w, e, StatusCode::UNPROCESSABLE_ENTITY),
        None => match catalog::get_settings(&state.app, &user.actor, merchant).await {
            Ok(s) => (
                s.review_levels.get().to_string(),
                s.banned_words.join("\n"),
                FieldErrors::none(),
                StatusCode::OK,
            ),
            Err(err) => return app_error(ctx, err),
        },
    };
    let nonce = ctx.nonce.clone();
    let page = SettingsPage {
        ctx,
        levels,
        words,
        errors,
        saved,
    };
    render(status, &nonce, &page)
}

/// The settings form.
pub(super) async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let saved = query.done.as_deref() == Some("saved");
    view(&state, &user, ctx, merchant, None, saved).await
}

/// Saves the settings.
pub(super) async fn save(
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
    let levels = form.value("review_levels");
    let words = form.value("banned_words");
    let Ok(n) = levels.trim().parse::<i64>() else {
        let errors = FieldErrors::of(vec![omnihub_app::FieldError::new(
            "review_levels",
            "invalid",
            "must be a whole number from 1 to 3",
        )]);
        return view(
            &state,
            &user,
            ctx,
            merchant,
            Some((levels, words, errors)),
            false,
        )
        .await;
    };
    let input = SettingsInput {
        review_levels: Some(n),
        banned_words: Some(
            words
                .lines()
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    };
    match catalog::update_settings(&state.app, &user.actor, merchant, input).await {
        Ok(_) => see_other("/admin/catalog/settings?done=saved"),
        Err(Error::Validation(fields)) => {
            let entered = Some((levels, words, FieldErrors::of(fields)));
            view(&state, &user, ctx, merchant, entered, false).await
        }
        Err(err) => app_error(ctx, err),
    }
}
