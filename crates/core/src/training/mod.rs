//! Training configuration shared by the app, the CLI and the agent: hyperparameters and their allowed ranges.

pub mod budget;
pub mod estimator;
pub mod presets;

// The settings cross the Cluster API, so they live in the wire-types crate; these paths stay the core's.
pub use brightrun_api::hyperparameters::{Checkpointing, Packing};
pub use brightrun_api::{hyperparameters, ranges, FieldError, Hyperparameters};
