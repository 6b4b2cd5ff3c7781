//! Admin API tokens: records keyed by id, plus an index from the token's SHA-256 to the id.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::AdminRole;
use serde::{Deserialize, Serialize};

/// An admin token; the token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminToken {
    /// Public id, used to list and revoke it.
    pub id: String,
    /// What the operator called it.
    pub label: String,
    /// SHA-256 of the token value.
    pub token_hash: [u8; 32],
    /// When it was created.
    pub created_at: UnixTime,
    /// What it may do; tokens made before roles existed manage the appliance.
    #[serde(default)]
    pub role: AdminRole,
}

impl Record for AdminToken {
    const TREE: TreeId = TreeId::AdminTokens;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// The token whose value hashes to `hash`, if any.
    pub fn admin_token_by_hash(&self, hash: &[u8; 32]) -> Result<Option<AdminToken>, StoreError> {
        match self.tree(TreeId::AdminTokenHashes).get(hash)? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    /// The token with public id `id`, if it still exists.
    pub fn admin_token(&self, id: &str) -> Result<Option<AdminToken>, StoreError> {
        self.get(id.as_bytes())
    }

    /// Admin tokens in id order after `after`, at most `limit`.
    pub fn admin_tokens(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AdminToken>, StoreError> {
        self.scan(after.map(str::as_bytes), limit)
    }
}

impl Tx<'_> {
    /// Stores a new admin token and its hash index entry together.
    pub fn put_admin_token<E: From<StoreError>>(&self, t: &AdminToken) -> Result<(), TxError<E>> {
        self.put(t)?;
        self.index_put(TreeId::AdminTokenHashes, &t.token_hash, t.id.as_bytes())
    }

    /// Removes a token and its index entry; returns it if it existed.
    pub fn remove_admin_token<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<AdminToken>, TxError<E>> {
        let Some(t) = self.get::<AdminToken, E>(id.as_bytes())? else {
            return Ok(None);
        };
        self.remove_raw(TreeId::AdminTokens, id.as_bytes())?;
        self.remove_raw(TreeId::AdminTokenHashes, &t.token_hash)?;
        Ok(Some(t))
    }
}
