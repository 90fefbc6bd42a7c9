//! What every request handler and background task shares.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{watch, Notify};

use crate::config::AgentConfig;
use crate::db::Db;
use crate::gpu::{Allocator, Device};

/// Where the agent keeps its files under `--data-dir`.
#[derive(Clone, Debug)]
pub struct Paths {
    pub data_dir: PathBuf,
    pub database: PathBuf,
    /// Complete, verified datasets named `<sha256>.jsonl`.
    pub datasets: PathBuf,
    /// Uploads in progress, named `<sha256>.part`.
    pub partial_datasets: PathBuf,
    /// One folder per job.
    pub jobs: PathBuf,
    /// Local base models, one folder each.
    pub models: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            database: data_dir.join("agent.sqlite"),
            datasets: data_dir.join("datasets"),
            partial_datasets: data_dir.join("datasets").join("partial"),
            jobs: data_dir.join("jobs"),
            models: data_dir.join("models"),
        }
    }

    pub fn create_all(&self) -> std::io::Result<()> {
        for dir in [&self.datasets, &self.partial_datasets, &self.jobs, &self.models] {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    }

    pub fn dataset(&self, sha256: &str) -> PathBuf {
        self.datasets.join(format!("{sha256}.jsonl"))
    }

    pub fn partial_dataset(&self, sha256: &str) -> PathBuf {
        self.partial_datasets.join(format!("{sha256}.part"))
    }
}

/// Why a running trainer is being stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopRequest {
    /// The user cancelled the job.
    Cancel,
    /// The agent is shutting down: the job goes back to the queue and resumes on the next start.
    Shutdown,
}

pub use crate::auth::KeyCache;

/// Shared state of a serving agent.
pub struct AppState {
    pub db: Arc<Db>,
    pub config: AgentConfig,
    pub paths: Paths,
    pub python: PathBuf,
    pub devices: Vec<Device>,
    pub allocator: Mutex<Allocator>,
    pub max_concurrent_jobs: u32,
    /// Wakes the scheduler (a job was queued or a run ended).
    pub scheduler: Notify,
    /// Stop channels of the running trainers, by job id.
    pub running: Mutex<HashMap<String, watch::Sender<Option<StopRequest>>>>,
    /// Datasets being uploaded right now; a second upload of the same one waits its turn.
    /// Bytes each of them may still write: counted against the free-space reserve while they run.
    pub uploads: Mutex<HashMap<String, u64>>,
    /// SHA-256 of artifact files, by path, size and modification time, so listing does not rehash.
    pub artifact_hashes: Mutex<HashMap<(PathBuf, u64, std::time::SystemTime), String>>,
    /// Active API key hashes and recently refused ones (see `auth::KEY_CACHE`). An async lock: whoever holds
    /// it refreshes from the database for every request that waits on it (single flight).
    pub key_cache: tokio::sync::Mutex<KeyCache>,
    /// When the last request arrived (for `--idle-exit-seconds`).
    pub last_request: Mutex<std::time::Instant>,
    /// The generation worker behind `/v1/chat/completions`.
    pub generator: crate::generator::Generator,
    /// Merges in progress or failed, by job id.
    pub merges: Mutex<HashMap<String, crate::routes::merge::MergeRun>>,
    /// What the trainer's environment has, probed once (started at startup; the first reader waits for it).
    pub runtime: tokio::sync::OnceCell<crate::api::RuntimeView>,
}

impl AppState {
    /// CUDA, bitsandbytes and Liger as the trainer's python sees them (probed once).
    pub async fn runtime(&self) -> crate::api::RuntimeView {
        *self
            .runtime
            .get_or_init(|| crate::runtime::probe(&self.python))
            .await
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked (every critical section is a plain
/// insert or remove).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
