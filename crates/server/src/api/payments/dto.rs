//! DTOs of the payment routes. Money is `{"amount": "19.90", "currency": "CNY"}`; instants
//! are RFC 3339.

use omnihub_app::payments::{NewPayment, Payment, PaymentEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::catalog::dto::MoneyDto;

/// A payment to record. Any field (known or not) carrying something that looks like a card
/// number is refused with `card-number-refused`: card numbers are never stored.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"method": "alipay", "amount": "59.80", "state": "captured", "provider_reference": "2026120122001", "payer": "Li Lei"}))]
pub struct PaymentBody {
    /// `card`, `alipay`, `wechat_pay`, `digital_rmb`, `bank_transfer`, `cash_on_delivery`
    /// or `marketplace`.
    pub method: String,
    /// Decimal text in the order's currency; more than 0 and at most what is still due.
    pub amount: String,
    /// `pending` (default), `authorized` or `captured`.
    pub state: Option<String>,
    /// The provider handling it (`test` for the built-in one), if any.
    pub provider: Option<String>,
    /// The provider's id of the payment, unique per provider.
    pub provider_reference: Option<String>,
    /// Who paid.
    pub payer: Option<String>,
    /// Staff note.
    pub note: Option<String>,
}

impl From<PaymentBody> for NewPayment {
    fn from(b: PaymentBody) -> Self {
        Self {
            method: b.method,
            amount: b.amount,
            state: b.state,
            provider: b.provider,
            provider_reference: b.provider_reference,
            payer: b.payer,
            note: b.note,
        }
    }
}

/// A refund.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"amount": "10.00"}))]
pub struct RefundBody {
    /// Decimal text in the payment's currency; at most what is not yet refunded.
    pub amount: String,
}

/// A provider's notification secret.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SecretBody {
    /// At least 16 characters; write-only (stored sealed, never shown again).
    pub secret: String,
}

/// One entry of a payment's event log.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentEventDto {
    /// `recorded`, `authorized`, `captured`, `failed` or `refunded`.
    pub event: String,
    /// The payment's state after it.
    pub state: String,
    /// What it moved.
    pub amount: MoneyDto,
    /// `user:<id>`, `api_key:<id>` or `provider:<name>`.
    pub actor: String,
    /// When.
    pub at: String,
}

impl From<PaymentEvent> for PaymentEventDto {
    fn from(e: PaymentEvent) -> Self {
        Self {
            event: e.event,
            state: e.state.code().to_owned(),
            amount: e.amount.into(),
            actor: e.actor,
            at: e.at.to_string(),
        }
    }
}

/// One payment of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    /// Id.
    pub id: String,
    /// The order.
    pub order_id: String,
    /// Method code.
    pub method: String,
    /// `pending`, `authorized`, `captured`, `failed`, `partially_refunded` or `refunded`.
    pub state: String,
    /// How much.
    pub amount: MoneyDto,
    /// How much of it was given back.
    pub refunded: MoneyDto,
    /// Provider name.
    pub provider: Option<String>,
    /// The provider's id of the payment.
    pub provider_reference: Option<String>,
    /// Who paid.
    pub payer: Option<String>,
    /// Staff note.
    pub note: Option<String>,
    /// Recorded at.
    pub created_at: String,
    /// Last changed at.
    pub updated_at: String,
    /// Its event log, oldest first.
    pub events: Vec<PaymentEventDto>,
}

impl From<Payment> for PaymentDto {
    fn from(p: Payment) -> Self {
        Self {
            id: p.id.to_string(),
            order_id: p.order_id.to_string(),
            method: p.method.code().to_owned(),
            state: p.state.code().to_owned(),
            amount: p.amount.into(),
            refunded: p.refunded.into(),
            provider: p.provider,
            provider_reference: p.provider_reference,
            payer: p.payer,
            note: p.note,
            created_at: p.created_at.to_string(),
            updated_at: p.updated_at.to_string(),
            events: p.events.into_iter().map(Into::into).collect(),
        }
    }
}

/// An order's payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentListDto {
    /// Oldest first.
    pub items: Vec<PaymentDto>,
}

/// What became of a provider notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationAck {
    /// `applied` or `duplicate` (nothing changed).
    pub outcome: String,
    /// The payment as it is now.
    pub payment: PaymentDto,
}

/// The merchant a provider notification is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotifyParams {
    /// The merchant's id.
    #[param(value_type = String, format = Uuid)]
    pub merchant_id: omnihub_domain::ids::MerchantId,
}
