//! Codes and refresh tokens as handed out: the second they expire, then 256 random bits,
//! in base64url. The store keeps each under that second and its SHA-256 ([`GrantKey`]),
//! so grants are stored in expiry order.

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, hash, random};
use crate::store::grants::GrantKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes behind a token: the expiry second (8, big-endian) and 32 random ones.
const RAW_LEN: usize = 40;
/// Characters of a token: unpadded base64url of [`RAW_LEN`] bytes.
const TOKEN_LEN: usize = 54;

/// A new code or refresh token that expires at `expires_at`, with its store key.
pub fn issue(expires_at: UnixTime) -> Result<(String, GrantKey), CryptoError> {
    let mut raw = [0u8; RAW_LEN];
    raw[..8].copy_from_slice(&expires_at.to_be_bytes());
    raw[8..].copy_from_slice(&random::bytes::<32>()?);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let key = GrantKey {
        expiry: Some(expires_at),
        hash: hash::sha256(token.as_bytes()),
    };
    Ok((token, key))
}

/// The key a presented code or refresh token is stored under. A token without an expiry
/// second (handed out before tokens carried one) is stored under its hash alone; any
/// other string is looked up the same way and found nowhere.
pub fn key_of(token: &str) -> GrantKey {
    let expiry = (token.len() == TOKEN_LEN)
        .then(|| URL_SAFE_NO_PAD.decode(token).ok())
        .flatten()
        .and_then(|raw| raw.get(..8)?.try_into().ok())
        .map(u64::from_be_bytes);
    GrantKey {
        expiry,
        hash: hash::sha256(token.as_bytes()),
    }
}

/// A new refresh family id: the second the family expires in hex, so ids sort by expiry
/// like the tokens' keys, then 128 random bits.
pub fn family_id(expires_at: UnixTime) -> Result<String, CryptoError> {
    let random: String = random::bytes::<16>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("{expires_at:016x}{random}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_finds_the_key_it_was_issued_with_and_sorts_by_expiry() {
        let (early, early_key) = issue(1_700_000_000).unwrap();
        let (late, late_key) = issue(1_700_000_001).unwrap();
        assert_eq!(early.len(), TOKEN_LEN);
        assert_eq!(key_of(&early), early_key);
        assert_eq!(key_of(&late), late_key);
        assert!(
            early_key.bytes() < late_key.bytes(),
            "stored in expiry order"
        );
        assert_ne!(
            issue(1_700_000_000).unwrap().0,
            early,
            "random after the second"
        );
    }

    #[test]
    fn tokens_without_an_expiry_second_are_keyed_by_their_hash_alone() {
        let legacy = random::secret_token().unwrap();
        let key = key_of(&legacy);
        assert_eq!(key.expiry, None);
        assert_eq!(key.bytes(), hash::sha256(legacy.as_bytes()).to_vec());
        for odd in [
            "",
            "not base64!",
            &"A".repeat(TOKEN_LEN - 1),
            &"é".repeat(27),
        ] {
            assert_eq!(key_of(odd).expiry, None, "{odd}");
        }
    }

    #[test]
    fn family_ids_sort_by_expiry() {
        let (a, b) = (family_id(5).unwrap(), family_id(6).unwrap());
        assert!(a < b);
        assert_eq!(a.len(), 48);
        assert_ne!(family_id(5).unwrap(), a);
    }
}
