//! Training → Jobs and the job monitor: the list, one job with its metrics, logs and checkpoints, cancel
//! (with a reason) and retry ("<name> (Retry #n)", half the batch after an out-of-memory failure).

use brightrun_core::cluster::client::MetricsPoint;
use brightrun_core::jobs::cancel_job as core_cancel;
use brightrun_core::store::training_jobs::{JobStatus, TrainingJob};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::commands::training::{launch_request, HyperparametersInput};
use crate::core_state::CoreState;
use crate::error::{AppError, ErrorCode};

/// A job as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct JobView {
    /// Local id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Cluster id.
    pub cluster_id: String,
    /// The cluster's id of the job.
    pub remote_job_id: Option<String>,
    /// Dataset id.
    pub dataset_id: String,
    /// Base model.
    pub base_model: String,
    /// Editable settings.
    pub hyperparameters: HyperparametersInput,
    /// Every setting, as sent (pretty JSON text: specta cannot type arbitrary JSON numbers).
    pub hyperparameters_json: String,
    /// GPU type.
    pub gpu_type: String,
    /// GPUs.
    pub gpu_count: u32,
    /// Spot capacity.
    pub spot: bool,
    /// Max duration (hours).
    pub max_duration_hours: f64,
    /// `submitting`, `queued`, `initializing`, `running`, `completed`, `failed`, `cancelled`.
    pub status: String,
    /// Stage within a running job.
    pub stage: Option<String>,
    /// Percent done.
    pub progress: f64,
    /// Current step.
    pub current_step: f64,
    /// Total steps.
    pub total_steps: Option<f64>,
    /// Current epoch.
    pub current_epoch: Option<f64>,
    /// Total epochs.
    pub total_epochs: Option<f64>,
    /// Expected cost from the estimate (USD), when there was one.
    pub estimate_usd: Option<f64>,
    /// High end of the estimate (USD).
    pub estimate_high_usd: Option<f64>,
    /// Expected duration from the estimate (seconds).
    pub estimate_seconds: Option<f64>,
    /// Spent so far (USD).
    pub cost_usd: f64,
    /// Why it failed (`out_of_memory`, …).
    pub error_kind: Option<String>,
    /// What happened.
    pub error_message: Option<String>,
    /// What to do about it.
    pub error_hint: Option<String>,
    /// Reason given when cancelled.
    pub cancel_reason: Option<String>,
    /// Adapter download: `downloading`, `ready`, `failed`.
    pub artifacts_status: Option<String>,
    /// Why the download failed.
    pub artifacts_error: Option<String>,
    /// Launched here (RFC 3339).
    pub created_at: String,
    /// Started running.
    pub started_at: Option<String>,
    /// Ended.
    pub finished_at: Option<String>,
    /// Since when its cluster does not answer.
    pub unreachable_since: Option<String>,
    /// The job this one retries.
    pub retry_of: Option<String>,
}

impl From<&TrainingJob> for JobView {
    fn from(job: &TrainingJob) -> Self {
        let estimate = job.estimate.as_ref();
        let pick = |path: &[&str]| -> Option<f64> {
            let mut value = estimate?;
            for key in path {
                value = value.get(key)?;
            }
            value.as_f64()
        };
        Self {
            id: job.id.clone(),
            name: job.name.clone(),
            cluster_id: job.cluster_id.clone(),
            remote_job_id: job.remote_job_id.clone(),
            dataset_id: job.dataset_id.clone(),
            base_model: job.base_model.clone(),
            hyperparameters: HyperparametersInput::from_core(&job.hyperparameters),
            hyperparameters_json: serde_json::to_string_pretty(&job.hyperparameters).unwrap_or_default(),
            gpu_type: job.gpu_type.clone(),
            gpu_count: job.gpu_count,
            spot: job.spot,
            max_duration_hours: job.max_duration_hours,
            status: job.status.as_str().to_string(),
            stage: job.stage.clone(),
            progress: job.progress,
            current_step: job.current_step as f64,
            total_steps: job.total_steps.map(|t| t as f64),
            current_epoch: job.current_epoch,
            total_epochs: job.total_epochs,
            estimate_usd: pick(&["cost_usd", "expected"]),
            estimate_high_usd: pick(&["cost_usd", "high"]),
            estimate_seconds: pick(&["seconds", "expected"]),
            cost_usd: job.cost_usd,
            error_kind: job.error_kind.clone(),
            error_message: job.error_message.clone(),
            error_hint: job.error_hint.clone(),
            cancel_reason: job.cancel_reason.clone(),
            artifacts_status: job.artifacts_status.clone(),
            artifacts_error: job.artifacts_error.clone(),
            created_at: job.created_at.clone(),
            started_at: job.started_at.clone(),
            finished_at: job.finished_at.clone(),
            unreachable_since: job.unreachable_since.clone(),
            retry_of: job.retry_of.clone(),
        }
    }
}

/// One metrics point (numbers TypeScript can hold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MetricsPointView {
    /// Step.
    pub step: f64,
    /// Epoch.
    pub epoch: Option<f64>,
    /// Training loss.
    pub train_loss: Option<f64>,
    /// Validation loss.
    pub val_loss: Option<f64>,
    /// Learning rate.
    pub learning_rate: Option<f64>,
    /// Gradient norm.
    pub grad_norm: Option<f64>,
    /// Tokens per second.
    pub tokens_per_second: Option<f64>,
    /// GPU utilisation (%).
    pub gpu_utilization: Option<f64>,
    /// GPU memory (GB).
    pub gpu_memory_gb: Option<f64>,
    /// When (RFC 3339).
    pub timestamp: String,
}

impl From<&MetricsPoint> for MetricsPointView {
    fn from(p: &MetricsPoint) -> Self {
        Self {
            step: p.step as f64,
            epoch: p.epoch,
            train_loss: p.train_loss,
            val_loss: p.val_loss,
            learning_rate: p.learning_rate,
            grad_norm: p.grad_norm,
            tokens_per_second: p.tokens_per_second,
            gpu_utilization: p.gpu_utilization,
            gpu_memory_gb: p.gpu_memory_gb,
            timestamp: p.timestamp.clone(),
        }
    }
}

/// A checkpoint of a job.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct CheckpointView {
    /// Step.
    pub step: f64,
    /// Folder name.
    pub name: String,
    /// When.
    pub created_at: String,
}

/// Everything the monitor shows at once.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct JobDetail {
    /// The job.
    pub job: JobView,
    /// Every metrics point, in step order.
    pub metrics: Vec<MetricsPointView>,
    /// The end of the log.
    pub log_tail: String,
    /// Checkpoints.
    pub checkpoints: Vec<CheckpointView>,
    /// The cluster's name.
    pub cluster_name: String,
    /// The model trained by this job, once downloaded.
    pub model_id: Option<String>,
    /// The settings a retry would use after an out-of-memory failure (half the batch), if any.
    pub suggested_retry: Option<HyperparametersInput>,
}

/// How much log the monitor gets at once; the full log stays in the store.
pub const LOG_TAIL_BYTES: usize = 64 * 1024;

/// Jobs, newest first, optionally of one status.
#[tauri::command]
#[specta::specta]
pub async fn list_jobs(core: State<'_, CoreState>, status: Option<String>) -> Result<Vec<JobView>, AppError> {
    let status =
        match status.as_deref() {
            None | Some("") | Some("all") => None,
            Some(raw) => Some(JobStatus::parse(raw).ok_or_else(|| {
                AppError::new(ErrorCode::InvalidInput, format!("unknown job status {raw:?}"))
            })?),
        };
    let jobs = core.read(move |s| s.training_jobs().list(status)).await?;
    Ok(jobs.iter().map(JobView::from).collect())
}

/// One job with its metrics, log tail and checkpoints; asks the poller for a fresh pass.
#[tauri::command]
#[specta::specta]
pub async fn job_detail(core: State<'_, CoreState>, job_id: String) -> Result<JobDetail, AppError> {
    let detail = core
        .read(move |s| -> Result<JobDetail, brightrun_core::store::StoreError> {
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
        .await?;
    Ok(detail)
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
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "say why the job is cancelled",
        ));
    }
    let job = core_cancel(&core.store, core.clients.as_ref(), &job_id, Some(reason)).await?;
    core.poll_now().await;
    crate::tray::refresh(&app);
    Ok(JobView::from(&job))
}

/// Launches a failed or cancelled job again by the core's rule (`jobs::retry_request`: "(Retry #n)",
/// `retry_of` = this job, the out-of-memory fix), with `hyperparameters` when the user edited them.
#[tauri::command]
#[specta::specta]
pub async fn retry_job(
    app: AppHandle,
    core: State<'_, CoreState>,
    job_id: String,
    hyperparameters: Option<HyperparametersInput>,
    budget_override: bool,
) -> Result<JobView, AppError> {
    let mut request = brightrun_core::jobs::retry_request(&core.store, &job_id).await?;
    if let Some(edited) = hyperparameters {
        brightrun_core::jobs::override_settings(&mut request, edited.to_core())?;
    }
    request.model_spec =
        crate::commands::training::model_spec(&core, &request.cluster_id, &request.base_model).await;
    request.budget_override = budget_override;
    launch_request(&app, &core, request).await
}

/// After an out-of-memory failure: the core's fix (half the batch, twice the accumulation), for the form.
pub fn suggested_retry(job: &TrainingJob) -> Option<HyperparametersInput> {
    if job.status != JobStatus::Failed {
        return None;
    }
    brightrun_core::jobs::out_of_memory_fix(job).map(|h| HyperparametersInput::from_core(&h))
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
