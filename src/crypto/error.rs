//! Errors from key handling and sealing; never carries key material.

use crate::types::ErrorKind;

/// A failure in sealing, unsealing or key handling.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The system random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A sealed value did not open with the master key (wrong key or tampered data).
    #[error("a sealed value could not be opened: wrong master key or damaged data")]
    Unseal,
    /// The master key file is not usable.
    #[error("the master key {0}")]
    MasterKey(&'static str),
    /// The stored keys do not form a usable set.
    #[error("signing keys: {0}")]
    KeySet(&'static str),
    /// A self-signed certificate could not be generated.
    #[error("self-signed certificate: {0}")]
    Certificate(String),
    /// Password hashing failed.
    #[error("password hashing failed")]
    Password,
    /// A JOSE operation failed.
    #[error(transparent)]
    Jose(#[from] super::jose::JoseError),
}

impl CryptoError {
    /// How this failure is reported: always our own fault.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
