//! Sealing at rest: AES-256-GCM under the data dir's master key, bound to a purpose label.

use super::{CryptoError, random};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

/// Length of the master key file's content.
pub const MASTER_KEY_LEN: usize = 32;

/// The data dir's master key; seals signing keys and secrets latchkey must replay.
pub struct MasterKey {
    key: LessSafeKey,
    raw: [u8; MASTER_KEY_LEN],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// Builds the key from the master key file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != MASTER_KEY_LEN {
            return Err(CryptoError::MasterKey("file has the wrong length"));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CryptoError::MasterKey("is not a valid AES-256 key"))?;
        let mut raw = [0u8; MASTER_KEY_LEN];
        raw.copy_from_slice(bytes);
        Ok(MasterKey {
            key: LessSafeKey::new(unbound),
            raw,
        })
    }

    /// The key's bytes, for a backup only: a backup carries the master key, so it is as
    /// secret as the data dir (SPEC "Durability and security promises").
    pub fn bytes_for_backup(&self) -> Vec<u8> {
        self.raw.to_vec()
    }

    /// Encrypts `plaintext`; `purpose` must be given again to open it, so a sealed
    /// value cannot be moved to another field.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = random::bytes::<NONCE_LEN>()?;
        let mut out = nonce_bytes.to_vec();
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(purpose.as_bytes()),
                &mut body,
            )
            .map_err(|_| CryptoError::Random)?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts what [`MasterKey::seal`] produced for the same purpose.
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Unseal);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Unseal)?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut body)
            .map_err(|_| CryptoError::Unseal)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_bytes(&[7u8; MASTER_KEY_LEN]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() -> Result<(), CryptoError> {
        let k = key();
        let sealed = k.seal("purpose", b"top secret")?;
        assert!(!sealed.windows(10).any(|w| w == b"top secret"));
        assert_eq!(k.open("purpose", &sealed)?, b"top secret");
        Ok(())
    }

    #[test]
    fn refuses_other_purpose_tampering_and_other_key() -> Result<(), CryptoError> {
        let k = key();
        let mut sealed = k.seal("a", b"value")?;
        assert!(k.open("b", &sealed).is_err());
        let other = MasterKey::from_bytes(&[8u8; MASTER_KEY_LEN])?;
        assert!(other.open("a", &sealed).is_err());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(k.open("a", &sealed).is_err());
        assert!(k.open("a", &[1, 2, 3]).is_err());
        Ok(())
    }

    #[test]
    fn wrong_length_master_key_is_refused() {
        assert!(MasterKey::from_bytes(&[0u8; 16]).is_err());
    }
}
