//! Recovery links' tokens (SPEC "Account console and recovery"): 256 random bits in the
//! link's query, only their SHA-256 stored, and the lifetimes an admin may choose.

use crate::crypto::{CryptoError, hash, random};
use crate::types::Secret;

/// A link's lifetime when the admin names none: a day.
pub const DEFAULT_TTL_SECS: u64 = 24 * 3600;
/// The shortest lifetime: five minutes.
pub const MIN_TTL_SECS: u64 = 300;
/// The longest lifetime: a week.
pub const MAX_TTL_SECS: u64 = 7 * 24 * 3600;

/// A new token and the hash to store for it.
pub fn new_token() -> Result<(Secret, [u8; 32]), CryptoError> {
    let token = Secret::new(random::secret_token()?);
    let hashed = token_hash(token.expose());
    Ok((token, hashed))
}

/// The stored form of a presented token.
pub fn token_hash(token: &str) -> [u8; 32] {
    hash::sha256(token.as_bytes())
}
