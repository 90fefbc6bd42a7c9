//! Using a trained model: export it as one ZIP, try it against its base model, merge it into the base model.

pub mod chat;
pub mod export;
pub mod merge;

pub use chat::{side_by_side, ChatOptions, Side, SideBySide};
pub use export::{export_model, ExportError, ExportedZip};
pub use merge::{merge_model, MergeError, MergeProgress, MergedModel};
