//! Browser SSO sessions: a `__Host-` cookie carries a 256-bit secret; the store keeps its
//! SHA-256 and the session (account, `auth_time`, expiry, the refresh families that end
//! with it). One session admits the user at every tenant they are a member of.

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, hash, random};
use crate::store::clients::Client;
use crate::store::factors::Factor;
use crate::store::sessions::{SessionClient, SsoSession};
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::Secret;

/// Name of the session cookie.
pub const COOKIE: &str = "__Host-latchkey_session";
/// Name of the login form's CSRF cookie (double-submit).
pub const CSRF_COOKIE: &str = "__Host-latchkey_csrf";
/// How long a session lasts after the password was entered.
pub const LIFETIME_SECS: u64 = 12 * 3600;

/// A new session for `account_id`, not yet stored, and the cookie secret that names it.
pub fn new(
    account_id: &str,
    factors: Vec<Factor>,
    now: UnixTime,
) -> Result<(SsoSession, Secret), CryptoError> {
    let secret = Secret::new(random::secret_token()?);
    let session = SsoSession {
        id: random::uuid()?,
        cookie_hash: hash::sha256(secret.expose().as_bytes()),
        account_id: account_id.to_owned(),
        auth_time: now,
        expires_at: now + LIFETIME_SECS,
        upstream: None,
        id_token_clients: Vec::new(),
        factors,
    };
    Ok((session, secret))
}

/// The live session a cookie value names, if any.
pub fn from_cookie(
    store: &Store,
    cookie: Option<&str>,
    now: UnixTime,
) -> Result<Option<SsoSession>, StoreError> {
    let Some(value) = cookie.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    Ok(store
        .session_by_cookie(&hash::sha256(value.as_bytes()))?
        .filter(|s| s.expires_at > now))
}

/// Records that `client` got an ID token naming session `sid`, so that it hears of the
/// session's end by back-channel logout; told at once if the session already ended.
pub fn note_id_token(
    store: &Store,
    tenant: &Tenant,
    client: &Client,
    sid: &str,
    account_id: &str,
    now: UnixTime,
) -> Result<(), StoreError> {
    let who = SessionClient {
        tenant_uid: tenant.uid,
        tenant: tenant.id.to_string(),
        client_id: client.client_id.clone(),
    };
    store.note_id_token(sid, account_id, &who, now)
}
