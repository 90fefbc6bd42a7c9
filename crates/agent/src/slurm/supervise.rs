//! Runs one job as a Slurm batch job: writes its folder on the shared filesystem, submits it, follows the
//! trainer's JSON lines from the job's output file and Slurm's state, and settles the job when Slurm ends it.
//! The agent may stop and start again meanwhile: the Slurm job id is in the database, and `attach` resumes
//! following it (the output file is read again from the start; every write is idempotent).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use super::commands::{self, SlurmJob};
use super::{script, sinfo};
use crate::api::{JobError, JobStatus, MetricsPoint};
use crate::db::jobs::JobRecord;
use crate::db::{self, checkpoints};
use crate::error::AgentError;
use crate::jobs::events::{self, Line};
use crate::jobs::files::{self, JobFiles};
use crate::jobs::runner::{finish, handle_line, write_metrics, Outcome};
use crate::state::{lock, AppState, StopRequest};

/// The trainer's stdout under Slurm (`--output`), in the job's folder.
pub fn events_path(files: &JobFiles) -> PathBuf {
    files.dir.join("events.jsonl")
}

/// Submits `job` (or follows it, when it already has a Slurm job id) until it ends or the agent stops.
pub async fn run(state: Arc<AppState>, job: JobRecord, stop_rx: watch::Receiver<Option<StopRequest>>) {
    let files = JobFiles::new(&state.paths, &job.id);
    if let Err(err) = supervise(&state, &job, &files, stop_rx).await {
        tracing::error!("job {}: {err}", job.id);
        files.note(&format!("the agent could not follow the Slurm job: {err}"));
        let failure = JobError {
            kind: "internal".into(),
            message: "the agent could not follow the Slurm job".into(),
            hint: Some("see the agent's log".into()),
        };
        for delay_ms in [0u64, 500, 1000, 2000, 4000] {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            if finish(&state, &job.id, JobStatus::Failed, Some(failure.clone()))
                .await
                .is_ok()
            {
                break;
            }
        }
    }
    lock(&state.running).remove(&job.id);
    state.scheduler.notify_one();
}

async fn supervise(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    stop_rx: watch::Receiver<Option<StopRequest>>,
) -> Result<(), AgentError> {
    let slurm_id = match &job.slurm_job_id {
        Some(id) => {
            files.note(&format!("following Slurm job {id} again"));
            id.clone()
        }
        None => match submit(state, job, files).await? {
            Some(id) => id,
            None => return Ok(()),
        },
    };
    follow(state, job, files, &slurm_id, stop_rx).await
}

fn fail(kind: &str, message: String, hint: &str) -> JobError {
    JobError {
        kind: kind.into(),
        message,
        hint: Some(hint.into()),
    }
}

/// Hard-links `source` into the job's folder (a copy across filesystems), so compute nodes read it from the
/// shared filesystem.
fn share(source: &Path, target: &Path) -> std::io::Result<()> {
    if target.is_file() {
        return Ok(());
    }
    let tmp = target.with_extension("part");
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(source, &tmp).is_err() {
        std::fs::copy(source, &tmp)?;
    }
    std::fs::rename(&tmp, target)
}

/// Writes the job's folder and batch script and submits it; None when the job failed before Slurm had it.
async fn submit(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
) -> Result<Option<String>, AgentError> {
    let config = &state.config.slurm;
    let id = job.id.clone();
    let still_queued = state
        .db
        .write(move |conn| {
            super::db::mark_slurm(conn, &id)?;
            Ok(db::jobs::get(conn, &id)?.is_some_and(|j| j.status == JobStatus::Queued))
        })
        .await?;
    if !still_queued {
        // Cancelled before it reached Slurm.
        return Ok(None);
    }
    let dataset = state.paths.dataset(&job.dataset_sha256);
    let validation = job.validation_sha256.as_ref().map(|sha| state.paths.dataset(sha));
    if let Some(sha) = std::iter::once((&job.dataset_sha256, &dataset))
        .chain(job.validation_sha256.iter().zip(validation.iter()))
        .find(|(_, path)| !path.is_file())
        .map(|(sha, _)| sha.clone())
    {
        let failure = fail(
            "dataset_missing",
            format!("dataset {sha} is no longer on the agent"),
            "upload the dataset again and submit a new job",
        );
        files.note(&failure.message);
        finish(state, &job.id, JobStatus::Failed, Some(failure)).await?;
        return Ok(None);
    }
    std::fs::create_dir_all(&files.output).map_err(|e| AgentError::io("cannot create the job folder", e))?;
    // With a shared folder apart from the data folder, the nodes read the datasets from the job's folder.
    let (dataset, validation) = if config.shared_dir.is_some() {
        let shared = files.dir.join("train.jsonl");
        share(&dataset, &shared)
            .map_err(|e| AgentError::io("cannot copy the dataset to the shared folder", e))?;
        let shared_validation = match &validation {
            Some(path) => {
                let target = files.dir.join("validation.jsonl");
                share(path, &target)
                    .map_err(|e| AgentError::io("cannot copy the validation file to the shared folder", e))?;
                Some(target)
            }
            None => None,
        };
        (shared, shared_validation)
    } else {
        (dataset, validation)
    };
    let base_model = files::resolve_base_model(&state.paths, &job.base_model);
    // Slurm sets CUDA_VISIBLE_DEVICES on the node; the job file's copy is informational.
    files::write_job_json(files, job, &dataset, validation.as_deref(), &base_model, "")
        .map_err(|e| AgentError::io("cannot write job.json", e))?;

    let partition = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || sinfo::query(&config))
            .await
            .map_err(|e| AgentError::Task(e.to_string()))?
    };
    let layout = partition.and_then(|p| {
        script::layout(
            &job.gpu.gpu_type,
            job.gpu.count,
            p.gpus_per_node(&job.gpu.gpu_type),
        )
    });
    let layout = match layout {
        Ok(layout) => layout,
        Err(message) => {
            let failure = fail(
                "slurm_submit_failed",
                message,
                "ask for a GPU type and count the partition has (GET /v1/capabilities)",
            );
            files.note(&failure.message);
            finish(state, &job.id, JobStatus::Failed, Some(failure)).await?;
            return Ok(None);
        }
    };
    let time_minutes = time_limit_minutes(job, &config.time_limit).0;
    let events = events_path(files);
    let python = config.python.clone().unwrap_or_else(|| state.python.clone());
    let body = script::render(
        &script::ScriptJob {
            job_id: &job.id,
            dir: &files.dir,
            job_json: &files.job_json,
            events: &events,
            log: &files.log,
            gpu_type: &job.gpu.gpu_type,
            layout,
            time_minutes,
            python: &python,
        },
        config,
    );
    let script_path = files.dir.join("slurm.sh");
    std::fs::write(&script_path, body).map_err(|e| AgentError::io("cannot write the batch script", e))?;

    // An agent that died right after sbatch left a Slurm job without its id in the database: adopt it.
    let submitted = match commands::find_by_name(&script::job_name(&job.id)).await {
        Ok(Some(existing)) => {
            files.note(&format!("found this job already in Slurm as job {existing}"));
            Ok(existing)
        }
        _ => commands::sbatch(&script_path).await,
    };
    let slurm_id = match submitted {
        Ok(id) => id,
        Err(message) => {
            let failure = fail(
                "slurm_submit_failed",
                format!("Slurm refused the job: {message}"),
                "check the agent's [slurm] settings (partition, account, qos, time_limit) with the cluster's \
                 administrators",
            );
            files.note(&failure.message);
            finish(state, &job.id, JobStatus::Failed, Some(failure)).await?;
            return Ok(None);
        }
    };
    files.note(&format!(
        "submitted to Slurm as job {slurm_id} ({} node(s) × {} {}, time limit {})",
        layout.nodes,
        layout.per_node,
        if layout.gpus {
            job.gpu.gpu_type.as_str()
        } else {
            "CPU process(es)"
        },
        script::format_minutes(time_minutes)
    ));
    let (id, sid) = (job.id.clone(), slurm_id.clone());
    state
        .db
        .write(move |conn| super::db::set_slurm_job(conn, &id, &sid))
        .await?;
    Ok(Some(slurm_id))
}

/// The job's `--time` in minutes, and whether it is the job's own `max_duration_hours` (rather than the
/// operator's `slurm.time_limit`, which is used when shorter).
fn time_limit_minutes(job: &JobRecord, configured: &Option<String>) -> (u64, bool) {
    let remaining = (job.max_duration_hours * 3600.0 - job.seconds_run(chrono::Utc::now())).max(60.0);
    let own = (remaining / 60.0).ceil() as u64;
    match configured.as_deref().and_then(script::parse_minutes) {
        Some(limit) if limit < own => (limit, false),
        _ => (own, true),
    }
}

/// Reads what the trainer appended to the output file since `offset`; complete lines only.
struct EventReader {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl EventReader {
    fn read_lines(&mut self) -> Vec<String> {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return Vec::new();
        };
        let mut bytes = Vec::new();
        if file.seek(SeekFrom::Start(self.offset)).is_err() || file.read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// Where following the job stands.
struct Follow {
    outcome: Outcome,
    pending: Vec<MetricsPoint>,
    /// The Slurm restart (requeue) this agent has already put the job back in the queue for.
    handled_restart: u32,
    cancel_sent: bool,
    last_state: String,
    last_reason: Option<String>,
    /// Polls in a row that saw a state Slurm may still requeue from (PREEMPTED, NODE_FAIL).
    settling: u32,
    /// The attempt whose lines are being read, and the newest attempt the file held when following started:
    /// re-read metrics of an attempt that a later one superseded are skipped (they would undo the requeue).
    attempt: u32,
    newest_attempt: u32,
}

async fn follow(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    slurm_id: &str,
    mut stop_rx: watch::Receiver<Option<StopRequest>>,
) -> Result<(), AgentError> {
    let config = &state.config.slurm;
    let mut reader = EventReader {
        path: events_path(files),
        offset: 0,
        partial: Vec::new(),
    };
    let mut f = Follow {
        outcome: Outcome::default(),
        pending: Vec::new(),
        handled_restart: job.restarts,
        cancel_sent: false,
        last_state: String::new(),
        last_reason: None,
        settling: 0,
        attempt: 0,
        newest_attempt: {
            let path = reader.path.clone();
            tokio::task::spawn_blocking(move || newest_attempt(&path))
                .await
                .map_err(|e| AgentError::Task(e.to_string()))?
        },
    };
    let mut read_tick = tokio::time::interval(Duration::from_millis(500));
    read_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(Duration::from_secs_f64(config.poll_seconds.max(0.2)));
    poll.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut flush = tokio::time::interval(Duration::from_millis(state.config.metrics_flush_ms.max(10)));
    flush.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut unknown = 0u32;
    let mut unreachable_noted = false;

    let ended: Option<SlurmJob> = loop {
        tokio::select! {
            _ = read_tick.tick() => read_events(state, job, files, &mut reader, &mut f).await?,
            _ = flush.tick() => write_metrics(state, &job.id, &mut f.pending).await?,
            _ = poll.tick() => match commands::job(slurm_id).await {
                Ok(Some(slurm)) => {
                    unreachable_noted = false;
                    unknown = 0;
                    if on_state(state, job, files, slurm_id, &slurm, &mut f).await? {
                        break Some(slurm);
                    }
                }
                Ok(None) => {
                    unknown += 1;
                    if unknown >= 3 {
                        break None;
                    }
                }
                Err(err) => {
                    if !unreachable_noted {
                        files.note(&format!("cannot ask Slurm about job {slurm_id} (trying again): {err}"));
                        unreachable_noted = true;
                    }
                }
            },
            changed = stop_rx.changed(), if !f.cancel_sent => {
                let request = if changed.is_ok() { stop_rx.borrow().clone() } else { Some(StopRequest::Shutdown) };
                match request {
                    Some(StopRequest::Cancel) => {
                        files.note(&format!("cancel requested: scancel {slurm_id} (the trainer gets SIGTERM and saves a checkpoint)"));
                        if let Err(err) = commands::scancel(slurm_id).await {
                            files.note(&format!("scancel failed: {err}"));
                        }
                        f.cancel_sent = true;
                    }
                    Some(StopRequest::Shutdown) => {
                        write_metrics(state, &job.id, &mut f.pending).await?;
                        files.note(&format!(
                            "the agent is stopping; Slurm job {slurm_id} keeps running and is followed again on the next start"
                        ));
                        return Ok(());
                    }
                    None => {}
                }
            }
        }
    };
    // The output file may trail the job's end on a shared filesystem: read it once more after a moment.
    read_events(state, job, files, &mut reader, &mut f).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    read_events(state, job, files, &mut reader, &mut f).await?;
    write_metrics(state, &job.id, &mut f.pending).await?;
    settle(state, job, files, slurm_id, ended, f).await
}

async fn read_events(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    reader: &mut EventReader,
    f: &mut Follow,
) -> Result<(), AgentError> {
    let path = reader.path.clone();
    let (lines, back) = tokio::task::spawn_blocking({
        let mut taken = EventReader {
            path,
            offset: reader.offset,
            partial: std::mem::take(&mut reader.partial),
        };
        move || (taken.read_lines(), taken)
    })
    .await
    .map_err(|e| AgentError::Task(e.to_string()))?;
    reader.offset = back.offset;
    reader.partial = back.partial;
    for line in lines {
        if let Some(restart) = attempt_restart(&line) {
            // A new attempt of the batch job: what the previous one said (often `cancelled` on SIGTERM) is over.
            f.outcome = Outcome::default();
            f.attempt = restart;
            if restart > f.handled_restart {
                requeued(state, job, files, restart, f).await?;
            }
            continue;
        }
        let superseded = f.attempt < f.newest_attempt;
        if superseded
            && matches!(events::parse(&line), Line::Event(event, _) if event.metrics_point().is_some())
        {
            continue;
        }
        handle_line(state, &job.id, files, &line, &mut f.pending, &mut f.outcome).await?;
    }
    Ok(())
}

/// The newest attempt (`slurm_attempt` line) in the output file; 0 when there is none.
fn newest_attempt(path: &Path) -> u32 {
    std::fs::read_to_string(path)
        .map(|text| text.lines().filter_map(attempt_restart).max().unwrap_or(0))
        .unwrap_or(0)
}

/// `restart` of the batch script's first line (`{"event":"slurm_attempt","restart":N,...}`).
fn attempt_restart(line: &str) -> Option<u32> {
    if !line.contains("\"slurm_attempt\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    (value.get("event")?.as_str()? == "slurm_attempt")
        .then(|| value.get("restart").and_then(|r| r.as_u64()).unwrap_or(0) as u32)
}

/// Slurm requeued the job (preemption, node failure, `scontrol requeue`): it is queued again and its next
/// attempt resumes from the last checkpoint (the batch script picks it); later metrics are dropped.
async fn requeued(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    restart: u32,
    f: &mut Follow,
) -> Result<(), AgentError> {
    f.handled_restart = restart;
    write_metrics(state, &job.id, &mut f.pending).await?;
    let id = job.id.clone();
    let step = state
        .db
        .write(move |conn| {
            let Some(current) = db::jobs::get(conn, &id)? else {
                return Ok(None);
            };
            if !current.status.is_active() {
                return Ok(None);
            }
            let latest = checkpoints::latest(conn, &id)?.filter(|c| Path::new(&c.path).is_dir());
            db::jobs::requeue(conn, &current, latest.as_ref().map(|c| (c.path.as_str(), c.step)))?;
            Ok(Some(latest.map(|c| c.step)))
        })
        .await?;
    if let Some(step) = step {
        files.note(&match step {
            Some(step) => format!("Slurm requeued the job; it resumes from the checkpoint at step {step}"),
            None => "Slurm requeued the job; it starts again (no checkpoint yet)".into(),
        });
    }
    Ok(())
}

/// States after which a job no longer runs.
const ENDED: &[&str] = &[
    "COMPLETED",
    "FAILED",
    "TIMEOUT",
    "OUT_OF_MEMORY",
    "CANCELLED",
    "NODE_FAIL",
    "PREEMPTED",
    "BOOT_FAIL",
    "DEADLINE",
    "REVOKED",
    "SPECIAL_EXIT",
];

/// Applies Slurm's state to the job; true once the job has ended.
async fn on_state(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    slurm_id: &str,
    slurm: &SlurmJob,
    f: &mut Follow,
) -> Result<bool, AgentError> {
    let changed = slurm.state != f.last_state || slurm.reason != f.last_reason;
    f.last_state = slurm.state.clone();
    f.last_reason = slurm.reason.clone();
    let id = job.id.clone();
    let current = state.db.read(move |conn| db::jobs::get(conn, &id)).await?;
    let status = current.as_ref().map(|j| j.status);
    match slurm.state.as_str() {
        "PENDING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" | "CONFIGURING" | "RESV_DEL_HOLD" => {
            if matches!(status, Some(JobStatus::Initializing | JobStatus::Running))
                && slurm.restarts > f.handled_restart
            {
                requeued(state, job, files, slurm.restarts, f).await?;
            }
            if changed {
                files.note(&format!(
                    "Slurm job {slurm_id} is {} ({})",
                    slurm.state.to_lowercase(),
                    slurm.reason.as_deref().unwrap_or("waiting for resources")
                ));
            }
        }
        "RUNNING" | "COMPLETING" | "SUSPENDED" | "STOPPED" | "SIGNALING" | "STAGE_OUT" | "RESIZING" => {
            if slurm.restarts > f.handled_restart
                && matches!(status, Some(JobStatus::Initializing | JobStatus::Running))
            {
                requeued(state, job, files, slurm.restarts, f).await?;
            }
            // COMPLETING is also the tail of a requeued attempt: only RUNNING starts the job (again).
            let claimed = if slurm.state == "RUNNING" {
                let id = job.id.clone();
                state.db.write(move |conn| db::jobs::claim(conn, &id)).await?
            } else {
                false
            };
            if claimed || changed {
                files.note(&format!(
                    "Slurm job {slurm_id} is {} on {}",
                    slurm.state.to_lowercase(),
                    slurm.nodes.as_deref().unwrap_or("its nodes")
                ));
            }
        }
        ended if ENDED.contains(&ended) => {
            // Slurm may still requeue a preempted job or one whose node failed: wait for a second look.
            if matches!(ended, "PREEMPTED" | "NODE_FAIL") && f.settling < 2 {
                f.settling += 1;
                return Ok(false);
            }
            return Ok(true);
        }
        other => {
            if changed {
                files.note(&format!("Slurm job {slurm_id} is {other}"));
            }
        }
    }
    f.settling = 0;
    Ok(false)
}

/// Decides the job's final state from Slurm's and what the trainer said.
async fn settle(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    slurm_id: &str,
    ended: Option<SlurmJob>,
    f: Follow,
) -> Result<(), AgentError> {
    let outcome = f.outcome;
    let slurm_state = ended.as_ref().map(|s| s.state.as_str()).unwrap_or("UNKNOWN");
    let exit = ended
        .as_ref()
        .and_then(|s| s.exit_code.clone())
        .unwrap_or_else(|| "unknown".into());
    files.note(&format!(
        "Slurm job {slurm_id} ended: {slurm_state} (exit code {exit})"
    ));
    let adapter = files.adapter().join("adapter_model.safetensors").is_file();
    let nodes = ended
        .as_ref()
        .and_then(|s| s.nodes.clone())
        .unwrap_or_else(|| "its node".into());
    let trainer_error = outcome.error.clone();
    let signalled = outcome.cancelled && trainer_error.is_none();
    let (status, error) = if outcome.completed && adapter && matches!(slurm_state, "COMPLETED" | "UNKNOWN") {
        (JobStatus::Completed, None)
    } else if f.cancel_sent {
        (JobStatus::Cancelled, None)
    } else {
        let error = match slurm_state {
            "COMPLETED" if outcome.completed => fail(
                "missing_artifacts",
                "the trainer reported completion but the adapter is missing".into(),
                "see the job's logs",
            ),
            "TIMEOUT" => time_limit_error(job, state),
            // The trainer stopped on a SIGTERM nobody in BrightRun sent: Slurm's `--signal` ahead of the time
            // limit (the trainer saved a checkpoint and exited, so Slurm saw no timeout), or someone else's.
            "FAILED" | "COMPLETED" if signalled => {
                let near_limit = ended
                    .as_ref()
                    .and_then(|s| Some(s.limit_seconds?.saturating_sub(s.run_seconds?)))
                    .is_some_and(|left| left <= u64::from(state.config.slurm.signal_seconds) + 60);
                if near_limit {
                    time_limit_error(job, state)
                } else {
                    fail(
                        "slurm_signalled",
                        format!(
                            "the trainer of Slurm job {slurm_id} got SIGTERM from outside BrightRun (scancel \
                             --signal, or Slurm) and stopped; its last checkpoint is kept"
                        ),
                        "submit the job again; ask the cluster's administrators if this repeats",
                    )
                }
            }
            "OUT_OF_MEMORY" => fail(
                "out_of_memory",
                "Slurm stopped the job: it used more host memory than its allocation".into(),
                "lower batch_size or max_seq_len, or have the operator add a larger --mem to slurm.extra_sbatch",
            ),
            "NODE_FAIL" => fail(
                "node_failure",
                format!("Slurm reported a failure of {nodes} while the job ran"),
                "submit the job again; the last checkpoint is kept on the shared folder",
            ),
            "PREEMPTED" => fail(
                "preempted",
                "a job of higher priority preempted this one and Slurm did not requeue it".into(),
                "submit the job again, or ask for a partition or QoS that is not preempted",
            ),
            "CANCELLED" => fail(
                "slurm_cancelled",
                format!("Slurm job {slurm_id} was cancelled outside BrightRun (scancel by its owner or an administrator)"),
                "the last checkpoint is kept; submit the job again if it should run",
            ),
            "FAILED" => fail(
                "internal",
                format!("the Slurm job failed (exit code {exit}) without a report from the trainer"),
                "see the job's logs (GET /v1/jobs/{id}/logs)",
            ),
            "COMPLETED" => fail(
                "internal",
                "the Slurm job ended but the trainer reported no result".into(),
                "see the job's logs (GET /v1/jobs/{id}/logs)",
            ),
            "UNKNOWN" => fail(
                "slurm_lost",
                format!("Slurm no longer knows job {slurm_id} and the trainer reported no result"),
                "see the job's logs; submit the job again",
            ),
            other => fail(
                "slurm",
                format!("Slurm ended the job: {other}"),
                "see the job's logs and ask the cluster's administrators",
            ),
        };
        // The trainer's own error explains more than Slurm's state (an exit code, say), except for the states
        // Slurm itself caused.
        let error = match (&trainer_error, slurm_state) {
            (Some(trainer), "FAILED" | "COMPLETED") => trainer.clone(),
            _ => error,
        };
        (JobStatus::Failed, Some(error))
    };
    files.note(&format!("job {}", status.as_str()));
    if status == JobStatus::Cancelled {
        let id = job.id.clone();
        state
            .db
            .write(move |conn| db::jobs::set_cancel_reason(conn, &id, None))
            .await?;
    }
    finish(state, &job.id, status, error).await
}

/// The job hit its time limit: the job's own (`max_duration`) or the operator's (`time_limit`).
fn time_limit_error(job: &JobRecord, state: &AppState) -> JobError {
    if time_limit_minutes(job, &state.config.slurm.time_limit).1 {
        fail(
            "max_duration",
            format!(
                "Slurm stopped the job at its time limit ({} h, the job's max_duration_hours)",
                job.max_duration_hours
            ),
            "raise max_duration_hours, or lower num_epochs / max_steps; the last checkpoint is kept",
        )
    } else {
        fail(
            "time_limit",
            "Slurm stopped the job at the time limit the agent's operator set (slurm.time_limit)".into(),
            "lower num_epochs / max_steps, or ask the operator for a longer slurm.time_limit; the last checkpoint \
             is kept",
        )
    }
}

/// After a restart of the agent: follows every Slurm job it had submitted that has not ended.
pub async fn attach_all(state: &Arc<AppState>) -> Result<(), AgentError> {
    let jobs = state
        .db
        .read(|conn| {
            db::jobs::with_status(
                conn,
                &[JobStatus::Queued, JobStatus::Initializing, JobStatus::Running],
            )
        })
        .await?;
    for job in jobs.into_iter().filter(|j| j.slurm_job_id.is_some()) {
        tracing::info!(
            "following Slurm job {} of job {} again",
            job.slurm_job_id.as_deref().unwrap_or(""),
            job.id
        );
        let (stop_tx, stop_rx) = watch::channel(None);
        lock(&state.running).insert(job.id.clone(), stop_tx);
        tokio::spawn(run(Arc::clone(state), job, stop_rx));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_whole_lines_and_spots_new_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(
            &path,
            "{\"event\":\"slurm_attempt\",\"restart\":1}\n{\"event\":\"sta",
        )
        .unwrap();
        let mut reader = EventReader {
            path: path.clone(),
            offset: 0,
            partial: Vec::new(),
        };
        let lines = reader.read_lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(attempt_restart(&lines[0]), Some(1));
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"ge\",\"stage\":\"training\"}\n")
            .unwrap();
        assert_eq!(
            reader.read_lines(),
            ["{\"event\":\"stage\",\"stage\":\"training\"}"]
        );
        assert_eq!(attempt_restart("{\"event\":\"stage\"}"), None);
        assert_eq!(newest_attempt(&path), 1);
        assert_eq!(newest_attempt(&dir.path().join("missing")), 0);
    }
}
