//! The appliance's key set: one active signing key per algorithm, retired keys kept for
//! verification, and the JWKS document pre-serialised once per change.

use super::CryptoError;
use super::jose::{JoseError, JwkSet, SigningKey, Unverified, VerifyingKey};
use crate::types::Alg;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tokens remembered as verified; past this the memory starts afresh.
const REMEMBERED: usize = 4096;

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
    /// SHA-256 of a whole compact token that verified against this set → its payload.
    /// Resource servers present the same access token again and again; an ECDSA
    /// verification costs about forty times the digest. A new set (a rotation) starts
    /// empty, so nothing outlives the keys that verified it.
    verified: Mutex<HashMap<[u8; 32], Vec<u8>>>,
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
            verified: Mutex::default(),
        })
    }

    /// The active key for `alg`.
    pub fn signer(&self, alg: Alg) -> Option<&SigningKey> {
        self.signers.get(&alg).map(|k| k.as_ref())
    }

    /// Verifies the compact JWS `token` with the published key its header names, and
    /// returns the payload; a token verified before by this set is not verified again.
    pub fn verify(&self, token: &str) -> Result<Vec<u8>, JoseError> {
        let digest = super::hash::sha256(token.as_bytes());
        let remembered = || self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(payload) = remembered().get(&digest) {
            return Ok(payload.clone());
        }
        let unverified = Unverified::parse(token)?;
        let key = unverified
            .header
            .kid
            .as_deref()
            .and_then(|kid| self.verifiers.get(kid))
            .ok_or(JoseError::UnknownKey)?;
        let payload = unverified.verify(key)?;
        let mut memory = remembered();
        if memory.len() >= REMEMBERED {
            memory.clear();
        }
        memory.insert(digest, payload.clone());
        Ok(payload)
    }

    /// The JWKS document (RFC 7517 §5), serialised once.
    pub fn jwks_json(&self) -> &[u8] {
        &self.jwks_json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> (KeySet, String) {
        let keys: Vec<LoadedKey> = Alg::ALL
            .into_iter()
            .map(|alg| LoadedKey {
                key: SigningKey::generate(alg).unwrap().0,
                active: true,
            })
            .collect();
        let set = KeySet::new(keys).unwrap();
        let token = set
            .signer(Alg::ES256)
            .unwrap()
            .sign_compact(Some("at+jwt"), b"{\"sub\":\"a\"}")
            .unwrap();
        (set, token)
    }

    #[test]
    fn a_remembered_token_verifies_again_and_nothing_else_rides_on_it() {
        let (set, token) = set();
        let verify = |t: &str| set.verify(t);
        assert_eq!(verify(&token).unwrap(), b"{\"sub\":\"a\"}");
        assert_eq!(verify(&token).unwrap(), b"{\"sub\":\"a\"}", "from memory");
        let (head, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let forged = format!("{head}.{flipped}{}", &signature[1..]);
        assert!(
            verify(&forged).is_err(),
            "a changed signature is checked afresh"
        );
        let (other, foreign) = self::set();
        drop(other);
        assert!(
            matches!(verify(&foreign), Err(JoseError::UnknownKey)),
            "another set's key is unknown here"
        );
    }
}
