//! Codes and refresh tokens as handed out, and where the store finds what they stand for.
//! A code is the second it expires, then 256 random bits, in base64url; the store keeps
//! it under that second and its SHA-256 ([`GrantKey`]), so codes are stored in expiry
//! order. A refresh token names its family instead: the family's expiry second, a
//! random locator whose SHA-256 gives the family id, then 256 random bits. The family
//! holds the live token's SHA-256, so a rotation rewrites one record and stores nothing
//! new, and the store does not grow with every refresh.

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, hash, random};
use crate::store::grant_key::GrantKey;
use crate::store::refresh::RefreshFamily;
use crate::store::{Store, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes behind a code: the expiry second (8, big-endian) and 32 random ones.
const RAW_LEN: usize = 40;
/// Characters of a code: unpadded base64url of [`RAW_LEN`] bytes. Refresh tokens had
/// this form too before they named their family.
const TOKEN_LEN: usize = 54;
/// Bytes behind a refresh token: the family's expiry second (8), its locator (16), then
/// 32 random bytes.
const REFRESH_RAW_LEN: usize = 56;
/// Characters of a refresh token: unpadded base64url of [`REFRESH_RAW_LEN`] bytes.
const REFRESH_TOKEN_LEN: usize = 75;

/// A new code that expires at `expires_at`, with its store key.
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

/// The key a presented code, or a refresh token of an older form, is stored under. A
/// token without an expiry second (handed out before tokens carried one) is stored under
/// its hash alone; any other string is looked up the same way and found nowhere.
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

/// The first or next refresh token of a family, before the family names it.
pub struct NewRefreshToken {
    /// The token handed to the client.
    pub token: String,
    /// Its SHA-256: the family's `live` value while it is the live token.
    pub hash: [u8; 32],
}

/// A new refresh family that expires at `expires_at`: its id and its first token.
pub fn new_family(expires_at: UnixTime) -> Result<(String, NewRefreshToken), CryptoError> {
    let locator = random::bytes::<16>()?;
    let first = refresh_token(expires_at, &locator)?;
    Ok((family_id(expires_at, &locator), first))
}

/// The next token of the family `presented` (a token of the current form) belongs to.
pub fn next_refresh_token(presented: &str) -> Result<Option<NewRefreshToken>, CryptoError> {
    match refresh_parts(presented) {
        Some((expires_at, locator)) => refresh_token(expires_at, &locator).map(Some),
        None => Ok(None),
    }
}

fn refresh_token(expires_at: UnixTime, locator: &[u8]) -> Result<NewRefreshToken, CryptoError> {
    let mut raw = [0u8; REFRESH_RAW_LEN];
    raw[..8].copy_from_slice(&expires_at.to_be_bytes());
    raw[8..24].copy_from_slice(locator);
    raw[24..].copy_from_slice(&random::bytes::<32>()?);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let hash = hash::sha256(token.as_bytes());
    Ok(NewRefreshToken { token, hash })
}

/// The family's expiry second and locator in a refresh token of the current form.
fn refresh_parts(token: &str) -> Option<(UnixTime, [u8; 16])> {
    if token.len() != REFRESH_TOKEN_LEN {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    let expires_at = u64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
    Some((expires_at, raw.get(8..24)?.try_into().ok()?))
}

/// A family id: the second the family expires in hex, so ids sort by expiry, then the
/// first 128 bits of its locator's SHA-256. The id is public (the audit log names it);
/// the locator is only in the family's tokens.
fn family_id(expires_at: UnixTime, locator: &[u8]) -> String {
    let digest: String = hash::sha256(locator)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{expires_at:016x}{digest}")
}

/// The family a presented refresh token belongs to, with the token's SHA-256 (the
/// family's `live` value while the token is live). A token of the current form names
/// its family; an older one is found through its own record, kept until it expires.
pub fn find_refresh_family(
    store: &Store,
    token: &str,
) -> Result<Option<(RefreshFamily, [u8; 32])>, StoreError> {
    let hash = hash::sha256(token.as_bytes());
    let family_id = match refresh_parts(token) {
        Some((expires_at, locator)) => family_id(expires_at, &locator),
        None => match store.refresh_token(&key_of(token))? {
            Some(stored) => stored.family_id,
            None => return Ok(None),
        },
    };
    Ok(store.family(&family_id)?.map(|f| (f, hash)))
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
    fn a_family_sorts_by_expiry_and_its_tokens_name_it_without_revealing_the_locator() {
        let (early, first) = new_family(5).unwrap();
        let (late, _) = new_family(6).unwrap();
        assert!(early < late);
        assert_eq!(early.len(), 48);
        assert_eq!(first.token.len(), REFRESH_TOKEN_LEN);
        assert_eq!(first.hash, hash::sha256(first.token.as_bytes()));
        let next = next_refresh_token(&first.token).unwrap().unwrap();
        assert_ne!(next.token, first.token);
        let (expiry, locator) = refresh_parts(&next.token).unwrap();
        assert_eq!(
            refresh_parts(&first.token),
            Some((5, locator)),
            "same family"
        );
        assert_eq!(family_id(expiry, &locator), early);
        assert!(
            !early.contains(&hex(&locator)),
            "the id does not carry the locator"
        );
        for other in [
            "",
            &"A".repeat(TOKEN_LEN),
            &"A".repeat(REFRESH_TOKEN_LEN - 1),
        ] {
            assert!(next_refresh_token(other).unwrap().is_none(), "{other}");
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
