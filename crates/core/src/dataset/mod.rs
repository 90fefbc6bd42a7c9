//! Dataset formats, streaming validation, statistics, token counting and normalisation.
//!
//! Every supported format is read as a stream of records (JSONL lines, JSON array elements or the
//! v4 document's training pairs), normalised into [`Example`]s, and either summarised into a
//! [`ValidationReport`] or written out as `openai_messages` JSONL. See docs/datasets.md.

pub mod codes;
mod error;
mod format;
mod model;
mod options;
mod report;

pub use error::DatasetError;
pub use format::{DatasetFormat, UnknownFormat};
pub use model::{Example, Message, Role};
pub use options::{ConvertOptions, ValidateOptions, DEFAULT_MAX_SEQ_LEN};
pub use report::{
    DatasetStats, HistogramBin, Issue, QualityStats, ReadinessCheck, TokenMethod, TokenStats, TokenSummary,
    ValidationReport, MAX_KEPT_ISSUES,
};
