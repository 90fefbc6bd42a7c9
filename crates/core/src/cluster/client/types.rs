//! The JSON shapes of the Cluster API v1, matching the agent's `api.rs` (docs/openapi.json). Unknown fields
//! are ignored when reading, so an older client keeps working with a newer agent.

use serde::{Deserialize, Serialize};

use crate::training::Hyperparameters;

/// `GET /v1/health` (the one endpoint that needs no key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the agent is serving.
    pub status: String,
    /// The agent's version.
    pub version: String,
}

/// `GET /v1/capabilities`: what a cluster offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The agent's version.
    pub agent_version: String,
    /// Groups of identical GPUs (type `cpu` on a machine without a GPU).
    pub gpus: Vec<GpuGroup>,
    /// Price per GPU-hour of each type.
    pub prices: Vec<GpuPrice>,
    /// Base models it can train.
    pub base_models: Vec<BaseModel>,
    /// Its limits.
    pub limits: Limits,
    /// What its training environment can do (absent from agents older than this field: nothing assumed).
    #[serde(default)]
    pub runtime: Runtime,
}

/// What a cluster's trainer environment has, probed once when the agent starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runtime {
    /// torch sees a CUDA GPU.
    #[serde(default)]
    pub cuda: bool,
    /// bitsandbytes imports (4-bit QLoRA).
    #[serde(default)]
    pub bitsandbytes: bool,
    /// liger-kernel imports (fused linear + cross-entropy loss).
    #[serde(default)]
    pub liger: bool,
}

/// A group of identical GPUs of a cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuGroup {
    /// The type jobs ask for, e.g. `h100` or `cpu`.
    #[serde(rename = "type")]
    pub gpu_type: String,
    /// The device name as the driver reports it.
    pub name: String,
    /// Memory of one device, GB.
    pub memory_gb: f64,
    /// How many.
    pub count: u32,
    /// How many are not running a job now.
    pub free: u32,
}

/// Price of one GPU-hour of a type, in US dollars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuPrice {
    /// The GPU type.
    #[serde(rename = "type")]
    pub gpu_type: String,
    /// Capacity that is never taken away.
    pub on_demand: f64,
    /// Capacity the operator may interrupt.
    pub spot: f64,
}

/// A base model a cluster can train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaseModel {
    /// What to put in a job's `base_model`.
    pub id: String,
    /// `hub` (downloaded by the trainer) or `local` (a folder on the cluster).
    pub source: String,
}

/// What a cluster accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest dataset it accepts, in bytes.
    pub max_dataset_bytes: u64,
    /// Jobs that run at the same time.
    pub max_concurrent_jobs: u32,
}

/// The GPUs a job asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpuRequest {
    /// A type listed by the capabilities (`cpu` on a machine without GPUs).
    #[serde(rename = "type")]
    pub gpu_type: String,
    /// How many.
    pub count: u32,
}

/// A job to start: `POST /v1/jobs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRequest {
    /// Name shown in lists.
    pub name: String,
    /// SHA-256 of the uploaded dataset (OpenAI chat `messages` JSONL).
    pub dataset_sha256: String,
    /// A base model listed by the capabilities.
    pub base_model: String,
    /// The LoRA run's settings.
    pub hyperparameters: Hyperparameters,
    /// The GPUs to use.
    pub gpu: GpuRequest,
    /// Spot (cheaper, interruptible) rather than on-demand.
    pub spot: bool,
    /// The job is stopped and failed past this many hours of running (1 to 72).
    pub max_duration_hours: f64,
    /// SHA-256 of an uploaded validation file: the trainer evaluates on it as is, with no split of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_dataset_sha256: Option<String>,
}

/// A job as the cluster reports it: `GET /v1/jobs/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The cluster's id of the job.
    pub id: String,
    /// Name shown in lists.
    pub name: String,
    /// `queued`, `initializing`, `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Within a running job: `preprocessing`, `model_loading`, `training`, `validating`, `saving`.
    #[serde(default)]
    pub stage: Option<String>,
    /// Percent done, 0 to 100.
    pub progress: f64,
    /// Current optimiser step.
    pub current_step: u64,
    /// Total steps, once known.
    #[serde(default)]
    pub total_steps: Option<u64>,
    /// Current epoch (fractional).
    #[serde(default)]
    pub current_epoch: Option<f64>,
    /// Total epochs.
    #[serde(default)]
    pub total_epochs: Option<f64>,
    /// The latest metrics point.
    #[serde(default)]
    pub latest_metrics: Option<MetricsPoint>,
    /// When it was submitted (RFC 3339).
    pub created_at: String,
    /// When it started running.
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// US dollars spent so far (GPU-hours × price).
    pub cost_usd: f64,
    /// US dollars per GPU-hour it is billed at.
    pub price_per_gpu_hour: f64,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<JobError>,
    /// The reason given when it was cancelled.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// SHA-256 of its dataset.
    pub dataset_sha256: String,
    /// Its base model.
    pub base_model: String,
    /// The trainer's summary once it completed.
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
    /// What runs it on the cluster (agents before issue 15 do not say: local).
    #[serde(default)]
    pub executor: Option<JobExecutor>,
}

/// What runs a job on its cluster: `local` (the agent's own trainer process) or `slurm` (a batch job).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobExecutor {
    /// `local` or `slurm`.
    pub kind: String,
    /// The Slurm job id (`squeue -j`, `scontrol show job`); None for `local`, and until Slurm accepted the job.
    #[serde(default)]
    pub job_id: Option<String>,
}

impl Job {
    /// True once the job can no longer change (completed, failed or cancelled).
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }
}

/// A failed job's error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobError {
    /// `out_of_memory`, `max_duration`, `agent_restarted`, `trainer_crashed`, or a kind the trainer reports.
    pub kind: String,
    /// What happened.
    pub message: String,
    /// What to do about it.
    #[serde(default)]
    pub hint: Option<String>,
}

/// One logging step's metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsPoint {
    /// Optimiser step.
    pub step: u64,
    /// Epoch (fractional).
    #[serde(default)]
    pub epoch: Option<f64>,
    /// Training loss.
    #[serde(default)]
    pub train_loss: Option<f64>,
    /// Validation loss, on evaluation steps.
    #[serde(default)]
    pub val_loss: Option<f64>,
    /// Learning rate.
    #[serde(default)]
    pub learning_rate: Option<f64>,
    /// Gradient norm.
    #[serde(default)]
    pub grad_norm: Option<f64>,
    /// Training throughput.
    #[serde(default)]
    pub tokens_per_second: Option<f64>,
    /// GPU utilisation, percent.
    #[serde(default)]
    pub gpu_utilization: Option<f64>,
    /// GPU memory in use, GB.
    #[serde(default)]
    pub gpu_memory_gb: Option<f64>,
    /// When it was recorded (RFC 3339).
    pub timestamp: String,
}

/// A slice of a job's log: `GET /v1/jobs/{id}/logs?offset=N`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogChunk {
    /// The log text from the requested offset (at most 256 KiB).
    pub text: String,
    /// The offset to ask for next time.
    pub next_offset: u64,
}

/// A checkpoint a job can resume from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Step it was saved at.
    pub step: u64,
    /// The folder's name, e.g. `checkpoint-20`.
    pub name: String,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A file a job produced (adapter weights, config, tokenizer, summary), downloadable by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// File name; nested names use `/`.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// Answer to a dataset upload piece.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetUpload {
    /// The dataset's SHA-256.
    pub sha256: String,
    /// Bytes the agent holds.
    pub received: u64,
    /// Whether the hash was verified and the dataset is ready for jobs.
    pub complete: bool,
}

/// The agent wraps lists in an object; these are their shapes.
#[derive(Deserialize)]
pub(crate) struct JobList {
    pub jobs: Vec<Job>,
}

#[derive(Deserialize)]
pub(crate) struct MetricsPage {
    pub points: Vec<MetricsPoint>,
}

#[derive(Deserialize)]
pub(crate) struct CheckpointList {
    pub checkpoints: Vec<Checkpoint>,
}

#[derive(Deserialize)]
pub(crate) struct ArtifactList {
    pub artifacts: Vec<Artifact>,
}
