//! Retrying a failed or cancelled job, the one home of the rule for the CLI and the app: the same dataset,
//! cluster, model, GPUs and settings, named "<original name> (Retry #n)"; after an out-of-memory failure half the
//! batch and twice the gradient accumulation (the same effective batch in less memory); optionally the user's
//! edits of the editable settings.
//!
//! `retry_of` is the job that was retried (its parent); n counts every retry already made in the tree that
//! leads back to the original job, plus one (`TrainingJobs::retry_count`), so numbers never repeat. Rows the
//! app wrote before this rule point at the original instead of the parent: they are in the same tree, so the
//! numbering and the lineage back to the original read the same, and no row needed rewriting.

use super::{db, JobsError, LaunchRequest, SharedStore};
use crate::store::training_jobs::{JobStatus, TrainingJob};
use crate::training::Hyperparameters;

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
    let hyperparameters = out_of_memory_fix(job).unwrap_or_else(|| job.hyperparameters.clone());
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

/// After an out-of-memory failure: half the examples per micro-step and twice the accumulation (the same
/// effective batch in less memory); `None` for any other job, or when the batch is already 1.
pub fn out_of_memory_fix(job: &TrainingJob) -> Option<Hyperparameters> {
    if job.error_kind.as_deref() != Some(OUT_OF_MEMORY) || job.hyperparameters.batch_size <= 1 {
        return None;
    }
    let mut h = job.hyperparameters.clone();
    h.batch_size /= 2;
    h.gradient_accumulation = h.gradient_accumulation.saturating_mul(2);
    Some(h)
}

/// A retry with the user's edits: every editable setting from `edited`, while the seed, the target modules and
/// the validation split stay the retried job's (they define the run being retried). Refuses invalid settings.
pub fn override_settings(request: &mut LaunchRequest, edited: Hyperparameters) -> Result<(), JobsError> {
    let kept = &request.hyperparameters;
    let settings = Hyperparameters {
        target_modules: kept.target_modules.clone(),
        seed: kept.seed,
        validation_split: kept.validation_split,
        ..edited
    };
    let errors = settings.validate();
    if !errors.is_empty() {
        return Err(JobsError::InvalidHyperparameters(errors));
    }
    request.hyperparameters = settings;
    Ok(())
}
