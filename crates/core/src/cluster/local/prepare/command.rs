//! Running one installer command (uv, pip) for a preparation: output read line by line as it comes (each line
//! can be shown as progress), the last lines kept for the error, and failures sorted into "offline", "disk full"
//! and the rest, so the user reads what to do rather than a traceback.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::cluster::local::LocalError;

/// Lines of output kept for an error message.
const TAIL_LINES: usize = 12;

/// One command to run.
pub struct Installer<'a> {
    /// The program.
    pub program: &'a Path,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Its working directory: always one of ours (never the user's current directory).
    pub cwd: &'a Path,
    /// Extra environment.
    pub env: Vec<(&'static str, OsString)>,
}

impl Installer<'_> {
    /// Runs it to the end; `on_line` sees every non-empty output line. Dropping the future kills the process.
    pub async fn run(self, on_line: &(dyn Fn(&str) + Send + Sync)) -> Result<(), LocalError> {
        let program = self.program.display().to_string();
        let mut child = tokio::process::Command::new(self.program)
            .args(&self.args)
            .current_dir(self.cwd)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| LocalError::Spawn {
                program: program.clone(),
                source,
            })?;
        let stdout = child.stdout.take().map(|s| BufReader::new(s).lines());
        let stderr = child.stderr.take().map(|s| BufReader::new(s).lines());
        let mut tail: VecDeque<String> = VecDeque::with_capacity(TAIL_LINES);
        let mut keep = |line: String| {
            let line = line.trim_end().to_string();
            if line.trim().is_empty() {
                return;
            }
            on_line(line.trim());
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        };
        if let (Some(mut out), Some(mut err)) = (stdout, stderr) {
            let (mut out_open, mut err_open) = (true, true);
            while out_open || err_open {
                tokio::select! {
                    line = out.next_line(), if out_open => match line {
                        Ok(Some(line)) => keep(line),
                        _ => out_open = false,
                    },
                    line = err.next_line(), if err_open => match line {
                        Ok(Some(line)) => keep(line),
                        _ => err_open = false,
                    },
                }
            }
        }
        let status = child.wait().await.map_err(|source| LocalError::Spawn {
            program: program.clone(),
            source,
        })?;
        if status.success() {
            return Ok(());
        }
        let output: Vec<String> = tail.into_iter().collect();
        Err(classify(&program, &status.to_string(), &output.join("\n")))
    }
}

/// Turns a failed installer's output into the error a user can act on.
pub fn classify(program: &str, status: &str, output: &str) -> LocalError {
    let lower = output.to_lowercase();
    const DISK_FULL: [&str; 3] = ["no space left on device", "os error 28", "errno 28"];
    const OFFLINE: [&str; 10] = [
        "failed to fetch",
        "error sending request",
        "dns error",
        "failed to lookup address",
        "temporary failure in name resolution",
        "network is unreachable",
        "connection refused",
        "tcp connect error",
        "failed to establish a new connection",
        "could not connect",
    ];
    if DISK_FULL.iter().any(|needle| lower.contains(needle)) {
        return LocalError::DiskFull {
            detail: last_line(output),
        };
    }
    if OFFLINE.iter().any(|needle| lower.contains(needle)) {
        return LocalError::PrepareOffline {
            detail: last_line(output),
        };
    }
    LocalError::PrepareFailed {
        detail: format!("{program} exited with {status}:\n{output}"),
    }
}

fn last_line(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// The size of a folder on disk, counted file by file (symlinks not followed); what cannot be read counts 0.
pub fn folder_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                total += meta.len();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_and_disk_full_are_told_apart_from_other_failures() {
        let offline = "error: Failed to fetch: `https://pypi.org/simple/torch/`\n  Caused by: dns error: failed to lookup address information";
        assert!(matches!(
            classify("uv", "exit status: 2", offline),
            LocalError::PrepareOffline { .. }
        ));
        let full = "error: Failed to install: torch\n  Caused by: No space left on device (os error 28)";
        assert!(matches!(
            classify("uv", "exit status: 2", full),
            LocalError::DiskFull { .. }
        ));
        let other = "error: No solution found when resolving dependencies";
        assert!(matches!(
            classify("uv", "exit status: 1", other),
            LocalError::PrepareFailed { .. }
        ));
    }

    #[tokio::test]
    async fn output_lines_are_seen_as_they_come_and_a_failure_keeps_its_words() {
        let lines = std::sync::Mutex::new(Vec::new());
        let tmp = tempfile::tempdir().unwrap();
        let result = Installer {
            program: Path::new("sh"),
            args: vec![
                "-c".into(),
                "echo one; echo two >&2; echo 'No space left on device' >&2; exit 3".into(),
            ],
            cwd: tmp.path(),
            env: vec![],
        }
        .run(&|line| lines.lock().unwrap().push(line.to_string()))
        .await;
        assert!(matches!(result, Err(LocalError::DiskFull { .. })), "{result:?}");
        let mut seen = lines.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, vec!["No space left on device", "one", "two"]);
    }
}
