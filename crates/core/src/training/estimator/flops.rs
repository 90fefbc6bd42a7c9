//! Floating-point work of a LoRA run: the compute side of the time estimate.

use serde::{Deserialize, Serialize};

/// FLOPs per token per parameter of one training step with the base weights frozen: forward 2N plus the
/// backward pass through the activations 2N. No 2N for weight gradients, since only the adapter (negligible
/// next to N) has any.
pub const TRAINING_FLOPS_PER_PARAMETER: f64 = 4.0;
/// Extra FLOPs per token per parameter under gradient checkpointing: the forward pass is run again in backward.
pub const RECOMPUTE_FLOPS_PER_PARAMETER: f64 = 2.0;
/// FLOPs per token per parameter of a validation (forward-only) pass.
pub const FORWARD_FLOPS_PER_PARAMETER: f64 = 2.0;

/// The work of a whole run, split into training and validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingFlops {
    /// FLOPs per training token: 4·N, or 6·N with gradient checkpointing.
    pub per_training_token: f64,
    /// Tokens run through training steps: training tokens × epochs.
    pub training_tokens: f64,
    /// Tokens run through validation: validation tokens × evaluations.
    pub validation_tokens: f64,
    /// FLOPs of the training steps.
    pub training: f64,
    /// FLOPs of the validation passes: 2·N per validation token.
    pub validation: f64,
    /// Training plus validation.
    pub total: f64,
}

/// The FLOPs of training a LoRA adapter on a base model of `parameters` parameters.
pub fn training_flops(
    parameters: f64,
    train_tokens_per_epoch: f64,
    epochs: u32,
    validation_tokens_per_evaluation: f64,
    evaluations: u32,
    gradient_checkpointing: bool,
) -> TrainingFlops {
    let per_param = if gradient_checkpointing {
        TRAINING_FLOPS_PER_PARAMETER + RECOMPUTE_FLOPS_PER_PARAMETER
    } else {
        TRAINING_FLOPS_PER_PARAMETER
    };
    let per_training_token = per_param * parameters;
    let training_tokens = train_tokens_per_epoch * f64::from(epochs);
    let validation_tokens = validation_tokens_per_evaluation * f64::from(evaluations);
    let training = per_training_token * training_tokens;
    let validation = FORWARD_FLOPS_PER_PARAMETER * parameters * validation_tokens;
    TrainingFlops {
        per_training_token,
        training_tokens,
        validation_tokens,
        training,
        validation,
        total: training + validation,
    }
}
