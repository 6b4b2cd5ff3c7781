//! Errors of the store layer.

use crate::types::ErrorKind;

/// A failure reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled failed (I/O, corruption, or the database file is locked).
    #[error("store: {0}")]
    Sled(#[from] sled::Error),
    /// Syncing the data file to disk failed.
    #[error("store sync: {0}")]
    Sync(std::io::Error),
    /// The store's files could not be made private to this user.
    #[error("making {path} private: {source}")]
    Private {
        /// The file or directory at fault.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A record could not be encoded or decoded.
    #[error("store record: {0}")]
    Codec(String),
    /// The store was written by a newer latchkey.
    #[error(
        "the store has schema version {found}, newer than this latchkey understands ({supported}); run a newer latchkey"
    )]
    TooNew {
        /// Version found on disk.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
}

impl StoreError {
    /// How this failure is reported: always our own fault.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
