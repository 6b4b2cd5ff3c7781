//! OAuth clients, keyed by tenant incarnation and client id.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, tenant_key};
use crate::clock::UnixTime;
use crate::crypto::jose::JwkSet;
use crate::types::{Alg, AuthMethod, GrantType, ResponseType};
use serde::{Deserialize, Serialize};

/// A registered client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// The tenant incarnation it belongs to.
    pub tenant_uid: u64,
    /// Its id, unique within the tenant.
    pub client_id: String,
    /// A name for people.
    pub name: String,
    /// Exact-match redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the browser.
    pub post_logout_redirect_uris: Vec<String>,
    /// Grants it may use.
    pub grant_types: Vec<GrantType>,
    /// Response types it may ask for.
    pub response_types: Vec<ResponseType>,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// How it authenticates at the token endpoint.
    pub auth_method: AuthMethod,
    /// Algorithm of its ID tokens.
    pub id_token_alg: Alg,
    /// Whether users must consent to its scopes.
    pub require_consent: bool,
    /// SHA-256 of its secret; `None` for public clients.
    pub secret_hash: Option<[u8; 32]>,
    /// Origins browsers may call the token, userinfo, revocation and PAR endpoints from
    /// for it, serialized (`types::Origin`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The public keys it signs request objects with (`jwks`), checked at registration.
    #[serde(default)]
    pub jwks: Option<JwkSet>,
    /// Where its public keys are published instead (HTTPS), fetched when needed.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Whether `/authorize` takes only requests it pushed first (RFC 9126 §5).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// Whether every token request of it must carry a DPoP proof (RFC 9449 §5.2).
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// Where it is told, server to server, that a session it got an ID token in ended
    /// (OIDC Back-Channel Logout 1.0 §2.2): an absolute HTTPS URL without fragment.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// Whether it needs `sid` in logout tokens; latchkey always sends it (§2.2).
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    /// Whether its logout tokens are typed `JWT` instead of `logout+jwt` (§4.1), for
    /// receivers written before the explicit type.
    #[serde(default)]
    pub backchannel_logout_untyped: bool,
    /// Its `jwks_uri` or `backchannel_logout_uri` was last set by a tenant admin: they
    /// may reach only what SPEC "Outbound destinations" allows a tenant admin.
    #[serde(default)]
    pub urls_set_by_tenant_admin: bool,
    /// Ids of its API keys, so deleting it can remove them in the same transaction.
    pub api_key_ids: Vec<String>,
    /// When it was registered.
    pub created_at: UnixTime,
}

impl Record for Client {
    const TREE: TreeId = TreeId::Clients;
    fn key(&self) -> Vec<u8> {
        tenant_key(self.tenant_uid, self.client_id.as_bytes())
    }
}

impl Store {
    /// A client of the tenant incarnation `uid`.
    pub fn client(&self, uid: u64, client_id: &str) -> Result<Option<Client>, StoreError> {
        self.clients.get(
            self.tree(TreeId::Clients),
            &tenant_key(uid, client_id.as_bytes()),
        )
    }

    /// A tenant's clients in id order after `after`.
    pub fn clients(
        &self,
        uid: u64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Client>, StoreError> {
        self.scan_prefix(&uid.to_be_bytes(), after.map(str::as_bytes), limit)
    }
}

impl Tx<'_> {
    /// A client, read inside the transaction.
    pub fn client<E: From<StoreError>>(
        &self,
        uid: u64,
        client_id: &str,
    ) -> Result<Option<Client>, TxError<E>> {
        self.get(&tenant_key(uid, client_id.as_bytes()))
    }

    /// Creates or replaces a client.
    pub fn put_client<E: From<StoreError>>(&self, c: &Client) -> Result<(), TxError<E>> {
        self.put(c)
    }

    /// Removes a client and its API keys.
    pub fn remove_client<E: From<StoreError>>(
        &self,
        uid: u64,
        client_id: &str,
    ) -> Result<Option<Client>, TxError<E>> {
        let removed: Option<Client> = self.remove(&tenant_key(uid, client_id.as_bytes()))?;
        if let Some(c) = &removed {
            for id in &c.api_key_ids {
                self.remove_api_key::<E>(id)?;
            }
        }
        Ok(removed)
    }
}
