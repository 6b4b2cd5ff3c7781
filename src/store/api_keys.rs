//! API keys for `/v2/sso`: records by id, and an index from the key's SHA-256 to the id.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::TenantId;
use serde::{Deserialize, Serialize};

/// An API key; the key itself is never stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Public id.
    pub id: String,
    /// The tenant of its client, by slug, to find it from the key alone.
    pub tenant: TenantId,
    /// The tenant incarnation of its client: a key outlives no recreated tenant.
    pub tenant_uid: u64,
    /// The client the exchanged tokens are issued to.
    pub client_id: String,
    /// What the operator called it.
    pub label: String,
    /// SHA-256 of the key.
    pub key_hash: [u8; 32],
    /// When it was created.
    pub created_at: UnixTime,
    /// When it last authenticated a call.
    pub last_used_at: Option<UnixTime>,
}

impl Record for ApiKey {
    const TREE: TreeId = TreeId::ApiKeys;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// An API key by id.
    pub fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        self.get(id.as_bytes())
    }

    /// The API key whose value hashes to `hash`.
    pub fn api_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<ApiKey>, StoreError> {
        match self.tree(TreeId::ApiKeyHashes).get(hash)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }
}

impl Tx<'_> {
    /// An API key, read inside the transaction.
    pub fn api_key<E: From<StoreError>>(&self, id: &str) -> Result<Option<ApiKey>, TxError<E>> {
        self.get(id.as_bytes())
    }

    /// Stores an API key and its hash index entry.
    pub fn put_api_key<E: From<StoreError>>(&self, k: &ApiKey) -> Result<(), TxError<E>> {
        self.put(k)?;
        self.index_put(TreeId::ApiKeyHashes, &k.key_hash, k.id.as_bytes())
    }

    /// Removes an API key and its index entry.
    pub fn remove_api_key<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<ApiKey>, TxError<E>> {
        let removed: Option<ApiKey> = self.remove(id.as_bytes())?;
        if let Some(k) = &removed {
            self.remove_raw(TreeId::ApiKeyHashes, &k.key_hash)?;
        }
        Ok(removed)
    }
}
