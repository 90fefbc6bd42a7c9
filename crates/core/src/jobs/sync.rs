//! One poll of one job: read the cluster's view, fetch what is new (metrics after the highest stored step,
//! log text after the stored offset, checkpoints when something moved), and write it all, with the
//! transition's notifications and the cost records and alerts, in ONE transaction. A crash before the commit
//! loses nothing (the next poll fetches the same range again); after it, nothing is fetched twice, and a step
//! fetched twice anyway replaces its row.

use chrono::{Datelike, Utc};

use super::{db, JobsError, SharedStore};
use crate::cluster::client::{Checkpoint, Job as RemoteJob, MetricsPoint};
use crate::cluster::ClusterClient;
use crate::store::notifications::{NewNotification, Notification, NotificationKind, Priority};
use crate::store::training_jobs::{JobStatus, TrainingJob};
use crate::store::{Store, StoreError};
use crate::training::budget::{alerts_crossed, cost_status, CostStatus};

/// Metrics pages fetched per poll at most; the rest comes on the next poll.
const MAX_METRICS_PAGES: usize = 20;
/// Log chunks fetched per poll at most.
const MAX_LOG_CHUNKS: usize = 4;

/// What one poll of a job changed.
pub(crate) struct Synced {
    pub before: TrainingJob,
    pub after: TrainingJob,
    pub points: Vec<MetricsPoint>,
    pub log: String,
    pub notifications: Vec<Notification>,
    /// Still re-reading the steps a resumed run repeats (carry it to the next poll of this job).
    pub resync: Option<Resync>,
}

/// A run that resumed from a checkpoint (its cluster restarted) repeats the steps after it, and the cluster
/// replaces their points with the repeat's. Until the repeat has passed the highest step stored before, every
/// poll re-reads from the checkpoint, so the stored values end up the cluster's, not the abandoned run's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Resync {
    /// Re-read the points after this step.
    pub checkpoint_step: u64,
    /// The highest step stored when the repeat was noticed.
    pub stored_max: u64,
}

/// Polls `job` on its cluster and records what changed (see the module doc).
pub(crate) async fn sync_job(
    store: &SharedStore,
    client: &ClusterClient,
    job: &TrainingJob,
    resync: Option<Resync>,
) -> Result<Synced, JobsError> {
    let remote_id = job
        .remote_job_id
        .clone()
        .ok_or_else(|| JobsError::NotSubmitted(job.id.clone()))?;
    // The status first, then the metrics: a job read as finished has all its points served after it.
    let remote = client.job(&remote_id).await?;
    let queued = remote.status == "queued";

    let mut points = Vec::new();
    let mut log = String::new();
    let log_start = job.log_offset;
    let mut log_next = job.log_offset;
    let mut resync = resync;
    if !queued {
        let id = job.id.clone();
        let stored_max = db::with(store, move |s| s.metrics().max_step(&id)).await?;
        // The cluster's latest point is below what is stored: the run resumed from a checkpoint and repeats.
        let repeating = match (&remote.latest_metrics, stored_max) {
            (Some(latest), Some(max)) if latest.step < max => Some((latest.step, max)),
            _ => None,
        };
        if let (None, Some((latest_step, max))) = (resync, repeating) {
            let checkpoints = client.checkpoints(&remote_id).await?;
            let checkpoint_step = checkpoints
                .iter()
                .map(|c| c.step)
                .filter(|step| *step <= latest_step)
                .max()
                .unwrap_or(0);
            resync = Some(Resync {
                checkpoint_step,
                stored_max: max,
            });
        }
        let mut after = match resync {
            Some(r) => Some(r.checkpoint_step),
            None => stored_max,
        };
        for _ in 0..MAX_METRICS_PAGES {
            let page = client.metrics(&remote_id, after).await?;
            let Some(last) = page.iter().map(|p| p.step).max() else {
                break;
            };
            if after.is_some_and(|a| last <= a) {
                break; // a server that ignores after_step must not loop us forever
            }
            after = Some(last);
            points.extend(page);
        }
        // Done once this read reached past the old highest step: every repeated step was re-read after the
        // cluster replaced it.
        if let Some(r) = resync {
            if points.iter().any(|p| p.step > r.stored_max) || remote.is_finished() {
                resync = None;
            }
        }
        for _ in 0..MAX_LOG_CHUNKS {
            let chunk = client.logs(&remote_id, log_next).await?;
            if chunk.next_offset <= log_next {
                break;
            }
            log.push_str(&chunk.text);
            log_next = chunk.next_offset;
        }
    }
    let moved = remote.status != job.status.as_str() || remote.current_step != job.current_step;
    let checkpoints: Option<Vec<Checkpoint>> = if moved && !queued {
        Some(client.checkpoints(&remote_id).await?)
    } else {
        None
    };

    let id = job.id.clone();
    db::with(store, move |s| {
        s.immediate(|s| {
            let before = s.training_jobs().get(&id)?;
            s.metrics().upsert(&id, &points)?;
            if log_next > log_start {
                s.job_logs().append(&id, log_start, &log, log_next)?;
            }
            if let Some(checkpoints) = &checkpoints {
                s.checkpoints().upsert(&id, checkpoints)?;
            }
            let after = s.training_jobs().apply_remote(&id, &remote)?;
            let mut notifications = transition_notifications(s, &before, &after)?;
            notifications.extend(record_cost(s, &before, &remote)?);
            super::throughput::record_if_completed(s, &id)?;
            let after = s.training_jobs().get(&id)?;
            Ok(Synced {
                before,
                after,
                points,
                log,
                notifications,
                resync,
            })
        })
    })
    .await
}

fn note(
    s: &Store,
    job: &TrainingJob,
    kind: NotificationKind,
    priority: Priority,
    title: String,
    body: String,
    once_key: String,
) -> Result<Option<Notification>, StoreError> {
    s.notifications().record(&NewNotification {
        kind,
        priority,
        title,
        body,
        job_id: Some(job.id.clone()),
        once_key: Some(once_key),
    })
}

/// The notifications of a status change; each has a once-key, so a repeated poll never records one twice.
fn transition_notifications(
    s: &Store,
    before: &TrainingJob,
    after: &TrainingJob,
) -> Result<Vec<Notification>, StoreError> {
    let mut out = Vec::new();
    if before.status == after.status {
        return Ok(Vec::new());
    }
    let id = &after.id;
    let name = &after.name;
    let was_waiting = matches!(before.status, JobStatus::Submitting | JobStatus::Queued);
    let started = matches!(after.status, JobStatus::Initializing | JobStatus::Running)
        || (after.status.is_finished() && after.started_at.is_some());
    if after.status == JobStatus::Queued {
        out.push(note(
            s,
            after,
            NotificationKind::JobQueued,
            Priority::Low,
            format!("{name} is queued"),
            "The cluster accepted the job.".into(),
            format!("job_queued:{id}"),
        )?);
    }
    if was_waiting && started {
        out.push(note(
            s,
            after,
            NotificationKind::JobStarted,
            Priority::Low,
            format!("{name} started"),
            format!(
                "Training {} on {} × {}.",
                after.base_model, after.gpu_count, after.gpu_type
            ),
            format!("job_started:{id}"),
        )?);
    }
    match after.status {
        JobStatus::Completed => out.push(note(
            s,
            after,
            NotificationKind::JobCompleted,
            Priority::Medium,
            format!("{name} completed"),
            format!(
                "{} steps, ${:.2}. Downloading the adapter.",
                after.current_step, after.cost_usd
            ),
            format!("job_completed:{id}"),
        )?),
        JobStatus::Failed => {
            let message = after.error_message.as_deref().unwrap_or("the job failed");
            let body = match &after.error_hint {
                Some(hint) => format!("{message} Hint: {hint}"),
                None => message.to_string(),
            };
            out.push(note(
                s,
                after,
                NotificationKind::JobFailed,
                Priority::High,
                format!("{name} failed"),
                body,
                format!("job_failed:{id}"),
            )?)
        }
        JobStatus::Cancelled => out.push(note(
            s,
            after,
            NotificationKind::JobCancelled,
            Priority::Low,
            format!("{name} was cancelled"),
            match &after.cancel_reason {
                Some(reason) => format!("Reason: {reason}"),
                None => "No reason was given.".into(),
            },
            format!("job_cancelled:{id}"),
        )?),
        _ => {}
    }
    Ok(out.into_iter().flatten().collect())
}

/// Records the cost the cluster reported since the last poll as a delta, and the cost and budget alerts it
/// crosses (each once).
fn record_cost(s: &Store, before: &TrainingJob, remote: &RemoteJob) -> Result<Vec<Notification>, StoreError> {
    let mut out = Vec::new();
    let new_cost = remote.cost_usd;
    if !new_cost.is_finite() || new_cost < 0.0 {
        return Ok(out);
    }
    let delta = new_cost - before.cost_usd;
    if delta.abs() < 1e-9 {
        return Ok(out);
    }
    let now = Utc::now();
    let spent_before = s.cost_records().spent_in_month_of(now)?;
    s.cost_records().record(&before.id, delta, now)?;
    s.training_jobs().set_cost(&before.id, new_cost)?;

    if let Some(budget) = s.settings().monthly_budget_usd()? {
        for percent in alerts_crossed(budget, spent_before, spent_before + delta) {
            let priority = match percent {
                p if p >= 100 => Priority::Critical,
                p if p >= 90 => Priority::High,
                _ => Priority::Medium,
            };
            out.extend(s.notifications().record(&NewNotification {
                kind: NotificationKind::BudgetAlert,
                priority,
                title: format!("{percent} % of the monthly budget spent"),
                body: format!(
                    "${:.2} of ${budget:.2} spent this month; the latest was {}.",
                    spent_before + delta,
                    before.name
                ),
                job_id: Some(before.id.clone()),
                once_key: Some(format!(
                    "budget_alert:{}-{:02}:{percent}",
                    now.year(),
                    now.month()
                )),
            })?);
        }
    }

    let estimate = before
        .estimate
        .as_ref()
        .and_then(|e| e.pointer("/cost_usd/expected"))
        .and_then(serde_json::Value::as_f64);
    if let Some(estimate) = estimate {
        let was = cost_status(before.cost_usd, estimate);
        let now_status = cost_status(new_cost, estimate);
        for level in [
            CostStatus::Warning,
            CostStatus::OverEstimate,
            CostStatus::FarOverEstimate,
        ] {
            if was < level && level <= now_status {
                let (percent, priority, key) = match level {
                    CostStatus::Warning => (80, Priority::Medium, "warning"),
                    CostStatus::OverEstimate => (100, Priority::High, "over_estimate"),
                    _ => (120, Priority::Critical, "far_over_estimate"),
                };
                let recorded = note(
                    s,
                    before,
                    NotificationKind::CostAlert,
                    priority,
                    format!("{} passed {percent} % of its estimate", before.name),
                    format!("${new_cost:.2} spent against an estimate of ${estimate:.2}."),
                    format!("cost_alert:{}:{key}", before.id),
                )?;
                s.training_jobs().set_cost_alert(&before.id, key)?;
                out.extend(recorded);
            }
        }
    }
    Ok(out)
}
