//! Roles as managed objects: ids, names and descriptions of custom roles, and the rule that
//! a custom role may only carry merchant permissions. The permission catalogue and the
//! built-in roles themselves are in [`crate::access`].

use std::fmt;

use crate::access::{Permission, PermissionSet, Scope, UnknownPermission};

crate::typed_id!(
    /// A role: built-in (fixed ids, see [`crate::access::BuiltInRole::id`]) or custom.
    RoleId
);

/// A custom role's name: trimmed, 1-80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

/// A custom role's description: trimmed, at most 500 characters (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDescription(String);

/// Why a role's name or description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleTextError {
    /// Empty name.
    #[error("is required")]
    Empty,
    /// Too long.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Control characters in a name.
    #[error("must not contain control characters")]
    ControlCharacters,
}

impl RoleName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 80;

    /// Parses and trims a role name.
    pub fn parse(raw: &str) -> Result<Self, RoleTextError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(RoleTextError::Empty);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(RoleTextError::TooLong { max: Self::MAX_LEN });
        }
        if value.chars().any(char::is_control) {
            return Err(RoleTextError::ControlCharacters);
        }
        Ok(Self(value.to_owned()))
    }
}

impl RoleDescription {
    /// The longest description accepted.
    pub const MAX_LEN: usize = 500;

    /// Parses and trims a description (line breaks are allowed).
    pub fn parse(raw: &str) -> Result<Self, RoleTextError> {
        let value = raw.trim();
        if value.chars().count() > Self::MAX_LEN {
            return Err(RoleTextError::TooLong { max: Self::MAX_LEN });
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for RoleName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for RoleDescription {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a custom role's permission list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomPermissionsError {
    /// A code not in the catalogue.
    #[error(transparent)]
    Unknown(#[from] UnknownPermission),
    /// A platform permission: custom roles belong to a merchant and carry merchant
    /// permissions only.
    #[error("{0} is a platform permission; custom roles carry merchant permissions only")]
    PlatformPermission(Permission),
}

/// Parses the permission list of a custom role: known codes of merchant scope only.
/// Duplicates collapse.
pub fn custom_role_permissions<'a>(
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<PermissionSet, CustomPermissionsError> {
    let set = PermissionSet::parse(codes)?;
    let platform = set.iter().find(|p| p.scope() != Scope::Merchant);
    match platform {
        Some(p) => Err(CustomPermissionsError::PlatformPermission(p)),
        None => Ok(set),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_are_trimmed_and_bounded() {
        assert_eq!(RoleName::parse(" 夜班 ").unwrap().as_ref(), "夜班");
        assert_eq!(RoleName::parse(""), Err(RoleTextError::Empty));
        assert_eq!(
            RoleName::parse(&"x".repeat(81)),
            Err(RoleTextError::TooLong { max: 80 })
        );
        assert_eq!(RoleDescription::parse("  ").unwrap().as_ref(), "");
        assert!(RoleDescription::parse("line one\nline two").is_ok());
        assert!(RoleDescription::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn custom_roles_carry_merchant_permissions_only() {
        let set = custom_role_permissions(["orders.read", "orders.read", "catalog.write"]).unwrap();
        assert_eq!(set.codes(), ["catalog.write", "orders.read"]);
        assert_eq!(
            custom_role_permissions(["orders.read", "merchants.manage"]),
            Err(CustomPermissionsError::PlatformPermission(
                Permission::MerchantsManage
            ))
        );
        assert!(matches!(
            custom_role_permissions(["orders.destroy"]),
            Err(CustomPermissionsError::Unknown(_))
        ));
        assert!(custom_role_permissions([]).unwrap().is_empty());
    }
}
