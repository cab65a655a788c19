//! The order settings page: the number prefix, review thresholds per currency, the
//! address and payment holds, the duplicate window, the risk threshold and weights, and
//! the blacklists, each list one entry per line of a textarea. Saving replaces the
//! settings through `omnihub_app::orders::update_settings` (which needs
//! `settings.manage`); its field errors are shown beside the inputs.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use omnihub_app::orders::{self as ord, AmountThreshold, BlacklistedAddress, OrderSettings};
use omnihub_app::{Error, FieldError};

use super::super::catalog::choose_merchant;
use super::super::forms::{FieldErrors, FormBody, PageQuery, app_error, see_other};
use super::super::inventory::done;
use super::super::session::ConsoleUser;
use super::super::{PageContext, render};
use super::{OrdTr, notice};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The form's values as typed (or as stored).
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub number_prefix: String,
    pub thresholds: String,
    pub require_complete_address: bool,
    pub hold_unpaid_non_cod: bool,
    pub duplicate_window: String,
    pub risk_threshold: String,
    pub risk_weights: String,
    pub emails: String,
    pub phones: String,
    pub addresses: String,
}

/// The separator of an address's parts on its line.
const PARTS: char = '|';

fn lines(raw: &str) -> impl Iterator<Item = &str> {
    raw.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn blank_none(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl SettingsForm {
    fn parse(f: &FormBody) -> Self {
        Self {
            number_prefix: f.value("number_prefix"),
            thresholds: f.value("amount_thresholds"),
            require_complete_address: f.checked("require_complete_address"),
            hold_unpaid_non_cod: f.checked("hold_unpaid_non_cod"),
            duplicate_window: f.value("duplicate_window_minutes"),
            risk_threshold: f.value("risk_threshold"),
            risk_weights: f.value("risk_weights"),
            emails: f.value("blacklist_emails"),
            phones: f.value("blacklist_phones"),
            addresses: f.value("blacklist_addresses"),
        }
    }

    fn of(s: &OrderSettings) -> Self {
        let address = |a: &BlacklistedAddress| {
            let part = |p: &Option<String>| p.clone().unwrap_or_default();
            let parts = [
                part(&a.country),
                part(&a.province),
                part(&a.city),
                part(&a.postcode),
                a.lines.join(", "),
            ];
            parts.join(&format!(" {PARTS} "))
        };
        Self {
            number_prefix: s.number_prefix.clone(),
            thresholds: s
                .amount_thresholds
                .iter()
                .map(|t| format!("{} {}", t.currency, t.amount))
                .collect::<Vec<_>>()
                .join("\n"),
            require_complete_address: s.require_complete_address,
            hold_unpaid_non_cod: s.hold_unpaid_non_cod,
            duplicate_window: s
                .duplicate_window_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            risk_threshold: s.risk_threshold.map(|m| m.to_string()).unwrap_or_default(),
            risk_weights: s
                .risk_weights
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            emails: s.blacklist_emails.join("\n"),
            phones: s.blacklist_phones.join("\n"),
            addresses: s
                .blacklist_addresses
                .iter()
                .map(address)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The settings the form describes, or the errors of what it cannot turn into them
    /// (numbers that are not whole, lines of the wrong shape).
    fn settings(&self, t: &OrdTr) -> Result<OrderSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number = |field: &'static str, raw: &str| {
            let raw = blank_none(raw)?;
            raw.parse::<i64>()
                .map_err(|_| errors.push(FieldError::new(field, "invalid", t.whole_number)))
                .ok()
        };
        let duplicate_window_minutes = number("duplicate_window_minutes", &self.duplicate_window);
        let risk_threshold = number("risk_threshold", &self.risk_threshold);
        let mut pairs = |field: &'static str, raw: &str| -> Vec<(String, String)> {
            lines(raw)
                .filter_map(|l| match l.split_once(char::is_whitespace) {
                    Some((a, b)) => Some((a.trim().to_owned(), b.trim().to_owned())),
                    None => {
                        errors.push(FieldError::new(
                            field,
                            "invalid",
                            format!("{}: {l}", t.two_parts),
                        ));
                        None
                    }
                })
                .collect()
        };
        let amount_thresholds = pairs("amount_thresholds", &self.thresholds)
            .into_iter()
            .map(|(currency, amount)| AmountThreshold { currency, amount })
            .collect();
        let mut risk_weights = std::collections::BTreeMap::new();
        for (signal, weight) in pairs("risk_weights", &self.risk_weights) {
            match weight.parse::<i64>() {
                Ok(w) => {
                    risk_weights.insert(signal, w);
                }
                Err(_) => errors.push(FieldError::new("risk_weights", "invalid", t.whole_number)),
            }
        }
        let settings = OrderSettings {
            number_prefix: self.number_prefix.trim().to_owned(),
            amount_thresholds,
            require_complete_address: self.require_complete_address,
            hold_unpaid_non_cod: self.hold_unpaid_non_cod,
            duplicate_window_minutes,
            risk_threshold,
            risk_weights,
            blacklist_emails: lines(&self.emails).map(str::to_owned).collect(),
            blacklist_phones: lines(&self.phones).map(str::to_owned).collect(),
            blacklist_addresses: lines(&self.addresses).map(address).collect(),
        };
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

/// `country | province | city | postcode | street` (blank parts match anything).
fn address(line: &str) -> BlacklistedAddress {
    let mut parts = line.split(PARTS).map(blank_none);
    let mut next = || parts.next().flatten();
    BlacklistedAddress {
        country: next(),
        province: next(),
        city: next(),
        postcode: next(),
        lines: next().into_iter().collect(),
    }
}

/// The use case's field paths (`amount_thresholds[0].currency`) by the input they
/// belong to.
fn by_input(fields: Vec<FieldError>) -> FieldErrors {
    FieldErrors::of(
        fields
            .into_iter()
            .map(|mut e| {
                if let Some(end) = e.field.find(['[', '.']) {
                    e.field.truncate(end);
                }
                e
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "orders/settings.html")]
struct SettingsPage {
    ctx: PageContext,
    form: SettingsForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

fn settings_view(
    ctx: PageContext,
    form: SettingsForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let nonce = ctx.nonce.clone();
    let page = SettingsPage {
        ctx,
        form,
        errors,
        notice,
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
    match ord::get_settings(&state.app, &user.actor, merchant).await {
        Ok(s) => {
            let shown = notice(ctx.t.ord, query.done.as_deref());
            settings_view(
                ctx,
                SettingsForm::of(&s),
                FieldErrors::none(),
                shown,
                StatusCode::OK,
            )
        }
        Err(err) => app_error(ctx, err),
    }
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
    let form = SettingsForm::parse(&FormBody::parse(&body));
    let result = match form.settings(ctx.t.ord) {
        Ok(s) => ord::update_settings(&state.app, &user.actor, merchant, s).await,
        Err(fields) => Err(Error::Validation(fields)),
    };
    match result {
        Ok(_) => see_other(&done("/admin/orders/settings", "saved")),
        Err(Error::Validation(fields)) => settings_view(
            ctx,
            form,
            by_input(fields),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(err) => app_error(ctx, err),
    }
}
