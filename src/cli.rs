//! Commands and flags of the `latchkey` binary.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// latchkey: a single-binary single-sign-on appliance.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, about)]
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
}

/// Flags that override the config file and the environment.
#[derive(Debug, Default, Args)]
pub struct ConfigArgs {
    /// Config file (TOML); without it (or LATCHKEY_CONFIG) no file is read.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Public base URL; issuers are {public_url}/t/{tenant}.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// TLS mode: self-signed, files or off.
    #[arg(long, value_name = "MODE")]
    pub tls_mode: Option<String>,
}
