//! Encryption at rest for secrets the platform must read back (TOTP seeds now; channel
//! credentials and personal data later): AES-256-GCM under the instance key, with a fresh
//! random 96-bit nonce per message. Stored form: `v1:<base64url(nonce || ciphertext)>`.
//! The key comes from configuration (`secret_key` / a generated key file), never the DB.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::entropy::{Entropy, random_bytes};
use crate::error::{Error, Result};

/// The instance key and the operations that use it. Its `Debug` never prints the key.
pub struct SecretBox {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

const VERSION: &str = "v1:";

impl SecretBox {
    /// A box over a 256-bit key.
    pub fn new(key: [u8; 32]) -> Self {
        // A separate key for keyed hashes, derived so one configured secret suffices.
        let mac_key: [u8; 32] = Sha256::digest([b"omnihub-mac:".as_slice(), &key].concat()).into();
        Self {
            cipher: Aes256Gcm::new(&key.into()),
            mac_key,
        }
    }

    /// Parses a key written as 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Self> {
        let bytes = hex::decode(hex_key.trim())
            .map_err(|_| Error::invalid("secret_key", "invalid", "must be 64 hex digits"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::invalid("secret_key", "invalid", "must be 64 hex digits"))?;
        Ok(Self::new(key))
    }

    /// Encrypts `plaintext`.
    pub fn seal(&self, plaintext: &[u8], entropy: &dyn Entropy) -> Result<String> {
        let nonce: [u8; 12] = random_bytes(entropy);
        let ciphertext = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .map_err(|_| Error::Internal("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Decrypts what [`SecretBox::seal`] produced; fails if it was altered or sealed with
    /// another key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>> {
        let corrupt = || {
            Error::Internal(
                "stored secret cannot be decrypted (altered, or another instance key)".into(),
            )
        };
        let body = sealed.strip_prefix(VERSION).ok_or_else(corrupt)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| corrupt())?;
        if bytes.len() < 12 {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| corrupt())?;
        self.cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| corrupt())
    }

    /// HMAC-SHA256 under the instance's MAC key (for one-time codes and lookups): useless
    /// to anyone without the key.
    pub fn keyed_hash(&self, data: &[u8]) -> Result<Vec<u8>> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.mac_key)
            .map_err(|_| Error::Internal("HMAC key rejected".into()))?;
        mac.update(data);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// A key as 64 hex digits (the key file's format).
pub fn to_hex(key: &[u8; 32]) -> String {
    hex::encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::OsEntropy;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_unaltered() {
        let a = SecretBox::new([7; 32]);
        let sealed = a.seal(b"JBSWY3DPEHPK3PXP", &OsEntropy).unwrap();
        assert!(sealed.starts_with("v1:"));
        assert_eq!(a.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_ne!(
            sealed,
            a.seal(b"JBSWY3DPEHPK3PXP", &OsEntropy).unwrap(),
            "fresh nonce each time"
        );
        assert!(SecretBox::new([8; 32]).open(&sealed).is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(a.open(&String::from_utf8(tampered).unwrap()).is_err());
    }
}
