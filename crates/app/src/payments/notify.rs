//! Provider notifications (docs/adr/0019): a provider tells us a payment was authorised,
//! captured, failed or refunded. The notification is verified with the merchant's secret
//! for that provider (sealed at rest with `app.secrets`, like channel credentials) before
//! anything is read, and applied once: a notification already applied (same body, keyed
//! hash kept in the payment's event log) or one the payment is already at changes nothing.

use omnihub_domain::access::Permission;
use omnihub_domain::ids::MerchantId;
use omnihub_domain::payments::{
    Notification, NotificationError, NotificationEvent, PaymentProvider, PaymentState, TestProvider,
};
use omnihub_store::payments::{self as store, PaymentRow};
use omnihub_store::{Tx, time};

use super::{Act, Payment, move_in, payment_in, refund_step, refused};
use crate::audit::{self, Change};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// What became of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// It moved the payment.
    Applied,
    /// Already applied, or the payment is already there: nothing changed.
    Duplicate,
}

impl NotificationOutcome {
    /// A stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
        }
    }
}

/// The built-in provider named `name`.
fn provider(name: &str) -> Result<TestProvider> {
    let p = TestProvider;
    if p.name() == name {
        Ok(p)
    } else {
        Err(Error::NotFound {
            entity: "payment provider",
        })
    }
}

/// Sets the merchant's notification secret for a provider (at least 16 characters).
/// Needs `settings.manage`; audited (not the secret).
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn set_provider_secret(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    name: &str,
    secret: &str,
) -> Result<()> {
    actor.require_in(merchant, Permission::SettingsManage)?;
    let p = provider(name)?;
    if secret.trim().chars().count() < 16 {
        return Err(Error::Validation(vec![crate::FieldError::new(
            "secret",
            "too_short",
            "at least 16 characters",
        )]));
    }
    let sealed = app
        .secrets
        .seal(secret.trim().as_bytes(), app.entropy.as_ref())?;
    let mut tx = app.db.begin_write().await?;
    store::put_provider_secret(&mut tx, merchant, p.name(), &sealed, time::to_db(app.now()))
        .await?;
    let change = Change {
        action: "payment_provider.set_secret",
        entity_type: "payment_provider",
        entity_id: Some(p.name().to_owned()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({"secret": "set"})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

async fn verified(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    name: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Notification> {
    let p = provider(name)?;
    let sealed = store::provider_secret(tx, merchant, p.name()).await?;
    let secret = match sealed {
        Some(s) => String::from_utf8(app.secrets.open(&s)?).map_err(crate::inventory::corrupt)?,
        None => String::new(),
    };
    p.verify_notification(&secret, headers, body)
        .map_err(|e| match e {
            NotificationError::Signature => Error::Unauthenticated,
            NotificationError::Malformed(m) => Error::Unprocessable {
                code: "notification-malformed",
                message: m,
            },
        })
}

fn already_there(state: PaymentState, event: NotificationEvent) -> bool {
    match event {
        NotificationEvent::Authorized => state != PaymentState::Pending,
        NotificationEvent::Captured => matches!(
            state,
            PaymentState::Captured | PaymentState::PartiallyRefunded | PaymentState::Refunded
        ),
        NotificationEvent::Failed => state == PaymentState::Failed,
        NotificationEvent::Refunded => false,
    }
}

async fn seen(tx: &mut Tx, merchant: MerchantId, row: &PaymentRow, key: &str) -> Result<bool> {
    let events = store::events_of(tx, merchant, row.id).await?;
    Ok(events.iter().any(|e| {
        serde_json::from_str::<serde_json::Value>(&e.data)
            .is_ok_and(|d| d["notification"].as_str() == Some(key))
    }))
}

/// Applies a provider's notification after verifying its signature over the raw body
/// (401 when missing, wrong, or no secret is set). No permission check: the signature is
/// the sender's credential. The payment is found by the provider's reference.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant, provider = name), err)]
pub async fn receive_notification(
    app: &App,
    merchant: MerchantId,
    name: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(NotificationOutcome, Payment)> {
    let actor = Actor {
        merchant: Some(merchant),
        platform: false,
        ..Actor::system()
    };
    let mut tx = app.db.begin_write().await?;
    let n = verified(app, &mut tx, merchant, name, headers, body).await?;
    let row = store::payment_by_reference(&mut tx, merchant, name, &n.provider_reference)
        .await?
        .ok_or(Error::NotFound { entity: "payment" })?;
    let key: String = app
        .secrets
        .keyed_hash(body)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let state = PaymentState::parse(&row.state).map_err(crate::inventory::corrupt)?;
    if seen(&mut tx, merchant, &row, &key).await? || already_there(state, n.event) {
        let out = payment_in(&mut tx, merchant, row).await?;
        tx.commit().await?;
        return Ok((NotificationOutcome::Duplicate, out));
    }
    let who = format!("provider:{name}");
    let amount = n.amount.clone().unwrap_or_default();
    let (event, action) = match n.event {
        NotificationEvent::Authorized => ("authorized", "payment.authorize"),
        NotificationEvent::Captured => ("captured", "payment.capture"),
        NotificationEvent::Failed => ("failed", "payment.fail"),
        NotificationEvent::Refunded => ("refunded", "payment.refund"),
    };
    let step = |s: PaymentState, r: &PaymentRow| match n.event {
        NotificationEvent::Authorized => Ok((
            s.authorize().map_err(refused)?,
            r.refunded_minor,
            r.amount_minor,
        )),
        NotificationEvent::Captured => Ok((
            s.capture().map_err(refused)?,
            r.refunded_minor,
            r.amount_minor,
        )),
        NotificationEvent::Failed => Ok((s.fail().map_err(refused)?, r.refunded_minor, 0)),
        NotificationEvent::Refunded => refund_step(s, r, &amount),
    };
    let act = Act {
        event,
        action,
        who: &who,
        data: serde_json::json!({"notification": key}),
    };
    let row = move_in(app, &mut tx, &actor, merchant, row, &act, step).await?;
    let out = payment_in(&mut tx, merchant, row).await?;
    tx.commit().await?;
    Ok((NotificationOutcome::Applied, out))
}
