//! Training configuration shared by the app, the CLI and the agent: hyperparameters and their allowed ranges.

pub mod budget;
pub mod estimator;
pub mod hyperparameters;
pub mod presets;
pub mod ranges;

pub use hyperparameters::{Checkpointing, FieldError, Hyperparameters, Packing};
