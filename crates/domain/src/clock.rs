//! Time and id sources, injected everywhere so tests are deterministic.
//!
//! Business code never reads the wall clock directly (clippy.toml forbids it); it asks the
//! [`Clock`] it was given. Production uses [`SystemClock`]; tests use [`FixedClock`] and move
//! time forward explicitly.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant (UTC).
    fn now(&self) -> Timestamp;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to; for tests and replays.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<Timestamp>,
}

impl FixedClock {
    /// A clock frozen at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    /// Sets the clock to an exact instant.
    pub fn set(&self, to: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A source of new unique ids.
pub trait IdGenerator: Send + Sync + std::fmt::Debug {
    /// A new, never-before-returned id.
    fn new_id(&self) -> Uuid;
}

/// UUIDv7 ids stamped with the injected clock's time, so ids sort by creation time and
/// B-tree inserts stay append-mostly. uuid's `ContextV7` keeps ids made within the same
/// millisecond (or under a frozen test clock) unique and increasing.
#[derive(Debug)]
pub struct V7Ids<C> {
    clock: C,
    // ContextV7 uses `Cell`s, so it needs a lock to be shared between request tasks.
    context: Mutex<uuid::ContextV7>,
}

impl<C: Clock> V7Ids<C> {
    /// A generator reading time from `clock`.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            context: Mutex::new(uuid::ContextV7::new()),
        }
    }
}

impl<C: Clock> IdGenerator for V7Ids<C> {
    fn new_id(&self) -> Uuid {
        let now = self.clock.now();
        let secs = u64::try_from(now.as_second()).unwrap_or(0);
        let nanos = u32::try_from(now.subsec_nanosecond()).unwrap_or(0);
        let context = self
            .context
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Uuid::new_v7(uuid::Timestamp::from_unix(&*context, secs, nanos))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    fn start() -> Timestamp {
        "2026-11-21T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_fixed_clock_moves_only_when_advanced() {
        let clock = FixedClock::new(start());
        assert_eq!(clock.now(), start());
        clock.advance(SignedDuration::from_mins(16));
        assert_eq!(clock.now(), start() + SignedDuration::from_mins(16));
    }

    #[test]
    fn ids_under_a_frozen_clock_are_unique_ordered_and_version_7() {
        let ids = V7Ids::new(Arc::new(FixedClock::new(start())));
        let made: Vec<Uuid> = (0..10_000).map(|_| ids.new_id()).collect();
        assert!(made.iter().all(|id| id.get_version_num() == 7));
        assert!(made.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(made.iter().collect::<HashSet<_>>().len(), made.len());
    }

    #[test]
    fn ids_carry_the_clock_time() {
        let clock = Arc::new(FixedClock::new(start()));
        let ids = V7Ids::new(clock.clone());
        let (secs, _) = ids.new_id().get_timestamp().unwrap().to_unix();
        assert_eq!(secs as i64, start().as_second());
    }
}
