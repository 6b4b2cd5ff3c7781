//! Errors of the OpenID Provider endpoints.

use crate::store::StoreError;
use crate::types::ErrorKind;

/// A request the provider could not serve.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The path names no tenant.
    #[error("no tenant named `{0}`")]
    UnknownTenant(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Our own fault, described for the log.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl OAuthError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OAuthError::UnknownTenant(_) => ErrorKind::NotFound,
            OAuthError::Store(e) => e.kind(),
            OAuthError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            OAuthError::UnknownTenant(_) => self.to_string(),
            OAuthError::Store(_) | OAuthError::Internal(_) => "internal error".into(),
        }
    }
}
