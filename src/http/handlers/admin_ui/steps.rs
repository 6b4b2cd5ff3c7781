//! Admin sign-ins between the password and the second factor (`[admin] require_mfa`),
//! in memory like the admin sessions they lead to, each named by a cookie and lasting
//! ten minutes.

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, hash, random};
use crate::types::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

/// The cookie naming a second step.
pub const COOKIE: &str = "__Host-latchkey_admin_step";
/// How long a second step waits for its code.
pub const TTL_SECS: u64 = 600;
/// The most second steps at once; the oldest goes first.
const CAPACITY: usize = 1_000;

/// An admin account whose password was right.
#[derive(Clone, Debug)]
pub struct Step {
    /// The account.
    pub account_id: String,
    /// Its username, for the limiter and the UI.
    pub username: String,
    /// A TOTP secret being enrolled, sealed for the account.
    pub enrolling: Option<Vec<u8>>,
    /// Set once the second factor is in and the recovery codes were shown.
    pub done: bool,
    expires_at: UnixTime,
}

/// The second steps under way, by SHA-256 of their cookie.
#[derive(Default)]
pub struct Steps {
    by_cookie: Mutex<HashMap<[u8; 32], Step>>,
}

impl Steps {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Step>> {
        match self.by_cookie.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Begins a second step for `account_id` at `now`; returns its cookie.
    pub fn begin(
        &self,
        account_id: String,
        username: String,
        now: UnixTime,
    ) -> Result<Secret, CryptoError> {
        let cookie = Secret::new(random::secret_token()?);
        let mut map = self.map();
        map.retain(|_, s| now < s.expires_at);
        if map.len() >= CAPACITY
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires_at)
                .map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        let step = Step {
            account_id,
            username,
            enrolling: None,
            done: false,
            expires_at: now + TTL_SECS,
        };
        map.insert(hash::sha256(cookie.expose().as_bytes()), step);
        Ok(cookie)
    }

    /// The live step a cookie names.
    pub fn get(&self, cookie: Option<&str>, now: UnixTime) -> Option<Step> {
        let key = hash::sha256(cookie.filter(|c| !c.is_empty())?.as_bytes());
        self.map().get(&key).filter(|s| now < s.expires_at).cloned()
    }

    /// Replaces what the step a cookie names holds (its expiry stays).
    pub fn update(&self, cookie: Option<&str>, step: Step) {
        if let Some(c) = cookie {
            let key = hash::sha256(c.as_bytes());
            if let Some(slot) = self.map().get_mut(&key) {
                *slot = Step {
                    expires_at: slot.expires_at,
                    ..step
                };
            }
        }
    }

    /// Ends the step a cookie names.
    pub fn end(&self, cookie: Option<&str>) {
        if let Some(c) = cookie {
            self.map().remove(&hash::sha256(c.as_bytes()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_lives_ten_minutes_and_ends_on_request() {
        let steps = Steps::default();
        let c = steps.begin("a".into(), "ann".into(), 1_000).unwrap();
        let c = Some(c.expose());
        assert!(steps.get(c, 1_000 + TTL_SECS - 1).is_some());
        assert!(steps.get(c, 1_000 + TTL_SECS).is_none());
        let mut step = steps.get(c, 1_000).unwrap();
        step.done = true;
        steps.update(c, step);
        assert!(steps.get(c, 1_001).unwrap().done);
        steps.end(c);
        assert!(steps.get(c, 1_001).is_none());
        assert!(steps.get(Some("forged"), 1_001).is_none() && steps.get(None, 1).is_none());
    }
}
