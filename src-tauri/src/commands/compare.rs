//! Compare runs: two to six jobs, their loss curves, the settings that differ and their final losses, from the
//! core's `jobs::compare::compare_jobs` (what `brightrun jobs compare` prints).

use brightrun_core::jobs::compare::{compare_jobs as core_compare, CompareError};
use tauri::State;

use crate::dto::model_use::ComparisonView;
use crate::error::{AppError, ErrorCode};
use crate::poller::JobsRuntime;

/// Compares the jobs `job_ids` (2 to 6, each once).
#[tauri::command]
#[specta::specta]
pub async fn compare_jobs(
    runtime: State<'_, JobsRuntime>,
    job_ids: Vec<String>,
) -> Result<ComparisonView, AppError> {
    compare(&runtime, &job_ids)
}

/// The window-free half of [`compare_jobs`].
pub fn compare(runtime: &JobsRuntime, job_ids: &[String]) -> Result<ComparisonView, AppError> {
    let comparison = runtime
        .with_store(|s| core_compare(s, job_ids))
        .map_err(|e| match e {
            CompareError::Store(inner) => inner.into(),
            count @ CompareError::Count(_) => AppError::new(ErrorCode::InvalidInput, count.to_string()),
        })?;
    Ok(ComparisonView::from(&comparison))
}
