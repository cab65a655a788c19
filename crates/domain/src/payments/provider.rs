//! Payment providers tell us what happened to a payment with signed notifications. A
//! [`PaymentProvider`] checks a notification's signature over the raw body with the
//! merchant's secret for it and parses it into a [`Notification`]; the app then applies the
//! move. The built-in [`TestProvider`] (`test`) is ours, for trials and tests:
//!
//! - body: JSON `{"provider_reference": "...", "event": "authorized|captured|failed|refunded",
//!   "amount": "19.90"}`;
//! - header `X-Omnihub-Signature: base64(HMAC-SHA256(secret, raw_body))`, compared in
//!   constant time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::codes::code_enum;

type HmacSha256 = Hmac<Sha256>;

code_enum!(
    /// What a provider says happened.
    NotificationEvent {
        /// The money was reserved.
        Authorized = "authorized",
        /// The money was taken.
        Captured = "captured",
        /// The payment failed.
        Failed = "failed",
        /// Money was given back (`amount` of it).
        Refunded = "refunded",
    }
);

/// A verified, parsed provider notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The provider's id of the payment (how we find it).
    pub provider_reference: String,
    /// What happened.
    pub event: NotificationEvent,
    /// The amount as decimal text (parsed in the payment's currency by the app).
    pub amount: Option<String>,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// The signature is missing, malformed or wrong: 401, nothing changes.
    #[error("the notification signature is missing or does not match")]
    Signature,
    /// Signed correctly but not a notification we understand: 422.
    #[error("the notification is malformed: {0}")]
    Malformed(String),
}

/// A payment provider that sends signed notifications.
pub trait PaymentProvider {
    /// The provider's stable name, as in the notification URL and `payments.provider`.
    fn name(&self) -> &'static str;

    /// Verifies `body` (the exact bytes received) against `headers` (lower-case names)
    /// with the merchant's `secret`, then parses it.
    fn verify_notification(
        &self,
        secret: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Notification, NotificationError>;
}

/// The built-in `test` provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestProvider;

/// The header the test provider signs in.
pub const TEST_SIGNATURE_HEADER: &str = "x-omnihub-signature";

fn mac(key: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps it total.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
    m.update(body);
    m
}

impl TestProvider {
    /// The `X-Omnihub-Signature` value for `body` (for tests and demos).
    pub fn sign(secret: &str, body: &[u8]) -> String {
        STANDARD.encode(mac(secret.as_bytes(), body).finalize().into_bytes())
    }
}

#[derive(serde::Deserialize)]
struct TestBody {
    provider_reference: String,
    event: String,
    amount: Option<String>,
}

impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn verify_notification(
        &self,
        secret: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Notification, NotificationError> {
        let given = headers
            .iter()
            .find(|(k, _)| k == TEST_SIGNATURE_HEADER)
            .and_then(|(_, v)| STANDARD.decode(v.trim()).ok())
            .filter(|b| b.len() == 32)
            .ok_or(NotificationError::Signature)?;
        if secret.is_empty() {
            return Err(NotificationError::Signature);
        }
        mac(secret.as_bytes(), body)
            .verify_slice(&given)
            .map_err(|_| NotificationError::Signature)?;
        let b: TestBody = serde_json::from_slice(body)
            .map_err(|e| NotificationError::Malformed(e.to_string()))?;
        let event = NotificationEvent::parse(&b.event)
            .map_err(|e| NotificationError::Malformed(format!("event {e}")))?;
        if b.provider_reference.trim().is_empty() {
            return Err(NotificationError::Malformed(
                "provider_reference is empty".to_owned(),
            ));
        }
        Ok(Notification {
            provider_reference: b.provider_reference,
            event,
            amount: b.amount,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(sig: &str) -> Vec<(String, String)> {
        vec![(TEST_SIGNATURE_HEADER.to_owned(), sig.to_owned())]
    }

    #[test]
    fn a_signed_notification_is_parsed_and_a_forged_one_refused() {
        let body = br#"{"provider_reference":"tp_1","event":"captured","amount":"10.00"}"#;
        let sig = TestProvider::sign("s3cret", body);
        let n = TestProvider
            .verify_notification("s3cret", &headers(&sig), body)
            .unwrap();
        assert_eq!(n.event, NotificationEvent::Captured);
        assert_eq!(n.provider_reference, "tp_1");
        let forged = TestProvider.verify_notification("other", &headers(&sig), body);
        assert_eq!(forged, Err(NotificationError::Signature));
        assert!(
            TestProvider
                .verify_notification("s3cret", &[], body)
                .is_err()
        );
        let empty =
            TestProvider.verify_notification("", &headers(&TestProvider::sign("", body)), body);
        assert_eq!(empty, Err(NotificationError::Signature));
        let bad = br#"{"provider_reference":"tp_1","event":"stolen"}"#;
        let sig = TestProvider::sign("s3cret", bad);
        assert!(matches!(
            TestProvider.verify_notification("s3cret", &headers(&sig), bad),
            Err(NotificationError::Malformed(_))
        ));
    }
}
