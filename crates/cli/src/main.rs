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
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let json = cli.json;
    match commands::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            output::print_error(json, &err);
            ExitCode::from(error::USAGE_OR_IO)
        }
    }
}

/// A command line clap refused: with `--json` anywhere on it, the contract's one JSON value
/// (`invalid_argument`, exit 2) instead of clap's text; help and version print as usual.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let wants_json = std::env::args_os().skip(1).any(|a| a == "--json");
    if !wants_json || matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        err.exit();
    }
    let message = err.render().to_string();
    let first = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let value = serde_json::json!({ "error": { "code": "invalid_argument", "message": first } });
    println!("{value}");
    ExitCode::from(error::USAGE_OR_IO)
}
