//! Staff users. The foundation bootstraps the first platform administrator from the CLI;
//! the identity issue adds sign-in, roles and the rest.

use omnihub_domain::access::{BuiltInRole, Permission};
use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::UserId;
use omnihub_store::StoreError;
use omnihub_store::access;
use omnihub_store::staff::{self, NewStaffUser};

use crate::audit::{self, Change};

use crate::error::{Error, Result, Validator};
use crate::{Actor, App, passwords};

/// A staff user as the app hands it out (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Id.
    pub id: UserId,
    /// The merchant the user works for; none for platform staff.
    pub merchant: Option<omnihub_domain::ids::MerchantId>,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Created as a platform administrator (by `omnihub admin create` or first-run set-up).
    pub is_platform_admin: bool,
    /// Whether MFA is enrolled.
    pub mfa_enabled: bool,
}

/// Creates a platform administrator holding the built-in `platform_admin` role
/// (`omnihub admin create`, first-run set-up). Only the system operator or someone who may
/// manage platform staff may; the grant is the bootstrap and needs no second approval.
#[tracing::instrument(skip_all, err)]
pub async fn create_platform_admin(
    app: &App,
    actor: &Actor,
    email: &str,
    password: &str,
) -> Result<StaffUser> {
    actor.require(Permission::PlatformUsersManage)?;
    let (email, password) = parse_credentials(email, password)?;
    let hash = passwords::hash(&password, app.hash_cost, app.entropy.as_ref()).await?;
    let display_name = email
        .as_ref()
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut tx = app.db.begin_write().await?;
    let new = NewStaffUser {
        merchant: None,
        email: &email,
        display_name: &display_name,
        password_hash: &hash,
        is_platform_admin: true,
    };
    let row = staff::insert(
        &mut tx,
        UserId::from_uuid(app.ids.new_id()),
        &new,
        app.now(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { .. } => {
            Error::invalid("email", "taken", "a user with this email already exists")
        }
        other => other.into(),
    })?;
    let role = BuiltInRole::PlatformAdmin.id();
    access::grant_role(
        &mut tx,
        row.id,
        role,
        None,
        omnihub_store::time::to_db(app.now()),
    )
    .await?;
    let after =
        serde_json::json!({"email": row.email, "roles": [BuiltInRole::PlatformAdmin.code()]});
    let change = Change {
        action: "staff_user.create",
        entity_type: "staff_user",
        entity_id: Some(row.id.to_string()),
        merchant: None,
        before: None,
        after: Some(after),
    };
    audit::record(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    app.callers.forget_all();
    tracing::info!(user_id = %row.id, "platform administrator created");
    Ok(crate::auth::staff_user(&row))
}

/// Parses both credentials, reporting every broken rule at once.
fn parse_credentials(email: &str, password: &str) -> Result<(Email, NewPassword)> {
    let mut v = Validator::default();
    let email = v.check("email", "invalid", Email::parse(email));
    let password = v.check("password", "weak", NewPassword::parse(password));
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password)),
        _ => v.finish().and(Err(Error::invalid(
            "credentials",
            "invalid",
            "invalid credentials",
        ))),
    }
}
