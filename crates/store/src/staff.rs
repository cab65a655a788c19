//! Staff users: platform administrators and merchant staff.

use jiff::Timestamp;
use omnihub_domain::identity::Email;
use omnihub_domain::ids::{MerchantId, UserId};
use uuid::Uuid;

use crate::{StoreError, Tx, time, with_conn};

/// A staff user as stored (the password hash stays in the store and app layers).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffUserRow {
    /// Id.
    pub id: Uuid,
    /// The merchant the user works for; none for platform staff.
    pub merchant_id: Option<Uuid>,
    /// Normalised email, unique on the platform.
    pub email: String,
    /// Shown in the console and audit log.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Platform administrators manage merchants and the platform itself.
    pub is_platform_admin: bool,
    /// `active` or `disabled`.
    pub status: String,
    /// Microseconds since the epoch.
    pub created_at: i64,
    /// When MFA was enrolled, if it is.
    pub mfa_enabled_at: Option<i64>,
}

/// A new staff user, already validated and hashed.
#[derive(Debug, Clone)]
pub struct NewStaffUser<'a> {
    /// Merchant, or none for platform staff.
    pub merchant: Option<MerchantId>,
    /// Login address.
    pub email: &'a Email,
    /// Display name.
    pub display_name: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Whether the user is a platform administrator.
    pub is_platform_admin: bool,
}

/// Inserts a staff user. Fails with `Conflict { key: "staff_users.email" }` when the email
/// is taken.
pub async fn insert(
    tx: &mut Tx,
    id: UserId,
    user: &NewStaffUser<'_>,
    now: Timestamp,
) -> Result<StaffUserRow, StoreError> {
    const SQL: &str = "INSERT INTO staff_users (id, merchant_id, email, display_name, password_hash, \
         is_platform_admin, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) \
         RETURNING id, merchant_id, email, display_name, password_hash, is_platform_admin, status, created_at, mfa_enabled_at";
    with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(SQL)
        .bind(id.as_uuid())
        .bind(user.merchant.map(|m| m.as_uuid()))
        .bind(user.email.as_ref())
        .bind(user.display_name)
        .bind(user.password_hash)
        .bind(user.is_platform_admin)
        .bind(time::to_db(now))
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "staff_users.email"))
}

/// A user by login email, if any.
pub async fn find_by_email(tx: &mut Tx, email: &Email) -> Result<Option<StaffUserRow>, StoreError> {
    const SQL: &str = "SELECT id, merchant_id, email, display_name, password_hash, is_platform_admin, \
         status, created_at, mfa_enabled_at FROM staff_users WHERE email = $1";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(SQL)
        .bind(email.as_ref())
        .fetch_optional(c)
        .await)?)
}

/// How many platform administrators exist.
pub async fn count_platform_admins(tx: &mut Tx) -> Result<i64, StoreError> {
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM staff_users WHERE is_platform_admin = TRUE"
    )
    .fetch_one(c)
    .await)?)
}

/// A user by id, if any.
pub async fn get(tx: &mut Tx, id: UserId) -> Result<Option<StaffUserRow>, StoreError> {
    const SQL: &str = "SELECT id, merchant_id, email, display_name, password_hash, is_platform_admin, \
         status, created_at, mfa_enabled_at FROM staff_users WHERE id = $1";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(SQL)
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await)?)
}

/// Replaces a user's password hash.
pub async fn set_password(
    tx: &mut Tx,
    id: UserId,
    password_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE staff_users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(id.as_uuid())
        .bind(password_hash)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}
