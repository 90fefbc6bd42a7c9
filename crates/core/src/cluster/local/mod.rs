//! "Local (this computer)": a cluster like any other, served by a `brightrun-agent` daemon that BrightRun
//! starts itself on 127.0.0.1 with a random key kept in the keyring and its data in `<data>/local-agent`.
//! The daemon outlives the app and the CLI (a training run survives closing the window).

mod agent_bin;
mod daemon;
pub mod prepare;
mod python;
pub mod trainer_source;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use agent_bin::{find_agent_binary, AGENT_BIN_ENV};
pub use daemon::{is_alive, log_path, read_discovery, running_agent, Discovery};
pub use prepare::{prepare, PrepareProgress, PrepareStep, Prepared};
pub use python::{check_python, env_python, managed_env_dir, resolve_python, PREPARE_COMMAND, PYTHON_ENV};
pub use trainer_source::{find_trainer, TrainerOrigin, TrainerSource, TRAINER_DIR_ENV};

use super::{blocking, ClientError, ClusterClient, ClusterError, Keyring, KeyringError, Sensitive};
use crate::store::{Cluster, ClusterKind, ClusterStatus, ClusterTest, NewCluster, StoreAccess, StoreError};

/// The local cluster's name in lists.
pub const LOCAL_CLUSTER_NAME: &str = "Local (this computer)";

/// Sub-folder of the data folder that is the local agent's own data folder.
pub const LOCAL_AGENT_FOLDER: &str = "local-agent";

/// What can go wrong starting or finding the local cluster.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// No `brightrun-agent` program was found.
    #[error(
        "brightrun-agent was not found (looked at {searched}); install it next to `brightrun`, put it on \
         PATH, or set BRIGHTRUN_AGENT_BIN"
    )]
    AgentNotFound {
        /// Where it was looked for.
        searched: String,
    },
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// `brightrun-agent keys create` failed.
    #[error("cannot create the local cluster's API key: {detail}")]
    KeyCreation {
        /// The agent's message.
        detail: String,
    },
    /// The daemon exited or never announced its address.
    #[error("the local agent did not start; see {log}:\n{tail}")]
    DidNotStart {
        /// Its log file.
        log: String,
        /// The end of the log.
        tail: String,
    },
    /// The trainer's Python stack is not usable.
    #[error(
        "the training stack is not ready: {python} cannot import brightrun_trainer, torch and peft ({detail}). \
         Install it with `brightrun cluster prepare-local` (or the Prepare button of the local cluster in the app)"
    )]
    PythonStackMissing {
        /// The interpreter tried.
        python: String,
        /// What failed.
        detail: String,
    },
    /// Installing the Python stack failed.
    #[error("preparing the local cluster failed: {detail}")]
    PrepareFailed {
        /// What failed.
        detail: String,
    },
    /// No trainer to prepare from: not configured, not bundled beside the program, no checkout (debug builds).
    #[error(
        "the trainer to install was not found (looked at {searched}); reinstall BrightRun, or set \
         BRIGHTRUN_TRAINER_DIR to a trainer folder"
    )]
    TrainerNotFound {
        /// Where it was looked for.
        searched: String,
    },
    /// The package index could not be reached.
    #[error(
        "preparing the local cluster needs the internet (PyPI) the first time, and it could not be reached: \
         {detail}. Nothing was installed; try again once online"
    )]
    PrepareOffline {
        /// The installer's last words.
        detail: String,
    },
    /// Too little free space to start.
    #[error(
        "not enough disk space to prepare the local cluster: it needs about {needed} free in {path}, and \
         {available} are free. Nothing was installed"
    )]
    NotEnoughSpace {
        /// The data folder.
        path: String,
        /// What it needs (human units).
        needed: String,
        /// What is free (human units).
        available: String,
    },
    /// The disk filled up while installing.
    #[error("the disk filled up while preparing the local cluster ({detail}); nothing was installed. Free some space and try again")]
    DiskFull {
        /// The installer's last words.
        detail: String,
    },
    /// Another preparation of the same data folder is running.
    #[error("another preparation of the local cluster is running (it holds {lock}); wait for it to finish")]
    PrepareBusy {
        /// The lock file.
        lock: String,
    },
    /// A file or folder of the local agent could not be used.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file or folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How to run the local cluster.
#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The app's data folder; the agent's data goes to `<data_dir>/local-agent`.
    pub data_dir: PathBuf,
    /// The agent program; `None` finds it (see [`find_agent_binary`]).
    pub agent_bin: Option<PathBuf>,
    /// The trainer's Python; `None` resolves it (see [`resolve_python`]).
    pub python: Option<PathBuf>,
    /// Check that the Python stack imports before starting (about 10 s); off when only the API is needed.
    pub check_python: bool,
}

impl LocalOptions {
    /// The local agent's data folder.
    pub fn agent_dir(&self) -> PathBuf {
        self.data_dir.join(LOCAL_AGENT_FOLDER)
    }
}

/// The running local cluster.
#[derive(Clone, Debug, Serialize)]
pub struct LocalCluster {
    /// Its row in the clusters table (with the current URL).
    pub cluster: Cluster,
    /// The daemon's process id.
    pub pid: u32,
    /// True when this call started the daemon, false when it found one running.
    pub started: bool,
    /// The daemon's log file.
    pub log: PathBuf,
    /// The Python the daemon was started with (when this call started it).
    pub python: Option<PathBuf>,
}

/// Makes sure the local cluster runs and answers with its key: reuses a running daemon, else starts one.
/// Creates the cluster's row and key the first time.
pub async fn ensure_running<S: StoreAccess>(
    store: &S,
    keyring: &Keyring,
    http: &reqwest::Client,
    options: &LocalOptions,
) -> Result<LocalCluster, ClusterError> {
    let agent_dir = options.agent_dir();
    crate::paths::create_private_dir(&agent_dir).map_err(|source| LocalError::Io {
        context: "cannot create",
        path: agent_dir.display().to_string(),
        source,
    })?;
    let agent_bin = match &options.agent_bin {
        Some(bin) => bin.clone(),
        None => find_agent_binary()?,
    };
    let mut cluster = local_row(store)?;
    let mut key = match blocking_key(keyring, &cluster.id).await {
        Ok(key) => key,
        Err(KeyringError::NotFound { .. }) => new_key(keyring, &agent_bin, &agent_dir, &cluster.id).await?,
        Err(err) => return Err(err.into()),
    };

    let (discovery, started, python) = match daemon::running_agent(&agent_dir) {
        Some(found) => (found, false, None),
        None => {
            let python = resolve_python(&options.data_dir, options.python.as_deref());
            if options.check_python {
                check_python(&python).await?;
            }
            let found = daemon::start(&agent_bin, &agent_dir, &python).await?;
            (found, true, Some(python))
        }
    };

    let mut client = ClusterClient::new(http.clone(), &discovery.url, key.clone())?;
    let capabilities = match client.capabilities().await {
        // The key in the keyring is not one the agent knows (its database was reset): make a new one. Only
        // for an agent verified above (loopback, alive, holding its folder's lock), never for a listener that
        // merely answers on a remembered port.
        Err(ClientError::Unauthorized { .. }) if daemon::running_agent(&agent_dir).is_some() => {
            key = new_key(keyring, &agent_bin, &agent_dir, &cluster.id).await?;
            client = ClusterClient::new(http.clone(), &discovery.url, key)?;
            client.capabilities().await?
        }
        other => other?,
    };
    let capabilities = serde_json::to_value(&capabilities).ok();
    let url = client.base_url().to_string();
    store.with_store(|s| -> Result<(), StoreError> {
        s.clusters().set_url(&cluster.id, &url)?;
        s.clusters().record_test(
            &cluster.id,
            &ClusterTest {
                status: ClusterStatus::Ok,
                error: None,
                capabilities: capabilities.as_ref(),
            },
        )
    })?;
    if let Some(fresh) = store.with_store(|s| s.clusters().get(&cluster.id))? {
        cluster = fresh;
    }
    Ok(LocalCluster {
        cluster,
        pid: discovery.pid,
        started,
        log: log_path(&agent_dir),
        python,
    })
}

/// Stops the local daemon (SIGTERM: running jobs checkpoint and resume on its next start); `false` when none
/// was running.
pub fn stop(data_dir: &Path) -> bool {
    daemon::stop(&data_dir.join(LOCAL_AGENT_FOLDER))
}

/// The local cluster's row, created on first use.
fn local_row<S: StoreAccess>(store: &S) -> Result<Cluster, StoreError> {
    store.with_store(|s| {
        let clusters = s.clusters();
        match clusters.local()? {
            Some(cluster) => Ok(cluster),
            None => clusters.insert(&NewCluster {
                name: LOCAL_CLUSTER_NAME.to_string(),
                // Replaced by the daemon's real address as soon as it runs.
                url: "http://127.0.0.1:0".to_string(),
                kind: ClusterKind::Local,
            }),
        }
    })
}

async fn blocking_key(keyring: &Keyring, cluster_id: &str) -> Result<Sensitive<String>, KeyringError> {
    let (keyring, id) = (keyring.clone(), cluster_id.to_string());
    blocking(move || keyring.api_key(&id)).await
}

async fn new_key(
    keyring: &Keyring,
    agent_bin: &Path,
    agent_dir: &Path,
    cluster_id: &str,
) -> Result<Sensitive<String>, ClusterError> {
    let key = daemon::create_key(agent_bin, agent_dir).await?;
    let (keyring, id, stored) = (keyring.clone(), cluster_id.to_string(), key.clone());
    blocking(move || keyring.set_api_key(&id, &stored)).await?;
    Ok(key)
}
