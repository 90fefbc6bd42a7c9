//! Training → Configure: the options a cluster offers, presets with their estimates, validation of the
//! form against the core's ranges, the exact job JSON, and the launch itself (convert, upload with
//! progress, submit with an idempotency key, record).

use brightrun_core::cluster::client::{Capabilities, Runtime};
use brightrun_core::dataset::{TokenMethod, ValidationReport};
use brightrun_core::jobs::{
    estimate_run, launch, plan, CalibrationScope, LaunchProgress, LaunchRequest, RunInputs,
};
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::{Dataset, DatasetStatus};
use brightrun_core::training::estimator::{
    self, find_known_model, Capacity, GpuPricing, GpuSpec, MemoryVerdict, ModelSpec, ThroughputObservation,
    CPU_DEFAULT_MEMORY_GIB,
};
use brightrun_core::training::presets::{badge_for_hyperparameters, Preset};
use brightrun_core::training::{ranges, Checkpointing, Hyperparameters};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::commands::jobs::JobView;
use crate::core_state::CoreState;
use crate::error::{AppError, ErrorCode};

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
    /// GPU memory verdict: `fits`, `tight` or `does_not_fit`.
    pub memory_verdict: String,
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
    /// `converting`, `uploading` or `submitting`.
    pub step: String,
    /// Bytes done.
    pub done: f64,
    /// Bytes in all.
    pub total: f64,
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

/// Presets, ranges, clusters and ready datasets.
#[tauri::command]
#[specta::specta]
pub async fn training_defaults(core: State<'_, CoreState>) -> Result<TrainingDefaults, AppError> {
    let (clusters, datasets) = core
        .read(|s| -> Result<_, brightrun_core::store::StoreError> {
            let clusters = s.clusters().list()?;
            let page = s
                .datasets()
                .list(&brightrun_core::store::datasets::DatasetQuery {
                    per_page: brightrun_core::store::datasets::MAX_PER_PAGE,
                    ..Default::default()
                })?;
            Ok((clusters, page.items))
        })
        .await?;
    let mut clusters: Vec<ClusterChoice> = clusters
        .into_iter()
        .map(|c| ClusterChoice {
            id: c.id,
            name: c.name,
            kind: c.kind.as_str().to_string(),
        })
        .collect();
    clusters.sort_by_key(|c| c.kind != ClusterKind::Local.as_str());
    Ok(TrainingDefaults {
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
    })
}

/// Makes sure the local cluster exists and runs (the configurator's default cluster); returns its id.
#[tauri::command]
#[specta::specta]
pub async fn ensure_local_cluster(core: State<'_, CoreState>) -> Result<ClusterChoice, AppError> {
    let local = brightrun_core::cluster::local::ensure_running(
        core.store.as_ref(),
        &core.keyring,
        &core.http,
        &core.local_options(),
    )
    .await?;
    Ok(ClusterChoice {
        id: local.cluster.id,
        name: local.cluster.name,
        kind: local.cluster.kind.as_str().to_string(),
    })
}

/// What a cluster offers (GPU types, prices, base models), asked live.
#[tauri::command]
#[specta::specta]
pub async fn cluster_options(
    core: State<'_, CoreState>,
    cluster_id: String,
) -> Result<ClusterOptions, AppError> {
    let client = core.client(&cluster_id).await?;
    let capabilities = client.capabilities().await?;
    Ok(options_view(&capabilities))
}

/// The estimate of the form and of each preset on the chosen GPU, the badge and the field issues.
#[tauri::command]
#[specta::specta]
pub async fn estimate_training(
    core: State<'_, CoreState>,
    form: TrainingForm,
    gpu: Option<GpuChoice>,
) -> Result<TrainingEstimateView, AppError> {
    let dataset_id = form.dataset_id.clone();
    let (detail, budget, spent, past) = core
        .read(move |s| -> Result<_, brightrun_core::store::StoreError> {
            Ok((
                s.datasets().get_detail(&dataset_id)?,
                s.settings().monthly_budget_usd()?,
                s.cost_records().spent_in_month_of(chrono::Utc::now())?,
                s.training_jobs().with_throughput()?,
            ))
        })
        .await?;
    let model = model_spec(&core, &form.cluster_id, &form.base_model).await;
    let context = EstimateContext {
        report: detail.report.as_ref(),
        observations: &brightrun_core::jobs::estimate::observations(&past),
    };
    Ok(estimate_view(
        &form,
        &detail.dataset,
        model,
        gpu.as_ref(),
        budget,
        spent,
        &context,
    ))
}

/// The base model's shape: a known hub model's, or the `config.json` of a folder on this machine (a local
/// cluster's `<data>/local-agent/models/<id>`, or an absolute folder path). `None` when neither is known.
/// Reads the store and a file, so it runs on the blocking pool.
pub async fn model_spec(core: &CoreState, cluster_id: &str, base_model: &str) -> Option<ModelSpec> {
    if let Some(known) = find_known_model(base_model) {
        return Some(known.spec);
    }
    let (core, cluster_id, base_model) = (core.clone(), cluster_id.to_owned(), base_model.to_owned());
    tokio::task::spawn_blocking(move || folder_model_spec(&core, &cluster_id, &base_model))
        .await
        .ok()
        .flatten()
}

fn folder_model_spec(core: &CoreState, cluster_id: &str, base_model: &str) -> Option<ModelSpec> {
    let path = std::path::Path::new(base_model);
    let folder = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let local = core
            .with_store(|s| s.clusters().get(cluster_id))
            .ok()
            .flatten()
            .is_some_and(|c| c.kind == ClusterKind::Local);
        if !local || base_model.contains(['/', '\\']) {
            return None;
        }
        core.data_dir()
            .join(brightrun_core::cluster::local::LOCAL_AGENT_FOLDER)
            .join("models")
            .join(base_model)
    };
    let config = std::fs::read_to_string(folder.join("config.json")).ok()?;
    ModelSpec::from_hf_config(&config).ok()
}

/// The exact job JSON the cluster will receive, from the launch's own plan (the converted and split files'
/// hashes, `auto` checkpointing decided), as pretty JSON text. Nothing is recorded or uploaded.
#[tauri::command]
#[specta::specta]
pub async fn preview_job(core: State<'_, CoreState>, form: TrainingForm) -> Result<String, AppError> {
    let client = core.client(&form.cluster_id).await?;
    let request = launch_request_of(&core, form, false).await;
    let planned = plan(&core.store, core.data_dir(), &client, &request, &mut |_| {}).await?;
    serde_json::to_string_pretty(&planned.request)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot show the request: {e}")))
}

/// The core's launch request for the form.
async fn launch_request_of(core: &CoreState, form: TrainingForm, budget_override: bool) -> LaunchRequest {
    let model_spec = model_spec(core, &form.cluster_id, &form.base_model).await;
    LaunchRequest {
        dataset_id: form.dataset_id,
        cluster_id: form.cluster_id,
        name: form.name,
        base_model: form.base_model,
        model_spec,
        hyperparameters: form.hyperparameters.to_core(),
        gpu_type: form.gpu_type,
        gpu_count: form.gpu_count,
        spot: form.spot,
        max_duration_hours: form.max_duration_hours,
        budget_override,
        retry_of: None,
        skip_invalid: form.skip_invalid,
    }
}

/// Launches the job: convert, upload (progress as `LaunchProgressEvent`), submit, record; then asks the
/// poller for a pass. A budget refusal is the error `over_budget` unless `budget_override` is set.
#[tauri::command]
#[specta::specta]
pub async fn launch_training(
    app: AppHandle,
    core: State<'_, CoreState>,
    form: TrainingForm,
    budget_override: bool,
) -> Result<JobView, AppError> {
    let issues = check_form(&form);
    if let Some(first) = issues.first() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("{}: {}", first.field, first.message),
        ));
    }
    let request = launch_request_of(&core, form, budget_override).await;
    launch_request(&app, &core, request).await
}

/// Runs a launch with progress events and returns the recorded job (shared with retry).
pub async fn launch_request(
    app: &AppHandle,
    core: &CoreState,
    request: LaunchRequest,
) -> Result<JobView, AppError> {
    let client = core.client(&request.cluster_id).await?;
    let emitter = app.clone();
    let mut progress = move |p: LaunchProgress| {
        let event = match p {
            LaunchProgress::Converting(p) => ("converting", p.done, p.total),
            LaunchProgress::Uploading(p) => ("uploading", p.done, p.total),
            LaunchProgress::Submitting => ("submitting", 1, 1),
        };
        let _ = LaunchProgressEvent {
            step: event.0.into(),
            done: event.1 as f64,
            total: event.2 as f64,
        }
        .emit(&emitter);
    };
    let launched = launch(&core.store, core.data_dir(), &client, request, &mut progress).await?;
    tracing::info!(job = %launched.job.id, "launched");
    core.poll_now().await;
    crate::tray::refresh(app);
    tracing::info!(job = %launched.job.id, "launch answered");
    Ok(JobView::from(&launched.job))
}

fn ranges_view() -> RangesView {
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
    }
}

fn options_view(capabilities: &Capabilities) -> ClusterOptions {
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

/// What the configurator's estimate adds to the form: the dataset's report (length histogram, token method)
/// and the user's completed runs (calibration).
#[derive(Clone, Copy, Debug, Default)]
pub struct EstimateContext<'a> {
    /// The dataset's validation report.
    pub report: Option<&'a ValidationReport>,
    /// Measured throughputs of completed jobs.
    pub observations: &'a [ThroughputObservation],
}

/// The estimator's figures for the form and the presets, through the core's `estimate_run`: the same
/// figures a launch records.
pub fn estimate_view(
    form: &TrainingForm,
    dataset: &Dataset,
    model: Option<ModelSpec>,
    gpu: Option<&GpuChoice>,
    monthly_budget_usd: Option<f64>,
    spent_this_month_usd: f64,
    context: &EstimateContext<'_>,
) -> TrainingEstimateView {
    let pricing = GpuPricing {
        spot_per_gpu_hour: gpu.map_or(0.0, |g| g.spot),
        on_demand_per_gpu_hour: gpu.map_or(0.0, |g| g.on_demand),
    };
    let capacity = if form.spot {
        Capacity::Spot
    } else {
        Capacity::OnDemand
    };
    let current_h = form.hyperparameters.to_core();
    let summary =
        |h: &Hyperparameters| summarise(form, dataset, model.clone()?, gpu, h, pricing, capacity, context);
    let presets = Preset::ALL
        .into_iter()
        .map(|p| {
            let mut h = current_h.clone();
            p.apply_to(&mut h);
            summary(&h)
        })
        .collect();
    TrainingEstimateView {
        badge: badge_name(&current_h),
        current: summary(&current_h),
        presets,
        worst_case_usd: pricing.per_gpu_hour(capacity)
            * f64::from(form.gpu_count.max(1))
            * form.max_duration_hours,
        issues: check_form(form),
        budget: BudgetView {
            monthly_budget_usd,
            spent_this_month_usd,
        },
    }
}

fn badge_name(h: &Hyperparameters) -> String {
    serde_json::to_value(badge_for_hyperparameters(h))
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| "custom".into())
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    form: &TrainingForm,
    dataset: &Dataset,
    model: ModelSpec,
    gpu: Option<&GpuChoice>,
    h: &Hyperparameters,
    pricing: GpuPricing,
    capacity: Capacity,
    context: &EstimateContext<'_>,
) -> Option<EstimateSummary> {
    let gpu_spec = gpu
        .and_then(|g| GpuSpec::by_id(&g.gpu_type).or_else(|| GpuSpec::from_name(&g.name)))
        .unwrap_or_else(|| GpuSpec::cpu(gpu.map_or(CPU_DEFAULT_MEMORY_GIB, |g| g.memory_gb.max(1.0))));
    let gpu_type = gpu.map_or("cpu", |g| g.gpu_type.as_str());
    let runtime = Runtime {
        liger: gpu.is_some_and(|g| g.liger),
        ..Runtime::default()
    };
    let run = estimate_run(&RunInputs {
        dataset,
        report: context.report,
        split: None,
        exact_tokens: None,
        model,
        gpu: gpu_spec,
        gpu_count: form.gpu_count,
        hyperparameters: h,
        pricing,
        capacity,
        runtime: &runtime,
        calibration: Some(CalibrationScope {
            cluster_id: &form.cluster_id,
            gpu_type,
            base_model: &form.base_model,
            observations: context.observations,
        }),
    })?;
    let e = &run.estimate;
    Some(EstimateSummary {
        calibrated_runs: run.calibrated_runs,
        tokens_method: if run.tokens_method == TokenMethod::Exact {
            "exact"
        } else {
            "estimate"
        }
        .into(),
        gradient_checkpointing: run.gradient_checkpointing,
        truncation: context
            .report
            .and_then(|r| r.stats.truncation_at(h.max_seq_len))
            .map(|t| TruncationView {
                shortened: t.shortened as f64,
                without_target: t.without_target as f64,
            }),
        seconds: (e.time.seconds.low, e.time.seconds.expected, e.time.seconds.high),
        cost_usd: (e.cost.usd.low, e.cost.usd.expected, e.cost.usd.high),
        memory_verdict: match e.memory.verdict {
            MemoryVerdict::Fits => "fits",
            MemoryVerdict::Tight => "tight",
            MemoryVerdict::DoesNotFit => "does_not_fit",
        }
        .into(),
        memory_usage: e.memory.usage,
        memory_suggestion: e.memory.suggestion.as_ref().map(|s| {
            s.changes
                .iter()
                .map(describe_change)
                .collect::<Vec<_>>()
                .join("; ")
        }),
    })
}

fn describe_change(change: &estimator::MemoryChange) -> String {
    use estimator::MemoryChange::*;
    match change {
        EnableGradientCheckpointing => "turn on gradient checkpointing".into(),
        ReduceBatchSize {
            batch_size,
            gradient_accumulation_factor,
        } => format!("batch size {batch_size} (gradient accumulation ×{gradient_accumulation_factor})"),
        UseQlora => "load the base model in 4 bits (QLoRA)".into(),
        ShortenSequences { sequence_length } => format!("max sequence length {sequence_length}"),
        LargerGpu { name, .. } => format!("a larger GPU: {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> TrainingForm {
        TrainingForm {
            dataset_id: "d".into(),
            cluster_id: "c".into(),
            name: None,
            base_model: "meta-llama/Llama-3.2-1B".into(),
            hyperparameters: HyperparametersInput::from_core(&Hyperparameters::default()),
            gpu_type: Some("cpu".into()),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 24.0,
            skip_invalid: false,
        }
    }

    #[test]
    fn out_of_range_fields_are_named() {
        let mut f = form();
        f.hyperparameters.lora_rank = 6;
        f.max_duration_hours = 100.0;
        let fields: Vec<String> = check_form(&f).into_iter().map(|i| i.field).collect();
        assert!(fields.contains(&"lora_rank".to_string()), "{fields:?}");
        assert!(fields.contains(&"max_duration_hours".to_string()), "{fields:?}");
        assert!(check_form(&form()).is_empty());
    }

    #[test]
    fn presets_round_trip_through_the_input_shape() {
        for preset in Preset::ALL {
            let mut h = Hyperparameters::default();
            preset.apply_to(&mut h);
            let back = HyperparametersInput::from_core(&h).to_core();
            assert_eq!(badge_name(&back), preset.as_str());
        }
        let mut custom = HyperparametersInput::from_core(&Hyperparameters::default());
        custom.lora_rank = 12;
        assert_eq!(badge_name(&custom.to_core()), "custom");
    }

    #[test]
    fn qlora_checkpointing_and_the_split_reach_the_core() {
        let mut input = HyperparametersInput::from_core(&Hyperparameters::default());
        assert_eq!(input.gradient_checkpointing, "auto");
        input.qlora = true;
        input.gradient_checkpointing = "off".into();
        input.validation_split = 0.25;
        let h = input.to_core();
        assert!(h.qlora);
        assert_eq!(h.gradient_checkpointing, Checkpointing::Off);
        assert_eq!(h.validation_split, 0.25);
        assert_eq!(HyperparametersInput::from_core(&h), input);
    }
}
