//! The dashboard's figures: how many datasets, active jobs and completed models there are, the month's spend
//! against the budget, and a feed of what happened lately (jobs launched and ended, datasets imported, models
//! made, money alerts), each read with one query.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// How many events the activity feed holds at most.
pub const MAX_ACTIVITY: u32 = 50;

/// What an activity is about, which decides where clicking it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySubject {
    /// A training job (`id` is the job's).
    Job,
    /// A dataset of the library (`id` is the dataset's).
    Dataset,
    /// A trained model (`id` is the model's).
    Model,
    /// A notification that is not about a job, dataset or model already in the feed: budget and cost alerts.
    Notification,
}

/// One event of the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// What it is about.
    pub subject: ActivitySubject,
    /// The job, dataset, model or notification.
    pub id: String,
    /// One line in the user's words ("Training run 3 completed").
    pub title: String,
    /// A short second line (a status, a base model, the alert's text).
    pub detail: String,
    /// When it happened (RFC 3339 UTC).
    pub at: String,
    /// For a cost alert about a job: that job, so the click can open it.
    pub job_id: Option<String>,
}

/// The dashboard at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Datasets in the library (not in the trash).
    pub datasets: u64,
    /// Of those, how many pass every readiness check.
    pub datasets_ready: u64,
    /// Jobs submitting, queued, initializing or running.
    pub active_jobs: u64,
    /// Models of completed jobs (not in the trash).
    pub completed_models: u64,
    /// Spent this calendar month (UTC).
    pub month_spent_usd: f64,
    /// The monthly budget, if the user set one.
    pub monthly_budget_usd: Option<f64>,
    /// Newest first, at most `limit` events.
    pub activity: Vec<Activity>,
}

/// The dashboard's figures at `now`, with the newest `limit` events (at most [`MAX_ACTIVITY`]).
pub fn overview(store: &Store, now: DateTime<Utc>, limit: u32) -> Result<Overview, StoreError> {
    let conn = store.connection();
    let (datasets, datasets_ready, active_jobs, completed_models): (i64, i64, i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM datasets WHERE deleted_at IS NULL),
                (SELECT count(*) FROM datasets WHERE deleted_at IS NULL AND ready = 1),
                (SELECT count(*) FROM training_jobs
                  WHERE status IN ('submitting', 'queued', 'initializing', 'running')),
                (SELECT count(*) FROM model_artifacts WHERE deleted_at IS NULL)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    Ok(Overview {
        datasets: non_negative(datasets),
        datasets_ready: non_negative(datasets_ready),
        active_jobs: non_negative(active_jobs),
        completed_models: non_negative(completed_models),
        month_spent_usd: store.cost_records().spent_in_month_of(now)?,
        monthly_budget_usd: store.settings().monthly_budget_usd()?,
        activity: activity(store, limit.min(MAX_ACTIVITY))?,
    })
}

/// The newest `limit` events. Job and dataset notifications are left out: the job's and the dataset's own rows
/// already say the same.
pub fn activity(store: &Store, limit: u32) -> Result<Vec<Activity>, StoreError> {
    let mut stmt = store.connection().prepare_cached(
        "SELECT subject, id, title, detail, at, job_id FROM (
             SELECT 'job' AS subject, id, name || ' launched' AS title,
                    'on ' || gpu_count || ' × ' || gpu_type || ', ' || base_model AS detail,
                    created_at AS at, id AS job_id
               FROM training_jobs
             UNION ALL
             SELECT 'job', id, name || ' ' || status, coalesce(error_message, base_model), finished_at, id
               FROM training_jobs WHERE finished_at IS NOT NULL
             UNION ALL
             SELECT 'dataset', id, name || ' imported',
                    CASE WHEN status = 'validating' THEN 'being checked'
                         WHEN ready = 1 THEN training_examples || ' training examples, ready to train'
                         WHEN status = 'ready' THEN 'valid, not ready to train'
                         ELSE 'has problems' END,
                    created_at, NULL
               FROM datasets WHERE deleted_at IS NULL
             UNION ALL
             SELECT 'model', id, name || ' saved', 'adapter for ' || base_model, created_at, job_id
               FROM model_artifacts WHERE deleted_at IS NULL
             UNION ALL
             SELECT 'notification', id, title, body, created_at, job_id
               FROM notifications WHERE kind IN ('budget_alert', 'cost_alert')
         )
         ORDER BY at DESC, id DESC
         LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![limit], |row| {
        let subject: String = row.get(0)?;
        Ok(Activity {
            subject: match subject.as_str() {
                "job" => ActivitySubject::Job,
                "dataset" => ActivitySubject::Dataset,
                "model" => ActivitySubject::Model,
                _ => ActivitySubject::Notification,
            },
            id: row.get(1)?,
            title: row.get(2)?,
            detail: row.get(3)?,
            at: row.get(4)?,
            job_id: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// SQLite counts are signed; a count is never negative.
fn non_negative(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}
