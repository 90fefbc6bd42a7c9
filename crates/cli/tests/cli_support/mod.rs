//! Harness of CLI tests that train on the local cluster: the real `brightrun` binary on a temporary data folder,
//! the real local agent (BRIGHTRUN_AGENT_BIN or target/debug), the real trainer (BRIGHTRUN_PYTHON or
//! <repo>/.venv), the real OS keyring (run under scripts/with-session.sh).
#![allow(dead_code, unused_imports)] // each test file uses its own subset

use std::path::PathBuf;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use brightrun_core::cluster::Keyring;
use serde_json::Value;

pub use brightrun_test_support::{agent_bin, python, repo_root, sample};

/// A short run on the tiny model.
pub const TINY: [&str; 8] = [
    "--set",
    "max_steps=8",
    "--set",
    "learning_rate=1e-3",
    "--set",
    "logging_steps=1",
    "--set",
    "eval_steps=4",
];

/// A temporary data folder and keyring service; the local agent it starts is stopped on drop.
pub struct Env {
    pub data: tempfile::TempDir,
    pub service: String,
}

impl Env {
    pub fn new(tag: &str) -> Self {
        let service = format!(
            "app.brightrun.test.{tag}.{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        if let Err(err) = Keyring::new(&service).check() {
            panic!(
                "this test needs a real OS keyring and none answers: {err}\nRun it under scripts/with-session.sh"
            );
        }
        Env {
            data: tempfile::tempdir().unwrap(),
            service,
        }
    }

    pub fn std_cmd(&self) -> StdCommand {
        // BRIGHTRUN_CLI_BIN: a copy of this branch's binary, where a shared target folder may be rebuilt by
        // someone else mid-test.
        let bin = std::env::var_os("BRIGHTRUN_CLI_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("brightrun"));
        let mut cmd = StdCommand::new(bin);
        cmd.env("BRIGHTRUN_DATA_DIR", self.data.path())
            .env("BRIGHTRUN_KEYRING_SERVICE", &self.service)
            .env("BRIGHTRUN_AGENT_BIN", agent_bin())
            .env("BRIGHTRUN_PYTHON", python())
            .env("BRIGHTRUN_POLL_INTERVAL_MS", "300")
            .env("HF_HUB_OFFLINE", "1");
        cmd
    }

    /// Runs the CLI and parses its stdout as one JSON value.
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let output = Command::from_std(self.std_cmd()).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: {e}\nstdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().unwrap_or(-1), value)
    }

    /// Trains on the v4 sample with the tiny settings plus `extra`, waits, and returns the `train --json` answer.
    pub fn train(&self, name: &str, extra: &[&str]) -> Value {
        let sample = sample();
        let mut args = vec![
            "train",
            sample.to_str().unwrap(),
            "--name",
            name,
            "--wait",
            "--json",
        ];
        args.extend(TINY);
        args.extend(extra);
        let (code, out) = self.json(&args);
        assert_eq!(code, 0, "{out:#}");
        assert_eq!(out["job"]["status"], "completed", "{out:#}");
        out
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // The local agent is a daemon that outlives the CLI on purpose; the test stops the one it caused.
        let _ = self.std_cmd().args(["cluster", "local", "--stop"]).output();
    }
}
