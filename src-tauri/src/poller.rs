//! The core's background poller, started with the app over the one [`CoreState`] (its store, keyring clients
//! and data folder). The poller's `JobEvent`s reach the UI as one typed
//! [`JobEvents`] batch every [`BATCH_WINDOW`] (only when something changed), and keep the tray current.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::jobs::{JobEvent, Poller, PollerConfig};
use brightrun_core::store::settings::DEFAULT_POLLING_INTERVAL_SECS;

use crate::core_state::CoreState;
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

pub use crate::dto::jobs::{JobEvents, JobUpdate};
use crate::notify::AppNotifier;

/// How long events are gathered before one batch goes to the UI: the poller sends a burst per pass, and
/// a chart redraw per event would be wasted work.
pub const BATCH_WINDOW: Duration = Duration::from_millis(250);

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

/// Starts the poller (interval from the `polling_interval_secs` setting, read on the blocking pool: setup runs
/// on the main thread) and the task that forwards its events to the UI in batches. Until it runs, commands that
/// ask for a pass find no poller and skip it; the first pass comes as soon as it starts.
pub fn start(app: &AppHandle) {
    let core = app.state::<CoreState>().inner().clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let secs = match core.read(|s| s.settings().polling_interval_secs()).await {
            Ok(secs) => secs,
            Err(err) => {
                tracing::warn!(
                    "cannot read the polling interval, using {DEFAULT_POLLING_INTERVAL_SECS} s: {err}"
                );
                DEFAULT_POLLING_INTERVAL_SECS
            }
        };
        let notifier = Arc::new(AppNotifier::new(app.clone()));
        let poller = Poller::new(
            Arc::clone(&core.store),
            core.clients.clone(),
            notifier,
            PollerConfig::new(core.data_dir().to_path_buf(), Duration::from_secs(secs)),
        );
        let handle = poller.spawn();
        let receiver = handle.subscribe();
        core.set_poller(handle);
        forward(app, receiver).await;
    });
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
        let mut updates = coalesce(batch);
        fill_cost_alerts(&app, &mut updates).await;
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

/// Gives each progress update the core's cost alert against its job's estimate (read once per batch, on the
/// blocking pool): the monitor's cost band stays live without a copy of the rule in the UI.
async fn fill_cost_alerts(app: &AppHandle, updates: &mut [JobUpdate]) {
    let ids: Vec<String> = updates
        .iter()
        .filter_map(|u| match u {
            JobUpdate::Progress { job_id, .. } => Some(job_id.clone()),
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return;
    }
    let core = app.state::<CoreState>().inner().clone();
    let jobs = core
        .read(move |s| {
            ids.iter()
                .map(|id| s.training_jobs().try_get(id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await;
    let jobs = match jobs {
        Ok(jobs) => jobs.into_iter().flatten().collect::<Vec<_>>(),
        Err(err) => {
            tracing::warn!("cannot read the jobs' estimates: {err}");
            return;
        }
    };
    for update in updates.iter_mut() {
        if let JobUpdate::Progress {
            job_id,
            cost_usd,
            cost_alert,
            ..
        } = update
        {
            *cost_alert = jobs
                .iter()
                .find(|j| &j.id == job_id)
                .and_then(|j| crate::dto::jobs::cost_alert_of(j, *cost_usd));
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
