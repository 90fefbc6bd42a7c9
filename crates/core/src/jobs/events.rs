//! What the poller tells the rest of the app: typed [`JobEvent`]s on a broadcast channel (the desktop app
//! forwards them to the UI, the CLI prints them), and a [`Notifier`] that delivers recorded notifications.

use serde::Serialize;

use crate::cluster::client::MetricsPoint;
use crate::store::notifications::Notification;
use crate::store::training_jobs::JobStatus;

/// Something that changed about a job. Sent only on change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    /// The job moved to another status.
    StatusChanged {
        /// Local job id.
        job_id: String,
        /// The status before.
        from: JobStatus,
        /// The status now.
        to: JobStatus,
    },
    /// Progress, stage, step or cost moved.
    Progress {
        /// Local job id.
        job_id: String,
        /// Status now.
        status: JobStatus,
        /// Stage now.
        stage: Option<String>,
        /// Percent done.
        progress: f64,
        /// Current step.
        current_step: u64,
        /// Total steps.
        total_steps: Option<u64>,
        /// Cost so far, US dollars.
        cost_usd: f64,
    },
    /// New metrics points were stored (in step order).
    Metrics {
        /// Local job id.
        job_id: String,
        /// The new points.
        points: Vec<MetricsPoint>,
    },
    /// New log text was stored.
    Log {
        /// Local job id.
        job_id: String,
        /// The text.
        text: String,
    },
    /// The job's cluster does not answer; the poller waits `retry_in_ms` before trying it again.
    Unreachable {
        /// Local job id.
        job_id: String,
        /// The cluster.
        cluster_id: String,
        /// Since when (RFC 3339).
        since: String,
        /// The transport error.
        message: String,
        /// The backoff wait.
        retry_in_ms: u64,
    },
    /// The adapter download advanced.
    Download {
        /// Local job id.
        job_id: String,
        /// Bytes so far, all files.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The adapter is downloaded, verified and recorded.
    ModelReady {
        /// Local job id.
        job_id: String,
        /// The model's id.
        model_id: String,
    },
    /// The adapter download failed (kept with its reason; it is retried on the next poll when retriable).
    DownloadFailed {
        /// Local job id.
        job_id: String,
        /// Why.
        message: String,
    },
    /// A notification was recorded.
    Notification(Notification),
}

impl JobEvent {
    /// The job this event is about, if any.
    pub fn job_id(&self) -> Option<&str> {
        match self {
            JobEvent::StatusChanged { job_id, .. }
            | JobEvent::Progress { job_id, .. }
            | JobEvent::Metrics { job_id, .. }
            | JobEvent::Log { job_id, .. }
            | JobEvent::Unreachable { job_id, .. }
            | JobEvent::Download { job_id, .. }
            | JobEvent::ModelReady { job_id, .. }
            | JobEvent::DownloadFailed { job_id, .. } => Some(job_id),
            JobEvent::Notification(n) => n.job_id.as_deref(),
        }
    }
}

/// Delivers a notification to the user (the desktop app implements it with notify-rust). The poller has
/// already recorded the row when it calls `deliver`, once per notification.
pub trait Notifier: Send + Sync {
    /// Shows `notification`; must not block for long (the poller waits for it).
    fn deliver(&self, notification: &Notification);
}

/// The core's notifier: notifications are only recorded (by the poller), never shown. For the CLI and tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordOnlyNotifier;

impl Notifier for RecordOnlyNotifier {
    fn deliver(&self, notification: &Notification) {
        tracing::debug!(kind = notification.kind.as_str(), title = %notification.title, "notification recorded");
    }
}
