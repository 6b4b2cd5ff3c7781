//! Why minting, checking or rotating a grant failed, in terms no protocol owns: each
//! protocol maps a variant to its own answer (`invalid_grant` at the token endpoint, a
//! rejected token under `/v2/sso`).

use crate::store::StoreError;
use crate::types::ErrorKind;

/// A grant that could not be minted, checked or rotated. No variant holds a token.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// The presented access token is not good here (RFC 6750 `invalid_token`).
    #[error("{0}")]
    InvalidToken(&'static str),
    /// The presented code or refresh token is unknown, spent, expired, revoked, or its
    /// account may no longer get tokens (RFC 6749 `invalid_grant`).
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// More scopes were asked for than the grant holds (RFC 6749 `invalid_scope`).
    #[error("{0}")]
    InvalidScope(&'static str),
    /// The grant is bound to a DPoP key that the request did not prove it holds (RFC
    /// 9449 §5: `invalid_dpop_proof` at the token endpoint).
    #[error("{0}")]
    KeyNotProven(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Our own fault, described for the log.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl GrantError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            GrantError::InvalidToken(_) => ErrorKind::Unauthorized,
            GrantError::InvalidGrant(_)
            | GrantError::InvalidScope(_)
            | GrantError::KeyNotProven(_) => ErrorKind::BadRequest,
            GrantError::Store(e) => e.kind(),
            GrantError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            GrantError::Store(e) => e.public_message().into(),
            GrantError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }
}

impl From<crate::crypto::CryptoError> for GrantError {
    fn from(_: crate::crypto::CryptoError) -> Self {
        GrantError::Internal("signing failed")
    }
}
