//! The one error shape that crosses the IPC boundary: `{ code, message }`.

use serde::Serialize;

/// What kind of failure the UI is looking at; add a code only when the UI reacts to it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The app's data folder is missing or cannot be read.
    DataDirUnavailable,
    /// The dataset, cluster, job or model asked for does not exist (deleted elsewhere, or gone from its
    /// cluster): the UI says it is gone and goes back to the list.
    NotFound,
    /// The cluster a job or launch names was removed: the UI offers to pick another cluster in Settings.
    ClusterMissing,
    /// A value the user typed is not acceptable (empty name, bad URL, out-of-range setting, a dataset not
    /// ready to train): shown by the form.
    InvalidInput,
    /// The OS keyring is missing, locked or has no key: the UI shows the keyring's own advice.
    Keyring,
    /// The cluster refused its API key (HTTP 401): the UI offers to edit the cluster's key.
    KeyRejected,
    /// The cluster did not answer (network, stopped agent): the UI says so and offers to try again.
    ClusterUnreachable,
    /// The local cluster's trainer Python stack is missing: the UI offers "Prepare".
    PythonStackMissing,
    /// The cluster cannot do what was asked (a base model or GPU it does not offer, QLoRA without CUDA,
    /// a retry of a job that is still running): the message says what to change.
    NotSupported,
    /// The user cancelled the operation: nothing to show.
    Cancelled,
    /// The launch's estimate exceeds what remains of the monthly budget; the UI offers "Override budget".
    OverBudget,
    /// Anything the UI cannot act on beyond showing the message (a database or disk failure, a bug).
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
    fn codes_cross_in_snake_case() {
        let json = serde_json::to_value(ErrorCode::PythonStackMissing).unwrap();
        assert_eq!(json, "python_stack_missing");
        assert_eq!(
            serde_json::to_value(ErrorCode::KeyRejected).unwrap(),
            "key_rejected"
        );
    }

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
