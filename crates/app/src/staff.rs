//! Staff users. The foundation bootstraps the first platform administrator from the CLI;
//! the identity issue adds sign-in, roles and the rest.

use omnihub_domain::identity::{Email, NewPassword};
use omnihub_domain::ids::UserId;
use omnihub_store::StoreError;
use omnihub_store::staff::{self, NewStaffUser};

use crate::error::{Error, Result, Validator};
use crate::{Actor, App, passwords};

/// A staff user as the app hands it out (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Id.
    pub id: UserId,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Platform administrator?
    pub is_platform_admin: bool,
}

/// Creates a platform administrator (`omnihub admin create`). Only the system operator or
/// another platform administrator may.
#[tracing::instrument(skip_all, err)]
pub async fn create_platform_admin(
    app: &App,
    actor: &Actor,
    email: &str,
    password: &str,
) -> Result<StaffUser> {
    actor.require_platform_admin()?;
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
    tx.commit().await?;
    tracing::info!(user_id = %row.id, "platform administrator created");
    Ok(StaffUser {
        id: UserId::from_uuid(row.id),
        email: row.email,
        display_name: row.display_name,
        is_platform_admin: row.is_platform_admin,
    })
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
