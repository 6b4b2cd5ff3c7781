//! Sign-in to the admin web UI: an admin account's password (argon2id, off the async
//! workers) or an admin token, then a session named by a `__Host-` cookie. Sessions
//! live in memory (a restart signs admins out), end after 30 idle minutes or 8 hours,
//! and carry the synchronizer CSRF token every form of the UI must send back.

use super::{AdminError, tokens};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::{hash, password, random};
use crate::state::State;
use crate::store::{Store, StoreError};
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
pub struct Console {
    /// Who acts, for the audit log.
    pub actor: Actor,
    /// What the UI calls them.
    pub display: String,
    /// The CSRF token of the session's forms.
    pub csrf: String,
    signed_in_at: UnixTime,
    last_seen: UnixTime,
}

impl Console {
    /// Whether `presented` is this session's CSRF token.
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|p| constant_time_eq(p.as_bytes(), self.csrf.as_bytes()))
    }
}

/// The admin sessions, by SHA-256 of their cookie.
#[derive(Default)]
pub struct Consoles {
    by_cookie: Mutex<HashMap<[u8; 32], Console>>,
}

/// Whether what opened a session still stands: the admin token exists, or the account
/// exists, holds its admin role and is enabled. Checked on every request, so revoking
/// the token or demoting, disabling or deleting the account ends its sessions at once.
pub fn still_entitled(store: &Store, console: &Console) -> Result<bool, StoreError> {
    Ok(match &console.actor {
        Actor::AdminToken(id) => store.admin_token(id)?.is_some(),
        Actor::Account(id) => store.account(id)?.is_some_and(|a| a.admin && !a.disabled),
        Actor::Client(_) | Actor::System | Actor::Anonymous => false,
    })
}

/// What a sign-in form sends: a username and password, or an admin token.
pub struct Credentials {
    /// Username, when signing in with a password.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// An admin token instead.
    pub token: Secret,
}

impl Consoles {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Console>> {
        match self.by_cookie.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The live session a cookie names, its idle clock restarted.
    pub fn get(&self, cookie: Option<&str>, now: UnixTime) -> Option<Console> {
        let key = hash::sha256(cookie.filter(|c| !c.is_empty())?.as_bytes());
        let mut map = self.map();
        let live = map
            .get(&key)
            .is_some_and(|c| now < c.last_seen + IDLE_SECS && now < c.signed_in_at + ABSOLUTE_SECS);
        if !live {
            map.remove(&key);
            return None;
        }
        let console = map.get_mut(&key)?;
        console.last_seen = now;
        Some(console.clone())
    }

    /// Ends the session a cookie names.
    pub fn end(&self, cookie: Option<&str>) {
        if let Some(c) = cookie {
            self.map().remove(&hash::sha256(c.as_bytes()));
        }
    }

    fn open(&self, actor: Actor, display: String, now: UnixTime) -> Result<Secret, AdminError> {
        let cookie = Secret::new(random::secret_token()?);
        let console = Console {
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
        map.insert(hash::sha256(cookie.expose().as_bytes()), console);
        Ok(cookie)
    }
}

/// Signs in with `creds`; `None` when they are wrong (one answer for every reason).
/// Both outcomes are audited (`login` / `login.failed`, detail `admin_ui`); a failure
/// names the username tried, never a password or token.
pub async fn sign_in(state: &State, creds: Credentials) -> Result<Option<Secret>, AdminError> {
    let now = state.clock.now();
    let username = creds.username.trim().to_owned();
    let who = identify(state, creds).await?;
    let event = match &who {
        Some((actor, _)) => AuditEvent::new(now, AuditKind::Login, actor),
        None => {
            let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System);
            if username.is_empty() {
                event
            } else {
                event.target(&username)
            }
        }
    }
    .detail("admin_ui");
    state
        .store
        .transaction(|tx| tx.audit::<StoreError>(&event))?;
    match who {
        Some((actor, display)) => Ok(Some(state.consoles.open(actor, display, now)?)),
        None => Ok(None),
    }
}

/// Who `creds` prove to be: an admin token, or an enabled admin account whose password
/// matches (checked against a dummy hash for anyone else, so timing tells nothing).
async fn identify(
    state: &State,
    creds: Credentials,
) -> Result<Option<(Actor, String)>, AdminError> {
    if !creds.token.expose().is_empty() {
        return Ok(tokens::authenticate(&state.store, &creds.token)?
            .map(|t| (Actor::AdminToken(t.id), format!("token “{}”", t.label))));
    }
    let account = state
        .store
        .account_by_username(creds.username.trim())?
        .filter(|a| a.admin && !a.disabled);
    let phc = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| state.dummy_password_hash.clone());
    let matches = password::verify_off_workers(creds.password, phc).await?;
    Ok(account
        .filter(|a| matches && a.password_hash.is_some())
        .map(|a| (Actor::Account(a.id), a.username)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old_and_at_sign_out() {
        let consoles = Consoles::default();
        let actor = Actor::System;
        let a = consoles.open(actor.clone(), "a".into(), 1_000).unwrap();
        let a = Some(a.expose());
        assert!(consoles.get(a, 1_000 + IDLE_SECS - 1).is_some());
        let later = 1_000 + IDLE_SECS - 1 + IDLE_SECS - 1;
        assert!(
            consoles.get(a, later).is_some(),
            "each request restarts the idle clock"
        );
        assert!(
            consoles.get(a, later + IDLE_SECS).is_none(),
            "idle too long"
        );
        assert!(consoles.get(a, later).is_none(), "and gone for good");

        let b = consoles.open(actor.clone(), "b".into(), 0).unwrap();
        let b = Some(b.expose());
        let mut now = 0;
        while now + IDLE_SECS / 2 < ABSOLUTE_SECS {
            now += IDLE_SECS / 2;
            assert!(consoles.get(b, now).is_some());
        }
        assert!(
            consoles.get(b, ABSOLUTE_SECS).is_none(),
            "never past the absolute limit"
        );

        let c = consoles.open(actor, "c".into(), 0).unwrap();
        consoles.end(Some(c.expose()));
        assert!(consoles.get(Some(c.expose()), 1).is_none());
        assert!(consoles.get(None, 1).is_none() && consoles.get(Some(""), 1).is_none());
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let consoles = Consoles::default();
        let cookie = consoles.open(Actor::System, "x".into(), 0).unwrap();
        let console = consoles.get(Some(cookie.expose()), 0).unwrap();
        assert!(console.csrf_ok(Some(&console.csrf.clone())));
        assert!(!console.csrf_ok(Some("forged")));
        assert!(!console.csrf_ok(None));
    }
}
