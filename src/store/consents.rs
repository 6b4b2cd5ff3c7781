//! Consents: the scopes a user agreed to give a client that asks for consent.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, account_key, tenant_key};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

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
