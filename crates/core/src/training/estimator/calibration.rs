//! Calibration from the user's own finished jobs: measured throughput replaces the FLOPs model as soon as one
//! job of the same cluster, GPU type and count, base model, QLoRA, checkpointing and sequence length has
//! finished ([`CalibrationKey`]); its measured fixed costs (start-up, loading, evaluation, saving) replace the
//! datasheet overhead too.

use serde::{Deserialize, Serialize};

use super::flops::{TrainingFlops, FORWARD_FLOPS_PER_PARAMETER};
use super::time::gpu_scaling;
use super::Band;

/// One finished job's measured training throughput.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThroughputObservation {
    /// The cluster it ran on (its id in the local database).
    pub cluster_id: String,
    /// The GPU type's id (`"a100-80gb"`).
    pub gpu_type: String,
    /// The base model's hub id or path.
    pub base_model: String,
    /// GPUs the job used.
    pub gpu_count: u32,
    /// Training tokens per second over the training steps, all GPUs together, in the units the estimator
    /// counts (see `jobs::throughput`).
    pub tokens_per_second: f64,
    /// Base weights in 4 bits.
    #[serde(default)]
    pub qlora: bool,
    /// Activations recomputed in backward.
    #[serde(default)]
    pub gradient_checkpointing: bool,
    /// The run's maximum sequence length.
    #[serde(default)]
    pub sequence_length: u32,
    /// Seconds of the run outside the training steps (start-up, loading, evaluation, saving), when measured.
    #[serde(default)]
    pub overhead_seconds: Option<f64>,
}

/// What makes two runs' throughputs comparable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationKey {
    /// The cluster's id in the local database.
    pub cluster_id: String,
    /// The GPU type's id (compared case-insensitively).
    pub gpu_type: String,
    /// GPUs per job.
    pub gpu_count: u32,
    /// The base model's id.
    pub base_model: String,
    /// Base weights in 4 bits.
    pub qlora: bool,
    /// Activations recomputed in backward.
    pub gradient_checkpointing: bool,
    /// Maximum sequence length.
    pub sequence_length: u32,
}

impl CalibrationKey {
    /// Whether `o` was measured on a run with this key.
    pub fn matches(&self, o: &ThroughputObservation) -> bool {
        o.cluster_id == self.cluster_id
            && o.gpu_type.eq_ignore_ascii_case(&self.gpu_type)
            && o.gpu_count == self.gpu_count
            && o.base_model == self.base_model
            && o.qlora == self.qlora
            && o.gradient_checkpointing == self.gradient_checkpointing
            && o.sequence_length == self.sequence_length
    }
}

/// What the observations of one cluster, GPU type and model say about throughput.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Observations that matched and were usable.
    pub observations: u32,
    /// Median training tokens per second per GPU.
    pub median_tokens_per_second_per_gpu: f64,
    /// Relative ± band around the median (0.25 = ±25 %), at most [`MAX_BAND`].
    pub band: f64,
    /// Median measured seconds outside the training steps, when the observations measured it.
    #[serde(default)]
    pub overhead_seconds: Option<f64>,
}

/// The smallest band, reached from seven observations on: runs differ by dataset shape even on one machine.
pub const MIN_BAND: f64 = 0.10;
/// The band of a single observation; it narrows as 1/√n.
pub const SINGLE_OBSERVATION_BAND: f64 = 0.25;
/// The widest band, however scattered the observations.
pub const MAX_BAND: f64 = 0.5;

impl Calibration {
    /// The calibration from the observations that match `cluster_id`, `gpu_type` (case-insensitive) and
    /// `base_model`; `None` when none does. Non-finite or non-positive throughputs are ignored.
    pub fn from_observations(
        observations: &[ThroughputObservation],
        cluster_id: &str,
        gpu_type: &str,
        base_model: &str,
    ) -> Option<Calibration> {
        let per_gpu: Vec<f64> = observations
            .iter()
            .filter(|o| {
                o.cluster_id == cluster_id
                    && o.gpu_type.eq_ignore_ascii_case(gpu_type)
                    && o.base_model == base_model
            })
            .filter(|o| o.tokens_per_second.is_finite() && o.tokens_per_second > 0.0)
            .map(|o| o.tokens_per_second / gpu_scaling(o.gpu_count.max(1)))
            .collect();
        Calibration::from_throughputs(&per_gpu)
    }

    /// The calibration from the observations of runs with exactly `key`'s settings; `None` when none matches.
    pub fn for_key(observations: &[ThroughputObservation], key: &CalibrationKey) -> Option<Calibration> {
        let matching: Vec<&ThroughputObservation> = observations
            .iter()
            .filter(|o| key.matches(o))
            .filter(|o| o.tokens_per_second.is_finite() && o.tokens_per_second > 0.0)
            .collect();
        let per_gpu: Vec<f64> = matching
            .iter()
            .map(|o| o.tokens_per_second / gpu_scaling(o.gpu_count.max(1)))
            .collect();
        let overheads: Vec<f64> = matching
            .iter()
            .filter_map(|o| o.overhead_seconds)
            .filter(|v| v.is_finite() && *v >= 0.0)
            .collect();
        let mut calibration = Calibration::from_throughputs(&per_gpu)?;
        calibration.overhead_seconds = median(overheads);
        Some(calibration)
    }

    /// The calibration from per-GPU throughputs already selected; `None` when there is no usable one.
    ///
    /// The band is the larger of `0.25 / √n` (at least 10 %) and the observed half-spread
    /// `(max − min) / (2 · median)`, capped at 50 %.
    pub fn from_throughputs(tokens_per_second_per_gpu: &[f64]) -> Option<Calibration> {
        let mut values: Vec<f64> = tokens_per_second_per_gpu
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = median(values.clone())?;
        let count = n as f64;
        let floor = (SINGLE_OBSERVATION_BAND / count.sqrt()).max(MIN_BAND);
        let spread = (values[n - 1] - values[0]) / (2.0 * median);
        Some(Calibration {
            observations: u32::try_from(n).unwrap_or(u32::MAX),
            median_tokens_per_second_per_gpu: median,
            band: floor.max(spread).min(MAX_BAND),
            overhead_seconds: None,
        })
    }

    /// The measured overhead as a band of the same relative width, when measured.
    pub fn overhead_band(&self) -> Option<Band> {
        let o = self.overhead_seconds?;
        Some(Band {
            low: o * (1.0 - self.band),
            expected: o,
            high: o * (1.0 + self.band),
        })
    }

    /// Compute seconds of the run from measured throughput: training tokens at the median rate ± band, and
    /// validation tokens at the faster forward-only rate (training costs 4N or 6N per token, validation 2N).
    pub fn compute_seconds(&self, flops: &TrainingFlops, parameters: f64, gpu_count: u32) -> Band {
        let forward_share = if flops.per_training_token > 0.0 {
            FORWARD_FLOPS_PER_PARAMETER * parameters / flops.per_training_token
        } else {
            0.0
        };
        let training_token_equivalents = flops.training_tokens + flops.validation_tokens * forward_share;
        let rate = self.median_tokens_per_second_per_gpu * gpu_scaling(gpu_count);
        Band {
            low: training_token_equivalents / (rate * (1.0 + self.band)),
            expected: training_token_equivalents / rate,
            high: training_token_equivalents / (rate * (1.0 - self.band)),
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}
