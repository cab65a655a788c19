//! Sign-in with email and password, opaque session tokens, and resolving a token back to
//! the [`Actor`] it stands for. Tokens are 256-bit random values shown once; only their
//! SHA-256 is stored. (The identity issue adds MFA, lockout and API keys on top.)

use jiff::{SignedDuration, Timestamp};
use omnihub_domain::identity::Email;
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::sessions::{self, NewSession};
use omnihub_store::staff::{self, StaffUserRow};
use sha2::{Digest, Sha256};

use crate::entropy::random_bytes;
use crate::error::{Error, Result};
use crate::{Actor, App, passwords};

/// A session is dropped after this long without use.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(8);
/// A session ends this long after sign-in, however active.
pub const SESSION_ABSOLUTE: SignedDuration = SignedDuration::from_hours(24);
/// Prefix that makes leaked session tokens recognisable to secret scanners.
const TOKEN_PREFIX: &str = "ohs_";
/// A valid argon2id hash of a random password, verified when the email is unknown so that
/// response time does not reveal which addresses have accounts.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ky6RJfBBu6Ua9cJ+eqrWm6qZ6zBJ3zvSa2XdVHXkDM";

/// Where a request came from, recorded with the session (and later the audit log).
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's address.
    pub address: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
}

/// A new session: the token is shown to the client once and never again.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token.
    pub token: String,
    /// Absolute expiry.
    pub expires_at: Timestamp,
    /// Who signed in.
    pub user: crate::staff::StaffUser,
}

/// Signs a staff user in. Wrong email and wrong password are indistinguishable.
#[tracing::instrument(skip_all, err)]
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<SignedIn> {
    let email = Email::parse(email).map_err(|_| Error::Unauthenticated)?;
    let mut tx = app.db.begin_read().await?;
    let user = staff::find_by_email(&mut tx, &email).await?;
    drop(tx);
    let phc = user
        .as_ref()
        .map_or(DUMMY_HASH, |u| u.password_hash.as_str());
    let matches = passwords::verify(password, phc).await?;
    let user = match user {
        Some(user) if matches && user.status == "active" => user,
        _ => return Err(Error::Unauthenticated),
    };
    let raw: [u8; 32] = random_bytes(app.entropy.as_ref());
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
    let now = app.now();
    let expires_at = now + SESSION_ABSOLUTE;
    let hash = token_hash(&token);
    let mut tx = app.db.begin_write().await?;
    let session = NewSession {
        token_hash: &hash,
        user: UserId::from_uuid(user.id),
        idle_expires_at: now + SESSION_IDLE,
        absolute_expires_at: expires_at,
        client_address: client.address.as_deref(),
        user_agent: client.user_agent.as_deref(),
    };
    sessions::insert(&mut tx, &session, now).await?;
    tx.commit().await?;
    Ok(SignedIn {
        token,
        expires_at,
        user: staff_user(&user),
    })
}

/// The actor a bearer token stands for; `Unauthenticated` if unknown, revoked or expired.
pub async fn authenticate(app: &App, token: &str) -> Result<(Actor, crate::staff::StaffUser)> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(Error::Unauthenticated);
    }
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let user = sessions::touch(&mut tx, &token_hash(token), now, now + SESSION_IDLE).await?;
    tx.commit().await?;
    let user = user.ok_or(Error::Unauthenticated)?;
    let actor = Actor::Staff {
        user: UserId::from_uuid(user.id),
        merchant: user.merchant_id.map(MerchantId::from_uuid),
        platform_admin: user.is_platform_admin,
    };
    Ok((actor, staff_user(&user)))
}

/// Ends the session of `token`.
pub async fn logout(app: &App, token: &str) -> Result<()> {
    let mut tx = app.db.begin_write().await?;
    sessions::revoke(&mut tx, &token_hash(token), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn staff_user(row: &StaffUserRow) -> crate::staff::StaffUser {
    crate::staff::StaffUser {
        id: UserId::from_uuid(row.id),
        email: row.email.clone(),
        display_name: row.display_name.clone(),
        is_platform_admin: row.is_platform_admin,
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
