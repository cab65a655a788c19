//! Sign-in with email and password, opaque session tokens, and resolving a token back to
//! the [`Actor`] it stands for. Tokens are 256-bit random values shown once; only their
//! SHA-256 is stored. Failed attempts are throttled per account and per client address in
//! the database, so limits hold across server instances.

use jiff::{SignedDuration, Timestamp};
use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::throttle::{Counter, Policy};
use omnihub_store::sessions::{self, NewSession};
use omnihub_store::staff::{self, StaffUserRow};
use omnihub_store::throttle::{self, ThrottleRow};
use omnihub_store::{Tx, time};
use sha2::{Digest, Sha256};

use crate::audit::{self, Change};
use crate::context::RequestMeta;
use crate::entropy::random_bytes;
use crate::error::{Error, Result};
use crate::{Actor, App, access, passwords};

/// A session is dropped after this long without use.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(8);
/// A session ends this long after sign-in, however active.
pub const SESSION_ABSOLUTE: SignedDuration = SignedDuration::from_hours(24);
/// How long the second factor may take after the password.
pub const MFA_STEP_WINDOW: SignedDuration = SignedDuration::from_mins(5);
/// Prefix that makes leaked session tokens recognisable to secret scanners.
const TOKEN_PREFIX: &str = "ohs_";
/// A valid argon2id hash of a random password, verified when the email is unknown so that
/// response time does not reveal which addresses have accounts.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ky6RJfBBu6Ua9cJ+eqrWm6qZ6zBJ3zvSa2XdVHXkDM";

/// Where a request came from, recorded with the session (and the audit log).
pub type ClientInfo = RequestMeta;

/// Which front door a session was opened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A bearer token for API clients.
    Api,
    /// The admin console's cookie.
    Console,
}

impl Channel {
    fn code(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Console => "console",
        }
    }
}

/// A new session: the token is shown to the client once and never again.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token. While `mfa_required`, it only serves to complete the MFA step.
    pub token: String,
    /// Absolute expiry.
    pub expires_at: Timestamp,
    /// Who signed in.
    pub user: crate::staff::StaffUser,
    /// The user has MFA: the token must be completed with a TOTP or recovery code.
    pub mfa_required: bool,
}

/// Signs a staff user in. Wrong email and wrong password are indistinguishable; a locked
/// account or client gets `TooManyAttempts` without the password being checked.
#[tracing::instrument(skip_all, err)]
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    client: &ClientInfo,
    channel: Channel,
) -> Result<SignedIn> {
    let email = Email::parse(email).map_err(|_| Error::Unauthenticated)?;
    let keys = [
        (format!("account:{email}"), Policy::ACCOUNT),
        (
            format!(
                "client:{}",
                client.client_address.as_deref().unwrap_or("unknown")
            ),
            Policy::CLIENT,
        ),
    ];
    let user = count_attempt(app, &keys).await?;
    let phc = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let matches = passwords::verify(password, phc).await?;
    let user = match user {
        Some(user) if matches && user.status == "active" => user,
        _ => return Err(Error::Unauthenticated),
    };
    let mfa_required = user.mfa_enabled_at.is_some();
    let mut tx = app.db.begin_write().await?;
    for (key, _) in &keys {
        throttle::clear(&mut tx, key).await?;
    }
    let (token, expires_at) =
        open_session(app, &mut tx, &user, client, channel, mfa_required).await?;
    let actor = user_actor(&user, client);
    let after = serde_json::json!({"channel": channel.code(), "mfa_pending": mfa_required});
    let change = Change {
        action: "session.create",
        entity_type: "staff_user",
        entity_id: Some(user.id.to_string()),
        merchant: user.merchant_id.map(MerchantId::from_uuid),
        before: None,
        after: Some(after),
    };
    audit::record(app, &mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(SignedIn {
        token,
        expires_at,
        user: staff_user(&user),
        mfa_required,
    })
}

/// Refuses if any key is locked; otherwise counts this attempt as a failure until it
/// succeeds (so parallel guesses cannot slip past the limit), and returns the user.
async fn count_attempt(app: &App, keys: &[(String, Policy)]) -> Result<Option<StaffUserRow>> {
    let now = time::to_db(app.now());
    let mut tx = app.db.begin_write().await?;
    let mut counters = Vec::new();
    for (key, policy) in keys {
        let counter = throttle::get(&mut tx, key)
            .await?
            .map_or_else(Counter::default, |r| Counter {
                failures: r.failures,
                window_started_at: r.window_started_at,
                lockouts: r.lockouts,
                locked_until: r.locked_until,
            });
        if let Some(wait) = counter.locked_for(now) {
            let retry_after_secs = u64::try_from(wait / 1_000_000 + 1).unwrap_or(1);
            return Err(Error::TooManyAttempts { retry_after_secs });
        }
        counters.push((key, counter.after_attempt(now, *policy)));
    }
    for (key, c) in counters {
        let row = ThrottleRow {
            key: key.clone(),
            failures: c.failures,
            window_started_at: c.window_started_at,
            lockouts: c.lockouts,
            locked_until: c.locked_until,
        };
        throttle::put(&mut tx, &row).await?;
    }
    let email = keys
        .first()
        .and_then(|(k, _)| k.strip_prefix("account:"))
        .and_then(|e| Email::parse(e).ok());
    let user = match email {
        Some(email) => staff::find_by_email(&mut tx, &email).await?,
        None => None,
    };
    tx.commit().await?;
    Ok(user)
}

/// Refuses with `TooManyAttempts` while the account is locked.
pub async fn refuse_if_locked(app: &App, email: &str) -> Result<()> {
    let now = time::to_db(app.now());
    let mut tx = app.db.begin_read().await?;
    let row = throttle::get(&mut tx, &format!("account:{email}")).await?;
    if let Some(wait) = row.map(counter_of).and_then(|c| c.locked_for(now)) {
        return Err(Error::TooManyAttempts {
            retry_after_secs: u64::try_from(wait / 1_000_000 + 1).unwrap_or(1),
        });
    }
    Ok(())
}

/// Counts one failed attempt against the account (e.g. a wrong MFA code).
pub async fn count_failure(app: &App, email: &str) -> Result<()> {
    let now = time::to_db(app.now());
    let key = format!("account:{email}");
    let mut tx = app.db.begin_write().await?;
    let counter = throttle::get(&mut tx, &key)
        .await?
        .map_or_else(Counter::default, counter_of);
    let next = counter.after_attempt(now, Policy::ACCOUNT);
    throttle::put(&mut tx, &row_of(&key, next)).await?;
    tx.commit().await?;
    Ok(())
}

fn counter_of(r: ThrottleRow) -> Counter {
    Counter {
        failures: r.failures,
        window_started_at: r.window_started_at,
        lockouts: r.lockouts,
        locked_until: r.locked_until,
    }
}

fn row_of(key: &str, c: Counter) -> ThrottleRow {
    ThrottleRow {
        key: key.to_owned(),
        failures: c.failures,
        window_started_at: c.window_started_at,
        lockouts: c.lockouts,
        locked_until: c.locked_until,
    }
}

async fn open_session(
    app: &App,
    tx: &mut Tx,
    user: &StaffUserRow,
    client: &ClientInfo,
    channel: Channel,
    mfa_pending: bool,
) -> Result<(String, Timestamp)> {
    let raw: [u8; 32] = random_bytes(app.entropy.as_ref());
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
    let now = app.now();
    let (idle, absolute) = if mfa_pending {
        (now + MFA_STEP_WINDOW, now + MFA_STEP_WINDOW)
    } else {
        (now + SESSION_IDLE, now + SESSION_ABSOLUTE)
    };
    let session = NewSession {
        token_hash: &token_hash(&token),
        user: UserId::from_uuid(user.id),
        idle_expires_at: idle,
        absolute_expires_at: absolute,
        client_address: client.client_address.as_deref(),
        user_agent: client.user_agent.as_deref(),
        stage: if mfa_pending { "mfa_pending" } else { "active" },
        channel: channel.code(),
    };
    sessions::insert(tx, &session, now).await?;
    Ok((token, absolute))
}

/// The user behind a session token in `stage`; `Unauthenticated` if unknown, revoked or
/// expired.
pub async fn session_user(app: &App, token: &str, stage: &str) -> Result<StaffUserRow> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(Error::Unauthenticated);
    }
    let now = app.now();
    // Pending sessions keep their short window (the update caps idle at the absolute expiry).
    let idle = if stage == "active" {
        now + SESSION_IDLE
    } else {
        now + MFA_STEP_WINDOW
    };
    let hash = token_hash(token);
    if stage == "active" {
        let mut tx = app.db.begin_read().await?;
        let found = sessions::live_user(&mut tx, &hash, stage, now).await?;
        drop(tx);
        match found {
            None => return Err(Error::Unauthenticated),
            Some((user, last_seen)) if !touch_due(last_seen, now) => return Ok(user),
            Some(_) => {}
        }
    }
    let mut tx = app.db.begin_write().await?;
    let user = sessions::touch(&mut tx, &hash, stage, now, idle).await?;
    tx.commit().await?;
    user.ok_or(Error::Unauthenticated)
}

/// How stale a session's or API key's last sighting may be before a request records a new
/// one. Without it every request would be a write transaction on one row — the SQLite
/// writer, and on PostgreSQL a row lock every concurrent request with the same token
/// queues on. The cost: an idle session may expire up to this much sooner than 8 hours
/// after its very last request, and `last_used_at` of a key is this coarse.
pub const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// Whether a sighting at `last_seen` (microseconds) is old enough to record a new one.
pub(crate) fn touch_due(last_seen: i64, now: Timestamp) -> bool {
    i128::from(now.as_microsecond().saturating_sub(last_seen)) >= TOUCH_EVERY.as_micros()
}

/// The actor a bearer token stands for: a session (`ohs_`), an API key (`ohk_`) or an
/// OAuth access token (`oht_`). Platform staff may name the merchant they act in. A token
/// checked a moment ago is answered from the callers cache (ADR 0027).
pub async fn authenticate(
    app: &App,
    token: &str,
    chosen: Option<MerchantId>,
    meta: RequestMeta,
) -> Result<(Actor, crate::staff::StaffUser)> {
    let hash = token_hash(token);
    let now = app.now();
    if let Some(known) = app.callers.recall(&hash, chosen, now, meta.clone()) {
        return Ok(known);
    }
    let epoch = app.callers.epoch();
    let (actor, user, expires_at) = check_token(app, token, chosen, meta).await?;
    app.callers
        .remember(epoch, (&hash, chosen), (&actor, &user), now, expires_at);
    Ok((actor, user))
}

/// `authenticate` against the database; also returns when the credential itself expires.
async fn check_token(
    app: &App,
    token: &str,
    chosen: Option<MerchantId>,
    meta: RequestMeta,
) -> Result<(Actor, crate::staff::StaffUser, Option<Timestamp>)> {
    if matches!(token.get(..4), Some("ohk_" | "oht_")) {
        return crate::api_keys::authenticate(app, token, chosen, meta).await;
    }
    let user = session_user(app, token, "active").await?;
    let mut tx = app.db.begin_read().await?;
    let actor = access::actor_for_user(&mut tx, &user, chosen, meta).await?;
    Ok((actor, staff_user(&user), None))
}

/// Promotes a session whose password step passed to a full session (called by the MFA step).
pub async fn activate_session(app: &App, tx: &mut Tx, token: &str) -> Result<()> {
    let now = app.now();
    if sessions::activate(
        tx,
        &token_hash(token),
        now + SESSION_IDLE,
        now + SESSION_ABSOLUTE,
    )
    .await?
    {
        Ok(())
    } else {
        Err(Error::Unauthenticated)
    }
}

/// Ends the session of `token`.
pub async fn logout(app: &App, actor: &Actor, token: &str) -> Result<()> {
    let mut tx = app.db.begin_write().await?;
    if sessions::revoke(&mut tx, &token_hash(token), app.now()).await? {
        let user = actor.user().map(|u| u.to_string());
        let change = Change {
            action: "session.revoke",
            entity_type: "staff_user",
            entity_id: user,
            merchant: actor.merchant,
            before: None,
            after: None,
        };
        audit::record(app, &mut tx, actor, change).await?;
    }
    tx.commit().await?;
    app.callers.forget_all();
    Ok(())
}

/// The actor a sign-in is recorded under (the user signing in, before any permission check).
fn user_actor(user: &StaffUserRow, client: &ClientInfo) -> Actor {
    Actor {
        principal: crate::context::Principal::User {
            id: UserId::from_uuid(user.id),
            email: user.email.clone(),
        },
        platform: user.merchant_id.is_none(),
        merchant: user.merchant_id.map(MerchantId::from_uuid),
        permissions: omnihub_domain::access::PermissionSet::empty(),
        mfa_enrolment_required: false,
        meta: client.clone(),
    }
}

/// Ends every session of the actor's user, this one included; returns how many ended.
pub async fn logout_everywhere(app: &App, actor: &Actor) -> Result<u64> {
    let user = actor.person()?;
    let mut tx = app.db.begin_write().await?;
    let ended = sessions::revoke_all(&mut tx, user, None, app.now()).await?;
    audit::record(
        app,
        &mut tx,
        actor,
        Change {
            action: "session.revoke_all",
            entity_type: "staff_user",
            entity_id: Some(user.to_string()),
            merchant: actor.merchant,
            before: None,
            after: Some(serde_json::json!({"sessions_ended": ended})),
        },
    )
    .await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(ended)
}

/// Changes the actor's own password after checking the current one; every other session
/// of the user ends.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    token: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    let user = actor.person()?;
    let new = NewPassword::parse(new).map_err(|e| Error::invalid("new_password", "weak", e))?;
    let mut tx = app.db.begin_read().await?;
    let row = staff::get(&mut tx, user)
        .await?
        .ok_or(Error::Unauthenticated)?;
    drop(tx);
    if !passwords::verify(current, &row.password_hash).await? {
        return Err(Error::invalid(
            "current_password",
            "wrong",
            "the current password is not correct",
        ));
    }
    if passwords::verify(new.expose(), &row.password_hash).await? {
        return Err(Error::invalid(
            "new_password",
            "unchanged",
            "the new password must differ from the current one",
        ));
    }
    let hash = passwords::hash(&new, app.hash_cost, app.entropy.as_ref()).await?;
    let mut tx = app.db.begin_write().await?;
    staff::set_password(&mut tx, user, &hash, app.now()).await?;
    let ended = sessions::revoke_all(&mut tx, user, Some(&token_hash(token)), app.now()).await?;
    audit::record(
        app,
        &mut tx,
        actor,
        Change {
            action: "staff_user.change_password",
            entity_type: "staff_user",
            entity_id: Some(user.to_string()),
            merchant: row.merchant_id.map(MerchantId::from_uuid),
            before: None,
            after: Some(serde_json::json!({"other_sessions_ended": ended})),
        },
    )
    .await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(())
}

/// A live session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// First 16 hex digits of the token's hash.
    pub id: String,
    /// `api` or `console`.
    pub channel: String,
    /// Signed in at.
    pub created_at: Timestamp,
    /// Last used at.
    pub last_seen_at: Timestamp,
    /// Ends at the latest.
    pub expires_at: Timestamp,
    /// Client address at sign-in.
    pub client_address: Option<String>,
    /// User agent at sign-in.
    pub user_agent: Option<String>,
    /// The session of this request.
    pub current: bool,
}

/// The actor's live sessions.
pub async fn sessions(app: &App, actor: &Actor, current_token: &str) -> Result<Vec<SessionInfo>> {
    let user = actor.person()?;
    let current = token_hash(current_token);
    let mut tx = app.db.begin_read().await?;
    sessions::list_live(&mut tx, user, app.now())
        .await?
        .into_iter()
        .map(|s| {
            Ok(SessionInfo {
                id: hex::encode(&s.token_hash[..8]),
                current: s.token_hash == current,
                channel: s.channel,
                created_at: time::from_db(s.created_at)?,
                last_seen_at: time::from_db(s.last_seen_at)?,
                expires_at: time::from_db(s.absolute_expires_at)?,
                client_address: s.client_address,
                user_agent: s.user_agent,
            })
        })
        .collect()
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub(crate) fn staff_user(row: &StaffUserRow) -> crate::staff::StaffUser {
    crate::staff::StaffUser {
        id: UserId::from_uuid(row.id),
        merchant: row.merchant_id.map(MerchantId::from_uuid),
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        is_platform_admin: row.is_platform_admin,
        mfa_enabled: row.mfa_enabled_at.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dummy_hash_is_a_valid_argon2id_hash() {
        // If it failed to parse, unknown emails would answer faster than known ones.
        assert!(!passwords::verify("anything", DUMMY_HASH).await.unwrap());
    }
}
