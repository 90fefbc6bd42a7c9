//! Helpers shared by the cluster tests: a private keyring service name, the real agent binary, a running agent.
#![allow(dead_code)] // each test file uses its own subset

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

/// The built `brightrun-agent` binary: `BRIGHTRUN_AGENT_BIN`, else `target/debug/brightrun-agent` of this
/// workspace. Panics with what to run when it is not built.
pub fn agent_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("BRIGHTRUN_AGENT_BIN") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "BRIGHTRUN_AGENT_BIN={} is not a file; build it with `cargo build -p brightrun-agent`",
            path.display()
        );
        return path;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join("debug").join("brightrun-agent");
    assert!(
        path.is_file(),
        "the cluster tests talk to a real agent, and {} does not exist: run `cargo build -p brightrun-agent` \
         first (or set BRIGHTRUN_AGENT_BIN)",
        path.display()
    );
    path
}
