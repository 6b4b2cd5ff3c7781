//! SHA-256 digests of high-entropy secrets: what the store keeps instead of the secret.

use ring::digest::{SHA256, digest};

/// The SHA-256 digest of a secret, as stored and as index key.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest(&SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_fips_180_example() {
        let h = sha256(b"abc");
        assert_eq!(h[0..4], [0xba, 0x78, 0x16, 0xbf]);
        assert_eq!(h[28..32], [0xf2, 0x00, 0x15, 0xad]);
    }
}
