//! BrightRun's domain library. The desktop shell, the CLI and the agent all build on it; it never
//! depends on Tauri, so every behaviour here is testable without a window.

pub mod cluster;
pub mod dataset;
pub mod jobs;
pub mod models;
pub mod overview;
pub mod paths;
pub mod store;
pub mod training;
