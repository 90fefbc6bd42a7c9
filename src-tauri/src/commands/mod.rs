//! Tauri commands, one file per domain. Each command is a few lines over the core or the shell state.
//!
//! Commands must live in modules: declared in `lib.rs` their generated `__cmd__` macros collide.

pub mod app;
pub mod clusters;
pub mod costs;
pub mod dashboard;
pub mod datasets;
pub mod exports;
pub mod jobs;
pub mod models;
pub mod notifications;
pub mod settings;
pub mod training;
