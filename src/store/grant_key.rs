//! The key layout shared by authorization codes and refresh tokens: expiry second, then
//! hash.

use crate::clock::UnixTime;

/// Where a code or a refresh token is stored: the second it expires (big-endian), then
/// its SHA-256. Grants issued together sit together near the end of their tree, so
/// sled's cache holds the few leaves being written and redeemed (keyed by hash alone,
/// every new grant landed on a random leaf, and code flows slowed by a third once the
/// trees outgrew the cache), and the expired ones are the front of the tree, which the
/// sweep removes without reading the rest. Grants stored before keys carried the
/// second are keyed by their hash alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantKey {
    /// The second it expires.
    pub expiry: Option<UnixTime>,
    /// SHA-256 of the token.
    pub hash: [u8; 32],
}

impl GrantKey {
    /// The key bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self.expiry {
            Some(t) => [&t.to_be_bytes()[..], &self.hash].concat(),
            None => self.hash.to_vec(),
        }
    }
}
