//! Errors of management operations.

use crate::crypto::CryptoError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// A management operation that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Key handling failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The named record does not exist.
    #[error("{0}")]
    NotFound(String),
}

impl AdminError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AdminError::Store(e) => e.kind(),
            AdminError::Crypto(e) => e.kind(),
            AdminError::NotFound(_) => ErrorKind::NotFound,
        }
    }

    /// What the caller may be told; internal failures say nothing specific.
    pub fn public_message(&self) -> String {
        match self {
            AdminError::NotFound(m) => m.clone(),
            AdminError::Store(_) | AdminError::Crypto(_) => "internal error".into(),
        }
    }
}
