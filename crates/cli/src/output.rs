//! One place decides between `--json` and text: JSON goes to stdout as exactly one value; text goes
//! to stdout; errors go to stdout as JSON with `--json`, else to stderr.

use std::io::Write;

use serde::Serialize;
use serde_json::json;

use crate::error::code_of;

/// Prints `value` as pretty JSON on stdout. A reader that stopped reading (`… --json | grep -q x`, `| head`)
/// is not an error of ours: the value was produced, so the command still succeeds instead of panicking in
/// `println!` on the broken pipe.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

/// Prints a command's failure: `{"error": {"code", "message"}}` on stdout with `--json`, else
/// `error: …` with its causes on stderr.
pub fn print_error(json: bool, err: &anyhow::Error) {
    if json {
        let value = json!({ "error": { "code": code_of(err), "message": message_of(err) } });
        println!("{value}");
    } else {
        eprintln!("error: {}", message_of(err));
    }
}

/// The error and its causes joined with ": ", skipping a cause that the message before it already
/// quotes (our error types put their source in their own message).
pub fn message_of(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}
