//! Options of validation and conversion.

use super::DatasetFormat;
use std::path::PathBuf;

/// The maximum sequence length used when none is given.
pub const DEFAULT_MAX_SEQ_LEN: usize = 2048;

/// How to validate a file.
#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    /// Force a format instead of detecting it.
    pub format: Option<DatasetFormat>,
    /// A Hugging Face `tokenizer.json` for exact token counts; without one tokens are estimated.
    pub tokenizer: Option<PathBuf>,
    /// Examples longer than this get an `over_max_seq_len` warning; `None` means 2048.
    pub max_seq_len: Option<usize>,
}

/// How to convert a file to `openai_messages` JSONL.
#[derive(Clone, Debug, Default)]
pub struct ConvertOptions {
    /// Force a format instead of detecting it.
    pub format: Option<DatasetFormat>,
    /// Fraction of conversations (0 < x < 1) to put in the validation file; `None` writes no split.
    pub validation_split: Option<f64>,
    /// Seed of the split, so the same seed gives the same split.
    pub seed: u64,
}
