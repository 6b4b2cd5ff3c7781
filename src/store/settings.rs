//! Per-tenant settings: the introspection endpoint and the upstream OpenID provider.
//! Client secrets are sealed with the master key; the store never sees them in clear.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use serde::{Deserialize, Serialize};

/// How a tenant's foreign tokens are introspected (RFC 7662).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntrospectionSettings {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The IdP's introspection endpoint (https).
    pub url: String,
    /// Our client id at the IdP.
    pub client_id: String,
    /// Our client secret at the IdP, sealed.
    pub sealed_client_secret: Vec<u8>,
    /// Where the external account id is in the answer (RFC 6901).
    pub account_id_pointer: String,
    /// Connect and total timeout.
    pub timeout_ms: u64,
    /// Extra trusted CA certificates (PEM).
    pub ca_pem: Option<String>,
    /// `iss` the answer must carry, if set.
    pub expected_issuer: Option<String>,
    /// `aud` or `client_id` the answer must carry, if set.
    pub expected_audience: Option<String>,
    /// How long a positive answer may be reused; 0 is off.
    pub cache_ttl_secs: u64,
    /// Set by a tenant admin: its URLs may reach only what SPEC "Outbound
    /// destinations" allows a tenant admin.
    #[serde(default)]
    pub set_by_tenant_admin: bool,
}

/// The upstream OpenID provider a tenant's logins are sent to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamSettings {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// Full URL of the discovery document (https).
    pub configuration_url: String,
    /// Our client id there.
    pub client_id: String,
    /// Our client secret there, sealed.
    pub sealed_client_secret: Vec<u8>,
    /// Where logout sends the browser afterwards.
    pub logout_url: Option<String>,
    /// Scopes requested upstream.
    pub scopes: Vec<String>,
    /// The claim holding the username.
    pub username_claim: String,
    /// The callback URL sent upstream (one of the two spellings).
    pub redirect_uri: String,
    /// Extra trusted CA certificates (PEM).
    pub ca_pem: Option<String>,
    /// Set by a tenant admin: its URLs may reach only what SPEC "Outbound
    /// destinations" allows a tenant admin.
    #[serde(default)]
    pub set_by_tenant_admin: bool,
}

/// Seal purpose of a tenant's introspection secret.
pub fn introspection_purpose(uid: u64) -> String {
    format!("introspection-secret:{uid}")
}

/// Seal purpose of a tenant's upstream secret.
pub fn upstream_purpose(uid: u64) -> String {
    format!("upstream-secret:{uid}")
}

#[cfg(test)]
impl IntrospectionSettings {
    /// Settings for unit tests: pointer `/account_id`, no checks, cache off.
    pub fn sample() -> Self {
        IntrospectionSettings {
            tenant_uid: 1,
            url: "https://idp.test/introspect".into(),
            client_id: "latchkey".into(),
            sealed_client_secret: vec![],
            account_id_pointer: "/account_id".into(),
            timeout_ms: 1000,
            ca_pem: None,
            expected_issuer: None,
            expected_audience: None,
            cache_ttl_secs: 0,
            set_by_tenant_admin: false,
        }
    }
}

impl Record for IntrospectionSettings {
    const TREE: TreeId = TreeId::Introspection;
    fn key(&self) -> Vec<u8> {
        self.tenant_uid.to_be_bytes().to_vec()
    }
}

impl Record for UpstreamSettings {
    const TREE: TreeId = TreeId::Upstream;
    fn key(&self) -> Vec<u8> {
        self.tenant_uid.to_be_bytes().to_vec()
    }
}

impl Store {
    /// The tenant's introspection settings.
    pub fn introspection(&self, uid: u64) -> Result<Option<IntrospectionSettings>, StoreError> {
        self.get(&uid.to_be_bytes())
    }

    /// The tenant's upstream settings.
    pub fn upstream(&self, uid: u64) -> Result<Option<UpstreamSettings>, StoreError> {
        self.get(&uid.to_be_bytes())
    }
}

impl Tx<'_> {
    /// Introspection settings, read inside the transaction.
    pub fn introspection<E: From<StoreError>>(
        &self,
        uid: u64,
    ) -> Result<Option<IntrospectionSettings>, TxError<E>> {
        self.get(&uid.to_be_bytes())
    }

    /// Upstream settings, read inside the transaction.
    pub fn upstream<E: From<StoreError>>(
        &self,
        uid: u64,
    ) -> Result<Option<UpstreamSettings>, TxError<E>> {
        self.get(&uid.to_be_bytes())
    }

    /// Sets introspection settings.
    pub fn put_introspection<E: From<StoreError>>(
        &self,
        s: &IntrospectionSettings,
    ) -> Result<(), TxError<E>> {
        self.put(s)
    }

    /// Sets upstream settings.
    pub fn put_upstream<E: From<StoreError>>(
        &self,
        s: &UpstreamSettings,
    ) -> Result<(), TxError<E>> {
        self.put(s)
    }

    /// Removes introspection settings.
    pub fn remove_introspection<E: From<StoreError>>(
        &self,
        uid: u64,
    ) -> Result<Option<IntrospectionSettings>, TxError<E>> {
        self.remove(&uid.to_be_bytes())
    }

    /// Removes upstream settings.
    pub fn remove_upstream<E: From<StoreError>>(
        &self,
        uid: u64,
    ) -> Result<Option<UpstreamSettings>, TxError<E>> {
        self.remove(&uid.to_be_bytes())
    }
}
