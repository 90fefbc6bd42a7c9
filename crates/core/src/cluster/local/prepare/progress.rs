//! What preparation reports while it runs: the step it is on, and sizes where there are some. The CLI draws it
//! as a progress bar; the app forwards it as events.

use serde::Serialize;

/// The steps of a preparation, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrepareStep {
    /// Finding the trainer and checking the free disk space.
    Check,
    /// Getting `uv` (the installer) into the data folder, once.
    InstallUv,
    /// Creating the Python environment in a temporary folder.
    CreateEnvironment,
    /// Downloading and installing the packages (the long one: several GB the first time).
    InstallPackages,
    /// Importing the stack once, then moving the finished environment into place.
    Finish,
}

impl PrepareStep {
    /// Every step, in the order they run.
    pub const ALL: [PrepareStep; 5] = [
        PrepareStep::Check,
        PrepareStep::InstallUv,
        PrepareStep::CreateEnvironment,
        PrepareStep::InstallPackages,
        PrepareStep::Finish,
    ];

    /// 1-based position among [`PrepareStep::ALL`].
    pub fn number(self) -> u32 {
        PrepareStep::ALL
            .iter()
            .position(|s| *s == self)
            .map_or(0, |i| i as u32 + 1)
    }

    /// What the step does, for people.
    pub fn title(self) -> &'static str {
        match self {
            PrepareStep::Check => "Checking the trainer and the free space",
            PrepareStep::InstallUv => "Getting the installer (uv)",
            PrepareStep::CreateEnvironment => "Creating the Python environment",
            PrepareStep::InstallPackages => "Downloading and installing PyTorch, transformers and PEFT",
            PrepareStep::Finish => "Checking the installation",
        }
    }
}

/// One progress report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrepareProgress {
    /// The current step.
    pub step: PrepareStep,
    /// Its number, from 1.
    pub step_number: u32,
    /// How many steps there are.
    pub steps: u32,
    /// The latest thing worth telling: the step's title, or a line from the installer.
    pub message: String,
    /// Bytes written so far by this step (the environment's size on disk while packages install).
    pub bytes_done: Option<u64>,
    /// About how many bytes the step writes in all, when known in advance.
    pub bytes_expected: Option<u64>,
}

impl PrepareProgress {
    /// The report that a step started.
    pub fn started(step: PrepareStep) -> Self {
        Self::message(step, step.title())
    }

    /// A report with a message.
    pub fn message(step: PrepareStep, message: impl Into<String>) -> Self {
        PrepareProgress {
            step,
            step_number: step.number(),
            steps: PrepareStep::ALL.len() as u32,
            message: message.into(),
            bytes_done: None,
            bytes_expected: None,
        }
    }
}

/// Where progress reports go.
pub trait ProgressSink: Send + Sync {
    /// Called for every report, from the preparing task.
    fn report(&self, progress: &PrepareProgress);
}

impl<F: Fn(&PrepareProgress) + Send + Sync> ProgressSink for F {
    fn report(&self, progress: &PrepareProgress) {
        self(progress)
    }
}

/// Human size: `4.1 GB`, `820 MB`, `12 kB` (decimal units, as installers and file managers show them).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_in_order() {
        let numbers: Vec<u32> = PrepareStep::ALL.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn sizes_read_like_an_installer_shows_them() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(4_100_000_000), "4.1 GB");
        assert_eq!(human_bytes(17_300_000), "17.3 MB");
    }
}
