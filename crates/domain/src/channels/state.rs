//! The channel life cycle: active ⇄ paused → archived. Pausing stops outbound sync (stock
//! and status pushes) but never refuses an incoming order: intake must not lose orders, so
//! even an archived channel's well-signed webhooks are kept (in the exception queue).

use std::fmt;

use crate::codes::code_enum;

code_enum!(
    /// Where a channel is in its life cycle.
    ChannelStatus {
        /// Selling: orders flow in, stock and status flow out.
        Active = "active",
        /// Temporarily stopped: no outbound sync; incoming orders are still taken.
        Paused = "paused",
        /// Retired: read-only history. Late orders go to the exception queue.
        Archived = "archived",
    }
);

/// An illegal move of a channel's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a channel that is {from} cannot be {action}")]
pub struct ChannelTransitionError {
    /// The current status's code.
    pub from: &'static str,
    /// What was attempted (`paused`, `resumed`, `archived`).
    pub action: &'static str,
}

impl ChannelTransitionError {
    /// The stable code: `channel-state`.
    pub const fn code(&self) -> &'static str {
        "channel-state"
    }
}

impl fmt::Display for ChannelIntake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accept => "accept",
            Self::Exception => "exception",
        })
    }
}

/// What intake does with a well-signed order for a channel in a given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelIntake {
    /// Map and take the order normally.
    Accept,
    /// Keep it, but in the exception queue (`channel_archived`), for a person to decide.
    Exception,
}

impl ChannelStatus {
    /// Active → paused.
    pub fn pause(self) -> Result<Self, ChannelTransitionError> {
        match self {
            Self::Active => Ok(Self::Paused),
            other => Err(refuse(other, "paused")),
        }
    }

    /// Paused → active.
    pub fn resume(self) -> Result<Self, ChannelTransitionError> {
        match self {
            Self::Paused => Ok(Self::Active),
            other => Err(refuse(other, "resumed")),
        }
    }

    /// Active or paused → archived (terminal).
    pub fn archive(self) -> Result<Self, ChannelTransitionError> {
        match self {
            Self::Active | Self::Paused => Ok(Self::Archived),
            Self::Archived => Err(refuse(self, "archived")),
        }
    }

    /// Whether stock levels and order statuses are pushed to the channel.
    pub const fn syncs(self) -> bool {
        matches!(self, Self::Active)
    }

    /// How intake treats an incoming order (never by dropping it).
    pub const fn intake(self) -> ChannelIntake {
        match self {
            Self::Active | Self::Paused => ChannelIntake::Accept,
            Self::Archived => ChannelIntake::Exception,
        }
    }
}

fn refuse(from: ChannelStatus, action: &'static str) -> ChannelTransitionError {
    ChannelTransitionError {
        from: from.code(),
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn channels_pause_resume_and_archive_once() {
        let s = ChannelStatus::Active.pause().unwrap();
        assert_eq!(s, ChannelStatus::Paused);
        assert!(!s.syncs());
        assert_eq!(s.intake(), ChannelIntake::Accept);
        assert_eq!(s.resume().unwrap(), ChannelStatus::Active);
        assert_eq!(
            ChannelStatus::Active.resume().unwrap_err().to_string(),
            "a channel that is active cannot be resumed"
        );
        let a = s.archive().unwrap();
        assert_eq!(a.intake(), ChannelIntake::Exception);
        assert_eq!(a.archive().unwrap_err().code(), "channel-state");
        assert!(a.pause().is_err() && a.resume().is_err());
        assert_eq!(ChannelIntake::Exception.to_string(), "exception");
    }

    fn any_status() -> impl Strategy<Value = ChannelStatus> {
        proptest::sample::select(ChannelStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn archived_is_terminal_and_only_active_syncs(s in any_status()) {
            if let Ok(next) = s.archive() {
                prop_assert!(next.pause().is_err() && next.resume().is_err());
            }
            prop_assert_eq!(s.syncs(), s == ChannelStatus::Active);
            prop_assert_eq!(ChannelStatus::parse(s.code()).unwrap(), s);
        }
    }
}
