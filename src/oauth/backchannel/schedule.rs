//! What one back-channel logout attempt's result means, and when the next attempt is
//! due (SPEC "Back-channel logout"): 2xx is success (BCL §2.8); a network error, a
//! timeout, 408, 429 and 5xx are tried again after 30 s, doubling up to an hour, for up
//! to a day; any other status is final.

use crate::clock::UnixTime;
use crate::outbound::OutboundError;

/// The wait before the first retry.
pub const FIRST_RETRY_SECS: u64 = 30;
/// The longest wait between two attempts.
pub const MAX_RETRY_SECS: u64 = 3600;
/// How long after the session ended attempts may still be made.
pub const GIVE_UP_AFTER_SECS: u64 = 86_400;

/// What an attempt's result means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The client acknowledged it, with this status.
    Delivered(u16),
    /// Worth another attempt; the reason is the status or a fixed word.
    Retry(String),
    /// The client refused it, with this status: never tried again.
    Refused(u16),
    /// Too many outbound calls were in flight: the attempt was not made.
    NotMade,
}

/// Judges an attempt by the answer's status, or by why there was none.
pub fn judge(result: Result<u16, &OutboundError>) -> Verdict {
    match result {
        Ok(s @ 200..=299) => Verdict::Delivered(s),
        Ok(s @ (408 | 429 | 500..=599)) => Verdict::Retry(s.to_string()),
        Ok(s) => Verdict::Refused(s),
        Err(OutboundError::Busy) => Verdict::NotMade,
        Err(e) => Verdict::Retry(reason(e).to_owned()),
    }
}

/// A fixed word for an outbound failure, for the audit log: never the server's text.
fn reason(e: &OutboundError) -> &'static str {
    match e {
        OutboundError::Timeout(_) => "timeout",
        OutboundError::Tls(_) => "tls",
        OutboundError::TooLarge | OutboundError::HeadTooLarge => "too_large",
        OutboundError::Refused(_) => "refused_destination",
        OutboundError::Busy | OutboundError::Unreachable(_) | OutboundError::BadCa => "unreachable",
    }
}

/// When to try again after the `attempts`-th attempt (counting from 1) failed at `now`,
/// for a delivery queued at `queued_at`; `None` once that would be more than a day
/// after it was queued.
pub fn next_attempt(queued_at: UnixTime, attempts: u32, now: UnixTime) -> Option<UnixTime> {
    let doublings = attempts.saturating_sub(1).min(16);
    let wait = (FIRST_RETRY_SECS << doublings).min(MAX_RETRY_SECS);
    let next = now + wait;
    (next <= queued_at + GIVE_UP_AFTER_SECS).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_retry_and_final_statuses() {
        for s in [200, 202, 204, 299] {
            assert_eq!(judge(Ok(s)), Verdict::Delivered(s));
        }
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(judge(Ok(s)), Verdict::Retry(s.to_string()));
        }
        for s in [300, 302, 307, 400, 401, 403, 404, 405, 410, 451] {
            assert_eq!(judge(Ok(s)), Verdict::Refused(s), "{s}");
        }
        let failures = [
            (OutboundError::Timeout(5000), "timeout"),
            (OutboundError::Unreachable("refused".into()), "unreachable"),
            (OutboundError::Tls("unknown issuer".into()), "tls"),
            (OutboundError::TooLarge, "too_large"),
            (OutboundError::HeadTooLarge, "too_large"),
        ];
        for (e, word) in failures {
            assert_eq!(judge(Err(&e)), Verdict::Retry(word.into()));
        }
        assert_eq!(judge(Err(&OutboundError::Busy)), Verdict::NotMade);
    }

    #[test]
    fn waits_double_from_30_s_to_an_hour_and_stop_after_a_day() {
        let queued = 1_000_000;
        let mut now = queued;
        let mut waits = Vec::new();
        let mut attempts = 0;
        while let Some(next) = next_attempt(queued, attempts + 1, now) {
            attempts += 1;
            waits.push(next - now);
            now = next;
        }
        assert_eq!(
            &waits[..8],
            &[30, 60, 120, 240, 480, 960, 1920, 3600],
            "doubling, capped at an hour"
        );
        assert!(waits[8..].iter().all(|w| *w == 3600), "{waits:?}");
        assert!(now <= queued + GIVE_UP_AFTER_SECS, "never past a day");
        assert!(
            now + 3600 > queued + GIVE_UP_AFTER_SECS,
            "until the day is out"
        );
        assert_eq!(attempts, 29, "{waits:?}");
        assert_eq!(
            next_attempt(queued, 1, queued + GIVE_UP_AFTER_SECS - 29),
            None
        );
        assert_eq!(
            next_attempt(queued, 1, queued + GIVE_UP_AFTER_SECS - 30),
            Some(queued + GIVE_UP_AFTER_SECS)
        );
        assert_eq!(next_attempt(queued, u32::MAX, queued), Some(queued + 3600));
    }
}
