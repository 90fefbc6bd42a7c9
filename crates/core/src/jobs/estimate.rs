//! The estimate of one run as the trainer will run it: the exact flags (QLoRA, gradient checkpointing decided
//! by the memory model, the fused loss when the cluster has Liger), the tokens after truncation and padding
//! (or packing), `max_steps`, and the user's own earlier runs with the same settings. The launch, the dry
//! run and the configurator all call [`estimate_run`], so they show the same figures.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::cluster::client::Runtime;
use crate::dataset::{HistogramBin, TokenMethod, ValidationReport};
use crate::store::training_jobs::{DataSplit, TrainingJob};
use crate::store::Dataset;
use crate::training::estimator::{
    self, resolve_checkpointing, Calibration, CalibrationKey, Capacity, DeviceKind, EstimateRequest,
    GpuPricing, GpuSpec, ModelSpec, ThroughputObservation, TrainingEstimate, TrainingSetup, Workload,
};
use crate::training::{Checkpointing, Hyperparameters, Packing};

/// Everything one estimate needs.
#[derive(Clone, Debug)]
pub struct RunInputs<'a> {
    /// The library dataset (its token total and example count).
    pub dataset: &'a Dataset,
    /// Its validation report (length histogram, longest example, token method), when stored.
    pub report: Option<&'a ValidationReport>,
    /// The frozen split, when already cut; else the hyperparameters' fraction is applied to the counts.
    pub split: Option<&'a DataSplit>,
    /// Exact tokens of the dataset for the base model's tokenizer, when counted (see `jobs::tokens`).
    pub exact_tokens: Option<u64>,
    /// The base model's shape.
    pub model: ModelSpec,
    /// The GPU type.
    pub gpu: GpuSpec,
    /// GPUs per job.
    pub gpu_count: u32,
    /// The run's settings.
    pub hyperparameters: &'a Hyperparameters,
    /// Prices of the GPU type.
    pub pricing: GpuPricing,
    /// Spot or on-demand.
    pub capacity: Capacity,
    /// What the cluster's trainer environment has (Liger decides the fused loss).
    pub runtime: &'a Runtime,
    /// The cluster, GPU type and base model, to find earlier runs; `None`: no calibration.
    pub calibration: Option<CalibrationScope<'a>>,
}

/// Where to look for earlier runs.
#[derive(Clone, Debug)]
pub struct CalibrationScope<'a> {
    /// The cluster's id.
    pub cluster_id: &'a str,
    /// The GPU type's id.
    pub gpu_type: &'a str,
    /// The base model's id.
    pub base_model: &'a str,
    /// Every observation recorded (see [`observations`]).
    pub observations: &'a [ThroughputObservation],
}

/// The estimate of a run, with the decisions behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEstimate {
    /// The estimator's figures.
    pub estimate: TrainingEstimate,
    /// Whether the trainer will recompute activations (the `auto` setting decided here).
    pub gradient_checkpointing: bool,
    /// Tokens processed per real token: the padding of random batches, 1 with packing.
    pub padding_factor: f64,
    /// Whether the token count is exact for the base model's tokenizer or estimated (chars/4).
    pub tokens_method: TokenMethod,
    /// Earlier completed runs with the same settings the time is calibrated on (0: FLOPs model).
    pub calibrated_runs: u32,
    /// Tokens through training steps over the whole run, padding included (what calibration divides).
    pub training_tokens: f64,
}

impl RunEstimate {
    /// Validation tokens of the whole run in training-token equivalents (a forward pass costs 2N against 4N or
    /// 6N for a training token): what calibration subtracts from a measured run to isolate its fixed costs.
    pub fn validation_token_equivalents(&self) -> f64 {
        let f = &self.estimate.flops;
        if f.per_training_token > 0.0 {
            f.validation / f.per_training_token
        } else {
            0.0
        }
    }

    /// The summary shown by `--dry-run`, recorded with the job and used to calibrate later runs.
    pub fn summary(&self) -> Value {
        let e = &self.estimate;
        json!({
            "basis": "estimator",
            "low_seconds": e.time.seconds.low,
            "expected_seconds": e.time.seconds.expected,
            "high_seconds": e.time.seconds.high,
            "seconds": e.time.seconds,
            "cost_usd": e.cost.usd,
            "gpu_hours": e.cost.gpu_hours,
            "calibrated_runs": self.calibrated_runs,
            "tokens_method": self.tokens_method,
            "training_tokens": self.training_tokens,
            "validation_token_equivalents": self.validation_token_equivalents(),
            "padding_factor": self.padding_factor,
            "gradient_checkpointing": self.gradient_checkpointing,
            "memory_verdict": e.memory.verdict,
            "memory": memory_json(e),
        })
    }
}

/// The memory part of an estimate, as the dry run and the job record show it.
pub fn memory_json(e: &TrainingEstimate) -> Value {
    json!({
        "verdict": e.memory.verdict,
        "total_bytes": e.memory.total_bytes,
        "device_bytes": e.memory.device_bytes,
        "usage": e.memory.usage,
        "suggestion": e.memory.suggestion,
    })
}

/// The estimate of the run `inputs` describe; `None` when the estimator refuses its inputs.
pub fn estimate_run(inputs: &RunInputs<'_>) -> Option<RunEstimate> {
    let h = inputs.hyperparameters;
    let gpu_count = inputs.gpu_count.max(1);
    let on_gpu = inputs.gpu.kind == DeviceKind::Gpu;
    let shape = DataShape::of(inputs);
    let longest = shape.longest.clamp(1, u64::from(h.max_seq_len)) as u32;
    let mut setup = TrainingSetup::for_run(h, false, on_gpu && inputs.runtime.liger);
    // The longest batch decides the peak: `batch_size` of the longest examples, padded or end to end.
    setup.sequence_length = longest;
    setup.gradient_checkpointing =
        resolve_checkpointing(h.gradient_checkpointing, &inputs.model, &inputs.gpu, &setup);
    let padding_factor = if h.packing == Packing::PaddingFree {
        1.0
    } else {
        padding_factor(&shape.histogram, h.batch_size, h.max_seq_len)
    };

    let per_example = shape.tokens_per_example;
    let per_step =
        u64::from(h.batch_size.max(1)) * u64::from(h.gradient_accumulation.max(1)) * u64::from(gpu_count);
    // `max_steps` overrides the epochs (the trainer repeats the data as needed).
    let (train_tokens, epochs) = match h.max_steps {
        Some(steps) => (
            f64::from(steps) * per_step as f64 * per_example * padding_factor,
            1,
        ),
        None => (
            shape.train_examples as f64 * per_example * padding_factor,
            h.num_epochs,
        ),
    };
    let validation_tokens = shape.validation_examples as f64 * per_example * padding_factor;
    let workload = Workload {
        train_tokens,
        validation_tokens,
        epochs,
        evaluations: Workload::evaluations_for(
            h,
            u32::try_from(shape.train_examples).unwrap_or(u32::MAX),
            gpu_count,
            validation_tokens,
        ),
    };
    let request = EstimateRequest {
        model: inputs.model.clone(),
        gpu: inputs.gpu.clone(),
        gpu_count,
        setup: setup.clone(),
        workload,
        pricing: inputs.pricing,
        capacity: inputs.capacity,
    };
    let calibration = inputs.calibration.as_ref().and_then(|scope| {
        let key = CalibrationKey {
            cluster_id: scope.cluster_id.to_string(),
            gpu_type: scope.gpu_type.to_string(),
            gpu_count,
            base_model: scope.base_model.to_string(),
            qlora: h.qlora,
            gradient_checkpointing: setup.gradient_checkpointing,
            sequence_length: h.max_seq_len,
        };
        Calibration::for_key(scope.observations, &key)
    });
    let estimate = estimator::estimate(&request, calibration.as_ref()).ok()?;
    Some(RunEstimate {
        training_tokens: estimate.flops.training_tokens,
        estimate,
        gradient_checkpointing: setup.gradient_checkpointing,
        padding_factor,
        tokens_method: shape.method,
        calibrated_runs: calibration.map_or(0, |c| c.observations),
    })
}

/// What the estimate needs of the dataset, after the split and truncation.
struct DataShape {
    train_examples: u64,
    validation_examples: u64,
    /// Mean tokens per example after truncation to `max_seq_len`.
    tokens_per_example: f64,
    longest: u64,
    histogram: Vec<HistogramBin>,
    method: TokenMethod,
}

impl DataShape {
    fn of(inputs: &RunInputs<'_>) -> Self {
        let h = inputs.hyperparameters;
        let d = inputs.dataset;
        let examples = d.training_examples.max(1);
        let (train_examples, validation_examples) = match inputs.split {
            Some(s) => (s.train_examples, s.validation_examples),
            None if h.validation_split > 0.0 => {
                let validation = ((examples as f64) * h.validation_split).round() as u64;
                let validation = validation.clamp(u64::from(examples > 1), examples.saturating_sub(1));
                (examples - validation, validation)
            }
            None => (examples, 0),
        };
        let (total, method) = match inputs.exact_tokens {
            Some(t) => (t, TokenMethod::Exact),
            None => (
                d.tokens_total,
                inputs.report.map_or(TokenMethod::Estimate, |r| r.tokens.method),
            ),
        };
        let histogram = inputs
            .report
            .map(|r| r.stats.histogram.clone())
            .unwrap_or_default();
        let mean = total as f64 / examples as f64;
        // Truncation: the histogram says how much of the mean lies past `max_seq_len`.
        let cap = f64::from(h.max_seq_len);
        let kept = match (
            histogram_mean(&histogram, f64::INFINITY),
            histogram_mean(&histogram, cap),
        ) {
            (Some(all), Some(capped)) if all > 0.0 => capped / all,
            _ => 1.0,
        };
        let longest = inputs
            .report
            .map_or(u64::from(h.max_seq_len), |r| r.tokens.per_example.max);
        DataShape {
            train_examples,
            validation_examples,
            tokens_per_example: (mean * kept).min(cap),
            longest,
            histogram,
            method,
        }
    }
}

/// The mean example length from a histogram (bin midpoints, capped at `cap`); `None` when it is empty.
fn histogram_mean(histogram: &[HistogramBin], cap: f64) -> Option<f64> {
    let count: u64 = histogram.iter().map(|b| b.count).sum();
    if count == 0 {
        return None;
    }
    let sum: f64 = histogram
        .iter()
        .map(|b| b.count as f64 * midpoint(b).min(cap))
        .sum();
    Some(sum / count as f64)
}

fn midpoint(bin: &HistogramBin) -> f64 {
    (bin.start as f64 + bin.end as f64) / 2.0
}

/// Tokens processed per real token when `batch_size` random examples are padded to the longest of them:
/// E[max of b lengths] / E[length], from the length histogram (lengths capped at `max_seq_len`). 1 without a
/// histogram or with batches of one.
pub fn padding_factor(histogram: &[HistogramBin], batch_size: u32, max_seq_len: u32) -> f64 {
    let cap = f64::from(max_seq_len);
    let Some(mean) = histogram_mean(histogram, cap) else {
        return 1.0;
    };
    if batch_size <= 1 || mean <= 0.0 {
        return 1.0;
    }
    let count: u64 = histogram.iter().map(|b| b.count).sum();
    let mut bins: Vec<&HistogramBin> = histogram.iter().filter(|b| b.count > 0).collect();
    bins.sort_by_key(|b| b.start);
    let b = i32::try_from(batch_size).unwrap_or(i32::MAX);
    let (mut below, mut expected_max) = (0.0_f64, 0.0_f64);
    for bin in bins {
        let upto = below + bin.count as f64 / count as f64;
        // P(max falls in this bin) = F(end)^b − F(start)^b.
        expected_max += midpoint(bin).min(cap) * (upto.powi(b) - below.powi(b));
        below = upto;
    }
    (expected_max / mean).max(1.0)
}

/// Every completed job's measured throughput, as calibration observations.
pub fn observations(jobs: &[TrainingJob]) -> Vec<ThroughputObservation> {
    jobs.iter()
        .filter_map(|job| {
            let t = job.throughput.as_ref()?;
            let checkpointing = job
                .estimate
                .as_ref()
                .and_then(|e| e.get("gradient_checkpointing"))
                .and_then(Value::as_bool)
                .unwrap_or(job.hyperparameters.gradient_checkpointing == Checkpointing::On);
            Some(ThroughputObservation {
                cluster_id: job.cluster_id.clone(),
                gpu_type: job.gpu_type.clone(),
                base_model: job.base_model.clone(),
                gpu_count: job.gpu_count,
                tokens_per_second: t.estimator_tokens_per_second?,
                qlora: job.hyperparameters.qlora,
                gradient_checkpointing: checkpointing,
                sequence_length: job.hyperparameters.max_seq_len,
                overhead_seconds: Some(t.overhead_seconds),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(start: u64, end: u64, count: u64) -> HistogramBin {
        HistogramBin { start, end, count }
    }

    #[test]
    fn equal_lengths_need_no_padding_and_spread_ones_do() {
        assert_eq!(padding_factor(&[bin(100, 200, 50)], 8, 2048), 1.0);
        assert_eq!(padding_factor(&[], 8, 2048), 1.0);
        let spread = [bin(0, 200, 50), bin(1800, 2000, 50)];
        // Mean 1000; a batch of 8 almost always holds a long one: E[max] = 100·(1/2)^8 + 1900·(1 − (1/2)^8).
        let expected = (100.0 / 256.0 + 1900.0 * 255.0 / 256.0) / 1000.0;
        assert!((padding_factor(&spread, 8, 2048) - expected).abs() < 1e-9);
        assert_eq!(padding_factor(&spread, 1, 2048), 1.0);
        // Truncation caps the long ones: at 512 they count as 512.
        let capped = padding_factor(&spread, 8, 512);
        let mean = (100.0 + 512.0) / 2.0;
        assert!((capped - (100.0 / 256.0 + 512.0 * 255.0 / 256.0) / mean).abs() < 1e-9);
    }
}
