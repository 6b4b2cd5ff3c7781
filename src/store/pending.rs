//! Authorization requests waiting for the user to sign in.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

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

impl Store {
    /// A pending authorization by id.
    pub fn pending(&self, id: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        self.get(id.as_bytes())
    }
}

impl Tx<'_> {
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
}
