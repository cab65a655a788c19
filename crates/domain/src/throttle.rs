//! Sign-in throttling policy: failures are counted per account and per client address in a
//! sliding window; reaching the limit locks the key with exponential back-off.

/// Limits for one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed in a window before a lockout.
    pub max_failures: i64,
    /// Window length, µs.
    pub window_micros: i64,
    /// First lockout length, µs; doubles with each further lockout.
    pub base_lock_micros: i64,
    /// Longest lockout, µs.
    pub max_lock_micros: i64,
}

const MINUTE: i64 = 60_000_000;

impl Policy {
    /// Per account: 5 failures in 15 minutes lock it for 1, 2, 4 ... up to 60 minutes.
    pub const ACCOUNT: Self = Self {
        max_failures: 5,
        window_micros: 15 * MINUTE,
        base_lock_micros: MINUTE,
        max_lock_micros: 60 * MINUTE,
    };
    /// Per client address: 20 failures in 15 minutes, same back-off (a shared office NAT
    /// gets more room than one account).
    pub const CLIENT: Self = Self {
        max_failures: 20,
        window_micros: 15 * MINUTE,
        base_lock_micros: MINUTE,
        max_lock_micros: 60 * MINUTE,
    };
}

/// A key's counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    /// Failures in the window.
    pub failures: i64,
    /// Window start, µs.
    pub window_started_at: i64,
    /// Lockouts so far.
    pub lockouts: i64,
    /// Locked until, µs.
    pub locked_until: Option<i64>,
}

impl Counter {
    /// Microseconds until the key may try again, if locked at `now`.
    pub fn locked_for(&self, now: i64) -> Option<i64> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// The counter after one more attempt at `now` that must be counted as a failure until
    /// it proves successful.
    pub fn after_attempt(self, now: i64, policy: Policy) -> Self {
        let mut next = self;
        if now - next.window_started_at >= policy.window_micros {
            next.failures = 0;
            next.window_started_at = now;
        }
        next.failures += 1;
        if next.failures >= policy.max_failures {
            let shift = u32::try_from(next.lockouts.clamp(0, 20)).unwrap_or(20);
            let length = policy
                .base_lock_micros
                .saturating_mul(1_i64 << shift)
                .min(policy.max_lock_micros);
            next.locked_until = Some(now + length);
            next.lockouts += 1;
            next.failures = 0;
            next.window_started_at = now;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_the_account_with_growing_back_off() {
        let mut c = Counter::default();
        let now = 1_000 * MINUTE;
        for _ in 0..4 {
            c = c.after_attempt(now, Policy::ACCOUNT);
            assert_eq!(c.locked_for(now), None);
        }
        c = c.after_attempt(now, Policy::ACCOUNT);
        assert_eq!(c.locked_for(now), Some(MINUTE));
        let later = now + MINUTE;
        for _ in 0..5 {
            c = c.after_attempt(later, Policy::ACCOUNT);
        }
        assert_eq!(
            c.locked_for(later),
            Some(2 * MINUTE),
            "the second lockout is twice as long"
        );
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let mut c = Counter::default();
        for i in 0..10 {
            c = c.after_attempt(i * 16 * MINUTE, Policy::ACCOUNT);
        }
        assert_eq!(c.lockouts, 0);
    }

    #[test]
    fn lockouts_never_exceed_the_cap() {
        let mut c = Counter {
            lockouts: 30,
            ..Counter::default()
        };
        for _ in 0..5 {
            c = c.after_attempt(0, Policy::ACCOUNT);
        }
        assert_eq!(c.locked_for(0), Some(60 * MINUTE));
    }
}
