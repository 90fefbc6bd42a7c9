//! The hyperparameters of a LoRA training run, as the user sets them and as the trainer receives them.

use serde::{Deserialize, Serialize};

use crate::ranges;

/// One setting that is out of range, named by its field so a form or an API client can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name, dotted when nested (`hyperparameters.lora_rank`).
    pub field: String,
    /// What is wrong, in words for the user (the allowed range).
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error with its field name put under `prefix` (`lora_rank` → `hyperparameters.lora_rank`).
    pub fn nested(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}.{}", self.field),
            message: self.message,
        }
    }
}

/// The settings of a LoRA fine-tuning run; the optional ones have the trainer's usual defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Peak learning rate of the optimiser.
    pub learning_rate: f64,
    /// Examples per device per optimiser micro-step.
    #[serde(deserialize_with = "crate::whole::u32")]
    pub batch_size: u32,
    /// Micro-steps summed before each optimiser step.
    #[serde(
        default = "default_gradient_accumulation",
        deserialize_with = "crate::whole::u32"
    )]
    pub gradient_accumulation: u32,
    /// Passes over the training examples.
    #[serde(deserialize_with = "crate::whole::u32")]
    pub num_epochs: u32,
    /// Stops after this many optimiser steps even if epochs remain.
    #[serde(default, deserialize_with = "crate::whole::option_u32")]
    pub max_steps: Option<u32>,
    /// LoRA rank (r).
    #[serde(deserialize_with = "crate::whole::u32")]
    pub lora_rank: u32,
    /// LoRA scaling numerator (alpha).
    #[serde(deserialize_with = "crate::whole::u32")]
    pub lora_alpha: u32,
    /// Dropout on the LoRA path.
    pub lora_dropout: f64,
    /// Module names the adapter attaches to.
    #[serde(default = "default_target_modules")]
    pub target_modules: Vec<String>,
    /// Longest example in tokens; longer ones are truncated.
    #[serde(deserialize_with = "crate::whole::u32")]
    pub max_seq_len: u32,
    /// Share of the steps spent warming the learning rate up.
    #[serde(default)]
    pub warmup_ratio: f64,
    /// AdamW weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// Seed for shuffling, the split and the adapter's initialisation.
    #[serde(default = "default_seed", deserialize_with = "crate::whole::u64")]
    pub seed: u64,
    /// Share of the examples held out for validation (0: none).
    #[serde(default = "default_validation_split")]
    pub validation_split: f64,
    /// Steps between validation passes; `None`: once per epoch.
    #[serde(default, deserialize_with = "crate::whole::option_u32")]
    pub eval_steps: Option<u32>,
    /// Steps between metrics reports.
    #[serde(default = "default_logging_steps", deserialize_with = "crate::whole::u32")]
    pub logging_steps: u32,
    /// Steps between checkpoints; `None`: once per epoch.
    #[serde(default, deserialize_with = "crate::whole::option_u32")]
    pub save_steps: Option<u32>,
    /// Base weights in 4 bits (QLoRA); needs a CUDA GPU with bitsandbytes on the cluster.
    #[serde(default)]
    pub qlora: bool,
    /// Recompute activations in backward instead of keeping them: `auto` lets the memory model decide at
    /// launch (on only when the run does not fit without it).
    #[serde(default)]
    pub gradient_checkpointing: Checkpointing,
    /// How the trainer lays out a batch: `padding_free` (examples end to end, no padding; the default, the
    /// fastest correct layout), `group_by_length` (padded, similar lengths together) or `none` (padded).
    #[serde(default)]
    pub packing: Packing,
}

/// The batch layout setting, as the trainer names it (docs/trainer.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Packing {
    /// A batch's examples end to end in one row, attention kept within each example: no padding at all.
    #[default]
    PaddingFree,
    /// Padded to the longest of the batch, with examples of similar length batched together.
    GroupByLength,
    /// Padded to the longest of the batch, in the shuffled order.
    None,
}

impl Packing {
    /// The setting's name (`padding_free`, `group_by_length`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Packing::PaddingFree => "padding_free",
            Packing::GroupByLength => "group_by_length",
            Packing::None => "none",
        }
    }
}

/// The gradient checkpointing setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Checkpointing {
    /// Decided by the memory model at launch: off when the run fits without it (faster), else on.
    #[default]
    Auto,
    /// Always on: a third more compute, far less activation memory.
    On,
    /// Always off.
    Off,
}

impl Checkpointing {
    /// The setting's name (`auto`, `on`, `off`).
    pub fn as_str(self) -> &'static str {
        match self {
            Checkpointing::Auto => "auto",
            Checkpointing::On => "on",
            Checkpointing::Off => "off",
        }
    }
}

fn default_gradient_accumulation() -> u32 {
    1
}

fn default_target_modules() -> Vec<String> {
    ["q_proj", "k_proj", "v_proj", "o_proj"]
        .into_iter()
        .map(String::from)
        .collect()
}

fn default_seed() -> u64 {
    42
}

fn default_validation_split() -> f64 {
    0.1
}

fn default_logging_steps() -> u32 {
    10
}

impl Default for Hyperparameters {
    /// The spec's "conservative" preset.
    fn default() -> Self {
        Self {
            learning_rate: 1e-4,
            batch_size: 4,
            gradient_accumulation: default_gradient_accumulation(),
            num_epochs: 3,
            max_steps: None,
            lora_rank: 8,
            lora_alpha: 16,
            lora_dropout: 0.05,
            target_modules: default_target_modules(),
            max_seq_len: 2048,
            warmup_ratio: 0.03,
            weight_decay: 0.0,
            seed: default_seed(),
            validation_split: default_validation_split(),
            eval_steps: None,
            logging_steps: default_logging_steps(),
            save_steps: None,
            qlora: false,
            gradient_checkpointing: Checkpointing::Auto,
            packing: Packing::PaddingFree,
        }
    }
}

impl Hyperparameters {
    /// Every setting that is out of range; empty when the whole configuration is allowed.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut check = |ok: bool, field: &str, message: String| {
            if !ok {
                errors.push(FieldError::new(field, message));
            }
        };
        check(
            ranges::within_f64(self.learning_rate, ranges::LEARNING_RATE),
            "learning_rate",
            format!(
                "must be between {:e} and {:e}",
                ranges::LEARNING_RATE.0,
                ranges::LEARNING_RATE.1
            ),
        );
        check(
            ranges::BATCH_SIZES.contains(&self.batch_size),
            "batch_size",
            format!("must be one of {:?}", ranges::BATCH_SIZES),
        );
        check(
            ranges::within_u32(self.gradient_accumulation, ranges::GRADIENT_ACCUMULATION),
            "gradient_accumulation",
            between_u32(ranges::GRADIENT_ACCUMULATION),
        );
        check(
            ranges::within_u32(self.num_epochs, ranges::NUM_EPOCHS),
            "num_epochs",
            between_u32(ranges::NUM_EPOCHS),
        );
        check(
            self.max_steps
                .is_none_or(|s| ranges::within_u32(s, ranges::MAX_STEPS)),
            "max_steps",
            between_u32(ranges::MAX_STEPS),
        );
        check(
            ranges::is_lora_rank(self.lora_rank),
            "lora_rank",
            format!(
                "must be between {} and {} in steps of {}",
                ranges::LORA_RANK.0,
                ranges::LORA_RANK.1,
                ranges::LORA_RANK_STEP
            ),
        );
        check(
            ranges::within_u32(self.lora_alpha, ranges::LORA_ALPHA),
            "lora_alpha",
            between_u32(ranges::LORA_ALPHA),
        );
        check(
            ranges::within_f64(self.lora_dropout, ranges::LORA_DROPOUT),
            "lora_dropout",
            between_f64(ranges::LORA_DROPOUT),
        );
        check(
            !self.target_modules.is_empty()
                && self.target_modules.len() <= ranges::MAX_TARGET_MODULES
                && self.target_modules.iter().all(|m| ranges::is_target_module(m)),
            "target_modules",
            format!(
                "must list 1 to {} module names made of letters, digits, '_' and '.'",
                ranges::MAX_TARGET_MODULES
            ),
        );
        check(
            ranges::MAX_SEQ_LENS.contains(&self.max_seq_len),
            "max_seq_len",
            format!("must be one of {:?}", ranges::MAX_SEQ_LENS),
        );
        check(
            ranges::within_f64(self.warmup_ratio, ranges::WARMUP_RATIO),
            "warmup_ratio",
            between_f64(ranges::WARMUP_RATIO),
        );
        check(
            ranges::within_f64(self.weight_decay, ranges::WEIGHT_DECAY),
            "weight_decay",
            between_f64(ranges::WEIGHT_DECAY),
        );
        // SQLite and JSON readers in other languages hold integers as i64 at most.
        check(
            i64::try_from(self.seed).is_ok(),
            "seed",
            format!("must be at most {}", i64::MAX),
        );
        check(
            ranges::within_f64(self.validation_split, ranges::VALIDATION_SPLIT),
            "validation_split",
            between_f64(ranges::VALIDATION_SPLIT),
        );
        for (field, value) in [("eval_steps", self.eval_steps), ("save_steps", self.save_steps)] {
            check(
                value.is_none_or(|s| ranges::within_u32(s, ranges::STEP_INTERVAL)),
                field,
                between_u32(ranges::STEP_INTERVAL),
            );
        }
        check(
            ranges::within_u32(self.logging_steps, ranges::STEP_INTERVAL),
            "logging_steps",
            between_u32(ranges::STEP_INTERVAL),
        );
        errors
    }
}

fn between_u32((low, high): (u32, u32)) -> String {
    format!("must be between {low} and {high}")
}

fn between_f64((low, high): (f64, f64)) -> String {
    format!("must be between {low} and {high}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid() {
        assert_eq!(Hyperparameters::default().validate(), vec![]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = Hyperparameters {
            learning_rate: 0.1,
            batch_size: 3,
            num_epochs: 0,
            lora_rank: 6,
            lora_alpha: 4,
            lora_dropout: 0.5,
            max_seq_len: 1000,
            warmup_ratio: f64::NAN,
            target_modules: vec![],
            ..Hyperparameters::default()
        };
        let fields: Vec<String> = bad.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "learning_rate",
                "batch_size",
                "num_epochs",
                "lora_rank",
                "lora_alpha",
                "lora_dropout",
                "target_modules",
                "max_seq_len",
                "warmup_ratio"
            ]
        );
    }

    #[test]
    fn optional_fields_take_defaults() {
        let json = r#"{"learning_rate":0.0002,"batch_size":8,"num_epochs":5,"lora_rank":16,
            "lora_alpha":32,"lora_dropout":0.1,"max_seq_len":1024}"#;
        let parsed: Hyperparameters = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.gradient_accumulation, 1);
        assert_eq!(parsed.target_modules.len(), 4);
        assert!(parsed.validate().is_empty());
        assert_eq!(
            FieldError::new("lora_rank", "x").nested("hyperparameters").field,
            "hyperparameters.lora_rank"
        );
    }
}
