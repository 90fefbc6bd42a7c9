//! Retrying a failed or cancelled job: the same dataset, cluster, model and settings, named
//! "<name> (Retry #n)", and after an out-of-memory failure with half the batch size (DESIGN.md).

use super::{db, JobsError, LaunchRequest, SharedStore};
use crate::store::training_jobs::{JobStatus, TrainingJob};

/// The trainer's error kind for a run that did not fit in GPU memory.
pub const OUT_OF_MEMORY: &str = "out_of_memory";

/// The launch request of a retry of `job_id` (a failed or cancelled job); launch it with [`super::launch`].
/// The caller may still change it (e.g. override the budget) before launching.
pub async fn retry_request(store: &SharedStore, job_id: &str) -> Result<LaunchRequest, JobsError> {
    let id = job_id.to_string();
    let (job, retries) = db::with(store, move |s| {
        let job = s.training_jobs().find(&id)?;
        let retries = s.training_jobs().retry_count(&job.id)?;
        Ok((job, retries))
    })
    .await?;
    retry_of(&job, retries)
}

/// The retry of `job`, which already has `retries` retries.
pub fn retry_of(job: &TrainingJob, retries: u64) -> Result<LaunchRequest, JobsError> {
    if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Err(JobsError::NotOffered {
            message: format!(
                "job {} is {}; only a failed or cancelled job can be retried",
                job.id,
                job.status.as_str()
            ),
        });
    }
    let mut hyperparameters = job.hyperparameters.clone();
    if job.error_kind.as_deref() == Some(OUT_OF_MEMORY) {
        // Half the examples per micro-step, twice the accumulation: the same effective batch in less memory.
        if hyperparameters.batch_size > 1 {
            hyperparameters.batch_size /= 2;
            hyperparameters.gradient_accumulation = hyperparameters.gradient_accumulation.saturating_mul(2);
        }
    }
    // A retry of a retry counts from the original, so names read "run (Retry #2)", not "run (Retry #1) (Retry #1)".
    let base = match job.name.rfind(" (Retry #") {
        Some(at) if job.name.ends_with(')') && job.retry_of.is_some() => &job.name[..at],
        _ => job.name.as_str(),
    };
    Ok(LaunchRequest {
        dataset_id: job.dataset_id.clone(),
        cluster_id: job.cluster_id.clone(),
        name: Some(format!("{base} (Retry #{})", retries + 1)),
        base_model: job.base_model.clone(),
        model_spec: None,
        hyperparameters,
        gpu_type: Some(job.gpu_type.clone()),
        gpu_count: job.gpu_count,
        spot: job.spot,
        max_duration_hours: job.max_duration_hours,
        budget_override: false,
        retry_of: Some(job.id.clone()),
        // The same records as the original: it skipped invalid ones by the user's choice.
        skip_invalid: job.skipped_invalid > 0,
    })
}
