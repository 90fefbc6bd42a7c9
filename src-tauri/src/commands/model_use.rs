//! The model page: versions and lineage, rename / describe / delete / restore, export as ZIP, open the
//! adapter's folder, merge into the base model, and "Train again". Each command is a few lines over the core
//! functions `brightrun models …` uses (`brightrun_core::models`, `store::model_versions`).

use std::path::{Path, PathBuf};

use brightrun_core::models::{self, MergeProgress};
use brightrun_core::store::model_artifacts::ModelArtifact;
use brightrun_core::store::training_jobs::TrainingJob;
use brightrun_core::store::StoreError;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::commands::models::ModelView;
use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::dto::model_use::{ExportedZipView, MergeStep, MergedModelView, ModelPage, Snippets, VersionView};
use crate::error::{AppError, ErrorCode};

/// The model page's data for `model_id` (id, prefix or job id; models in the trash too).
#[tauri::command]
#[specta::specta]
pub async fn model_page(core: State<'_, CoreState>, model_id: String) -> Result<ModelPage, AppError> {
    page(&core, &model_id).await
}

/// Renames a model (a blank name is refused).
#[tauri::command]
#[specta::specta]
pub async fn rename_model(
    core: State<'_, CoreState>,
    model_id: String,
    name: String,
) -> Result<ModelPage, AppError> {
    rename(&core, model_id, name).await
}

/// Replaces a model's description.
#[tauri::command]
#[specta::specta]
pub async fn describe_model(
    core: State<'_, CoreState>,
    model_id: String,
    description: String,
) -> Result<ModelPage, AppError> {
    describe(&core, model_id, description).await
}

/// Moves a model to the trash (its files stay).
#[tauri::command]
#[specta::specta]
pub async fn delete_model(core: State<'_, CoreState>, model_id: String) -> Result<ModelPage, AppError> {
    delete(&core, model_id).await
}

/// Brings a model back from the trash.
#[tauri::command]
#[specta::specta]
pub async fn restore_model(core: State<'_, CoreState>, model_id: String) -> Result<ModelPage, AppError> {
    restore(&core, model_id).await
}

/// The models in the trash, newest first (a model page offers Restore).
#[tauri::command]
#[specta::specta]
pub async fn list_deleted_models(core: State<'_, CoreState>) -> Result<Vec<ModelView>, AppError> {
    deleted(&core).await
}

/// [`rename_model`] without a window.
pub async fn rename(core: &CoreState, model_id: String, name: String) -> Result<ModelPage, AppError> {
    let id = model_id.clone();
    core.read(move |s| s.model_artifacts().rename(&id, &name)).await?;
    page(core, &model_id).await
}

/// [`describe_model`] without a window.
pub async fn describe(
    core: &CoreState,
    model_id: String,
    description: String,
) -> Result<ModelPage, AppError> {
    let id = model_id.clone();
    core.read(move |s| s.model_artifacts().describe(&id, &description))
        .await?;
    page(core, &model_id).await
}

/// [`delete_model`] without a window.
pub async fn delete(core: &CoreState, model_id: String) -> Result<ModelPage, AppError> {
    let id = model_id.clone();
    core.read(move |s| s.model_artifacts().soft_delete(&id)).await?;
    page(core, &model_id).await
}

/// [`restore_model`] without a window.
pub async fn restore(core: &CoreState, model_id: String) -> Result<ModelPage, AppError> {
    let id = model_id.clone();
    core.read(move |s| s.model_artifacts().restore(&id)).await?;
    page(core, &model_id).await
}

/// The trash (plain, for tests).
pub async fn deleted(core: &CoreState) -> Result<Vec<ModelView>, AppError> {
    let data_dir = core.data_dir().to_path_buf();
    core.read(move |s| -> Result<_, StoreError> {
        s.model_artifacts()
            .list_deleted()?
            .iter()
            .map(|m| crate::commands::models::view_of(s, &data_dir, m))
            .collect()
    })
    .await
}

/// "Train again": the job `job_id` (just launched from the model's settings) records `parent_model_id` as
/// its parent, so its model gets the next version when it is recorded (what `train --parent-model` does).
#[tauri::command]
#[specta::specta]
pub async fn record_parent_model(
    core: State<'_, CoreState>,
    job_id: String,
    parent_model_id: String,
) -> Result<(), AppError> {
    record_parent(&core, job_id, parent_model_id).await
}

/// Asks where to save the model as a ZIP (the OS's save dialog), then writes it there through the core's
/// export. The written archive, or `None` when the user cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_model_zip(
    app: AppHandle,
    core: State<'_, CoreState>,
    model_id: String,
) -> Result<Option<ExportedZipView>, AppError> {
    let model = core.read(move |s| s.model_artifacts().find(&model_id)).await?;
    let suggested = format!("{}.zip", file_stem(&model.name));
    let dest = match test_save_dir() {
        Some(folder) => Some(folder.join(&suggested)),
        None => ask_zip_path(app, suggested).await?,
    };
    match dest {
        Some(dest) => export_to(&core, &model.id, &dest).await.map(Some),
        None => Ok(None),
    }
}

/// The OS's save dialog for a ZIP, off the async threads (it runs its own loop until the user answers); `None`
/// when the user cancelled.
async fn ask_zip_path(app: AppHandle, suggested: String) -> Result<Option<PathBuf>, AppError> {
    let picked = tokio::task::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Export model as ZIP")
            .set_file_name(suggested)
            .add_filter("ZIP archive", &["zip"])
            .blocking_save_file()
    })
    .await
    .map_err(join_error)?;
    picked
        .map(|p| {
            p.into_path().map_err(|err| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("The dialog returned no file path: {err}"),
                )
            })
        })
        .transpose()
}

/// The test flavour's stand-in for the save dialog, which WebDriver cannot reach: `BRIGHTRUN_TEST_SAVE_DIR`,
/// honoured only with `BRIGHTRUN_ENV=test`, so a user's app always asks.
fn test_save_dir() -> Option<PathBuf> {
    if crate::environment::AppEnvironment::detect() != crate::environment::AppEnvironment::Test {
        return None;
    }
    std::env::var_os("BRIGHTRUN_TEST_SAVE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Writes model `model_id` to the ZIP `dest` with the core's export (a `.part` file renamed when whole; the
/// adapter's bytes checked against the verified download). The dialog-free half of [`export_model_zip`].
pub async fn export_to(core: &CoreState, model_id: &str, dest: &Path) -> Result<ExportedZipView, AppError> {
    let data_dir = core.data_dir().to_path_buf();
    let (model_id, dest) = (model_id.to_string(), dest.to_path_buf());
    let zip = core
        .read(move |s| models::export_model(s, &data_dir, &model_id, &dest))
        .await?;
    Ok(ExportedZipView::from(&zip))
}

/// Shows the adapter's folder in the OS's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_model_folder(
    app: AppHandle,
    core: State<'_, CoreState>,
    model_id: String,
) -> Result<(), AppError> {
    let folder = adapter_folder(&core, model_id).await?;
    app.opener()
        .open_path(folder.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("Cannot open {}: {e}", folder.display()),
            )
        })
}

/// Merges the adapter into its base model on the cluster that trained it, then downloads the merged model
/// (resumable, each file checked against its SHA-256) into `<data>/models/<job id>-merged`. Progress goes to
/// `on_progress` as it happens.
#[tauri::command]
#[specta::specta]
pub async fn merge_model(
    core: State<'_, CoreState>,
    model_id: String,
    on_progress: Channel<MergeStep>,
) -> Result<MergedModelView, AppError> {
    merge(&core, &model_id, &mut |step| {
        // A closed page stops listening; the merge still finishes and stays on disk.
        let _ = on_progress.send(step);
    })
    .await
}

/// The dialog-free, window-free half of [`merge_model`].
pub async fn merge(
    core: &CoreState,
    model_id: &str,
    on_step: &mut (dyn FnMut(MergeStep) + Send),
) -> Result<MergedModelView, AppError> {
    let (model, job) = model_and_job(core, model_id).await?;
    let client = core.client(&job.cluster_id).await?;
    let dest = brightrun_core::jobs::models_dir(core.data_dir()).join(format!("{}-merged", model.job_id));
    let mut progress = |p: MergeProgress| {
        on_step(match p {
            MergeProgress::Merging => MergeStep::Merging,
            MergeProgress::Downloading(p) => MergeStep::Downloading {
                done: p.done as f64,
                total: p.total as f64,
            },
        })
    };
    let merged = models::merge_model(&client, &model, &dest, &mut progress).await?;
    Ok(MergedModelView::from(&merged))
}

/// A model and the job that trained it (`not_found` when either is gone).
pub async fn model_and_job(
    core: &CoreState,
    model_id: &str,
) -> Result<(ModelArtifact, TrainingJob), AppError> {
    let model_id = model_id.to_owned();
    core.read(move |s| -> Result<_, StoreError> {
        let model = s.model_artifacts().find(&model_id)?;
        let job = s.training_jobs().get(&model.job_id)?;
        Ok((model, job))
    })
    .await
}

/// The model page's data (plain, for tests).
pub async fn page(core: &CoreState, model_id: &str) -> Result<ModelPage, AppError> {
    let (data_dir, model_id) = (core.data_dir().to_path_buf(), model_id.to_owned());
    let (model, view, version, versions, cluster_name) = core
        .read(move |s| -> Result<_, StoreError> {
            let m = s.model_artifacts().find(&model_id)?;
            let view = crate::commands::models::view_of(s, &data_dir, &m)?;
            let version = s.model_versions().of(&m.id)?;
            let versions = s.model_versions().history(&m.id)?;
            let cluster_name = s
                .training_jobs()
                .get(&m.job_id)
                .ok()
                .and_then(|j| s.clusters().find(&j.cluster_id).ok())
                .map(|c| c.name);
            Ok((m, view, version, versions, cluster_name))
        })
        .await?;
    let snippets = Snippets {
        peft: models::export::peft_snippet(&model.base_model, &view.adapter_dir),
        vllm: models::export::vllm_snippet(&model.base_model, &view.adapter_dir, &file_stem(&model.name)),
    };
    Ok(ModelPage {
        model: view,
        description: model.description.clone(),
        deleted_at: model.deleted_at.clone(),
        version: version.version,
        parent_model_id: version.parent_model_id,
        versions: versions.iter().map(VersionView::from).collect(),
        cluster_name,
        snippets,
    })
}

/// Records the parent of a "Train again" job (plain, for tests).
pub async fn record_parent(
    core: &CoreState,
    job_id: String,
    parent_model_id: String,
) -> Result<(), AppError> {
    core.read(move |s| -> Result<(), StoreError> {
        let parent = s.model_artifacts().find(&parent_model_id)?;
        s.model_versions().set_job_parent(&job_id, &parent.id)
    })
    .await
}

async fn adapter_folder(core: &CoreState, model_id: String) -> Result<PathBuf, AppError> {
    let model = core.read(move |s| s.model_artifacts().find(&model_id)).await?;
    let folder = core.data_dir().join(&model.adapter_dir);
    // A stat of one folder: quick, and the user is waiting for the file manager anyway.
    if !folder.is_dir() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!("The adapter's folder {} is gone.", folder.display()),
        ));
    }
    Ok(folder)
}

/// A file or adapter name from a model's name: "EQ demo · tiny" → `eq-demo-tiny`.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "model".into()
    } else {
        stem
    }
}

#[cfg(test)]
#[path = "model_use_tests.rs"]
mod tests;
