//! The core's background poller, started with the app over the one [`CoreState`] (its store, keyring clients
//! and data folder). The poller's `JobEvent`s reach the UI as one typed
//! [`JobEvents`] batch every [`BATCH_WINDOW`] (only when something changed), and keep the tray current.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::jobs::{JobEvent, Poller, PollerConfig};

use crate::core_state::CoreState;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

use crate::commands::jobs::MetricsPointView;
use crate::commands::notifications::NotificationView;
use crate::error::{AppError, ErrorCode};
use crate::notify::AppNotifier;

/// How long events are gathered before one batch goes to the UI: the poller sends a burst per pass, and
/// a chart redraw per event would be wasted work.
pub const BATCH_WINDOW: Duration = Duration::from_millis(250);

/// The one state under the name `commands/costs.rs` still uses (helper "mission" rewrites that file; drop
/// this alias once it takes `CoreState`).
pub type JobsRuntime = CoreState;

/// Only `commands/costs.rs` still flattens errors into `internal` (see [`JobsRuntime`]); every other command
/// converts the core's errors into typed codes (`core_errors.rs`).
pub fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, error.to_string())
}

/// One batch of job changes, sent only when something changed.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct JobEvents {
    /// The changes in the order they happened (progress coalesced to the latest per job).
    pub updates: Vec<JobUpdate>,
    /// Events were lost (a slow UI): read the jobs again instead of applying `updates` alone.
    pub resync: bool,
}

/// One change about a job, as the UI sees it (the core's `JobEvent`, with numbers the UI can hold).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobUpdate {
    /// The job moved to another status.
    StatusChanged {
        /// Local job id.
        job_id: String,
        /// Before.
        from: String,
        /// Now.
        to: String,
    },
    /// Progress, stage, step or cost moved.
    Progress {
        /// Local job id.
        job_id: String,
        /// Status now.
        status: String,
        /// Stage now.
        stage: Option<String>,
        /// Percent done.
        progress: f64,
        /// Current step.
        current_step: f64,
        /// Total steps.
        total_steps: Option<f64>,
        /// Cost so far (USD).
        cost_usd: f64,
    },
    /// New metrics points.
    Metrics {
        /// Local job id.
        job_id: String,
        /// The points, in step order.
        points: Vec<MetricsPointView>,
    },
    /// New log text.
    Log {
        /// Local job id.
        job_id: String,
        /// The text.
        text: String,
    },
    /// The job's cluster does not answer.
    Unreachable {
        /// Local job id.
        job_id: String,
        /// The cluster.
        cluster_id: String,
        /// Since when (RFC 3339).
        since: String,
        /// The transport error.
        message: String,
        /// Wait before the next try.
        retry_in_ms: f64,
    },
    /// The adapter download advanced.
    Download {
        /// Local job id.
        job_id: String,
        /// Bytes so far.
        done: f64,
        /// Bytes in all.
        total: f64,
    },
    /// The adapter is downloaded and verified.
    ModelReady {
        /// Local job id.
        job_id: String,
        /// The model.
        model_id: String,
    },
    /// The adapter download failed.
    DownloadFailed {
        /// Local job id.
        job_id: String,
        /// Why.
        message: String,
    },
    /// A notification was recorded.
    Notification {
        /// The notification.
        notification: NotificationView,
    },
}

impl From<JobEvent> for JobUpdate {
    fn from(event: JobEvent) -> Self {
        match event {
            JobEvent::StatusChanged { job_id, from, to } => JobUpdate::StatusChanged {
                job_id,
                from: from.as_str().to_string(),
                to: to.as_str().to_string(),
            },
            JobEvent::Progress {
                job_id,
                status,
                stage,
                progress,
                current_step,
                total_steps,
                cost_usd,
            } => JobUpdate::Progress {
                job_id,
                status: status.as_str().to_string(),
                stage,
                progress,
                current_step: current_step as f64,
                total_steps: total_steps.map(|t| t as f64),
                cost_usd,
            },
            JobEvent::Metrics { job_id, points } => JobUpdate::Metrics {
                job_id,
                points: points.iter().map(MetricsPointView::from).collect(),
            },
            JobEvent::Log { job_id, text } => JobUpdate::Log { job_id, text },
            JobEvent::Unreachable {
                job_id,
                cluster_id,
                since,
                message,
                retry_in_ms,
            } => JobUpdate::Unreachable {
                job_id,
                cluster_id,
                since,
                message,
                retry_in_ms: retry_in_ms as f64,
            },
            JobEvent::Download { job_id, done, total } => JobUpdate::Download {
                job_id,
                done: done as f64,
                total: total as f64,
            },
            JobEvent::ModelReady { job_id, model_id } => JobUpdate::ModelReady { job_id, model_id },
            JobEvent::DownloadFailed { job_id, message } => JobUpdate::DownloadFailed { job_id, message },
            JobEvent::Notification(n) => JobUpdate::Notification {
                notification: NotificationView::from(&n),
            },
        }
    }
}

/// Folds a burst of events into a batch: a job's progress events keep only the latest (a later one
/// replaces the earlier in place); everything else is kept in order.
pub fn coalesce(events: Vec<JobEvent>) -> Vec<JobUpdate> {
    let mut updates: Vec<JobUpdate> = Vec::with_capacity(events.len());
    for event in events {
        let update = JobUpdate::from(event);
        if let JobUpdate::Progress { job_id, .. } = &update {
            let earlier = updates
                .iter()
                .position(|u| matches!(u, JobUpdate::Progress { job_id: other, .. } if other == job_id));
            if let Some(index) = earlier {
                updates.remove(index);
            }
        }
        updates.push(update);
    }
    updates
}

/// Starts the poller (interval from the `polling_interval_secs` setting) and the task that forwards its
/// events to the UI in batches.
pub fn start(app: &AppHandle) -> Result<(), AppError> {
    let core = app.state::<CoreState>();
    // Setup runs on the main thread before the window shows: one short read of a setting.
    let interval = core.with_store(|s| s.settings().polling_interval_secs())?;
    let notifier = Arc::new(AppNotifier::new(app.clone()));
    let poller = Poller::new(
        Arc::clone(&core.store),
        core.clients.clone(),
        notifier,
        PollerConfig::new(core.data_dir().to_path_buf(), Duration::from_secs(interval)),
    );
    // Poller::spawn needs to run inside the async runtime (tokio::spawn).
    let handle = tauri::async_runtime::block_on(async move { poller.spawn() });
    let receiver = handle.subscribe();
    core.set_poller(handle);
    let app = app.clone();
    tauri::async_runtime::spawn(forward(app, receiver));
    Ok(())
}

async fn forward(app: AppHandle, mut receiver: tokio::sync::broadcast::Receiver<JobEvent>) {
    loop {
        let mut resync = false;
        let first = match receiver.recv().await {
            Ok(event) => Some(event),
            Err(RecvError::Lagged(_)) => {
                resync = true;
                None
            }
            Err(RecvError::Closed) => return,
        };
        let mut batch: Vec<JobEvent> = first.into_iter().collect();
        let window = tokio::time::sleep(BATCH_WINDOW);
        tokio::pin!(window);
        let mut closed = false;
        loop {
            tokio::select! {
                _ = &mut window => break,
                next = receiver.recv() => match next {
                    Ok(event) => batch.push(event),
                    Err(RecvError::Lagged(_)) => resync = true,
                    Err(RecvError::Closed) => { closed = true; break; }
                },
            }
        }
        let status_moved = batch
            .iter()
            .any(|e| matches!(e, JobEvent::StatusChanged { .. } | JobEvent::ModelReady { .. }));
        let updates = coalesce(batch);
        if !updates.is_empty() || resync {
            if let Err(err) = (JobEvents { updates, resync }).emit(&app) {
                tracing::warn!("cannot send job events to the window: {err}");
            }
        }
        if status_moved || resync {
            crate::tray::refresh(&app);
        }
        if closed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brightrun_core::store::training_jobs::JobStatus;

    fn progress(job: &str, step: u64) -> JobEvent {
        JobEvent::Progress {
            job_id: job.into(),
            status: JobStatus::Running,
            stage: Some("training".into()),
            progress: step as f64,
            current_step: step,
            total_steps: Some(100),
            cost_usd: 0.0,
        }
    }

    #[test]
    fn progress_keeps_only_the_latest_per_job_and_the_order_of_the_rest() {
        let events = vec![
            progress("a", 1),
            progress("b", 1),
            JobEvent::Log {
                job_id: "a".into(),
                text: "hello".into(),
            },
            progress("a", 2),
        ];
        let updates = coalesce(events);
        assert_eq!(updates.len(), 3);
        assert!(matches!(&updates[0], JobUpdate::Progress { job_id, .. } if job_id == "b"));
        assert!(matches!(&updates[1], JobUpdate::Log { .. }));
        assert!(
            matches!(&updates[2], JobUpdate::Progress { job_id, current_step, .. }
            if job_id == "a" && *current_step == 2.0)
        );
    }

    #[test]
    fn status_changes_cross_as_the_core_names_them() {
        let update = JobUpdate::from(JobEvent::StatusChanged {
            job_id: "a".into(),
            from: JobStatus::Running,
            to: JobStatus::Completed,
        });
        let json = serde_json::to_value(update).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "status_changed", "job_id": "a", "from": "running", "to": "completed"})
        );
    }
}
