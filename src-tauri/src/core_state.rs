//! The app's one state, shared by every command, the poller and the tray through `tauri::State<CoreState>`:
//! the database, the keyring, one HTTP client, the cluster clients, the poller's handle, and the imports and
//! preparation in flight (for cancelling them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use brightrun_core::cluster::local::{self, LocalOptions};
use brightrun_core::cluster::{client_for, ClusterClient, Keyring};
use brightrun_core::jobs::{ClientSource, KeyringClients, PollerHandle, SharedStore};
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::{Store, StoreAccess, StoreError};

use crate::core_errors::join_error;
use crate::error::AppError;

/// Cheap to clone: every field is shared, so a background task can hold its own copy.
#[derive(Clone)]
pub struct CoreState {
    data_dir: PathBuf,
    /// The one open database, shared with the poller; locked only for short operations (long ones go through
    /// `StoreAccess`). Commands reach it through [`CoreState::read`], off the async workers.
    pub store: SharedStore,
    /// API keys of clusters, filed under the app's identifier so builds never share keys.
    pub keyring: Keyring,
    /// One HTTP client for the life of the app.
    pub http: reqwest::Client,
    /// Cluster clients by id (URL from the store, key from the keyring), cached; shared with the poller.
    pub clients: Arc<KeyringClients>,
    /// The background poller, once started (the app starts it after setup; tests run without one).
    poller: Arc<OnceLock<PollerHandle>>,
    /// Cancel flags of the imports in flight, by import id.
    pub imports: Arc<Mutex<HashMap<String, Arc<AtomicBool>>>>,
    /// The local cluster's preparation in flight, to cancel it (aborting drops it: the core cleans up).
    pub preparing: Arc<Mutex<Option<tokio::task::AbortHandle>>>,
}

impl CoreState {
    /// Opens (and migrates) the database of `data_dir`; keys go to the keyring under `keyring_service`.
    pub fn open(data_dir: &Path, keyring_service: &str) -> Result<Self, StoreError> {
        let store: SharedStore = Arc::new(Mutex::new(Store::open(data_dir)?));
        // The client only fails when the TLS backend cannot start; fall back to a default one then.
        let http = brightrun_core::cluster::client::http_client().unwrap_or_default();
        let keyring = Keyring::new(keyring_service);
        let clients = Arc::new(KeyringClients::new(
            http.clone(),
            keyring.clone(),
            Arc::clone(&store),
        ));
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            store,
            keyring,
            http,
            clients,
            poller: Arc::new(OnceLock::new()),
            imports: Arc::new(Mutex::new(HashMap::new())),
            preparing: Arc::new(Mutex::new(None)),
        })
    }

    /// Where the database and the app's files live.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `f` with the store on tokio's blocking pool: SQLite blocks, and neither the main thread (the
    /// window) nor an async worker (the poller, other commands) may wait on it.
    pub async fn read<R, E, F>(&self, f: F) -> Result<R, AppError>
    where
        R: Send + 'static,
        E: Into<AppError> + Send + 'static,
        F: FnOnce(&Store) -> Result<R, E> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || store.with_store(f))
            .await
            .map_err(join_error)?
            .map_err(Into::into)
    }

    /// Short store access for code that already runs off the async workers (the blocking pool, tests).
    pub fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        self.store.with_store(f)
    }

    /// The store for the core's cluster functions (`add_cluster`, `client_for`, `local::ensure_running`…): they
    /// are generic over `StoreAccess` and read or write it between their awaits, so each access goes through
    /// [`OffWorkerStore`].
    pub fn cluster_store(&self) -> OffWorkerStore<'_> {
        OffWorkerStore(&self.store)
    }

    /// Hands the started poller over; later calls are ignored (there is one poller per app).
    pub fn set_poller(&self, handle: PollerHandle) {
        if self.poller.set(handle).is_err() {
            tracing::warn!("a second poller was started; keeping the first");
        }
    }

    /// The poller, once started.
    pub fn poller(&self) -> Option<&PollerHandle> {
        self.poller.get()
    }

    /// Asks the poller for a pass now (after a launch, a cancel, or when a monitor opens); nothing without one.
    pub async fn poll_now(&self) {
        if let Some(handle) = self.poller.get() {
            handle.poll_now().await;
        }
    }

    /// How the local cluster is started for training: agent and Python from `BRIGHTRUN_AGENT_BIN` /
    /// `BRIGHTRUN_PYTHON` or their defaults (see docs/clusters.md). The Python stack is checked when the agent
    /// has to be started (about 10 s, only then): without it every job would fail as its trainer starts, so the
    /// configurator gets `python_stack_missing` and offers "Prepare" instead.
    pub fn local_options(&self) -> LocalOptions {
        LocalOptions {
            data_dir: self.data_dir.clone(),
            agent_bin: None,
            python: None,
            check_python: true,
        }
    }

    /// A client for `cluster_id`: the local cluster is started when it is not running.
    pub async fn client(&self, cluster_id: &str) -> Result<ClusterClient, AppError> {
        let id = cluster_id.to_owned();
        let cluster = self.read(move |s| s.clusters().find(&id)).await?;
        if cluster.kind == ClusterKind::Local {
            let running = local::ensure_running(
                &self.cluster_store(),
                &self.keyring,
                &self.http,
                &self.local_options(),
            )
            .await?;
            // The local agent may have come back on another port: the cached client would miss it.
            self.clients.forget(&running.cluster.id);
        }
        let (_, client) = client_for(&self.cluster_store(), &self.keyring, &self.http, &cluster.id).await?;
        Ok(client)
    }

    /// Registers an import's cancel flag.
    pub(crate) fn register_import(&self, import_id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.lock_imports().insert(import_id.to_owned(), flag.clone());
        flag
    }

    /// Forgets a finished import.
    pub(crate) fn finish_import(&self, import_id: &str) {
        self.lock_imports().remove(import_id);
    }

    /// The cancel flag of an import in flight.
    pub(crate) fn import_flag(&self, import_id: &str) -> Option<Arc<AtomicBool>> {
        self.lock_imports().get(import_id).cloned()
    }

    fn lock_imports(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        // A map of flags cannot be left half-updated by a panic; a poisoned lock is still usable.
        self.imports
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// [`StoreAccess`] for core code that touches the store from an async task: on a multi-thread runtime's worker
/// each access runs in `block_in_place`, so tokio hands the worker's other tasks (the poller, other commands) to
/// another thread while SQLite waits on the disk or on a writer's lock. Elsewhere (the blocking pool, a
/// single-thread test runtime) it is a plain access.
pub struct OffWorkerStore<'a>(&'a SharedStore);

impl StoreAccess for OffWorkerStore<'_> {
    fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.0.with_store(f))
        } else {
            self.0.with_store(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    /// With one worker, a task spawned before a store access still runs while SQLite is held: the access
    /// gave the worker up instead of blocking it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_store_access_from_a_task_does_not_hold_up_the_other_tasks() {
        let dir = tempfile::tempdir().unwrap();
        let core = CoreState::open(dir.path(), "app.brightrun.desktop.test.unused").unwrap();
        // Both tasks on the one worker (the test's own body runs on another thread).
        let seen = tokio::spawn(async move {
            let ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&ran);
            let other = tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
            let seen = core.cluster_store().with_store(|_| {
                let until = Instant::now() + Duration::from_secs(3);
                while !ran.load(Ordering::SeqCst) && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(5));
                }
                ran.load(Ordering::SeqCst)
            });
            other.await.unwrap();
            seen
        })
        .await
        .unwrap();
        assert!(seen, "the other task waited for the store access");
    }
}
