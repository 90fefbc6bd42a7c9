//! A progress bar on stderr for long validations and conversions, only where a person watches.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this finish before a bar would be readable.
const MIN_BYTES_FOR_A_BAR: u64 = 4 * 1024 * 1024;

/// A bar for reading `file` when stderr is a terminal and the file is large; hidden otherwise.
pub fn for_file(file: &Path, message: &'static str) -> ProgressBar {
    let large = std::fs::metadata(file)
        .map(|m| m.len() >= MIN_BYTES_FOR_A_BAR)
        .unwrap_or(false);
    if !(large && std::io::stderr().is_terminal()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    // The template is a literal checked by the tests; a bad one would only lose the bar's look.
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// The callback the core's long operations take: `(done, total)` in bytes.
pub fn callback(bar: &ProgressBar) -> impl Fn(u64, u64) + Sync + '_ {
    move |done, total| {
        if bar.length() != Some(total) {
            bar.set_length(total);
        }
        bar.set_position(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_template_parses() {
        assert!(ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})").is_ok());
    }

    #[test]
    fn small_files_get_no_bar() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("small.jsonl");
        std::fs::write(&file, "{}\n").unwrap();
        assert!(for_file(&file, "Validating").is_hidden());
    }
}
