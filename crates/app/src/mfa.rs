//! Multi-factor authentication with TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps,
//! one step of clock skew either way) and one-time recovery codes.
//!
//! The TOTP seed is stored encrypted ([`crate::secrets::SecretBox`]); recovery codes are
//! stored as keyed hashes. A code is accepted once: the last used step is remembered, so a
//! code seen by a shoulder-surfer cannot be replayed.

use jiff::Timestamp;
use omnihub_domain::access::BuiltInRole;
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::Tx;
use omnihub_store::mfa::{self as store};
use omnihub_store::staff;
use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::audit::{self, Change};
use crate::entropy::random_bytes;
use crate::error::{Error, Result};
use crate::{Actor, App, access, auth, passwords};

/// The issuer shown in authenticator apps.
const ISSUER: &str = "Omnihub";
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
/// Crockford-style alphabet without look-alikes, for recovery codes.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// What enrolment shows the user: the seed three ways.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32 seed, for typing into an app.
    pub secret: String,
    /// `otpauth://totp/...` URI.
    pub otpauth_uri: String,
    /// The URI as a QR code, SVG markup.
    pub qr_svg: String,
}

fn totp(secret: Vec<u8>, account: &str) -> Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(secret))
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| Error::Internal(format!("TOTP setup failed: {e:?}").into()))
}

fn unix_secs(t: Timestamp) -> u64 {
    u64::try_from(t.as_second()).unwrap_or(0)
}

/// The current code for a base32 seed (for authenticator-less tests and tooling).
pub fn code_at(secret_base32: &str, at: Timestamp) -> Result<String> {
    let bytes = Secret::try_from_base32(secret_base32)
        .map_err(|_| Error::invalid("secret", "invalid", "not a base32 TOTP seed"))?;
    Ok(totp(bytes.as_ref().to_vec(), "x")?
        .generate(unix_secs(at))
        .to_string())
}

/// Starts (or restarts) enrolment: a new seed, stored encrypted but not yet active.
pub async fn enrol(app: &App, actor: &Actor) -> Result<Enrolment> {
    let user = actor.person()?;
    let mut tx = app.db.begin_write().await?;
    let row = staff::get(&mut tx, user)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if row.mfa_enabled_at.is_some() {
        return Err(Error::Conflict {
            code: "mfa-already-enabled",
            message: "MFA is already enabled; disable it first to enrol a new device".into(),
        });
    }
    let seed: [u8; 20] = random_bytes(app.entropy.as_ref());
    let sealed = app.secrets.seal(&seed, app.entropy.as_ref())?;
    store::set_secret(&mut tx, user, &sealed).await?;
    tx.commit().await?;
    app.callers.forget_all();
    let t = totp(seed.to_vec(), &row.email)?;
    let uri = t
        .to_url()
        .map_err(|e| Error::Internal(format!("otpauth URI: {e:?}").into()))?;
    let qr =
        QrCode::new(uri.as_bytes()).map_err(|e| Error::Internal(format!("QR code: {e}").into()))?;
    let qr_svg = qr
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrolment {
        secret: Secret::from(seed.to_vec()).to_base32(),
        otpauth_uri: uri,
        qr_svg,
    })
}

/// Checks a TOTP code against the user's seed, refusing reuse of a step; records the step.
async fn verify_totp(app: &App, tx: &mut Tx, user: UserId, code: &str) -> Result<bool> {
    let Some(state) = store::state(tx, user).await? else {
        return Ok(false);
    };
    let Some(sealed) = state.secret else {
        return Ok(false);
    };
    let seed = app.secrets.open(&sealed)?;
    let t = totp(seed, "x")?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(step) = t.check(&code, unix_secs(app.now())) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if state.last_step.is_some_and(|last| step <= last) {
        return Ok(false); // replayed
    }
    store::set_last_step(tx, user, step).await?;
    Ok(true)
}

/// Confirms enrolment with a first code; returns the recovery codes (shown once).
pub async fn confirm(app: &App, actor: &Actor, code: &str) -> Result<Vec<String>> {
    let user = actor.person()?;
    let mut tx = app.db.begin_write().await?;
    let enabled = store::state(&mut tx, user)
        .await?
        .and_then(|s| s.enabled_at);
    if enabled.is_some() {
        return Err(Error::Conflict {
            code: "mfa-already-enabled",
            message: "MFA is already enabled".into(),
        });
    }
    if !verify_totp(app, &mut tx, user, code).await? {
        return Err(Error::invalid(
            "code",
            "wrong",
            "the code is not correct (check the device's clock)",
        ));
    }
    store::enable(&mut tx, user, omnihub_store::time::to_db(app.now())).await?;
    let codes = new_recovery_codes(app, &mut tx, user).await?;
    audit_mfa(app, &mut tx, actor, user, "staff_user.mfa_enable").await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(codes)
}

async fn new_recovery_codes(app: &App, tx: &mut Tx, user: UserId) -> Result<Vec<String>> {
    store::delete_recovery_codes(tx, user).await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let raw: [u8; 10] = random_bytes(app.entropy.as_ref());
        let code: String = raw
            .iter()
            .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
            .collect();
        let code = format!("{}-{}", &code[..5], &code[5..]);
        store::insert_recovery_code(
            tx,
            user,
            &app.secrets.keyed_hash(code.as_bytes())?,
            omnihub_store::time::to_db(app.now()),
        )
        .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// Replaces the recovery codes (needs a current TOTP code).
pub async fn regenerate_recovery_codes(
    app: &App,
    actor: &Actor,
    code: &str,
) -> Result<Vec<String>> {
    let user = actor.person()?;
    let mut tx = app.db.begin_write().await?;
    if !verify_totp(app, &mut tx, user, code).await? {
        return Err(Error::invalid("code", "wrong", "the code is not correct"));
    }
    let codes = new_recovery_codes(app, &mut tx, user).await?;
    audit_mfa(app, &mut tx, actor, user, "staff_user.mfa_recovery_codes").await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns MFA off (needs the password and a current code). Refused while a role requires it.
pub async fn disable(app: &App, actor: &Actor, password: &str, code: &str) -> Result<()> {
    let user = actor.person()?;
    let mut tx = app.db.begin_read().await?;
    let row = staff::get(&mut tx, user)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let (_, requires_mfa) = access::permissions_of(&mut tx, user).await?;
    drop(tx);
    if requires_mfa {
        return Err(Error::Conflict {
            code: "mfa-required-by-role",
            message: "a role of yours requires MFA, so it cannot be turned off".into(),
        });
    }
    if !passwords::verify(password, &row.password_hash).await? {
        return Err(Error::invalid(
            "password",
            "wrong",
            "the password is not correct",
        ));
    }
    let mut tx = app.db.begin_write().await?;
    if !verify_totp(app, &mut tx, user, code).await? {
        return Err(Error::invalid("code", "wrong", "the code is not correct"));
    }
    store::disable(&mut tx, user).await?;
    store::delete_recovery_codes(&mut tx, user).await?;
    audit_mfa(app, &mut tx, actor, user, "staff_user.mfa_disable").await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(())
}

/// The second sign-in step: a TOTP or recovery code turns a pending session into a full
/// one. Wrong codes count against the account's sign-in throttle.
pub async fn complete_login(
    app: &App,
    pending_token: &str,
    code: &str,
) -> Result<crate::staff::StaffUser> {
    let user = auth::session_user(app, pending_token, "mfa_pending").await?;
    let id = UserId::from_uuid(user.id);
    auth::refuse_if_locked(app, &user.email).await?;
    let mut tx = app.db.begin_write().await?;
    let ok = verify_totp(app, &mut tx, id, code).await?
        || use_recovery_code(app, &mut tx, id, code).await?;
    if !ok {
        drop(tx);
        auth::count_failure(app, &user.email).await?;
        return Err(Error::invalid("code", "wrong", "the code is not correct"));
    }
    auth::activate_session(app, &mut tx, pending_token).await?;
    tx.commit().await?;
    Ok(auth::staff_user(&user))
}

async fn use_recovery_code(app: &App, tx: &mut Tx, user: UserId, code: &str) -> Result<bool> {
    let normalised = code.trim().to_lowercase();
    if normalised.len() != 11 {
        return Ok(false);
    }
    let hash = app.secrets.keyed_hash(normalised.as_bytes())?;
    Ok(store::use_recovery_code(tx, user, &hash, omnihub_store::time::to_db(app.now())).await?)
}

async fn audit_mfa(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    user: UserId,
    action: &str,
) -> Result<()> {
    let merchant = staff::get(tx, user)
        .await?
        .and_then(|u| u.merchant_id)
        .map(MerchantId::from_uuid);
    let change = Change {
        action,
        entity_type: "staff_user",
        entity_id: Some(user.to_string()),
        merchant,
        before: None,
        after: None,
    };
    audit::record(app, tx, actor, change).await
}

/// Whether the built-in role list says MFA is needed (for docs and the console).
pub fn roles_requiring_mfa() -> Vec<&'static str> {
    BuiltInRole::ALL
        .iter()
        .filter(|r| r.requires_mfa())
        .map(|r| r.code())
        .collect()
}
