//! The one error shape that crosses the IPC boundary: `{ code, message }`.

use serde::Serialize;

/// What kind of failure the UI is looking at; add a code only when the UI reacts to it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The app's data folder is missing or cannot be read.
    DataDirUnavailable,
    /// The dataset or cluster asked for does not exist (deleted elsewhere): the UI goes back to the list.
    NotFound,
    /// A value the user typed is not acceptable (empty name, bad URL, duplicate name): shown by the form.
    InvalidInput,
    /// The OS keyring is missing, locked or has no key: the UI shows the keyring's own advice.
    Keyring,
    /// The local cluster's trainer Python stack is missing: the UI offers "Prepare".
    PythonStackMissing,
    /// The user cancelled the operation: nothing to show.
    Cancelled,
    /// The launch's estimate exceeds what remains of the monthly budget; the UI offers "Override budget".
    OverBudget,
    /// Anything the UI cannot act on beyond showing the message.
    Internal,
}

/// An error as the UI receives it. The message is for people and never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Machine-readable kind, for the UI to branch on.
    pub code: ErrorCode,
    /// Human-readable explanation, shown as is.
    pub message: String,
}

impl AppError {
    /// Builds an error from its code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Errors while the app starts, before the window can show anything.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The platform gave no app data folder and `BRIGHTRUN_DATA_DIR` was not set.
    #[error("cannot find the app data folder; set BRIGHTRUN_DATA_DIR")]
    NoDataDir,
    /// The data folder could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    CreateDataDir {
        /// The folder that could not be created.
        path: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_as_code_and_message() {
        let error = AppError::new(ErrorCode::DataDirUnavailable, "gone");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "data_dir_unavailable", "message": "gone"})
        );
    }
}
