//! Failure-based rate limiting with growing delays (SPEC "Durability and security
//! promises"): after a few free failed attempts a key is blocked for a delay that
//! doubles with each further failure, up to a cap. Callers answer 429 with
//! `Retry-After`; no handler sleeps. Only failures count, so legitimate load is never
//! throttled.
//!
//! Keys are shaped so that no one can lock another party out cheaply: the tight
//! counters are an address together with a username, client or API key; a username or
//! client alone, and an address alone, get much higher thresholds. Callers pass the
//! set of keys a request touches to [`Limiter::admit`] and [`Limiter::record`], and
//! `record` is the one place that audits a new block.

use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;

/// How quickly failures are slowed down: `[rate_limits]` in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before the first delay, per address and subject (username,
    /// client, API key).
    pub free_failures: u32,
    /// Failures allowed per username alone and per client alone.
    pub free_failures_per_subject: u32,
    /// Failures allowed per address alone.
    pub free_failures_per_address: u32,
    /// The first delay, doubled per further failure.
    pub first_delay_secs: u64,
    /// The longest delay.
    pub max_delay_secs: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            free_failures: 5,
            free_failures_per_subject: 100,
            free_failures_per_address: 50,
            first_delay_secs: 1,
            max_delay_secs: 900,
        }
    }
}

impl Policy {
    /// The failures `key` may have before its first delay.
    fn free_failures(&self, key: &Key) -> u32 {
        match key.scope {
            Scope::Pair(..) => self.free_failures,
            Scope::Subject(_) => self.free_failures_per_subject,
            Scope::Address(_) => self.free_failures_per_address,
        }
    }
}

/// Which set of counters a key belongs to: the admin UI's sign-in has its own, so
/// failures at `/t/…/login` never block it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Realm {
    /// Sign-in pages, the token endpoint and the exchange API.
    Sso,
    /// The admin UI's sign-in.
    Admin,
    /// SCIM bearer tokens: a directory sending a stale token must not lock the people
    /// at its address out of signing in, nor their typos lock out the directory.
    Scim,
}

/// Who a failure was about, besides the address it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A username, compared case-insensitively.
    User(String),
    /// A client that has a secret: its tenant's uid and its client id. A public
    /// client has no secret to guess and is never a subject.
    Client(u64, String),
    /// An API key, by id.
    ApiKey(String),
}

impl Subject {
    /// The subject of `username`, case-folded as sign-in compares usernames.
    pub fn user(username: &str) -> Subject {
        Subject::User(username.to_lowercase())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Scope {
    Address(IpAddr),
    Subject(Subject),
    Pair(IpAddr, Subject),
}

/// One failure counter: an address, a subject, or both, within a realm.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    realm: Realm,
    scope: Scope,
}

impl Key {
    /// The client address `ip` alone (bucketed: IPv6 by /64).
    pub fn address(realm: Realm, ip: IpAddr) -> Key {
        Key {
            realm,
            scope: Scope::Address(bucket(ip)),
        }
    }

    /// `subject` alone, from any address.
    pub fn subject(realm: Realm, subject: Subject) -> Key {
        Key {
            realm,
            scope: Scope::Subject(subject),
        }
    }

    /// `subject` from the address `ip` (bucketed): the tight counter.
    pub fn pair(realm: Realm, ip: IpAddr, subject: Subject) -> Key {
        Key {
            realm,
            scope: Scope::Pair(bucket(ip), subject),
        }
    }

    /// The address alone, the address with `subject`, and `subject` alone: what a
    /// failed sign-in or client authentication counts against.
    pub fn all(realm: Realm, ip: IpAddr, subject: Subject) -> [Key; 3] {
        [
            Key::address(realm, ip),
            Key::pair(realm, ip, subject.clone()),
            Key::subject(realm, subject),
        ]
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User(name) => write!(f, "user:{name}"),
            Subject::Client(tenant, id) => write!(f, "client:{tenant}:{id}"),
            Subject::ApiKey(id) => write!(f, "api_key:{id}"),
        }
    }
}

/// The audit target of a block: `ip:ADDR`, `user:NAME`, `user:NAME ip:ADDR`, …, with
/// `admin ` or `scim ` in front in those realms.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.realm {
            Realm::Sso => {}
            Realm::Admin => f.write_str("admin ")?,
            Realm::Scim => f.write_str("scim ")?,
        }
        match &self.scope {
            Scope::Address(ip) => write!(f, "ip:{ip}"),
            Scope::Subject(s) => write!(f, "{s}"),
            Scope::Pair(ip, s) => write!(f, "{s} ip:{ip}"),
        }
    }
}

/// The address that stands for `ip` in counters: an IPv6 client controls a whole /64,
/// so counting single addresses there would give it 2^64 fresh counters. IPv4-mapped
/// IPv6 addresses count as the IPv4 address.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// Whether a request succeeded or failed, for [`Limiter::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success forgets the keys' failures.
    Success,
    /// Failure counts against each key.
    Failure,
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
    entries: Mutex<HashMap<Key, Entry>>,
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

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Key, Entry>) -> T) -> T {
        match self.entries.lock() {
            Ok(mut map) => f(&mut map),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Refuses while any of `keys` is blocked, with the longest wait among them.
    pub fn admit(&self, keys: &[Key], now: UnixTime) -> Result<(), Blocked> {
        let wait = self.with(|map| {
            keys.iter()
                .filter_map(|k| map.get(k))
                .map(|e| e.blocked_until.saturating_sub(now))
                .max()
        });
        match wait {
            Some(retry_after) if retry_after > 0 => Err(Blocked { retry_after }),
            _ => Ok(()),
        }
    }

    /// Records `outcome` against each of `keys`; a key that becomes blocked is audited
    /// (with `tenant`, when known).
    pub fn record(
        &self,
        store: &Store,
        tenant: Option<&str>,
        keys: &[Key],
        outcome: Outcome,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        for key in self.count(keys, outcome, now) {
            let mut event = AuditEvent::new(now, AuditKind::RateLimited, &Actor::System)
                .target(&key.to_string());
            if let Some(t) = tenant {
                event = event.tenant(t);
            }
            store.transaction(|tx| tx.audit::<StoreError>(&event))?;
        }
        Ok(())
    }

    /// Applies `outcome` to `keys`; returns the keys a failure blocked.
    fn count(&self, keys: &[Key], outcome: Outcome, now: UnixTime) -> Vec<Key> {
        self.with(|map| match outcome {
            Outcome::Success => {
                for key in keys {
                    map.remove(key);
                }
                Vec::new()
            }
            Outcome::Failure => keys
                .iter()
                .filter(|key| self.failure(map, key, now).is_some())
                .cloned()
                .collect(),
        })
    }

    /// Counts one failure of `key`; returns the block it now has, if any.
    fn failure(&self, map: &mut HashMap<Key, Entry>, key: &Key, now: UnixTime) -> Option<Blocked> {
        if map.len() >= MAX_KEYS {
            map.retain(|_, e| !e.forgotten(now));
        }
        let entry = map.entry(key.clone()).or_insert(Entry {
            failures: 0,
            blocked_until: 0,
            last_failure: now,
        });
        if entry.forgotten(now) {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let over = entry
            .failures
            .saturating_sub(self.policy.free_failures(key));
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn alice_from(addr: &str) -> Key {
        Key::pair(Realm::Sso, ip(addr), Subject::user("alice"))
    }

    /// Fails `key` once; the block it now has, if any.
    fn fail(l: &Limiter, key: &Key, now: UnixTime) -> Option<Blocked> {
        l.count(std::slice::from_ref(key), Outcome::Failure, now);
        l.admit(std::slice::from_ref(key), now).err()
    }

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let l = Limiter::default();
        let k = alice_from("192.0.2.1");
        for _ in 0..Policy::default().free_failures {
            assert_eq!(fail(&l, &k, 100), None);
        }
        assert_eq!(fail(&l, &k, 100), Some(Blocked { retry_after: 1 }));
        assert!(l.admit(std::slice::from_ref(&k), 101).is_ok());
        assert_eq!(fail(&l, &k, 101), Some(Blocked { retry_after: 2 }));
        assert_eq!(fail(&l, &k, 103), Some(Blocked { retry_after: 4 }));
        let other = alice_from("192.0.2.2");
        assert!(l.admit(&[other], 103).is_ok(), "keys are independent");
        l.count(std::slice::from_ref(&k), Outcome::Success, 103);
        assert!(l.admit(&[k], 103).is_ok());
    }

    #[test]
    fn admit_refuses_with_the_longest_wait_of_its_keys() {
        let l = Limiter::default();
        let (short, long) = (alice_from("192.0.2.1"), alice_from("192.0.2.2"));
        for _ in 0..6 {
            fail(&l, &short, 0);
        }
        for _ in 0..8 {
            fail(&l, &long, 0);
        }
        assert_eq!(
            l.admit(&[short, long, alice_from("192.0.2.3")], 0),
            Err(Blocked { retry_after: 4 })
        );
    }

    #[test]
    fn subjects_and_addresses_alone_have_their_own_thresholds() {
        let l = Limiter::default();
        for n in 0..100u8 {
            let from = IpAddr::from([198, 51, 100, n]);
            let keys = Key::all(Realm::Sso, from, Subject::user("alice"));
            assert!(l.count(&keys, Outcome::Failure, 0).is_empty(), "{n}");
        }
        let user = Key::subject(Realm::Sso, Subject::user("Alice"));
        assert_eq!(fail(&l, &user, 0), Some(Blocked { retry_after: 1 }));
        let address = Key::address(Realm::Sso, ip("192.0.2.1"));
        for _ in 0..50 {
            assert_eq!(fail(&l, &address, 0), None);
        }
        assert_eq!(fail(&l, &address, 0), Some(Blocked { retry_after: 1 }));
    }

    #[test]
    fn realms_and_subject_kinds_do_not_share_counters() {
        let l = Limiter::default();
        let sso = Key::address(Realm::Sso, ip("192.0.2.1"));
        for _ in 0..60 {
            fail(&l, &sso, 0);
        }
        assert!(l.admit(&[sso], 0).is_err());
        assert!(
            l.admit(&[Key::address(Realm::Admin, ip("192.0.2.1"))], 0)
                .is_ok()
        );
        let scim = Key::address(Realm::Scim, ip("192.0.2.1"));
        assert!(l.admit(std::slice::from_ref(&scim), 0).is_ok());
        for _ in 0..60 {
            fail(&l, &scim, 0);
        }
        assert!(l.admit(std::slice::from_ref(&scim), 0).is_err());
        assert_eq!(scim.to_string(), "scim ip:192.0.2.1");
        let client = Key::subject(Realm::Sso, Subject::Client(1, "alice".into()));
        for _ in 0..101 {
            fail(&l, &client, 0);
        }
        assert!(l.admit(&[client], 0).is_err());
        let user = Key::subject(Realm::Sso, Subject::user("alice"));
        assert!(l.admit(&[user], 0).is_ok());
    }

    #[test]
    fn ipv6_counts_by_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(bucket(ip("192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(alice_from("2001:db8::1"), alice_from("2001:db8::ffff:2"));
        assert_ne!(alice_from("2001:db8::1"), alice_from("2001:db8:0:1::1"));
    }

    #[test]
    fn a_new_block_is_reported_once_with_a_readable_target() {
        let l = Limiter::default();
        let keys = Key::all(Realm::Admin, ip("192.0.2.1"), Subject::user("Root"));
        let mut blocked = Vec::new();
        for _ in 0..6 {
            blocked.extend(l.count(&keys, Outcome::Failure, 0));
        }
        let targets: Vec<String> = blocked.iter().map(Key::to_string).collect();
        assert_eq!(targets, ["admin user:root ip:192.0.2.1"]);
        assert_eq!(
            Key::address(Realm::Sso, ip("192.0.2.1")).to_string(),
            "ip:192.0.2.1"
        );
    }

    #[test]
    fn delays_are_capped_and_old_failures_forgotten() {
        let l = Limiter::default();
        let k = alice_from("192.0.2.1");
        for _ in 0..40 {
            fail(&l, &k, 10);
        }
        assert_eq!(
            l.admit(std::slice::from_ref(&k), 10),
            Err(Blocked { retry_after: 900 })
        );
        assert_eq!(
            fail(&l, &k, 10 + 900 + FORGET_AFTER_SECS),
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
            ..Policy::default()
        });
        let k = alice_from("192.0.2.1");
        assert_eq!(fail(&l, &k, 0), None);
        assert_eq!(fail(&l, &k, 0), None);
        assert_eq!(fail(&l, &k, 0), Some(Blocked { retry_after: 10 }));
        assert_eq!(fail(&l, &k, 0), Some(Blocked { retry_after: 20 }));
        assert_eq!(fail(&l, &k, 0), Some(Blocked { retry_after: 25 }));
    }

    #[test]
    fn a_block_longer_than_the_forget_window_does_not_reset_the_count() {
        let l = Limiter::new(Policy {
            free_failures: 1,
            first_delay_secs: 7200,
            max_delay_secs: 86_400,
            ..Policy::default()
        });
        let k = alice_from("192.0.2.1");
        assert_eq!(fail(&l, &k, 0), None);
        assert_eq!(fail(&l, &k, 0), Some(Blocked { retry_after: 7200 }));
        assert_eq!(
            fail(&l, &k, 7200),
            Some(Blocked {
                retry_after: 14_400
            }),
            "the next failure after the block doubles it"
        );
    }
}
