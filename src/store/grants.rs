//! Short-lived grants: revoked access-token ids (a denylist kept until the token would
//! have expired anyway).

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, account_key, tenant_key};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// A revoked access token, remembered by `jti` until its `exp`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevokedJti {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The token's `jti`.
    pub jti: String,
    /// The token's `exp`, after which the entry can go.
    pub exp: UnixTime,
}

impl Record for RevokedJti {
    const TREE: TreeId = TreeId::RevokedJtis;
    fn key(&self) -> Vec<u8> {
        tenant_key(self.tenant_uid, self.jti.as_bytes())
    }
}

impl Store {
    /// True if the access token `jti` of tenant `uid` was revoked.
    pub fn is_revoked(&self, uid: u64, jti: &str) -> Result<bool, StoreError> {
        Ok(self
            .tree(TreeId::RevokedJtis)
            .contains_key(tenant_key(uid, jti.as_bytes()))?)
    }
}

impl Tx<'_> {
    /// Adds an access token to the denylist.
    pub fn revoke_jti<E: From<StoreError>>(&self, r: &RevokedJti) -> Result<(), TxError<E>> {
        self.put(r)
    }
}

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

/// An authorization request waiting for the user to sign in (10 minutes at most).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// Random id, carried by the login form.
    pub id: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The request's defined parameters (none unknown, each length-limited), as query
    /// pairs, to finish it after sign-in.
    pub params: Vec<(String, String)>,
    /// When it was made: a login after this satisfies `prompt=login`.
    pub created_at: UnixTime,
    /// When it lapses.
    pub expires_at: UnixTime,
}

impl Record for PendingAuthorization {
    const TREE: TreeId = TreeId::Pending;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

/// Where a code or a refresh token is stored: the second it expires (big-endian), then
/// its SHA-256. Grants issued together sit together near the end of their tree, so
/// sled's cache holds the few leaves being written and redeemed (keyed by hash alone,
/// every new grant landed on a random leaf, and code flows slowed by a third once the
/// trees outgrew the cache), and the expired ones are the front of the tree, which the
/// sweep removes without reading the rest. Grants stored before keys carried the
/// second are keyed by their hash alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantKey {
    /// The second it expires.
    pub expiry: Option<UnixTime>,
    /// SHA-256 of the token.
    pub hash: [u8; 32],
}

impl GrantKey {
    /// The key bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self.expiry {
            Some(t) => [&t.to_be_bytes()[..], &self.hash].concat(),
            None => self.hash.to_vec(),
        }
    }
}

/// An authorization code (RFC 6749 §4.1.2), stored under its [`GrantKey`]. It stays after
/// use, marked, until it would have expired, so a replay is recognised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthCode {
    /// SHA-256 of the code.
    pub hash: [u8; 32],
    /// The expiry second its key leads with; `None` for one stored under its hash alone.
    #[serde(default)]
    pub key_expiry: Option<UnixTime>,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was sent to.
    pub redirect_uri: String,
    /// Whether the authorization request named it (then the token request must too).
    #[serde(default)]
    pub redirect_uri_sent: bool,
    /// The account.
    pub account_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The request's nonce, for the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// The SSO session.
    pub sid: String,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// Expiry (60 s after issue).
    pub expires_at: UnixTime,
    /// Set once redeemed: the refresh family and access-token id it produced, which a
    /// replay revokes.
    pub redeemed: Option<Redemption>,
}

/// What redeeming a code produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Redemption {
    /// The access token's `jti` and `exp`.
    pub access_jti: String,
    /// Its expiry.
    pub access_exp: UnixTime,
    /// The refresh family, if one was issued.
    pub family_id: Option<String>,
}

impl AuthCode {
    /// Where it is stored.
    pub fn grant_key(&self) -> GrantKey {
        GrantKey {
            expiry: self.key_expiry,
            hash: self.hash,
        }
    }
}

impl Record for AuthCode {
    const TREE: TreeId = TreeId::Codes;
    fn key(&self) -> Vec<u8> {
        self.grant_key().bytes()
    }
}

/// A refresh token of the older form, which did not name its family, stored under its
/// [`GrantKey`]. No new ones are stored: tokens now name their family, which holds the
/// live one's hash. Those still out find their family through this record until the
/// sweep removes it at expiry, so a reuse still finds the family and kills it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// SHA-256 of the token.
    pub hash: [u8; 32],
    /// The expiry second its key leads with; `None` for one stored under its hash alone.
    #[serde(default)]
    pub key_expiry: Option<UnixTime>,
    /// Its family.
    pub family_id: String,
    /// Expiry.
    pub expires_at: UnixTime,
}

impl RefreshToken {
    /// Where it is stored.
    pub fn grant_key(&self) -> GrantKey {
        GrantKey {
            expiry: self.key_expiry,
            hash: self.hash,
        }
    }
}

impl Record for RefreshToken {
    const TREE: TreeId = TreeId::RefreshTokens;
    fn key(&self) -> Vec<u8> {
        self.grant_key().bytes()
    }
}

/// A chain of refresh tokens from one grant; at most one is live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// Random id.
    pub id: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The client.
    pub client_id: String,
    /// The account.
    pub account_id: String,
    /// Scopes of the grant.
    pub scopes: Vec<String>,
    /// The SSO session it ends with, unless `offline_access` was granted.
    pub sid: Option<String>,
    /// When the user authenticated.
    pub auth_time: Option<UnixTime>,
    /// The one live token's SHA-256; `None` once revoked.
    pub live: Option<[u8; 32]>,
    /// The account's `refresh_epoch` when the grant was made (0 for a family stored
    /// before families carried it, as for every account never disabled since).
    #[serde(default)]
    pub account_epoch: u64,
    /// When the last token of the family expires.
    pub expires_at: UnixTime,
}

impl Record for RefreshFamily {
    const TREE: TreeId = TreeId::Families;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// Stores a new code: one record nothing else refers to, so it needs no transaction.
    pub fn insert_code(&self, c: &AuthCode) -> Result<(), StoreError> {
        self.put_alone(c)
    }

    /// Marks the code at `key` redeemed unless it already is, by compare-and-swap on its
    /// record: of two redemptions racing, exactly one gets `true`.
    pub fn redeem_code(&self, key: &GrantKey, redemption: &Redemption) -> Result<bool, StoreError> {
        self.swap_alone::<AuthCode>(&key.bytes(), |code| {
            code.redeemed.is_none().then(|| AuthCode {
                redeemed: Some(redemption.clone()),
                ..code
            })
        })
    }

    /// Stores a refresh token of the older form: the next token of a family from before
    /// tokens named their family. It works only once [`Store::rotate_family`] makes it
    /// the family's live token.
    pub fn insert_older_refresh_token(&self, t: &RefreshToken) -> Result<(), StoreError> {
        self.put_alone(t)
    }

    /// Makes `new` the live token of family `id` if `old` still is, by compare-and-swap:
    /// of two rotations of one token, exactly one gets `true`. The rotation writes
    /// nothing else.
    pub fn rotate_family(
        &self,
        id: &str,
        old: &[u8; 32],
        new: &[u8; 32],
    ) -> Result<bool, StoreError> {
        self.swap_alone::<RefreshFamily>(id.as_bytes(), |f| {
            (f.live == Some(*old)).then_some(RefreshFamily {
                live: Some(*new),
                ..f
            })
        })
    }

    /// Stores a new refresh family: one new key no other write touches until the family
    /// is handed out, so no transaction. Nothing indexes it under its account: disabling
    /// the account bumps its `refresh_epoch` instead.
    pub fn insert_family(&self, f: &RefreshFamily) -> Result<(), StoreError> {
        self.put_alone(f)
    }

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

    /// The code stored at `key`.
    pub fn code(&self, key: &GrantKey) -> Result<Option<AuthCode>, StoreError> {
        self.get(&key.bytes())
    }

    /// The older-form refresh token stored at `key`.
    pub fn refresh_token(&self, key: &GrantKey) -> Result<Option<RefreshToken>, StoreError> {
        self.get(&key.bytes())
    }

    /// A refresh family by id.
    pub fn family(&self, id: &str) -> Result<Option<RefreshFamily>, StoreError> {
        self.get(id.as_bytes())
    }

    /// A pending authorization by id.
    pub fn pending(&self, id: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        self.get(id.as_bytes())
    }
}

impl Tx<'_> {
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

    /// Revokes a refresh family: its live token stops working.
    pub fn revoke_family<E: From<StoreError>>(&self, id: &str) -> Result<(), TxError<E>> {
        if let Some(mut f) = self.family::<E>(id)? {
            f.live = None;
            self.put(&f)?;
        }
        Ok(())
    }

    /// Removes a session and its cookie index entry.
    pub fn remove_session<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<SsoSession>, TxError<E>> {
        let removed: Option<SsoSession> = self.remove(id.as_bytes())?;
        if let Some(s) = &removed {
            self.remove_raw(TreeId::SessionCookies, &s.cookie_hash)?;
        }
        Ok(removed)
    }

    /// Stores a pending authorization.
    pub fn put_pending<E: From<StoreError>>(
        &self,
        p: &PendingAuthorization,
    ) -> Result<(), TxError<E>> {
        self.put(p)
    }

    /// Removes a pending authorization.
    pub fn remove_pending<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<PendingAuthorization>, TxError<E>> {
        self.remove(id.as_bytes())
    }

    /// A refresh family by id.
    pub fn family<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<RefreshFamily>, TxError<E>> {
        self.get(id.as_bytes())
    }

    /// Stores a refresh family.
    pub fn put_family<E: From<StoreError>>(&self, f: &RefreshFamily) -> Result<(), TxError<E>> {
        self.put(f)
    }
}

/// Scopes a user agreed to give a client that asks for consent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The user.
    pub account_id: String,
    /// The client.
    pub client_id: String,
    /// The scopes agreed to.
    pub scopes: Vec<String>,
    /// When.
    pub granted_at: UnixTime,
}

fn consent_key(uid: u64, account_id: &str, client_id: &str) -> Vec<u8> {
    tenant_key(uid, &account_key(account_id, client_id))
}

impl Record for Consent {
    const TREE: TreeId = TreeId::Consents;
    fn key(&self) -> Vec<u8> {
        consent_key(self.tenant_uid, &self.account_id, &self.client_id)
    }
}

impl Store {
    /// What the user agreed to give the client, if anything.
    pub fn consent(
        &self,
        uid: u64,
        account_id: &str,
        client_id: &str,
    ) -> Result<Option<Consent>, StoreError> {
        self.get(&consent_key(uid, account_id, client_id))
    }
}

impl Tx<'_> {
    /// Remembers a consent.
    pub fn put_consent<E: From<StoreError>>(&self, c: &Consent) -> Result<(), TxError<E>> {
        self.put(c)
    }
}
