//! Errors of the store layer.

use crate::types::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the store failed to reach the disk (full, I/O error, corruption). sled
/// keeps a failed write in memory and refuses every later write until it is opened
/// again, so from then on the process answers 503 and waits to be restarted. One per
/// process: the process has one store.
static FAULT: AtomicBool = AtomicBool::new(false);

/// Whether the store has failed to write since the process started.
pub fn storage_fault() -> bool {
    FAULT.load(Ordering::SeqCst)
}

/// A failure reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled failed (I/O, corruption, or the database file is locked).
    #[error("store: {0}")]
    Sled(sled::Error),
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

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        if is_storage(&e) {
            note_fault(&e);
        }
        StoreError::Sled(e)
    }
}

/// Sets [`FAULT`], logging the first cause.
fn note_fault(cause: &dyn std::fmt::Display) {
    if !FAULT.swap(true, Ordering::SeqCst) {
        tracing::error!(
            "the store failed to write ({cause}): answering 503 until the disk takes writes again, then exiting for a restart"
        );
    }
}

/// Whether sled's error means the disk did not take or give back what it should.
fn is_storage(e: &sled::Error) -> bool {
    matches!(
        e,
        sled::Error::Io(_) | sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)
    )
}

impl StoreError {
    /// Syncing the data file failed: a storage fault (see [`storage_fault`]).
    pub fn sync_failed(e: std::io::Error) -> Self {
        note_fault(&e);
        StoreError::Sync(e)
    }

    /// What a client may be told of this failure.
    pub fn public_message(&self) -> &'static str {
        match self.kind() {
            ErrorKind::StorageUnavailable => "the store cannot write at the moment; retry later",
            _ => "internal error",
        }
    }

    /// How this failure is reported: the disk refusing a write is 503 (retry later,
    /// elsewhere); anything else is our own fault.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Sled(e) if is_storage(e) => ErrorKind::StorageUnavailable,
            StoreError::Sync(_) => ErrorKind::StorageUnavailable,
            _ => ErrorKind::Internal,
        }
    }
}
