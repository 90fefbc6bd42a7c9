//! `brightrun estimate`: the core's estimator (time, throughput, memory) for a model shape, a device and the
//! training settings, without a dataset or a cluster. What `train --dry-run` shows for a real launch, here for
//! any shape: `python -m brightrun_trainer.bench` calls it to print the predicted tokens/s and memory beside
//! the measured ones.

use std::path::PathBuf;

use anyhow::Context as _;
use brightrun_core::training::estimator::{
    self, find_known_model, Capacity, EstimateRequest, GpuPricing, GpuSpec, ModelSpec, TrainingSetup,
    Workload, CPU_DEFAULT_MEMORY_GIB,
};
use brightrun_core::training::presets::Preset;
use clap::Args;
use serde_json::json;

use super::train::{hyperparameters, PresetArg};
use super::Context;
use crate::error::{Outcome, UsageError};
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// The model's Hugging Face `config.json` (its shape; no weights are read).
    #[arg(long, value_name = "FILE", conflicts_with = "model")]
    pub model_config: Option<PathBuf>,
    /// A model BrightRun knows by its hub id (e.g. meta-llama/Llama-3.1-8B).
    #[arg(long)]
    pub model: Option<String>,
    /// The device: a GPU id (h100-sxm, a100-80gb, …; see docs/estimator.md) or `cpu`.
    #[arg(long, default_value = "cpu")]
    pub gpu: String,
    /// Devices of that type.
    #[arg(long, default_value_t = 1)]
    pub gpu_count: u32,
    /// With `--gpu cpu`: the memory assumed, in GiB.
    #[arg(long, default_value_t = CPU_DEFAULT_MEMORY_GIB)]
    pub memory_gib: f64,
    /// Training tokens per epoch (real, non-padding tokens).
    #[arg(long, default_value_t = 1_000_000.0)]
    pub tokens: f64,
    /// The longest batch's tokens, when shorter than max_seq_len (the memory of a batch follows it).
    #[arg(long)]
    pub sequence_length: Option<u32>,
    /// The loss is Liger's fused linear cross-entropy (no whole logits held).
    #[arg(long)]
    pub fused_loss: bool,
    /// The preset the settings start from.
    #[arg(long, value_enum, default_value = "conservative")]
    pub preset: PresetArg,
    /// Override one hyperparameter, e.g. --set batch_size=8 --set gradient_checkpointing=off (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

/// Runs `brightrun estimate`.
pub fn run(ctx: &Context, args: EstimateArgs) -> anyhow::Result<Outcome> {
    let model = model_spec(&args)?;
    let gpu = if args.gpu.eq_ignore_ascii_case("cpu") {
        GpuSpec::cpu(args.memory_gib)
    } else {
        GpuSpec::from_name(&args.gpu)
            .ok_or_else(|| UsageError(format!("--gpu {:?}: not a GPU BrightRun knows", args.gpu)))?
    };
    let h = hyperparameters(Preset::from(args.preset), &args.sets)?;
    if !(args.tokens.is_finite() && args.tokens > 0.0) {
        return Err(UsageError("--tokens must be a positive number".into()).into());
    }
    let mut setup = TrainingSetup::for_run(&h, false, args.fused_loss);
    if let Some(length) = args.sequence_length {
        setup.sequence_length = length.min(h.max_seq_len).max(1);
    }
    // The flags the trainer will use: `auto` decided by the memory model, as at launch.
    setup.gradient_checkpointing =
        estimator::resolve_checkpointing(h.gradient_checkpointing, &model, &gpu, &setup);
    let request = EstimateRequest {
        model: model.clone(),
        gpu: gpu.clone(),
        gpu_count: args.gpu_count.max(1),
        setup: setup.clone(),
        // Training alone: the throughput compared with a benchmark's steps, no evaluation.
        workload: Workload {
            train_tokens: args.tokens,
            validation_tokens: 0.0,
            epochs: 1,
            evaluations: 0,
        },
        pricing: GpuPricing {
            spot_per_gpu_hour: 0.0,
            on_demand_per_gpu_hour: 0.0,
        },
        capacity: Capacity::OnDemand,
    };
    let estimate = estimator::estimate(&request, None).map_err(|e| UsageError(e.to_string()))?;
    let compute = estimate.time.compute_seconds;
    // Fastest compute gives the highest rate.
    let rate = |seconds: f64| if seconds > 0.0 { args.tokens / seconds } else { 0.0 };
    let answer = json!({
        "model": model,
        "gpu": gpu,
        "gpu_count": request.gpu_count,
        "setup": setup,
        "tokens": args.tokens,
        "tokens_per_second": {
            "low": rate(compute.high),
            "expected": rate(compute.expected),
            "high": rate(compute.low),
        },
        "peak_memory_bytes": estimate.memory.total_bytes,
        "memory": estimate.memory,
        "time": estimate.time,
        "flops": estimate.flops,
    });
    if ctx.json {
        print_json(&answer)?;
    } else {
        println!(
            "{} on {} × {}: {:.0} tokens/s expected ({:.0} to {:.0}), peak memory {:.2} GiB ({:?}), \
             gradient checkpointing {}",
            args.model.as_deref().unwrap_or("the model"),
            request.gpu_count,
            gpu.name,
            rate(compute.expected),
            rate(compute.high),
            rate(compute.low),
            estimate.memory.total_bytes / estimator::GIB,
            estimate.memory.verdict,
            if setup.gradient_checkpointing { "on" } else { "off" },
        );
    }
    Ok(Outcome::Success)
}

fn model_spec(args: &EstimateArgs) -> anyhow::Result<ModelSpec> {
    if let Some(path) = &args.model_config {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        return ModelSpec::from_hf_config(&text)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())).into());
    }
    if let Some(name) = &args.model {
        return find_known_model(name).map(|k| k.spec).ok_or_else(|| {
            UsageError(format!(
                "--model {name:?}: not a model BrightRun knows; pass --model-config"
            ))
            .into()
        });
    }
    Err(UsageError("give the model's shape: --model-config FILE or --model HUB_ID".into()).into())
}
