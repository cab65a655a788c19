//! Locations: the list with a create form, and the edit form (kind, region codes, address,
//! priority, active). Reading needs `inventory.read`, writing `settings.manage`; refused
//! values are shown beside their fields and the typed values kept.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::Error;
use omnihub_app::inventory::{self as inv, Location, LocationInput, LocationPatch, LocationQuery};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::inventory::{LocationId, LocationKind};

use super::super::catalog::{Choice, choose_merchant};
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, parse_id, see_other};
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{code_choices, done, kind_label, notice};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A location row.
pub struct LocationRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub region: String,
    pub priority: i64,
    pub active: bool,
}

/// The location form's values, as typed.
#[derive(Debug, Clone, Default)]
pub struct LocationForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub province: String,
    pub city: String,
    pub address: String,
    pub priority: String,
    pub active: bool,
}

impl LocationForm {
    fn blank() -> Self {
        Self {
            kind: LocationKind::Warehouse.code().to_owned(),
            country: "CN".to_owned(),
            priority: "100".to_owned(),
            active: true,
            ..Self::default()
        }
    }

    fn of(l: &Location) -> Self {
        Self {
            code: l.code.clone(),
            name: l.name.clone(),
            kind: l.kind.code().to_owned(),
            country: l.region.country().to_owned(),
            province: l.region.province().unwrap_or_default().to_owned(),
            city: l.region.city().unwrap_or_default().to_owned(),
            address: l.address.clone().unwrap_or_default(),
            priority: l.priority.to_string(),
            active: l.active,
        }
    }

    fn parse(form: &FormBody) -> Self {
        Self {
            code: form.value("code"),
            name: form.value("name"),
            kind: form.value("kind"),
            country: form.value("country"),
            province: form.value("province"),
            city: form.value("city"),
            address: form.value("address"),
            priority: form.value("priority"),
            active: form.checked("active"),
        }
    }

    /// The priority as a number, or the field error for it.
    fn priority(&self) -> Result<i64, Error> {
        self.priority
            .trim()
            .parse()
            .map_err(|_| Error::invalid("priority", "invalid", "must be a whole number"))
    }

    fn input(&self) -> Result<LocationInput, Error> {
        Ok(LocationInput {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            country: self.country.clone(),
            province: Some(self.province.clone()).filter(|v| !v.trim().is_empty()),
            city: Some(self.city.clone()).filter(|v| !v.trim().is_empty()),
            address: Some(self.address.clone()).filter(|v| !v.trim().is_empty()),
            priority: Some(self.priority()?),
            active: Some(self.active),
        })
    }

    fn patch(&self) -> Result<LocationPatch, Error> {
        let i = self.input()?;
        Ok(LocationPatch {
            code: Some(i.code),
            name: Some(i.name),
            kind: Some(i.kind),
            country: Some(i.country),
            province: Some(i.province),
            city: Some(i.city),
            address: Some(i.address),
            priority: i.priority,
            active: i.active,
        })
    }
}

#[derive(Template)]
#[template(path = "inventory/locations.html")]
struct ListPage {
    ctx: PageContext,
    rows: Vec<LocationRow>,
    form: LocationForm,
    kinds: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "inventory/location_edit.html")]
struct EditPage {
    ctx: PageContext,
    id: String,
    form: LocationForm,
    kinds: Vec<Choice>,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

fn kinds(ctx: &PageContext, selected: &str) -> Vec<Choice> {
    let t = ctx.t.inv;
    code_choices(
        LocationKind::ALL,
        LocationKind::code,
        |k| kind_label(t, k),
        selected,
        None,
    )
}

async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    ctx: PageContext,
    merchant: MerchantId,
    entered: Option<(LocationForm, FieldErrors)>,
    done: Option<&str>,
) -> Response {
    let list = match inv::list_locations(
        &state.app,
        &user.actor,
        merchant,
        LocationQuery::default(),
    )
    .await
    {
        Ok(list) => list,
        Err(err) => return app_error(ctx, err),
    };
    let t = ctx.t.inv;
    let rows = list
        .iter()
        .map(|l| LocationRow {
            id: l.id.to_string(),
            code: l.code.clone(),
            name: l.name.clone(),
            kind: kind_label(t, l.kind),
            region: [
                Some(l.region.country()),
                l.region.province(),
                l.region.city(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / "),
            priority: l.priority,
            active: l.active,
        })
        .collect();
    let status = if entered.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (form, errors) = entered.unwrap_or_else(|| (LocationForm::blank(), FieldErrors::none()));
    let nonce = ctx.nonce.clone();
    let page = ListPage {
        kinds: kinds(&ctx, &form.kind),
        notice: notice(t, done),
        rows,
        form,
        errors,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The location list with the create form.
pub(super) async fn list_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    list_view(&state, &user, ctx, merchant, None, query.done.as_deref()).await
}

/// Creates a location.
pub(super) async fn create(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    body: Bytes,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let form = LocationForm::parse(&FormBody::parse(&body));
    let result = match form.input() {
        Ok(input) => inv::create_location(&state.app, &user.actor, merchant, input).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(_) => see_other(&done("/admin/inventory/locations", "created")),
        Err(Error::Validation(fields)) => {
            let entered = Some((form, FieldErrors::of(fields)));
            list_view(&state, &user, ctx, merchant, entered, None).await
        }
        Err(err) => app_error(ctx, err),
    }
}

fn edit_view(
    ctx: PageContext,
    id: String,
    form: LocationForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let nonce = ctx.nonce.clone();
    let page = EditPage {
        kinds: kinds(&ctx, &form.kind),
        id,
        form,
        errors,
        notice,
        ctx,
    };
    render(status, &nonce, &page)
}

/// The edit form of one location.
pub(super) async fn edit_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let found = match parse_id::<LocationId>(&raw, "location") {
        Ok(id) => inv::get_location(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match found {
        Ok(l) => {
            let n = notice(ctx.t.inv, query.done.as_deref());
            edit_view(
                ctx,
                raw,
                LocationForm::of(&l),
                FieldErrors::none(),
                n,
                StatusCode::OK,
            )
        }
        Err(err) => app_error(ctx, err),
    }
}

/// Saves a location.
pub(super) async fn update(
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
    let form = LocationForm::parse(&FormBody::parse(&body));
    let result = match (parse_id::<LocationId>(&raw, "location"), form.patch()) {
        (Ok(id), Ok(patch)) => {
            inv::update_location(&state.app, &user.actor, merchant, id, patch).await
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    };
    match result {
        Ok(l) => see_other(&done(
            &format!("/admin/inventory/locations/{}", l.id),
            "saved",
        )),
        Err(Error::Validation(fields)) => edit_view(
            ctx,
            raw,
            form,
            FieldErrors::of(fields),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => app_error(ctx, err),
    }
}
