//! The one place that reads the wall clock, so tests can set and move time.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock module is the one caller of SystemTime::now"
)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time as whole seconds since the Unix epoch, as JWT `iat`/`exp` use it.
pub type UnixTime = u64;

/// Source of the current time: the system clock shifted by a settable offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// Seconds since the Unix epoch, offset as tests asked.
    pub fn now(&self) -> UnixTime {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        real.saturating_add_signed(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock forward (or back) by `secs`, for tests of expiry and rotation.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() >= before + 3600);
    }
}
