//! `brightrun`: everything the desktop app does, headless and scriptable. See docs/cli.md.
//!
//! Exit codes: 0 success, 1 a negative answer (an invalid dataset), 2 a usage or I/O error.

mod args;
mod commands;
mod error;
mod output;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    match commands::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            output::print_error(json, &err);
            ExitCode::from(error::USAGE_OR_IO)
        }
    }
}
