//! Historic orders for the bulk import (issue 8, docs/adr/0024): one NDJSON line per order,
//! `{"status": "delivered", "order": {...}, "payments": [...]}`, where `order` is exactly
//! our API format ([`ApiOrder`], strict about unknown fields and totals) and the wrapper
//! adds what only a finished order has: the status it ended in and its payment rows.
//!
//! The wrapper keeps the API format untouched instead of flattening into it, because
//! serde's `flatten` would silently drop the API format's refusal of unknown fields.
//! Parsing a line is pure; which SKU codes exist is for the app to check.

use serde::Deserialize;

use crate::money::{Currency, Money};
use crate::payments::{PaymentMethod, PaymentState, contains_card_number};

use super::api_format::ApiOrder;
use super::state::{FulfilmentStatus, OrderStatus};
use super::types::IncomingOrder;

/// Most payment rows one historic order may carry.
pub const MAX_PAYMENTS: usize = 64;

/// Most instalments of one payment.
pub const MAX_INSTALLMENTS: i64 = 120;

/// One line of the file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoricRecord {
    /// The status the order ended in: `shipped`, `delivered`, `completed` or `cancelled`.
    pub status: String,
    /// The order in our API format.
    pub order: ApiOrder,
    /// Its payments, in the order they were made.
    #[serde(default)]
    pub payments: Vec<HistoricPaymentRecord>,
}

/// One payment row, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoricPaymentRecord {
    /// A payment method code (`card`, `bank_transfer`, `marketplace`...).
    pub method: String,
    /// Decimal string in the order's currency (`"19.90"`).
    pub amount: String,
    /// Instalments; 1 when absent, 0 when the old system recorded none.
    pub installments: Option<i64>,
    /// Position among the order's payments, from 1; the row's position when absent.
    pub sequence: Option<i64>,
    /// A payment state code; `captured` when absent.
    pub state: Option<String>,
    /// Free text kept with the payment (the old system's payment type, say).
    pub note: Option<String>,
}

/// A payment of a historic order, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricPayment {
    /// How it was paid.
    pub method: PaymentMethod,
    /// Where it ended.
    pub state: PaymentState,
    /// How much, in the order's currency.
    pub amount: Money,
    /// 0 (not recorded) to [`MAX_INSTALLMENTS`].
    pub installments: i64,
    /// From 1.
    pub sequence: i64,
    /// Kept as given (trimmed, at most 200 characters).
    pub note: Option<String>,
}

/// A historic order, checked: the mapped order, the status it ended in and its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoricOrder {
    /// The order as every intake path maps it (totals checked to add up).
    pub order: IncomingOrder,
    /// Where it ended.
    pub status: OrderStatus,
    /// Fulfilled unless it was cancelled.
    pub fulfilment: FulfilmentStatus,
    /// Its payments.
    pub payments: Vec<HistoricPayment>,
}

impl HistoricOrder {
    /// Sum of its payment rows in minor units (they are checked not to overflow).
    pub fn payment_total(&self) -> i64 {
        self.payments.iter().map(|p| p.amount.minor()).sum()
    }

    /// Upper-cased SKU codes of its lines (how the catalogue matches codes).
    pub fn sku_keys(&self) -> impl Iterator<Item = String> + '_ {
        self.order
            .lines
            .iter()
            .filter_map(|l| l.item.sku.as_ref().map(|s| s.as_ref().to_ascii_uppercase()))
    }
}

/// Why a line of the file cannot be imported; the message is for the person who made the
/// file and names the JSON path of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// Parses and checks one line (without its line break). `currency` is the channel's: a
/// historic order in another currency is refused, so a run's payment total is one sum.
pub fn parse_line(line: &[u8], currency: Currency) -> Result<HistoricOrder, Malformed> {
    let record: HistoricRecord = serde_json::from_slice(line)
        .map_err(|e| Malformed(format!("not a historic order: {e}")))?;
    check(&record, currency)
}

/// Checks a parsed record.
pub fn check(record: &HistoricRecord, currency: Currency) -> Result<HistoricOrder, Malformed> {
    let status = OrderStatus::parse(&record.status)
        .map_err(|e| Malformed(format!("status: {e}")))
        .and_then(|s| historic_status(s).map(|f| (s, f)));
    let (status, fulfilment) = status?;
    let order = IncomingOrder::try_from(&record.order).map_err(|u| {
        let problems: Vec<String> = u.problems.iter().map(|p| format!("order: {p}")).collect();
        Malformed(problems.join("; "))
    })?;
    if order.currency != currency {
        return Err(Malformed(format!(
            "order.currency: {} differs from the channel's {currency}",
            order.currency
        )));
    }
    if record.payments.len() > MAX_PAYMENTS {
        return Err(Malformed(format!(
            "payments: more than {MAX_PAYMENTS} rows"
        )));
    }
    let mut payments = Vec::with_capacity(record.payments.len());
    let mut total = Money::zero(currency);
    for (i, p) in record.payments.iter().enumerate() {
        let payment = payment(i, p, currency)?;
        total = total
            .checked_add(payment.amount)
            .map_err(|e| Malformed(format!("payments[{i}].amount: {e}")))?;
        payments.push(payment);
    }
    Ok(HistoricOrder {
        order,
        status,
        fulfilment,
        payments,
    })
}

/// Only the statuses an order ends in may be imported: anything earlier would need
/// stock reserved and work done, which a record of the past must not trigger.
fn historic_status(s: OrderStatus) -> Result<FulfilmentStatus, Malformed> {
    match s {
        OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Completed => {
            Ok(FulfilmentStatus::Fulfilled)
        }
        OrderStatus::Cancelled => Ok(FulfilmentStatus::Unfulfilled),
        other => Err(Malformed(format!(
            "status: {} is not a finished order's (shipped, delivered, completed, cancelled)",
            other.code()
        ))),
    }
}

fn payment(
    i: usize,
    p: &HistoricPaymentRecord,
    currency: Currency,
) -> Result<HistoricPayment, Malformed> {
    let at = |f: &str, e: &dyn std::fmt::Display| Malformed(format!("payments[{i}].{f}: {e}"));
    let method = PaymentMethod::parse(&p.method).map_err(|e| at("method", &e))?;
    let state = match p.state.as_deref() {
        None => PaymentState::Captured,
        Some(s) => PaymentState::parse(s).map_err(|e| at("state", &e))?,
    };
    let amount = Money::parse_non_negative(&p.amount, currency).map_err(|e| at("amount", &e))?;
    let installments = p.installments.unwrap_or(1);
    // 0 is what an old system records when it did not count them (two Olist payments).
    if !(0..=MAX_INSTALLMENTS).contains(&installments) {
        return Err(at(
            "installments",
            &format!("must be 0 to {MAX_INSTALLMENTS}"),
        ));
    }
    let position = i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1);
    let sequence = p.sequence.unwrap_or(position);
    if sequence < 1 {
        return Err(at("sequence", &"must be 1 or more"));
    }
    let note = p
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect::<String>());
    if note.as_deref().is_some_and(contains_card_number) {
        return Err(at(
            "note",
            &"looks like a card number; card numbers are never stored",
        ));
    }
    Ok(HistoricPayment {
        method,
        state,
        amount,
        installments,
        sequence,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brl() -> Currency {
        Currency::parse("BRL").unwrap()
    }

    const GOOD: &str = r#"{"status":"delivered","order":{"external_id":"o1","currency":"BRL","placed_at":"2017-10-02T10:56:33Z","payment_status":"paid","lines":[{"sku":"abc","quantity":1,"unit_price":"18.12"}],"total":"18.12"},"payments":[{"method":"card","amount":"18.12","installments":1,"sequence":1,"note":"credit_card"}]}"#;

    #[test]
    fn a_good_line_maps_with_its_payments() {
        let o = parse_line(GOOD.as_bytes(), brl()).unwrap();
        assert_eq!(o.status, OrderStatus::Delivered);
        assert_eq!(o.fulfilment, FulfilmentStatus::Fulfilled);
        assert_eq!(o.payment_total(), 1812);
        assert_eq!(o.sku_keys().collect::<Vec<_>>(), vec!["ABC".to_owned()]);
        assert_eq!(o.payments[0].note.as_deref(), Some("credit_card"));
        let none = GOOD.replace("\"installments\":1", "\"installments\":0");
        assert_eq!(
            parse_line(none.as_bytes(), brl()).unwrap().payments[0].installments,
            0
        );
    }

    #[test]
    fn broken_lines_say_why() {
        let cases = [
            ("{not json", "not a historic order"),
            (&GOOD.replace("delivered", "allocated"), "status: allocated"),
            (
                &GOOD.replace("\"amount\":\"18.12\"", "\"amount\":\"1x\""),
                "payments[0].amount",
            ),
            (
                &GOOD.replace("\"card\"", "\"cheque\""),
                "payments[0].method",
            ),
            (
                &GOOD.replace("\"total\":\"18.12\"", "\"total\":\"9.00\""),
                "order: ",
            ),
            (
                &GOOD.replace("\"status\"", "\"extra\":1,\"status\""),
                "unknown field",
            ),
        ];
        for (line, want) in cases {
            let err = parse_line(line.as_bytes(), brl()).unwrap_err();
            assert!(err.0.contains(want), "{line}: {err}");
        }
        let cny = Currency::parse("CNY").unwrap();
        assert!(
            parse_line(GOOD.as_bytes(), cny)
                .unwrap_err()
                .0
                .contains("differs")
        );
    }
}
