//! Roles, the roles granted to users, and the permissions they carry.

use uuid::Uuid;

use crate::{StoreError, Tx, with_conn};

/// A role as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoleRow {
    pub id: Uuid,
    pub merchant_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub description: String,
    pub scope: String,
    pub built_in: bool,
    pub requires_mfa: bool,
    pub created_at: i64,
}

/// The roles granted to a user.
pub async fn roles_of_user(tx: &mut Tx, user: Uuid) -> Result<Vec<RoleRow>, StoreError> {
    const SQL: &str = "SELECT r.id, r.merchant_id, r.code, r.name, r.description, r.scope, r.built_in, r.requires_mfa, r.created_at \
         FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY r.code";
    Ok(with_conn!(tx, |c| sqlx::query_as::<_, RoleRow>(SQL)
        .bind(user)
        .fetch_all(c)
        .await)?)
}

/// The stored permissions of custom roles (built-in roles' come from the code).
pub async fn permissions_of_roles(
    tx: &mut Tx,
    roles: &[Uuid],
) -> Result<Vec<(Uuid, String)>, StoreError> {
    let mut out = Vec::new();
    for role in roles {
        let rows: Vec<String> = with_conn!(tx, |c| sqlx::query_scalar(
            "SELECT permission FROM role_permissions WHERE role_id = $1 ORDER BY permission"
        )
        .bind(*role)
        .fetch_all(c)
        .await)?;
        out.extend(rows.into_iter().map(|p| (*role, p)));
    }
    Ok(out)
}

/// Grants a role to a user (idempotent).
pub async fn grant_role(
    tx: &mut Tx,
    user: Uuid,
    role: Uuid,
    request: Option<Uuid>,
    now: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO user_roles (user_id, role_id, granted_at, request_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, role_id) DO NOTHING";
    with_conn!(tx, |c| sqlx::query(SQL)
        .bind(user)
        .bind(role)
        .bind(now)
        .bind(request)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StoreError::from_sqlx(e, "user_roles.role_id"))
}
