//! Before launch: how long a LoRA run will take, what it will cost and whether it fits in GPU memory.
//!
//! Pure arithmetic on a model's shape, a GPU's datasheet figures and the dataset's exact token counts; once the
//! user has finished jobs on a cluster, their measured throughput replaces the FLOPs model. The formulas, the
//! constants and their sources are in docs/estimator.md.

mod calibration;
mod cost;
mod error;
mod flops;
mod gpus;
mod known_models;
mod memory;
mod model;
mod suggest;
mod time;

use serde::{Deserialize, Serialize};

pub use calibration::{
    median, Calibration, CalibrationKey, ThroughputObservation, MAX_BAND, MIN_BAND, SINGLE_OBSERVATION_BAND,
};
pub use cost::{cost_estimate, Capacity, CostEstimate, GpuPricing};
pub use error::EstimatorError;
pub use flops::{
    training_flops, TrainingFlops, FORWARD_FLOPS_PER_PARAMETER, RECOMPUTE_FLOPS_PER_PARAMETER,
    TRAINING_FLOPS_PER_PARAMETER,
};
pub use gpus::{DeviceKind, GpuSpec, CPU_DEFAULT_MEMORY_GIB, CPU_PEAK_TFLOPS, GIB};
pub use known_models::{find_known_model, known_models, KnownModel};
pub use memory::{
    adapter_parameters, estimate_memory, layer_activation_bytes_per_token, verdict_for, weight_bytes,
    MemoryEstimate, MemoryVerdict, ADAPTER_BYTES_PER_PARAMETER, CONTEXT_BYTES, EVAL_LOGIT_BYTES,
    FRAGMENTATION, LOGIT_BYTES, NF4_BYTES_PER_PARAMETER, TIGHT_SHARE,
};
pub use model::{ModelSpec, LINEAR_MODULES};
pub use suggest::{MemoryChange, MemorySuggestion, MIN_SEQUENCE_LENGTH};
pub use time::{
    flops_compute_seconds, gpu_scaling, overhead_seconds, TimeBasis, TimeEstimate, MFU_BAND,
    MULTI_GPU_SCALING, QLORA_TIME_FACTOR, SECONDS_PER_EVALUATION, STARTUP_SECONDS,
    WEIGHT_LOAD_BYTES_PER_SECOND,
};

use super::{Checkpointing, Hyperparameters};

/// Bytes per parameter of a checkpoint on the hub (bf16 or fp16 safetensors), for the loading time.
pub const CHECKPOINT_BYTES_PER_PARAMETER: f64 = 2.0;

/// A low / expected / high triple (time, GPU-hours, money, or an efficiency).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The optimistic end.
    pub low: f64,
    /// The most likely value.
    pub expected: f64,
    /// The pessimistic end: what budgets are checked against.
    pub high: f64,
}

impl Band {
    /// The band with `f` applied to each end.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Band {
        Band {
            low: f(self.low),
            expected: f(self.expected),
            high: f(self.high),
        }
    }
}

/// The settings that decide memory (and, through checkpointing, FLOPs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingSetup {
    /// Examples per GPU per micro-step.
    pub batch_size: u32,
    /// Tokens of the longest batch: the maximum sequence length, or the longest example when shorter.
    pub sequence_length: u32,
    /// LoRA rank.
    pub lora_rank: u32,
    /// LoRA dropout: above 0 the adapter path keeps a dropout mask per targeted module.
    pub lora_dropout: f64,
    /// PEFT target module names (`q_proj`, …, or `all-linear`).
    pub target_modules: Vec<String>,
    /// Base weights in 4 bits (QLoRA).
    pub qlora: bool,
    /// Activations recomputed in backward instead of kept.
    pub gradient_checkpointing: bool,
    /// The loss is a fused linear + cross-entropy kernel (Liger) that never holds the whole logits.
    pub fused_cross_entropy: bool,
}

impl TrainingSetup {
    /// The setup the trainer will run for `hyperparameters` (QLoRA from them), with gradient checkpointing
    /// already decided (see [`resolve_checkpointing`]) and the fused loss when the cluster has Liger on a GPU.
    pub fn for_run(
        hyperparameters: &Hyperparameters,
        gradient_checkpointing: bool,
        fused_cross_entropy: bool,
    ) -> Self {
        Self {
            fused_cross_entropy,
            ..Self::from_hyperparameters(hyperparameters, hyperparameters.qlora, gradient_checkpointing)
        }
    }

    /// The setup of `hyperparameters`, at their maximum sequence length.
    pub fn from_hyperparameters(
        hyperparameters: &Hyperparameters,
        qlora: bool,
        gradient_checkpointing: bool,
    ) -> Self {
        Self {
            batch_size: hyperparameters.batch_size,
            sequence_length: hyperparameters.max_seq_len,
            lora_rank: hyperparameters.lora_rank,
            lora_dropout: hyperparameters.lora_dropout,
            target_modules: hyperparameters.target_modules.clone(),
            qlora,
            gradient_checkpointing,
            fused_cross_entropy: false,
        }
    }
}

/// Whether the trainer will recompute activations: `on` and `off` as set; `auto` turns it on only when the run
/// would not fit in 85 % of the device's memory without it (it costs a third more compute).
pub fn resolve_checkpointing(
    setting: Checkpointing,
    model: &ModelSpec,
    gpu: &GpuSpec,
    setup: &TrainingSetup,
) -> bool {
    match setting {
        Checkpointing::On => true,
        Checkpointing::Off => false,
        Checkpointing::Auto => {
            let without = TrainingSetup {
                gradient_checkpointing: false,
                ..setup.clone()
            };
            memory::memory_without_suggestion(model, gpu, &without).verdict != MemoryVerdict::Fits
        }
    }
}

/// How much data a run processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// Exact tokens of the training split (one epoch), as the dataset's token count gives them.
    pub train_tokens: f64,
    /// Exact tokens of the validation split (one evaluation).
    pub validation_tokens: f64,
    /// Passes over the training split.
    pub epochs: u32,
    /// Validation passes over the whole run.
    pub evaluations: u32,
}

impl Workload {
    /// The number of validation passes the trainer runs: one per epoch without `eval_steps`, else one every
    /// `eval_steps` optimiser steps; none without validation tokens.
    pub fn evaluations_for(
        hyperparameters: &Hyperparameters,
        train_examples: u32,
        gpu_count: u32,
        validation_tokens: f64,
    ) -> u32 {
        if validation_tokens <= 0.0 {
            return 0;
        }
        let per_step = u64::from(hyperparameters.batch_size.max(1))
            * u64::from(hyperparameters.gradient_accumulation.max(1))
            * u64::from(gpu_count.max(1));
        let steps_per_epoch = u64::from(train_examples).div_ceil(per_step);
        let mut total_steps = steps_per_epoch * u64::from(hyperparameters.num_epochs);
        if let Some(max) = hyperparameters.max_steps {
            total_steps = total_steps.min(u64::from(max));
        }
        let evaluations = match hyperparameters.eval_steps {
            None => u64::from(hyperparameters.num_epochs),
            Some(every) => total_steps / u64::from(every.max(1)),
        };
        u32::try_from(evaluations).unwrap_or(u32::MAX)
    }
}

/// Everything an estimate needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EstimateRequest {
    /// The base model's shape.
    pub model: ModelSpec,
    /// The GPU type.
    pub gpu: GpuSpec,
    /// GPUs of that type in one machine.
    pub gpu_count: u32,
    /// Memory-relevant settings.
    pub setup: TrainingSetup,
    /// Tokens, epochs and evaluations.
    pub workload: Workload,
    /// The cluster's prices for the GPU type.
    pub pricing: GpuPricing,
    /// Spot or on-demand.
    pub capacity: Capacity,
}

/// The estimate shown before launch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingEstimate {
    /// The work in FLOPs.
    pub flops: TrainingFlops,
    /// Wall-clock time.
    pub time: TimeEstimate,
    /// GPU-hours and money.
    pub cost: CostEstimate,
    /// Peak memory per GPU and its verdict.
    pub memory: MemoryEstimate,
}

/// Estimates time, cost and memory; `calibration` (from [`Calibration::from_observations`]) replaces the FLOPs
/// model for the time when the user has finished jobs of the same cluster, GPU type and model.
pub fn estimate(
    request: &EstimateRequest,
    calibration: Option<&Calibration>,
) -> Result<TrainingEstimate, EstimatorError> {
    check(request)?;
    let EstimateRequest {
        model,
        gpu,
        gpu_count,
        setup,
        workload,
        pricing,
        capacity,
    } = request;
    let flops = training_flops(
        model.parameters,
        workload.train_tokens,
        workload.epochs,
        workload.validation_tokens,
        workload.evaluations,
        setup.gradient_checkpointing,
    );
    let memory = estimate_memory(model, gpu, setup);
    // Loading reads the checkpoint as published (16-bit), whatever precision it is then held in.
    // Measured fixed costs, when earlier runs with these settings measured them, replace the datasheet's.
    let overhead = calibration
        .and_then(Calibration::overhead_band)
        .unwrap_or_else(|| {
            overhead_seconds(
                model.parameters * CHECKPOINT_BYTES_PER_PARAMETER,
                workload.evaluations,
            )
        });
    let (compute, basis) = match calibration {
        Some(c) => (
            c.compute_seconds(&flops, model.parameters, *gpu_count),
            TimeBasis::Calibrated {
                observations: c.observations,
                median_tokens_per_second_per_gpu: c.median_tokens_per_second_per_gpu,
                band: c.band,
            },
        ),
        None => {
            let mut seconds = flops_compute_seconds(&flops, gpu.peak_tflops, *gpu_count);
            // The CPU cannot quantise; the trainer falls back to plain LoRA there.
            if setup.qlora && gpu.kind == DeviceKind::Gpu {
                seconds = seconds.map(|s| s * QLORA_TIME_FACTOR);
            }
            (seconds, TimeBasis::FlopsModel { mfu: MFU_BAND })
        }
    };
    let time = time::time_estimate(compute, overhead, basis);
    let cost = cost_estimate(&time.seconds, *gpu_count, pricing, *capacity);
    Ok(TrainingEstimate {
        flops,
        time,
        cost,
        memory,
    })
}

fn check(request: &EstimateRequest) -> Result<(), EstimatorError> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let non_negative = |v: f64| v.is_finite() && v >= 0.0;
    let checks = [
        (
            positive(request.model.parameters),
            "model.parameters",
            "must be a positive number",
        ),
        (
            positive(request.gpu.peak_tflops),
            "gpu.peak_tflops",
            "must be a positive number",
        ),
        (
            positive(request.gpu.memory_gib),
            "gpu.memory_gib",
            "must be a positive number",
        ),
        (request.gpu_count >= 1, "gpu_count", "must be at least 1"),
        (
            request.setup.batch_size >= 1,
            "setup.batch_size",
            "must be at least 1",
        ),
        (
            request.setup.sequence_length >= 1,
            "setup.sequence_length",
            "must be at least 1",
        ),
        (
            non_negative(request.setup.lora_dropout),
            "setup.lora_dropout",
            "must be 0 or more",
        ),
        (
            non_negative(request.workload.train_tokens),
            "workload.train_tokens",
            "must be 0 or more",
        ),
        (
            non_negative(request.workload.validation_tokens),
            "workload.validation_tokens",
            "must be 0 or more",
        ),
        (
            non_negative(request.pricing.spot_per_gpu_hour),
            "pricing.spot_per_gpu_hour",
            "must be 0 or more",
        ),
        (
            non_negative(request.pricing.on_demand_per_gpu_hour),
            "pricing.on_demand_per_gpu_hour",
            "must be 0 or more",
        ),
    ];
    match checks.iter().find(|(ok, _, _)| !ok) {
        Some((_, field, reason)) => Err(EstimatorError::input(field, reason)),
        None => Ok(()),
    }
}
