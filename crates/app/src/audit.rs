//! The audit log (IAM-8): recording changes in the same transaction as the change itself,
//! so a change without its entry (or an entry without its change) can never be committed;
//! searching and exporting a chain; verifying the hash chains (docs/adr/0010).
//!
//! Scoping: merchant staff see only their merchant's chain. Platform staff see the platform
//! chain, or one merchant's chain when they name it (`merchant_id` filter, else the merchant
//! they act in).

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::audit::{ActionFilter, BrokenLink, ChainVerifier, chain_name};
use omnihub_domain::ids::MerchantId;
use omnihub_store::audit::{self, AuditRow, AuditSearch, NewAuditEntry};
use omnihub_store::{StoreError, Tx, merchants};
use serde_json::Value;
use uuid::Uuid;

use crate::context::Principal;
use crate::error::{Error, Result, Validator};
use crate::{Actor, App};

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What was done: `<entity>.<verb>`, e.g. `merchant.create`.
    pub action: &'a str,
    /// The kind of thing changed.
    pub entity_type: &'a str,
    /// Its id.
    pub entity_id: Option<String>,
    /// The merchant it belongs to (its chain); none for platform-level changes.
    pub merchant: Option<MerchantId>,
    /// State before (none for creations).
    pub before: Option<Value>,
    /// State after (none for deletions).
    pub after: Option<Value>,
}

/// Appends `change` to its merchant's chain within `tx`.
pub async fn record(app: &App, tx: &mut Tx, actor: &Actor, change: Change<'_>) -> Result<()> {
    let (actor_type, actor_id, actor_label) = match &actor.principal {
        Principal::System => ("system", None, "system".to_owned()),
        Principal::User { id, email } => ("user", Some(id.as_uuid()), email.clone()),
        Principal::ApiKey { id, name, .. } => ("api_key", Some(*id), name.clone()),
    };
    let entry = NewAuditEntry {
        id: app.ids.new_id(),
        chain: chain_name(change.merchant),
        merchant_id: change.merchant.map(|m| m.as_uuid()),
        actor_type,
        actor_id,
        actor_label,
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: change.entity_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        client_address: actor.meta.client_address.clone(),
        user_agent: actor.meta.user_agent.clone(),
        request_id: actor.meta.request_id.clone(),
        created_at: omnihub_store::time::to_db(app.now()),
    };
    audit::append(tx, &entry).await?;
    Ok(())
}

/// A stored entry as the app hands it out.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Entry id.
    pub id: Uuid,
    /// Chain name: the merchant id, or `platform`.
    pub chain: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// The merchant the change belongs to.
    pub merchant: Option<MerchantId>,
    /// `user`, `api_key` or `system`.
    pub actor_type: String,
    /// The acting user or key.
    pub actor_id: Option<Uuid>,
    /// Email or key name.
    pub actor_label: String,
    /// What was done (`merchant.create`).
    pub action: String,
    /// Kind of thing changed.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// Client address.
    pub client_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// When.
    pub created_at: Timestamp,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = Error;
    fn try_from(row: AuditRow) -> Result<Self> {
        // Stored JSON is always valid (it was serialised here); should a row have been
        // tampered with, show its text rather than fail the whole page.
        let json = |text: Option<String>| {
            text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
        };
        Ok(Self {
            id: row.id,
            seq: row.seq,
            merchant: row.merchant_id.map(MerchantId::from_uuid),
            actor_type: row.actor_type,
            actor_id: row.actor_id,
            actor_label: row.actor_label,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            before: json(row.before_json),
            after: json(row.after_json),
            client_address: row.client_address,
            user_agent: row.user_agent,
            request_id: row.request_id,
            created_at: omnihub_store::time::from_db(row.created_at)?,
            chain: row.chain,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

/// Search filters as received (query string or form); every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchInput {
    /// `merchant.create`, or a prefix such as `merchant.*`.
    pub action: Option<String>,
    /// Kind of thing changed.
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// The actor's id, or their label (email, key name).
    pub actor: Option<String>,
    /// At or after (RFC 3339).
    pub from: Option<String>,
    /// Before (RFC 3339).
    pub to: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Platform staff: whose chain (default: the merchant they act in, else the platform's).
    pub merchant_id: Option<String>,
}

/// Parsed search filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filter {
    merchant: Option<MerchantId>,
    action: Option<ActionFilter>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    actor_id: Option<Uuid>,
    actor_label: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    request_id: Option<String>,
}

impl Filter {
    fn search(&self, before_seq: Option<i64>) -> AuditSearch<'_> {
        let (action, action_prefix) = match &self.action {
            None => (None, None),
            Some(ActionFilter::Exact(a)) => (Some(a.as_str()), None),
            Some(ActionFilter::Prefix(p)) => (None, Some(p.as_str())),
        };
        AuditSearch {
            before_seq,
            action,
            action_prefix,
            entity_type: self.entity_type.as_deref(),
            entity_id: self.entity_id.as_deref(),
            actor_id: self.actor_id,
            actor_label: self.actor_label.as_deref(),
            from: self.from,
            to: self.to,
            request_id: self.request_id.as_deref(),
        }
    }
}

/// Blank fields count as absent (HTML forms send every field).
fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl TryFrom<&SearchInput> for Filter {
    type Error = Error;
    fn try_from(input: &SearchInput) -> Result<Self> {
        let mut v = Validator::default();
        let mut instant = |field: &str, raw: Option<&str>| {
            raw.and_then(|raw| {
                v.check(
                    field,
                    "invalid",
                    raw.parse::<Timestamp>()
                        .map_err(|_| "must be an RFC 3339 instant, e.g. 2026-01-15T08:00:00Z"),
                )
                .map(omnihub_store::time::to_db)
            })
        };
        let from = instant("from", present(&input.from));
        let to = instant("to", present(&input.to));
        let action = present(&input.action)
            .and_then(|a| v.check("action", "invalid", ActionFilter::parse(a)));
        let merchant = present(&input.merchant_id)
            .and_then(|m| v.check("merchant_id", "invalid", m.parse::<MerchantId>()));
        let text = |raw: Option<&str>| raw.map(|t| t.chars().take(512).collect::<String>());
        let (actor_id, actor_label) = match present(&input.actor) {
            None => (None, None),
            Some(a) => match a.parse::<Uuid>() {
                Ok(id) => (Some(id), None),
                // Emails are stored in lower case.
                Err(_) if a.contains('@') => (None, Some(a.to_lowercase())),
                Err(_) => (None, text(Some(a))),
            },
        };
        v.finish()?;
        Ok(Self {
            merchant,
            action,
            entity_type: text(present(&input.entity_type)),
            entity_id: text(present(&input.entity_id)),
            actor_id,
            actor_label,
            from,
            to,
            request_id: text(present(&input.request_id)),
        })
    }
}

/// The merchant whose chain `actor` may read (`None` for the platform chain), given the
/// merchant they asked for. Another merchant's chain is "not found" for merchant staff.
async fn readable_chain(
    app: &App,
    actor: &Actor,
    requested: Option<MerchantId>,
) -> Result<Option<MerchantId>> {
    let merchant = if actor.platform {
        requested.or(actor.merchant)
    } else {
        if let Some(m) = requested {
            actor.require_merchant(m)?;
        }
        Some(
            actor
                .merchant
                .ok_or(Error::Forbidden("no merchant to read the audit log of"))?,
        )
    };
    actor.require(Permission::AuditRead)?;
    if let Some(m) = merchant {
        let mut tx = app.db.begin_read().await?;
        match merchants::get(&mut tx, m).await {
            Err(StoreError::NotFound) => return Err(Error::NotFound { entity: "merchant" }),
            other => other?,
        };
    }
    Ok(merchant)
}

/// One page of the chain `actor` may read, newest first: entries before position
/// `before_seq` (the cursor) that match `input`. Needs `audit.read`.
#[tracing::instrument(skip_all, err)]
pub async fn search(
    app: &App,
    actor: &Actor,
    input: &SearchInput,
    before_seq: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let filter = Filter::try_from(input)?;
    let merchant = readable_chain(app, actor, filter.merchant).await?;
    let mut tx = app.db.begin_read().await?;
    audit::search(
        &mut tx,
        merchant,
        &filter.search(before_seq),
        i64::from(limit.clamp(1, 500)),
    )
    .await?
    .into_iter()
    .map(AuditEntry::try_from)
    .collect()
}

/// The most entries one export holds; the export says when it was cut short.
pub const EXPORT_CAP: usize = 100_000;

/// The result of an export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The chain exported (`platform` or a merchant id).
    pub chain: String,
    /// Matching entries, newest first, at most [`EXPORT_CAP`].
    pub entries: Vec<AuditEntry>,
    /// More entries matched than the cap allows.
    pub truncated: bool,
}

/// Every entry of the chain `actor` may read that matches `input` (newest first, at most
/// [`EXPORT_CAP`]). The export itself is recorded (`audit.export`) with its filters.
#[tracing::instrument(skip_all, err)]
pub async fn export(app: &App, actor: &Actor, input: &SearchInput) -> Result<Export> {
    const PAGE: i64 = 1000;
    let filter = Filter::try_from(input)?;
    let merchant = readable_chain(app, actor, filter.merchant).await?;
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut truncated = false;
    {
        let mut tx = app.db.begin_read().await?;
        audit::consistent_snapshot(&mut tx).await?;
        let mut before = None;
        loop {
            let page = audit::search(&mut tx, merchant, &filter.search(before), PAGE).await?;
            let full = page.len() as i64 == PAGE;
            before = page.last().map(|r| r.seq);
            for row in page {
                if entries.len() == EXPORT_CAP {
                    truncated = true;
                    break;
                }
                entries.push(AuditEntry::try_from(row)?);
            }
            if truncated || !full {
                break;
            }
        }
    }
    let filters = serde_json::json!({
        "action": present(&input.action), "entity_type": present(&input.entity_type),
        "entity_id": present(&input.entity_id), "actor": present(&input.actor),
        "from": present(&input.from), "to": present(&input.to),
        "request_id": present(&input.request_id),
    });
    let mut tx = app.db.begin_write().await?;
    let change = Change {
        action: "audit.export",
        entity_type: "audit_log",
        entity_id: Some(chain_name(merchant)),
        merchant,
        before: None,
        after: Some(
            serde_json::json!({"filters": filters, "rows": entries.len(), "truncated": truncated}),
        ),
    };
    record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(Export {
        chain: chain_name(merchant),
        entries,
        truncated,
    })
}

/// The verification result of one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStatus {
    /// Chain name (`platform` or a merchant id).
    pub chain: String,
    /// How many entries the chain's head records.
    pub entries: i64,
    /// Where it breaks, if it does.
    pub broken: Option<BrokenLink>,
}

impl ChainStatus {
    /// True when the chain verified.
    pub fn ok(&self) -> bool {
        self.broken.is_none()
    }
}

/// Verifies every chain (`omnihub audit verify`, `omnihub check`): each entry's hash, its
/// link to its predecessor, contiguous positions and the head. Reads one consistent
/// snapshot, page by page, so memory stays flat however long the chains are.
#[tracing::instrument(skip_all, err)]
pub async fn verify(app: &App) -> Result<Vec<ChainStatus>> {
    let mut tx = app.db.begin_read().await?;
    audit::consistent_snapshot(&mut tx).await?;
    let heads = audit::heads(&mut tx).await?;
    let mut out = Vec::new();
    for head in &heads {
        out.push(verify_one(&mut tx, head).await?);
    }
    for chain in audit::logged_chains(&mut tx).await? {
        if !heads.iter().any(|h| h.chain == chain) {
            out.push(ChainStatus {
                chain,
                entries: 0,
                broken: Some(BrokenLink::HeadMissing),
            });
        }
    }
    out.sort_by(|a, b| a.chain.cmp(&b.chain));
    Ok(out)
}

/// Verifies the chains `actor` may check: every chain for platform staff, their own
/// merchant's for merchant staff. Needs `audit.read`.
#[tracing::instrument(skip_all, err)]
pub async fn verify_for(app: &App, actor: &Actor) -> Result<Vec<ChainStatus>> {
    actor.require(Permission::AuditRead)?;
    if actor.platform {
        return verify(app).await;
    }
    let merchant = actor
        .merchant
        .ok_or(Error::Forbidden("no merchant to verify the audit log of"))?;
    verify_merchant(app, Some(merchant)).await
}

/// Verifies the one chain of `merchant` (the platform chain for `None`).
async fn verify_merchant(app: &App, merchant: Option<MerchantId>) -> Result<Vec<ChainStatus>> {
    let mut tx = app.db.begin_read().await?;
    audit::consistent_snapshot(&mut tx).await?;
    let chain = chain_name(merchant);
    let status = match audit::head(&mut tx, merchant).await? {
        Some(head) => verify_one(&mut tx, &head).await?,
        None => {
            // No head: fine if the chain never had an entry.
            let stray = audit::chain_page(&mut tx, &chain, 0, 1).await?;
            ChainStatus {
                chain,
                entries: 0,
                broken: (!stray.is_empty()).then_some(BrokenLink::HeadMissing),
            }
        }
    };
    Ok(vec![status])
}

/// Verifies one chain whose head was read in the same snapshot as its entries.
async fn verify_one(tx: &mut Tx, head: &audit::ChainHead) -> Result<ChainStatus> {
    const PAGE: i64 = 1000;
    let mut verifier = ChainVerifier::new();
    let mut after = 0;
    let mut broken = None;
    'pages: loop {
        let page = audit::chain_page(tx, &head.chain, after, PAGE).await?;
        for row in &page {
            if let Err(link) = verifier.push(&row.chained(), &row.hash) {
                broken = Some(link);
                break 'pages;
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.seq,
            _ => break,
        }
    }
    let broken = match broken {
        Some(link) => Some(link),
        None => verifier.finish(head.last_seq, &head.last_hash).err(),
    };
    Ok(ChainStatus {
        chain: head.chain.clone(),
        entries: head.last_seq,
        broken,
    })
}
