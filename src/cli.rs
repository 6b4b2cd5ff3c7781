//! Commands and flags of the `latchkey` binary.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub mod man;

/// What `latchkey --version` says: the version, the commit and the build date.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BUILD_GIT_COMMIT"),
    ", built ",
    env!("BUILD_DATE_UTC"),
    ")"
);

/// latchkey: a single-binary single-sign-on appliance.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version = VERSION, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTPS; an empty data dir is initialised first.
    Serve(ConfigArgs),
    /// Initialise the data dir (server stopped) and print a new admin API token.
    Init(ConfigArgs),
    /// Validate the configuration without serving.
    CheckConfig(ConfigArgs),
    /// Write a consistent snapshot of the store (with its sealing key) to stdout (server stopped).
    Backup {
        /// The data dir to back up.
        #[command(flatten)]
        args: ConfigArgs,
        /// Also carry the self-signed TLS files (`tls/ca.pem`, `cert.pem`, `key.pem`), so
        /// that clients trusting the local CA keep trusting a restored appliance.
        #[arg(long)]
        include_tls: bool,
    },
    /// Load a snapshot into an empty data dir.
    Restore {
        /// Where to restore.
        #[command(flatten)]
        args: ConfigArgs,
        /// The file `latchkey backup` wrote.
        file: PathBuf,
    },
    /// Read a backup file whole and say what it holds, without restoring it.
    VerifyBackup {
        /// The file `latchkey backup` (or `POST /v2/admin/backup`) wrote.
        file: PathBuf,
    },
    /// The self-signed TLS files in the data dir.
    Tls {
        /// What to do.
        #[command(subcommand)]
        command: TlsCommand,
    },
    /// Print the latchkey(8) manual page (roff), for packaging.
    #[command(hide = true)]
    Man,
    /// Offline administration (server stopped).
    Admin {
        /// The data dir to work on.
        #[command(flatten)]
        args: ConfigArgs,
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// Commands on the self-signed TLS files.
#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Make a new local CA and server certificate (server stopped); clients must then
    /// trust the new `tls/ca.pem` (or `tls/cert.pem`) again.
    Regenerate(ConfigArgs),
}

/// Offline administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin API token and print it on stdout.
    CreateToken {
        /// A label to recognise it by.
        #[arg(long, default_value = "created by latchkey admin")]
        label: String,
        /// `appliance` manages everything; `metrics` may read /metrics only (for Prometheus).
        #[arg(long, default_value = "appliance", value_parser = ["appliance", "metrics"])]
        role: String,
    },
    /// Set an account's password, read from the first line of stdin.
    SetPassword {
        /// The account's username.
        username: String,
    },
    /// Create an account (password, if any, from the first line of stdin) and print its id.
    CreateAccount {
        /// The username.
        username: String,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Let it sign in to the admin UI.
        #[arg(long)]
        admin: bool,
        /// Read a password from stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create accounts from a JSON Lines file (`-` for stdin), one object per line:
    /// `{"username", "email"?, "name"?, "password_hash"?}` with an argon2id PHC hash.
    ImportAccounts {
        /// The file to read.
        file: PathBuf,
    },
}

/// Flags that override the config file and the environment. They are global, so they
/// may also follow a nested subcommand (`latchkey admin create-token --data-dir DIR`).
#[derive(Debug, Default, Args)]
pub struct ConfigArgs {
    /// Config file (TOML); without it (or LATCHKEY_CONFIG) no file is read.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory.
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", global = true)]
    pub listen: Option<String>,
    /// Public base URL; issuers are {public_url}/t/{tenant}.
    #[arg(long, value_name = "URL", global = true)]
    pub public_url: Option<String>,
    /// TLS mode: self-signed, files or off.
    #[arg(long, value_name = "MODE", global = true)]
    pub tls_mode: Option<String>,
}
