//! Helpers shared by the cluster tests: a private keyring service name, the real agent binary, a running agent.
#![allow(dead_code, unused_imports)] // each test file uses its own subset

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

pub use brightrun_test_support::ServedAgent;

/// A real `brightrun-agent serve` on 127.0.0.1:0 with its own data folder and one API key, killed on drop; its
/// Python does not exist: no trainer is needed by these tests (jobs fail at start, which is all they look at).
pub fn start_agent() -> ServedAgent {
    ServedAgent::start(&["--python", "/nonexistent/python"])
}
