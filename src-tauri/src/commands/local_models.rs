//! "Use a local folder": a Hugging Face model folder on this computer as the base model on the Local cluster.
//! The core links it into the local agent's models (not copied), and the agent then offers it by name, as
//! `brightrun train --base-model PATH` does. A cluster on another machine cannot read the folder: refused
//! with the CLI's own message.

use std::path::{Path, PathBuf};

use brightrun_core::cluster::local::{link_local_model, LocalModelError};
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::StoreAccess;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::{AppError, ErrorCode};
use crate::poller::{internal, JobsRuntime};

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
    .map_err(internal)?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// Registers `path` with the local agent for the cluster `cluster_id` and returns the name to train.
#[tauri::command]
#[specta::specta]
pub async fn use_local_model_folder(
    runtime: State<'_, JobsRuntime>,
    cluster_id: String,
    path: String,
) -> Result<LocalModelView, AppError> {
    let store = runtime.store.clone();
    let data_dir = runtime.data_dir().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let cluster = store
            .with_store(|s| s.clusters().find(&cluster_id))
            .map_err(|e| AppError::new(ErrorCode::NotFound, e.to_string()))?;
        register_folder(&data_dir, &cluster.name, cluster.kind, &path)
    })
    .await
    .map_err(internal)?
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
        return Err(local_model_error(LocalModelError::RemoteCluster {
            path: path.to_string(),
            cluster: cluster_name.to_string(),
        }));
    }
    let name = link_local_model(data_dir, &PathBuf::from(path)).map_err(local_model_error)?;
    Ok(LocalModelView {
        name,
        path: path.to_string(),
    })
}

/// A folder that is not a model, or a remote cluster, is the user's to fix; a failed link is not.
fn local_model_error(error: LocalModelError) -> AppError {
    let code = match error {
        LocalModelError::NotAModel { .. } | LocalModelError::RemoteCluster { .. } => ErrorCode::InvalidInput,
        LocalModelError::Link { .. } => ErrorCode::Internal,
    };
    AppError::new(code, error.to_string())
}

#[cfg(test)]
#[path = "local_models_tests.rs"]
mod tests;
