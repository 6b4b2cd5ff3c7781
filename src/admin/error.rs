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
    /// A field failed validation.
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The named record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness rule would be broken.
    #[error("{0}")]
    Conflict(String),
    /// The caller's role does not allow the call.
    #[error("{0}")]
    Forbidden(String),
    /// A backup could not be written.
    #[error("backup: {0}")]
    Backup(String),
}

impl AdminError {
    /// A validation failure naming `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AdminError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AdminError::Store(e) => e.kind(),
            AdminError::Crypto(e) => e.kind(),
            AdminError::Invalid { .. } => ErrorKind::BadRequest,
            AdminError::NotFound(_) => ErrorKind::NotFound,
            AdminError::Conflict(_) => ErrorKind::Conflict,
            AdminError::Forbidden(_) => ErrorKind::Forbidden,
            AdminError::Backup(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told; internal failures say nothing specific.
    pub fn public_message(&self) -> String {
        match self {
            AdminError::Invalid { .. }
            | AdminError::NotFound(_)
            | AdminError::Conflict(_)
            | AdminError::Forbidden(_) => self.to_string(),
            AdminError::Store(e) => e.public_message().into(),
            AdminError::Crypto(_) | AdminError::Backup(_) => "internal error".into(),
        }
    }
}
