//! Cancelling a job: the cluster stops it (the trainer gets SIGTERM, then SIGKILL), and the row records the
//! cluster's answer and the user's reason. The poller records the `cancelled` transition and its notification.

use super::{db, ClientSource, JobsError, SharedStore};
use crate::store::training_jobs::TrainingJob;

/// Asks the job's cluster to cancel it with the user's `reason`; returns the job as the cluster then reports.
pub async fn cancel_job(
    store: &SharedStore,
    clients: &dyn ClientSource,
    job_id: &str,
    reason: Option<&str>,
) -> Result<TrainingJob, JobsError> {
    let id = job_id.to_string();
    let job = db::with(store, move |s| s.training_jobs().find(&id)).await?;
    let Some(remote_id) = job.remote_job_id.clone() else {
        return Err(JobsError::NotSubmitted(job.id));
    };
    if job.status.is_finished() {
        return Ok(job);
    }
    let client = clients.client(&job.cluster_id)?;
    let remote = client.cancel(&remote_id, reason).await?;
    let id = job.id.clone();
    db::with(store, move |s| s.training_jobs().apply_remote(&id, &remote)).await
}
