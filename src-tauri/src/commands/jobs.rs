//! Training → Jobs and the job monitor: the list, one job with its metrics, logs and checkpoints, cancel
//! (with a reason) and retry (the core's rule). Each command is a thin wrapper over a plain function of
//! [`CoreState`] that tests call without a window.

use brightrun_core::jobs::{self, LaunchRequest};
use brightrun_core::store::training_jobs::{JobStatus as CoreJobStatus, TrainingJob};
use brightrun_core::store::StoreError;
use tauri::{AppHandle, State};

use crate::commands::training::{launch_with_events, model_spec};
use crate::core_state::CoreState;
pub use crate::dto::jobs::{CheckpointView, JobDetail, JobStatus, JobView, MetricsPointView};
use crate::dto::training::HyperparametersInput;
use crate::error::{AppError, ErrorCode};

/// How much log the monitor gets at once; the full log stays in the store.
pub const LOG_TAIL_BYTES: usize = 64 * 1024;

/// Jobs, newest first; only those of `status` when given.
#[tauri::command]
#[specta::specta]
pub async fn list_jobs(
    core: State<'_, CoreState>,
    status: Option<JobStatus>,
) -> Result<Vec<JobView>, AppError> {
    list(&core, status).await
}

/// One job with its metrics, log tail and checkpoints.
#[tauri::command]
#[specta::specta]
pub async fn job_detail(core: State<'_, CoreState>, job_id: String) -> Result<JobDetail, AppError> {
    detail(&core, job_id).await
}

/// Asks the poller for a pass now.
#[tauri::command]
#[specta::specta]
pub async fn poll_jobs_now(core: State<'_, CoreState>) -> Result<(), AppError> {
    core.poll_now().await;
    Ok(())
}

/// Cancels a job with the user's reason.
#[tauri::command]
#[specta::specta]
pub async fn cancel_job(
    app: AppHandle,
    core: State<'_, CoreState>,
    job_id: String,
    reason: String,
) -> Result<JobView, AppError> {
    let job = cancel(&core, &job_id, &reason).await?;
    crate::tray::refresh(&app);
    Ok(job)
}

/// Launches a failed or cancelled job again by the core's rule, with `hyperparameters` when the user edited them.
#[tauri::command]
#[specta::specta]
pub async fn retry_job(
    app: AppHandle,
    core: State<'_, CoreState>,
    job_id: String,
    hyperparameters: Option<HyperparametersInput>,
    budget_override: bool,
) -> Result<JobView, AppError> {
    let request = retry_request(&core, &job_id, hyperparameters, budget_override).await?;
    launch_with_events(&app, &core, request).await
}

/// The jobs table, newest first.
pub async fn list(core: &CoreState, status: Option<JobStatus>) -> Result<Vec<JobView>, AppError> {
    let status = status.map(CoreJobStatus::from);
    let jobs = core.read(move |s| s.training_jobs().list(status)).await?;
    Ok(jobs.iter().map(JobView::from).collect())
}

/// A job (by id or unique prefix) with its metrics, the end of its log, checkpoints, cluster name and model.
pub async fn detail(core: &CoreState, job_id: String) -> Result<JobDetail, AppError> {
    core.read(move |s| -> Result<JobDetail, StoreError> {
        let job = s.training_jobs().find(&job_id)?;
        let metrics = s.metrics().list(&job.id)?;
        let log = s.job_logs().text(&job.id, 0)?;
        let checkpoints = s.checkpoints().list(&job.id)?;
        let cluster_name = s
            .clusters()
            .get(&job.cluster_id)?
            .map_or_else(|| job.cluster_id.clone(), |c| c.name);
        let model_id = s.model_artifacts().by_job(&job.id)?.map(|m| m.id);
        Ok(JobDetail {
            suggested_retry: suggested_retry(&job),
            job: JobView::from(&job),
            metrics: metrics.iter().map(MetricsPointView::from).collect(),
            log_tail: tail(&log, LOG_TAIL_BYTES).to_string(),
            checkpoints: checkpoints
                .into_iter()
                .map(|c| CheckpointView {
                    step: c.step as f64,
                    name: c.name,
                    created_at: c.created_at,
                })
                .collect(),
            cluster_name,
            model_id,
        })
    })
    .await
}

/// The core's cancel (the cluster stops the job; the row keeps the reason), then a poller pass.
pub async fn cancel(core: &CoreState, job_id: &str, reason: &str) -> Result<JobView, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "say why the job is cancelled",
        ));
    }
    let job = jobs::cancel_job(&core.store, core.clients.as_ref(), job_id, Some(reason)).await?;
    core.poll_now().await;
    Ok(JobView::from(&job))
}

/// The launch request of a retry by the core's rule (`jobs::retry_request`: a failed or cancelled job only,
/// "(Retry #n)", `retry_of` = this job, the out-of-memory fix), with the user's edits when given.
pub async fn retry_request(
    core: &CoreState,
    job_id: &str,
    edited: Option<HyperparametersInput>,
    budget_override: bool,
) -> Result<LaunchRequest, AppError> {
    let mut request = jobs::retry_request(&core.store, job_id).await?;
    if let Some(edited) = edited {
        jobs::override_settings(&mut request, edited.to_core())?;
    }
    request.model_spec = model_spec(core, &request.cluster_id, &request.base_model).await;
    request.budget_override = budget_override;
    Ok(request)
}

/// After an out-of-memory failure: the core's fix (half the batch, twice the accumulation), for the form.
pub fn suggested_retry(job: &TrainingJob) -> Option<HyperparametersInput> {
    if job.status != CoreJobStatus::Failed {
        return None;
    }
    jobs::out_of_memory_fix(job).map(|h| HyperparametersInput::from_core(&h))
}

/// The last `max` bytes of `text`, cut at a line start (or a character boundary).
pub fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    match text[start..].find('\n') {
        Some(newline) if newline + 1 < text.len() - start => &text[start + newline + 1..],
        _ => &text[start..],
    }
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod command_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_starts_at_a_line() {
        let log = "first line\nsecond line\nthird\n";
        assert_eq!(tail(log, 100), log);
        assert_eq!(tail(log, 12), "third\n");
        let accented = "ééééé\nok\n";
        assert_eq!(tail(accented, 5), "ok\n");
    }
}
