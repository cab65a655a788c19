//! The merchant's order settings (review rules and the order-number prefix, one JSON
//! document under `orders.settings`) and running review on an order at intake.

use std::collections::BTreeMap;

use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::merchants::Currency;
use omnihub_domain::money::Money;
use omnihub_domain::orders::review::{
    self as rules, DuplicateWindow, ItemMultiset, OrderFacts, RecentOrder, ReviewOutcome,
    ReviewRules, RiskScore, RiskSignal,
};
use omnihub_domain::orders::{
    CountryCode, CustomerInfo, Email, OrderId, OrderNumberPrefix, OrderText, Phone, PostalAddress,
};
use omnihub_domain::settings::SettingKey;
use omnihub_store::orders::{self as store, LineRow};
use omnihub_store::{Tx, settings, time};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Change};
use crate::error::{Error, FieldError, Result};
use crate::inventory::corrupt;
use crate::{Actor, App};

const SETTINGS_KEY: &str = "orders.settings";

/// A review threshold in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountThreshold {
    /// ISO 4217.
    pub currency: String,
    /// Decimal, e.g. `"5000.00"`.
    pub amount: String,
}

/// A blacklisted address: every part given must match (case and spacing ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlacklistedAddress {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Province or state.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Street lines.
    pub lines: Vec<String>,
}

/// The merchant's order settings as stored and as the API and console edit them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrderSettings {
    /// Prefix of human-readable order numbers (A-Z and `-`, up to 10).
    pub number_prefix: String,
    /// Hold orders above these totals (one per currency).
    pub amount_thresholds: Vec<AmountThreshold>,
    /// Hold orders whose shipping address lacks parts a courier needs.
    pub require_complete_address: bool,
    /// Hold orders neither paid nor cash on delivery.
    pub hold_unpaid_non_cod: bool,
    /// Hold a same-customer, same-items order within this many minutes; `None` = off.
    pub duplicate_window_minutes: Option<i64>,
    /// Hold when the risk score reaches this (0-100); `None` = off.
    pub risk_threshold: Option<i64>,
    /// Weight per risk signal code (0-100), replacing the defaults given.
    pub risk_weights: BTreeMap<String, i64>,
    /// Customers always held, by e-mail.
    pub blacklist_emails: Vec<String>,
    /// Customers always held, by phone.
    pub blacklist_phones: Vec<String>,
    /// Addresses always held.
    pub blacklist_addresses: Vec<BlacklistedAddress>,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            number_prefix: "SO-".to_owned(),
            amount_thresholds: Vec::new(),
            require_complete_address: true,
            hold_unpaid_non_cod: true,
            duplicate_window_minutes: Some(30),
            risk_threshold: None,
            risk_weights: BTreeMap::new(),
            blacklist_emails: Vec::new(),
            blacklist_phones: Vec::new(),
            blacklist_addresses: Vec::new(),
        }
    }
}

/// Settings checked into the values review and numbering use.
#[derive(Debug, Clone)]
pub(crate) struct CheckedSettings {
    pub(crate) prefix: OrderNumberPrefix,
    pub(crate) rules: ReviewRules,
}

fn field<T, E: std::fmt::Display>(
    errors: &mut Vec<FieldError>,
    name: String,
    r: std::result::Result<T, E>,
) -> Option<T> {
    r.map_err(|e| errors.push(FieldError::new(name, "invalid", e)))
        .ok()
}

fn thresholds(s: &OrderSettings, errors: &mut Vec<FieldError>) -> Vec<Money> {
    s.amount_thresholds
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let c = field(
                errors,
                format!("amount_thresholds[{i}].currency"),
                Currency::parse(&t.currency),
            )?;
            field(
                errors,
                format!("amount_thresholds[{i}].amount"),
                Money::parse_non_negative(&t.amount, c),
            )
        })
        .collect()
}

fn blacklist(s: &OrderSettings, rules: &mut ReviewRules, errors: &mut Vec<FieldError>) {
    for (i, e) in s.blacklist_emails.iter().enumerate() {
        if let Some(e) = field(errors, format!("blacklist_emails[{i}]"), Email::parse(e)) {
            rules.blacklist.add_email(e);
        }
    }
    for (i, p) in s.blacklist_phones.iter().enumerate() {
        if let Some(p) = field(errors, format!("blacklist_phones[{i}]"), Phone::parse(p)) {
            rules.blacklist.add_phone(p);
        }
    }
    for (i, a) in s.blacklist_addresses.iter().enumerate() {
        let name = |f: &str| format!("blacklist_addresses[{i}].{f}");
        let text = |errors: &mut Vec<FieldError>, f: &str, v: &Option<String>| {
            field(errors, name(f), OrderText::optional(v.as_deref())).flatten()
        };
        let address = PostalAddress {
            country: a
                .country
                .as_deref()
                .and_then(|c| field(errors, name("country"), CountryCode::parse(c))),
            province: text(errors, "province", &a.province),
            city: text(errors, "city", &a.city),
            postcode: text(errors, "postcode", &a.postcode),
            lines: a
                .lines
                .iter()
                .filter_map(|l| field(errors, name("lines"), OrderText::parse(l)))
                .collect(),
            ..PostalAddress::default()
        };
        rules.blacklist.add_address(&address);
    }
}

impl OrderSettings {
    /// Checks every value; field errors name the JSON path.
    pub(crate) fn check(&self) -> Result<CheckedSettings> {
        let mut errors = Vec::new();
        let prefix = field(
            &mut errors,
            "number_prefix".into(),
            OrderNumberPrefix::parse(&self.number_prefix),
        );
        let mut rules = ReviewRules::default();
        rules.require_complete_address = self.require_complete_address;
        rules.hold_unpaid_non_cod = self.hold_unpaid_non_cod;
        let amounts = thresholds(self, &mut errors);
        field(
            &mut errors,
            "amount_thresholds".into(),
            rules.set_amount_thresholds(amounts),
        );
        rules.duplicate_window = self.duplicate_window_minutes.and_then(|m| {
            field(
                &mut errors,
                "duplicate_window_minutes".into(),
                DuplicateWindow::minutes(m),
            )
        });
        rules.risk_threshold = self
            .risk_threshold
            .and_then(|t| field(&mut errors, "risk_threshold".into(), RiskScore::new(t)));
        for (signal, weight) in &self.risk_weights {
            let name = format!("risk_weights.{signal}");
            let s = field(&mut errors, name.clone(), RiskSignal::parse(signal));
            let w = field(&mut errors, name, RiskScore::new(*weight));
            if let (Some(s), Some(w)) = (s, w) {
                rules.risk_weights.set(s, w);
            }
        }
        blacklist(self, &mut rules, &mut errors);
        match (prefix, errors.is_empty()) {
            (Some(prefix), true) => Ok(CheckedSettings { prefix, rules }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

fn key() -> Result<SettingKey> {
    SettingKey::parse(SETTINGS_KEY).map_err(Error::internal)
}

/// Checks a value written through the generic settings API to the orders key; `None`
/// when the key is not the orders module's.
pub(crate) fn check_setting(key: &str, value: &serde_json::Value) -> Option<Result<()>> {
    if key != SETTINGS_KEY {
        return None;
    }
    Some(
        serde_json::from_value::<OrderSettings>(value.clone())
            .map_err(|e| Error::invalid("value", "invalid", e))
            .and_then(|s| s.check().map(|_| ())),
    )
}

pub(crate) async fn load_settings(tx: &mut Tx, merchant: MerchantId) -> Result<OrderSettings> {
    match settings::get(tx, merchant, &key()?).await? {
        Some(row) => serde_json::from_str(&row.value).map_err(corrupt),
        None => Ok(OrderSettings::default()),
    }
}

/// The merchant's order settings (defaults when never set). Needs `orders.read`.
pub async fn get_settings(app: &App, actor: &Actor, merchant: MerchantId) -> Result<OrderSettings> {
    actor.require_in(merchant, Permission::OrdersRead)?;
    let mut tx = app.db.begin_read().await?;
    load_settings(&mut tx, merchant).await
}

/// Replaces the merchant's order settings. Needs `settings.manage`; audited.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn update_settings(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    new: OrderSettings,
) -> Result<OrderSettings> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    new.check()?;
    let mut tx = app.db.begin_write().await?;
    let before = load_settings(&mut tx, merchant).await?;
    let value = serde_json::to_value(&new).map_err(Error::internal)?;
    settings::put(&mut tx, merchant, &key()?, &value, actor.user(), app.now()).await?;
    let change = Change {
        action: "order_settings.update",
        entity_type: "order_settings",
        entity_id: None,
        merchant: Some(merchant),
        before: Some(serde_json::to_value(&before).map_err(Error::internal)?),
        after: Some(value),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(new)
}

/// The multiset key of a stored line, as [`ItemMultiset::of_order`] keys incoming ones.
fn line_key(l: &LineRow) -> String {
    l.item_sku
        .as_ref()
        .map(|s| format!("sku:{s}"))
        .or_else(|| l.item_variant_id.as_ref().map(|v| format!("variant:{v}")))
        .or_else(|| l.item_product_id.as_ref().map(|p| format!("product:{p}")))
        .unwrap_or_default()
}

/// The customer's other recent orders, for the duplicate rule.
async fn recent_orders(
    tx: &mut Tx,
    merchant: MerchantId,
    customer: Option<uuid::Uuid>,
    facts: &OrderFacts<'_>,
    rules: &ReviewRules,
    this: uuid::Uuid,
) -> Result<Vec<RecentOrder>> {
    let (Some(customer), Some(window)) = (customer, rules.duplicate_window) else {
        return Ok(Vec::new());
    };
    let span = jiff::SignedDuration::from_mins(i64::from(window.get()));
    let since = facts.placed_at.checked_sub(span).map_err(Error::internal)?;
    let rows =
        store::recent_orders_of_customer(tx, merchant, customer, time::to_db(since), this).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let lines = store::lines_of(tx, merchant, r.id).await?;
        let keys: Vec<(String, i64)> = lines.iter().map(|l| (line_key(l), l.quantity)).collect();
        out.push(RecentOrder {
            id: OrderId::from_uuid(r.id),
            customer: CustomerInfo {
                email: r
                    .customer_email
                    .as_deref()
                    .and_then(|e| Email::parse(e).ok()),
                phone: r
                    .customer_phone
                    .as_deref()
                    .and_then(|p| Phone::parse(p).ok()),
                name: None,
            },
            items: ItemMultiset::from_pairs(keys.iter().map(|(k, q)| (k.as_str(), *q))),
            placed_at: time::from_db(r.placed_at)?,
        });
    }
    Ok(out)
}

/// Runs the merchant's review rules over an order being taken in.
pub(crate) async fn review_in(
    tx: &mut Tx,
    merchant: MerchantId,
    rules: &ReviewRules,
    facts: &OrderFacts<'_>,
    customer: Option<uuid::Uuid>,
    this: uuid::Uuid,
) -> Result<ReviewOutcome> {
    let recent = recent_orders(tx, merchant, customer, facts, rules, this).await?;
    Ok(rules::evaluate(facts, &recent, rules))
}
