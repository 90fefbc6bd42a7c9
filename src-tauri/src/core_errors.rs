//! How the core's errors become `{code, message}` for the UI. The messages are the core's own (they never
//! carry a secret); only the code is chosen here, by what the UI does differently.

use brightrun_core::cluster::{ClientError, ClusterError, KeyringError, LocalError};
use brightrun_core::dataset::DatasetError;
use brightrun_core::store::{ImportError, StoreError};

use crate::error::{AppError, ErrorCode};

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::InvalidInput { .. } => ErrorCode::InvalidInput,
            _ => ErrorCode::Internal,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<ImportError> for AppError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Store(inner) => inner.into(),
            ImportError::Cancelled => AppError::new(ErrorCode::Cancelled, "Import cancelled."),
            ImportError::SourceNotFound { .. } => AppError::new(ErrorCode::NotFound, error.to_string()),
            other => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<DatasetError> for AppError {
    fn from(error: DatasetError) -> Self {
        let code = match &error {
            DatasetError::NotFound { .. } => ErrorCode::NotFound,
            DatasetError::Cancelled => ErrorCode::Cancelled,
            _ => ErrorCode::Internal,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<KeyringError> for AppError {
    fn from(error: KeyringError) -> Self {
        AppError::new(ErrorCode::Keyring, error.to_string())
    }
}

impl From<ClusterError> for AppError {
    fn from(error: ClusterError) -> Self {
        match error {
            ClusterError::Store(inner) => inner.into(),
            ClusterError::Keyring(inner) => inner.into(),
            // The core's message repeats the URL, which may hold credentials the user pasted by mistake.
            ClusterError::Client(ClientError::InsecureUrl { .. }) => AppError::new(
                ErrorCode::InvalidInput,
                "That URL is plain http to another computer, so the API key would cross the network \
                 unencrypted. Use https://, or tick \"Allow an unencrypted connection\" to accept the risk.",
            ),
            ClusterError::Client(ClientError::InvalidUrl { detail, .. }) => AppError::new(
                ErrorCode::InvalidInput,
                format!("That cluster URL cannot be used: {detail}."),
            ),
            ClusterError::Local(LocalError::PythonStackMissing { .. }) => {
                AppError::new(ErrorCode::PythonStackMissing, error.to_string())
            }
            other => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

/// A background task that panicked or was dropped: a bug, shown as such.
pub(crate) fn join_error(error: tokio::task::JoinError) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("a background task stopped unexpectedly: {error}"),
    )
}
