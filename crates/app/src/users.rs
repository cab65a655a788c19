//! Staff user management (IAM-1/3/6): creating, listing, reading, disabling and enabling
//! the users of a tenant, and bootstrapping a merchant's first owner.
//!
//! A tenant is a merchant, or the platform itself for platform staff. Managing a merchant's
//! users needs `users.manage` in that merchant; managing platform staff needs
//! `platform.users.manage`. Merchant staff asking for another tenant's user get 404.
//! A new user has no roles and therefore no permissions (least privilege): roles arrive
//! only through approved access requests ([`crate::access_requests`]), except for the
//! bootstrap of a merchant's first owner ([`create_owner`]).

use jiff::Timestamp;
use omnihub_domain::access::{BuiltInRole, Permission, PermissionSet};
use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::users::{DisplayName, UserStatus};
use omnihub_store::staff::{self, NewStaffUser, StaffUserRow};
use omnihub_store::{StoreError, Tx, merchants, sessions, users};

use crate::audit::{self, Change};
use crate::entropy::random_bytes;
use crate::error::{Error, Result, Validator};
use crate::roles::{self, Role};
use crate::{Actor, App, passwords};

/// A staff user as managers see it (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedUser {
    /// Id.
    pub id: UserId,
    /// The merchant the user works for; none for platform staff.
    pub merchant: Option<MerchantId>,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Whether the user may sign in.
    pub status: UserStatus,
    /// Whether MFA is enrolled.
    pub mfa_enabled: bool,
    /// Created as a platform administrator (CLI or first-run set-up).
    pub is_platform_admin: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

impl TryFrom<&StaffUserRow> for ManagedUser {
    type Error = Error;
    fn try_from(row: &StaffUserRow) -> Result<Self> {
        Ok(Self {
            id: UserId::from_uuid(row.id),
            merchant: row.merchant_id.map(MerchantId::from_uuid),
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            status: UserStatus::parse(&row.status).ok_or_else(|| {
                Error::internal(StoreError::Corrupt(format!(
                    "staff_users.status {:?}",
                    row.status
                )))
            })?,
            mfa_enabled: row.mfa_enabled_at.is_some(),
            is_platform_admin: row.is_platform_admin,
            created_at: omnihub_store::time::from_db(row.created_at)?,
        })
    }
}

impl ManagedUser {
    /// The audit log's view of a user.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "email": self.email,
            "display_name": self.display_name,
            "merchant_id": self.merchant.map(|m| m.to_string()),
            "status": self.status.code(),
        })
    }
}

/// A user with their roles and the permissions those roles give.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDetail {
    /// The user.
    pub user: ManagedUser,
    /// Their roles, by code.
    pub roles: Vec<Role>,
    /// The union of their roles' permissions.
    pub permissions: PermissionSet,
}

/// Unvalidated input for a new user.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    /// Login email (unique on the platform).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Initial password meeting the policy; when absent, a one-time password is generated
    /// and returned once.
    pub password: Option<String>,
}

/// A created user, with the generated one-time password if none was given.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    /// The user.
    pub user: ManagedUser,
    /// The generated initial password: shown once, never stored in clear.
    pub initial_password: Option<String>,
}

/// The tenant whose users the actor manages in this request (their current merchant, or
/// the platform for platform staff who chose none), after checking the permission.
pub(crate) fn managed_tenant(actor: &Actor) -> Result<Option<MerchantId>> {
    match actor.merchant {
        Some(m) => actor
            .require_in(m, Permission::UsersManage)
            .map(|()| Some(m)),
        None if actor.platform => actor
            .require(Permission::PlatformUsersManage)
            .map(|()| None),
        None => actor.current_merchant().map(Some),
    }
}

/// Checks that the actor may manage users of `tenant` (404 for another merchant's).
pub(crate) fn require_manage(actor: &Actor, tenant: Option<MerchantId>) -> Result<()> {
    match tenant {
        Some(m) if actor.platform || actor.merchant == Some(m) => {
            actor.require(Permission::UsersManage)
        }
        None if actor.platform => actor.require(Permission::PlatformUsersManage),
        _ => Err(Error::NotFound { entity: "user" }),
    }
}

/// Loads a user the actor may manage. Merchant staff only find their merchant's users.
pub(crate) async fn managed_user(tx: &mut Tx, actor: &Actor, id: UserId) -> Result<StaffUserRow> {
    let row = if actor.platform {
        staff::get(tx, id).await?
    } else {
        users::get(tx, Some(actor.current_merchant()?), id).await?
    };
    let row = row.ok_or(Error::NotFound { entity: "user" })?;
    require_manage(actor, row.merchant_id.map(MerchantId::from_uuid))?;
    Ok(row)
}

/// Fails with 404 unless the merchant exists (platform staff may name any id).
pub(crate) async fn require_merchant_exists(tx: &mut Tx, merchant: MerchantId) -> Result<()> {
    match merchants::get(tx, merchant).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(Error::NotFound { entity: "merchant" }),
        Err(other) => Err(other.into()),
    }
}

/// Creates a user with no roles in the actor's tenant: their current merchant (needs
/// `users.manage`), or the platform (platform staff with no merchant chosen; needs
/// `platform.users.manage`).
#[tracing::instrument(skip_all, err)]
pub async fn create(app: &App, actor: &Actor, input: NewUserInput) -> Result<CreatedUser> {
    let tenant = managed_tenant(actor)?;
    let prepared = prepare(app, input).await?;
    let mut tx = app.db.begin_write().await?;
    if let Some(m) = tenant {
        require_merchant_exists(&mut tx, m).await?;
    }
    let user = insert_prepared(app, &mut tx, actor, tenant, &prepared).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(CreatedUser {
        user,
        initial_password: prepared.generated,
    })
}

/// Creates a merchant's first owner: a user holding the built-in `merchant_owner` role at
/// once. This is the bootstrap of a merchant's access (nobody in the merchant could approve
/// a grant yet), so it needs `merchants.manage` instead of a second approval, is audited as
/// such, and is refused while the merchant has an active owner (409 `merchant-has-owner`).
/// The owner must enrol in MFA at first sign-in, as the role requires.
#[tracing::instrument(skip_all, fields(merchant_id = %merchant), err)]
pub async fn create_owner(
    app: &App,
    actor: &Actor,
    merchant: MerchantId,
    input: NewUserInput,
) -> Result<CreatedUser> {
    actor.require(Permission::MerchantsManage)?;
    let prepared = prepare(app, input).await?;
    let owner = BuiltInRole::MerchantOwner;
    let mut tx = app.db.begin_write().await?;
    require_merchant_exists(&mut tx, merchant).await?;
    if users::count_active_holders(&mut tx, merchant, owner.id()).await? > 0 {
        return Err(Error::Conflict {
            code: "merchant-has-owner",
            message:
                "the merchant already has an active owner; further roles need an approved request"
                    .into(),
        });
    }
    let user = insert_prepared(app, &mut tx, actor, Some(merchant), &prepared).await?;
    let now = omnihub_store::time::to_db(app.now());
    omnihub_store::access::grant_role(&mut tx, user.id.as_uuid(), owner.id(), None, now).await?;
    let change = Change {
        action: "user_role.grant",
        entity_type: "staff_user",
        entity_id: Some(user.id.to_string()),
        merchant: Some(merchant),
        before: None,
        after: Some(serde_json::json!({
            "role_id": owner.id().to_string(),
            "role_code": owner.code(),
            "bootstrap": true,
        })),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(CreatedUser {
        user,
        initial_password: prepared.generated,
    })
}

/// A validated new user with the password already hashed.
struct Prepared {
    email: Email,
    name: DisplayName,
    hash: String,
    generated: Option<String>,
}

/// Parses the input (every field error at once) and hashes the password, generating a
/// one-time password when none was given.
async fn prepare(app: &App, input: NewUserInput) -> Result<Prepared> {
    let generated = input.password.is_none().then(|| one_time_password(app));
    let password = input
        .password
        .as_deref()
        .or(generated.as_deref())
        .unwrap_or_default();
    let mut v = Validator::default();
    let email = v.check("email", "invalid", Email::parse(&input.email));
    let name = v.check(
        "display_name",
        "invalid",
        DisplayName::parse(&input.display_name),
    );
    let password = v.check("password", "weak", NewPassword::parse(password));
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return v
            .finish()
            .and(Err(Error::invalid("user", "invalid", "invalid user")));
    };
    let hash = passwords::hash(&password, app.hash_cost, app.entropy.as_ref()).await?;
    Ok(Prepared {
        email,
        name,
        hash,
        generated,
    })
}

/// Inserts a prepared user into `tenant` and records it in the audit log, within `tx`.
async fn insert_prepared(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    tenant: Option<MerchantId>,
    prepared: &Prepared,
) -> Result<ManagedUser> {
    let new = NewStaffUser {
        merchant: tenant,
        email: &prepared.email,
        display_name: prepared.name.as_ref(),
        password_hash: &prepared.hash,
        is_platform_admin: false,
    };
    let id = UserId::from_uuid(app.ids.new_id());
    let row = staff::insert(tx, id, &new, app.now())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                Error::invalid("email", "taken", "a user with this email already exists")
            }
            other => other.into(),
        })?;
    let user = ManagedUser::try_from(&row)?;
    let change = Change {
        action: "staff_user.create",
        entity_type: "staff_user",
        entity_id: Some(user.id.to_string()),
        merchant: tenant,
        before: None,
        after: Some(user.to_json()),
    };
    audit::record(app, tx, actor, change).await?;
    Ok(user)
}

/// A random initial password: 24 hex digits (96 bits) in groups of four.
fn one_time_password(app: &App) -> String {
    let raw = hex::encode(random_bytes::<12>(app.entropy.as_ref()));
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A page of the users of the actor's tenant, in creation order.
#[tracing::instrument(skip_all, err)]
pub async fn list(
    app: &App,
    actor: &Actor,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<ManagedUser>> {
    let tenant = managed_tenant(actor)?;
    let mut tx = app.db.begin_read().await?;
    users::list(&mut tx, tenant, after, limit.clamp(1, 500))
        .await?
        .iter()
        .map(ManagedUser::try_from)
        .collect()
}

/// One user with their roles and effective permissions.
#[tracing::instrument(skip_all, fields(user_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, id: UserId) -> Result<UserDetail> {
    let mut tx = app.db.begin_read().await?;
    let row = managed_user(&mut tx, actor, id).await?;
    let mut roles = Vec::new();
    for role in omnihub_store::access::roles_of_user(&mut tx, row.id).await? {
        roles.push(roles::from_row(&mut tx, role).await?);
    }
    let (permissions, _) = crate::access::permissions_of(&mut tx, id).await?;
    Ok(UserDetail {
        user: ManagedUser::try_from(&row)?,
        roles,
        permissions,
    })
}

/// Disables a user: they can no longer sign in, and every session of theirs ends at once.
/// Nobody can disable themselves (403 `self-disable`).
#[tracing::instrument(skip_all, fields(user_id = %id), err)]
pub async fn disable(app: &App, actor: &Actor, id: UserId) -> Result<ManagedUser> {
    if actor.user() == Some(id) {
        return Err(Error::Denied {
            code: "self-disable",
            message: "you cannot disable your own account".into(),
        });
    }
    set_status(app, actor, id, UserStatus::Disabled).await
}

/// Enables a disabled user again (their old sessions stay ended).
#[tracing::instrument(skip_all, fields(user_id = %id), err)]
pub async fn enable(app: &App, actor: &Actor, id: UserId) -> Result<ManagedUser> {
    set_status(app, actor, id, UserStatus::Active).await
}

async fn set_status(
    app: &App,
    actor: &Actor,
    id: UserId,
    status: UserStatus,
) -> Result<ManagedUser> {
    let mut tx = app.db.begin_write().await?;
    let row = managed_user(&mut tx, actor, id).await?;
    let before = ManagedUser::try_from(&row)?;
    let tenant = before.merchant;
    if !users::set_status(&mut tx, tenant, id, status.code(), app.now()).await? {
        // Already in that state: nothing to change or record.
        return Ok(before);
    }
    let mut after = before.clone();
    after.status = status;
    let mut after_json = after.to_json();
    if status == UserStatus::Disabled {
        let ended = sessions::revoke_all(&mut tx, id, None, app.now()).await?;
        after_json["sessions_ended"] = ended.into();
    }
    let change = Change {
        action: match status {
            UserStatus::Disabled => "staff_user.disable",
            UserStatus::Active => "staff_user.enable",
        },
        entity_type: "staff_user",
        entity_id: Some(id.to_string()),
        merchant: tenant,
        before: Some(before.to_json()),
        after: Some(after_json),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(after)
}
