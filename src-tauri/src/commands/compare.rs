//! Compare runs: two to six jobs, their loss curves, the settings that differ and their final losses, from the
//! core's `jobs::compare::compare_jobs` (what `brightrun jobs compare` prints).

use brightrun_core::jobs::compare::compare_jobs as core_compare;
use tauri::State;

use crate::core_state::CoreState;
use crate::dto::model_use::ComparisonView;
use crate::error::AppError;

/// Compares the jobs `job_ids` (2 to 6, each once).
#[tauri::command]
#[specta::specta]
pub async fn compare_jobs(
    core: State<'_, CoreState>,
    job_ids: Vec<String>,
) -> Result<ComparisonView, AppError> {
    compare(&core, job_ids).await
}

/// The window-free half of [`compare_jobs`].
pub async fn compare(core: &CoreState, job_ids: Vec<String>) -> Result<ComparisonView, AppError> {
    let comparison = core.read(move |s| core_compare(s, &job_ids)).await?;
    Ok(ComparisonView::from(&comparison))
}
