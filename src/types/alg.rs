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

/// A JWS `alg` latchkey verifies (RFC 7518 §3.3–3.5, RFC 8037, RFC 9864): what it signs
/// with, and PS256, which clients and upstream IdPs may use. `none` and HMAC never.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    PS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// Ed25519, named `EdDSA` (RFC 8037) or `Ed25519` (RFC 9864).
    EdDSA,
}

impl JwsAlg {
    /// Every algorithm verified, in the order discovery lists them.
    pub const ALL: [JwsAlg; 4] = [JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA];

    /// Parses an `alg` header value; anything else (`none`, `HS256`, …) is `None`.
    pub fn parse(s: &str) -> Option<JwsAlg> {
        match s {
            "RS256" => Some(JwsAlg::RS256),
            "PS256" => Some(JwsAlg::PS256),
            "ES256" => Some(JwsAlg::ES256),
            "EdDSA" | "Ed25519" => Some(JwsAlg::EdDSA),
            _ => None,
        }
    }

    /// The name latchkey uses for it.
    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlg::RS256 => "RS256",
            JwsAlg::PS256 => "PS256",
            JwsAlg::ES256 => "ES256",
            JwsAlg::EdDSA => "EdDSA",
        }
    }
}

impl From<Alg> for JwsAlg {
    fn from(alg: Alg) -> JwsAlg {
        match alg {
            Alg::RS256 => JwsAlg::RS256,
            Alg::ES256 => JwsAlg::ES256,
            Alg::EdDSA => JwsAlg::EdDSA,
        }
    }
}
