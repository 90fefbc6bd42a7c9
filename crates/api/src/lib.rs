//! The Cluster API v1 wire types, written once for both sides: the agent serves them (and documents them in
//! docs/openapi.json through their `utoipa` schemas) and the app's client sends them. Also the training
//! settings that cross the wire, [`Hyperparameters`] with their allowed [`ranges`].
//!
//! Kept small on purpose: serde and utoipa only, so the agent links no keyring, D-Bus or tokenizers (checked
//! by a step of `scripts/test.sh`).

pub mod hyperparameters;
pub mod ranges;
pub mod v1;
pub mod whole;

pub use hyperparameters::{Checkpointing, FieldError, Hyperparameters, Packing};
pub use v1::JobStatus;
