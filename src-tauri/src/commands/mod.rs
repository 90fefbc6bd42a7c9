//! Tauri commands, one file per domain. Each command is a few lines over the core or the shell state.
//!
//! Commands must live in modules: declared in `lib.rs` their generated `__cmd__` macros collide.

pub mod app;
pub mod clusters;
pub mod compare;
pub mod costs;
pub mod dashboard;
pub mod datasets;
pub mod exports;
pub mod jobs;
pub mod local_models;
pub mod model_use;
pub mod models;
pub mod notifications;
pub mod playground;
pub mod settings;
pub mod training;
pub mod training_rules;
pub mod training_tokens;

#[cfg(test)]
pub(crate) mod test_support;
