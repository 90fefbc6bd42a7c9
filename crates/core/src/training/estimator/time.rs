//! Wall-clock time of a run, from FLOPs and an efficiency band, plus the fixed costs around the training loop.

use serde::{Deserialize, Serialize};

use super::flops::TrainingFlops;
use super::Band;

/// Model FLOPs utilisation (achieved FLOPs / peak) assumed without measurements: low, expected and high.
/// Reasoning and sources in docs/estimator.md ("Efficiency band").
pub const MFU_BAND: Band = Band {
    low: 0.25,
    expected: 0.35,
    high: 0.45,
};

/// Throughput kept per GPU when a job spans several GPUs of one machine (data parallel): LoRA's gradients are
/// tiny, so the loss is stragglers and uneven padding rather than communication.
pub const MULTI_GPU_SCALING: f64 = 0.9;

/// Compute time multiplier under QLoRA: every matmul first dequantises its NF4 weight to bf16, which public
/// benchmarks of bitsandbytes put at roughly 30 % slower steps than bf16 LoRA (see docs/estimator.md).
pub const QLORA_TIME_FACTOR: f64 = 1.3;

/// Seconds from "started" to the first training step, without loading the weights: process and CUDA start,
/// tokenising the dataset. Fastest, expected, slowest.
pub const STARTUP_SECONDS: Band = Band {
    low: 60.0,
    expected: 120.0,
    high: 300.0,
};

/// Bytes per second at which the base weights load: page cache (1 GB/s), local disk (500 MB/s), a download
/// from the hub (100 MB/s). In the order of the time band: fastest first.
pub const WEIGHT_LOAD_BYTES_PER_SECOND: Band = Band {
    low: 1.0e9,
    expected: 0.5e9,
    high: 0.1e9,
};

/// Seconds of fixed cost per evaluation beyond its FLOPs: data loader start, gathering the loss, and the
/// checkpoint saved with it.
pub const SECONDS_PER_EVALUATION: f64 = 10.0;

/// Where a time estimate comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimeBasis {
    /// FLOPs over peak throughput times the efficiency band.
    FlopsModel {
        /// The utilisation assumed at each end of the band.
        mfu: Band,
    },
    /// The median throughput of earlier jobs of the same cluster, GPU type and model.
    Calibrated {
        /// Observations used.
        observations: u32,
        /// Their median, in training tokens per second per GPU.
        median_tokens_per_second_per_gpu: f64,
        /// The ± band applied to it, as a fraction (0.25 = ±25 %).
        band: f64,
    },
}

/// The time a run is expected to take, fastest to slowest, with its parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeEstimate {
    /// Whole run, in seconds.
    pub seconds: Band,
    /// Training and validation steps alone, in seconds.
    pub compute_seconds: Band,
    /// Start-up, weight loading and per-evaluation overhead, in seconds.
    pub overhead_seconds: Band,
    /// Where the compute part comes from.
    pub basis: TimeBasis,
}

/// Throughput of `gpu_count` GPUs relative to one.
pub fn gpu_scaling(gpu_count: u32) -> f64 {
    if gpu_count <= 1 {
        1.0
    } else {
        f64::from(gpu_count) * MULTI_GPU_SCALING
    }
}

/// Start-up, weight loading and evaluation overhead for a checkpoint of `weight_bytes` and `evaluations` passes.
pub fn overhead_seconds(weight_bytes: f64, evaluations: u32) -> Band {
    let evals = SECONDS_PER_EVALUATION * f64::from(evaluations);
    Band {
        low: STARTUP_SECONDS.low + weight_bytes / WEIGHT_LOAD_BYTES_PER_SECOND.low + evals,
        expected: STARTUP_SECONDS.expected + weight_bytes / WEIGHT_LOAD_BYTES_PER_SECOND.expected + evals,
        high: STARTUP_SECONDS.high + weight_bytes / WEIGHT_LOAD_BYTES_PER_SECOND.high + evals,
    }
}

/// Compute seconds from FLOPs: total FLOPs / (peak × GPU scaling × MFU), the high MFU giving the low time.
pub fn flops_compute_seconds(flops: &TrainingFlops, peak_tflops: f64, gpu_count: u32) -> Band {
    let rate = peak_tflops * 1e12 * gpu_scaling(gpu_count);
    Band {
        low: flops.total / (rate * MFU_BAND.high),
        expected: flops.total / (rate * MFU_BAND.expected),
        high: flops.total / (rate * MFU_BAND.low),
    }
}

/// The whole time estimate: compute plus overhead.
pub fn time_estimate(compute: Band, overhead: Band, basis: TimeBasis) -> TimeEstimate {
    TimeEstimate {
        seconds: Band {
            low: compute.low + overhead.low,
            expected: compute.expected + overhead.expected,
            high: compute.high + overhead.high,
        },
        compute_seconds: compute,
        overhead_seconds: overhead,
        basis,
    }
}
