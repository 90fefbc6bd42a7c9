//! How failures leave the CLI: an exit code, and a stable error code for `--json` callers.

use brightrun_core::dataset::DatasetError;
use brightrun_core::paths::PathsError;
use brightrun_core::store::{ImportError, StoreError};

/// Exit code of a usage or I/O error (clap's own usage errors use it too).
pub const USAGE_OR_IO: u8 = 2;

/// What a command concluded, when it ran to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: the command worked and the answer is "no" (e.g. the dataset is invalid).
    Invalid,
}

impl Outcome {
    pub fn exit_code(self) -> std::process::ExitCode {
        match self {
            Outcome::Success => std::process::ExitCode::SUCCESS,
            Outcome::Invalid => std::process::ExitCode::from(1),
        }
    }
}

/// The stable code printed in `{"error": {"code", "message"}}` (documented in docs/cli.md).
pub fn code_of(err: &anyhow::Error) -> &'static str {
    for cause in err.chain() {
        if let Some(code) = crate::commands::cluster::code_of(cause) {
            return code;
        }
        if cause
            .downcast_ref::<crate::commands::prepare_local::PrepareCancelled>()
            .is_some()
        {
            return "cancelled";
        }
        if let Some(code) = crate::commands::train::code_of(cause) {
            return code;
        }
        if let Some(code) = crate::commands::models_use::code_of(cause) {
            return code;
        }
        if let Some(e) = cause.downcast_ref::<DatasetError>() {
            return match e {
                DatasetError::NotFound { .. } => "not_found",
                DatasetError::Read { .. } | DatasetError::Write { .. } => "io_error",
                DatasetError::Tokenizer { .. } | DatasetError::InvalidOption(_) => "invalid_argument",
                DatasetError::Cancelled => "cancelled",
            };
        }
        if let Some(e) = cause.downcast_ref::<ImportError>() {
            match e {
                ImportError::SourceNotFound { .. } => return "not_found",
                ImportError::Read { .. } | ImportError::Write { .. } => return "io_error",
                ImportError::Cancelled => return "cancelled",
                ImportError::InvalidOptions(_) => return "invalid_argument",
                ImportError::Store(e) => return store_code(e),
            }
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return store_code(e);
        }
        if cause.downcast_ref::<PathsError>().is_some() {
            return "no_data_dir";
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return "io_error";
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return "invalid_argument";
        }
    }
    "error"
}

fn store_code(err: &StoreError) -> &'static str {
    match err {
        StoreError::NotFound { .. } => "not_found",
        StoreError::InvalidInput { .. } => "invalid_argument",
        StoreError::Database(brightrun_core::store::SqliteError::Io { .. }) => "io_error",
        _ => "database_error",
    }
}

/// A combination of arguments that clap cannot rule out by itself.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
