//! Revoked access-token ids: a denylist kept until the token would have expired anyway.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, tenant_key};
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
