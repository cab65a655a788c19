//! The application context every use case runs in, and the actor it runs for.

use std::sync::Arc;

use jiff::Timestamp;
use omnihub_domain::access::{Permission, PermissionSet};
use omnihub_domain::clock::{Clock, IdGenerator};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::Db;
use uuid::Uuid;

use crate::entropy::Entropy;
use crate::error::{Error, Result};
use crate::passwords::HashCost;
use crate::secrets::SecretBox;

/// Everything a use case needs from the outside world; cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// The injected id generator.
    pub ids: Arc<dyn IdGenerator>,
    /// The injected randomness.
    pub entropy: Arc<dyn Entropy>,
    /// argon2id cost for new password hashes.
    pub hash_cost: HashCost,
    /// The instance key: encryption at rest and keyed hashes.
    pub secrets: Arc<SecretBox>,
    /// When this process started serving (for uptime).
    pub started_at: Timestamp,
    /// Levels the database just refused as sold out (flash sales; ADR 0025).
    pub sold_out: Arc<crate::inventory::gate::SoldOutGate>,
    /// Rounds of single-line reservations per hot level (group commit; ADR 0025).
    pub combiner: Arc<crate::inventory::Combiner>,
    /// Callers whose token was checked a moment ago (ADR 0027).
    pub callers: Arc<crate::callers::CallerCache>,
}

impl App {
    /// A context over `db` with the given sources of time, ids and randomness.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        entropy: Arc<dyn Entropy>,
        hash_cost: HashCost,
        secrets: Arc<SecretBox>,
    ) -> Self {
        let started_at = clock.now();
        Self {
            db,
            clock,
            ids,
            entropy,
            hash_cost,
            secrets,
            started_at,
            sold_out: Arc::default(),
            combiner: Arc::default(),
            callers: Arc::default(),
        }
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The operator at the command line of the server itself.
    System,
    /// A signed-in staff user.
    User {
        /// The user.
        id: UserId,
        /// Their email, for the audit log.
        email: String,
    },
    /// An integration using an API key or an OAuth access token.
    ApiKey {
        /// The key.
        id: Uuid,
        /// The user who created it.
        created_by: UserId,
        /// Its name, for the audit log.
        name: String,
    },
}

/// Where a request came from; recorded in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// The client's address.
    pub client_address: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
}

/// Who a use case runs for: the principal, the merchant they act in, their permissions and
/// where the request came from. The server builds it once per request (one extractor); the
/// CLI acts as [`Actor::system`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who.
    pub principal: Principal,
    /// Platform staff may act for any merchant; merchant staff only for their own.
    pub platform: bool,
    /// The merchant acted in: merchant staff's own, or the one platform staff chose.
    pub merchant: Option<MerchantId>,
    /// What they may do.
    pub permissions: PermissionSet,
    /// Set when a role requires MFA and the user has not enrolled: they may do nothing but
    /// enrol (and sign out) until they do.
    pub mfa_enrolment_required: bool,
    /// Where the request came from.
    pub meta: RequestMeta,
}

impl Actor {
    /// The server operator at the command line: every permission, platform-wide.
    pub fn system() -> Self {
        Self {
            principal: Principal::System,
            platform: true,
            merchant: None,
            permissions: PermissionSet::all(),
            mfa_enrolment_required: false,
            meta: RequestMeta::default(),
        }
    }

    /// Refuses unless the actor holds `permission` (and has enrolled in MFA if required).
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.mfa_enrolment_required {
            return Err(Error::MfaEnrolmentRequired);
        }
        if self.permissions.contains(permission) {
            Ok(())
        } else {
            Err(Error::MissingPermission(permission))
        }
    }

    /// Refuses access to another merchant's data. Another merchant's data is reported as
    /// absent, not forbidden, so ids cannot be probed across tenants.
    pub fn require_merchant(&self, merchant: MerchantId) -> Result<()> {
        if self.platform || self.merchant == Some(merchant) {
            Ok(())
        } else {
            Err(Error::NotFound { entity: "merchant" })
        }
    }

    /// `require` and `require_merchant` together: the usual check for merchant data.
    pub fn require_in(&self, merchant: MerchantId, permission: Permission) -> Result<()> {
        self.require_merchant(merchant)?;
        self.require(permission)
    }

    /// The merchant this request acts in; platform staff must choose one.
    pub fn current_merchant(&self) -> Result<MerchantId> {
        self.merchant.ok_or_else(|| {
            Error::invalid(
                "merchant",
                "required",
                "choose a merchant (X-Omnihub-Merchant header) for this request",
            )
        })
    }

    /// The acting user: the person, or the creator of the API key.
    pub fn user(&self) -> Option<UserId> {
        match &self.principal {
            Principal::System => None,
            Principal::User { id, .. } => Some(*id),
            Principal::ApiKey { created_by, .. } => Some(*created_by),
        }
    }

    /// The acting person only (not an API key): for things a key may never do.
    pub fn person(&self) -> Result<UserId> {
        match &self.principal {
            Principal::User { id, .. } => Ok(*id),
            _ => Err(Error::Forbidden("only a signed-in person may do this")),
        }
    }
}
