//! The audit log: append-only, hash-chained per merchant (docs/adr/0007).
//!
//! Appending updates the chain's head row first, which takes its row lock on PostgreSQL
//! (and the write lock on SQLite), so concurrent appends to one chain are serialised and
//! sequence numbers stay contiguous.

use omnihub_domain::audit::{ChainedFields, GENESIS};
use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// An entry to append, without its position and hashes.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// Entry id.
    pub id: Uuid,
    /// Chain name: the merchant id, or `platform`.
    pub chain: String,
    /// Merchant, if the change belongs to one.
    pub merchant_id: Option<Uuid>,
    /// `user`, `api_key` or `system`.
    pub actor_type: &'static str,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// What was done, e.g. `merchant.create`.
    pub action: String,
    /// Kind of thing changed.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// State before, JSON text.
    pub before_json: Option<String>,
    /// State after, JSON text.
    pub after_json: Option<String>,
    /// Client address.
    pub client_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Microseconds since the epoch.
    pub created_at: i64,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub chain: String,
    pub seq: i64,
    pub merchant_id: Option<Uuid>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: i64,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The fields the hash covers.
    pub fn chained(&self) -> ChainedFields<'_> {
        ChainedFields {
            chain: &self.chain,
            seq: self.seq,
            merchant_id: self.merchant_id.map(|m| m.to_string()),
            actor_type: &self.actor_type,
            actor_id: self.actor_id.map(|a| a.to_string()),
            actor_label: &self.actor_label,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            client_address: self.client_address.as_deref(),
            user_agent: self.user_agent.as_deref(),
            request_id: self.request_id.as_deref(),
            created_at: self.created_at,
            prev_hash: &self.prev_hash,
        }
    }
}

/// Every column of `audit_log`, in [`AuditRow`] order.
pub const COLUMNS: &str = "id, chain, seq, merchant_id, actor_type, actor_id, actor_label, action, entity_type, \
     entity_id, before_json, after_json, client_address, user_agent, request_id, created_at, prev_hash, hash";

/// Appends an entry to its chain, in the caller's transaction.
pub async fn append(tx: &mut Tx, entry: &NewAuditEntry) -> Result<AuditRow, StoreError> {
    const ENSURE: &str = "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ($1, 0, $2) \
         ON CONFLICT (chain) DO NOTHING";
    const ADVANCE: &str = "UPDATE audit_chains SET last_seq = last_seq + 1 WHERE chain = $1 RETURNING last_seq, last_hash";
    const SET_HEAD: &str = "UPDATE audit_chains SET last_hash = $2 WHERE chain = $1";
    const INSERT: &str = "INSERT INTO audit_log (id, chain, seq, merchant_id, actor_type, actor_id, actor_label, \
         action, entity_type, entity_id, before_json, after_json, client_address, user_agent, request_id, \
         created_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    with_conn!(tx, |c| sqlx::query(ENSURE)
        .bind(&entry.chain)
        .bind(GENESIS)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    let (seq, prev_hash): (i64, String) = with_conn!(tx, |c| sqlx::query_as(ADVANCE)
        .bind(&entry.chain)
        .fetch_one(c)
        .await)?;
    let mut row = AuditRow {
        id: entry.id,
        chain: entry.chain.clone(),
        seq,
        merchant_id: entry.merchant_id,
        actor_type: entry.actor_type.to_owned(),
        actor_id: entry.actor_id,
        actor_label: entry.actor_label.clone(),
        action: entry.action.clone(),
        entity_type: entry.entity_type.clone(),
        entity_id: entry.entity_id.clone(),
        before_json: entry.before_json.clone(),
        after_json: entry.after_json.clone(),
        client_address: entry.client_address.clone(),
        user_agent: entry.user_agent.clone(),
        request_id: entry.request_id.clone(),
        created_at: entry.created_at,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.chained().hash();
    with_conn!(tx, |c| sqlx::query(INSERT)
        .bind(row.id)
        .bind(&row.chain)
        .bind(row.seq)
        .bind(row.merchant_id)
        .bind(&row.actor_type)
        .bind(row.actor_id)
        .bind(&row.actor_label)
        .bind(&row.action)
        .bind(&row.entity_type)
        .bind(&row.entity_id)
        .bind(&row.before_json)
        .bind(&row.after_json)
        .bind(&row.client_address)
        .bind(&row.user_agent)
        .bind(&row.request_id)
        .bind(row.created_at)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(c)
        .await
        .map(|_| ()))?;
    with_conn!(tx, |c| sqlx::query(SET_HEAD)
        .bind(&row.chain)
        .bind(&row.hash)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(row)
}

/// Every chain with its head position.
pub async fn chains(tx: &mut Tx) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, (String, i64)>(
        "SELECT chain, last_seq FROM audit_chains ORDER BY chain"
    )
    .fetch_all(c)
    .await)?)
}

/// One page of a chain's entries, in order, after position `after_seq`.
pub async fn chain_page(
    tx: &mut Tx,
    chain: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    const SQL: &str = "SELECT id, chain, seq, merchant_id, actor_type, actor_id, actor_label, action, entity_type, \
         entity_id, before_json, after_json, client_address, user_agent, request_id, created_at, prev_hash, hash \
         FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AuditRow>(SQL)
        .bind(chain)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}
