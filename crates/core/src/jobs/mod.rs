//! Training jobs from launch to model: upload and submit ([`launch`]), the background [`poller`] that
//! follows every active job (metrics, logs, cost, notifications), and the download of the trained adapter
//! with its quality metrics ([`artifacts`]). See docs/jobs.md.

pub mod artifacts;
mod backoff;
pub mod cancel;
pub mod clients;
pub mod compare;
pub mod costs;
mod db;
pub mod error;
pub mod estimate;
pub mod events;
pub mod launch;
pub mod poller;
pub mod quality;
pub mod retry;
pub mod split;
mod sync;
pub mod throughput;
pub mod tokens;

pub use artifacts::{download_model, models_dir};
pub use backoff::Backoff;
pub use cancel::cancel_job;
pub use clients::{ClientSource, FixedClients, KeyringClients};
pub use error::JobsError;
pub use estimate::{estimate_run, CalibrationScope, RunEstimate, RunInputs};
pub use events::{JobEvent, Notifier, RecordOnlyNotifier};
pub use launch::{
    estimate_for_dataset, job_request, launch, plan, resume_submission, training_file, LaunchPlan,
    LaunchProgress, LaunchRequest, Launched,
};
pub use poller::{Poller, PollerConfig, PollerHandle};
pub use quality::{model_quality, OVERFITTING_GAP};
pub use retry::{out_of_memory_fix, override_settings, retry_of, retry_request, OUT_OF_MEMORY};
pub use split::{training_files, TrainingFile, TrainingFiles, CONVERTED_FOLDER};

/// The store as the async job code shares it: one connection behind a mutex, used for short operations.
pub type SharedStore = std::sync::Arc<std::sync::Mutex<crate::store::Store>>;
