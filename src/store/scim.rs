//! SCIM tokens and groups of a tenant, keyed by tenant incarnation so a deleted tenant's are
//! swept with it, plus an index from a token's SHA-256 to its record key.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, tenant_key};
use crate::clock::UnixTime;
use crate::types::TenantId;
use serde::{Deserialize, Serialize};

/// A SCIM token: the bearer credential a partner's directory provisions one tenant
/// with. Only its hash is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScimToken {
    /// Public id, used to list and delete it and as the audit actor.
    pub id: String,
    /// The tenant's slug, so a token finds its tenant without a scan.
    pub tenant: TenantId,
    /// The tenant incarnation it provisions.
    pub tenant_uid: u64,
    /// What the operator called it.
    pub label: String,
    /// SHA-256 of the token value.
    pub token_hash: [u8; 32],
    /// When it was created.
    pub created_at: UnixTime,
}

impl Record for ScimToken {
    const TREE: TreeId = TreeId::ScimTokens;
    fn key(&self) -> Vec<u8> {
        tenant_key(self.tenant_uid, self.id.as_bytes())
    }
}

impl Store {
    /// The SCIM token whose value hashes to `hash`, if any.
    pub fn scim_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ScimToken>, StoreError> {
        match self.tree(TreeId::ScimTokenHashes).get(hash)? {
            Some(key) => self.get(&key),
            None => Ok(None),
        }
    }

    /// One SCIM token of a tenant.
    pub fn scim_token(&self, uid: u64, id: &str) -> Result<Option<ScimToken>, StoreError> {
        self.get(&tenant_key(uid, id.as_bytes()))
    }

    /// A tenant's SCIM tokens in id order after `after`, at most `limit`.
    pub fn scim_tokens(
        &self,
        uid: u64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ScimToken>, StoreError> {
        self.scan_prefix(&uid.to_be_bytes(), after.map(str::as_bytes), limit)
    }
}

impl Tx<'_> {
    /// Stores a new SCIM token and its hash index entry together.
    pub fn put_scim_token<E: From<StoreError>>(&self, t: &ScimToken) -> Result<(), TxError<E>> {
        self.put(t)?;
        self.index_put(TreeId::ScimTokenHashes, &t.token_hash, &t.key())
    }

    /// Removes a tenant's SCIM token and its index entry; returns it if it existed.
    pub fn remove_scim_token<E: From<StoreError>>(
        &self,
        uid: u64,
        id: &str,
    ) -> Result<Option<ScimToken>, TxError<E>> {
        let removed: Option<ScimToken> = self.remove(&tenant_key(uid, id.as_bytes()))?;
        if let Some(t) = &removed {
            self.remove_raw(TreeId::ScimTokenHashes, &t.token_hash)?;
        }
        Ok(removed)
    }
}

/// A SCIM group of a tenant: a scope under a stable id, kept from its creation whether
/// or not any member holds the scope (directories create groups empty).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScimGroup {
    /// Stable id, the SCIM `id`.
    pub id: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The scope it stands for (SCIM `displayName`).
    pub scope: String,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it was last written.
    pub modified_at: UnixTime,
    /// The directory's id for it (SCIM `externalId`).
    #[serde(default)]
    pub external_id: Option<String>,
}

impl Record for ScimGroup {
    const TREE: TreeId = TreeId::ScimGroups;
    fn key(&self) -> Vec<u8> {
        tenant_key(self.tenant_uid, self.id.as_bytes())
    }
}

impl Store {
    /// One SCIM group of a tenant.
    pub fn scim_group(&self, uid: u64, id: &str) -> Result<Option<ScimGroup>, StoreError> {
        self.get(&tenant_key(uid, id.as_bytes()))
    }

    /// A tenant's SCIM groups in id order.
    pub fn scim_groups(&self, uid: u64) -> Result<Vec<ScimGroup>, StoreError> {
        self.scan_prefix(&uid.to_be_bytes(), None, usize::MAX)
    }
}

impl Tx<'_> {
    /// Creates or replaces a SCIM group.
    pub fn put_scim_group<E: From<StoreError>>(&self, g: &ScimGroup) -> Result<(), TxError<E>> {
        self.put(g)
    }

    /// Removes a SCIM group; returns it if it existed.
    pub fn remove_scim_group<E: From<StoreError>>(
        &self,
        uid: u64,
        id: &str,
    ) -> Result<Option<ScimGroup>, TxError<E>> {
        self.remove(&tenant_key(uid, id.as_bytes()))
    }
}
