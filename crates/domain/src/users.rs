//! Staff user management values: display names and account status.

use std::fmt;

/// A staff user's display name: trimmed, 1-100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// Why a display name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    /// Nothing but whitespace.
    #[error("display name is required")]
    Empty,
    /// Too long.
    #[error("display name is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Contains control characters (line breaks, tabs...).
    #[error("display name must not contain control characters")]
    ControlCharacters,
}

impl DisplayName {
    /// The longest display name accepted.
    pub const MAX_LEN: usize = 100;

    /// Parses and trims a display name.
    pub fn parse(raw: &str) -> Result<Self, DisplayNameError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(DisplayNameError::TooLong { max: Self::MAX_LEN });
        }
        if value.chars().any(char::is_control) {
            return Err(DisplayNameError::ControlCharacters);
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a staff user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in; their sessions were ended when they were disabled.
    Disabled,
}

impl UserStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  王小明 ").unwrap().as_ref(), "王小明");
        assert_eq!(DisplayName::parse("   "), Err(DisplayNameError::Empty));
        assert_eq!(
            DisplayName::parse(&"a".repeat(101)),
            Err(DisplayNameError::TooLong { max: 100 })
        );
        assert_eq!(
            DisplayName::parse("a\nb"),
            Err(DisplayNameError::ControlCharacters)
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(UserStatus::parse(s.code()), Some(s));
        }
        assert_eq!(UserStatus::parse("deleted"), None);
    }
}
