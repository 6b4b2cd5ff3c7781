//! Signing key records: the private half sealed with the master key, keyed by `kid`.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::Alg;
use serde::{Deserialize, Serialize};

/// Where a key is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Signs new tokens (one per algorithm).
    Active,
    /// Only verifies: stays published until the tokens it signed have expired.
    Retired,
}

/// A stored signing key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    /// RFC 7638 thumbprint of the public key.
    pub kid: String,
    /// The key's algorithm.
    pub alg: Alg,
    /// Active or retired.
    pub state: KeyState,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it stopped signing, if it has.
    pub retired_at: Option<UnixTime>,
    /// PKCS#8 DER of the private key, sealed with the master key for purpose `signing-key`.
    pub sealed_pkcs8: Vec<u8>,
}

impl Record for SigningKeyRecord {
    const TREE: TreeId = TreeId::SigningKeys;
    fn key(&self) -> Vec<u8> {
        self.kid.as_bytes().to_vec()
    }
}

impl Store {
    /// Every signing key, active and retired.
    pub fn signing_keys(&self) -> Result<Vec<SigningKeyRecord>, StoreError> {
        self.scan(None, usize::MAX)
    }
}

impl Tx<'_> {
    /// Stores a signing key.
    pub fn put_signing_key<E: From<StoreError>>(
        &self,
        k: &SigningKeyRecord,
    ) -> Result<(), TxError<E>> {
        self.put(k)
    }

    /// Removes a signing key (a retired one whose tokens have all expired).
    pub fn remove_signing_key<E: From<StoreError>>(&self, kid: &str) -> Result<(), TxError<E>> {
        self.remove::<SigningKeyRecord, E>(kid.as_bytes())
            .map(|_| ())
    }
}
