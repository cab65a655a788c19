//! Incoming channel webhooks: signature checks over the raw body, topics and the
//! WooCommerce ping. Pure functions, so the HTTP layer verifies the exact bytes it received
//! before any JSON parsing, and tests and the mock channel sign with the same code.
//!
//! - Shopify: `X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(secret, raw_body))`
//!   (shopify-api-js `lib/webhooks/validate.ts`).
//! - WooCommerce: `X-WC-Webhook-Signature = base64(HMAC-SHA256(decoded(secret), raw_body))`
//!   where `decoded` is WordPress's `wp_specialchars_decode(secret, ENT_QUOTES)`
//!   (`WC_Webhook::generate_signature`).
//!
//! Comparison is constant-time (`hmac`'s `verify_slice`), so the time a wrong signature
//! takes says nothing about how much of it was right.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::codes::code_enum;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook's signature was refused. Both mean "401, store nothing".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is missing or is not base64 of 32 bytes.
    #[error("the webhook signature header is missing or malformed")]
    Malformed,
    /// Well-formed, but not made with this channel's secret over this body.
    #[error("the webhook signature does not match")]
    Mismatch,
}

impl SignatureError {
    /// A stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "signature-malformed",
            Self::Mismatch => "signature-mismatch",
        }
    }
}

fn mac(key: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long keys are hashed), so this cannot fail; the
    // fallback keeps the function total without an unwrap.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
    m.update(body);
    m
}

fn sign(key: &[u8], body: &[u8]) -> String {
    STANDARD.encode(mac(key, body).finalize().into_bytes())
}

fn verify(key: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let given = header
        .map(str::trim)
        .and_then(|h| STANDARD.decode(h).ok())
        .filter(|b| b.len() == 32)
        .ok_or(SignatureError::Malformed)?;
    mac(key, body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Shopify-Hmac-Sha256` value for `body` (for the mock channel and tests).
pub fn sign_shopify(secret: &str, body: &[u8]) -> String {
    sign(secret.as_bytes(), body)
}

/// Checks `X-Shopify-Hmac-Sha256` (`header`, `None` when absent) against the raw body.
pub fn verify_shopify(
    secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    verify(secret.as_bytes(), body, header)
}

/// The `X-WC-Webhook-Signature` value for `body` (for the mock channel and tests).
pub fn sign_woocommerce(secret: &str, body: &[u8]) -> String {
    sign(wp_specialchars_decode(secret).as_bytes(), body)
}

/// Checks `X-WC-Webhook-Signature` against the raw body. WooCommerce signs with the
/// secret's HTML entities decoded, so a secret typed as `a&amp;b` signs as `a&b`.
pub fn verify_woocommerce(
    secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    verify(wp_specialchars_decode(secret).as_bytes(), body, header)
}

/// WordPress's `wp_specialchars_decode($s, ENT_QUOTES)`: decodes exactly `&amp;`, `&lt;`,
/// `&gt;`, `&quot;` and the single/double quote numeric forms, in one left-to-right pass
/// (so `&amp;lt;` becomes `&lt;`, not `<`), and leaves every other `&` alone.
pub fn wp_specialchars_decode(raw: &str) -> String {
    const ENTITIES: [(&str, char); 10] = [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#039;", '\''),
        ("&#39;", '\''),
        ("&#x27;", '\''),
        ("&#034;", '"'),
        ("&#34;", '"'),
        ("&#x22;", '"'),
    ];
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let hit = ENTITIES.iter().find(|(entity, _)| {
            tail.get(..entity.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(entity))
        });
        match hit {
            Some((entity, ch)) => {
                out.push(*ch);
                rest = &tail[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

code_enum!(
    /// What an order webhook says happened, whichever channel sent it.
    OrderTopic {
        /// A new order (Shopify `orders/create`, WooCommerce `order.created`).
        Created = "created",
        /// A change to an order we may already hold (`orders/updated`, `order.updated`).
        Updated = "updated",
        /// The channel cancelled the order (`orders/cancelled`).
        Cancelled = "cancelled",
    }
);

/// A topic header naming something we do not take (products, customers, deletions...).
/// The receiver answers 2xx so the channel does not retry, and records nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported webhook topic {0:?}")]
pub struct UnsupportedTopic(pub String);

impl OrderTopic {
    /// Parses `X-Shopify-Topic`.
    pub fn parse_shopify(raw: &str) -> Result<Self, UnsupportedTopic> {
        match raw.trim() {
            "orders/create" => Ok(Self::Created),
            "orders/updated" => Ok(Self::Updated),
            "orders/cancelled" => Ok(Self::Cancelled),
            other => Err(UnsupportedTopic(other.to_owned())),
        }
    }

    /// Parses `X-WC-Webhook-Topic`. WooCommerce reports cancellations as `order.updated`
    /// with `status: cancelled`; the mapped order's channel status carries that.
    pub fn parse_woocommerce(raw: &str) -> Result<Self, UnsupportedTopic> {
        match raw.trim() {
            "order.created" => Ok(Self::Created),
            "order.updated" => Ok(Self::Updated),
            other => Err(UnsupportedTopic(other.to_owned())),
        }
    }
}

/// Recognises WooCommerce's ping: when a webhook is saved WooCommerce POSTs the form body
/// `webhook_id=NN` (not JSON) and keeps the webhook only if we answer 200. Returns the
/// webhook id. The ping is sent signed like any delivery; check the signature first.
pub fn woocommerce_ping(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let id = text.strip_prefix("webhook_id=")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHOPIFY_VECTOR: &str = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";

    #[test]
    fn shopify_official_test_vector() {
        let body = br#"{"foo": "bar"}"#;
        assert_eq!(sign_shopify("test_secret_key", body), SHOPIFY_VECTOR);
        assert_eq!(
            verify_shopify("test_secret_key", body, Some(SHOPIFY_VECTOR)),
            Ok(())
        );
        assert_eq!(
            verify_shopify("other_key", body, Some(SHOPIFY_VECTOR)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_shopify("test_secret_key", br#"{"foo":"bar"}"#, Some(SHOPIFY_VECTOR)),
            Err(SignatureError::Mismatch),
            "the raw bytes are signed, not the JSON value"
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_refused() {
        let body = b"{}";
        for header in [None, Some(""), Some("not base64!"), Some("YWJj")] {
            assert_eq!(
                verify_shopify("k", body, header),
                Err(SignatureError::Malformed),
                "{header:?}"
            );
        }
        let padded = format!("  {}\n", sign_shopify("k", body));
        assert_eq!(verify_shopify("k", body, Some(&padded)), Ok(()));
        assert_eq!(SignatureError::Mismatch.code(), "signature-mismatch");
    }

    #[test]
    fn woocommerce_signs_with_the_html_decoded_secret() {
        let body = br#"{"id":727}"#;
        let with_entity = sign_woocommerce("s3cr&amp;t", body);
        assert_eq!(with_entity, sign_shopify("s3cr&t", body));
        assert_eq!(
            verify_woocommerce("s3cr&amp;t", body, Some(&with_entity)),
            Ok(())
        );
        assert_eq!(
            verify_woocommerce("s3cr&t", body, Some(&with_entity)),
            Ok(())
        );
        assert_eq!(
            verify_woocommerce("s3cret", body, Some(&with_entity)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn wordpress_decoding_matches_php() {
        assert_eq!(wp_specialchars_decode("a&amp;b"), "a&b");
        assert_eq!(
            wp_specialchars_decode("&lt;&GT;&quot;&#039;&#x27;"),
            "<>\"''"
        );
        assert_eq!(wp_specialchars_decode("&amp;lt;"), "&lt;");
        assert_eq!(wp_specialchars_decode("&copy; & &amp"), "&copy; & &amp");
        assert_eq!(wp_specialchars_decode("中&amp;文"), "中&文");
    }

    #[test]
    fn topics_of_both_channels_parse() {
        assert_eq!(
            OrderTopic::parse_shopify("orders/create"),
            Ok(OrderTopic::Created)
        );
        assert_eq!(
            OrderTopic::parse_shopify("orders/updated"),
            Ok(OrderTopic::Updated)
        );
        assert_eq!(
            OrderTopic::parse_shopify("orders/cancelled"),
            Ok(OrderTopic::Cancelled)
        );
        assert!(OrderTopic::parse_shopify("products/create").is_err());
        assert_eq!(
            OrderTopic::parse_woocommerce("order.created"),
            Ok(OrderTopic::Created)
        );
        assert_eq!(
            OrderTopic::parse_woocommerce("order.updated"),
            Ok(OrderTopic::Updated)
        );
        assert_eq!(
            OrderTopic::parse_woocommerce("order.deleted"),
            Err(UnsupportedTopic("order.deleted".into()))
        );
    }

    #[test]
    fn the_woocommerce_ping_is_recognised() {
        assert_eq!(woocommerce_ping(b"webhook_id=17"), Some(17));
        assert_eq!(woocommerce_ping(b"webhook_id=17\n"), Some(17));
        for not_ping in [
            &b"{\"id\":17}"[..],
            b"webhook_id=",
            b"webhook_id=1x",
            b"id=3",
            b"\xff",
        ] {
            assert_eq!(woocommerce_ping(not_ping), None, "{not_ping:?}");
        }
    }

    proptest! {
        #[test]
        fn a_signature_verifies_only_its_own_body(
            secret in "[ -~]{1,40}",
            body in proptest::collection::vec(any::<u8>(), 0..200),
            flip in any::<prop::sample::Index>(),
        ) {
            let sig = sign_shopify(&secret, &body);
            prop_assert_eq!(verify_shopify(&secret, &body, Some(&sig)), Ok(()));
            let woo = sign_woocommerce(&secret, &body);
            prop_assert_eq!(verify_woocommerce(&secret, &body, Some(&woo)), Ok(()));
            if !body.is_empty() {
                let mut tampered = body.clone();
                let i = flip.index(tampered.len());
                tampered[i] ^= 1;
                prop_assert_eq!(
                    verify_shopify(&secret, &tampered, Some(&sig)),
                    Err(SignatureError::Mismatch)
                );
            }
        }
    }
}
