//! What to change when a run does not fit: the cheapest change that actually makes it fit, found by trying.

use serde::{Deserialize, Serialize};

use super::gpus::{DeviceKind, GpuSpec};
use super::memory::{memory_without_suggestion, MemoryVerdict};
use super::model::ModelSpec;
use super::TrainingSetup;

/// The shortest sequence length the search goes down to (the smallest the form offers).
pub const MIN_SEQUENCE_LENGTH: u32 = 512;

/// One change to a run's settings that lowers its memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemoryChange {
    /// Recompute activations in backward: about a third slower, same result.
    EnableGradientCheckpointing,
    /// A smaller per-device batch; multiply gradient accumulation to keep the effective batch.
    ReduceBatchSize {
        /// The new batch size.
        batch_size: u32,
        /// The factor to multiply gradient accumulation by so the effective batch stays the same.
        gradient_accumulation_factor: u32,
    },
    /// Load the base model in 4 bits (QLoRA): slower steps, a small quality cost.
    UseQlora,
    /// Truncate examples to fewer tokens: longer conversations lose their ends.
    ShortenSequences {
        /// The new maximum sequence length.
        sequence_length: u32,
    },
    /// Run on a GPU with more memory, as the run is.
    LargerGpu {
        /// The GPU's id.
        gpu_id: String,
        /// The GPU's name.
        name: String,
    },
}

/// A set of changes and what the memory would be with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemorySuggestion {
    /// The changes, in the order gradient checkpointing, batch, QLoRA, sequence length.
    pub changes: Vec<MemoryChange>,
    /// The peak memory with the changes, in bytes.
    pub total_bytes: f64,
    /// Share of the device's memory with the changes.
    pub usage: f64,
}

/// How much each kind of change costs the user: checkpointing costs only speed, a smaller batch keeps the result
/// with gradient accumulation, QLoRA costs a little quality, truncation loses data, so it costs more than the
/// other three together.
const CHECKPOINTING_COST: u32 = 1;
const BATCH_COST: u32 = 2;
const QLORA_COST: u32 = 3;
const SEQUENCE_COST: u32 = 8;

/// The cheapest set of changes (then the fewest, then the largest batch and the longest sequences) that makes the run fit in at most 85 % of the device's memory; else the smallest GPU of the table
/// that fits the run unchanged; `None` when nothing does.
pub fn suggest(model: &ModelSpec, gpu: &GpuSpec, setup: &TrainingSetup) -> Option<MemorySuggestion> {
    let mut best: Option<((u32, u32, u32, u32), MemorySuggestion)> = None;
    let checkpointing_options: &[bool] = if setup.gradient_checkpointing {
        &[true]
    } else {
        &[false, true]
    };
    let qlora_options: &[bool] = if setup.qlora || gpu.kind == DeviceKind::Cpu {
        &[setup.qlora]
    } else {
        &[false, true]
    };
    for &checkpointing in checkpointing_options {
        for &qlora in qlora_options {
            for batch_size in halvings(setup.batch_size, 1) {
                for sequence_length in halvings(setup.sequence_length, MIN_SEQUENCE_LENGTH) {
                    let candidate = TrainingSetup {
                        gradient_checkpointing: checkpointing,
                        qlora,
                        batch_size,
                        sequence_length,
                        ..setup.clone()
                    };
                    let memory = memory_without_suggestion(model, gpu, &candidate);
                    if memory.verdict != MemoryVerdict::Fits {
                        continue;
                    }
                    let changes = changes_between(setup, &candidate);
                    if changes.is_empty() {
                        continue;
                    }
                    let cost = changes.iter().map(change_cost).sum();
                    let rank = (
                        cost,
                        u32::try_from(changes.len()).unwrap_or(u32::MAX),
                        u32::MAX - batch_size,
                        u32::MAX - sequence_length,
                    );
                    if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                        let suggestion = MemorySuggestion {
                            changes,
                            total_bytes: memory.total_bytes,
                            usage: memory.usage,
                        };
                        best = Some((rank, suggestion));
                    }
                }
            }
        }
    }
    best.map(|(_, s)| s).or_else(|| larger_gpu(model, gpu, setup))
}

fn larger_gpu(model: &ModelSpec, gpu: &GpuSpec, setup: &TrainingSetup) -> Option<MemorySuggestion> {
    GpuSpec::all()
        .into_iter()
        .filter(|g| g.kind == DeviceKind::Gpu && g.memory_gib > gpu.memory_gib)
        .map(|g| {
            let memory = memory_without_suggestion(model, &g, setup);
            (g, memory)
        })
        .filter(|(_, m)| m.verdict == MemoryVerdict::Fits)
        .min_by(|(a, _), (b, _)| a.memory_gib.total_cmp(&b.memory_gib))
        .map(|(g, m)| MemorySuggestion {
            changes: vec![MemoryChange::LargerGpu {
                gpu_id: g.id,
                name: g.name,
            }],
            total_bytes: m.total_bytes,
            usage: m.usage,
        })
}

/// `start, start/2, …` down to `floor` (or just `start` when it is already at or below the floor).
fn halvings(start: u32, floor: u32) -> Vec<u32> {
    let mut values = vec![start];
    let mut v = start;
    while v / 2 >= floor.max(1) {
        v /= 2;
        values.push(v);
    }
    values
}

fn changes_between(from: &TrainingSetup, to: &TrainingSetup) -> Vec<MemoryChange> {
    let mut changes = Vec::new();
    if to.gradient_checkpointing && !from.gradient_checkpointing {
        changes.push(MemoryChange::EnableGradientCheckpointing);
    }
    if to.batch_size < from.batch_size {
        changes.push(MemoryChange::ReduceBatchSize {
            batch_size: to.batch_size,
            gradient_accumulation_factor: from.batch_size / to.batch_size.max(1),
        });
    }
    if to.qlora && !from.qlora {
        changes.push(MemoryChange::UseQlora);
    }
    if to.sequence_length < from.sequence_length {
        changes.push(MemoryChange::ShortenSequences {
            sequence_length: to.sequence_length,
        });
    }
    changes
}

fn change_cost(change: &MemoryChange) -> u32 {
    match change {
        MemoryChange::EnableGradientCheckpointing => CHECKPOINTING_COST,
        MemoryChange::ReduceBatchSize { .. } => BATCH_COST,
        MemoryChange::UseQlora => QLORA_COST,
        MemoryChange::ShortenSequences { .. } => SEQUENCE_COST,
        MemoryChange::LargerGpu { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::halvings;

    #[test]
    fn halvings_stop_at_the_floor() {
        assert_eq!(halvings(16, 1), [16, 8, 4, 2, 1]);
        assert_eq!(halvings(4096, 512), [4096, 2048, 1024, 512]);
        assert_eq!(halvings(300, 512), [300]);
        assert_eq!(halvings(1, 1), [1]);
    }
}
