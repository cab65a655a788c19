//! Access change requests (IAM-4): a change to a user's roles or to a custom role's
//! permissions is a request that takes effect only when a second person approves it.
//!
//! The rules here: the three kinds of change, the status machine (pending → approved or
//! rejected, once), and the four-eyes rule (nobody approves their own request, nor a change
//! of their own access).

use crate::ids::UserId;

crate::typed_id!(
    /// An access change request.
    AccessRequestId
);

/// What a request changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessRequestKind {
    /// Give a user a role.
    GrantRole,
    /// Take a role from a user.
    RevokeRole,
    /// Replace a custom role's permissions with a full new list.
    SetRolePermissions,
}

impl AccessRequestKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::GrantRole, Self::RevokeRole, Self::SetRolePermissions];

    /// The stable code (`grant_role`).
    pub fn code(self) -> &'static str {
        match self {
            Self::GrantRole => "grant_role",
            Self::RevokeRole => "revoke_role",
            Self::SetRolePermissions => "set_role_permissions",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the request names a target user (grants and revocations do).
    pub fn targets_user(self) -> bool {
        matches!(self, Self::GrantRole | Self::RevokeRole)
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// Waiting for a second person.
    Pending,
    /// Approved; the change was applied with the approval.
    Approved,
    /// Rejected; nothing changed.
    Rejected,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Rejected];

    /// The stable code (`pending`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The status after `decision`. Only pending requests can be decided, and only once.
    pub fn decide(self, decision: Decision) -> Result<Self, NotPending> {
        match self {
            Self::Pending => Ok(match decision {
                Decision::Approve => Self::Approved,
                Decision::Reject => Self::Rejected,
            }),
            decided => Err(NotPending(decided)),
        }
    }
}

/// A second person's decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Apply the change.
    Approve,
    /// Drop it.
    Reject,
}

impl Decision {
    /// `approve` or `reject` (the audit action's verb).
    pub fn code(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

/// The request was already decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request is already {}", .0.code())]
pub struct NotPending(pub RequestStatus);

/// Why a person may not decide a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelfApproval {
    /// They made the request.
    #[error("you cannot decide your own request; another approver must")]
    OwnRequest,
    /// The request changes their own access.
    #[error("you cannot decide a change of your own access; another approver must")]
    OwnAccess,
}

/// The four-eyes rule: the decider must be neither the requester nor the user whose
/// access changes.
pub fn check_four_eyes(
    requester: UserId,
    target: Option<UserId>,
    decider: UserId,
) -> Result<(), SelfApproval> {
    if requester == decider {
        Err(SelfApproval::OwnRequest)
    } else if target == Some(decider) {
        Err(SelfApproval::OwnAccess)
    } else {
        Ok(())
    }
}

/// A free-text reason or decision note: trimmed, at most 500 characters; empty means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNote(String);

/// The note is too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be at most {max} characters")]
pub struct NoteTooLong {
    /// The limit.
    pub max: usize,
}

impl RequestNote {
    /// The longest note accepted.
    pub const MAX_LEN: usize = 500;

    /// Parses a note; blank gives `None`.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, NoteTooLong> {
        let value = raw.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(NoteTooLong { max: Self::MAX_LEN });
        }
        Ok(Some(Self(value.to_owned())))
    }
}

impl AsRef<str> for RequestNote {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn only_pending_requests_are_decided_and_only_once() {
        let p = RequestStatus::Pending;
        assert_eq!(p.decide(Decision::Approve), Ok(RequestStatus::Approved));
        assert_eq!(p.decide(Decision::Reject), Ok(RequestStatus::Rejected));
        for done in [RequestStatus::Approved, RequestStatus::Rejected] {
            for d in [Decision::Approve, Decision::Reject] {
                assert_eq!(done.decide(d), Err(NotPending(done)));
            }
        }
    }

    #[test]
    fn nobody_decides_their_own_request_or_their_own_access() {
        assert_eq!(check_four_eyes(user(1), Some(user(2)), user(3)), Ok(()));
        assert_eq!(check_four_eyes(user(1), None, user(3)), Ok(()));
        assert_eq!(
            check_four_eyes(user(1), Some(user(2)), user(1)),
            Err(SelfApproval::OwnRequest)
        );
        assert_eq!(
            check_four_eyes(user(1), Some(user(2)), user(2)),
            Err(SelfApproval::OwnAccess)
        );
    }

    #[test]
    fn codes_round_trip_and_notes_are_bounded() {
        for k in AccessRequestKind::ALL {
            assert_eq!(AccessRequestKind::parse(k.code()), Some(k));
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(s.code()), Some(s));
        }
        assert_eq!(RequestNote::parse(Some("  ")), Ok(None));
        assert_eq!(RequestNote::parse(None), Ok(None));
        assert_eq!(
            RequestNote::parse(Some(" ok ")).unwrap().unwrap().as_ref(),
            "ok"
        );
        assert!(RequestNote::parse(Some(&"x".repeat(501))).is_err());
    }
}
