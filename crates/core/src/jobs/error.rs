//! Errors of launching, following and downloading jobs. None carries an API key (the client's errors never do).

use crate::cluster::{ClientError, KeyringError};
use crate::dataset::DatasetError;
use crate::store::StoreError;
use crate::training::budget::BudgetCheck;
use crate::training::FieldError;

/// What can go wrong with a job.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The cluster could not be reached or refused a request.
    #[error(transparent)]
    Cluster(#[from] ClientError),
    /// The cluster's API key could not be read.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The dataset could not be converted for training.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The dataset is not validated (or failed validation), so it cannot be trained on.
    #[error("dataset {id} is not ready for training: {reason}")]
    DatasetNotReady {
        /// The library id.
        id: String,
        /// Why.
        reason: String,
    },
    /// Some hyperparameters are out of range.
    #[error("invalid hyperparameters: {}", describe_fields(.0))]
    InvalidHyperparameters(Vec<FieldError>),
    /// The cluster does not offer what the launch asks for (a base model, a GPU type).
    #[error("{message}")]
    NotOffered {
        /// What is missing and what is offered instead.
        message: String,
    },
    /// The cluster cannot run what the launch asks for (QLoRA without CUDA or bitsandbytes).
    #[error("{message}")]
    NotSupported {
        /// What is missing and what to do instead.
        message: String,
    },
    /// The estimate's high end exceeds what remains of the monthly budget, and the user did not override.
    #[error(
        "launch refused: this job may cost up to ${:.2}, and only ${:.2} of the ${:.2} monthly budget remains \
         (${:.2} spent this month); lower the cost, raise the budget, or override explicitly",
        .0.projected_usd - .0.spent_this_month_usd,
        .0.remaining_usd.unwrap_or(0.0),
        .0.monthly_budget_usd.unwrap_or(0.0),
        .0.spent_this_month_usd
    )]
    OverBudget(Box<BudgetCheck>),
    /// The job has no id on its cluster yet (its launch did not finish).
    #[error("job {0} was never accepted by its cluster; launch it again")]
    NotSubmitted(String),
    /// A local file could not be read or written.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file or folder.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An artifact name from the cluster would escape the model folder.
    #[error("the cluster named an artifact {0:?}, which is not a plain relative path; refusing to write it")]
    UnsafeArtifactName(String),
    /// A background task died.
    #[error("internal task failed: {0}")]
    Task(String),
}

impl JobsError {
    /// True when the cluster could not be reached (worth retrying later), as opposed to a refusal.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, JobsError::Cluster(e) if e.is_unreachable())
    }
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}
