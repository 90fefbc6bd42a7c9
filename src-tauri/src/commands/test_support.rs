//! What the command tests share: a real `brightrun-agent` on 127.0.0.1:0, and a [`CoreState`] over a SQLite
//! file in a temporary folder with a keyring service of its own (run under scripts/with-session.sh, which
//! provides an unlocked keyring).

use std::io::BufRead;
use std::path::PathBuf;

use crate::core_state::CoreState;

/// `BRIGHTRUN_AGENT_BIN`, else the workspace's `target/debug/brightrun-agent`, else this build's target folder.
pub fn agent_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("BRIGHTRUN_AGENT_BIN") {
        return PathBuf::from(path);
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/brightrun-agent");
    let own = std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("debug/brightrun-agent"));
    [Some(workspace), own]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("these tests talk to a real agent: run `cargo build -p brightrun-agent` first")
        })
}

/// A real agent with one API key; killed on drop.
pub struct Agent {
    child: std::process::Child,
    /// Where it listens.
    pub url: String,
    /// Its one API key.
    pub key: String,
    _data: tempfile::TempDir,
}

impl Agent {
    /// Starts an agent on 127.0.0.1:0 with a fresh data folder and a Python that does not exist: it serves the
    /// API (capabilities, uploads, jobs), and a job it accepts fails when its trainer cannot start.
    pub fn start() -> Self {
        let bin = agent_bin();
        let data = tempfile::tempdir().unwrap();
        let created = std::process::Command::new(&bin)
            .args(["keys", "create", "--data-dir"])
            .arg(data.path())
            .output()
            .unwrap();
        assert!(created.status.success(), "keys create failed");
        let key = String::from_utf8(created.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned();
        let mut child = std::process::Command::new(&bin)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--python",
                "/nonexistent/python",
                "--data-dir",
            ])
            .arg(data.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let url = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("listening on ").map(|u| u.trim().to_owned()))
            .expect("the agent announces its address");
        Agent {
            child,
            url,
            key,
            _data: data,
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A store in a temporary folder and a keyring service of its own; panics when no keyring answers.
pub fn open_core() -> (tempfile::TempDir, CoreState) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("app.brightrun.desktop.test.app-{}", uuid::Uuid::new_v4());
    let core = CoreState::open(dir.path(), &service).unwrap();
    if let Err(err) = core.keyring.check() {
        panic!("these tests need the OS keyring: run them under scripts/with-session.sh ({err})");
    }
    (dir, core)
}

/// Tests that set process-wide variables (`BRIGHTRUN_PYTHON`, `BRIGHTRUN_AGENT_BIN`) take turns.
pub static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
