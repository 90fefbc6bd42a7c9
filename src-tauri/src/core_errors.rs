//! How the core's errors become `{code, message}` for the UI. The messages are the core's own (they never
//! carry a secret); only the code is chosen here, by what the UI does differently.

use brightrun_core::cluster::local::LocalModelError;
use brightrun_core::cluster::{ClientError, ClusterError, KeyringError, LocalError};
use brightrun_core::dataset::DatasetError;
use brightrun_core::jobs::compare::CompareError;
use brightrun_core::jobs::JobsError;
use brightrun_core::models::{ExportError, MergeError};
use brightrun_core::store::{ImportError, StoreError};

use crate::error::{AppError, ErrorCode};

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            // Jobs and launches name their cluster by id: a missing one was removed in Settings.
            StoreError::NotFound { what: "cluster", .. } => ErrorCode::ClusterMissing,
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

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Unreachable { .. } => ErrorCode::ClusterUnreachable,
            ClientError::Unauthorized { .. } => ErrorCode::KeyRejected,
            ClientError::InvalidUrl { .. } | ClientError::InsecureUrl { .. } => ErrorCode::InvalidInput,
            // The cluster's own answers: a job it no longer knows, a request it refuses.
            ClientError::Api(failure) => match failure.status {
                404 | 410 => ErrorCode::NotFound,
                400 | 409 | 422 => ErrorCode::InvalidInput,
                _ => ErrorCode::Internal,
            },
            ClientError::BadResponse { .. }
            | ClientError::Io { .. }
            | ClientError::ChecksumMismatch { .. } => ErrorCode::Internal,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<LocalError> for AppError {
    fn from(error: LocalError) -> Self {
        let code = match &error {
            LocalError::PythonStackMissing { .. } => ErrorCode::PythonStackMissing,
            _ => ErrorCode::Internal,
        };
        AppError::new(code, error.to_string())
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
            ClusterError::Client(inner) => inner.into(),
            ClusterError::Local(inner) => inner.into(),
        }
    }
}

impl From<JobsError> for AppError {
    fn from(error: JobsError) -> Self {
        match error {
            JobsError::Store(inner) => inner.into(),
            JobsError::Cluster(inner) => inner.into(),
            JobsError::Keyring(inner) => inner.into(),
            JobsError::Dataset(inner) => inner.into(),
            JobsError::OverBudget(check) => AppError::new(
                ErrorCode::OverBudget,
                format!(
                    "This launch would bring the month's spend to ${:.2}, ${:.2} over the monthly budget of \
                     ${:.2} (spent so far: ${:.2}).",
                    check.projected_usd,
                    check.over_budget_usd,
                    check.monthly_budget_usd.unwrap_or(0.0),
                    check.spent_this_month_usd
                ),
            ),
            other @ (JobsError::InvalidHyperparameters(_) | JobsError::DatasetNotReady { .. }) => {
                AppError::new(ErrorCode::InvalidInput, other.to_string())
            }
            other @ (JobsError::NotOffered { .. } | JobsError::NotSupported { .. }) => {
                AppError::new(ErrorCode::NotSupported, other.to_string())
            }
            other @ (JobsError::NotSubmitted(_)
            | JobsError::Io { .. }
            | JobsError::UnsafeArtifactName(_)
            | JobsError::Task(_)) => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<ExportError> for AppError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Store(inner) => inner.into(),
            // The adapter on disk is not the verified download: the page offers to download it again.
            ExportError::MissingFile(_) | ExportError::Changed { .. } => {
                AppError::new(ErrorCode::InvalidInput, error.to_string())
            }
            other => AppError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<MergeError> for AppError {
    fn from(error: MergeError) -> Self {
        match error {
            MergeError::Client(inner) => inner.into(),
            other @ MergeError::NoRemoteJob(_) => AppError::new(ErrorCode::NotSupported, other.to_string()),
            other @ (MergeError::Failed(_) | MergeError::NoWeights) => {
                AppError::new(ErrorCode::Internal, other.to_string())
            }
        }
    }
}

impl From<CompareError> for AppError {
    fn from(error: CompareError) -> Self {
        match error {
            CompareError::Store(inner) => inner.into(),
            count @ CompareError::Count(_) => AppError::new(ErrorCode::InvalidInput, count.to_string()),
        }
    }
}

impl From<LocalModelError> for AppError {
    fn from(error: LocalModelError) -> Self {
        // A folder that is not a model, or a remote cluster, is the user's to fix; a failed link is not.
        let code = match error {
            LocalModelError::NotAModel { .. } | LocalModelError::RemoteCluster { .. } => {
                ErrorCode::InvalidInput
            }
            LocalModelError::Link { .. } => ErrorCode::Internal,
        };
        AppError::new(code, error.to_string())
    }
}

/// A background task that panicked or was dropped: a bug, shown as such.
pub(crate) fn join_error(error: tokio::task::JoinError) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("a background task stopped unexpectedly: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: impl Into<AppError>) -> ErrorCode {
        error.into().code
    }

    #[test]
    fn a_missing_cluster_is_not_a_missing_job() {
        let cluster = StoreError::NotFound {
            what: "cluster",
            id: "c1".into(),
        };
        let job = StoreError::NotFound {
            what: "training job",
            id: "j1".into(),
        };
        assert_eq!(code(JobsError::Store(cluster)), ErrorCode::ClusterMissing);
        assert_eq!(code(JobsError::Store(job)), ErrorCode::NotFound);
    }

    #[test]
    fn cluster_answers_get_their_own_codes() {
        let unreachable = ClientError::Unreachable {
            url: "http://127.0.0.1:1".into(),
            detail: "connection refused".into(),
        };
        let rejected = ClientError::Unauthorized {
            url: "http://127.0.0.1:1".into(),
            message: "bad key".into(),
            hint: None,
        };
        assert_eq!(
            code(JobsError::Cluster(unreachable)),
            ErrorCode::ClusterUnreachable
        );
        assert_eq!(code(ClusterError::Client(rejected)), ErrorCode::KeyRejected);
    }

    #[test]
    fn a_missing_python_stack_offers_prepare() {
        let missing = LocalError::PythonStackMissing {
            python: "/x/python".into(),
            detail: "no torch".into(),
        };
        assert_eq!(code(ClusterError::Local(missing)), ErrorCode::PythonStackMissing);
    }

    #[test]
    fn refusals_of_the_cluster_are_not_supported() {
        let unsupported = JobsError::NotSupported {
            message: "QLoRA needs CUDA".into(),
        };
        let not_offered = JobsError::NotOffered {
            message: "no such model".into(),
        };
        assert_eq!(code(unsupported), ErrorCode::NotSupported);
        assert_eq!(code(not_offered), ErrorCode::NotSupported);
        assert_eq!(code(JobsError::Task("boom".into())), ErrorCode::Internal);
    }
}
