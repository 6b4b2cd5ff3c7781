//! The appliance's key set: one active signing key per algorithm, retired keys kept for
//! verification, and the JWKS document pre-serialised once per change.

use super::CryptoError;
use super::jose::{JwkSet, SigningKey, VerifyingKey};
use crate::types::Alg;
use std::collections::HashMap;
use std::sync::Arc;

/// A signing key with its place in the rotation.
pub struct LoadedKey {
    /// The parsed key.
    pub key: SigningKey,
    /// True if it signs new tokens; false if it only verifies.
    pub active: bool,
}

/// Keys in memory, parsed once; swapped whole on rotation.
pub struct KeySet {
    signers: HashMap<Alg, Arc<SigningKey>>,
    verifiers: HashMap<String, VerifyingKey>,
    jwks_json: Vec<u8>,
}

impl KeySet {
    /// Builds the set from keys oldest first; every algorithm needs an active key, and
    /// when two are active (concurrent rotations) the newest signs, the other only verifies.
    pub fn new(keys: Vec<LoadedKey>) -> Result<KeySet, CryptoError> {
        let mut signers = HashMap::new();
        let mut verifiers = HashMap::new();
        let mut jwks = JwkSet { keys: Vec::new() };
        for LoadedKey { key, active } in keys {
            jwks.keys.push(key.public_jwk().clone());
            verifiers.insert(key.kid().to_owned(), key.verifying_key());
            if active {
                signers.insert(key.alg(), Arc::new(key));
            }
        }
        if let Some(alg) = Alg::ALL.into_iter().find(|a| !signers.contains_key(a)) {
            return Err(CryptoError::KeySet(match alg {
                Alg::RS256 => "no active RS256 key",
                Alg::ES256 => "no active ES256 key",
                Alg::EdDSA => "no active EdDSA key",
            }));
        }
        let jwks_json = serde_json::to_vec(&jwks)
            .map_err(|_| CryptoError::KeySet("the JWKS could not be serialised"))?;
        Ok(KeySet {
            signers,
            verifiers,
            jwks_json,
        })
    }

    /// The active key for `alg`.
    pub fn signer(&self, alg: Alg) -> Option<&SigningKey> {
        self.signers.get(&alg).map(|k| k.as_ref())
    }

    /// The published key with this `kid`, active or retired.
    pub fn verifier(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifiers.get(kid)
    }

    /// The JWKS document (RFC 7517 §5), serialised once.
    pub fn jwks_json(&self) -> &[u8] {
        &self.jwks_json
    }
}
