//! `brightrun cluster prepare-local`: installs the local cluster's Python environment from the trainer that
//! came with BrightRun (never from the current directory), showing each step and the size written. On a
//! terminal it is a progress bar; otherwise one line per step and per few hundred MB. Ctrl-C cancels: the
//! installer stops and nothing is left half-installed.

use std::io::IsTerminal as _;
use std::sync::Mutex;

use brightrun_core::cluster::local::prepare::{human_bytes, PrepareProgress, PrepareStep};
use brightrun_core::cluster::local::{self, TrainerOrigin};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

/// Size steps between two plain (non-terminal) progress lines.
const PLAIN_LINE_EVERY_BYTES: u64 = 500_000_000;

/// The preparation was stopped by Ctrl-C (JSON code `cancelled`).
#[derive(Debug)]
pub struct PrepareCancelled;

impl std::fmt::Display for PrepareCancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "preparation cancelled; nothing was installed (an earlier environment, if any, is unchanged)",
        )
    }
}

impl std::error::Error for PrepareCancelled {}

pub async fn run(ctx: &Context) -> anyhow::Result<Outcome> {
    let dir = ctx.data_dir()?;
    let view = View::new();
    let sink = |p: &PrepareProgress| view.show(p);
    let prepared = tokio::select! {
        result = local::prepare(&dir, &sink) => result,
        _ = tokio::signal::ctrl_c() => {
            // Leaving this branch drops the preparation: its installer is killed and its partial folder removed.
            view.finish();
            return Err(PrepareCancelled.into());
        }
    };
    view.finish();
    let prepared = prepared?;
    let origin = match prepared.trainer.origin {
        TrainerOrigin::Configured => "configured",
        TrainerOrigin::Bundled => "bundled",
        TrainerOrigin::Checkout => "checkout",
    };
    if ctx.json {
        print_json(&json!({
            "python": prepared.python,
            "env_dir": prepared.env_dir,
            "trainer": prepared.trainer.dir,
            "trainer_origin": origin,
            "already_prepared": prepared.already_prepared,
            "bytes": prepared.bytes,
        }))?;
    } else {
        let verb = if prepared.already_prepared {
            "Already prepared"
        } else {
            "Ready"
        };
        println!(
            "{verb}: {} ({})",
            prepared.python.display(),
            human_bytes(prepared.bytes)
        );
        println!("Trainer: {} ({origin})", prepared.trainer.dir.display());
        println!(
            "The local cluster uses it from its next start (`brightrun cluster local --stop`, then `brightrun cluster local`)."
        );
    }
    Ok(Outcome::Success)
}

/// How progress is shown: a bar on a terminal, plain lines elsewhere.
struct View {
    bar: Option<ProgressBar>,
    last: Mutex<(Option<PrepareStep>, u64)>,
}

impl View {
    fn new() -> View {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            // The template is a literal checked by the tests; a bad one would only lose the bar's look.
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} {msg}\n      [{bar:40}] {bytes}/{total_bytes} {elapsed}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        View {
            bar,
            last: Mutex::new((None, 0)),
        }
    }

    fn show(&self, p: &PrepareProgress) {
        let prefix = format!("[{}/{}]", p.step_number, p.steps);
        if let Some(bar) = &self.bar {
            bar.set_prefix(format!("{prefix} {}", p.step.title()));
            if p.message != p.step.title() {
                bar.set_message(format!("· {}", p.message));
            } else {
                bar.set_message("");
            }
            if let (Some(done), Some(expected)) = (p.bytes_done, p.bytes_expected) {
                bar.set_length(expected.max(done));
                bar.set_position(done);
            }
            return;
        }
        let Ok(mut last) = self.last.lock() else { return };
        if last.0 != Some(p.step) {
            eprintln!("{prefix} {}", p.step.title());
            *last = (Some(p.step), 0);
        }
        match (p.bytes_done, p.bytes_expected) {
            (Some(done), expected)
                if done >= last.1 + PLAIN_LINE_EVERY_BYTES || (p.step == PrepareStep::Finish && done > 0) =>
            {
                let of = expected
                    .map(|e| format!(" of about {}", human_bytes(e)))
                    .unwrap_or_default();
                eprintln!("      {} written{of}", human_bytes(done));
                last.1 = done;
            }
            (Some(_), _) => {}
            (None, _) if p.message != p.step.title() => eprintln!("      {}", p.message),
            _ => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_template_parses() {
        assert!(ProgressStyle::with_template(
            "{prefix} {msg}\n      [{bar:40}] {bytes}/{total_bytes} {elapsed}"
        )
        .is_ok());
    }
}
