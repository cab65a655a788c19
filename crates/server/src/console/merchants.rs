//! Console pages for platform staff: merchants (list, create, detail), creating a
//! merchant's first owner, and choosing the merchant the console acts in (so the users and
//! roles pages show that merchant's). Same use cases as `/api/v1/merchants`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use omnihub_app::Error;
use omnihub_app::merchants::{self, Merchant, MerchantInput};
use omnihub_app::users::{self, NewUserInput};
use omnihub_domain::ids::MerchantId;

use super::forms::{
    FieldErrors, FormBody, PageQuery, app_error, notice, parse_id, see_other, when,
};
use super::session::{ConsoleUser, MERCHANT_COOKIE};
use super::{PageContext, render};
use crate::extract::ApiQuery;
use crate::state::AppState;

const PAGE: u32 = 100;

/// One merchant as shown.
pub struct MerchantRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub status: String,
    pub created_at: String,
}

impl From<Merchant> for MerchantRow {
    fn from(m: Merchant) -> Self {
        Self {
            id: m.id.to_string(),
            code: m.code,
            name: m.name,
            time_zone: m.time_zone,
            currency: m.currency,
            status: m.status,
            created_at: when(m.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "merchants/list.html")]
struct ListPage {
    ctx: PageContext,
    merchants: Vec<MerchantRow>,
    next_cursor: Option<String>,
    acting_in: Option<String>,
    form: MerchantForm,
    errors: FieldErrors,
}

/// The create form's values.
#[derive(Default)]
pub struct MerchantForm {
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub currency: String,
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    cursor: Option<&str>,
    entered: (MerchantForm, FieldErrors),
    status: StatusCode,
) -> Response {
    let after = cursor.and_then(|c| c.parse::<MerchantId>().ok());
    let list = match merchants::list(&state.app, &user.actor, after, PAGE).await {
        Ok(list) => list,
        Err(err) => return app_error(ctx, err),
    };
    let next_cursor = (list.len() == PAGE as usize)
        .then(|| list.last().map(|m| m.id.to_string()))
        .flatten();
    let acting_in = user.actor.merchant.map(|m| m.to_string());
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        merchants: list.into_iter().map(MerchantRow::from).collect(),
        next_cursor,
        acting_in,
        form: entered.0,
        errors: entered.1,
        ctx,
    };
    render(status, &nonce, &page)
}

pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let entered = (
        MerchantForm {
            time_zone: "Asia/Shanghai".into(),
            currency: "CNY".into(),
            ..MerchantForm::default()
        },
        FieldErrors::none(),
    );
    let cursor = query.cursor.as_deref();
    list_view(&state, &user, ctx, cursor, entered, StatusCode::OK).await
}

pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let form = FormBody::parse(&body);
    let input = MerchantInput {
        code: form.value("code"),
        name: form.value("name"),
        time_zone: form.optional("time_zone"),
        currency: form.optional("currency"),
    };
    match merchants::create(&state.app, &user.actor, input).await {
        Ok(m) => see_other(&format!("/admin/merchants/{}?done=created", m.id)),
        Err(Error::Validation(fields)) => {
            let entered = MerchantForm {
                code: form.value("code"),
                name: form.value("name"),
                time_zone: form.value("time_zone"),
                currency: form.value("currency"),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let errors = FieldErrors::of(fields);
            list_view(&state, &user, ctx, None, (entered, errors), status).await
        }
        Err(err) => app_error(ctx, err),
    }
}

#[derive(Template)]
#[template(path = "merchants/detail.html")]
struct DetailPage {
    ctx: PageContext,
    merchant: MerchantRow,
    acting: bool,
    notice: Option<&'static str>,
    owner_email: String,
    owner_name: String,
    owner_password: Option<String>,
    errors: FieldErrors,
}

#[derive(Default)]
struct Extra {
    notice: Option<&'static str>,
    owner_email: String,
    owner_name: String,
    owner_password: Option<String>,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    id: MerchantId,
    extra: Extra,
    status: StatusCode,
) -> Response {
    // Managing merchants is platform work: merchant staff get the same refusal as the API's
    // list, not their own merchant's page.
    if let Err(err) = user
        .actor
        .require(omnihub_domain::access::Permission::MerchantsManage)
    {
        return app_error(ctx, err);
    }
    let merchant = match merchants::get(&state.app, &user.actor, id).await {
        Ok(m) => m,
        Err(err) => return app_error(ctx, err),
    };
    let nonce = ctx.nonce.clone();
    let page = DetailPage {
        acting: user.actor.merchant == Some(id),
        merchant: merchant.into(),
        notice: extra.notice,
        owner_email: extra.owner_email,
        owner_name: extra.owner_name,
        owner_password: extra.owner_password,
        errors: extra.errors,
        ctx,
    };
    render(status, &nonce, &page)
}

pub(super) async fn detail(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "merchant") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let extra = Extra {
        notice: notice(ctx.t, query.done.as_deref()),
        ..Extra::default()
    };
    detail_view(&state, &user, ctx, id, extra, StatusCode::OK).await
}

/// Creates the merchant's first owner (the bootstrap grant, no second approval).
pub(super) async fn create_owner(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "merchant") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    let form = FormBody::parse(&body);
    let input = NewUserInput {
        email: form.value("email"),
        display_name: form.value("display_name"),
        password: form.optional("password"),
    };
    let (extra, status) = match users::create_owner(&state.app, &user.actor, id, input).await {
        Ok(created) => (
            Extra {
                notice: Some(ctx.t.owner_created),
                owner_password: created.initial_password,
                ..Extra::default()
            },
            StatusCode::CREATED,
        ),
        Err(Error::Validation(fields)) => (
            Extra {
                owner_email: form.value("email"),
                owner_name: form.value("display_name"),
                errors: FieldErrors::of(fields),
                ..Extra::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => return app_error(ctx, err),
    };
    detail_view(&state, &user, ctx, id, extra, status).await
}

/// Makes the console act in this merchant (platform staff): the users, roles and request
/// pages then show the merchant's.
pub(super) async fn act(
    State(state): State<AppState>,
    jar: CookieJar,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let id = match parse_id(&raw, "merchant") {
        Ok(id) => id,
        Err(err) => return app_error(ctx, err),
    };
    if !user.actor.platform {
        return app_error(ctx, Error::NotFound { entity: "merchant" });
    }
    if let Err(err) = merchants::get(&state.app, &user.actor, id).await {
        return app_error(ctx, err);
    }
    let cookie = Cookie::build((MERCHANT_COOKIE, id.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    (jar.add(cookie), see_other("/admin/users")).into_response()
}

/// Back to platform scope: forget the chosen merchant.
pub(super) async fn leave(jar: CookieJar, _user: ConsoleUser) -> Response {
    let mut cookie = Cookie::build((MERCHANT_COOKIE, "")).path("/").build();
    cookie.make_removal();
    (jar.remove(cookie), see_other("/admin/merchants")).into_response()
}
