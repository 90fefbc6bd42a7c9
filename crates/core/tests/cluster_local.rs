//! The built-in local cluster: a real `brightrun-agent` daemon started detached, found again and reused,
//! its key in the real keyring (run under scripts/with-session.sh, after `cargo build -p brightrun-agent`).

mod cluster_support;

use std::path::{Path, PathBuf};

use brightrun_core::cluster::local::{self, LocalOptions, LOCAL_CLUSTER_NAME};
use brightrun_core::cluster::{ClusterError, LocalError};
use brightrun_core::store::{ClusterKind, ClusterStatus, Store};

/// Stops the daemon when the test ends, even when it fails.
struct StopOnDrop(PathBuf);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        local::stop(&self.0);
    }
}

fn options(data_dir: &Path) -> LocalOptions {
    LocalOptions {
        data_dir: data_dir.to_path_buf(),
        agent_bin: Some(cluster_support::agent_bin()),
        // The API is all these tests need; no training runs.
        python: Some(PathBuf::from("/nonexistent/python")),
        check_python: false,
    }
}

#[tokio::test]
async fn the_local_cluster_starts_detached_and_is_reused() {
    let keyring = cluster_support::test_keyring("cluster_local");
    let data = tempfile::tempdir().unwrap();
    let _stop = StopOnDrop(data.path().to_path_buf());
    let store = Store::open(data.path()).unwrap();
    let http = brightrun_core::cluster::client::http_client().unwrap();

    let first = local::ensure_running(&store, &keyring, &http, &options(data.path()))
        .await
        .unwrap();
    assert!(first.started);
    assert!(local::is_alive(first.pid));
    assert_eq!(first.cluster.name, LOCAL_CLUSTER_NAME);
    assert_eq!(first.cluster.kind, ClusterKind::Local);
    assert!(
        first.cluster.url.starts_with("http://127.0.0.1:"),
        "{}",
        first.cluster.url
    );
    assert_eq!(first.cluster.last_status, Some(ClusterStatus::Ok));
    assert!(first.cluster.capabilities.is_some());
    assert!(
        keyring.api_key(&first.cluster.id).is_ok(),
        "its key is in the keyring"
    );

    // Its own session and process group: a signal to ours (Ctrl-C, the CLI's group) never reaches it.
    let pid = first.pid as libc::pid_t;
    assert_eq!(unsafe { libc::getsid(pid) }, pid);
    assert_ne!(unsafe { libc::getsid(0) }, pid);

    let second = local::ensure_running(&store, &keyring, &http, &options(data.path()))
        .await
        .unwrap();
    assert!(!second.started, "a running daemon is reused");
    assert_eq!(second.pid, first.pid);
    assert_eq!(second.cluster.id, first.cluster.id);
    assert_eq!(second.cluster.url, first.cluster.url);
    assert_eq!(store.clusters().list().unwrap().len(), 1);

    // The key in the database never appears in it; the agent's data lives in the data folder.
    assert!(data.path().join("local-agent").join("agent.json").is_file());
    assert!(local::stop(data.path()));
}

#[tokio::test]
async fn a_lost_key_is_replaced_and_a_dead_daemon_restarted() {
    let keyring = cluster_support::test_keyring("cluster_local");
    let data = tempfile::tempdir().unwrap();
    let _stop = StopOnDrop(data.path().to_path_buf());
    let store = Store::open(data.path()).unwrap();
    let http = brightrun_core::cluster::client::http_client().unwrap();

    let first = local::ensure_running(&store, &keyring, &http, &options(data.path()))
        .await
        .unwrap();
    // The keyring entry is gone (the user cleared it): a new key is made and works with the running daemon.
    keyring.delete_api_key(&first.cluster.id).unwrap();
    let again = local::ensure_running(&store, &keyring, &http, &options(data.path()))
        .await
        .unwrap();
    assert_eq!(again.pid, first.pid);
    assert!(keyring.api_key(&first.cluster.id).is_ok());

    // The daemon dies: the next call starts a new one.
    assert!(local::stop(data.path()));
    for _ in 0..200 {
        if !local::is_alive(first.pid) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let restarted = local::ensure_running(&store, &keyring, &http, &options(data.path()))
        .await
        .unwrap();
    assert!(restarted.started);
    assert_ne!(restarted.pid, first.pid);
}

#[tokio::test]
async fn a_missing_python_stack_says_how_to_fix_it() {
    let keyring = cluster_support::test_keyring("cluster_local");
    let data = tempfile::tempdir().unwrap();
    let _stop = StopOnDrop(data.path().to_path_buf());
    let store = Store::open(data.path()).unwrap();
    let http = brightrun_core::cluster::client::http_client().unwrap();
    let options = LocalOptions {
        check_python: true,
        ..options(data.path())
    };
    let err = local::ensure_running(&store, &keyring, &http, &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClusterError::Local(LocalError::PythonStackMissing { .. })),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("brightrun cluster prepare-local"), "{message}");
    assert!(message.contains("/nonexistent/python"), "{message}");
    assert!(
        local::read_discovery(&data.path().join("local-agent")).is_none(),
        "nothing was started"
    );
}

/// The desktop app drives the local cluster from async commands on a multi-threaded runtime, sharing the
/// store as `Mutex<Store>`: the futures must be `Send`. This does not run; it fails to compile otherwise.
#[allow(dead_code)]
fn futures_are_send(
    store: &std::sync::Mutex<Store>,
    keyring: &brightrun_core::cluster::Keyring,
    http: &reqwest::Client,
    options: &LocalOptions,
) {
    fn send<T: Send>(_: T) {}
    send(local::ensure_running(store, keyring, http, options));
    send(brightrun_core::cluster::test_cluster(store, keyring, http, "x"));
    send(brightrun_core::cluster::add_cluster(
        store,
        keyring,
        "x",
        "http://x",
        brightrun_core::cluster::Sensitive::new(String::new()),
        false,
    ));
    send(brightrun_core::cluster::update_cluster(
        store, keyring, "x", None, None, false,
    ));
    send(brightrun_core::cluster::remove_cluster(store, keyring, "x"));
}
