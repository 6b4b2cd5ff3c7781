//! The `latchkey` binary: parse the command line, run the command, and turn an error
//! into one sentence on stderr and a non-zero exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = latchkey::cli::Cli::parse();
    match latchkey::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("latchkey: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
