//! Access control: the catalogue of fine-grained permissions and the built-in roles.
//!
//! Least privilege: a user has exactly the permissions of the roles granted to them, and a
//! new user has none. Built-in roles are fixed here (their rows in `roles` carry only id and
//! code); custom roles are per merchant and keep their permissions in the database.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use uuid::Uuid;

macro_rules! permissions {
    ($($variant:ident = $code:literal : $scope:ident, $description:literal;)*) => {
        /// One thing a user may do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Permission {
            $(
                #[doc = $description]
                #[serde(rename = $code)]
                $variant,
            )*
        }

        impl Permission {
            /// Every permission, in catalogue order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The stable code (`catalog.write`).
            pub fn code(self) -> &'static str {
                match self { $(Permission::$variant => $code,)* }
            }

            /// What it allows.
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $description,)* }
            }

            /// Whether it applies within a merchant or to the platform itself.
            pub fn scope(self) -> Scope {
                match self { $(Permission::$variant => Scope::$scope,)* }
            }

            /// Parses a code.
            pub fn parse(code: &str) -> Result<Self, UnknownPermission> {
                match code {
                    $($code => Ok(Permission::$variant),)*
                    _ => Err(UnknownPermission(code.chars().take(64).collect())),
                }
            }
        }
    };
}

permissions! {
    CatalogRead = "catalog.read": Merchant, "Read products, categories, brands and listings.";
    CatalogWrite = "catalog.write": Merchant, "Create and edit products and submit them for review.";
    CatalogReview = "catalog.review": Merchant, "Review submitted listings.";
    InventoryRead = "inventory.read": Merchant, "Read stock levels, movements and alerts.";
    InventoryAdjust = "inventory.adjust": Merchant, "Receive, adjust, transfer and count stock.";
    InventoryApprove = "inventory.approve": Merchant, "Approve adjustments above the threshold.";
    ChannelsRead = "channels.read": Merchant, "Read sales channels, their linked locations and listings.";
    ChannelsManage = "channels.manage": Merchant, "Create and change channels, rotate their credentials and manage listings.";
    OrdersRead = "orders.read": Merchant, "Read orders and their timelines.";
    OrdersManage = "orders.manage": Merchant, "Review, edit, route and cancel orders.";
    FulfilmentShip = "fulfilment.ship": Merchant, "Pick, pack and ship.";
    PaymentsRefund = "payments.refund": Merchant, "Refund payments.";
    CustomersRead = "customers.read": Merchant, "Read customers with personal data masked.";
    CustomersRevealPii = "customers.reveal_pii": Merchant, "Reveal customers' personal data (audited).";
    PromotionsManage = "promotions.manage": Merchant, "Create and publish promotions and coupons.";
    PurchasingManage = "purchasing.manage": Merchant, "Manage suppliers and purchase orders.";
    ReportsRead = "reports.read": Merchant, "Read dashboards and reports.";
    UsersManage = "users.manage": Merchant, "Create, disable and request roles for staff users.";
    RolesManage = "roles.manage": Merchant, "Create custom roles and request permission changes.";
    RolesApprove = "roles.approve": Merchant, "Approve or reject other people's access change requests.";
    AuditRead = "audit.read": Merchant, "Read and export the audit log.";
    SettingsManage = "settings.manage": Merchant, "Change merchant settings and API keys.";
    MerchantsManage = "merchants.manage": Platform, "Create and manage merchants (platform).";
    PlatformUsersManage = "platform.users.manage": Platform, "Manage platform staff (platform).";
}

/// Where a permission or role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Within one merchant.
    Merchant,
    /// The platform itself (merchants, platform staff).
    Platform,
}

impl Scope {
    /// `merchant` or `platform`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Merchant => "merchant",
            Self::Platform => "platform",
        }
    }
}

/// The code is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    /// No permissions.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every permission in the catalogue.
    pub fn all() -> Self {
        Self(Permission::ALL.iter().copied().collect())
    }

    /// Whether `p` is in the set.
    pub fn contains(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    /// Adds every permission of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Permission>) {
        self.0.extend(other);
    }

    /// Whether every permission of `other` is also in this set.
    pub fn is_superset(&self, other: &PermissionSet) -> bool {
        self.0.is_superset(&other.0)
    }

    /// The permissions, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }

    /// Number of permissions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses a list of codes, reporting the first unknown one.
    pub fn parse<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Self, UnknownPermission> {
        codes
            .into_iter()
            .map(Permission::parse)
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The codes, in catalogue order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.0.iter().map(|p| p.code()).collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// The built-in roles of PRODUCT.md (IAM-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltInRole {
    /// Runs the platform; every permission.
    PlatformAdmin,
    /// Reviews listings and promotions across merchants; reads audit logs.
    ComplianceReviewer,
    /// Every merchant permission within the merchant.
    MerchantOwner,
    /// Orders and exceptions.
    Operations,
    /// Stock and shipping.
    Warehouse,
    /// After-sales and customers.
    CustomerService,
    /// Catalog and promotions.
    Merchandiser,
    /// Purchasing.
    Buyer,
    /// Money.
    Finance,
    /// Reads everything, changes nothing.
    ReadOnlyAuditor,
}

impl BuiltInRole {
    /// Every built-in role, in the order of their fixed ids (1..=10).
    pub const ALL: [Self; 10] = [
        Self::PlatformAdmin,
        Self::ComplianceReviewer,
        Self::MerchantOwner,
        Self::Operations,
        Self::Warehouse,
        Self::CustomerService,
        Self::Merchandiser,
        Self::Buyer,
        Self::Finance,
        Self::ReadOnlyAuditor,
    ];

    /// The stable code (`merchant_owner`).
    pub fn code(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform_admin",
            Self::ComplianceReviewer => "compliance_reviewer",
            Self::MerchantOwner => "merchant_owner",
            Self::Operations => "operations",
            Self::Warehouse => "warehouse",
            Self::CustomerService => "customer_service",
            Self::Merchandiser => "merchandiser",
            Self::Buyer => "buyer",
            Self::Finance => "finance",
            Self::ReadOnlyAuditor => "read_only_auditor",
        }
    }

    /// The role's fixed id (seeded by migration 0002).
    pub fn id(self) -> Uuid {
        let n = Self::ALL.iter().position(|r| *r == self).unwrap_or(0) as u128 + 1;
        Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000 | n)
    }

    /// The built-in role with this id or code, if any.
    pub fn from_id(id: Uuid) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The built-in role with this code, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Platform roles are held by platform staff; merchant roles by merchant staff.
    pub fn scope(self) -> Scope {
        match self {
            Self::PlatformAdmin | Self::ComplianceReviewer => Scope::Platform,
            _ => Scope::Merchant,
        }
    }

    /// Whether holders must use MFA (platform admins and merchant owners do).
    pub fn requires_mfa(self) -> bool {
        matches!(self, Self::PlatformAdmin | Self::MerchantOwner)
    }

    /// The role's permissions.
    pub fn permissions(self) -> PermissionSet {
        use Permission as P;
        let merchant_all = || {
            Permission::ALL
                .iter()
                .copied()
                .filter(|p| p.scope() == Scope::Merchant)
        };
        match self {
            Self::PlatformAdmin => PermissionSet::all(),
            Self::MerchantOwner => merchant_all().collect(),
            Self::ComplianceReviewer => [
                P::CatalogRead,
                P::CatalogReview,
                P::AuditRead,
                P::ReportsRead,
            ]
            .into_iter()
            .collect(),
            Self::ReadOnlyAuditor => merchant_all()
                .filter(|p| p.code().ends_with(".read"))
                .collect(),
            Self::Operations => [
                P::OrdersRead,
                P::OrdersManage,
                P::InventoryRead,
                P::ChannelsRead,
                P::FulfilmentShip,
                P::CustomersRead,
                P::CatalogRead,
                P::ReportsRead,
            ]
            .into_iter()
            .collect(),
            Self::Warehouse => [
                P::InventoryRead,
                P::InventoryAdjust,
                P::FulfilmentShip,
                P::OrdersRead,
                P::CatalogRead,
            ]
            .into_iter()
            .collect(),
            Self::CustomerService => [
                P::OrdersRead,
                P::CustomersRead,
                P::PaymentsRefund,
                P::CatalogRead,
            ]
            .into_iter()
            .collect(),
            Self::Merchandiser => [
                P::CatalogRead,
                P::CatalogWrite,
                P::ChannelsRead,
                P::ChannelsManage,
                P::PromotionsManage,
                P::InventoryRead,
                P::ReportsRead,
            ]
            .into_iter()
            .collect(),
            Self::Buyer => [
                P::PurchasingManage,
                P::InventoryRead,
                P::CatalogRead,
                P::ReportsRead,
            ]
            .into_iter()
            .collect(),
            Self::Finance => [
                P::OrdersRead,
                P::PaymentsRefund,
                P::ReportsRead,
                P::CustomersRead,
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// A custom role's code: 2-40 of a-z, 0-9 and `_`, not a built-in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCode(String);

/// Why a role code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleCodeError {
    /// Wrong length or characters.
    #[error("must be 2 to 40 characters of a-z, 0-9 and _")]
    Malformed,
    /// Taken by a built-in role.
    #[error("is the code of a built-in role")]
    BuiltIn,
}

impl RoleCode {
    /// Parses a custom role code.
    pub fn parse(raw: &str) -> Result<Self, RoleCodeError> {
        let ok = (2..=40).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(RoleCodeError::Malformed);
        }
        if BuiltInRole::from_code(raw).is_some() {
            return Err(RoleCodeError::BuiltIn);
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for RoleCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_round_trips_through_its_code() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Ok(*p));
        }
        assert!(Permission::parse("catalog.destroy").is_err());
    }

    #[test]
    fn built_in_roles_follow_least_privilege() {
        assert_eq!(
            BuiltInRole::PlatformAdmin.permissions(),
            PermissionSet::all()
        );
        let owner = BuiltInRole::MerchantOwner.permissions();
        assert!(owner.contains(Permission::RolesApprove));
        assert!(
            !owner.contains(Permission::MerchantsManage),
            "owners cannot manage the platform"
        );
        let auditor = BuiltInRole::ReadOnlyAuditor.permissions();
        assert!(
            auditor.contains(Permission::AuditRead)
                && auditor.iter().all(|p| p.code().ends_with(".read"))
        );
        assert!(
            !BuiltInRole::Warehouse
                .permissions()
                .contains(Permission::PaymentsRefund)
        );
        for role in BuiltInRole::ALL {
            assert!(!role.permissions().is_empty(), "{role:?}");
        }
    }

    #[test]
    fn built_in_ids_are_fixed_and_match_the_migration() {
        assert_eq!(
            BuiltInRole::PlatformAdmin.id().to_string(),
            "00000000-0000-7000-8000-000000000001"
        );
        assert_eq!(
            BuiltInRole::ReadOnlyAuditor.id().to_string(),
            "00000000-0000-7000-8000-00000000000a"
        );
        for role in BuiltInRole::ALL {
            assert_eq!(BuiltInRole::from_id(role.id()), Some(role));
            assert_eq!(BuiltInRole::from_code(role.code()), Some(role));
        }
    }

    #[test]
    fn custom_role_codes_cannot_take_built_in_codes() {
        assert!(RoleCode::parse("night_shift").is_ok());
        assert_eq!(
            RoleCode::parse("merchant_owner"),
            Err(RoleCodeError::BuiltIn)
        );
        assert_eq!(
            RoleCode::parse("Night Shift"),
            Err(RoleCodeError::Malformed)
        );
    }
}
