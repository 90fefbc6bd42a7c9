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
pub use model::{Example, Message, Role, ToolCall};
pub use options::{ConvertOptions, ValidateOptions, DEFAULT_MAX_SEQ_LEN};
pub use report::{
    DatasetStats, HistogramBin, Issue, QualityStats, ReadinessCheck, TokenMethod, TokenStats, TokenSummary,
    ToolStats, Truncation, ValidationReport, MAX_KEPT_ISSUES,
};

mod convert;
mod document;
mod engine;
mod fingerprint;
mod normalise;
mod readiness;
mod record;
mod samples;
mod source;
mod tokens;
mod tools;
mod v4;
mod validate;

pub use convert::{convert_to_openai_messages, ConvertSummary};
pub use readiness::{MIN_MEAN_QUALITY, MIN_TRAINING_PAIRS};
pub use samples::{detect_format, read_examples};
pub use source::{sha256_file, MAX_RECORD_BYTES};
pub use tokens::PER_MESSAGE_OVERHEAD;
pub use validate::validate_file;
