//! Why a command failed: the one error of the composition root, printed by `main` as one
//! sentence with an exit code.

use crate::admin::AdminError;
use crate::config::ConfigError;
use crate::crypto;
use crate::datadir::DataDirError;
use crate::http::tls::TlsError;
use crate::store::StoreError;

/// Why a command failed; printed as one sentence by `main`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration is not usable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data dir is not usable.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The store could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Initialisation failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The TLS certificate or key is not usable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The self-signed certificate could not be made.
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
    /// The listener could not be set up.
    #[error("listen {addr}: {source}")]
    Listen {
        /// The address from the configuration.
        addr: std::net::SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The async runtime, a signal handler or a standard stream failed.
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
    /// A backup could not be written or restored.
    #[error(transparent)]
    Backup(#[from] crate::store::backup::BackupError),
    /// The command cannot be done as asked.
    #[error("{0}")]
    Usage(String),
    /// The store failed to write while serving; the disk takes writes again, and a
    /// restart opens the store afresh.
    #[error(
        "stopped after the store failed to write; the disk takes writes again, so a restart recovers"
    )]
    StorageFault,
}

impl AppError {
    /// The process exit code: 2 for configuration mistakes, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Config(_) | AppError::Tls(_) => 2,
            _ => 1,
        }
    }
}
