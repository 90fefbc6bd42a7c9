//! "Use a local folder": a Hugging Face model folder on this computer as the base model on the Local cluster.
//! The core links it into the local agent's models (not copied), and the agent then offers it by name, as
//! `brightrun train --base-model PATH` does. A cluster on another machine cannot read the folder: refused
//! with the CLI's own message.

use std::path::{Path, PathBuf};

use brightrun_core::cluster::local::{link_local_model, LocalModelError};
use brightrun_core::store::clusters::ClusterKind;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::error::AppError;

/// A local folder registered with the local agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LocalModelView {
    /// The name the local cluster offers it under (the form's base model).
    pub name: String,
    /// The folder, as given.
    pub path: String,
}

/// Asks for a folder with the OS's dialog; `None` when the user cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_model_folder(app: AppHandle) -> Result<Option<String>, AppError> {
    let picked = tokio::task::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Choose a Hugging Face model folder")
            .blocking_pick_folder()
    })
    .await
    .map_err(join_error)?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// Registers `path` with the local agent for the cluster `cluster_id` and returns the name to train.
#[tauri::command]
#[specta::specta]
pub async fn use_local_model_folder(
    core: State<'_, CoreState>,
    cluster_id: String,
    path: String,
) -> Result<LocalModelView, AppError> {
    use_folder(&core, cluster_id, path).await
}

/// [`use_local_model_folder`] without a window: the cluster from the store (`cluster_missing` when it was
/// removed), then the link, both on the blocking pool.
pub async fn use_folder(
    core: &CoreState,
    cluster_id: String,
    path: String,
) -> Result<LocalModelView, AppError> {
    let cluster = core.read(move |s| s.clusters().find(&cluster_id)).await?;
    let data_dir = core.data_dir().to_path_buf();
    tokio::task::spawn_blocking(move || register_folder(&data_dir, &cluster.name, cluster.kind, &path))
        .await
        .map_err(join_error)?
}

/// The command's work, without a window: refuse a remote cluster, else link the folder.
pub fn register_folder(
    data_dir: &Path,
    cluster_name: &str,
    kind: ClusterKind,
    path: &str,
) -> Result<LocalModelView, AppError> {
    let path = path.trim();
    if kind != ClusterKind::Local {
        return Err(LocalModelError::RemoteCluster {
            path: path.to_string(),
            cluster: cluster_name.to_string(),
        }
        .into());
    }
    let name = link_local_model(data_dir, &PathBuf::from(path))?;
    Ok(LocalModelView {
        name,
        path: path.to_string(),
    })
}

#[cfg(test)]
#[path = "local_models_tests.rs"]
mod tests;
