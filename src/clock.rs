//! The one place that reads the wall clock, so tests can set and move time.
#![allow(
    clippy::disallowed_methods,
    reason = "the clock module is the one caller of SystemTime::now"
)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time as whole seconds since the Unix epoch, as JWT `iat`/`exp` use it.
pub type UnixTime = u64;

/// Source of the current time: the system clock, or a fixed instant for domain tests,
/// shifted by a settable offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
    fixed_at: Option<UnixTime>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// A clock that stands still at `at` until [`Clock::advance`] moves it: domain tests
    /// run whole flows (expiry, `max_age`) at exact instants.
    pub fn fixed(at: UnixTime) -> Self {
        Clock {
            offset_secs: AtomicI64::new(0),
            fixed_at: Some(at),
        }
    }

    /// Seconds since the Unix epoch, offset as tests asked.
    pub fn now(&self) -> UnixTime {
        let base = self.fixed_at.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
        base.saturating_add_signed(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock forward (or back) by `secs`, for tests of expiry and rotation.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
pub fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01 (inverse of
/// [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats a time as RFC 3339 in UTC, as the management API shows timestamps.
pub fn rfc3339(t: UnixTime) -> String {
    let (y, m, d) = civil_from_days((t / 86_400) as i64);
    let secs = t % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_and_rfc3339_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
        assert_eq!(rfc3339(1_795_427_812), "2026-11-23T09:56:52Z");
    }

    #[test]
    fn advance_moves_now() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() >= before + 3600);
    }
}
