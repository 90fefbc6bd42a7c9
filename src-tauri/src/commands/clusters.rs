//! Cluster commands for the Settings page: list, add (key to the OS keyring), test, edit, remove, and the
//! built-in local cluster (status, start, stop, prepare its Python stack). API keys come in from the form
//! and go to the keyring; no command ever returns one.

use brightrun_core::cluster::local::{self, LocalError, LocalOptions, PREPARE_COMMAND};
use brightrun_core::cluster::{self, Sensitive};
use tauri::{AppHandle, State};
use tauri_specta::Event as _;

use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::dto::clusters::{ClusterTestView, ClusterView, LocalClusterView, LocalPrepareProgress};
use crate::error::{AppError, ErrorCode};
use brightrun_core::jobs::ClientSource as _;

/// Every cluster, local first.
#[tauri::command]
#[specta::specta]
pub async fn list_clusters(core: State<'_, CoreState>) -> Result<Vec<ClusterView>, AppError> {
    list(&core).await
}

/// Adds a remote cluster; its key goes to the OS keyring.
#[tauri::command]
#[specta::specta]
pub async fn add_cluster(
    core: State<'_, CoreState>,
    name: String,
    url: String,
    api_key: String,
    allow_insecure: bool,
) -> Result<ClusterView, AppError> {
    add(&core, &name, &url, Sensitive::new(api_key), allow_insecure).await
}

/// Health and capabilities of a cluster, recorded on it.
#[tauri::command]
#[specta::specta]
pub async fn test_cluster(core: State<'_, CoreState>, id: String) -> Result<ClusterTestView, AppError> {
    test(&core, &id).await
}

/// Changes a cluster's URL and/or key (a key replaces the one in the keyring).
#[tauri::command]
#[specta::specta]
pub async fn update_cluster(
    core: State<'_, CoreState>,
    id: String,
    url: Option<String>,
    api_key: Option<String>,
    allow_insecure: bool,
) -> Result<ClusterView, AppError> {
    let updated = update(
        &core,
        &id,
        url.as_deref(),
        api_key.map(Sensitive::new),
        allow_insecure,
    )
    .await;
    // The poller's cached client holds the old URL and key: a rotated key would otherwise give 401 for ever.
    core.clients.forget(&id);
    updated
}

/// Removes a cluster and its keyring entry.
#[tauri::command]
#[specta::specta]
pub async fn remove_cluster(core: State<'_, CoreState>, id: String) -> Result<ClusterView, AppError> {
    let removed = remove(&core, &id).await;
    core.clients.forget(&id);
    removed
}

/// Whether the local cluster runs, and whether its Python stack is there.
#[tauri::command]
#[specta::specta]
pub async fn local_cluster_status(core: State<'_, CoreState>) -> Result<LocalClusterView, AppError> {
    local_status(&core).await
}

/// Starts the local cluster (or finds it running).
#[tauri::command]
#[specta::specta]
pub async fn start_local_cluster(core: State<'_, CoreState>) -> Result<LocalClusterView, AppError> {
    start_local(&core).await
}

/// Stops the local cluster; running jobs checkpoint and resume at its next start.
#[tauri::command]
#[specta::specta]
pub async fn stop_local_cluster(core: State<'_, CoreState>) -> Result<LocalClusterView, AppError> {
    local::stop(core.data_dir());
    local_status(&core).await
}

/// Installs the trainer's Python stack into the data folder from the trainer installed with the app (minutes),
/// reporting `LocalPrepareProgress` events, then reports the status. `cancel_prepare_local_cluster` stops it.
#[tauri::command]
#[specta::specta]
pub async fn prepare_local_cluster(
    app: AppHandle,
    core: State<'_, CoreState>,
) -> Result<LocalClusterView, AppError> {
    prepare(&core, move |p| {
        let _ = LocalPrepareProgress::from(p).emit(&app);
    })
    .await?;
    local_status(&core).await
}

/// Stops the preparation in flight: the installer is killed and nothing stays half-installed. `false` when
/// none was running.
#[tauri::command]
#[specta::specta]
pub fn cancel_prepare_local_cluster(core: State<'_, CoreState>) -> bool {
    let handle = core.preparing.lock().ok().and_then(|mut slot| slot.take());
    handle.map(|h| h.abort()).is_some()
}

/// Runs the core's preparation as a task the cancel command can abort.
pub async fn prepare(
    core: &CoreState,
    on_progress: impl Fn(&local::PrepareProgress) + Send + Sync + 'static,
) -> Result<local::Prepared, AppError> {
    let data_dir = core.data_dir().to_path_buf();
    let task = tokio::spawn(async move { local::prepare(&data_dir, &on_progress).await });
    if let Ok(mut slot) = core.preparing.lock() {
        *slot = Some(task.abort_handle());
    }
    let result = task.await;
    if let Ok(mut slot) = core.preparing.lock() {
        *slot = None;
    }
    match result {
        Ok(prepared) => Ok(prepared.map_err(cluster::ClusterError::from)?),
        Err(e) if e.is_cancelled() => Err(AppError::new(
            ErrorCode::Cancelled,
            "Preparation cancelled; nothing was installed.",
        )),
        Err(e) => Err(join_error(e)),
    }
}

/// The clusters table.
pub async fn list(core: &CoreState) -> Result<Vec<ClusterView>, AppError> {
    let clusters = core.read(|s| s.clusters().list()).await?;
    Ok(clusters.into_iter().map(ClusterView::from).collect())
}

/// Row and key together (the core undoes the row if the keyring refuses).
pub async fn add(
    core: &CoreState,
    name: &str,
    url: &str,
    key: Sensitive<String>,
    allow_insecure: bool,
) -> Result<ClusterView, AppError> {
    if name.trim().is_empty() {
        return Err(AppError::new(ErrorCode::InvalidInput, "Give the cluster a name."));
    }
    let added = cluster::add_cluster(
        &core.cluster_store(),
        &core.keyring,
        name.trim(),
        url.trim(),
        key,
        allow_insecure,
    )
    .await?;
    Ok(added.into())
}

/// The core's connection test.
pub async fn test(core: &CoreState, id: &str) -> Result<ClusterTestView, AppError> {
    Ok(
        cluster::test_cluster(&core.cluster_store(), &core.keyring, &core.http, id)
            .await?
            .into(),
    )
}

/// New URL (checked like on add; another server needs its key again) and/or new key.
pub async fn update(
    core: &CoreState,
    id: &str,
    url: Option<&str>,
    key: Option<Sensitive<String>>,
    allow_insecure: bool,
) -> Result<ClusterView, AppError> {
    let updated = cluster::update_cluster(
        &core.cluster_store(),
        &core.keyring,
        id,
        url.map(str::trim),
        key,
        allow_insecure,
    )
    .await?;
    Ok(updated.into())
}

/// Key first, then the row.
pub async fn remove(core: &CoreState, id: &str) -> Result<ClusterView, AppError> {
    Ok(cluster::remove_cluster(&core.cluster_store(), &core.keyring, id)
        .await?
        .into())
}

/// Running (its discovery file names a live process), else stopped or missing its Python stack.
pub async fn local_status(core: &CoreState) -> Result<LocalClusterView, AppError> {
    let data_dir = core.data_dir();
    let agent_dir = data_dir.join(local::LOCAL_AGENT_FOLDER);
    let python = local::resolve_python(data_dir, None);
    let cluster = core.read(|s| s.clusters().local()).await?.map(ClusterView::from);
    let mut view = LocalClusterView {
        state: "stopped".to_owned(),
        url: None,
        pid: None,
        python: python.display().to_string(),
        detail: None,
        prepare_command: PREPARE_COMMAND.to_owned(),
        log: local::log_path(&agent_dir).display().to_string(),
        cluster,
    };
    if let Some(running) = local::running_agent(&agent_dir) {
        view.state = "running".to_owned();
        view.url = Some(running.url);
        view.pid = Some(running.pid);
        return Ok(view);
    }
    match local::check_python(&python).await {
        Ok(()) => {}
        Err(LocalError::PythonStackMissing { detail, .. }) => {
            view.state = "python_missing".to_owned();
            view.detail = Some(detail);
        }
        Err(other) => return Err(cluster::ClusterError::from(other).into()),
    }
    Ok(view)
}

/// The core's `ensure_running`, checking the Python stack first.
pub async fn start_local(core: &CoreState) -> Result<LocalClusterView, AppError> {
    let options = LocalOptions {
        data_dir: core.data_dir().to_path_buf(),
        agent_bin: None,
        python: None,
        check_python: true,
    };
    local::ensure_running(&core.cluster_store(), &core.keyring, &core.http, &options).await?;
    local_status(core).await
}

#[cfg(test)]
#[path = "clusters_tests.rs"]
pub(crate) mod tests;
