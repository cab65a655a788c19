//! Roles (IAM-3): the built-in roles of each scope, each merchant's custom roles, and the
//! permission catalogue.
//!
//! Built-in roles are immutable: their permissions live in the code. A custom role belongs
//! to one merchant, carries merchant permissions only, and is created with none: its
//! permissions change only through an approved `set_role_permissions` request. Creating a
//! role with a permission list files that request at once, in the same transaction.

use jiff::Timestamp;
use omnihub_domain::access::{BuiltInRole, Permission, PermissionSet, RoleCode, Scope};
use omnihub_domain::ids::MerchantId;
use omnihub_domain::roles::{RoleDescription, RoleId, RoleName, custom_role_permissions};
use omnihub_store::access::RoleRow;
use omnihub_store::roles::{self as store, NewCustomRole};
use omnihub_store::{StoreError, Tx};

use crate::access_requests::{self, AccessRequest, RequestInput};
use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::{Actor, App};

/// A role with its permissions.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// Id (fixed for built-in roles).
    pub id: RoleId,
    /// The merchant of a custom role; none for built-in roles.
    pub merchant: Option<MerchantId>,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Merchant or platform.
    pub scope: Scope,
    /// Built-in (immutable) or custom.
    pub built_in: bool,
    /// Whether holders must use MFA.
    pub requires_mfa: bool,
    /// What it allows.
    pub permissions: PermissionSet,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Role {
    /// The audit log's view of a role.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "requires_mfa": self.requires_mfa,
            "permissions": self.permissions.codes(),
        })
    }
}

/// A role row with its permissions: from the code for built-in roles, from the database
/// for custom ones (codes no longer in the catalogue are dropped).
pub(crate) async fn from_row(tx: &mut Tx, row: RoleRow) -> Result<Role> {
    let merchant = row.merchant_id.map(MerchantId::from_uuid);
    let id = RoleId::from_uuid(row.id);
    let permissions = match (row.built_in, merchant) {
        (true, _) => BuiltInRole::from_id(row.id)
            .map(BuiltInRole::permissions)
            .unwrap_or_default(),
        (false, Some(m)) => store::permissions(tx, m, id)
            .await?
            .iter()
            .filter_map(|code| Permission::parse(code).ok())
            .collect(),
        (false, None) => PermissionSet::empty(),
    };
    let scope = if row.scope == "platform" {
        Scope::Platform
    } else {
        Scope::Merchant
    };
    Ok(Role {
        id,
        merchant,
        code: row.code,
        name: row.name,
        description: row.description,
        scope,
        built_in: row.built_in,
        requires_mfa: row.requires_mfa,
        permissions,
        created_at: omnihub_store::time::from_db(row.created_at)?,
    })
}

/// Reading roles and requests is open to everyone who manages or approves access.
pub(crate) fn require_access_reader(actor: &Actor) -> Result<()> {
    const READERS: [Permission; 4] = [
        Permission::UsersManage,
        Permission::RolesManage,
        Permission::RolesApprove,
        Permission::PlatformUsersManage,
    ];
    if actor.mfa_enrolment_required {
        return Err(Error::MfaEnrolmentRequired);
    }
    if READERS.iter().any(|p| actor.permissions.contains(*p)) {
        Ok(())
    } else {
        Err(Error::MissingPermission(Permission::RolesManage))
    }
}

/// The roles of the actor's tenant: in a merchant, the built-in merchant roles and the
/// merchant's custom roles; for platform staff with no merchant chosen, the built-in
/// platform roles.
#[tracing::instrument(skip_all, err)]
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Role>> {
    list_for_tenant(app, actor, actor.merchant).await
}

/// The roles that can be held in a tenant: built-in merchant roles and the merchant's
/// custom roles, or the built-in platform roles (`None`). Merchant staff may only ask about
/// their own merchant (404 otherwise); only platform staff about the platform.
#[tracing::instrument(skip_all, err)]
pub async fn list_for_tenant(
    app: &App,
    actor: &Actor,
    tenant: Option<MerchantId>,
) -> Result<Vec<Role>> {
    require_access_reader(actor)?;
    match tenant {
        Some(m) => actor.require_merchant(m)?,
        None if actor.platform => {}
        None => return Err(Error::NotFound { entity: "role" }),
    }
    let scope = if tenant.is_some() {
        Scope::Merchant
    } else {
        Scope::Platform
    };
    let mut tx = app.db.begin_read().await?;
    let mut rows: Vec<RoleRow> = store::list_built_in(&mut tx)
        .await?
        .into_iter()
        .filter(|r| r.scope == scope.code())
        .collect();
    if let Some(m) = tenant {
        rows.extend(store::list_custom(&mut tx, m).await?);
    }
    let mut roles = Vec::with_capacity(rows.len());
    for row in rows {
        roles.push(from_row(&mut tx, row).await?);
    }
    Ok(roles)
}

/// Loads a role visible to the actor: any role for platform staff; built-in roles and
/// their merchant's custom roles for merchant staff (others are 404).
pub(crate) async fn visible_role(tx: &mut Tx, actor: &Actor, id: RoleId) -> Result<RoleRow> {
    let row = if actor.platform {
        store::get_any(tx, id).await?
    } else {
        store::get_visible(tx, actor.merchant, id).await?
    };
    row.ok_or(Error::NotFound { entity: "role" })
}

/// One role with its permissions.
#[tracing::instrument(skip_all, fields(role_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, id: RoleId) -> Result<Role> {
    require_access_reader(actor)?;
    let mut tx = app.db.begin_read().await?;
    let row = visible_role(&mut tx, actor, id).await?;
    from_row(&mut tx, row).await
}

/// Every permission of the catalogue, in catalogue order.
pub fn catalogue() -> &'static [Permission] {
    Permission::ALL
}

/// Unvalidated input for a custom role.
#[derive(Debug, Clone, Default)]
pub struct NewRoleInput {
    /// Code: 2-40 of a-z, 0-9 and `_`, not a built-in code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description (may be empty).
    pub description: String,
    /// Whether holders must use MFA.
    pub requires_mfa: bool,
    /// Permissions to request for the role (a pending `set_role_permissions` request).
    pub permissions: Option<Vec<String>>,
    /// Why (recorded on that request).
    pub reason: Option<String>,
}

/// A new custom role, and the pending request for its permissions if any were asked for.
#[derive(Debug, Clone)]
pub struct CreatedRole {
    /// The role (with no permissions yet).
    pub role: Role,
    /// The pending request for its permissions.
    pub request: Option<AccessRequest>,
}

/// Creates a custom role, with no permissions, in the actor's current merchant (needs
/// `roles.manage`). Permissions given are filed as a pending `set_role_permissions`
/// request in the same transaction.
#[tracing::instrument(skip_all, err)]
pub async fn create(app: &App, actor: &Actor, input: NewRoleInput) -> Result<CreatedRole> {
    let merchant = actor.current_merchant()?;
    actor.require_in(merchant, Permission::RolesManage)?;
    let mut v = Validator::default();
    let code = v.check("code", "invalid", RoleCode::parse(input.code.trim()));
    let name = v.check("name", "invalid", RoleName::parse(&input.name));
    let description = v.check(
        "description",
        "invalid",
        RoleDescription::parse(&input.description),
    );
    if let Some(permissions) = &input.permissions {
        v.check(
            "permissions",
            "invalid",
            custom_role_permissions(permissions.iter().map(String::as_str)),
        );
    }
    let (Some(code), Some(name), Some(description)) = (code, name, description) else {
        return v
            .finish()
            .and(Err(Error::invalid("role", "invalid", "invalid role")));
    };
    v.finish()?;
    if input.permissions.as_ref().is_some_and(|p| !p.is_empty()) {
        // Only a person may file an access request.
        actor.person()?;
    }
    let mut tx = app.db.begin_write().await?;
    crate::users::require_merchant_exists(&mut tx, merchant).await?;
    let new = NewCustomRole {
        code: code.as_ref(),
        name: name.as_ref(),
        description: description.as_ref(),
        requires_mfa: input.requires_mfa,
    };
    let id = RoleId::from_uuid(app.ids.new_id());
    let row = store::insert_custom(&mut tx, merchant, id, &new, app.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => Error::invalid(
                "code",
                "taken",
                "the merchant already has a role with this code",
            ),
            other => other.into(),
        })?;
    let role = from_row(&mut tx, row).await?;
    let change = Change {
        action: "role.create",
        entity_type: "role",
        entity_id: Some(id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(role.to_json()),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let request = match input.permissions.filter(|p| !p.is_empty()) {
        Some(permissions) => {
            let input = RequestInput {
                kind: "set_role_permissions".into(),
                user_id: None,
                role_id: Some(id),
                permissions: Some(permissions),
                reason: input.reason,
            };
            let request_id = access_requests::file(app, &mut tx, actor, input).await?;
            Some(access_requests::load(&mut tx, actor, request_id).await?)
        }
        None => None,
    };
    tx.commit().await?;
    app.callers.forget_all();
    Ok(CreatedRole { role, request })
}
