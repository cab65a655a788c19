//! The audit log's hash chain. Each entry's hash covers its own fields and the previous
//! entry's hash, so altering or deleting any stored entry breaks every later link; one chain
//! per merchant (plus `platform`) keeps merchants' logs independent.

use sha2::{Digest, Sha256};

use crate::ids::MerchantId;

/// The `prev_hash` of the first entry of a chain.
pub const GENESIS: &str = "genesis";

/// The chain name of platform-level entries (no merchant).
pub const PLATFORM_CHAIN: &str = "platform";

/// The fields of an entry that its hash covers, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedFields<'a> {
    /// Chain name (merchant id or `platform`).
    pub chain: &'a str,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Merchant id as text, if any.
    pub merchant_id: Option<String>,
    /// `user`, `api_key` or `system`.
    pub actor_type: &'a str,
    /// Actor id as text, if any.
    pub actor_id: Option<String>,
    /// Human-readable actor (email, key name).
    pub actor_label: &'a str,
    /// What was done (`merchant.create`).
    pub action: &'a str,
    /// Kind of thing changed.
    pub entity_type: &'a str,
    /// Its id.
    pub entity_id: Option<&'a str>,
    /// State before, as JSON text.
    pub before_json: Option<&'a str>,
    /// State after, as JSON text.
    pub after_json: Option<&'a str>,
    /// Client address.
    pub client_address: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// Request id.
    pub request_id: Option<&'a str>,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// The previous entry's hash (or [`GENESIS`]).
    pub prev_hash: &'a str,
}

impl ChainedFields<'_> {
    /// The entry's hash: SHA-256 over a length-prefixed encoding of every field, so no two
    /// different entries can encode to the same bytes.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        let created = self.created_at.to_string();
        let fields: [Option<&str>; 16] = [
            Some(self.chain),
            Some(&seq),
            self.merchant_id.as_deref(),
            Some(self.actor_type),
            self.actor_id.as_deref(),
            Some(self.actor_label),
            Some(self.action),
            Some(self.entity_type),
            self.entity_id,
            self.before_json,
            self.after_json,
            self.client_address,
            self.user_agent,
            self.request_id,
            Some(&created),
            Some(self.prev_hash),
        ];
        for field in fields {
            match field {
                None => h.update(b"\x00"),
                Some(v) => {
                    h.update(b"\x01");
                    h.update((v.len() as u64).to_be_bytes());
                    h.update(v.as_bytes());
                }
            }
        }
        hex_lower(&h.finalize())
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// The chain of `merchant`'s entries: its id, or [`PLATFORM_CHAIN`] for platform-level ones.
pub fn chain_name(merchant: Option<MerchantId>) -> String {
    merchant.map_or_else(|| PLATFORM_CHAIN.to_owned(), |m| m.to_string())
}

/// Where a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokenLink {
    /// An entry's stored hash does not match its fields (it was altered).
    Altered {
        /// Its position.
        seq: i64,
    },
    /// Positions are missing (entries were deleted) or out of order.
    Gap {
        /// The position expected.
        expected: i64,
        /// The position found.
        found: i64,
    },
    /// An entry does not point at its predecessor's hash.
    Unlinked {
        /// Its position.
        seq: i64,
    },
    /// The chain's head says more entries exist than are stored (the last were deleted).
    Truncated {
        /// The head's last position.
        head_seq: i64,
        /// The last position stored.
        stored_seq: i64,
    },
    /// More entries are stored than the chain's head knows of (inserted behind its back).
    Overrun {
        /// The head's last position.
        head_seq: i64,
        /// The last position stored.
        stored_seq: i64,
    },
    /// The head's hash is not the last entry's hash (the last entry was rewritten, hash
    /// included).
    HeadMismatch {
        /// The last entry's position.
        seq: i64,
    },
    /// Entries exist but the chain's head row is gone.
    HeadMissing,
}

impl BrokenLink {
    /// The position at fault, when one entry is.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Self::Altered { seq } | Self::Unlinked { seq } | Self::HeadMismatch { seq } => {
                Some(*seq)
            }
            Self::Gap { expected, .. } => Some(*expected),
            Self::Truncated { stored_seq, .. } => Some(stored_seq + 1),
            Self::Overrun { head_seq, .. } => Some(head_seq + 1),
            Self::HeadMissing => None,
        }
    }

    /// A stable code for the kind of break (`altered`, `gap`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Altered { .. } => "altered",
            Self::Gap { .. } => "gap",
            Self::Unlinked { .. } => "unlinked",
            Self::Truncated { .. } => "truncated",
            Self::Overrun { .. } => "overrun",
            Self::HeadMismatch { .. } => "head_mismatch",
            Self::HeadMissing => "head_missing",
        }
    }
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Altered { seq } => write!(
                f,
                "entry {seq} was altered (its hash no longer matches its content)"
            ),
            Self::Gap { expected, found } => write!(
                f,
                "entry {expected} is missing (next stored entry is {found})"
            ),
            Self::Unlinked { seq } => write!(f, "entry {seq} does not link to the entry before it"),
            Self::Truncated {
                head_seq,
                stored_seq,
            } => {
                write!(
                    f,
                    "entries {} to {head_seq} are missing from the end",
                    stored_seq + 1
                )
            }
            Self::Overrun {
                head_seq,
                stored_seq,
            } => write!(
                f,
                "entries {} to {stored_seq} are stored past the chain's head",
                head_seq + 1
            ),
            Self::HeadMismatch { seq } => write!(
                f,
                "entry {seq} is not the entry the chain's head recorded (it was rewritten)"
            ),
            Self::HeadMissing => write!(f, "the chain's head record is missing"),
        }
    }
}

/// Checks one chain entry by entry, in `seq` order, without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainVerifier {
    /// A verifier at the start of a chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next entry against its predecessor; the first error is where the chain
    /// breaks (later entries need not be pushed).
    pub fn push(
        &mut self,
        fields: &ChainedFields<'_>,
        stored_hash: &str,
    ) -> Result<(), BrokenLink> {
        if fields.seq != self.expected_seq {
            return Err(BrokenLink::Gap {
                expected: self.expected_seq,
                found: fields.seq,
            });
        }
        if fields.prev_hash != self.prev_hash {
            return Err(BrokenLink::Unlinked { seq: fields.seq });
        }
        if fields.hash() != stored_hash {
            return Err(BrokenLink::Altered { seq: fields.seq });
        }
        stored_hash.clone_into(&mut self.prev_hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// How many entries passed so far.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    /// Checks the end of the chain against its head (last position and hash).
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<(), BrokenLink> {
        let stored_seq = self.verified();
        if head_seq > stored_seq {
            return Err(BrokenLink::Truncated {
                head_seq,
                stored_seq,
            });
        }
        if head_seq < stored_seq {
            return Err(BrokenLink::Overrun {
                head_seq,
                stored_seq,
            });
        }
        if head_hash != self.prev_hash {
            return Err(BrokenLink::HeadMismatch { seq: stored_seq });
        }
        Ok(())
    }
}

/// Checks one chain, given its entries in `seq` order as (fields, stored hash), and the
/// head's last position and hash. Returns the first broken link.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = (ChainedFields<'a>, &'a str)>,
    head_seq: i64,
    head_hash: &str,
) -> Result<(), BrokenLink> {
    let mut verifier = ChainVerifier::new();
    for (fields, stored_hash) in entries {
        verifier.push(&fields, stored_hash)?;
    }
    verifier.finish(head_seq, head_hash)
}

/// Which actions an audit search matches: one exact code, or every code starting with a
/// prefix (`merchant.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionFilter {
    /// Exactly this action.
    Exact(String),
    /// Every action starting with this text.
    Prefix(String),
}

/// Why an action filter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be an action code such as merchant.create, or a prefix ending in * such as merchant.*"
)]
pub struct ActionFilterError;

impl ActionFilter {
    /// Parses `merchant.create` or `merchant.*` (case-insensitive; at most 100 characters of
    /// a-z, 0-9, `.`, `_` and `-`, with `*` only at the end).
    pub fn parse(raw: &str) -> Result<Self, ActionFilterError> {
        let raw = raw.trim().to_ascii_lowercase();
        let (body, prefix) = match raw.strip_suffix('*') {
            Some(body) => (body.to_owned(), true),
            None => (raw, false),
        };
        let valid = body.len() <= 100
            && (prefix || !body.is_empty())
            && body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        match (valid, prefix) {
            (false, _) => Err(ActionFilterError),
            (true, true) => Ok(Self::Prefix(body)),
            (true, false) => Ok(Self::Exact(body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str, action: &'static str) -> ChainedFields<'static> {
        ChainedFields {
            chain: "platform",
            seq,
            merchant_id: None,
            actor_type: "system",
            actor_id: None,
            actor_label: "system",
            action,
            entity_type: "merchant",
            entity_id: Some("m1"),
            before_json: None,
            after_json: Some("{\"a\":1}"),
            client_address: None,
            user_agent: None,
            request_id: None,
            created_at: seq * 1000,
            prev_hash: Box::leak(prev.to_owned().into_boxed_str()),
        }
    }

    fn chain(n: i64) -> Vec<(ChainedFields<'static>, String)> {
        let mut out = Vec::new();
        let mut prev = GENESIS.to_owned();
        for seq in 1..=n {
            let e = entry(seq, &prev, "merchant.create");
            let h = e.hash();
            prev = h.clone();
            out.push((e, h));
        }
        out
    }

    fn check(entries: &[(ChainedFields<'static>, String)], head: i64) -> Result<(), BrokenLink> {
        let head_hash = entries.last().map_or(GENESIS, |(_, h)| h.as_str());
        verify_chain(
            entries.iter().map(|(e, h)| (e.clone(), h.as_str())),
            head,
            head_hash,
        )
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(check(&chain(5), 5), Ok(()));
        assert_eq!(check(&[], 0), Ok(()));
    }

    #[test]
    fn altering_deleting_or_truncating_is_detected() {
        let mut altered = chain(5);
        altered[2].0.action = "merchant.delete";
        assert_eq!(check(&altered, 5), Err(BrokenLink::Altered { seq: 3 }));

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(
            check(&deleted, 5),
            Err(BrokenLink::Gap {
                expected: 2,
                found: 3
            })
        );

        let truncated = chain(4);
        assert_eq!(
            check(&truncated, 5),
            Err(BrokenLink::Truncated {
                head_seq: 5,
                stored_seq: 4
            })
        );
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = entry(1, GENESIS, "ab");
        a.entity_type = "c";
        let mut b = entry(1, GENESIS, "a");
        b.entity_type = "bc";
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn entries_past_the_head_and_a_rewritten_last_entry_are_detected() {
        let entries = chain(4);
        assert_eq!(
            check(&entries, 3),
            Err(BrokenLink::Overrun {
                head_seq: 3,
                stored_seq: 4
            })
        );
        let hashes: Vec<&str> = entries.iter().map(|(_, h)| h.as_str()).collect();
        let result = verify_chain(
            entries.iter().map(|(e, h)| (e.clone(), h.as_str())),
            4,
            hashes[2],
        );
        assert_eq!(result, Err(BrokenLink::HeadMismatch { seq: 4 }));
        assert_eq!(BrokenLink::HeadMismatch { seq: 4 }.seq(), Some(4));
        assert_eq!(
            BrokenLink::Truncated {
                head_seq: 5,
                stored_seq: 4
            }
            .seq(),
            Some(5)
        );
    }

    #[test]
    fn action_filters_are_exact_codes_or_prefixes() {
        assert_eq!(
            ActionFilter::parse("merchant.create"),
            Ok(ActionFilter::Exact("merchant.create".into()))
        );
        assert_eq!(
            ActionFilter::parse(" Merchant.* "),
            Ok(ActionFilter::Prefix("merchant.".into()))
        );
        assert_eq!(
            ActionFilter::parse("*"),
            Ok(ActionFilter::Prefix(String::new()))
        );
        for bad in ["", "a*b", "merchant create", "%", &"a".repeat(101)] {
            assert_eq!(ActionFilter::parse(bad), Err(ActionFilterError), "{bad:?}");
        }
    }

    #[test]
    fn chain_names_are_merchant_ids_or_platform() {
        assert_eq!(chain_name(None), PLATFORM_CHAIN);
        let m: MerchantId = "01940000-0000-7000-8000-000000000001".parse().unwrap();
        assert_eq!(chain_name(Some(m)), "01940000-0000-7000-8000-000000000001");
    }
}
