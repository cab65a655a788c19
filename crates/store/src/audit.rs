//! The audit log: append-only, hash-chained per merchant (docs/adr/0007).
//!
//! Appending updates the chain's head row first, which takes its row lock on PostgreSQL
//! (and the write lock on SQLite), so concurrent appends to one chain are serialised and
//! sequence numbers stay contiguous.

use omnihub_domain::audit::{ChainedFields, GENESIS, chain_name};
use omnihub_domain::ids::MerchantId;
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

/// Makes a read transaction see one snapshot for all its statements (PostgreSQL's
/// REPEATABLE READ; SQLite's read transactions already do), so a chain's head and its
/// entries are read consistently while others append. Must be the first statement.
pub async fn consistent_snapshot(tx: &mut Tx) -> Result<(), StoreError> {
    if let Tx::Pg(c) = tx {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// A chain's head: its last position and the last entry's hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainHead {
    /// Chain name.
    pub chain: String,
    /// Last position.
    pub last_seq: i64,
    /// Hash of the last entry ([`GENESIS`] when empty).
    pub last_hash: String,
}

/// The head of `merchant`'s chain (the platform chain for `None`), if it has one.
pub async fn head(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
) -> Result<Option<ChainHead>, StoreError> {
    const SQL: &str = "SELECT chain, last_seq, last_hash FROM audit_chains WHERE chain = $1";
    let chain = chain_name(merchant);
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ChainHead>(SQL)
        .bind(&chain)
        .fetch_optional(c)
        .await)?)
}

/// Every chain head, by name.
pub async fn heads(tx: &mut Tx) -> Result<Vec<ChainHead>, StoreError> {
    const SQL: &str = "SELECT chain, last_seq, last_hash FROM audit_chains ORDER BY chain";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, ChainHead>(SQL)
        .fetch_all(c)
        .await)?)
}

/// The names of chains that have entries, whether or not their head still exists.
pub async fn logged_chains(tx: &mut Tx) -> Result<Vec<String>, StoreError> {
    const SQL: &str = "SELECT DISTINCT chain FROM audit_log ORDER BY chain";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, String>(SQL)
        .fetch_all(c)
        .await)?)
}

/// What an audit search matches; `None` fields match everything. Instants are
/// microseconds since the epoch; `from` is inclusive, `to` exclusive.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch<'a> {
    /// Only entries before this position (the cursor of newest-first paging).
    pub before_seq: Option<i64>,
    /// Exactly this action.
    pub action: Option<&'a str>,
    /// Actions starting with this text.
    pub action_prefix: Option<&'a str>,
    /// Kind of thing changed.
    pub entity_type: Option<&'a str>,
    /// Its id.
    pub entity_id: Option<&'a str>,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// The actor's label (email, key name).
    pub actor_label: Option<&'a str>,
    /// At or after.
    pub from: Option<i64>,
    /// Before.
    pub to: Option<i64>,
    /// Request id.
    pub request_id: Option<&'a str>,
}

/// Entries of `merchant`'s chain (the platform chain for `None`) matching `filter`, newest
/// first, at most `limit`. Walks the `(chain, seq)` key backwards, so each page costs the
/// entries it skips over, not the whole log.
pub async fn search(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    filter: &AuditSearch<'_>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    // One fixed text for every combination of filters: `$n IS NULL OR ...` is portable and
    // keeps the statement cacheable. The prefix match uses substr, not LIKE, because LIKE
    // is case-insensitive on SQLite and case-sensitive on PostgreSQL.
    const SQL: &str = "SELECT id, chain, seq, merchant_id, actor_type, actor_id, actor_label, action, entity_type, \
         entity_id, before_json, after_json, client_address, user_agent, request_id, created_at, prev_hash, hash \
         FROM audit_log WHERE chain = $1 \
         AND ($2 IS NULL OR seq < $2) \
         AND ($3 IS NULL OR action = $3) \
         AND ($4 IS NULL OR substr(action, 1, length($4)) = $4) \
         AND ($5 IS NULL OR entity_type = $5) \
         AND ($6 IS NULL OR entity_id = $6) \
         AND ($7 IS NULL OR actor_id = $7) \
         AND ($8 IS NULL OR actor_label = $8) \
         AND ($9 IS NULL OR created_at >= $9) \
         AND ($10 IS NULL OR created_at < $10) \
         AND ($11 IS NULL OR request_id = $11) \
         ORDER BY seq DESC LIMIT $12";
    let chain = chain_name(merchant);
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, AuditRow>(SQL)
        .bind(&chain)
        .bind(filter.before_seq)
        .bind(filter.action)
        .bind(filter.action_prefix)
        .bind(filter.entity_type)
        .bind(filter.entity_id)
        .bind(filter.actor_id)
        .bind(filter.actor_label)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.request_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}
