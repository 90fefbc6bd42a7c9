//! Training shapes for the UI: the configurator's form, presets, ranges, cluster options, its estimate (with the
//! memory verdict as an enum) and the launch's progress steps.

use brightrun_core::cluster::client::Capabilities;
use brightrun_core::jobs::LaunchProgress;
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::{Cluster, Dataset, DatasetStatus};
use brightrun_core::training::estimator::MemoryVerdict as CoreMemoryVerdict;
use brightrun_core::training::presets::Preset;
use brightrun_core::training::{ranges, Checkpointing, Hyperparameters};
use serde::{Deserialize, Serialize};

use super::mirror_enum;

mirror_enum! {
    /// Whether a run fits in the device's memory (the core's estimator).
    MemoryVerdict <=> CoreMemoryVerdict {
        /// Fits with room to spare.
        Fits,
        /// Fits, but close to the limit.
        Tight,
        /// Will run out of memory: see the suggestion.
        DoesNotFit,
    }
}

/// A step of a launch, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LaunchStep {
    /// Converting (and splitting) the dataset into the training file.
    Converting,
    /// Uploading it to the cluster (skipped or resumed when the cluster has it).
    Uploading,
    /// Asking the cluster to start the job.
    Submitting,
}

impl From<&LaunchProgress> for LaunchProgressEvent {
    fn from(progress: &LaunchProgress) -> Self {
        let (step, done, total) = match progress {
            LaunchProgress::Converting(p) => (LaunchStep::Converting, p.done, p.total),
            LaunchProgress::Uploading(p) => (LaunchStep::Uploading, p.done, p.total),
            LaunchProgress::Submitting => (LaunchStep::Submitting, 1, 1),
        };
        Self {
            step,
            done: done as f64,
            total: total as f64,
        }
    }
}

/// The settings the configurator edits (the core's `Hyperparameters`, with numbers TypeScript can hold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HyperparametersInput {
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Examples per device per micro-step.
    pub batch_size: u32,
    /// Passes over the data.
    pub num_epochs: u32,
    /// LoRA rank.
    pub lora_rank: u32,
    /// LoRA alpha.
    pub lora_alpha: u32,
    /// LoRA dropout.
    pub lora_dropout: f64,
    /// Longest example in tokens.
    pub max_seq_len: u32,
    /// Share of steps warming up.
    pub warmup_ratio: f64,
    /// Share of conversations held out for validation (0: none, by the user's choice).
    pub validation_split: f64,
    /// Base weights in 4 bits (needs CUDA and bitsandbytes on the cluster).
    pub qlora: bool,
    /// Gradient checkpointing: `auto` (the memory model decides), `on` or `off`.
    pub gradient_checkpointing: String,
    /// Batch layout: `padding_free` (the default), `group_by_length` or `none` (see docs/trainer.md).
    pub packing: String,
}

fn checkpointing_from(text: &str) -> Checkpointing {
    match text {
        "on" => Checkpointing::On,
        "off" => Checkpointing::Off,
        _ => Checkpointing::Auto,
    }
}

impl HyperparametersInput {
    /// The core's hyperparameters: these fields over the core's defaults.
    pub fn to_core(&self) -> Hyperparameters {
        Hyperparameters {
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            num_epochs: self.num_epochs,
            lora_rank: self.lora_rank,
            lora_alpha: self.lora_alpha,
            lora_dropout: self.lora_dropout,
            max_seq_len: self.max_seq_len,
            warmup_ratio: self.warmup_ratio,
            validation_split: self.validation_split,
            qlora: self.qlora,
            gradient_checkpointing: checkpointing_from(&self.gradient_checkpointing),
            packing: serde_json::from_value(self.packing.as_str().into()).unwrap_or_default(),
            ..Hyperparameters::default()
        }
    }

    /// The editable fields of the core's hyperparameters.
    pub fn from_core(h: &Hyperparameters) -> Self {
        Self {
            learning_rate: h.learning_rate,
            batch_size: h.batch_size,
            num_epochs: h.num_epochs,
            lora_rank: h.lora_rank,
            lora_alpha: h.lora_alpha,
            lora_dropout: h.lora_dropout,
            max_seq_len: h.max_seq_len,
            warmup_ratio: h.warmup_ratio,
            validation_split: h.validation_split,
            qlora: h.qlora,
            gradient_checkpointing: h.gradient_checkpointing.as_str().into(),
            packing: h.packing.as_str().into(),
        }
    }
}

/// A preset card: its name and values.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct PresetView {
    /// `conservative`, `balanced` or `aggressive`.
    pub name: String,
    /// Its settings over the defaults.
    pub hyperparameters: HyperparametersInput,
}

/// The allowed ranges, from the core (the form mirrors them and the core checks them again at launch).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct RangesView {
    /// LoRA rank [min, max].
    pub lora_rank: (u32, u32),
    /// Rank step.
    pub lora_rank_step: u32,
    /// LoRA alpha [min, max].
    pub lora_alpha: (u32, u32),
    /// Dropout [min, max].
    pub lora_dropout: (f64, f64),
    /// Epochs [min, max].
    pub num_epochs: (u32, u32),
    /// Allowed batch sizes.
    pub batch_sizes: Vec<u32>,
    /// Learning rate [min, max].
    pub learning_rate: (f64, f64),
    /// Warmup ratio [min, max].
    pub warmup_ratio: (f64, f64),
    /// Allowed max sequence lengths.
    pub max_seq_lens: Vec<u32>,
    /// Max duration in hours [min, max].
    pub max_duration_hours: (f64, f64),
    /// Default max duration.
    pub default_max_duration_hours: f64,
    /// GPUs [min, max].
    pub gpu_count: (u32, u32),
    /// Share of conversations held out for validation [min, max].
    pub validation_split: (f64, f64),
}

/// What the configurator offers before a cluster is asked anything.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct TrainingDefaults {
    /// The three presets.
    pub presets: Vec<PresetView>,
    /// The ranges.
    pub ranges: RangesView,
    /// The clusters (the local one first).
    pub clusters: Vec<ClusterChoice>,
    /// The datasets ready for training.
    pub datasets: Vec<DatasetChoice>,
}

/// A cluster the job can run on.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ClusterChoice {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `local` or `remote`.
    pub kind: String,
}

/// A dataset ready for training.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct DatasetChoice {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Training examples.
    pub training_examples: f64,
    /// Tokens in all.
    pub tokens_total: f64,
    /// Format id.
    pub format: String,
    /// Invalid records validation found; above 0 the dataset trains only with "skip invalid records" ticked.
    pub invalid_records: f64,
}

/// The options of one cluster.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ClusterOptions {
    /// Agent version.
    pub agent_version: String,
    /// GPU types with counts and prices.
    pub gpus: Vec<GpuChoice>,
    /// Base models it offers.
    pub base_models: Vec<BaseModelChoice>,
}

/// A GPU type a cluster offers.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct GpuChoice {
    /// Type id (`cpu` without GPUs).
    pub gpu_type: String,
    /// Name.
    pub name: String,
    /// Memory per GPU (GB).
    pub memory_gb: f64,
    /// How many the cluster has.
    pub count: u32,
    /// USD per GPU-hour, on demand.
    pub on_demand: f64,
    /// USD per GPU-hour, spot.
    pub spot: f64,
    /// The cluster's trainer has Liger (a fused loss: far smaller logits memory).
    pub liger: bool,
}

/// A base model a cluster offers.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct BaseModelChoice {
    /// Id as the cluster lists it.
    pub id: String,
    /// `hub` or `local`.
    pub source: String,
}

/// What the user configured.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct TrainingForm {
    /// The dataset.
    pub dataset_id: String,
    /// The cluster.
    pub cluster_id: String,
    /// Name; empty for "<dataset> · <model>".
    pub name: Option<String>,
    /// Base model id.
    pub base_model: String,
    /// Settings.
    pub hyperparameters: HyperparametersInput,
    /// GPU type.
    pub gpu_type: Option<String>,
    /// GPUs.
    pub gpu_count: u32,
    /// Spot capacity.
    pub spot: bool,
    /// Max duration (hours).
    pub max_duration_hours: f64,
    /// Leave invalid records out (the user's explicit choice for a dataset with some).
    pub skip_invalid: bool,
}

/// A field that is out of range.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct FieldIssue {
    /// Field name (`lora_rank`, `max_duration_hours`, …).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Time and cost of one configuration.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct EstimateSummary {
    /// Seconds [low, expected, high].
    pub seconds: (f64, f64, f64),
    /// USD [low, expected, high].
    pub cost_usd: (f64, f64, f64),
    /// Whether the run fits in the device's memory.
    pub memory_verdict: MemoryVerdict,
    /// Peak memory share of the device.
    pub memory_usage: f64,
    /// What to change when it does not fit, in words.
    pub memory_suggestion: Option<String>,
    /// Completed runs with the same settings the time is calibrated on (0: the FLOPs model).
    pub calibrated_runs: u32,
    /// `exact` (the base model's tokenizer) or `estimate` (characters / 4).
    pub tokens_method: String,
    /// Whether the run will recompute activations (the `auto` setting, decided).
    pub gradient_checkpointing: bool,
    /// For the chosen max length: examples shortened, and examples that would keep no target token.
    pub truncation: Option<TruncationView>,
}

/// What truncation at the chosen max length does to the dataset (from its length histogram).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct TruncationView {
    /// Examples longer than the max length (the trainer keeps the system prompt and the last assistant turn,
    /// dropping the oldest history first).
    pub shortened: f64,
    /// Examples whose system prompt and last assistant turn alone exceed it: they keep no target token.
    pub without_target: f64,
}

/// The configurator's figures: the current form's estimate and one per preset.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct TrainingEstimateView {
    /// `conservative`, `balanced`, `aggressive` or `custom`.
    pub badge: String,
    /// The form's estimate; `None` when the model's shape is unknown (then the max duration bounds it).
    pub current: Option<EstimateSummary>,
    /// Per preset, in the order of `presets`.
    pub presets: Vec<Option<EstimateSummary>>,
    /// Worst case: every GPU for the whole max duration (USD).
    pub worst_case_usd: f64,
    /// Out-of-range fields (empty when the form may launch).
    pub issues: Vec<FieldIssue>,
    /// Month's budget, spend so far and what would remain.
    pub budget: BudgetView,
}

/// The month's money.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct BudgetView {
    /// Monthly budget (USD), if set.
    pub monthly_budget_usd: Option<f64>,
    /// Spent this month.
    pub spent_this_month_usd: f64,
}

/// Launch progress, as an event to the window.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LaunchProgressEvent {
    /// Which step of the launch.
    pub step: LaunchStep,
    /// Bytes done.
    pub done: f64,
    /// Bytes in all.
    pub total: f64,
}

/// The core's ranges.
pub fn ranges_view() -> RangesView {
    RangesView {
        lora_rank: ranges::LORA_RANK,
        lora_rank_step: ranges::LORA_RANK_STEP,
        lora_alpha: ranges::LORA_ALPHA,
        lora_dropout: ranges::LORA_DROPOUT,
        num_epochs: ranges::NUM_EPOCHS,
        batch_sizes: ranges::BATCH_SIZES.to_vec(),
        learning_rate: ranges::LEARNING_RATE,
        warmup_ratio: ranges::WARMUP_RATIO,
        max_seq_lens: ranges::MAX_SEQ_LENS.to_vec(),
        max_duration_hours: ranges::MAX_DURATION_HOURS,
        default_max_duration_hours: ranges::DEFAULT_MAX_DURATION_HOURS,
        gpu_count: ranges::GPU_COUNT,
        validation_split: ranges::VALIDATION_SPLIT,
    }
}

impl From<&Capabilities> for ClusterOptions {
    /// What a cluster's capabilities offer the configurator.
    fn from(capabilities: &Capabilities) -> Self {
        ClusterOptions {
            agent_version: capabilities.agent_version.clone(),
            gpus: capabilities
                .gpus
                .iter()
                .map(|g| {
                    let price = capabilities.prices.iter().find(|p| p.gpu_type == g.gpu_type);
                    GpuChoice {
                        gpu_type: g.gpu_type.clone(),
                        name: g.name.clone(),
                        memory_gb: g.memory_gb,
                        count: g.count,
                        on_demand: price.map_or(0.0, |p| p.on_demand),
                        spot: price.map_or(0.0, |p| p.spot),
                        liger: capabilities.runtime.liger,
                    }
                })
                .collect(),
            base_models: capabilities
                .base_models
                .iter()
                .map(|m| BaseModelChoice {
                    id: m.id.clone(),
                    source: m.source.clone(),
                })
                .collect(),
        }
    }
}

/// The form as the core checks it; empty when it may launch.
pub fn check_form(form: &TrainingForm) -> Vec<FieldIssue> {
    let mut issues: Vec<FieldIssue> = form
        .hyperparameters
        .to_core()
        .validate()
        .into_iter()
        .map(|e| FieldIssue {
            field: e.field,
            message: e.message,
        })
        .collect();
    if let Some(message) = ranges::check_max_duration_hours(form.max_duration_hours) {
        issues.push(FieldIssue {
            field: "max_duration_hours".into(),
            message,
        });
    }
    if let Some(message) = ranges::check_gpu_count(form.gpu_count) {
        issues.push(FieldIssue {
            field: "gpu_count".into(),
            message,
        });
    }
    if form.base_model.trim().is_empty() {
        issues.push(FieldIssue {
            field: "base_model".into(),
            message: "pick a base model".into(),
        });
    }
    issues
}

impl From<Cluster> for ClusterChoice {
    fn from(c: Cluster) -> Self {
        Self {
            id: c.id,
            name: c.name,
            kind: c.kind.as_str().to_string(),
        }
    }
}

impl TrainingDefaults {
    /// Presets and ranges from the core; the clusters (the local one first) and the datasets that can train.
    pub fn new(clusters: Vec<Cluster>, datasets: Vec<Dataset>) -> Self {
        let mut clusters: Vec<ClusterChoice> = clusters.into_iter().map(ClusterChoice::from).collect();
        clusters.sort_by_key(|c| c.kind != ClusterKind::Local.as_str());
        Self {
            presets: Preset::ALL
                .into_iter()
                .map(|p| {
                    let mut h = Hyperparameters::default();
                    p.apply_to(&mut h);
                    PresetView {
                        name: p.as_str().to_string(),
                        hyperparameters: HyperparametersInput::from_core(&h),
                    }
                })
                .collect(),
            ranges: ranges_view(),
            clusters,
            datasets: datasets
                .into_iter()
                // A dataset with some invalid records is offered too: it trains by skipping them, when ticked.
                .filter(|d| {
                    matches!(d.status, DatasetStatus::Ready | DatasetStatus::Error)
                        && d.training_examples > 0
                        && d.deleted_at.is_none()
                })
                .map(|d| DatasetChoice {
                    invalid_records: if d.status == DatasetStatus::Error {
                        d.error_count as f64
                    } else {
                        0.0
                    },
                    id: d.id,
                    name: d.name,
                    training_examples: d.training_examples as f64,
                    tokens_total: d.tokens_total as f64,
                    format: d.format.map_or("unknown", |f| f.as_str()).to_string(),
                })
                .collect(),
        }
    }
}
