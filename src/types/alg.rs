//! The JWS algorithms latchkey signs and verifies with.

use serde::{Deserialize, Serialize};

/// A JWS `alg` latchkey supports (RFC 7518 §3.3, §3.4; RFC 8037 for EdDSA).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys: the OIDC default for ID tokens.
    RS256,
    /// ECDSA P-256 with SHA-256: the default for access tokens.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl Alg {
    /// Every supported algorithm, in the order keys are created and listed.
    pub const ALL: [Alg; 3] = [Alg::RS256, Alg::ES256, Alg::EdDSA];

    /// The `alg` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
        }
    }

    /// Parses an `alg` header value; anything unsupported (`none` included) is `None`.
    pub fn parse(s: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.as_str() == s)
    }
}
