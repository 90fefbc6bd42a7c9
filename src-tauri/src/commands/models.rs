//! The Models page: trained adapters with their quality metrics and lineage (dataset, configuration, job).
//! Each command is a thin wrapper over a plain function of [`CoreState`] that tests call without a window.

use std::path::Path;

use brightrun_core::store::model_artifacts::ModelArtifact;
use brightrun_core::store::{Store, StoreError};
use tauri::State;

use crate::core_state::CoreState;
pub use crate::dto::models::{ModelFile, ModelView};
use crate::error::AppError;

/// Trained adapters, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_models(core: State<'_, CoreState>) -> Result<Vec<ModelView>, AppError> {
    list(&core).await
}

/// One adapter.
#[tauri::command]
#[specta::specta]
pub async fn model_detail(core: State<'_, CoreState>, model_id: String) -> Result<ModelView, AppError> {
    detail(&core, model_id).await
}

/// Every recorded adapter with its dataset's name (when the dataset is still in the library).
pub async fn list(core: &CoreState) -> Result<Vec<ModelView>, AppError> {
    let data_dir = core.data_dir().to_path_buf();
    core.read(move |s| -> Result<_, StoreError> {
        let models = s.model_artifacts().list()?;
        models.iter().map(|m| view_of(s, &data_dir, m)).collect()
    })
    .await
}

/// One adapter by id (`not_found` when it is gone).
pub async fn detail(core: &CoreState, model_id: String) -> Result<ModelView, AppError> {
    let data_dir = core.data_dir().to_path_buf();
    core.read(move |s| -> Result<_, StoreError> {
        let m = s.model_artifacts().find(&model_id)?;
        view_of(s, &data_dir, &m)
    })
    .await
}

/// The view of one recorded adapter: its dataset's name (when still in the library) and its version. Runs
/// inside [`CoreState::read`].
pub fn view_of(s: &Store, data_dir: &Path, m: &ModelArtifact) -> Result<ModelView, StoreError> {
    let dataset = s.datasets().get(&m.dataset_id).ok().map(|d| d.name);
    let version = s.model_versions().of(&m.id)?.version;
    Ok(ModelView::new(data_dir, m, dataset, version))
}
