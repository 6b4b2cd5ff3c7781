//! Tenant records: one per slug, keyed by the slug.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::{Alg, TenantId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A tenant and its token settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// The slug.
    pub id: TenantId,
    /// This incarnation of the slug: every record under the tenant is keyed by it, so a
    /// deleted tenant's leftovers can never surface in a new tenant of the same slug.
    pub uid: u64,
    /// Name shown to users on login pages.
    pub display_name: String,
    /// When it was created.
    pub created_at: UnixTime,
    /// Algorithm of the access tokens it issues.
    pub access_token_alg: Alg,
    /// Access token lifetime.
    pub access_token_ttl_secs: u64,
    /// ID token lifetime.
    pub id_token_ttl_secs: u64,
    /// Refresh token lifetime.
    pub refresh_token_ttl_secs: u64,
    /// Whether its users may, or must, use a second factor.
    #[serde(default)]
    pub mfa: MfaPolicy,
    /// What the consent page says for the tenant's own scopes: `{scope: {locale: text}}`.
    #[serde(default)]
    pub scope_descriptions: ScopeDescriptions,
}

/// A tenant's sentences for its own scopes, by scope token and then language tag.
pub type ScopeDescriptions = BTreeMap<String, BTreeMap<String, String>>;

/// A tenant's second-factor policy (SPEC "Sign-in: passwords, second factors and passkeys").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// Nothing steps a session up; accounts' factors are still asked for at sign-in.
    Off,
    /// Users may enrol; `acr_values=mfa` steps a session up.
    #[default]
    Optional,
    /// Every answer needs a session that completed a second factor.
    Required,
}

impl MfaPolicy {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::Off => "off",
            MfaPolicy::Optional => "optional",
            MfaPolicy::Required => "required",
        }
    }

    /// The policy named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "off" => Some(MfaPolicy::Off),
            "optional" => Some(MfaPolicy::Optional),
            "required" => Some(MfaPolicy::Required),
            _ => None,
        }
    }
}

impl Tenant {
    /// A tenant with the SPEC's default settings.
    pub fn new(id: TenantId, uid: u64, display_name: String, created_at: UnixTime) -> Self {
        Tenant {
            id,
            uid,
            display_name,
            created_at,
            access_token_alg: Alg::ES256,
            access_token_ttl_secs: 3600,
            id_token_ttl_secs: 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            mfa: MfaPolicy::Optional,
            scope_descriptions: ScopeDescriptions::new(),
        }
    }
}

impl Record for Tenant {
    const TREE: TreeId = TreeId::Tenants;
    fn key(&self) -> Vec<u8> {
        self.id.as_str().as_bytes().to_vec()
    }
}

impl Store {
    /// The tenant with this slug, if any.
    pub fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.tenants
            .get(self.tree(TreeId::Tenants), id.as_str().as_bytes())
    }

    /// Tenants in slug order after `after`, at most `limit`.
    pub fn tenants(&self, after: Option<&str>, limit: usize) -> Result<Vec<Tenant>, StoreError> {
        self.scan(after.map(str::as_bytes), limit)
    }
}

impl Tx<'_> {
    /// The tenant with this slug, read inside the transaction.
    pub fn tenant<E: From<StoreError>>(&self, id: &TenantId) -> Result<Option<Tenant>, TxError<E>> {
        self.get(id.as_str().as_bytes())
    }

    /// Creates or replaces a tenant.
    pub fn put_tenant<E: From<StoreError>>(&self, t: &Tenant) -> Result<(), TxError<E>> {
        self.put(t)
    }

    /// Removes a tenant record; what is keyed by its uid becomes unreachable at once.
    pub fn remove_tenant<E: From<StoreError>>(
        &self,
        id: &TenantId,
    ) -> Result<Option<Tenant>, TxError<E>> {
        self.remove(id.as_str().as_bytes())
    }
}
