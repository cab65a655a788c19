//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the blocking
//! thread pool, never on the async workers serving other requests.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use omnihub_domain::identity::NewPassword;

use crate::entropy::{Entropy, random_bytes};
use crate::error::{Error, Result};

/// argon2id cost settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
}

impl HashCost {
    /// OWASP's recommended argon2id minimum (19 MiB, 2 passes, 1 lane).
    pub const PRODUCTION: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
    };
    /// Minimal cost for tests, which would otherwise spend their time hashing.
    pub const TEST: Self = Self {
        memory_kib: 64,
        iterations: 1,
    };
}

/// Hashes a password that passed the policy into an argon2id PHC string.
pub async fn hash(password: &NewPassword, cost: HashCost, entropy: &dyn Entropy) -> Result<String> {
    let salt: [u8; 16] = random_bytes(entropy);
    let secret = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let params =
            Params::new(cost.memory_kib, cost.iterations, 1, None).map_err(Error::internal)?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_with_salt(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(Error::internal)
    })
    .await
    .map_err(Error::internal)?
}

/// True when `password` matches the stored PHC string (parameters come from the string).
pub async fn verify(password: &str, phc: &str) -> Result<bool> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(Error::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(Error::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::OsEntropy;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let pw = NewPassword::parse("correct horse battery").unwrap();
        let phc = hash(&pw, HashCost::TEST, &OsEntropy).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &phc).await.unwrap());
        assert!(!verify("wrong horse battery", &phc).await.unwrap());
    }
}
