//! The configurator's estimate: the core's `estimate_run` for the form and each preset, as the UI shows it.

use brightrun_core::cluster::client::Runtime;
use brightrun_core::dataset::{TokenMethod, ValidationReport};
use brightrun_core::jobs::{estimate_run, CalibrationScope, RunInputs};
use brightrun_core::store::Dataset;
use brightrun_core::training::estimator::{
    self, Capacity, GpuPricing, GpuSpec, ModelSpec, ThroughputObservation, CPU_DEFAULT_MEMORY_GIB,
};
use brightrun_core::training::presets::{badge_for_hyperparameters, Preset};
use brightrun_core::training::Hyperparameters;

use super::training::{
    check_form, BudgetView, EstimateSummary, GpuChoice, TrainingEstimateView, TrainingForm, TruncationView,
};

/// What the configurator's estimate adds to the form: the dataset's report (length histogram, token method)
/// and the user's completed runs (calibration).
#[derive(Clone, Copy, Debug, Default)]
pub struct EstimateContext<'a> {
    /// The dataset's validation report.
    pub report: Option<&'a ValidationReport>,
    /// Measured throughputs of completed jobs.
    pub observations: &'a [ThroughputObservation],
    /// The dataset's exact token count for the base model's tokenizer, once counted (`training_tokens`).
    pub exact_tokens: Option<u64>,
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

/// The preset a configuration matches, or `custom`.
pub fn badge_name(h: &Hyperparameters) -> String {
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
        exact_tokens: context.exact_tokens,
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
        memory_verdict: e.memory.verdict.into(),
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
