//! Recovery codes: ten single-use codes of 50 random bits each, shown once and kept
//! only as SHA-256 (enough for values this random, and cheap to check).

use crate::crypto::{CryptoError, hash, random};

/// How many codes a set holds.
pub const COUNT: usize = 10;

/// A new set: the codes to show once, and the hashes to store.
pub fn generate() -> Result<(Vec<String>, Vec<[u8; 32]>), CryptoError> {
    let mut codes = Vec::with_capacity(COUNT);
    let mut hashes = Vec::with_capacity(COUNT);
    for _ in 0..COUNT {
        let raw = random::bytes::<7>()?;
        let letters: String = crate::auth::totp::base32(&raw)
            .to_lowercase()
            .chars()
            .take(10)
            .collect();
        hashes.push(digest(&letters));
        codes.push(format!("{}-{}", &letters[..5], &letters[5..]));
    }
    Ok((codes, hashes))
}

/// The stored hash of a code as typed: case, spaces and dashes do not matter.
pub fn digest(typed: &str) -> [u8; 32] {
    let normal: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    hash::sha256(normal.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_ten_distinct_codes_whose_hashes_match_as_typed() {
        let (codes, hashes) = generate().unwrap();
        assert_eq!(codes.len(), COUNT);
        for (code, h) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 11);
            assert_eq!(&digest(code), h);
            assert_eq!(&digest(&code.to_uppercase().replace('-', " ")), h);
        }
        let mut unique = hashes.clone();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        assert_ne!(digest("aaaaa-aaaaa"), digest("aaaaa-aaaab"));
    }
}
