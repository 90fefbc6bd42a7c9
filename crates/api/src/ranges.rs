//! The allowed ranges of every training setting, from the product spec's "advanced ranges".
//!
//! One table for the app's form, the CLI and the agent, so a configuration the app accepts is never refused by
//! the cluster (and the other way round).

/// LoRA rank: 4 to 64 in steps of 4.
pub const LORA_RANK: (u32, u32) = (4, 64);
/// The step between allowed LoRA ranks.
pub const LORA_RANK_STEP: u32 = 4;
/// LoRA alpha, inclusive.
pub const LORA_ALPHA: (u32, u32) = (8, 128);
/// LoRA dropout, inclusive.
pub const LORA_DROPOUT: (f64, f64) = (0.0, 0.2);
/// Number of epochs, inclusive.
pub const NUM_EPOCHS: (u32, u32) = (1, 10);
/// Per-device batch sizes offered.
pub const BATCH_SIZES: [u32; 5] = [1, 2, 4, 8, 16];
/// Learning rate, inclusive.
pub const LEARNING_RATE: (f64, f64) = (1e-5, 1e-3);
/// Warmup as a share of the total steps, inclusive.
pub const WARMUP_RATIO: (f64, f64) = (0.0, 0.1);
/// Maximum sequence lengths offered, in tokens.
pub const MAX_SEQ_LENS: [u32; 4] = [512, 1024, 2048, 4096];
/// Maximum duration of a job in hours, inclusive.
pub const MAX_DURATION_HOURS: (f64, f64) = (1.0, 72.0);
/// The maximum duration a job gets when the user does not choose one.
pub const DEFAULT_MAX_DURATION_HOURS: f64 = 24.0;
/// Gradient accumulation steps, inclusive; past 64 a bigger batch is the better tool.
pub const GRADIENT_ACCUMULATION: (u32, u32) = (1, 64);
/// A step cap, inclusive, when one is set.
pub const MAX_STEPS: (u32, u32) = (1, 1_000_000);
/// Weight decay, inclusive.
pub const WEIGHT_DECAY: (f64, f64) = (0.0, 0.5);
/// Share of the dataset held out for validation, inclusive (0 turns validation off).
pub const VALIDATION_SPLIT: (f64, f64) = (0.0, 0.5);
/// Steps between evaluations, logs or checkpoints, inclusive, when one is set.
pub const STEP_INTERVAL: (u32, u32) = (1, 100_000);
/// At most this many LoRA target modules.
pub const MAX_TARGET_MODULES: usize = 32;
/// GPUs per job, inclusive.
pub const GPU_COUNT: (u32, u32) = (1, 8);

/// Whether `value` lies in the inclusive range; NaN never does.
pub fn within_f64(value: f64, (low, high): (f64, f64)) -> bool {
    value.is_finite() && value >= low && value <= high
}

/// Whether `value` lies in the inclusive range.
pub fn within_u32(value: u32, (low, high): (u32, u32)) -> bool {
    value >= low && value <= high
}

/// Whether `rank` is an allowed LoRA rank.
pub fn is_lora_rank(rank: u32) -> bool {
    within_u32(rank, LORA_RANK) && rank.is_multiple_of(LORA_RANK_STEP)
}

/// Checks a job's maximum duration; `None` when it is allowed, otherwise the message for the user.
pub fn check_max_duration_hours(hours: f64) -> Option<String> {
    if within_f64(hours, MAX_DURATION_HOURS) {
        None
    } else {
        Some(format!(
            "must be between {} and {} hours",
            MAX_DURATION_HOURS.0, MAX_DURATION_HOURS.1
        ))
    }
}

/// Checks a GPU count; `None` when it is allowed.
pub fn check_gpu_count(count: u32) -> Option<String> {
    if within_u32(count, GPU_COUNT) {
        None
    } else {
        Some(format!("must be between {} and {}", GPU_COUNT.0, GPU_COUNT.1))
    }
}

/// Whether a target module name is safe to hand to PEFT (a module path, nothing else).
pub fn is_target_module(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_step() {
        assert!(is_lora_rank(4));
        assert!(is_lora_rank(64));
        assert!(!is_lora_rank(6));
        assert!(!is_lora_rank(0));
        assert!(!is_lora_rank(68));
    }

    #[test]
    fn nan_is_never_within() {
        assert!(!within_f64(f64::NAN, LORA_DROPOUT));
        assert!(within_f64(0.2, LORA_DROPOUT));
        assert!(!within_f64(0.2001, LORA_DROPOUT));
    }

    #[test]
    fn durations_and_modules() {
        assert!(check_max_duration_hours(24.0).is_none());
        assert!(check_max_duration_hours(0.5).is_some());
        assert!(check_max_duration_hours(73.0).is_some());
        assert!(is_target_module("q_proj"));
        assert!(!is_target_module("q_proj; rm"));
        assert!(!is_target_module(""));
    }
}
