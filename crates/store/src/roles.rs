//! Role management: built-in roles (fixed rows, permissions in code) and each merchant's
//! custom roles with their stored permissions; revoking granted roles.
//!
//! Custom roles belong to one merchant, which every function touching them takes first.

use jiff::Timestamp;
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::roles::RoleId;

use crate::access::RoleRow;
use crate::{StoreError, Tx, time, with_conn};

/// The columns of [`RoleRow`], for `concat!` into constant SQL.
macro_rules! columns {
    () => {
        "id, merchant_id, code, name, description, scope, built_in, requires_mfa, created_at"
    };
}

/// A new custom role, already validated.
#[derive(Debug, Clone)]
pub struct NewCustomRole<'a> {
    /// Code, unique within the merchant.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Description.
    pub description: &'a str,
    /// Whether holders must use MFA.
    pub requires_mfa: bool,
}

/// Every built-in role, in id order.
pub async fn list_built_in(tx: &mut Tx) -> Result<Vec<RoleRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM roles WHERE built_in = TRUE AND merchant_id IS NULL ORDER BY id"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .fetch_all(c)
        .await)?)
}

/// A merchant's custom roles, by code.
pub async fn list_custom(tx: &mut Tx, merchant: MerchantId) -> Result<Vec<RoleRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM roles WHERE merchant_id = $1 ORDER BY code"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .bind(merchant.as_uuid())
        .fetch_all(c)
        .await)?)
}

/// A role visible within a tenant: a built-in role, or a custom role of `merchant`.
/// With `merchant` `None` (platform), only built-in roles are found.
pub async fn get_visible(
    tx: &mut Tx,
    merchant: Option<MerchantId>,
    id: RoleId,
) -> Result<Option<RoleRow>, StoreError> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM roles WHERE id = $2 AND (merchant_id IS NULL OR merchant_id = $1)"
    );
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .bind(merchant.map(|m| m.as_uuid()))
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await)?)
}

/// Any role by id, whichever merchant it belongs to (for platform staff, who act for
/// every merchant).
pub async fn get_any(tx: &mut Tx, id: RoleId) -> Result<Option<RoleRow>, StoreError> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM roles WHERE id = $1");
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await)?)
}

/// Inserts a custom role with no permissions. Fails with `Conflict { key: "roles.code" }`
/// when the merchant already has a role with this code.
pub async fn insert_custom(
    tx: &mut Tx,
    merchant: MerchantId,
    id: RoleId,
    role: &NewCustomRole<'_>,
    now: Timestamp,
) -> Result<RoleRow, StoreError> {
    const SQL: &str = concat!(
        "INSERT INTO roles (id, merchant_id, code, name, description, scope, built_in, requires_mfa, created_at, updated_at) \
         VALUES ($2, $1, $3, $4, $5, 'merchant', FALSE, $6, $7, $7) RETURNING ",
        columns!()
    );
    with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .bind(merchant.as_uuid())
        .bind(id.as_uuid())
        .bind(role.code)
        .bind(role.name)
        .bind(role.description)
        .bind(role.requires_mfa)
        .bind(time::to_db(now))
        .fetch_one(c)
        .await)
    .map_err(|e| StoreError::from_sqlx(e, "roles.code"))
}

/// The stored permission codes of one custom role of `merchant`, sorted.
pub async fn permissions(
    tx: &mut Tx,
    merchant: MerchantId,
    role: RoleId,
) -> Result<Vec<String>, StoreError> {
    const SQL: &str = "SELECT rp.permission FROM role_permissions rp JOIN roles r ON r.id = rp.role_id \
         WHERE r.merchant_id = $1 AND rp.role_id = $2 ORDER BY rp.permission";
    Ok(with_conn!(tx, |c| sqlx::query_scalar::<_, String>(SQL)
        .bind(merchant.as_uuid())
        .bind(role.as_uuid())
        .fetch_all(c)
        .await)?)
}

/// Replaces the permissions of a custom role of `merchant`. `NotFound` if the merchant has
/// no such custom role.
pub async fn set_permissions(
    tx: &mut Tx,
    merchant: MerchantId,
    role: RoleId,
    permissions: &[&str],
    now: Timestamp,
) -> Result<(), StoreError> {
    const TOUCH: &str =
        "UPDATE roles SET updated_at = $3 WHERE merchant_id = $1 AND id = $2 AND built_in = FALSE";
    const CLEAR: &str = "DELETE FROM role_permissions WHERE role_id = $1";
    const ADD: &str = "INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)";
    let touched = with_conn!(tx, |c| sqlx::query(TOUCH)
        .bind(merchant.as_uuid())
        .bind(role.as_uuid())
        .bind(time::to_db(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if touched == 0 {
        return Err(StoreError::NotFound);
    }
    with_conn!(tx, |c| sqlx::query(CLEAR)
        .bind(role.as_uuid())
        .execute(c)
        .await
        .map(|_| ()))?;
    for permission in permissions {
        with_conn!(tx, |c| sqlx::query(ADD)
            .bind(role.as_uuid())
            .bind(*permission)
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(|e| StoreError::from_sqlx(e, "role_permissions.permission"))?;
    }
    Ok(())
}

/// Takes a role from a user; true if they held it.
pub async fn revoke(tx: &mut Tx, user: UserId, role: RoleId) -> Result<bool, StoreError> {
    const SQL: &str = "DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2";
    Ok(with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user.as_uuid())
        .bind(role.as_uuid())
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))?)
}
