//! Errors of the account pages: the store or key handling failed. What a user did
//! wrong is a page of its own, not an error.

use crate::crypto::CryptoError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// An account page that could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Key handling or hashing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl AccountError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccountError::Store(e) => e.kind(),
            AccountError::Crypto(e) => e.kind(),
        }
    }

    /// What the user may be told.
    pub fn public_message(&self) -> String {
        match self {
            AccountError::Store(e) => e.public_message().into(),
            AccountError::Crypto(_) => "internal error".into(),
        }
    }
}
