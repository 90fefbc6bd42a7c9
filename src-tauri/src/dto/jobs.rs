//! Job shapes for the UI: the list and the monitor, the poller's live updates, and the job vocabulary (status,
//! stage, error kind, artifact status, cost alert) as enums, so the UI's lists come from the bindings.

use brightrun_core::cluster::client::MetricsPoint;
use brightrun_core::jobs::JobEvent;
use brightrun_core::store::training_jobs::{JobExecutor, JobStatus as CoreJobStatus, TrainingJob};
use brightrun_core::training::budget::{cost_status, CostStatus};
use serde::{Deserialize, Serialize};

use super::notifications::NotificationView;
use super::training::HyperparametersInput;
use super::{mirror_enum, parse_name};

mirror_enum! {
    /// Where a job stands (`submitting` is local only: the cluster has not confirmed it yet).
    JobStatus <=> CoreJobStatus {
        Submitting,
        Queued,
        Initializing,
        Running,
        Completed,
        Failed,
        Cancelled,
    }
}

mirror_enum! {
    /// A job's cost so far against its estimate (the core's `cost_status`): normal below 80 %, warning from 80 %
    /// to 100 %, over above 100 %, far over above 120 %.
    CostAlert <=> CostStatus {
        Normal,
        Warning,
        OverEstimate,
        FarOverEstimate,
    }
}

/// The trainer's stage within a running job (docs/trainer.md, the `stage` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JobStage {
    /// Reading, splitting and tokenizing the dataset.
    Preprocessing,
    /// Loading the base model.
    ModelLoading,
    /// Training steps.
    Training,
    /// Evaluating on the validation set.
    Validating,
    /// Writing the adapter.
    Saving,
}

impl JobStage {
    /// The stage named `raw`; `None` for a stage this version does not know (a newer trainer), logged.
    pub fn parse(raw: &str) -> Option<Self> {
        let stage = parse_name(raw);
        if stage.is_none() {
            tracing::debug!(stage = raw, "a stage this version does not know");
        }
        stage
    }
}

/// Why a job failed: the trainer's kinds, the agent's and the app's own (api `JobError.kind`, docs/trainer.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JobErrorKind {
    /// The run did not fit in GPU memory: retry with half the batch.
    OutOfMemory,
    /// The loss became NaN.
    NanLoss,
    /// The dataset could not be read as training data.
    InvalidDataset,
    /// The cluster refused the job's settings.
    InvalidJob,
    /// The trainer could not find the dataset file.
    DatasetNotFound,
    /// The base model could not be found.
    ModelNotFound,
    /// The job ran past its max duration.
    MaxDuration,
    /// The agent restarted and could not resume the job.
    AgentRestarted,
    /// The cluster's trainer could not start.
    TrainerUnavailable,
    /// The uploaded dataset was gone from the cluster.
    DatasetMissing,
    /// The run ended without its adapter files.
    MissingArtifacts,
    /// The launch did not finish (recorded here before the cluster answered).
    LaunchFailed,
    /// The cluster no longer knows the job.
    ClusterLost,
    /// A bug in the trainer or agent.
    Internal,
    /// A kind this version does not know (a newer cluster); the message and hint still say what happened.
    #[serde(other)]
    Other,
}

impl JobErrorKind {
    /// The kind named `raw` (unknown ones are [`JobErrorKind::Other`]).
    pub fn parse(raw: &str) -> Self {
        parse_name(raw).unwrap_or(JobErrorKind::Other)
    }
}

/// Where the download of a completed job's adapter stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactStatus {
    /// Being downloaded and checked.
    Downloading,
    /// Downloaded, every file's SHA-256 checked: the model is on the Models page.
    Ready,
    /// The download failed (see `artifacts_error`); the poller tries again.
    Failed,
}

/// What runs a job's trainer on its cluster (api `ExecutorKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorKind {
    /// A process the agent started on its own machine.
    Local,
    /// A batch job the agent submitted to Slurm.
    Slurm,
}

/// Where a job runs, as the cluster reported it: the monitor says "Slurm job 1234" for a Slurm one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ExecutorView {
    /// Local process or Slurm batch job.
    pub kind: ExecutorKind,
    /// The Slurm job id (for `squeue -j`); `None` for a local process, and until Slurm accepted the job.
    pub job_id: Option<String>,
}

impl ExecutorView {
    /// The stored executor; `None` for a kind this version does not know (a newer agent), logged.
    pub fn of(executor: &JobExecutor) -> Option<Self> {
        let kind = parse_name(&executor.kind);
        if kind.is_none() {
            tracing::debug!(executor = executor.kind, "an executor this version does not know");
        }
        Some(Self {
            kind: kind?,
            job_id: executor.job_id.clone(),
        })
    }
}

/// The expected cost of a job's estimate (USD), when it has one.
pub fn estimated_usd(job: &TrainingJob) -> Option<f64> {
    estimate_at(job, "/cost_usd/expected")
}

fn estimate_at(job: &TrainingJob, pointer: &str) -> Option<f64> {
    job.estimate.as_ref()?.pointer(pointer)?.as_f64()
}

/// The core's cost alert of `job` at `cost_usd`; `None` without an estimate.
pub fn cost_alert_of(job: &TrainingJob, cost_usd: f64) -> Option<CostAlert> {
    estimated_usd(job).map(|estimate| cost_status(cost_usd, estimate).into())
}

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
    /// Where it stands.
    pub status: JobStatus,
    /// Stage within a running job.
    pub stage: Option<JobStage>,
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
    /// The spend against the estimate; `None` without an estimate.
    pub cost_alert: Option<CostAlert>,
    /// Why it failed.
    pub error_kind: Option<JobErrorKind>,
    /// What happened.
    pub error_message: Option<String>,
    /// What to do about it.
    pub error_hint: Option<String>,
    /// Reason given when cancelled.
    pub cancel_reason: Option<String>,
    /// Adapter download.
    pub artifacts_status: Option<ArtifactStatus>,
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
    /// What runs it on the cluster, once the cluster said (older agents do not say).
    pub executor: Option<ExecutorView>,
}

impl From<&TrainingJob> for JobView {
    fn from(job: &TrainingJob) -> Self {
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
            status: job.status.into(),
            stage: job.stage.as_deref().and_then(JobStage::parse),
            progress: job.progress,
            current_step: job.current_step as f64,
            total_steps: job.total_steps.map(|t| t as f64),
            current_epoch: job.current_epoch,
            total_epochs: job.total_epochs,
            estimate_usd: estimated_usd(job),
            estimate_high_usd: estimate_at(job, "/cost_usd/high"),
            estimate_seconds: estimate_at(job, "/seconds/expected"),
            cost_usd: job.cost_usd,
            cost_alert: cost_alert_of(job, job.cost_usd),
            error_kind: job.error_kind.as_deref().map(JobErrorKind::parse),
            error_message: job.error_message.clone(),
            error_hint: job.error_hint.clone(),
            cancel_reason: job.cancel_reason.clone(),
            artifacts_status: job.artifacts_status.as_deref().and_then(parse_name),
            artifacts_error: job.artifacts_error.clone(),
            created_at: job.created_at.clone(),
            started_at: job.started_at.clone(),
            finished_at: job.finished_at.clone(),
            unreachable_since: job.unreachable_since.clone(),
            retry_of: job.retry_of.clone(),
            executor: job.executor.as_ref().and_then(ExecutorView::of),
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

/// One batch of job changes, sent only when something changed.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct JobEvents {
    /// The changes in the order they happened (progress coalesced to the latest per job).
    pub updates: Vec<JobUpdate>,
    /// Events were lost (a slow UI): read the jobs again instead of applying `updates` alone.
    pub resync: bool,
}

/// One change about a job, as the UI sees it (the core's `JobEvent`, with numbers the UI can hold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobUpdate {
    /// The job moved to another status.
    StatusChanged {
        /// Local job id.
        job_id: String,
        /// Before.
        from: JobStatus,
        /// Now.
        to: JobStatus,
    },
    /// Progress, stage, step or cost moved.
    Progress {
        /// Local job id.
        job_id: String,
        /// Status now.
        status: JobStatus,
        /// Stage now.
        stage: Option<JobStage>,
        /// Percent done.
        progress: f64,
        /// Current step.
        current_step: f64,
        /// Total steps.
        total_steps: Option<f64>,
        /// Cost so far (USD).
        cost_usd: f64,
        /// The cost against the job's estimate (filled in by the forwarder, which reads the estimate).
        cost_alert: Option<CostAlert>,
    },
    /// New metrics points.
    Metrics {
        /// Local job id.
        job_id: String,
        /// The points, in step order.
        points: Vec<MetricsPointView>,
    },
    /// New log text.
    Log {
        /// Local job id.
        job_id: String,
        /// The text.
        text: String,
    },
    /// The job's cluster does not answer.
    Unreachable {
        /// Local job id.
        job_id: String,
        /// The cluster.
        cluster_id: String,
        /// Since when (RFC 3339).
        since: String,
        /// The transport error.
        message: String,
        /// Wait before the next try.
        retry_in_ms: f64,
    },
    /// The adapter download advanced.
    Download {
        /// Local job id.
        job_id: String,
        /// Bytes so far.
        done: f64,
        /// Bytes in all.
        total: f64,
    },
    /// The adapter is downloaded and verified.
    ModelReady {
        /// Local job id.
        job_id: String,
        /// The model.
        model_id: String,
    },
    /// The adapter download failed.
    DownloadFailed {
        /// Local job id.
        job_id: String,
        /// Why.
        message: String,
    },
    /// A notification was recorded.
    Notification {
        /// The notification.
        notification: NotificationView,
    },
}

impl From<JobEvent> for JobUpdate {
    fn from(event: JobEvent) -> Self {
        match event {
            JobEvent::StatusChanged { job_id, from, to } => JobUpdate::StatusChanged {
                job_id,
                from: from.into(),
                to: to.into(),
            },
            JobEvent::Progress {
                job_id,
                status,
                stage,
                progress,
                current_step,
                total_steps,
                cost_usd,
            } => JobUpdate::Progress {
                job_id,
                status: status.into(),
                stage: stage.as_deref().and_then(JobStage::parse),
                progress,
                current_step: current_step as f64,
                total_steps: total_steps.map(|t| t as f64),
                cost_usd,
                cost_alert: None,
            },
            JobEvent::Metrics { job_id, points } => JobUpdate::Metrics {
                job_id,
                points: points.iter().map(MetricsPointView::from).collect(),
            },
            JobEvent::Log { job_id, text } => JobUpdate::Log { job_id, text },
            JobEvent::Unreachable {
                job_id,
                cluster_id,
                since,
                message,
                retry_in_ms,
            } => JobUpdate::Unreachable {
                job_id,
                cluster_id,
                since,
                message,
                retry_in_ms: retry_in_ms as f64,
            },
            JobEvent::Download { job_id, done, total } => JobUpdate::Download {
                job_id,
                done: done as f64,
                total: total as f64,
            },
            JobEvent::ModelReady { job_id, model_id } => JobUpdate::ModelReady { job_id, model_id },
            JobEvent::DownloadFailed { job_id, message } => JobUpdate::DownloadFailed { job_id, message },
            JobEvent::Notification(n) => JobUpdate::Notification {
                notification: NotificationView::from(&n),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_cross_as_the_core_stores_them() {
        for status in CoreJobStatus::ALL {
            let json = serde_json::to_value(JobStatus::from(status)).unwrap();
            assert_eq!(json, status.as_str());
            assert_eq!(CoreJobStatus::from(JobStatus::from(status)), status);
        }
    }

    #[test]
    fn stages_and_error_kinds_parse_the_trainers_names() {
        assert_eq!(JobStage::parse("model_loading"), Some(JobStage::ModelLoading));
        assert_eq!(JobStage::parse("warming_up"), None);
        assert_eq!(JobErrorKind::parse("out_of_memory"), JobErrorKind::OutOfMemory);
        assert_eq!(JobErrorKind::parse("cluster_lost"), JobErrorKind::ClusterLost);
        assert_eq!(JobErrorKind::parse("a_new_kind"), JobErrorKind::Other);
        assert_eq!(
            serde_json::to_value(JobErrorKind::OutOfMemory).unwrap(),
            brightrun_core::jobs::OUT_OF_MEMORY
        );
    }

    #[test]
    fn cost_alerts_follow_the_cores_bands() {
        assert_eq!(CostAlert::from(cost_status(0.5, 1.0)), CostAlert::Normal);
        assert_eq!(CostAlert::from(cost_status(0.9, 1.0)), CostAlert::Warning);
        assert_eq!(CostAlert::from(cost_status(1.3, 1.0)), CostAlert::FarOverEstimate);
        assert_eq!(
            serde_json::to_value(CostAlert::OverEstimate).unwrap(),
            "over_estimate"
        );
    }
}
