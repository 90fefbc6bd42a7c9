//! The `training_jobs` table (migration `20261122050000_training_jobs`): every job launched from this
//! computer, as the poller last saw it on its cluster.
//!
//! A job is written in status `submitting` with its idempotency key before the cluster is asked to start
//! it; the cluster's answer fills in `remote_job_id`. The poller then copies the cluster's view into the row.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};
use crate::cluster::client::Job as RemoteJob;
pub use crate::cluster::client::JobExecutor;
use crate::training::Hyperparameters;

/// Where a job stands. `submitting` is local only: the cluster has not confirmed the job yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Recorded here; the cluster has not answered the launch yet.
    Submitting,
    /// Waiting for the cluster's GPUs.
    Queued,
    /// The trainer is starting (loading data and model).
    Initializing,
    /// Training.
    Running,
    /// Finished with an adapter.
    Completed,
    /// Stopped by an error (kept with its hint).
    Failed,
    /// Stopped by the user.
    Cancelled,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [JobStatus; 7] = [
        JobStatus::Submitting,
        JobStatus::Queued,
        JobStatus::Initializing,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The value stored in the `status` column and used by the Cluster API.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitting => "submitting",
            JobStatus::Queued => "queued",
            JobStatus::Initializing => "initializing",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// The status named `raw`, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        JobStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True once the job can no longer change.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// A training job as stored here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingJob {
    /// Local id (uuid v7).
    pub id: String,
    /// The cluster it runs on.
    pub cluster_id: String,
    /// The cluster's id of the job, once the cluster answered the launch.
    pub remote_job_id: Option<String>,
    /// Sent with the launch; the same key never makes a second job on the cluster.
    pub idempotency_key: String,
    /// Name shown in lists.
    pub name: String,
    /// The library dataset it trains on.
    pub dataset_id: String,
    /// SHA-256 of the uploaded training file (openai_messages JSONL).
    pub dataset_sha256: String,
    /// Base model id as the cluster lists it.
    pub base_model: String,
    /// The run's settings.
    pub hyperparameters: Hyperparameters,
    /// GPU type asked for (`cpu` on a machine without GPUs).
    pub gpu_type: String,
    /// GPUs asked for.
    pub gpu_count: u32,
    /// Spot rather than on-demand capacity.
    pub spot: bool,
    /// The cluster stops the job past this many hours.
    pub max_duration_hours: f64,
    /// Where it stands.
    pub status: JobStatus,
    /// Stage within a running job (`training`, `saving`, …).
    pub stage: Option<String>,
    /// Percent done, 0 to 100.
    pub progress: f64,
    /// Current optimiser step.
    pub current_step: u64,
    /// Total steps, once known.
    pub total_steps: Option<u64>,
    /// Current epoch (fractional).
    pub current_epoch: Option<f64>,
    /// Total epochs.
    pub total_epochs: Option<f64>,
    /// The estimate shown before launch (cost and time bands), as JSON.
    pub estimate: Option<serde_json::Value>,
    /// US dollars spent so far, as the cluster reports.
    pub cost_usd: f64,
    /// Price per GPU-hour the cluster bills the job at.
    pub price_per_gpu_hour: Option<f64>,
    /// The worst cost-against-estimate level already notified (`warning`, `over_estimate`, …).
    pub cost_alert: Option<String>,
    /// Why it failed: `out_of_memory`, `max_duration`, … (or `launch_failed` when the cluster refused it).
    pub error_kind: Option<String>,
    /// What happened.
    pub error_message: Option<String>,
    /// What to do about it.
    pub error_hint: Option<String>,
    /// The reason given when cancelled.
    pub cancel_reason: Option<String>,
    /// Next byte of the cluster's log to fetch.
    pub log_offset: u64,
    /// The trainer's summary once completed.
    pub summary: Option<serde_json::Value>,
    /// The adapter download: `downloading`, `ready` or `failed` (None before completion).
    pub artifacts_status: Option<String>,
    /// Why the last download failed.
    pub artifacts_error: Option<String>,
    /// When it was launched here.
    pub created_at: String,
    /// When the cluster accepted it.
    pub submitted_at: Option<String>,
    /// When it started running.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// When the poller last heard from its cluster about it.
    pub last_polled_at: Option<String>,
    /// Since when its cluster does not answer (None while it does).
    pub unreachable_since: Option<String>,
    /// The job this one retries.
    pub retry_of: Option<String>,
    /// SHA-256 of the uploaded validation file, when the run holds conversations out.
    pub validation_sha256: Option<String>,
    /// The frozen split by conversation the job trains with (None: no validation, by the user's choice).
    pub split: Option<DataSplit>,
    /// Invalid records of the dataset left out, by the user's explicit choice.
    pub skipped_invalid: u64,
    /// The training throughput measured once the job completed.
    pub throughput: Option<Throughput>,
    /// What runs it on the cluster (`local`, or `slurm` with the Slurm job id), once the cluster said.
    pub executor: Option<JobExecutor>,
}

/// How a dataset was split for one job: by conversation, seeded, the same for every launch with that seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSplit {
    /// The seed that shuffled the conversations (the run's seed).
    pub seed: u64,
    /// The share of conversations asked for validation.
    pub fraction: f64,
    /// Examples in the training file.
    pub train_examples: u64,
    /// Examples in the validation file.
    pub validation_examples: u64,
    /// Conversations on the training side.
    pub train_conversations: u64,
    /// Conversations on the validation side (none of them is on the training side).
    pub validation_conversations: u64,
}

/// A completed job's measured training throughput (docs/estimator.md, "Calibration").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Median non-padding tokens per second over the training steps, warm-up, evaluation and saving excluded.
    pub tokens_per_second: f64,
    /// Metrics points the median was taken over.
    pub points: u32,
    /// Seconds from start to end of the run.
    pub run_seconds: f64,
    /// Seconds the training steps took at that rate.
    pub training_seconds: f64,
    /// The fixed costs: the run less its training steps and its evaluation passes (start-up, loading, saving,
    /// the evaluations' own set-up).
    pub overhead_seconds: f64,
    /// The same throughput in the tokens the estimator counts (padding included, chars/4 when estimated):
    /// what calibrates later estimates.
    pub estimator_tokens_per_second: Option<f64>,
}

/// What a launch records before asking the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTrainingJob {
    /// The cluster.
    pub cluster_id: String,
    /// Name shown in lists.
    pub name: String,
    /// The library dataset.
    pub dataset_id: String,
    /// SHA-256 of the training file to upload.
    pub dataset_sha256: String,
    /// Base model id.
    pub base_model: String,
    /// The run's settings.
    pub hyperparameters: Hyperparameters,
    /// GPU type.
    pub gpu_type: String,
    /// GPU count.
    pub gpu_count: u32,
    /// Spot capacity.
    pub spot: bool,
    /// Limit in hours.
    pub max_duration_hours: f64,
    /// The estimate, as JSON.
    pub estimate: Option<serde_json::Value>,
    /// The job this one retries.
    pub retry_of: Option<String>,
    /// SHA-256 of the validation file to upload, when there is one.
    pub validation_sha256: Option<String>,
    /// The frozen split.
    pub split: Option<DataSplit>,
    /// Invalid records left out.
    pub skipped_invalid: u64,
}

/// The `training_jobs` table of a store.
pub struct TrainingJobs<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The training jobs.
    pub fn training_jobs(&self) -> TrainingJobs<'_> {
        TrainingJobs {
            conn: self.connection(),
        }
    }
}

const COLUMNS: &str = "id, cluster_id, remote_job_id, idempotency_key, name, dataset_id, dataset_sha256, base_model, \
    hyperparameters_json, gpu_type, gpu_count, spot, max_duration_hours, status, stage, progress, current_step, \
    total_steps, current_epoch, total_epochs, estimate_json, cost_usd, price_per_gpu_hour, cost_alert, error_kind, \
    error_message, error_hint, cancel_reason, log_offset, summary_json, artifacts_status, artifacts_error, \
    created_at, submitted_at, started_at, finished_at, last_polled_at, unreachable_since, retry_of, \
    validation_sha256, split_json, skipped_invalid, throughput_json, executor_kind, executor_job_id";

impl TrainingJobs<'_> {
    /// Records a job about to be submitted, with a fresh idempotency key; returns the row.
    pub fn insert_submitting(&self, new: &NewTrainingJob) -> Result<TrainingJob, StoreError> {
        if new.name.trim().is_empty() {
            return Err(invalid("name", "a job needs a name"));
        }
        let hyperparameters = to_json("hyperparameters", &new.hyperparameters)?;
        let estimate = new
            .estimate
            .as_ref()
            .map(|e| to_json("estimate", e))
            .transpose()?;
        let split = new.split.as_ref().map(|v| to_json("split", v)).transpose()?;
        let id = uuid::Uuid::now_v7().to_string();
        // Its own uuid, not the job id: the key goes to the cluster, the id stays local.
        let key = uuid::Uuid::new_v4().to_string();
        self.conn.execute(
            "INSERT INTO training_jobs (id, cluster_id, idempotency_key, name, dataset_id, dataset_sha256, \
             base_model, hyperparameters_json, gpu_type, gpu_count, spot, max_duration_hours, status, \
             estimate_json, created_at, retry_of, validation_sha256, split_json, skipped_invalid) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'submitting', ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                id,
                new.cluster_id,
                key,
                new.name.trim(),
                new.dataset_id,
                new.dataset_sha256,
                new.base_model,
                hyperparameters,
                new.gpu_type,
                new.gpu_count,
                new.spot,
                new.max_duration_hours,
                estimate,
                time::now(),
                new.retry_of,
                new.validation_sha256,
                split,
                new.skipped_invalid as i64,
            ],
        )?;
        self.get(&id)
    }

    /// The job with this id.
    pub fn get(&self, id: &str) -> Result<TrainingJob, StoreError> {
        self.try_get(id)?.ok_or_else(|| StoreError::NotFound {
            what: "training job",
            id: id.to_string(),
        })
    }

    /// The job with this id, if any.
    pub fn try_get(&self, id: &str) -> Result<Option<TrainingJob>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM training_jobs WHERE id = ?1");
        self.conn.query_row(&sql, [id], read_row).optional()?.transpose()
    }

    /// The job with this id, or the only one whose id starts with `prefix` (as lists print short ids).
    pub fn find(&self, id_or_prefix: &str) -> Result<TrainingJob, StoreError> {
        if let Some(job) = self.try_get(id_or_prefix)? {
            return Ok(job);
        }
        let not_found = || StoreError::NotFound {
            what: "training job",
            id: id_or_prefix.to_string(),
        };
        if id_or_prefix.len() < 4 {
            return Err(not_found());
        }
        let sql = format!("SELECT {COLUMNS} FROM training_jobs WHERE substr(id, 1, ?2) = ?1 LIMIT 2");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows: Vec<TrainingJob> = stmt
            .query_map(params![id_or_prefix, id_or_prefix.len() as i64], read_row)?
            .collect::<Result<Result<_, _>, _>>()??;
        match <[TrainingJob; 1]>::try_from(rows) {
            Ok([job]) => Ok(job),
            Err(rows) if rows.is_empty() => Err(not_found()),
            Err(_) => Err(invalid("job id", &format!("{id_or_prefix} matches several jobs"))),
        }
    }

    /// Every job, newest first, optionally only those with `status`.
    pub fn list(&self, status: Option<JobStatus>) -> Result<Vec<TrainingJob>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM training_jobs WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([status.map(JobStatus::as_str)], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Jobs the poller must follow: submitted and not finished, plus completed ones whose adapter is not
    /// downloaded yet.
    pub fn to_poll(&self) -> Result<Vec<TrainingJob>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM training_jobs WHERE remote_job_id IS NOT NULL AND \
             (status IN ('submitting', 'queued', 'initializing', 'running') \
              OR (status = 'completed' AND (artifacts_status IS NULL OR artifacts_status = 'downloading'))) \
             ORDER BY created_at"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Jobs left in `submitting` without a cluster id since before `created_before` (their launch was
    /// interrupted; [`crate::jobs::resume_submission`] finishes it with the same key).
    pub fn stale_submissions(&self, created_before: &str) -> Result<Vec<TrainingJob>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM training_jobs WHERE status = 'submitting' AND remote_job_id IS NULL \
             AND created_at < ?1 ORDER BY created_at"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([created_before], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Records the cluster's answer to the launch.
    pub fn set_submitted(&self, id: &str, remote: &RemoteJob) -> Result<TrainingJob, StoreError> {
        let status = parse_remote_status(&remote.status)?;
        let changed = self.conn.execute(
            "UPDATE training_jobs SET remote_job_id = ?2, status = ?3, submitted_at = ?4, \
             price_per_gpu_hour = ?5, executor_kind = COALESCE(?6, executor_kind), \
             executor_job_id = COALESCE(?7, executor_job_id) WHERE id = ?1",
            params![
                id,
                remote.id,
                status.as_str(),
                time::now(),
                remote.price_per_gpu_hour,
                remote.executor.as_ref().map(|e| e.kind.as_str()),
                remote.executor.as_ref().and_then(|e| e.job_id.as_deref()),
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "training job",
                id: id.to_string(),
            });
        }
        self.get(id)
    }

    /// A launch the cluster refused for good: the job is failed locally with the cluster's reason.
    pub fn fail_launch(&self, id: &str, message: &str, hint: Option<&str>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE training_jobs SET status = 'failed', error_kind = 'launch_failed', error_message = ?2, \
             error_hint = ?3, finished_at = ?4 WHERE id = ?1 AND status = 'submitting'",
            params![id, message, hint, time::now()],
        )?;
        Ok(())
    }

    /// A followed job its cluster no longer knows (404 again and again): failed locally with `cluster_lost`.
    /// Returns whether the row changed (a finished job stays as it was).
    pub fn fail_lost(&self, id: &str, message: &str) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE training_jobs SET status = 'failed', error_kind = 'cluster_lost', error_message = ?2, \
             error_hint = ?3, finished_at = ?4 WHERE id = ?1 AND status NOT IN ('completed', 'failed', 'cancelled')",
            params![
                id,
                message,
                "the cluster was reset or the job deleted there; launch it again (a retry keeps its settings)",
                time::now()
            ],
        )?;
        Ok(changed > 0)
    }

    /// Copies the cluster's view of a job into its row, clears `unreachable_since` and stamps `last_polled_at`.
    /// A finished job never goes back to running (a late answer from a restarted cluster cannot undo an end).
    pub fn apply_remote(&self, id: &str, remote: &RemoteJob) -> Result<TrainingJob, StoreError> {
        let status = parse_remote_status(&remote.status)?;
        let error = remote.error.as_ref();
        let summary = remote
            .summary
            .as_ref()
            .map(|s| to_json("summary", s))
            .transpose()?;
        self.conn.execute(
            "UPDATE training_jobs SET
                status = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN status ELSE ?2 END,
                stage = ?3, progress = ?4, current_step = MAX(current_step, ?5), total_steps = ?6,
                current_epoch = ?7, total_epochs = ?8, price_per_gpu_hour = ?9,
                error_kind = COALESCE(?10, error_kind), error_message = COALESCE(?11, error_message),
                error_hint = COALESCE(?12, error_hint), cancel_reason = COALESCE(?13, cancel_reason),
                summary_json = COALESCE(?14, summary_json),
                started_at = COALESCE(started_at, ?15), finished_at = COALESCE(finished_at, ?16),
                last_polled_at = ?17, unreachable_since = NULL,
                executor_kind = COALESCE(?18, executor_kind), executor_job_id = COALESCE(?19, executor_job_id)
             WHERE id = ?1",
            params![
                id,
                status.as_str(),
                remote.stage,
                remote.progress,
                remote.current_step as i64,
                remote.total_steps.map(|v| v as i64),
                remote.current_epoch,
                remote.total_epochs,
                remote.price_per_gpu_hour,
                error.map(|e| e.kind.as_str()),
                error.map(|e| e.message.as_str()),
                error.and_then(|e| e.hint.as_deref()),
                remote.cancel_reason,
                summary,
                remote.started_at,
                remote.finished_at,
                time::now(),
                remote.executor.as_ref().map(|e| e.kind.as_str()),
                remote.executor.as_ref().and_then(|e| e.job_id.as_deref()),
            ],
        )?;
        self.get(id)
    }

    /// Notes that the job's cluster did not answer; the first failure's time is kept.
    pub fn mark_unreachable(&self, id: &str, at: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE training_jobs SET unreachable_since = COALESCE(unreachable_since, ?2) WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    /// Records the cost the cluster reported (the delta goes to `cost_records` in the same transaction, by
    /// the caller).
    pub fn set_cost(&self, id: &str, cost_usd: f64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE training_jobs SET cost_usd = ?2 WHERE id = ?1",
            params![id, cost_usd],
        )?;
        Ok(())
    }

    /// Remembers the worst cost level already notified, so each fires once.
    pub fn set_cost_alert(&self, id: &str, level: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE training_jobs SET cost_alert = ?2 WHERE id = ?1",
            params![id, level],
        )?;
        Ok(())
    }

    /// Records where the adapter download stands (`downloading`, `ready`, `failed`) and why it failed.
    pub fn set_artifacts_status(
        &self,
        id: &str,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        if !matches!(status, "downloading" | "ready" | "failed") {
            return Err(invalid("artifacts status", status));
        }
        self.conn.execute(
            "UPDATE training_jobs SET artifacts_status = ?2, artifacts_error = ?3 WHERE id = ?1",
            params![id, status, error],
        )?;
        Ok(())
    }

    /// Records the throughput measured for a completed job.
    pub fn set_throughput(&self, id: &str, throughput: &Throughput) -> Result<(), StoreError> {
        let json = to_json("throughput", throughput)?;
        self.conn.execute(
            "UPDATE training_jobs SET throughput_json = ?2 WHERE id = ?1",
            params![id, json],
        )?;
        Ok(())
    }

    /// Completed jobs with a measured throughput, newest first (what calibrates estimates).
    pub fn with_throughput(&self) -> Result<Vec<TrainingJob>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM training_jobs WHERE status = 'completed' AND throughput_json IS NOT NULL \
             ORDER BY created_at DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], read_row)?;
        rows.collect::<Result<Result<_, _>, _>>()?
    }

    /// Counts the retries already made in `job_id`'s retry tree: every job whose `retry_of` chain leads back to
    /// the same original (a retry's `retry_of` is the job it retried). The next retry is "(Retry #count+1)",
    /// whichever job of the tree is retried, so numbers never repeat.
    pub fn retry_count(&self, job_id: &str) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "WITH RECURSIVE up(id, parent) AS (
                 SELECT id, retry_of FROM training_jobs WHERE id = ?1
                 UNION ALL SELECT t.id, t.retry_of FROM training_jobs t JOIN up ON t.id = up.parent
             ),
             down(id) AS (
                 SELECT id FROM training_jobs WHERE retry_of = (SELECT id FROM up WHERE parent IS NULL)
                 UNION ALL SELECT t.id FROM training_jobs t JOIN down ON t.retry_of = down.id
             )
             SELECT COUNT(*) FROM down",
            [job_id],
            |row| row.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}

fn parse_remote_status(raw: &str) -> Result<JobStatus, StoreError> {
    match JobStatus::parse(raw) {
        Some(JobStatus::Submitting) | None => Err(StoreError::InvalidInput {
            field: "job status".into(),
            message: format!("the cluster reported an unknown status {raw:?}"),
        }),
        Some(status) => Ok(status),
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::InvalidInput {
        field: field.to_string(),
        message: message.to_string(),
    }
}

fn to_json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| invalid(what, &e.to_string()))
}

fn corrupt(what: &str, id: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("{what} of training job {id}"),
        message: message.to_string(),
    }
}

/// Reads one row; the outer `Result` is SQLite's, the inner one says whether the stored JSON is readable.
fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<TrainingJob, StoreError>> {
    let id: String = row.get("id")?;
    let hyper_raw: String = row.get("hyperparameters_json")?;
    let status_raw: String = row.get("status")?;
    let estimate_raw: Option<String> = row.get("estimate_json")?;
    let summary_raw: Option<String> = row.get("summary_json")?;
    let split_raw: Option<String> = row.get("split_json")?;
    let throughput_raw: Option<String> = row.get("throughput_json")?;
    let job = (|| {
        let hyperparameters: Hyperparameters =
            serde_json::from_str(&hyper_raw).map_err(|e| corrupt("hyperparameters", &id, e))?;
        let status = JobStatus::parse(&status_raw).ok_or_else(|| corrupt("status", &id, &status_raw))?;
        let estimate = estimate_raw
            .map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt("estimate", &id, e)))
            .transpose()?;
        let summary = summary_raw
            .map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt("summary", &id, e)))
            .transpose()?;
        let split: Option<DataSplit> = split_raw
            .map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt("split", &id, e)))
            .transpose()?;
        let throughput: Option<Throughput> = throughput_raw
            .map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt("throughput", &id, e)))
            .transpose()?;
        Ok::<_, StoreError>((hyperparameters, status, estimate, summary, split, throughput))
    })();
    let (hyperparameters, status, estimate, summary, split, throughput) = match job {
        Ok(parts) => parts,
        Err(e) => return Ok(Err(e)),
    };
    let current_step: i64 = row.get("current_step")?;
    let total_steps: Option<i64> = row.get("total_steps")?;
    let log_offset: i64 = row.get("log_offset")?;
    let gpu_count: i64 = row.get("gpu_count")?;
    Ok(Ok(TrainingJob {
        cluster_id: row.get("cluster_id")?,
        remote_job_id: row.get("remote_job_id")?,
        idempotency_key: row.get("idempotency_key")?,
        name: row.get("name")?,
        dataset_id: row.get("dataset_id")?,
        dataset_sha256: row.get("dataset_sha256")?,
        base_model: row.get("base_model")?,
        hyperparameters,
        gpu_type: row.get("gpu_type")?,
        gpu_count: u32::try_from(gpu_count).unwrap_or(0),
        spot: row.get("spot")?,
        max_duration_hours: row.get("max_duration_hours")?,
        status,
        stage: row.get("stage")?,
        progress: row.get("progress")?,
        current_step: current_step.max(0) as u64,
        total_steps: total_steps.map(|v| v.max(0) as u64),
        current_epoch: row.get("current_epoch")?,
        total_epochs: row.get("total_epochs")?,
        estimate,
        cost_usd: row.get("cost_usd")?,
        price_per_gpu_hour: row.get("price_per_gpu_hour")?,
        cost_alert: row.get("cost_alert")?,
        error_kind: row.get("error_kind")?,
        error_message: row.get("error_message")?,
        error_hint: row.get("error_hint")?,
        cancel_reason: row.get("cancel_reason")?,
        log_offset: log_offset.max(0) as u64,
        summary,
        artifacts_status: row.get("artifacts_status")?,
        artifacts_error: row.get("artifacts_error")?,
        created_at: row.get("created_at")?,
        submitted_at: row.get("submitted_at")?,
        started_at: row.get("started_at")?,
        finished_at: row.get("finished_at")?,
        last_polled_at: row.get("last_polled_at")?,
        unreachable_since: row.get("unreachable_since")?,
        retry_of: row.get("retry_of")?,
        validation_sha256: row.get("validation_sha256")?,
        split,
        skipped_invalid: row.get::<_, i64>("skipped_invalid")?.max(0) as u64,
        throughput,
        executor: match row.get::<_, Option<String>>("executor_kind")? {
            Some(kind) => Some(JobExecutor {
                kind,
                job_id: row.get("executor_job_id")?,
            }),
            None => None,
        },
        id,
    }))
}
