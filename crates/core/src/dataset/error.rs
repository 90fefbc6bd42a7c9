//! Errors of the dataset engine. Bad *content* is never an error here: it is reported inside
//! [`super::ValidationReport`]; these are the reasons no report (or no converted file) could be made.

use std::path::PathBuf;

/// Why a dataset operation could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The dataset file does not exist.
    #[error("dataset file not found: {}", path.display())]
    NotFound {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// The file exists but could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file being read.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// An output file could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The tokenizer file given for exact token counts could not be loaded or used.
    #[error("tokenizer {} is unusable: {message}", path.display())]
    Tokenizer {
        /// The `tokenizer.json` that was given.
        path: PathBuf,
        /// What the tokenizers library said.
        message: String,
    },
    /// An option is out of range (for example a validation split outside 0..1).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The caller set the cancel flag.
    #[error("cancelled")]
    Cancelled,
}

impl DatasetError {
    /// Maps an `io::Error` met while opening or reading `path` to the right variant.
    pub(crate) fn read(path: &std::path::Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            DatasetError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            DatasetError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// Wraps an `io::Error` met while writing `path`.
    pub(crate) fn write(path: &std::path::Path, source: std::io::Error) -> Self {
        DatasetError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}
