//! Browser SSO sessions, with their cookie and account indexes, and the upstream sign-in
//! a brokered session came from.

use super::codec::Record;
use super::factors::Factor;
use super::{Store, StoreError, TreeId, Tx, TxError, account_key};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// A browser's SSO session. The cookie carries a secret whose SHA-256 indexes the
/// session; `id` is the public `sid` put in ID tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoSession {
    /// Public id (`sid`).
    pub id: String,
    /// SHA-256 of the cookie secret.
    pub cookie_hash: [u8; 32],
    /// The signed-in account.
    pub account_id: String,
    /// When the user last entered a password (OIDC `auth_time`).
    pub auth_time: UnixTime,
    /// When the session ends regardless of use. Refresh families bound to the session
    /// (their `sid`) stop working with it: refresh and introspection look it up.
    pub expires_at: UnixTime,
    /// The upstream sign-in behind it, for a brokered tenant's logout.
    #[serde(default)]
    pub upstream: Option<UpstreamSignIn>,
    /// The clients that got an ID token naming this session: those that registered a
    /// back-channel logout URI are told when it ends (OIDC Back-Channel Logout 1.0).
    #[serde(default)]
    pub id_token_clients: Vec<SessionClient>,
    /// How the user authenticated, in order; empty for a session stored before this
    /// was recorded, which had a password.
    #[serde(default)]
    pub factors: Vec<Factor>,
}

/// A client that got an ID token in a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClient {
    /// Its tenant's incarnation.
    pub tenant_uid: u64,
    /// Its tenant's slug, for the issuer and the audit log.
    pub tenant: String,
    /// Its id.
    pub client_id: String,
}

/// The upstream sign-in an SSO session came from (broker).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamSignIn {
    /// The brokered tenant's incarnation.
    pub tenant_uid: u64,
    /// The upstream's ID token, sealed under [`upstream_id_token_purpose`]: it goes back
    /// upstream as `id_token_hint` at logout.
    pub sealed_id_token: Vec<u8>,
}

/// Seal purpose of the upstream ID token kept with session `sid`.
pub fn upstream_id_token_purpose(sid: &str) -> String {
    format!("upstream-id-token:{sid}")
}

impl Record for SsoSession {
    const TREE: TreeId = TreeId::Sessions;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// True while session `sid` exists and has not expired at `now`: what a refresh
    /// family bound to it needs to keep working.
    pub fn session_alive(&self, sid: &str, now: UnixTime) -> Result<bool, StoreError> {
        Ok(self.session(sid)?.is_some_and(|s| s.expires_at > now))
    }

    /// The session whose cookie secret hashes to `hash`.
    pub fn session_by_cookie(&self, hash: &[u8; 32]) -> Result<Option<SsoSession>, StoreError> {
        match self.tree(TreeId::SessionCookies).get(hash)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    /// A session by its public id.
    pub fn session(&self, id: &str) -> Result<Option<SsoSession>, StoreError> {
        self.get(id.as_bytes())
    }

    /// The ids of an account's SSO sessions.
    pub fn account_sessions(&self, account_id: &str) -> Result<Vec<String>, StoreError> {
        self.account_index(TreeId::AccountSessions, account_id)
    }
}

impl Tx<'_> {
    /// A session, read inside the transaction.
    pub fn session<E: From<StoreError>>(&self, id: &str) -> Result<Option<SsoSession>, TxError<E>> {
        self.get(id.as_bytes())
    }

    /// Stores a session with its cookie and account index entries.
    pub fn put_session<E: From<StoreError>>(&self, s: &SsoSession) -> Result<(), TxError<E>> {
        self.put(s)?;
        self.index_put(
            TreeId::AccountSessions,
            &account_key(&s.account_id, &s.id),
            &[],
        )?;
        self.index_put(TreeId::SessionCookies, &s.cookie_hash, s.id.as_bytes())
    }

    /// Ends a session: removes it with its index entries. The refresh families bound to
    /// it stop working at once, since refresh and introspection look the session up;
    /// the sweep removes them later. Returns it if it existed.
    pub fn end_session<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<SsoSession>, TxError<E>> {
        let removed: Option<SsoSession> = self.remove(id.as_bytes())?;
        if let Some(s) = &removed {
            self.remove_raw(TreeId::SessionCookies, &s.cookie_hash)?;
            self.remove_raw(TreeId::AccountSessions, &account_key(&s.account_id, &s.id))?;
        }
        Ok(removed)
    }
}
