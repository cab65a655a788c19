//! The application context every use case runs in, and the actor it runs for.

use std::sync::Arc;

use jiff::Timestamp;
use omnihub_domain::clock::{Clock, IdGenerator};
use omnihub_domain::ids::{MerchantId, UserId};
use omnihub_store::Db;

use crate::entropy::Entropy;
use crate::error::{Error, Result};
use crate::passwords::HashCost;

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
    /// When this process started serving (for uptime).
    pub started_at: Timestamp,
}

impl App {
    /// A context over `db` with the given sources of time, ids and randomness.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        entropy: Arc<dyn Entropy>,
        hash_cost: HashCost,
    ) -> Self {
        let started_at = clock.now();
        Self {
            db,
            clock,
            ids,
            entropy,
            hash_cost,
            started_at,
        }
    }

    /// The current instant from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// Who a use case runs for. The identity issue derives it from a session or API key with
/// the caller's permissions; the CLI acts as [`Actor::System`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The operator at the command line of the server itself.
    System,
    /// A signed-in staff user.
    Staff {
        /// The user.
        user: UserId,
        /// The merchant the user works for; none for platform staff.
        merchant: Option<MerchantId>,
        /// Platform administrators manage merchants and the platform.
        platform_admin: bool,
    },
}

impl Actor {
    /// Refuses anyone but the system operator and platform administrators.
    pub fn require_platform_admin(&self) -> Result<()> {
        match self {
            Self::System
            | Self::Staff {
                platform_admin: true,
                ..
            } => Ok(()),
            Self::Staff { .. } => Err(Error::Forbidden("platform administrators only")),
        }
    }

    /// Refuses access to another merchant's data: merchant staff see only their own;
    /// platform administrators and the system operator may act for any merchant.
    pub fn require_merchant(&self, merchant: MerchantId) -> Result<()> {
        match self {
            Self::System
            | Self::Staff {
                platform_admin: true,
                ..
            } => Ok(()),
            Self::Staff {
                merchant: Some(own),
                ..
            } if *own == merchant => Ok(()),
            // Another merchant's data is reported as absent, not forbidden, so ids cannot
            // be probed across tenants.
            Self::Staff { .. } => Err(Error::NotFound { entity: "merchant" }),
        }
    }

    /// The acting user, if a person.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Self::System => None,
            Self::Staff { user, .. } => Some(*user),
        }
    }
}
