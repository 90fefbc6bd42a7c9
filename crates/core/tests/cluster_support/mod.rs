//! Helpers shared by the cluster tests: a private keyring service name, the real agent binary, a running agent.
#![allow(dead_code, unused_imports)] // each test file uses its own subset

use std::path::PathBuf;

use brightrun_core::cluster::Keyring;

/// A keyring whose service name is unique to this test, so tests never see each other's (or a user's) keys.
/// Panics, on purpose, when no Secret Service answers: these tests must not pass by skipping.
pub fn test_keyring(test: &str) -> Keyring {
    let keyring = Keyring::new(format!("app.brightrun.test.{test}.{}", uuid::Uuid::new_v4()));
    if let Err(err) = keyring.check() {
        panic!(
            "this test needs a real OS keyring (Secret Service) and none answers: {err}\n\
             Run the tests under scripts/with-session.sh, e.g.\n  \
             bash scripts/with-session.sh cargo test -p brightrun-core --test {test}"
        );
    }
    keyring
}

pub use brightrun_test_support::agent_bin;

/// A real `brightrun-agent serve` on 127.0.0.1:0 with its own data folder and one API key; killed on drop.
pub struct RunningAgent {
    child: std::process::Child,
    /// Its base URL.
    pub url: String,
    /// A valid API key.
    pub key: String,
    /// Its data folder.
    pub data_dir: tempfile::TempDir,
}

impl RunningAgent {
    /// Starts one and waits for its `listening on <url>` line.
    pub fn start() -> Self {
        use std::io::BufRead;
        let bin = agent_bin();
        let data_dir = tempfile::tempdir().unwrap();
        let key = create_key(&bin, data_dir.path());
        let mut child = std::process::Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            // No trainer is needed by these tests: jobs fail at start, which is all they look at.
            .args(["--python", "/nonexistent/python"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut url = None;
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(found) = line.strip_prefix("listening on ") {
                url = Some(found.trim().to_string());
                break;
            }
        }
        let url = url.unwrap_or_else(|| panic!("{} exited without announcing an address", bin.display()));
        RunningAgent {
            child,
            url,
            key,
            data_dir,
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates an API key with `brightrun-agent keys create` (the key is its last line).
pub fn create_key(bin: &std::path::Path, data_dir: &std::path::Path) -> String {
    let output = std::process::Command::new(bin)
        .args(["keys", "create", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "keys create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}
