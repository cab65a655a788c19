//! Staff identity values: email addresses and the password policy.
//!
//! The identity issue builds sessions, MFA and RBAC on these; the foundation needs them to
//! bootstrap the first platform administrator (`omnihub admin create`).

use std::fmt;

use serde::Serialize;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("email address is required")]
    Empty,
    /// Longer than RFC 5321 allows.
    #[error("email address is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Not of the form local@domain.tld.
    #[error("not a valid email address")]
    Malformed,
}

impl Email {
    /// RFC 5321's limit on a forward path.
    pub const MAX_LEN: usize = 254;

    /// Parses and normalises an address. Deliberately simple: one `@`, a non-empty local
    /// part, a dotted domain, no whitespace. Deliverability is proven by sending, not parsing.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong { max: Self::MAX_LEN });
        }
        let (local, domain) = value.split_once('@').ok_or(EmailError::Malformed)?;
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.split('.').count() >= 2
            && domain.split('.').all(|label| !label.is_empty())
            && !value.chars().any(char::is_whitespace);
        if !well_formed {
            return Err(EmailError::Malformed);
        }
        Ok(Self(value))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that satisfies the policy. Its `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than the policy allows.
    #[error("password must be at least {min} characters long")]
    TooShort {
        /// The minimum length.
        min: usize,
    },
    /// Longer than we hash (a cheap denial-of-service guard).
    #[error("password must be at most {max} characters long")]
    TooLong {
        /// The maximum length.
        max: usize,
    },
    /// On the list of passwords attackers try first.
    #[error("password is too common; choose another")]
    TooCommon,
}

/// Passwords attackers try first (the top of public breach lists); refused outright.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "passwordpassword",
    "qwertyuiopasdf",
    "qwerty123456",
    "111111111111",
    "000000000000",
    "iloveyou1234",
    "administrator",
    "admin1234567",
    "changeme1234",
    "letmein12345",
    "welcome12345",
    "abc123456789",
    "1q2w3e4r5t6y",
    "omnihub12345",
];

impl NewPassword {
    /// The shortest password accepted (NIST SP 800-63B recommends at least 8; staff
    /// accounts guard a whole business, so we ask for more).
    pub const MIN_LEN: usize = 12;
    /// The longest password accepted.
    pub const MAX_LEN: usize = 128;

    /// Checks a candidate against the policy.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(PasswordError::TooShort { min: Self::MIN_LEN });
        }
        if len > Self::MAX_LEN {
            return Err(PasswordError::TooLong { max: Self::MAX_LEN });
        }
        let lowered = raw.to_lowercase();
        let one_repeated_char = raw.chars().all(|c| raw.starts_with(c));
        if one_repeated_char || COMMON_PASSWORDS.contains(&lowered.as_str()) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised_and_validated() {
        assert_eq!(
            Email::parse("  Ops@Example.COM ").unwrap().as_ref(),
            "ops@example.com"
        );
        for bad in [
            "",
            "no-at-sign",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(
            Email::parse(&format!("{}@example.com", "a".repeat(250))),
            Err(EmailError::TooLong { max: 254 })
        );
    }

    #[test]
    fn the_password_policy_refuses_short_long_and_common_passwords() {
        assert_eq!(
            NewPassword::parse("short"),
            Err(PasswordError::TooShort { min: 12 })
        );
        assert_eq!(
            NewPassword::parse(&"ab".repeat(65)),
            Err(PasswordError::TooLong { max: 128 })
        );
        assert_eq!(
            NewPassword::parse("Password1234"),
            Err(PasswordError::TooCommon)
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaaaa"),
            Err(PasswordError::TooCommon)
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery").unwrap()),
            "NewPassword(<redacted>)"
        );
    }

    proptest! {
        #[test]
        fn any_parsed_email_is_lowercase_and_has_one_at(local in "[a-z0-9.]{1,20}", domain in "[a-z]{1,10}\\.[a-z]{2,5}") {
            let email = Email::parse(&format!("{local}@{domain}")).unwrap();
            prop_assert_eq!(email.as_ref().matches('@').count(), 1);
            prop_assert_eq!(email.as_ref().to_lowercase(), email.as_ref());
        }
    }
}
