//! The `jobs` table: one row per training job, its state, and the process that runs it.

use brightrun_api::Hyperparameters;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::api::{
    ExecutorKind, ExecutorView, GpuRequest, JobError, JobRequest, JobStatus, JobView, MetricsPoint,
};
use crate::error::AgentError;

/// A job as stored.
#[derive(Clone, Debug)]
pub struct JobRecord {
    pub id: String,
    pub name: String,
    pub request_sha256: String,
    pub status: JobStatus,
    pub stage: Option<String>,
    pub dataset_sha256: String,
    pub base_model: String,
    pub hyperparameters: Hyperparameters,
    pub gpu: GpuRequest,
    pub spot: bool,
    pub max_duration_hours: f64,
    pub price_per_gpu_hour: f64,
    pub current_step: u64,
    pub total_steps: Option<u64>,
    pub current_epoch: Option<f64>,
    pub total_epochs: Option<f64>,
    pub latest_metrics: Option<MetricsPoint>,
    pub summary: Option<serde_json::Value>,
    pub error: Option<JobError>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub run_seconds: f64,
    pub segment_started_at: Option<String>,
    pub pid: Option<i64>,
    pub pid_start_ticks: Option<u64>,
    pub resume_checkpoint: Option<String>,
    pub restarts: u32,
    /// SHA-256 of the uploaded validation file, when the job names one.
    pub validation_sha256: Option<String>,
    /// `local` or `slurm`: what runs (or ran) the trainer.
    pub executor: ExecutorKind,
    /// The Slurm job id once `sbatch` accepted the job.
    pub slurm_job_id: Option<String>,
}

const COLUMNS: &str = "id, name, request_sha256, status, stage, dataset_sha256, base_model, hyperparameters, \
    gpu_type, gpu_count, spot, max_duration_hours, price_per_gpu_hour, current_step, total_steps, current_epoch, \
    total_epochs, latest_metrics, summary, error_kind, error_message, error_hint, cancel_reason, created_at, \
    started_at, finished_at, run_seconds, segment_started_at, pid, pid_start_ticks, resume_checkpoint, restarts, \
    validation_sha256, executor, slurm_job_id";

fn conversion_error(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        Box::<dyn std::error::Error + Send + Sync>::from(message),
    )
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row, column: usize) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(column)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| conversion_error(column, e.to_string())))
        .transpose()
}

fn from_row(row: &Row) -> rusqlite::Result<JobRecord> {
    let status: String = row.get(3)?;
    let error_kind: Option<String> = row.get(19)?;
    Ok(JobRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        request_sha256: row.get(2)?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| conversion_error(3, format!("unknown status {status}")))?,
        stage: row.get(4)?,
        dataset_sha256: row.get(5)?,
        base_model: row.get(6)?,
        hyperparameters: json_column(row, 7)?
            .ok_or_else(|| conversion_error(7, "missing hyperparameters".into()))?,
        gpu: GpuRequest {
            gpu_type: row.get(8)?,
            count: row.get(9)?,
        },
        spot: row.get(10)?,
        max_duration_hours: row.get(11)?,
        price_per_gpu_hour: row.get(12)?,
        current_step: row.get::<_, i64>(13)?.max(0) as u64,
        total_steps: row.get::<_, Option<i64>>(14)?.map(|s| s.max(0) as u64),
        current_epoch: row.get(15)?,
        total_epochs: row.get(16)?,
        latest_metrics: json_column(row, 17)?,
        summary: json_column(row, 18)?,
        error: match error_kind {
            Some(kind) => Some(JobError {
                kind,
                message: row.get::<_, Option<String>>(20)?.unwrap_or_default(),
                hint: row.get(21)?,
            }),
            None => None,
        },
        cancel_reason: row.get(22)?,
        created_at: row.get(23)?,
        started_at: row.get(24)?,
        finished_at: row.get(25)?,
        run_seconds: row.get(26)?,
        segment_started_at: row.get(27)?,
        pid: row.get(28)?,
        pid_start_ticks: row.get::<_, Option<i64>>(29)?.map(|t| t.max(0) as u64),
        resume_checkpoint: row.get(30)?,
        restarts: row.get(31)?,
        validation_sha256: row.get(32)?,
        executor: {
            let raw: String = row.get(33)?;
            ExecutorKind::parse(&raw)
                .ok_or_else(|| conversion_error(33, format!("unknown executor {raw}")))?
        },
        slurm_job_id: row.get(34)?,
    })
}

impl JobRecord {
    /// Seconds the job has run, the current segment included.
    pub fn seconds_run(&self, now: DateTime<Utc>) -> f64 {
        let current = self
            .segment_started_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|start| (now - start.with_timezone(&Utc)).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0);
        self.run_seconds + current
    }

    /// The API's view of the job at `now` (cost and progress are computed, not stored).
    pub fn view(&self, now: DateTime<Utc>) -> JobView {
        let gpu_hours = self.seconds_run(now) / 3600.0 * f64::from(self.gpu.count);
        let progress = match (self.status, self.total_steps) {
            (JobStatus::Completed, _) => 100.0,
            (_, Some(total)) if total > 0 => {
                ((self.current_step as f64 / total as f64) * 100.0).clamp(0.0, 100.0)
            }
            _ => 0.0,
        };
        JobView {
            id: self.id.clone(),
            name: self.name.clone(),
            status: self.status,
            stage: self.stage.clone(),
            progress: (progress * 10.0).round() / 10.0,
            current_step: self.current_step,
            total_steps: self.total_steps,
            current_epoch: self.current_epoch,
            total_epochs: self.total_epochs,
            latest_metrics: self.latest_metrics.clone(),
            created_at: self.created_at.clone(),
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            cost_usd: gpu_hours * self.price_per_gpu_hour,
            price_per_gpu_hour: self.price_per_gpu_hour,
            error: self.error.clone(),
            cancel_reason: self.cancel_reason.clone(),
            restarts: self.restarts,
            resumed_from: self.resume_checkpoint.as_deref().map(|p| {
                std::path::Path::new(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            }),
            dataset_sha256: self.dataset_sha256.clone(),
            validation_dataset_sha256: self.validation_sha256.clone(),
            base_model: self.base_model.clone(),
            hyperparameters: self.hyperparameters.clone(),
            gpu: self.gpu.clone(),
            spot: self.spot,
            max_duration_hours: self.max_duration_hours,
            summary: self.summary.clone(),
            executor: ExecutorView {
                kind: self.executor,
                job_id: self.slurm_job_id.clone(),
            },
        }
    }
}

/// A job to insert.
pub struct NewJob {
    pub id: String,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body, to tell a retry from a different request under the same key.
    pub request_sha256: String,
    pub request: JobRequest,
    pub price_per_gpu_hour: f64,
}

/// What `insert` did.
pub enum Inserted {
    Created(Box<JobRecord>),
    /// The idempotency key was seen before; the earlier job.
    Existing(Box<JobRecord>),
}

/// Inserts the job unless its idempotency key is already taken, atomically.
pub fn insert(conn: &mut Connection, job: &NewJob) -> Result<Inserted, AgentError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(key) = &job.idempotency_key {
        let existing = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = ?1"),
                [key],
                from_row,
            )
            .optional()?;
        if let Some(existing) = existing {
            return Ok(Inserted::Existing(Box::new(existing)));
        }
    }
    let hyperparameters =
        serde_json::to_string(&job.request.hyperparameters).map_err(|e| AgentError::Other(e.to_string()))?;
    tx.execute(
        "INSERT INTO jobs (id, name, idempotency_key, request_sha256, status, dataset_sha256, base_model, \
         hyperparameters, gpu_type, gpu_count, spot, max_duration_hours, price_per_gpu_hour, created_at, \
         validation_sha256) \
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            job.id,
            job.request.name,
            job.idempotency_key,
            job.request_sha256,
            job.request.dataset_sha256,
            job.request.base_model,
            hyperparameters,
            job.request.gpu.gpu_type,
            job.request.gpu.count,
            job.request.spot,
            job.request.max_duration_hours,
            job.price_per_gpu_hour,
            super::now_text(),
            job.request.validation_dataset_sha256,
        ],
    )?;
    let created = tx.query_row(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
        [&job.id],
        from_row,
    )?;
    tx.commit()?;
    Ok(Inserted::Created(Box::new(created)))
}

/// The job with `id`.
pub fn get(conn: &Connection, id: &str) -> Result<Option<JobRecord>, AgentError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// Jobs, newest first, optionally only those with `status`.
pub fn list(conn: &Connection, status: Option<JobStatus>) -> Result<Vec<JobRecord>, AgentError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([status.map(JobStatus::as_str)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Jobs with one of `statuses`, oldest first (the queue's order).
pub fn with_status(conn: &Connection, statuses: &[JobStatus]) -> Result<Vec<JobRecord>, AgentError> {
    let mut all = Vec::new();
    for status in statuses {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs WHERE status = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([status.as_str()], from_row)?;
        all.extend(rows.collect::<Result<Vec<_>, _>>()?);
    }
    all.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    Ok(all)
}

/// Moves a queued job to `initializing` and starts its run segment; false if it was no longer queued.
pub fn claim(conn: &Connection, id: &str) -> Result<bool, AgentError> {
    let now = super::now_text();
    let changed = conn.execute(
        "UPDATE jobs SET status = 'initializing', stage = NULL, started_at = COALESCE(started_at, ?2), \
         segment_started_at = ?2 WHERE id = ?1 AND status = 'queued'",
        params![id, now],
    )?;
    Ok(changed == 1)
}

/// Records the trainer's process, so restart recovery can find it.
pub fn set_process(
    conn: &Connection,
    id: &str,
    pid: u32,
    start_ticks: Option<u64>,
) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET pid = ?2, pid_start_ticks = ?3 WHERE id = ?1",
        params![id, pid, start_ticks.map(|t| t as i64)],
    )?;
    Ok(())
}

/// Records a stage change; the training stage (or the first metrics) makes the job `running`.
pub fn set_stage(conn: &Connection, id: &str, stage: &str) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET stage = ?2, status = CASE WHEN status = 'initializing' AND ?2 IN ('training', 'validating', 'saving') \
         THEN 'running' ELSE status END WHERE id = ?1",
        params![id, stage],
    )?;
    Ok(())
}

/// Records the trainer's plan (total steps and epochs).
pub fn set_plan(
    conn: &Connection,
    id: &str,
    total_steps: Option<u64>,
    total_epochs: Option<f64>,
    plan: &serde_json::Value,
) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET total_steps = COALESCE(?2, total_steps), total_epochs = COALESCE(?3, total_epochs), \
         plan = ?4 WHERE id = ?1",
        params![id, total_steps.map(|s| s as i64), total_epochs, plan.to_string()],
    )?;
    Ok(())
}

/// Records the summary the trainer reported on completion.
pub fn set_summary(conn: &Connection, id: &str, summary: &serde_json::Value) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET summary = ?2 WHERE id = ?1",
        params![id, summary.to_string()],
    )?;
    Ok(())
}

/// Records why a cancel was asked for.
pub fn set_cancel_reason(conn: &Connection, id: &str, reason: Option<&str>) -> Result<(), AgentError> {
    conn.execute(
        "UPDATE jobs SET cancel_reason = COALESCE(?2, cancel_reason, 'cancelled by the user') WHERE id = ?1",
        params![id, reason],
    )?;
    Ok(())
}

/// Cancels a job that has not started; false if it was no longer queued.
pub fn cancel_queued(conn: &Connection, id: &str, reason: Option<&str>) -> Result<bool, AgentError> {
    let changed = conn.execute(
        "UPDATE jobs SET status = 'cancelled', finished_at = ?2, \
         cancel_reason = COALESCE(?3, 'cancelled by the user') WHERE id = ?1 AND status = 'queued'",
        params![id, super::now_text(), reason],
    )?;
    Ok(changed == 1)
}

/// Ends the job's run: final status, error, and the run segment added to its running time.
pub fn finish(
    conn: &Connection,
    job: &JobRecord,
    status: JobStatus,
    error: Option<&JobError>,
) -> Result<(), AgentError> {
    let now = Utc::now();
    conn.execute(
        "UPDATE jobs SET status = ?2, finished_at = ?3, run_seconds = ?4, segment_started_at = NULL, pid = NULL, \
         pid_start_ticks = NULL, error_kind = ?5, error_message = ?6, error_hint = ?7, \
         current_step = CASE WHEN ?2 = 'completed' THEN COALESCE(total_steps, current_step) ELSE current_step END \
         WHERE id = ?1",
        params![
            job.id,
            status.as_str(),
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            job.seconds_run(now),
            error.map(|e| e.kind.as_str()),
            error.map(|e| e.message.as_str()),
            error.and_then(|e| e.hint.as_deref()),
        ],
    )?;
    Ok(())
}

/// Puts a job back in the queue after an interrupted run, to resume from `checkpoint` (step `step`) or, with none,
/// from scratch. Metrics and checkpoints past the resume point are dropped: the trainer reports them again.
pub fn requeue(
    conn: &mut Connection,
    job: &JobRecord,
    checkpoint: Option<(&str, u64)>,
) -> Result<(), AgentError> {
    let now = Utc::now();
    let step = checkpoint.map(|(_, step)| step as i64).unwrap_or(0);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "DELETE FROM metrics_points WHERE job_id = ?1 AND step > ?2",
        params![job.id, step],
    )?;
    tx.execute(
        "DELETE FROM checkpoints WHERE job_id = ?1 AND step > ?2",
        params![job.id, step],
    )?;
    let latest: Option<String> = tx
        .query_row(
            "SELECT json_object('step', step, 'epoch', epoch, 'train_loss', train_loss, 'val_loss', val_loss, \
             'learning_rate', learning_rate, 'grad_norm', grad_norm, 'tokens_per_second', tokens_per_second, \
             'gpu_utilization', gpu_utilization, 'gpu_memory_gb', gpu_memory_gb, 'timestamp', timestamp) \
             FROM metrics_points WHERE job_id = ?1 ORDER BY step DESC LIMIT 1",
            [&job.id],
            |row| row.get(0),
        )
        .optional()?;
    tx.execute(
        "UPDATE jobs SET status = 'queued', stage = NULL, run_seconds = ?2, segment_started_at = NULL, pid = NULL, \
         pid_start_ticks = NULL, resume_checkpoint = ?3, restarts = restarts + 1, current_step = ?4, \
         latest_metrics = ?5 WHERE id = ?1",
        params![
            job.id,
            job.seconds_run(now),
            checkpoint.map(|(path, _)| path),
            step,
            latest
        ],
    )?;
    tx.commit()?;
    Ok(())
}
