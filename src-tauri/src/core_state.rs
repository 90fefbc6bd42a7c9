//! The core's long-lived parts, shared by every command through `tauri::State<CoreState>`: the database,
//! the keyring, one HTTP client, and the imports in flight (for cancelling them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use brightrun_core::cluster::Keyring;
use brightrun_core::store::{Store, StoreError};

/// Cheap to clone: every field is shared, so a background import can hold its own copy.
#[derive(Clone)]
pub struct CoreState {
    data_dir: PathBuf,
    /// The one open database; locked only for short operations (long ones go through `StoreAccess`).
    pub store: Arc<Mutex<Store>>,
    /// API keys of clusters, filed under the app's identifier so builds never share keys.
    pub keyring: Keyring,
    /// One HTTP client for the life of the app.
    pub http: reqwest::Client,
    /// Cancel flags of the imports in flight, by import id.
    pub imports: Arc<Mutex<HashMap<String, Arc<AtomicBool>>>>,
    /// The local cluster's preparation in flight, to cancel it (aborting drops it: the core cleans up).
    pub preparing: Arc<Mutex<Option<tokio::task::AbortHandle>>>,
}

impl CoreState {
    /// Opens (and migrates) the database of `data_dir`; keys go to the keyring under `keyring_service`.
    pub fn open(data_dir: &Path, keyring_service: &str) -> Result<Self, StoreError> {
        let store = Store::open(data_dir)?;
        // The client only fails when the TLS backend cannot start; fall back to a default one then.
        let http = brightrun_core::cluster::client::http_client().unwrap_or_default();
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            store: Arc::new(Mutex::new(store)),
            keyring: Keyring::new(keyring_service),
            http,
            imports: Arc::new(Mutex::new(HashMap::new())),
            preparing: Arc::new(Mutex::new(None)),
        })
    }

    /// Where the database and the app's files live.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
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
