//! The admin web UI's sessions: named by a `__Host-` cookie, kept in memory (a restart
//! signs admins out), ended after 30 idle minutes or 8 hours, each carrying the
//! synchronizer CSRF token every form of the UI must send back. Who may open one is
//! `admin::sign_in`'s to decide; this table only remembers them.

use crate::audit::Actor;
use crate::clock::UnixTime;
use crate::crypto::{CryptoError, hash, random};
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use std::collections::HashMap;
use std::sync::Mutex;

/// Name of the admin session cookie.
pub const COOKIE: &str = "__Host-latchkey_admin";
/// A session ends after this long without a request.
pub const IDLE_SECS: u64 = 30 * 60;
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE_SECS: u64 = 8 * 3600;
/// The most admin sessions at once; the oldest goes first.
const CAPACITY: usize = 1_000;

/// A signed-in admin.
#[derive(Clone, Debug)]
pub struct Session {
    /// Who acts, for the audit log.
    pub actor: Actor,
    /// What the UI calls them.
    pub display: String,
    /// The CSRF token of the session's forms.
    pub csrf: String,
    signed_in_at: UnixTime,
    last_seen: UnixTime,
}

impl Session {
    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|p| constant_time_eq(p.as_bytes(), self.csrf.as_bytes()))
    }
}

/// The admin sessions, by SHA-256 of their cookie.
#[derive(Default)]
pub struct Sessions {
    by_cookie: Mutex<HashMap<[u8; 32], Session>>,
    /// Sign-ins waiting for their second factor (`[admin] require_mfa`).
    pub steps: super::steps::Steps,
}

impl Sessions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        match self.by_cookie.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The live session a cookie names, its idle clock restarted.
    pub fn get(&self, cookie: Option<&str>, now: UnixTime) -> Option<Session> {
        let key = hash::sha256(cookie.filter(|c| !c.is_empty())?.as_bytes());
        let mut map = self.map();
        let live = map
            .get(&key)
            .is_some_and(|c| now < c.last_seen + IDLE_SECS && now < c.signed_in_at + ABSOLUTE_SECS);
        if !live {
            map.remove(&key);
            return None;
        }
        let session = map.get_mut(&key)?;
        session.last_seen = now;
        Some(session.clone())
    }

    /// Ends the session a cookie names.
    pub fn end(&self, cookie: Option<&str>) {
        if let Some(c) = cookie {
            self.map().remove(&hash::sha256(c.as_bytes()));
        }
    }

    /// Opens a session for `actor`, shown as `display`; returns its cookie.
    pub fn open(
        &self,
        actor: Actor,
        display: String,
        now: UnixTime,
    ) -> Result<Secret, CryptoError> {
        let cookie = Secret::new(random::secret_token()?);
        let session = Session {
            actor,
            display,
            csrf: random::secret_token()?,
            signed_in_at: now,
            last_seen: now,
        };
        let mut map = self.map();
        if map.len() >= CAPACITY {
            map.retain(|_, c| now < c.last_seen + IDLE_SECS);
        }
        if map.len() >= CAPACITY
            && let Some(oldest) = map.iter().min_by_key(|(_, c)| c.last_seen).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        map.insert(hash::sha256(cookie.expose().as_bytes()), session);
        Ok(cookie)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old_and_at_sign_out() {
        let sessions = Sessions::default();
        let actor = Actor::System;
        let a = sessions.open(actor.clone(), "a".into(), 1_000).unwrap();
        let a = Some(a.expose());
        assert!(sessions.get(a, 1_000 + IDLE_SECS - 1).is_some());
        let later = 1_000 + IDLE_SECS - 1 + IDLE_SECS - 1;
        assert!(
            sessions.get(a, later).is_some(),
            "each request restarts the idle clock"
        );
        assert!(
            sessions.get(a, later + IDLE_SECS).is_none(),
            "idle too long"
        );
        assert!(sessions.get(a, later).is_none(), "and gone for good");

        let b = sessions.open(actor.clone(), "b".into(), 0).unwrap();
        let b = Some(b.expose());
        let mut now = 0;
        while now + IDLE_SECS / 2 < ABSOLUTE_SECS {
            now += IDLE_SECS / 2;
            assert!(sessions.get(b, now).is_some());
        }
        assert!(
            sessions.get(b, ABSOLUTE_SECS).is_none(),
            "never past the absolute limit"
        );

        let c = sessions.open(actor, "c".into(), 0).unwrap();
        sessions.end(Some(c.expose()));
        assert!(sessions.get(Some(c.expose()), 1).is_none());
        assert!(sessions.get(None, 1).is_none() && sessions.get(Some(""), 1).is_none());
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let sessions = Sessions::default();
        let cookie = sessions.open(Actor::System, "x".into(), 0).unwrap();
        let session = sessions.get(Some(cookie.expose()), 0).unwrap();
        assert!(session.csrf_ok(Some(&session.csrf.clone())));
        assert!(!session.csrf_ok(Some("forged")));
        assert!(!session.csrf_ok(None));
    }
}
