//! Signing keys: created at initialisation, sealed at rest, loaded once into a [`KeySet`].

use super::AdminError;
use crate::clock::UnixTime;
use crate::crypto::jose::SigningKey;
use crate::crypto::keys::{KeySet, LoadedKey};
use crate::crypto::seal::MasterKey;
use crate::store::signing_keys::{KeyState, SigningKeyRecord};
use crate::store::{Store, StoreError};
use crate::types::Alg;

/// Seal purpose label for private signing keys.
const SEAL_PURPOSE: &str = "signing-key";

/// Creates one active key per algorithm when the store has none.
pub fn ensure_signing_keys(
    store: &Store,
    master: &MasterKey,
    now: UnixTime,
) -> Result<(), AdminError> {
    if !store.signing_keys()?.is_empty() {
        return Ok(());
    }
    let records = Alg::ALL
        .into_iter()
        .map(|alg| new_record(alg, master, now))
        .collect::<Result<Vec<_>, _>>()?;
    store.transaction(|tx| {
        for r in &records {
            tx.put_signing_key::<StoreError>(r)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn new_record(alg: Alg, master: &MasterKey, now: UnixTime) -> Result<SigningKeyRecord, AdminError> {
    let (key, pkcs8) = SigningKey::generate(alg).map_err(crate::crypto::CryptoError::from)?;
    Ok(SigningKeyRecord {
        kid: key.kid().to_owned(),
        alg,
        state: KeyState::Active,
        created_at: now,
        retired_at: None,
        sealed_pkcs8: master.seal(SEAL_PURPOSE, &pkcs8)?,
    })
}

/// Unseals and parses every stored key into the in-memory set.
pub fn load_key_set(store: &Store, master: &MasterKey) -> Result<KeySet, AdminError> {
    let keys = store
        .signing_keys()?
        .into_iter()
        .map(|r| {
            let pkcs8 = master.open(SEAL_PURPOSE, &r.sealed_pkcs8)?;
            let key =
                SigningKey::from_pkcs8(r.alg, &pkcs8).map_err(crate::crypto::CryptoError::from)?;
            Ok(LoadedKey {
                key,
                active: r.state == KeyState::Active,
            })
        })
        .collect::<Result<Vec<_>, AdminError>>()?;
    Ok(KeySet::new(keys)?)
}
