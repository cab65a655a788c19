//! Turning a channel's order payload into an [`IncomingOrder`] without losing it.
//!
//! A payload that is well signed but cannot be mapped (unknown currency, no lines, a bad
//! quantity, totals that do not add up) is not an error to throw away: the mapping returns
//! [`Unmappable`] with every [`MappingProblem`] it found and, whenever the payload names
//! one, the channel's order id, so the app keeps the raw payload as an order in the
//! exception queue keyed by (channel, external id) and a person can fix it.
//!
//! [`Reader`] is the shared toolkit of the adapters: it parses decimal strings exactly to
//! minor units, ids that arrive as numbers or strings, quantities, contacts and instants,
//! and collects problems instead of stopping at the first.

use jiff::Timestamp;
use serde_json::Value;

use crate::channels::ExternalId;
use crate::inventory::Quantity;
use crate::money::{Currency, Money, MoneyError};

use super::rules::{OrderTotals, TotalsError, TotalsInput};
use super::types::{
    ChannelOrderState, CountryCode, CustomerInfo, Email, IncomingLine, IncomingOrder, OrderText,
    PaymentHints, Phone, PostalAddress, Tag,
};

/// One reason a payload could not be mapped. `field` names follow the payload's own JSON
/// paths (`line_items[1].quantity`) so a person can find the spot in the raw payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingProblem {
    /// Not JSON, or JSON of the wrong shape.
    #[error("the payload is not a readable order: {detail}")]
    Malformed {
        /// What the parser said.
        detail: String,
    },
    /// A field we need is absent.
    #[error("{field} is missing")]
    Missing {
        /// Where.
        field: String,
    },
    /// A currency we do not support.
    #[error("unknown currency {raw:?}")]
    UnknownCurrency {
        /// What the channel sent.
        raw: String,
    },
    /// An order without lines.
    #[error("the order has no lines")]
    NoLines,
    /// A quantity that is not a whole number from 1 up.
    #[error("{field} is not a valid quantity: {raw}")]
    BadQuantity {
        /// Where.
        field: String,
        /// What the channel sent.
        raw: String,
    },
    /// An amount that is not exact decimal text in the order's currency.
    #[error("{field} is not a valid amount ({raw:?}): {reason}")]
    BadAmount {
        /// Where.
        field: String,
        /// What the channel sent.
        raw: String,
        /// Why it was refused.
        reason: MoneyError,
    },
    /// Any other value that failed its parse (an e-mail, a country, a text).
    #[error("{field} is invalid: {reason}")]
    BadValue {
        /// Where.
        field: String,
        /// Why.
        reason: String,
    },
    /// A line naming no SKU, product or variant.
    #[error("{field} names no SKU, product or variant")]
    LineWithoutItem {
        /// Where.
        field: String,
    },
    /// The totals do not add up or the lines do not match them.
    #[error("{0}")]
    Totals(TotalsError),
    /// A line names nothing listed on the channel (found by the app, reported the same way).
    #[error("line {line}: no listing on this channel matches {item}")]
    UnknownSku {
        /// Zero-based line index.
        line: usize,
        /// The channel's SKU or id, for display.
        item: String,
    },
    /// A value that contradicts another part of the same order: an order-level CSV
    /// column that differs between the rows of one order, or an order whose rows are
    /// not consecutive.
    #[error("{field} conflicts with an earlier row: {reason}")]
    Conflicting {
        /// Where.
        field: String,
        /// What it conflicts with.
        reason: String,
    },
    /// `problem` found at one row (and column) of an imported CSV file, so the report can
    /// point at the cell (see [`super::csv_format`]). Its code is the inner problem's.
    #[error("row {row}{}: {problem}", column.as_ref().map_or_else(String::new, |c| format!(", column {c}")))]
    InRow {
        /// The row as a spreadsheet numbers it (the header is row 1).
        row: u64,
        /// The column's header name, when the problem belongs to one cell.
        column: Option<String>,
        /// What is wrong there (its `field` is the column name).
        problem: Box<MappingProblem>,
    },
}

impl MappingProblem {
    /// A stable code, stored with the exception.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed_payload",
            Self::Missing { .. } => "missing_field",
            Self::UnknownCurrency { .. } => "unknown_currency",
            Self::NoLines => "no_lines",
            Self::BadQuantity { .. } => "bad_quantity",
            Self::BadAmount { .. } => "bad_amount",
            Self::BadValue { .. } => "bad_value",
            Self::LineWithoutItem { .. } => "line_without_item",
            Self::Totals(TotalsError::LinesDoNotMatch { .. }) => "lines_mismatch",
            Self::Totals(_) => "totals_mismatch",
            Self::UnknownSku { .. } => "unknown_sku",
            Self::Conflicting { .. } => "conflicting_value",
            Self::InRow { problem, .. } => problem.code(),
        }
    }

    /// The hold reason an order kept for this problem gets.
    pub fn hold_reason(&self) -> super::HoldReason {
        match self {
            Self::UnknownSku { .. } => super::HoldReason::UnknownSku,
            Self::InRow { problem, .. } => problem.hold_reason(),
            _ => super::HoldReason::Unmappable,
        }
    }
}

/// A well-signed payload that could not be mapped: keep it as an exception.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {} cannot be mapped: {} problem(s)", .external_id.as_ref().map_or("?", |i| i.as_ref()), .problems.len())]
pub struct Unmappable {
    /// The channel's order id, when the payload had a readable one: with the channel it
    /// is the idempotency key, so a corrected resend (`orders/updated`) finds the
    /// exception. `None` only for payloads too broken to name an order; the app then
    /// keys the exception by the webhook delivery id.
    pub external_id: Option<ExternalId>,
    /// The channel's order number, when readable.
    pub external_number: Option<ExternalId>,
    /// Every problem found (never empty).
    pub problems: Vec<MappingProblem>,
}

impl Unmappable {
    /// An unmappable payload with one problem and no readable id.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self {
            external_id: None,
            external_number: None,
            problems: vec![MappingProblem::Malformed {
                detail: detail.into(),
            }],
        }
    }
}

/// The text of a JSON id, number or string (`450789469`, `"727"`); `None` for null, blank
/// or other kinds.
pub fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses a channel amount exactly. Like [`Money::parse_non_negative`], but trailing zeros
/// beyond the currency's digits are accepted (`"1000.00"` JPY is 1000 yen: channels
/// format every currency with two decimals), while any non-zero extra digit is refused,
/// never rounded.
pub fn channel_amount(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
    let text = raw.trim();
    let digits = usize::from(currency.minor_units());
    let trimmed = match text.split_once('.') {
        // Only all-digit fractions are trimmed (slicing anything else could split a
        // multi-byte character); the rest goes to the strict parser, which refuses it.
        Some((whole, fraction))
            if fraction.len() > digits && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let (keep, extra) = fraction.split_at(digits);
            if !extra.bytes().all(|b| b == b'0') {
                return Money::parse_non_negative(text, currency);
            }
            if keep.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{keep}")
            }
        }
        _ => text.to_owned(),
    };
    Money::parse_non_negative(&trimmed, currency)
}

/// Collects problems while reading one payload.
#[derive(Debug)]
pub struct Reader {
    currency: Currency,
    problems: Vec<MappingProblem>,
}

impl Reader {
    /// Reads the currency first: without it no amount can be read, so an unknown one is
    /// returned as the problem at once.
    pub fn new(currency_field: &str, raw: Option<&str>) -> Result<Self, MappingProblem> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Err(MappingProblem::Missing {
                field: currency_field.to_owned(),
            });
        }
        let currency = Currency::parse(raw).map_err(|_| MappingProblem::UnknownCurrency {
            raw: raw.to_owned(),
        })?;
        Ok(Self {
            currency,
            problems: Vec::new(),
        })
    }

    /// The order's currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Records a problem.
    pub fn problem(&mut self, p: MappingProblem) {
        self.problems.push(p);
    }

    /// The problems recorded so far (for readers of one part, such as an order edit).
    pub fn into_problems(self) -> Vec<MappingProblem> {
        self.problems
    }

    /// An amount that must be present.
    pub fn amount(&mut self, field: &str, raw: Option<&str>) -> Money {
        if raw.is_none() {
            self.problem(MappingProblem::Missing {
                field: field.to_owned(),
            });
        }
        self.amount_or_zero(field, raw)
    }

    /// An amount that may be absent (zero then). A bad one is recorded and read as zero,
    /// so reading goes on and every problem is reported together.
    pub fn amount_or_zero(&mut self, field: &str, raw: Option<&str>) -> Money {
        let Some(raw) = raw else {
            return Money::zero(self.currency);
        };
        match channel_amount(raw, self.currency) {
            Ok(m) => m,
            Err(reason) => {
                self.problem(MappingProblem::BadAmount {
                    field: field.to_owned(),
                    raw: raw.to_owned(),
                    reason,
                });
                Money::zero(self.currency)
            }
        }
    }

    /// Sums amounts (`discount_allocations[].amount`), recording bad ones.
    pub fn sum<'a>(&mut self, field: &str, raws: impl Iterator<Item = Option<&'a str>>) -> Money {
        let mut total = Money::zero(self.currency);
        for (i, raw) in raws.enumerate() {
            let m = self.amount_or_zero(&format!("{field}[{i}]"), raw);
            total = self.add(field, total, m);
        }
        total
    }

    /// `a + b`, recording an overflow.
    pub fn add(&mut self, field: &str, a: Money, b: Money) -> Money {
        a.checked_add(b).unwrap_or_else(|reason| {
            self.problem(MappingProblem::BadAmount {
                field: field.to_owned(),
                raw: format!("{a} + {b}"),
                reason,
            });
            a
        })
    }

    /// A quantity from a JSON number or numeric string: a whole number from 1 up.
    pub fn quantity(&mut self, field: &str, v: Option<&Value>) -> Option<Quantity> {
        let parsed = match v {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let q = parsed.and_then(|n| Quantity::new(n).ok());
        if q.is_none() {
            self.problem(MappingProblem::BadQuantity {
                field: field.to_owned(),
                raw: v.map_or_else(|| "missing".to_owned(), Value::to_string),
            });
        }
        q
    }

    fn value<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| {
            self.problem(MappingProblem::BadValue {
                field: field.to_owned(),
                reason: e.to_string(),
            });
        })
        .ok()
    }

    fn blank(raw: Option<&str>) -> Option<&str> {
        raw.map(str::trim).filter(|s| !s.is_empty())
    }

    /// Optional free text; blank is absent.
    pub fn text(&mut self, field: &str, raw: Option<&str>) -> Option<OrderText> {
        let r = OrderText::optional(raw);
        self.value(field, r).flatten()
    }

    /// Optional e-mail; blank is absent.
    pub fn email(&mut self, field: &str, raw: Option<&str>) -> Option<Email> {
        let raw = Self::blank(raw)?;
        self.value(field, Email::parse(raw))
    }

    /// Optional phone; blank is absent.
    pub fn phone(&mut self, field: &str, raw: Option<&str>) -> Option<Phone> {
        let raw = Self::blank(raw)?;
        self.value(field, Phone::parse(raw))
    }

    /// Optional country code; blank is absent.
    pub fn country(&mut self, field: &str, raw: Option<&str>) -> Option<CountryCode> {
        let raw = Self::blank(raw)?;
        self.value(field, CountryCode::parse(raw))
    }

    /// Optional external id from a JSON number or string. `zero_is_none`: WooCommerce and
    /// Shopify send `0` or null for "no variant".
    pub fn external_id(
        &mut self,
        field: &str,
        v: Option<&Value>,
        zero_is_none: bool,
    ) -> Option<ExternalId> {
        let text = id_text(v).filter(|t| !(zero_is_none && t == "0"))?;
        self.value(field, ExternalId::parse(&text))
    }

    /// Optional external id from text (a SKU); blank is absent.
    pub fn external_text(&mut self, field: &str, raw: Option<&str>) -> Option<ExternalId> {
        let raw = Self::blank(raw)?;
        self.value(field, ExternalId::parse(raw))
    }

    /// A comma-separated tag list; blank is none.
    pub fn tags(&mut self, field: &str, raw: Option<&str>) -> Vec<Tag> {
        let r = Tag::parse_list(raw.unwrap_or_default());
        self.value(field, r).unwrap_or_default()
    }

    /// An instant with an offset (`2008-01-10T11:00:00-05:00`), or, when `naive_is_utc`,
    /// one without (WooCommerce's `date_created_gmt` is UTC but carries no offset).
    pub fn instant(
        &mut self,
        field: &str,
        raw: Option<&str>,
        naive_is_utc: bool,
    ) -> Option<Timestamp> {
        let Some(raw) = Self::blank(raw) else {
            self.problem(MappingProblem::Missing {
                field: field.to_owned(),
            });
            return None;
        };
        let parsed = raw.parse::<Timestamp>().ok().or_else(|| {
            naive_is_utc
                .then(|| raw.parse::<jiff::civil::DateTime>().ok())
                .flatten()
                .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        });
        if parsed.is_none() {
            self.problem(MappingProblem::BadValue {
                field: field.to_owned(),
                reason: format!("{raw:?} is not a date-time"),
            });
        }
        parsed
    }

    /// `unit × quantity`, recording an overflow.
    pub fn times(&mut self, field: &str, unit: Money, quantity: Quantity) -> Money {
        match unit.minor().checked_mul(quantity.get()) {
            Some(minor) => Money::from_minor(minor, unit.currency()),
            None => {
                self.problem(MappingProblem::BadAmount {
                    field: field.to_owned(),
                    raw: format!("{unit} × {quantity}"),
                    reason: MoneyError::Overflow,
                });
                unit
            }
        }
    }

    /// Checks lines and totals and hands back either the totals or every problem found.
    pub fn finish(
        mut self,
        totals: TotalsInput,
        lines: &[IncomingLine],
    ) -> Result<OrderTotals, Vec<MappingProblem>> {
        if lines.is_empty()
            && !self
                .problems
                .iter()
                .any(|p| matches!(p, MappingProblem::NoLines))
        {
            self.problem(MappingProblem::NoLines);
        }
        let checked = OrderTotals::check(totals).and_then(|t| t.check_lines(lines).map(|()| t));
        match checked {
            Ok(t) if self.problems.is_empty() => Ok(t),
            Ok(_) => Err(self.problems),
            Err(e) => {
                // A bad figure or quantity was already reported (read as zero, or its line
                // dropped); the knock-on totals mismatch would only add noise.
                let knock_on = self.problems.iter().any(|p| {
                    matches!(
                        p,
                        MappingProblem::BadAmount { .. } | MappingProblem::BadQuantity { .. }
                    )
                });
                if !knock_on {
                    self.problem(MappingProblem::Totals(e));
                }
                Err(self.problems)
            }
        }
    }
}

/// The parts of an [`IncomingOrder`] an adapter reads besides id, number, lines and
/// totals.
#[derive(Debug)]
pub struct OrderHead {
    /// See [`IncomingOrder::channel_state`].
    pub channel_state: ChannelOrderState,
    /// `None` when unreadable (a problem was recorded).
    pub placed_at: Option<Timestamp>,
    /// See [`IncomingOrder::customer`].
    pub customer: CustomerInfo,
    /// See [`IncomingOrder::shipping_address`].
    pub shipping_address: Option<PostalAddress>,
    /// See [`IncomingOrder::billing_address`].
    pub billing_address: Option<PostalAddress>,
    /// See [`IncomingOrder::note`].
    pub note: Option<OrderText>,
    /// See [`IncomingOrder::tags`].
    pub tags: Vec<Tag>,
    /// See [`IncomingOrder::payment`].
    pub payment: PaymentHints,
}

impl OrderHead {
    /// Completes the order once lines and totals have been checked.
    pub fn into_order(
        self,
        external_id: ExternalId,
        external_number: Option<ExternalId>,
        lines: Vec<IncomingLine>,
        totals: OrderTotals,
    ) -> Result<IncomingOrder, MappingProblem> {
        let placed_at = self.placed_at.ok_or_else(|| MappingProblem::Missing {
            field: "placed_at".into(),
        })?;
        Ok(IncomingOrder {
            external_id,
            external_number,
            channel_state: self.channel_state,
            currency: totals.total().currency(),
            placed_at,
            customer: self.customer,
            shipping_address: self.shipping_address,
            billing_address: self.billing_address,
            lines,
            totals,
            note: self.note,
            tags: self.tags,
            payment: self.payment,
        })
    }
}

/// What an adapter reads from its typed payload.
#[derive(Debug)]
pub struct Parts {
    /// The lines.
    pub lines: Vec<IncomingLine>,
    /// The figures, to be checked.
    pub totals: TotalsInput,
    /// Everything else.
    pub head: OrderHead,
}

/// The frame every adapter shares: parse `body` as JSON, read the order id and number
/// from `id_field` / `number_field` (so even a payload of the wrong shape is kept under
/// its id), deserialise the adapter's typed payload `T`, read the currency with
/// `currency`, let `read` map the rest, and check lines and totals.
pub fn map_payload<T: serde::de::DeserializeOwned>(
    body: &[u8],
    (id_field, number_field): (&str, &str),
    currency: fn(&T) -> Option<&str>,
    read: impl FnOnce(&mut Reader, &T) -> Parts,
) -> Result<IncomingOrder, Unmappable> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Unmappable::malformed(e.to_string()))?;
    map_value(value, (id_field, number_field), currency, read)
}

/// [`map_payload`] for a body already parsed as JSON.
pub fn map_value<T: serde::de::DeserializeOwned>(
    value: Value,
    (id_field, number_field): (&str, &str),
    currency: fn(&T) -> Option<&str>,
    read: impl FnOnce(&mut Reader, &T) -> Parts,
) -> Result<IncomingOrder, Unmappable> {
    let number = id_text(value.get(number_field));
    let (id, template) = identify(value.get(id_field), number.as_deref())?;
    let unmappable = |problems| Unmappable {
        problems,
        ..template.clone()
    };
    let payload: T = serde_json::from_value(value).map_err(|e| {
        unmappable(vec![MappingProblem::Malformed {
            detail: e.to_string(),
        }])
    })?;
    map_typed(&payload, (id, template), currency, read)
}

/// The second half of [`map_payload`], for a payload already deserialised (a handler's
/// DTO): `identified` is what [`identify`] returned for it.
pub fn map_typed<T>(
    payload: &T,
    (id, template): (ExternalId, Unmappable),
    currency: fn(&T) -> Option<&str>,
    read: impl FnOnce(&mut Reader, &T) -> Parts,
) -> Result<IncomingOrder, Unmappable> {
    let unmappable = |problems| Unmappable {
        problems,
        ..template.clone()
    };
    let mut r = Reader::new("currency", currency(payload)).map_err(|p| unmappable(vec![p]))?;
    let parts = read(&mut r, payload);
    let totals = r.finish(parts.totals, &parts.lines).map_err(unmappable)?;
    parts
        .head
        .into_order(id, template.external_number.clone(), parts.lines, totals)
        .map_err(|p| unmappable(vec![p]))
}

/// Reads the order id (required: it keys the exception) and number of a payload. On
/// success also returns an empty [`Unmappable`] carrying them, to fill with problems.
pub fn identify(
    id: Option<&Value>,
    number: Option<&str>,
) -> Result<(ExternalId, Unmappable), Unmappable> {
    let external_id = id_text(id).and_then(|t| ExternalId::parse(&t).ok());
    let external_number = number.and_then(|t| ExternalId::parse(t).ok());
    let template = Unmappable {
        external_id: external_id.clone(),
        external_number,
        problems: Vec::new(),
    };
    match external_id {
        Some(id) => Ok((id, template)),
        None => Err(Unmappable {
            problems: vec![MappingProblem::Missing { field: "id".into() }],
            ..template
        }),
    }
}

/// `first last`, or whichever is present.
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The unit price of a line known only by its subtotal: `subtotal / quantity`, rounded
/// half up to the minor unit when it does not divide (the subtotal stays authoritative).
pub fn unit_from_subtotal(subtotal: Money, quantity: Quantity) -> Money {
    let q = quantity.get();
    let minor = subtotal.minor();
    let unit = minor / q + i64::from((minor % q) * 2 >= q);
    Money::from_minor(unit, subtotal.currency())
}

/// Test support shared by the adapters' robustness proptests.
#[cfg(test)]
pub(crate) mod testing {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// JSON pointers of every leaf (and empty container) of `v`.
    pub(crate) fn leaf_pointers(v: &Value) -> Vec<String> {
        fn walk(v: &Value, at: String, out: &mut Vec<String>) {
            match v {
                Value::Object(o) if !o.is_empty() => {
                    for (k, child) in o {
                        walk(
                            child,
                            format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                            out,
                        );
                    }
                }
                Value::Array(a) if !a.is_empty() => {
                    for (i, child) in a.iter().enumerate() {
                        walk(child, format!("{at}/{i}"), out);
                    }
                }
                _ => out.push(at),
            }
        }
        let mut out = Vec::new();
        walk(v, String::new(), &mut out);
        out
    }

    /// Values a broken or hostile channel might put anywhere.
    pub(crate) fn odd_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            Just(json!("")),
            Just(json!("abc")),
            Just(json!("1.999")),
            Just(json!("-5.00")),
            Just(json!("99999999999999999999")),
            Just(json!(-1)),
            Just(json!(0)),
            Just(json!(1.5)),
            Just(json!(u64::MAX)),
            Just(json!([])),
            Just(json!({})),
            "\\PC{0,8}".prop_map(Value::String),
        ]
    }

    /// Replaces the leaf of `sample` that `pick` chooses with `odd` and maps the result with
    /// `map`. A mapped order must still have lines and a total of at least zero; an
    /// unmappable one must name its problems and, unless the order's own id was broken,
    /// keep the order under `id` (so the exception queue can hold it).
    pub(crate) fn broken_field_is_mapped_or_kept(
        sample: Value,
        pick: prop::sample::Index,
        odd: Value,
        map: fn(&[u8]) -> Result<crate::orders::IncomingOrder, super::Unmappable>,
        id: &str,
    ) -> Result<(), TestCaseError> {
        let mut v = sample;
        let pointers = leaf_pointers(&v);
        let at = pointers[pick.index(pointers.len())].clone();
        if let Some(slot) = v.pointer_mut(&at) {
            *slot = odd;
        }
        match map(&serde_json::to_vec(&v).unwrap()) {
            Ok(o) => {
                prop_assert!(!o.lines.is_empty());
                prop_assert!(o.totals.total().minor() >= 0);
            }
            Err(e) => {
                prop_assert!(!e.problems.is_empty());
                if !at.ends_with("/id") || at.contains("line_items") {
                    let kept = e.external_id.as_ref().map(AsRef::as_ref);
                    prop_assert_eq!(kept, Some(id), "{}", at);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn channel_amounts_are_exact_and_tolerate_only_zero_padding() {
        assert_eq!(channel_amount("598.94", cur("USD")).unwrap().minor(), 59894);
        assert_eq!(channel_amount("0.9", cur("USD")).unwrap().minor(), 90);
        assert_eq!(channel_amount("1000.00", cur("JPY")).unwrap().minor(), 1000);
        assert_eq!(channel_amount("12.5000", cur("USD")).unwrap().minor(), 1250);
        assert!(matches!(
            channel_amount("12.505", cur("USD")),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(channel_amount("1000.50", cur("JPY")).is_err());
        assert_eq!(
            channel_amount("-1.00", cur("USD")),
            Err(MoneyError::Negative)
        );
        assert_eq!(
            channel_amount("1e3", cur("USD")),
            Err(MoneyError::Malformed)
        );
    }

    #[test]
    fn ids_arrive_as_numbers_or_strings() {
        assert_eq!(id_text(Some(&json!(450789469))).unwrap(), "450789469");
        assert_eq!(id_text(Some(&json!(" 727 "))).unwrap(), "727");
        assert_eq!(id_text(Some(&json!(null))), None);
        assert_eq!(id_text(Some(&json!(""))), None);
        assert_eq!(id_text(None), None);
    }

    #[test]
    fn the_reader_collects_every_problem() {
        assert!(matches!(
            Reader::new("currency", Some("XXX")),
            Err(MappingProblem::UnknownCurrency { .. })
        ));
        assert!(matches!(
            Reader::new("currency", None),
            Err(MappingProblem::Missing { .. })
        ));
        let mut r = Reader::new("currency", Some("usd")).unwrap();
        assert_eq!(r.amount("total", None).minor(), 0);
        assert_eq!(r.amount_or_zero("shipping", Some("abc")).minor(), 0);
        assert!(r.quantity("q", Some(&json!(0))).is_none());
        assert!(r.quantity("q", Some(&json!(1.5))).is_none());
        assert_eq!(r.quantity("q", Some(&json!("3"))).unwrap().get(), 3);
        assert!(r.email("email", Some("nope")).is_none());
        assert!(r.email("email", Some("")).is_none());
        assert!(
            r.instant("at", Some("2017-03-22T19:28:02"), false)
                .is_none()
        );
        let codes: Vec<_> = r.problems.iter().map(MappingProblem::code).collect();
        assert_eq!(
            codes,
            [
                "missing_field",
                "bad_amount",
                "bad_quantity",
                "bad_quantity",
                "bad_value",
                "bad_value"
            ]
        );
    }

    #[test]
    fn instants_read_offsets_and_naive_utc() {
        let mut r = Reader::new("currency", Some("USD")).unwrap();
        let shopify = r
            .instant("created_at", Some("2008-01-10T11:00:00-05:00"), false)
            .unwrap();
        assert_eq!(shopify.to_string(), "2008-01-10T16:00:00Z");
        let woo = r
            .instant("date_created_gmt", Some("2017-03-22T19:28:02"), true)
            .unwrap();
        assert_eq!(woo.to_string(), "2017-03-22T19:28:02Z");
        assert!(r.problems.is_empty());
    }

    #[test]
    fn unit_prices_from_subtotals_round_half_up() {
        let q = |n| Quantity::new(n).unwrap();
        let usd = |m| Money::from_minor(m, cur("USD"));
        assert_eq!(unit_from_subtotal(usd(600), q(2)).minor(), 300);
        assert_eq!(unit_from_subtotal(usd(1000), q(3)).minor(), 333);
        assert_eq!(unit_from_subtotal(usd(1001), q(2)).minor(), 501);
    }

    proptest! {
        #[test]
        fn channel_amounts_never_panic_on_any_text(raw in "\\PC{0,12}", dot in "[0-9]{0,3}\\.[0-9é٣]{0,5}") {
            for code in ["USD", "JPY", "KWD"] {
                let _ = channel_amount(&raw, cur(code));
                let _ = channel_amount(&dot, cur(code));
            }
        }

        #[test]
        fn channel_amounts_round_trip_with_any_zero_padding(minor in 0_i64..10_i64.pow(15), pad in 0_usize..4) {
            for code in ["USD", "JPY", "KWD"] {
                let m = Money::from_minor(minor, cur(code));
                let mut text = m.amount_text();
                if pad > 0 {
                    if !text.contains('.') { text.push('.'); }
                    text.push_str(&"0".repeat(pad));
                }
                prop_assert_eq!(channel_amount(&text, cur(code)).unwrap(), m);
            }
        }
    }
}
