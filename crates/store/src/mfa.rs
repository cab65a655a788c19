//! MFA state of staff users: the encrypted TOTP seed, enrolment time, last used step, and
//! recovery codes (keyed hashes).

use omnihub_domain::ids::UserId;

use crate::{StoreError, Tx, with_conn};

/// A user's MFA state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MfaState {
    /// Encrypted seed (pending or active).
    #[sqlx(rename = "mfa_secret")]
    pub secret: Option<String>,
    /// When enrolment was confirmed.
    #[sqlx(rename = "mfa_enabled_at")]
    pub enabled_at: Option<i64>,
    /// The last TOTP step accepted.
    #[sqlx(rename = "mfa_last_step")]
    pub last_step: Option<i64>,
}

/// The MFA state of a user, if the user exists.
pub async fn state(tx: &mut Tx, user: UserId) -> Result<Option<MfaState>, StoreError> {
    const SQL: &str =
        "SELECT mfa_secret, mfa_enabled_at, mfa_last_step FROM staff_users WHERE id = $1";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, MfaState>(SQL)
        .bind(user.as_uuid())
        .fetch_optional(c)
        .await)?)
}

/// Stores a new (pending) seed.
pub async fn set_secret(tx: &mut Tx, user: UserId, sealed: &str) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE staff_users SET mfa_secret = $2, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(sealed)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Records the last accepted step.
pub async fn set_last_step(tx: &mut Tx, user: UserId, step: i64) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE staff_users SET mfa_last_step = $2 WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(step)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Marks enrolment confirmed.
pub async fn enable(tx: &mut Tx, user: UserId, now: i64) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE staff_users SET mfa_enabled_at = $2 WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Removes MFA.
pub async fn disable(tx: &mut Tx, user: UserId) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE staff_users SET mfa_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Stores one recovery code's hash.
pub async fn insert_recovery_code(
    tx: &mut Tx,
    user: UserId,
    hash: &[u8],
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str =
        "INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Uses up a recovery code; true if it existed and was unused.
pub async fn use_recovery_code(
    tx: &mut Tx,
    user: UserId,
    hash: &[u8],
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))?)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(tx: &mut Tx, user: UserId) -> Result<i64, StoreError> {
    const SQL: &str =
        "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(user.as_uuid())
        .fetch_one(c)
        .await)?)
}

/// Deletes every recovery code of a user.
pub async fn delete_recovery_codes(tx: &mut Tx, user: UserId) -> Result<(), StoreError> {
    with_conn!(tx, |c| sqlx::query(
        "DELETE FROM mfa_recovery_codes WHERE user_id = $1"
    )
    .bind(user.as_uuid())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}
