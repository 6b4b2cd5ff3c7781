//! Count-based caps per client address (SPEC "Durability and security promises": what
//! requests nobody authenticated may store is rate limited per address). Unlike the
//! failure counters of [`super::failures`], a quota counts every use, since each one
//! stores a record. Uses are counted in fixed windows, per node, with addresses
//! bucketed as the limiter buckets them (IPv6 by /64).

use super::failures::{Blocked, bucket};
use crate::clock::UnixTime;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Addresses tracked at most before those whose window has ended are pruned.
const MAX_ADDRESSES: usize = 100_000;

/// One address's uses in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: UnixTime,
    used: u32,
}

/// At most `limit` uses per address in each window of `window_secs`.
#[derive(Debug)]
pub struct Quota {
    limit: u32,
    window_secs: u64,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

impl Quota {
    /// A quota of `limit` uses per address per `window_secs`.
    pub fn new(limit: u32, window_secs: u64) -> Quota {
        Quota {
            limit,
            window_secs,
            windows: Mutex::default(),
        }
    }

    /// Counts one use by `ip` at `now`; refused, with the seconds until its window ends,
    /// when the address has used up its window.
    pub fn take(&self, ip: IpAddr, now: UnixTime) -> Result<(), Blocked> {
        let mut windows = match self.windows.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        if windows.len() >= MAX_ADDRESSES {
            windows.retain(|_, w| w.start + self.window_secs > now);
        }
        let window = windows.entry(bucket(ip)).or_insert(Window {
            start: now,
            used: 0,
        });
        if window.start + self.window_secs <= now {
            *window = Window {
                start: now,
                used: 0,
            };
        }
        if window.used >= self.limit {
            return Err(Blocked {
                retry_after: (window.start + self.window_secs).saturating_sub(now),
            });
        }
        window.used += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_limit_per_window_and_others_are_apart() {
        let quota = Quota::new(2, 600);
        let one = ip("192.0.2.1");
        assert_eq!(quota.take(one, 100), Ok(()));
        assert_eq!(quota.take(one, 150), Ok(()));
        assert_eq!(quota.take(one, 160), Err(Blocked { retry_after: 540 }));
        assert_eq!(quota.take(ip("192.0.2.2"), 160), Ok(()));
        assert_eq!(quota.take(one, 700), Ok(()), "a new window");
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        let quota = Quota::new(1, 600);
        assert_eq!(quota.take(ip("2001:db8::1"), 0), Ok(()));
        assert!(quota.take(ip("2001:db8::2"), 0).is_err());
        assert_eq!(quota.take(ip("2001:db8:0:1::1"), 0), Ok(()));
    }
}
