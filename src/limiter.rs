//! Failure-based rate limiting with growing delays: after a few free failed attempts a
//! key (a client address, a username, a client id) is blocked for a delay that doubles
//! with each further failure, up to a cap. Callers answer 429 with `Retry-After`; no
//! handler sleeps. Only failures count, so legitimate load is never throttled.

use crate::clock::UnixTime;
use std::collections::HashMap;
use std::sync::Mutex;

/// How quickly failures are slowed down: `[rate_limits]` in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before the first delay.
    pub free_failures: u32,
    /// The first delay, doubled per further failure.
    pub first_delay_secs: u64,
    /// The longest delay.
    pub max_delay_secs: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            free_failures: 5,
            first_delay_secs: 1,
            max_delay_secs: 900,
        }
    }
}
/// A key with no failure, and no block, for this long is forgotten.
const FORGET_AFTER_SECS: u64 = 3600;
/// Keys tracked at most; past it, forgotten ones are pruned first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    blocked_until: UnixTime,
    last_failure: UnixTime,
}

impl Entry {
    /// Counted from the end of the last block too, so a block longer than the forget
    /// window does not hand back the free failures the moment it ends.
    fn forgotten(&self, now: UnixTime) -> bool {
        now.saturating_sub(self.last_failure.max(self.blocked_until)) >= FORGET_AFTER_SECS
    }
}

/// Counts failures per key, shared by every request.
#[derive(Debug, Default)]
pub struct Limiter {
    policy: Policy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// A key that is blocked, and for how many more seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    /// Seconds until the next attempt is accepted (for `Retry-After`).
    pub retry_after: u64,
}

impl Limiter {
    /// A limiter that slows failures down as `policy` says.
    pub fn new(policy: Policy) -> Limiter {
        Limiter {
            policy,
            entries: Mutex::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        match self.entries.lock() {
            Ok(mut map) => f(&mut map),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Refuses `key` while it is blocked.
    pub fn check(&self, key: &str, now: UnixTime) -> Result<(), Blocked> {
        self.with(|map| match map.get(key) {
            Some(e) if e.blocked_until > now => Err(Blocked {
                retry_after: e.blocked_until - now,
            }),
            _ => Ok(()),
        })
    }

    /// Records a failure of `key`; returns the block it now has, if any.
    pub fn failure(&self, key: &str, now: UnixTime) -> Option<Blocked> {
        self.with(|map| {
            if map.len() >= MAX_KEYS {
                map.retain(|_, e| !e.forgotten(now));
            }
            let entry = map.entry(key.to_owned()).or_insert(Entry {
                failures: 0,
                blocked_until: 0,
                last_failure: now,
            });
            if entry.forgotten(now) {
                entry.failures = 0;
            }
            entry.failures += 1;
            entry.last_failure = now;
            let over = entry.failures.saturating_sub(self.policy.free_failures);
            if over == 0 {
                return None;
            }
            let delay = self
                .policy
                .first_delay_secs
                .saturating_mul(1u64 << (over - 1).min(20))
                .min(self.policy.max_delay_secs);
            entry.blocked_until = now + delay;
            Some(Blocked { retry_after: delay })
        })
    }

    /// Forgets `key`'s failures (a successful sign-in for a username).
    pub fn success(&self, key: &str) {
        self.with(|map| map.remove(key));
    }
}

/// The limiter key of a client address.
pub fn address_key(ip: std::net::IpAddr) -> String {
    format!("ip:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let l = Limiter::default();
        for _ in 0..Policy::default().free_failures {
            assert_eq!(l.failure("k", 100), None);
        }
        assert!(l.check("k", 100).is_ok());
        assert_eq!(l.failure("k", 100), Some(Blocked { retry_after: 1 }));
        assert_eq!(l.check("k", 100), Err(Blocked { retry_after: 1 }));
        assert!(l.check("k", 101).is_ok());
        assert_eq!(l.failure("k", 101), Some(Blocked { retry_after: 2 }));
        assert_eq!(l.failure("k", 103), Some(Blocked { retry_after: 4 }));
        assert!(l.check("other", 103).is_ok(), "keys are independent");
        l.success("k");
        assert!(l.check("k", 103).is_ok());
    }

    #[test]
    fn delays_are_capped_and_old_failures_forgotten() {
        let l = Limiter::default();
        for _ in 0..40 {
            l.failure("k", 10);
        }
        assert_eq!(l.check("k", 10), Err(Blocked { retry_after: 900 }));
        assert_eq!(
            l.failure("k", 10 + 900 + FORGET_AFTER_SECS),
            None,
            "an hour after the block ended the count starts again"
        );
    }

    #[test]
    fn the_policy_sets_free_failures_first_delay_and_cap() {
        let l = Limiter::new(Policy {
            free_failures: 2,
            first_delay_secs: 10,
            max_delay_secs: 25,
        });
        assert_eq!(l.failure("k", 0), None);
        assert_eq!(l.failure("k", 0), None);
        assert_eq!(l.failure("k", 0), Some(Blocked { retry_after: 10 }));
        assert_eq!(l.failure("k", 0), Some(Blocked { retry_after: 20 }));
        assert_eq!(l.failure("k", 0), Some(Blocked { retry_after: 25 }));
    }

    #[test]
    fn a_block_longer_than_the_forget_window_does_not_reset_the_count() {
        let l = Limiter::new(Policy {
            free_failures: 1,
            first_delay_secs: 7200,
            max_delay_secs: 86_400,
        });
        assert_eq!(l.failure("k", 0), None);
        assert_eq!(l.failure("k", 0), Some(Blocked { retry_after: 7200 }));
        assert_eq!(
            l.failure("k", 7200),
            Some(Blocked {
                retry_after: 14_400
            }),
            "the next failure after the block doubles it"
        );
    }
}
