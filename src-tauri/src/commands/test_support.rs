//! What the command tests share: a real `brightrun-agent` on 127.0.0.1:0, and a [`CoreState`] over a SQLite
//! file in a temporary folder with a keyring service of its own (run under scripts/with-session.sh, which
//! provides an unlocked keyring).

use crate::core_state::CoreState;

pub use brightrun_test_support::{agent_bin, ServedAgent as Agent};

/// Starts a real agent on 127.0.0.1:0 with a fresh data folder, one API key and a Python that does not exist:
/// it serves the API (capabilities, uploads, jobs), and a job it accepts fails when its trainer cannot start.
/// Killed on drop.
pub fn start_agent() -> Agent {
    Agent::start(&["--python", "/nonexistent/python"])
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
