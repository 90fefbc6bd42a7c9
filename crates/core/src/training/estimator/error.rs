//! Errors of the estimator.

/// What can make an estimate impossible.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum EstimatorError {
    /// A model's `config.json` could not be read as a decoder-only architecture.
    #[error("cannot read the model's config.json: {reason}")]
    InvalidModelConfig {
        /// What is missing or wrong, for the user.
        reason: String,
    },
    /// An input of the estimate is out of its domain (negative tokens, zero GPUs, no peak throughput).
    #[error("cannot estimate: `{field}` {reason}")]
    InvalidInput {
        /// The input's name.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl EstimatorError {
    pub(super) fn input(field: &str, reason: &str) -> Self {
        EstimatorError::InvalidInput {
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }
}
