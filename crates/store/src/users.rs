//! Staff user management: listing, scoped lookups and status changes of `staff_users`.
//! (Sign-in lookups and the insert live in [`crate::staff`].)
//!
//! A user's tenant is their merchant, or none for platform staff; every function here takes
//! it first (`Option<MerchantId>`, `None` meaning the platform) and matches it with
//! `IS NOT DISTINCT FROM`, so a query never reaches another tenant's users.

use jiff::Timestamp;
use omnihub_domain::ids::{MerchantId, UserId};
use uuid::Uuid;

use crate::staff::StaffUserRow;
use crate::{StoreError, Tx, time, with_conn};

/// The columns of [`StaffUserRow`], for `concat!` into constant SQL.
macro_rules! columns {
    () => {
        "id, merchant_id, email, display_name, password_hash, is_platform_admin, status, created_at, mfa_enabled_at"
    };
}

/// One page of a tenant's users in creation order, after `after` if given.
pub async fn list(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<StaffUserRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM staff_users WHERE merchant_id IS NOT DISTINCT FROM $1 \
         AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(after.map(|u| u.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?)
}

/// One user of a tenant, if it exists there.
pub async fn get(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: UserId,
) -> Result<Option<StaffUserRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM staff_users WHERE merchant_id IS NOT DISTINCT FROM $1 AND id = $2"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, StaffUserRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await)?)
}

/// Sets a user's status (`active` or `disabled`); false when the user is not in this tenant
/// or already had that status.
pub async fn set_status(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: UserId,
    status: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE staff_users SET status = $3, updated_at = $4 \
         WHERE merchant_id IS NOT DISTINCT FROM $1 AND id = $2 AND status <> $3";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id.as_uuid())
        .bind(status)
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}

/// How many active users of a merchant hold `role`.
pub async fn count_active_holders(
    tx: &mut Tx,
    merchant: MerchantId,
    role: Uuid,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM staff_users u JOIN user_roles ur ON ur.user_id = u.id \
         WHERE u.merchant_id = $1 AND ur.role_id = $2 AND u.status = 'active'";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, i64>(SQL)
        .bind(merchant.as_uuid())
        .bind(role)
        .fetch_one(c)
        .await)?)
}

/// Records that a user has enrolled in MFA at `now` (the MFA module stores the secret
/// itself; test fixtures use this to set up users of roles that require MFA).
pub async fn mark_mfa_enrolled(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: UserId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE staff_users SET mfa_enabled_at = $3, updated_at = $3 \
         WHERE merchant_id IS NOT DISTINCT FROM $1 AND id = $2";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id.as_uuid())
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}
