//! Idempotency keys for POSTs (DESIGN.md: same key + same body = same response;
//! docs/adr/0016).
//!
//! [`run`] executes a use case's `*_in` variant inside ONE write transaction that first
//! claims the key and, on success, stores the serialised response before committing, so a
//! crash can never leave an effect without its record or a record without its effect. A
//! failed use case rolls back, so its key is not consumed and a retry may succeed later.
//!
//! Concurrent duplicates need no extra locking: on PostgreSQL the second claim's unique
//! insert waits until the first transaction commits (then DO NOTHING, and the committed
//! row is read and replayed) or rolls back (then the second owns the key); on SQLite
//! `BEGIN IMMEDIATE` serialises writers, so the second sees the committed row.

use omnihub_domain::ids::MerchantId;
use omnihub_store::idempotency::{self as store, IdempotencyRow};
use omnihub_store::{StoreError, Tx, time};
use sha2::{Digest, Sha256};

use crate::context::Principal;
use crate::error::{Error, Result};
use crate::{Actor, App};

/// Whether a client's key is acceptable: 1 to 255 printable ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// What identifies one idempotent request: the client's key, the route it was sent to
/// and the hash of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRequest {
    key: String,
    route: String,
    request_hash: String,
}

impl IdempotentRequest {
    /// Hashes the raw body; refuses a key that [`valid_key`] rejects (422 on the header).
    pub fn new(key: &str, route: &str, body: &[u8]) -> Result<Self> {
        if !valid_key(key) {
            return Err(Error::invalid(
                "Idempotency-Key",
                "invalid",
                "1 to 255 printable ASCII characters",
            ));
        }
        Ok(Self {
            key: key.to_owned(),
            route: route.to_owned(),
            request_hash: hex::encode(Sha256::digest(body)),
        })
    }
}

/// A response as stored and replayed: the status and the exact body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status code.
    pub status: u16,
    /// The serialised body, byte for byte.
    pub body: String,
}

/// The answer of [`run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The use case ran now (and, with a key, its response was recorded).
    Fresh(StoredResponse),
    /// The key was seen before with the same route and body: its first response.
    Replayed(StoredResponse),
}

/// The principal as stored with a key, so two clients never share a key space.
fn principal(actor: &Actor) -> String {
    match &actor.principal {
        Principal::System => "system".to_owned(),
        Principal::User { id, .. } => format!("user:{}", id.as_uuid()),
        Principal::ApiKey { id, .. } => format!("api_key:{id}"),
    }
}

/// Runs `op` in one write transaction with the key's record; `render` turns its result into
/// the response to store and send. Without a key it simply runs `op` in a transaction.
/// The caller checks permissions first. Errors: `idempotency-key-reused` (422) when the key
/// was used with another body or route; otherwise the use case's own.
pub async fn run<T>(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    request: Option<&IdempotentRequest>,
    op: impl AsyncFnOnce(&mut Tx) -> Result<T>,
    render: impl FnOnce(T) -> Result<StoredResponse>,
) -> Result<Outcome> {
    let who = principal(actor);
    let mut tx = app.db.begin_write().await?;
    if let Some(req) = request
        && let Some(stored) = claim(app, &mut tx, merchant, &who, req).await?
    {
        tx.commit().await?;
        return Ok(Outcome::Replayed(stored));
    }
    let response = render(op(&mut tx).await?)?;
    if let Some(req) = request {
        let status = i64::from(response.status);
        store::complete(&mut tx, merchant, &who, &req.key, status, &response.body).await?;
    }
    tx.commit().await?;
    Ok(Outcome::Fresh(response))
}

/// Claims the key (`None`: ours now, run the use case) or returns its stored response.
async fn claim(
    app: &App,
    tx: &mut Tx,
    merchant: MerchantId,
    who: &str,
    req: &IdempotentRequest,
) -> Result<Option<StoredResponse>> {
    let row = IdempotencyRow {
        principal: who.to_owned(),
        key: req.key.clone(),
        route: req.route.clone(),
        request_hash: req.request_hash.clone(),
        status_code: None,
        response_body: None,
        created_at: time::to_db(app.now()),
    };
    if store::claim(tx, merchant, &row).await? {
        return Ok(None);
    }
    let seen = store::get(tx, merchant, who, &req.key)
        .await?
        .ok_or_else(|| corrupt("idempotency key vanished after its claim"))?;
    if seen.route != req.route || seen.request_hash != req.request_hash {
        return Err(Error::Unprocessable {
            code: "idempotency-key-reused",
            message: "this Idempotency-Key was already used with another request body or route"
                .to_owned(),
        });
    }
    match (seen.status_code, seen.response_body) {
        (Some(status), Some(body)) => Ok(Some(StoredResponse {
            status: u16::try_from(status).map_err(|_| corrupt("idempotency status code"))?,
            body,
        })),
        _ => Err(corrupt("idempotency key without a response")),
    }
}

/// A stored row that cannot be what this module wrote.
fn corrupt(what: &str) -> Error {
    StoreError::Corrupt(what.to_owned()).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_key_is_one_to_255_printable_ascii_characters() {
        assert!(valid_key("a"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(valid_key("order 1001 ~!"));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("caf\u{e9}"));
    }

    #[test]
    fn the_request_hash_follows_the_body_bytes() {
        let route = "POST /api/v1/inventory/receipts";
        let a = IdempotentRequest::new("k", route, b"{\"a\":1}").unwrap();
        let same = IdempotentRequest::new("k", route, b"{\"a\":1}").unwrap();
        let spaced = IdempotentRequest::new("k", route, b"{\"a\": 1}").unwrap();
        assert_eq!(a, same);
        assert_ne!(a.request_hash, spaced.request_hash);
        assert!(IdempotentRequest::new("", route, b"{}").is_err());
    }
}
