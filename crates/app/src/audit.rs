//! Recording changes in the audit log, in the same transaction as the change itself, so a
//! change without its entry (or an entry without its change) can never be committed.

use omnihub_domain::audit::PLATFORM_CHAIN;
use omnihub_domain::ids::MerchantId;
use omnihub_store::Tx;
use omnihub_store::audit::{self, NewAuditEntry};
use serde_json::Value;

use crate::context::Principal;
use crate::error::Result;
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
        chain: change
            .merchant
            .map_or_else(|| PLATFORM_CHAIN.to_owned(), |m| m.to_string()),
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

/// The first broken link of each broken chain (empty when every chain is intact).
pub async fn verify(app: &App) -> Result<Vec<(String, omnihub_domain::audit::BrokenLink)>> {
    const PAGE: i64 = 1000;
    let mut tx = app.db.begin_read().await?;
    let mut broken = Vec::new();
    for (chain, head_seq) in audit::chains(&mut tx).await? {
        let mut rows = Vec::new();
        let mut after = 0;
        loop {
            let page = audit::chain_page(&mut tx, &chain, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let full = page.len() as i64 == PAGE;
            rows.extend(page);
            if !full {
                break;
            }
        }
        let result = omnihub_domain::audit::verify_chain(
            rows.iter().map(|r| (r.chained(), r.hash.as_str())),
            head_seq,
        );
        if let Err(link) = result {
            broken.push((chain, link));
        }
    }
    Ok(broken)
}
