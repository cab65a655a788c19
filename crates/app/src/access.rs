//! Building the [`Actor`] for a signed-in user: their roles' permissions, their merchant,
//! and whether MFA enrolment is still owed.

use omnihub_domain::access::{BuiltInRole, Permission, PermissionSet};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::Tx;
use omnihub_store::access;
use omnihub_store::staff::StaffUserRow;

use crate::Actor;
use crate::context::{Principal, RequestMeta};
use crate::error::Result;

/// The permissions a user holds through their roles, and whether any role requires MFA.
pub async fn permissions_of(tx: &mut Tx, user: UserId) -> Result<(PermissionSet, bool)> {
    let roles = access::roles_of_user(tx, user.as_uuid()).await?;
    let mut set = PermissionSet::empty();
    let custom: Vec<_> = roles.iter().filter(|r| !r.built_in).map(|r| r.id).collect();
    for role in roles.iter().filter(|r| r.built_in) {
        if let Some(built_in) = BuiltInRole::from_id(role.id) {
            set.extend(built_in.permissions().iter());
        }
    }
    for (_, code) in access::permissions_of_roles(tx, &custom).await? {
        // A permission removed from the catalogue simply stops granting anything.
        if let Ok(p) = Permission::parse(&code) {
            set.extend([p]);
        }
    }
    let requires_mfa = roles.iter().any(|r| r.requires_mfa);
    Ok((set, requires_mfa))
}

/// The actor for a signed-in user. Platform staff may pick the merchant they act in
/// (`chosen`); merchant staff always act in their own.
pub async fn actor_for_user(
    tx: &mut Tx,
    user: &StaffUserRow,
    chosen: Option<MerchantId>,
    meta: RequestMeta,
) -> Result<Actor> {
    let id = UserId::from_uuid(user.id);
    let (permissions, requires_mfa) = permissions_of(tx, id).await?;
    let platform = user.merchant_id.is_none();
    let merchant = match user.merchant_id {
        Some(own) => Some(MerchantId::from_uuid(own)),
        None => chosen,
    };
    Ok(Actor {
        principal: Principal::User {
            id,
            email: user.email.clone(),
        },
        platform,
        merchant,
        permissions,
        mfa_enrolment_required: requires_mfa && user.mfa_enabled_at.is_none(),
        meta,
    })
}
