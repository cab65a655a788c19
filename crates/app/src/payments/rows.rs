//! Payments as the app hands them out, read back from their rows, and the input of a new
//! one.

use jiff::Timestamp;
use omnihub_domain::money::{Currency, Money};
use omnihub_domain::orders::OrderId;
use omnihub_domain::payments::{PaymentId, PaymentMethod, PaymentState};
use omnihub_store::payments::{PaymentEventRow, PaymentRow};
use omnihub_store::time;

use crate::error::Result;
use crate::inventory::corrupt;

/// A new payment as the client sent it (texts untrimmed, amount as decimal text in the
/// order's currency).
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    /// Method code.
    pub method: String,
    /// Decimal amount, e.g. `19.90`.
    pub amount: String,
    /// `pending` (default), `authorized` or `captured`.
    pub state: Option<String>,
    /// Provider name (`test`...), when a provider handles it.
    pub provider: Option<String>,
    /// The provider's id of the payment (unique per provider).
    pub provider_reference: Option<String>,
    /// Who paid.
    pub payer: Option<String>,
    /// Staff note.
    pub note: Option<String>,
}

impl NewPayment {
    /// The free-text fields, checked for card numbers before anything else.
    pub fn texts(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("amount", Some(self.amount.as_str())),
            ("provider", self.provider.as_deref()),
            ("provider_reference", self.provider_reference.as_deref()),
            ("payer", self.payer.as_deref()),
            ("note", self.note.as_deref()),
        ]
    }
}

/// One entry of a payment's event log.
#[derive(Debug, Clone)]
pub struct PaymentEvent {
    /// `recorded`, `authorized`, `captured`, `failed` or `refunded`.
    pub event: String,
    /// The payment's state after it.
    pub state: PaymentState,
    /// What it moved.
    pub amount: Money,
    /// `user:<id>`, `api_key:<id>`, `provider:<name>` or `system`.
    pub actor: String,
    /// When.
    pub at: Timestamp,
}

/// One payment of an order.
#[derive(Debug, Clone)]
pub struct Payment {
    /// Id.
    pub id: PaymentId,
    /// The order.
    pub order_id: OrderId,
    /// How it was paid.
    pub method: PaymentMethod,
    /// Where it is.
    pub state: PaymentState,
    /// How much.
    pub amount: Money,
    /// How much of it was given back.
    pub refunded: Money,
    /// Provider name.
    pub provider: Option<String>,
    /// The provider's id of the payment.
    pub provider_reference: Option<String>,
    /// Who paid.
    pub payer: Option<String>,
    /// Staff note.
    pub note: Option<String>,
    /// Recorded at.
    pub created_at: Timestamp,
    /// Last changed at.
    pub updated_at: Timestamp,
    /// Its event log, oldest first.
    pub events: Vec<PaymentEvent>,
}

impl Payment {
    pub(crate) fn from_rows(r: &PaymentRow, events: &[PaymentEventRow]) -> Result<Self> {
        let currency = Currency::parse(&r.currency).map_err(corrupt)?;
        let events = events
            .iter()
            .map(|e| {
                Ok(PaymentEvent {
                    event: e.event.clone(),
                    state: PaymentState::parse(&e.state).map_err(corrupt)?,
                    amount: Money::from_minor(e.amount_minor, currency),
                    actor: e.actor.clone(),
                    at: time::from_db(e.at)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            id: PaymentId::from_uuid(r.id),
            order_id: OrderId::from_uuid(r.order_id),
            method: PaymentMethod::parse(&r.method).map_err(corrupt)?,
            state: PaymentState::parse(&r.state).map_err(corrupt)?,
            amount: Money::from_minor(r.amount_minor, currency),
            refunded: Money::from_minor(r.refunded_minor, currency),
            provider: r.provider.clone(),
            provider_reference: r.provider_reference.clone(),
            payer: r.payer.clone(),
            note: r.note.clone(),
            created_at: time::from_db(r.created_at)?,
            updated_at: time::from_db(r.updated_at)?,
            events,
        })
    }
}
