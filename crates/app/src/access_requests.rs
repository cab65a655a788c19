//! Access change requests (IAM-4): changes to a user's roles or to a custom role's
//! permissions take effect only when another person holding `roles.approve` approves them.
//!
//! - Filing needs `users.manage` (grants and revocations, in the target user's tenant;
//!   `platform.users.manage` for platform staff) or `roles.manage` (a custom role's
//!   permissions). Platform roles go only to platform staff, merchant roles only to that
//!   merchant's staff.
//! - Deciding needs `roles.approve` in the request's merchant (platform staff may decide any
//!   merchant's requests; platform requests only platform staff). Nobody decides their own
//!   request or a change of their own access (403 `self-approval`), and a request is decided
//!   once (409 `request-not-pending`).
//! - Approval applies the change in the same transaction as the status change. The request,
//!   the decision and the applied change each get an audit entry.
//! - Only a person may file or decide: never an API key.

use jiff::Timestamp;
use omnihub_domain::access::Permission;
use omnihub_domain::access_requests::{
    AccessRequestId, AccessRequestKind, Decision, RequestNote, RequestStatus, check_four_eyes,
};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_domain::roles::{RoleId, custom_role_permissions};
use omnihub_store::access_requests::{
    self as store, AccessRequestRow, DecisionRecord, NewAccessRequest, Order,
};
use omnihub_store::{StoreError, Tx, access, roles};

use crate::audit::{self, Change};
use crate::error::{Error, Result, Validator};
use crate::roles::{require_access_reader, visible_role};
use crate::users::managed_user;
use crate::{Actor, App};

/// A user a request refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    /// Id.
    pub id: UserId,
    /// Email.
    pub email: String,
}

/// A role a request refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    /// Id.
    pub id: RoleId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// An access change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// Id.
    pub id: AccessRequestId,
    /// The merchant whose access changes; none for platform staff.
    pub merchant: Option<MerchantId>,
    /// What changes.
    pub kind: AccessRequestKind,
    /// Where it stands.
    pub status: RequestStatus,
    /// The user whose roles change (grants and revocations).
    pub target_user: Option<UserRef>,
    /// The role granted, revoked or changed.
    pub role: Option<RoleRef>,
    /// The full new permission list (`set_role_permissions`).
    pub permissions: Option<Vec<String>>,
    /// Why, according to the requester.
    pub reason: Option<String>,
    /// Who asked.
    pub requested_by: UserRef,
    /// When.
    pub requested_at: Timestamp,
    /// Who decided.
    pub decided_by: Option<UserRef>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// The decider's note.
    pub decision_note: Option<String>,
}

fn corrupt(what: &str) -> Error {
    Error::internal(StoreError::Corrupt(what.to_owned()))
}

impl TryFrom<AccessRequestRow> for AccessRequest {
    type Error = Error;
    fn try_from(row: AccessRequestRow) -> Result<Self> {
        let permissions = row
            .permissions
            .as_deref()
            .map(serde_json::from_str::<Vec<String>>)
            .transpose()
            .map_err(|_| corrupt("access_requests.permissions"))?;
        let user_ref = |id: Option<uuid::Uuid>, email: Option<String>| {
            id.map(|id| UserRef {
                id: UserId::from_uuid(id),
                email: email.unwrap_or_default(),
            })
        };
        Ok(Self {
            id: AccessRequestId::from_uuid(row.id),
            merchant: row.merchant_id.map(MerchantId::from_uuid),
            kind: AccessRequestKind::parse(&row.kind)
                .ok_or_else(|| corrupt("access_requests.kind"))?,
            status: RequestStatus::parse(&row.status)
                .ok_or_else(|| corrupt("access_requests.status"))?,
            target_user: user_ref(row.target_user_id, row.target_email),
            role: row.role_id.map(|id| RoleRef {
                id: RoleId::from_uuid(id),
                code: row.role_code.unwrap_or_default(),
                name: row.role_name.unwrap_or_default(),
            }),
            permissions,
            reason: row.reason,
            requested_by: UserRef {
                id: UserId::from_uuid(row.requested_by),
                email: row.requester_email,
            },
            requested_at: omnihub_store::time::from_db(row.requested_at)?,
            decided_by: user_ref(row.decided_by, row.decider_email),
            decided_at: row
                .decided_at
                .map(omnihub_store::time::from_db)
                .transpose()?,
            decision_note: row.decision_note,
        })
    }
}

impl AccessRequest {
    /// The audit log's view of a request.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind.code(),
            "status": self.status.code(),
            "user_id": self.target_user.as_ref().map(|u| u.id.to_string()),
            "role_id": self.role.as_ref().map(|r| r.id.to_string()),
            "role_code": self.role.as_ref().map(|r| r.code.clone()),
            "permissions": self.permissions,
            "reason": self.reason,
        })
    }
}

/// Unvalidated input for a request.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    /// `grant_role`, `revoke_role` or `set_role_permissions`.
    pub kind: String,
    /// The user (grants and revocations).
    pub user_id: Option<UserId>,
    /// The role.
    pub role_id: Option<RoleId>,
    /// The full new permission list (`set_role_permissions`).
    pub permissions: Option<Vec<String>>,
    /// Why.
    pub reason: Option<String>,
}

/// Files a pending request.
#[tracing::instrument(skip_all, err)]
pub async fn create(app: &App, actor: &Actor, input: RequestInput) -> Result<AccessRequest> {
    let mut tx = app.db.begin_write().await?;
    let id = file(app, &mut tx, actor, input).await?;
    let request = load(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(request)
}

/// What a validated request changes, and in which tenant.
struct Target {
    tenant: Option<MerchantId>,
    user: Option<UserId>,
    role: RoleId,
    permissions: Option<String>,
}

/// Validates and stores a pending request within `tx`, with its audit entry.
pub(crate) async fn file(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    input: RequestInput,
) -> Result<AccessRequestId> {
    let requester = actor.person()?;
    let (kind, reason, role) = validate(&input)?;
    let target = match (kind, input.user_id) {
        (AccessRequestKind::SetRolePermissions, _) => {
            role_change_target(tx, actor, role, input.permissions.unwrap_or_default()).await?
        }
        (_, Some(user)) => user_change_target(tx, actor, kind, user, role).await?,
        (_, None) => return Err(Error::invalid("user_id", "required", "is required")),
    };
    let id = AccessRequestId::from_uuid(app.ids.new_id());
    let new = NewAccessRequest {
        id,
        kind: kind.code(),
        target_user: target.user,
        role: Some(target.role.as_uuid()),
        permissions: target.permissions.as_deref(),
        reason: reason.as_ref().map(AsRef::as_ref),
        requested_by: requester,
    };
    store::insert(tx, target.tenant, &new, app.now()).await?;
    let filed = load(tx, actor, id).await?;
    let change = Change {
        action: "access_request.create",
        entity_type: "access_request",
        entity_id: Some(id.to_string()),
        merchant: target.tenant,
        before: None,
        after: Some(filed.to_json()),
    };
    audit::record(app, tx, actor, change).await?;
    Ok(id)
}

/// Checks the fields of a request, reporting every broken rule at once.
fn validate(input: &RequestInput) -> Result<(AccessRequestKind, Option<RequestNote>, RoleId)> {
    let mut v = Validator::default();
    let kind = v.check(
        "kind",
        "invalid",
        AccessRequestKind::parse(&input.kind)
            .ok_or("must be grant_role, revoke_role or set_role_permissions"),
    );
    let reason = v.check(
        "reason",
        "too_long",
        RequestNote::parse(input.reason.as_deref()),
    );
    let role = v.check("role_id", "required", input.role_id.ok_or("is required"));
    if let Some(kind) = kind {
        if kind.targets_user() {
            v.check("user_id", "required", input.user_id.ok_or("is required"));
            if input.permissions.is_some() {
                v.check(
                    "permissions",
                    "not_allowed",
                    Err::<(), _>("only for set_role_permissions"),
                );
            }
        } else {
            if input.user_id.is_some() {
                v.check(
                    "user_id",
                    "not_allowed",
                    Err::<(), _>("not for set_role_permissions"),
                );
            }
            let list = input
                .permissions
                .as_deref()
                .ok_or("is required (the full new list)");
            if let Some(list) = v.check("permissions", "required", list) {
                v.check(
                    "permissions",
                    "invalid",
                    custom_role_permissions(list.iter().map(String::as_str)),
                );
            }
        }
    }
    let (Some(kind), Some(reason), Some(role)) = (kind, reason, role) else {
        return v
            .finish()
            .and(Err(Error::invalid("request", "invalid", "invalid request")));
    };
    v.finish()?;
    Ok((kind, reason, role))
}

/// Checks a grant or revocation: the actor manages the user, the role suits the user's
/// tenant, and the change is not a no-op.
async fn user_change_target(
    tx: &mut Tx,
    actor: &Actor,
    kind: AccessRequestKind,
    user: UserId,
    role: RoleId,
) -> Result<Target> {
    let target = managed_user(tx, actor, user).await?;
    let tenant = target.merchant_id.map(MerchantId::from_uuid);
    let role_row = roles::get_visible(tx, tenant, role)
        .await?
        .ok_or(Error::NotFound { entity: "role" })?;
    let expected = if tenant.is_some() {
        "merchant"
    } else {
        "platform"
    };
    if role_row.scope != expected {
        return Err(Error::invalid(
            "role_id",
            "scope_mismatch",
            format!(
                "a {} role cannot be given to {expected} staff",
                role_row.scope
            ),
        ));
    }
    let held = access::roles_of_user(tx, target.id)
        .await?
        .iter()
        .any(|r| r.id == role.as_uuid());
    match (kind, held) {
        (AccessRequestKind::GrantRole, true) => Err(Error::Conflict {
            code: "role-already-granted",
            message: "the user already holds this role".into(),
        }),
        (AccessRequestKind::RevokeRole, false) => Err(Error::Conflict {
            code: "role-not-granted",
            message: "the user does not hold this role".into(),
        }),
        _ => Ok(Target {
            tenant,
            user: Some(user),
            role,
            permissions: None,
        }),
    }
}

/// Checks a change of a custom role's permissions: the role is custom and the actor may
/// manage the roles of its merchant.
async fn role_change_target(
    tx: &mut Tx,
    actor: &Actor,
    role: RoleId,
    permissions: Vec<String>,
) -> Result<Target> {
    let row = visible_role(tx, actor, role).await?;
    let merchant = match (row.built_in, row.merchant_id) {
        (false, Some(m)) => MerchantId::from_uuid(m),
        _ => {
            return Err(Error::Conflict {
                code: "built-in-role",
                message: "built-in roles are immutable; create a custom role instead".into(),
            });
        }
    };
    actor.require_in(merchant, Permission::RolesManage)?;
    let set = custom_role_permissions(permissions.iter().map(String::as_str))
        .map_err(|e| Error::invalid("permissions", "invalid", e))?;
    let json = serde_json::to_string(&set.codes()).map_err(Error::internal)?;
    Ok(Target {
        tenant: Some(merchant),
        user: None,
        role,
        permissions: Some(json),
    })
}

/// Loads a request visible to the actor: any for platform staff, their merchant's for
/// merchant staff (others are 404).
pub(crate) async fn load(tx: &mut Tx, actor: &Actor, id: AccessRequestId) -> Result<AccessRequest> {
    let row = if actor.platform {
        store::get_any(tx, id).await?
    } else {
        store::get(tx, Some(actor.current_merchant()?), id).await?
    };
    row.ok_or(Error::NotFound {
        entity: "access request",
    })?
    .try_into()
}

/// One request.
#[tracing::instrument(skip_all, fields(request_id = %id), err)]
pub async fn get(app: &App, actor: &Actor, id: AccessRequestId) -> Result<AccessRequest> {
    require_access_reader(actor)?;
    let mut tx = app.db.begin_read().await?;
    load(&mut tx, actor, id).await
}

/// A page of the requests of the actor's merchant (platform staff with no merchant chosen:
/// every tenant's), optionally of one status. Pending requests come oldest first (a work
/// queue); otherwise newest first.
#[tracing::instrument(skip_all, err)]
pub async fn list(
    app: &App,
    actor: &Actor,
    status: Option<&str>,
    after: Option<AccessRequestId>,
    limit: u32,
) -> Result<Vec<AccessRequest>> {
    require_access_reader(actor)?;
    let status = status
        .map(|s| {
            RequestStatus::parse(s).ok_or_else(|| {
                Error::invalid("status", "invalid", "must be pending, approved or rejected")
            })
        })
        .transpose()?;
    let order = if status == Some(RequestStatus::Pending) {
        Order::OldestFirst
    } else {
        Order::NewestFirst
    };
    let code = status.map(RequestStatus::code);
    let limit = limit.clamp(1, 500);
    let mut tx = app.db.begin_read().await?;
    let rows = match actor.merchant {
        Some(m) => {
            actor.require_merchant(m)?;
            store::list(&mut tx, m, code, after, order, limit).await?
        }
        None if actor.platform => store::list_all(&mut tx, code, after, order, limit).await?,
        None => {
            actor.current_merchant()?;
            Vec::new()
        }
    };
    rows.into_iter().map(AccessRequest::try_from).collect()
}

/// Approves a pending request, applying its change in the same transaction.
pub async fn approve(
    app: &App,
    actor: &Actor,
    id: AccessRequestId,
    note: Option<&str>,
) -> Result<AccessRequest> {
    decide(app, actor, id, Decision::Approve, note).await
}

/// Rejects a pending request; nothing changes.
pub async fn reject(
    app: &App,
    actor: &Actor,
    id: AccessRequestId,
    note: Option<&str>,
) -> Result<AccessRequest> {
    decide(app, actor, id, Decision::Reject, note).await
}

#[tracing::instrument(skip_all, fields(request_id = %id, decision = decision.code()), err)]
async fn decide(
    app: &App,
    actor: &Actor,
    id: AccessRequestId,
    decision: Decision,
    note: Option<&str>,
) -> Result<AccessRequest> {
    let decider = actor.person()?;
    let note = RequestNote::parse(note).map_err(|e| Error::invalid("note", "too_long", e))?;
    let mut tx = app.db.begin_write().await?;
    let request = load(&mut tx, actor, id).await?;
    match request.merchant {
        Some(m) => actor.require_in(m, Permission::RolesApprove)?,
        None => actor.require(Permission::RolesApprove)?,
    }
    let status = request
        .status
        .decide(decision)
        .map_err(|e| Error::Conflict {
            code: "request-not-pending",
            message: e.to_string(),
        })?;
    check_four_eyes(
        request.requested_by.id,
        request.target_user.as_ref().map(|u| u.id),
        decider,
    )
    .map_err(|e| Error::Denied {
        code: "self-approval",
        message: e.to_string(),
    })?;
    if decision == Decision::Approve {
        apply(app, &mut tx, actor, &request).await?;
    }
    let record = DecisionRecord {
        status: status.code(),
        decided_by: decider,
        note: note.as_ref().map(AsRef::as_ref),
    };
    if !store::decide(&mut tx, request.merchant, id, &record, app.now()).await? {
        return Err(Error::Conflict {
            code: "request-not-pending",
            message: "the request was decided meanwhile".into(),
        });
    }
    let change = Change {
        action: match decision {
            Decision::Approve => "access_request.approve",
            Decision::Reject => "access_request.reject",
        },
        entity_type: "access_request",
        entity_id: Some(id.to_string()),
        merchant: request.merchant,
        before: Some(serde_json::json!({"status": request.status.code()})),
        after: Some(serde_json::json!({"status": status.code(), "note": record.note})),
    };
    audit::record(app, &mut tx, actor, change).await?;
    let decided = load(&mut tx, actor, id).await?;
    tx.commit().await?;
    app.callers.forget_all();
    Ok(decided)
}

/// Applies an approved request's change, with its own audit entry.
async fn apply(app: &App, tx: &mut Tx, actor: &Actor, request: &AccessRequest) -> Result<()> {
    let role = request
        .role
        .as_ref()
        .ok_or_else(|| corrupt("access_requests.role_id"))?;
    let request_id = request.id.to_string();
    let change = match (request.kind, &request.target_user) {
        (AccessRequestKind::GrantRole, Some(user)) => {
            let now = omnihub_store::time::to_db(app.now());
            access::grant_role(
                tx,
                user.id.as_uuid(),
                role.id.as_uuid(),
                Some(request.id.as_uuid()),
                now,
            )
            .await?;
            Change {
                action: "user_role.grant",
                entity_type: "staff_user",
                entity_id: Some(user.id.to_string()),
                merchant: request.merchant,
                before: None,
                after: Some(
                    serde_json::json!({"role_id": role.id.to_string(), "role_code": role.code, "request_id": request_id}),
                ),
            }
        }
        (AccessRequestKind::RevokeRole, Some(user)) => {
            roles::revoke(tx, user.id, role.id).await?;
            Change {
                action: "user_role.revoke",
                entity_type: "staff_user",
                entity_id: Some(user.id.to_string()),
                merchant: request.merchant,
                before: Some(
                    serde_json::json!({"role_id": role.id.to_string(), "role_code": role.code}),
                ),
                after: Some(serde_json::json!({"request_id": request_id})),
            }
        }
        (AccessRequestKind::SetRolePermissions, _) => {
            let merchant = request
                .merchant
                .ok_or_else(|| corrupt("access_requests.merchant_id"))?;
            let codes = request.permissions.clone().unwrap_or_default();
            // Re-checked: the catalogue may have changed since the request was filed.
            let set = custom_role_permissions(codes.iter().map(String::as_str)).map_err(|e| {
                Error::Conflict {
                    code: "request-outdated",
                    message: e.to_string(),
                }
            })?;
            let before = roles::permissions(tx, merchant, role.id).await?;
            roles::set_permissions(tx, merchant, role.id, &set.codes(), app.now()).await?;
            Change {
                action: "role.set_permissions",
                entity_type: "role",
                entity_id: Some(role.id.to_string()),
                merchant: Some(merchant),
                before: Some(serde_json::json!({"permissions": before})),
                after: Some(
                    serde_json::json!({"permissions": set.codes(), "request_id": request_id}),
                ),
            }
        }
        _ => return Err(corrupt("access_requests.target_user_id")),
    };
    audit::record(app, tx, actor, change).await
}
