//! The Cluster API's request and response bodies; their schemas are what docs/openapi.json documents.

use crate::{ranges, Hyperparameters};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a job is in its life: `queued → initializing → running → completed | failed | cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Initializing,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Initializing => "initializing",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "queued" => Self::Queued,
            "initializing" => Self::Initializing,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// Whether the job can still change.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Initializing | Self::Running)
    }
}

/// `GET /v1/health`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the agent answers.
    pub status: String,
    pub version: String,
}

/// The GPUs a job asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GpuRequest {
    /// A GPU type listed by `/v1/capabilities` (`cpu` on a machine without GPUs).
    #[serde(rename = "type")]
    pub gpu_type: String,
    /// 1 to 8, at most the agent's GPUs of that type.
    #[schema(minimum = 1, maximum = 8)]
    #[serde(deserialize_with = "crate::whole::u32")]
    pub count: u32,
}

fn default_max_duration_hours() -> f64 {
    ranges::DEFAULT_MAX_DURATION_HOURS
}

/// `POST /v1/jobs`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// 1 to 200 characters, at least one of them neither a space nor a control character.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\s\x00-\x1f\x7f-\x9f]")]
    pub name: String,
    /// SHA-256 of a dataset uploaded with `PUT /v1/datasets/{sha256}` (OpenAI chat `messages` JSONL).
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub dataset_sha256: String,
    /// A base model listed by `/v1/capabilities`.
    pub base_model: String,
    #[schema(value_type = HyperparametersDoc)]
    pub hyperparameters: Hyperparameters,
    pub gpu: GpuRequest,
    /// Spot (cheaper, may be interrupted by the operator) or on-demand pricing.
    #[serde(default)]
    pub spot: bool,
    /// The job is stopped and failed (`max_duration`) past this many hours of running; 1 to 72, default 24.
    #[serde(default = "default_max_duration_hours")]
    #[schema(minimum = 1, maximum = 72)]
    pub max_duration_hours: f64,
    /// SHA-256 of an uploaded validation file (same format): the trainer evaluates on it as is and holds
    /// nothing out of the training file. Without it, `hyperparameters.validation_split` is held out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub validation_dataset_sha256: Option<String>,
}

/// The hyperparameters of a LoRA run and their allowed ranges (`brightrun_api::ranges`).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(as = Hyperparameters)]
#[serde(deny_unknown_fields)]
pub struct HyperparametersDoc {
    /// 1e-5 to 1e-3.
    #[schema(minimum = 1e-5, maximum = 1e-3)]
    pub learning_rate: f64,
    /// 1, 2, 4, 8 or 16.
    #[schema(schema_with = batch_sizes)]
    pub batch_size: u32,
    /// 1 to 64; default 1.
    #[schema(nullable = false, minimum = 1, maximum = 64)]
    pub gradient_accumulation: Option<u32>,
    /// 1 to 10.
    #[schema(minimum = 1, maximum = 10)]
    pub num_epochs: u32,
    /// Stops after this many optimiser steps; 1 to 1,000,000; null: the epochs decide (jobs echo null).
    #[schema(minimum = 1, maximum = 1000000)]
    pub max_steps: Option<u32>,
    /// 4 to 64, in steps of 4.
    #[schema(minimum = 4, maximum = 64, multiple_of = 4)]
    pub lora_rank: u32,
    /// 8 to 128.
    #[schema(minimum = 8, maximum = 128)]
    pub lora_alpha: u32,
    /// 0 to 0.2.
    #[schema(minimum = 0, maximum = 0.2)]
    pub lora_dropout: f64,
    /// Module names; default q_proj, k_proj, v_proj, o_proj.
    #[schema(schema_with = target_modules)]
    pub target_modules: Option<Vec<String>>,
    /// 512, 1024, 2048 or 4096.
    #[schema(schema_with = max_seq_lens)]
    pub max_seq_len: u32,
    /// 0 to 0.1; default 0.
    #[schema(nullable = false, minimum = 0, maximum = 0.1)]
    pub warmup_ratio: Option<f64>,
    /// 0 to 0.5; default 0.
    #[schema(nullable = false, minimum = 0, maximum = 0.5)]
    pub weight_decay: Option<f64>,
    /// 0 to 2^63 - 1; default 42.
    #[schema(nullable = false, maximum = 9223372036854775807_u64)]
    pub seed: Option<u64>,
    /// 0 to 0.5; default 0.1.
    #[schema(nullable = false, minimum = 0, maximum = 0.5)]
    pub validation_split: Option<f64>,
    /// Steps between validation passes; default once per epoch. null: that default (jobs echo it as null).
    #[schema(minimum = 1, maximum = 100000)]
    pub eval_steps: Option<u32>,
    /// Steps between metrics points; default 10.
    #[schema(nullable = false, minimum = 1, maximum = 100000)]
    pub logging_steps: Option<u32>,
    /// Steps between checkpoints; default once per epoch. null: that default (jobs echo it as null).
    #[schema(minimum = 1, maximum = 100000)]
    pub save_steps: Option<u32>,
    /// 4-bit QLoRA; refused unless `/v1/capabilities` reports `runtime.cuda` and `runtime.bitsandbytes`.
    #[schema(nullable = false)]
    pub qlora: Option<bool>,
    /// `auto` (default: on for a GPU, off on the CPU), `on` or `off`.
    #[schema(nullable = false)]
    pub gradient_checkpointing: Option<crate::hyperparameters::Checkpointing>,
    /// `padding_free` (default: examples end to end, no padding), `group_by_length` or `none` (padded).
    #[schema(nullable = false)]
    pub packing: Option<crate::hyperparameters::Packing>,
}

/// One metrics point reported by the trainer at a logging step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsPoint {
    pub step: u64,
    pub epoch: Option<f64>,
    pub train_loss: Option<f64>,
    pub val_loss: Option<f64>,
    pub learning_rate: Option<f64>,
    pub grad_norm: Option<f64>,
    pub tokens_per_second: Option<f64>,
    /// Percent, 0 to 100.
    pub gpu_utilization: Option<f64>,
    pub gpu_memory_gb: Option<f64>,
    /// RFC 3339, UTC.
    pub timestamp: String,
}

/// Why a job failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobError {
    /// The trainer's kinds (`out_of_memory`, `nan_loss`, `invalid_dataset`, `internal`, ...; docs/trainer.md) or the
    /// agent's: `max_duration`, `agent_restarted`, `trainer_unavailable`, `dataset_missing`, `missing_artifacts`; with
    /// the Slurm executor also `time_limit`, `preempted`, `node_failure`, `slurm_cancelled`, `slurm_signalled`, `slurm_submit_failed`,
    /// `slurm_lost`, `slurm` (docs/slurm.md).
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
}

/// What runs a job's trainer: `local` (a child process of the agent) or `slurm` (a batch job the agent submitted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorKind {
    Local,
    Slurm,
}

impl ExecutorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutorKind::Local => "local",
            ExecutorKind::Slurm => "slurm",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "local" => Some(ExecutorKind::Local),
            "slurm" => Some(ExecutorKind::Slurm),
            _ => None,
        }
    }
}

/// Where the job runs: the executor and, for Slurm, the Slurm job id (`null` until `sbatch` answered).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExecutorView {
    pub kind: ExecutorKind,
    /// The Slurm job id (`squeue -j`, `scontrol show job`); `null` for the local executor.
    pub job_id: Option<String>,
}

/// `GET /v1/jobs/{id}`: the job's state and the configuration it was submitted with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub name: String,
    pub status: JobStatus,
    /// Within a running job: preprocessing, model_loading, training, validating, saving.
    pub stage: Option<String>,
    /// 0 to 100.
    pub progress: f64,
    pub current_step: u64,
    pub total_steps: Option<u64>,
    pub current_epoch: Option<f64>,
    pub total_epochs: Option<f64>,
    pub latest_metrics: Option<MetricsPoint>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// GPU-hours so far × price per GPU-hour; grows while the job runs.
    pub cost_usd: f64,
    pub price_per_gpu_hour: f64,
    pub error: Option<JobError>,
    pub cancel_reason: Option<String>,
    /// How many times restart recovery requeued this job.
    pub restarts: u32,
    /// The checkpoint the current run resumed from, if any.
    pub resumed_from: Option<String>,
    pub dataset_sha256: String,
    /// The validation file the job evaluates on, when it named one.
    pub validation_dataset_sha256: Option<String>,
    pub base_model: String,
    #[schema(value_type = HyperparametersDoc)]
    pub hyperparameters: Hyperparameters,
    pub gpu: GpuRequest,
    pub spot: bool,
    pub max_duration_hours: f64,
    /// The trainer's training_summary once the job completed.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
    /// What runs the trainer (the agent's `--executor`).
    pub executor: ExecutorView,
}

/// `GET /v1/jobs`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobView>,
}

/// `GET /v1/jobs/{id}/metrics`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MetricsPage {
    pub points: Vec<MetricsPoint>,
}

/// `GET /v1/jobs/{id}/logs`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LogPage {
    pub text: String,
    /// Pass as `offset` next time to get only what is new.
    pub next_offset: u64,
}

/// `POST /v1/jobs/{id}/cancel`.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: Option<String>,
}

/// A saved checkpoint a job can resume from.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CheckpointView {
    pub step: u64,
    /// The folder's name, e.g. `checkpoint-20`.
    pub name: String,
    pub created_at: String,
}

/// `GET /v1/jobs/{id}/checkpoints`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CheckpointList {
    pub checkpoints: Vec<CheckpointView>,
}

/// A downloadable file of a job's result.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ArtifactView {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// `GET /v1/jobs/{id}/artifacts`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ArtifactList {
    pub artifacts: Vec<ArtifactView>,
}

/// A group of identical GPUs.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct GpuGroup {
    /// The type jobs ask for (`cpu` on a machine without GPUs).
    #[serde(rename = "type")]
    pub gpu_type: String,
    /// The device name as the driver reports it.
    pub name: String,
    pub memory_gb: f64,
    pub count: u32,
    /// Not assigned to a running job right now.
    pub free: u32,
}

/// Price of one GPU-hour, in US dollars.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PriceView {
    #[serde(rename = "type")]
    pub gpu_type: String,
    pub on_demand: f64,
    pub spot: f64,
}

/// A base model the agent can train.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct BaseModelView {
    /// What to put in a job's `base_model`.
    pub id: String,
    /// `hub` (downloaded by the trainer) or `local` (a folder under `<data-dir>/models/`).
    pub source: String,
}

/// The agent's limits.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Limits {
    pub max_dataset_bytes: u64,
    pub max_concurrent_jobs: u32,
}

/// `GET /v1/capabilities`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Capabilities {
    pub agent_version: String,
    pub gpus: Vec<GpuGroup>,
    pub prices: Vec<PriceView>,
    pub base_models: Vec<BaseModelView>,
    pub limits: Limits,
    pub runtime: RuntimeView,
}

/// What the trainer's Python environment has, probed by importing once when the agent starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuntimeView {
    /// torch sees a CUDA GPU.
    pub cuda: bool,
    /// bitsandbytes imports (needed for `qlora`).
    pub bitsandbytes: bool,
    /// liger-kernel imports (fused linear + cross-entropy loss).
    pub liger: bool,
}

/// Answer to a dataset upload.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DatasetUpload {
    pub sha256: String,
    /// Bytes received so far (the whole size once complete).
    pub received: u64,
    /// Whether the hash was verified and the dataset is ready for jobs.
    pub complete: bool,
}

// The settings whose allowed values a minimum and a maximum cannot say, described from `ranges` so the document
// and the checks never disagree (a schema-valid request must never be refused for its shape).

fn batch_sizes() -> utoipa::openapi::Object {
    integer_choice(&ranges::BATCH_SIZES, "1, 2, 4, 8 or 16.")
}

fn max_seq_lens() -> utoipa::openapi::Object {
    integer_choice(&ranges::MAX_SEQ_LENS, "512, 1024, 2048 or 4096.")
}

fn integer_choice(values: &[u32], description: &str) -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// What `ranges::is_target_module` accepts, as a pattern.
pub const TARGET_MODULE_PATTERN: &str = "^[A-Za-z0-9_.]{1,64}$";

fn target_modules() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(TARGET_MODULE_PATTERN)),
        )
        .min_items(Some(1))
        .max_items(Some(ranges::MAX_TARGET_MODULES))
        .description(Some(
            "Module names (letters, digits, `_` and `.`); default q_proj, k_proj, v_proj, o_proj.",
        ))
        .build()
}
