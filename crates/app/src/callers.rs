//! The callers cache (ADR 0027): for a moment after a bearer token was checked against the
//! database, the same token is answered from memory with the same actor and profile, so a
//! busy integration's requests do not each read its key, creator, roles and permissions.
//!
//! Why it cannot grant what the database would refuse:
//! - an entry is trusted for [`CallerCache::TTL`] of the injected clock at most, and never
//!   past the credential's own expiry;
//! - every committed change to credentials, people, roles, MFA or settings in this process
//!   calls [`CallerCache::forget_all`], which empties the cache and moves its epoch on; an
//!   answer read from the database before the change but stored after it is refused,
//!   because it carries the epoch it was read under;
//! - only successful checks are kept; a refused token always goes to the database.
//!
//! What it costs: another instance's revocation is seen here up to `TTL` late.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use omnihub_domain::ids::MerchantId;

use crate::context::{Actor, RequestMeta};
use crate::staff::StaffUser;

/// A token (by its hash) and the merchant a platform caller chose with it.
type Key = (Vec<u8>, Option<MerchantId>);

#[derive(Debug)]
struct Entry {
    actor: Actor,
    user: StaffUser,
    fresh_until: Timestamp,
}

#[derive(Debug, Default)]
struct Inner {
    epoch: u64,
    entries: HashMap<Key, Entry>,
}

/// The per-process cache of authenticated callers.
#[derive(Debug, Default)]
pub struct CallerCache {
    inner: Mutex<Inner>,
}

/// The epoch a database read began under; hand it back to [`CallerCache::remember`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

impl CallerCache {
    /// How long a checked token is answered from memory.
    pub const TTL: SignedDuration = SignedDuration::from_secs(2);
    /// Beyond this many live entries the cache starts over (a bound on memory, not a
    /// working-set size: integrations use few tokens).
    pub const CAPACITY: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The caller `token_hash` stood for, if checked less than [`Self::TTL`] ago, with this
    /// request's `meta`.
    pub fn recall(
        &self,
        token_hash: &[u8],
        chosen: Option<MerchantId>,
        now: Timestamp,
        meta: RequestMeta,
    ) -> Option<(Actor, StaffUser)> {
        let inner = self.lock();
        let entry = inner.entries.get(&(token_hash.to_vec(), chosen))?;
        if now >= entry.fresh_until {
            return None;
        }
        let mut actor = entry.actor.clone();
        actor.meta = meta;
        Some((actor, entry.user.clone()))
    }

    /// The epoch to carry through a database check.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.lock().epoch)
    }

    /// Keeps a successful check read under `read_under`, unless access changed since; it
    /// is trusted until `now + TTL` or `expires_at`, whichever is first.
    pub fn remember(
        &self,
        read_under: Epoch,
        key: (&[u8], Option<MerchantId>),
        caller: (&Actor, &StaffUser),
        now: Timestamp,
        expires_at: Option<Timestamp>,
    ) {
        let mut inner = self.lock();
        if inner.epoch != read_under.0 {
            return;
        }
        if inner.entries.len() >= Self::CAPACITY {
            inner.entries.retain(|_, e| now < e.fresh_until);
            if inner.entries.len() >= Self::CAPACITY {
                inner.entries.clear();
            }
        }
        let until = now + Self::TTL;
        let fresh_until = expires_at.map_or(until, |e| e.min(until));
        let mut actor = caller.0.clone();
        actor.meta = RequestMeta::default();
        let entry = Entry {
            actor,
            user: caller.1.clone(),
            fresh_until,
        };
        inner.entries.insert((key.0.to_vec(), key.1), entry);
    }

    /// Forgets every caller: called after any committed change that may alter who a token
    /// stands for or what they may do.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Principal;
    use omnihub_domain::access::PermissionSet;
    use omnihub_domain::ids::UserId;

    fn caller() -> (Actor, StaffUser) {
        let id = UserId::from_uuid(uuid::Uuid::from_u128(7));
        let actor = Actor {
            principal: Principal::User {
                id,
                email: "a@example.com".into(),
            },
            platform: false,
            merchant: None,
            permissions: PermissionSet::empty(),
            mfa_enrolment_required: false,
            meta: RequestMeta {
                request_id: Some("first".into()),
                ..RequestMeta::default()
            },
        };
        let user = StaffUser {
            id,
            merchant: None,
            email: "a@example.com".into(),
            display_name: "A".into(),
            is_platform_admin: false,
            mfa_enabled: false,
        };
        (actor, user)
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_checked_token_is_recalled_with_this_requests_meta_until_the_ttl() {
        let cache = CallerCache::default();
        let (actor, user) = caller();
        let t0 = at("2026-12-01T10:00:00Z");
        cache.remember(cache.epoch(), (b"h", None), (&actor, &user), t0, None);
        let meta = RequestMeta {
            request_id: Some("second".into()),
            ..RequestMeta::default()
        };
        let (again, u) = cache.recall(b"h", None, t0, meta.clone()).unwrap();
        assert_eq!(again.meta, meta);
        assert_eq!(again.principal, actor.principal);
        assert_eq!(u, user);
        let just_before = t0 + CallerCache::TTL - SignedDuration::from_millis(1);
        assert!(
            cache
                .recall(b"h", None, just_before, meta.clone())
                .is_some()
        );
        assert!(
            cache
                .recall(b"h", None, t0 + CallerCache::TTL, meta.clone())
                .is_none()
        );
        assert!(cache.recall(b"other", None, t0, meta.clone()).is_none());
        let chosen = Some(MerchantId::from_uuid(uuid::Uuid::from_u128(1)));
        assert!(cache.recall(b"h", chosen, t0, meta).is_none());
    }

    #[test]
    fn an_entry_never_outlives_its_credential() {
        let cache = CallerCache::default();
        let (actor, user) = caller();
        let t0 = at("2026-12-01T10:00:00Z");
        let expires = t0 + SignedDuration::from_millis(500);
        cache.remember(
            cache.epoch(),
            (b"h", None),
            (&actor, &user),
            t0,
            Some(expires),
        );
        let meta = RequestMeta::default();
        assert!(cache.recall(b"h", None, t0, meta.clone()).is_some());
        assert!(cache.recall(b"h", None, expires, meta).is_none());
    }

    #[test]
    fn a_change_forgets_everyone_and_refuses_answers_read_before_it() {
        let cache = CallerCache::default();
        let (actor, user) = caller();
        let t0 = at("2026-12-01T10:00:00Z");
        let meta = RequestMeta::default();
        cache.remember(cache.epoch(), (b"h", None), (&actor, &user), t0, None);
        let read_before_change = cache.epoch();
        cache.forget_all();
        assert!(cache.recall(b"h", None, t0, meta.clone()).is_none());
        cache.remember(read_before_change, (b"h", None), (&actor, &user), t0, None);
        assert!(
            cache.recall(b"h", None, t0, meta.clone()).is_none(),
            "a stale read is not kept"
        );
        cache.remember(cache.epoch(), (b"h", None), (&actor, &user), t0, None);
        assert!(cache.recall(b"h", None, t0, meta).is_some());
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = CallerCache::default();
        let (actor, user) = caller();
        let t0 = at("2026-12-01T10:00:00Z");
        for i in 0..CallerCache::CAPACITY + 5 {
            let key = i.to_be_bytes();
            cache.remember(cache.epoch(), (&key, None), (&actor, &user), t0, None);
        }
        assert!(cache.lock().entries.len() <= CallerCache::CAPACITY);
    }
}
