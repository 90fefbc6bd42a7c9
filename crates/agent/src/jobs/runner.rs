//! Runs one job's trainer: starts it in its own process group, turns its stdout events into job state and
//! batched metrics, copies its stderr to the job's log, and stops it on cancel, shutdown or max duration.

use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::watch;
use tokio::time::{sleep_until, Instant, MissedTickBehavior};

use super::events::{self, Line, TrainerEvent};
use super::files::{self, JobFiles};
use crate::api::{JobError, JobStatus, MetricsPoint};
use crate::db::jobs::JobRecord;
use crate::db::{self, checkpoints};
use crate::error::AgentError;
use crate::gpu::{self, Device};
use crate::proc::{self, Signal};
use crate::state::{lock, AppState, StopRequest};

/// Metrics are written when this many are waiting, or at the flush interval, whichever comes first.
const METRICS_BATCH: usize = 64;

/// Niceness of a trainer that runs on the CPU.
#[cfg(unix)]
const CPU_TRAINER_NICE: i32 = 10;

/// Why the agent itself stopped the trainer.
#[derive(Clone, Debug, PartialEq)]
enum Stop {
    Cancel,
    Shutdown,
    MaxDuration,
}

/// What the trainer said before it exited.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) completed: bool,
    pub(crate) cancelled: bool,
    pub(crate) error: Option<JobError>,
}

/// Runs `job` on `devices` to its end, then frees the devices and wakes the scheduler.
pub async fn run(
    state: Arc<AppState>,
    job: JobRecord,
    devices: Vec<Device>,
    stop_rx: watch::Receiver<Option<StopRequest>>,
) {
    let files = JobFiles::new(&state.paths, &job.id);
    if let Err(err) = supervise(&state, &job, &devices, &files, stop_rx).await {
        tracing::error!("job {}: {err}", job.id);
        files.note(&format!("the agent could not supervise the trainer: {err}"));
        let failure = JobError {
            kind: "internal".into(),
            message: "the agent could not supervise the trainer".into(),
            hint: Some("see the agent's log".into()),
        };
        // The failure may be the disk or the database itself: try again for a while before leaving the job to
        // restart recovery.
        for delay_ms in [0u64, 500, 1000, 2000, 4000, 8000] {
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
    lock(&state.allocator).release(&job.id);
    state.scheduler.notify_one();
}

pub(crate) async fn finish(
    state: &Arc<AppState>,
    job_id: &str,
    status: JobStatus,
    error: Option<JobError>,
) -> Result<(), AgentError> {
    let id = job_id.to_string();
    state
        .db
        .write(move |conn| {
            if let Some(job) = db::jobs::get(conn, &id)? {
                db::jobs::finish(conn, &job, status, error.as_ref())?;
            }
            Ok(())
        })
        .await
}

async fn supervise(
    state: &Arc<AppState>,
    job: &JobRecord,
    devices: &[Device],
    files: &JobFiles,
    stop_rx: watch::Receiver<Option<StopRequest>>,
) -> Result<(), AgentError> {
    let dataset = state.paths.dataset(&job.dataset_sha256);
    let validation = job.validation_sha256.as_ref().map(|sha| state.paths.dataset(sha));
    let missing = std::iter::once((&job.dataset_sha256, &dataset))
        .chain(job.validation_sha256.iter().zip(validation.iter()))
        .find(|(_, path)| !path.is_file())
        .map(|(sha, _)| sha.clone());
    if let Some(sha) = missing {
        let failure = JobError {
            kind: "dataset_missing".into(),
            message: format!("dataset {sha} is no longer on the agent"),
            hint: Some("upload the dataset again and submit a new job".into()),
        };
        files.note(&failure.message);
        return finish(state, &job.id, JobStatus::Failed, Some(failure)).await;
    }
    let cuda = gpu::cuda_visible_devices(devices);
    let base_model = files::resolve_base_model(&state.paths, &job.base_model);
    files::write_job_json(files, job, &dataset, validation.as_deref(), &base_model, &cuda)
        .map_err(|e| AgentError::io("cannot write job.json", e))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&files.log)
        .map_err(|e| AgentError::io("cannot open the job log", e))?;
    files.note(&match &job.resume_checkpoint {
        Some(checkpoint) => format!("starting the trainer, resuming from {checkpoint}"),
        None => "starting the trainer".to_string(),
    });

    let mut command = Command::new(&state.python);
    command
        // -I: the job folder (the current directory) and PYTHON* variables never decide what is imported.
        .args(["-I", "-m", "brightrun_trainer", "--job"])
        .arg(&files.job_json)
        .current_dir(&files.dir)
        // An allow-listed environment: the agent's own (tokens, keys, proxies of its operator) stays with it.
        .env_clear()
        .envs(trainer_environment())
        .env("CUDA_VISIBLE_DEVICES", &cuda)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(false);
    own_process_group(&mut command, devices.iter().all(|d| d.gpu_type == "cpu"));
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let failure = JobError {
                kind: "trainer_unavailable".into(),
                message: format!("cannot start the trainer with {}: {err}", state.python.display()),
                hint: Some(
                    "install the trainer (scripts/setup-python.sh) and point --python or BRIGHTRUN_PYTHON at \
                     its python"
                        .into(),
                ),
            };
            files.note(&failure.message);
            return finish(state, &job.id, JobStatus::Failed, Some(failure)).await;
        }
    };
    let pid = child.id().unwrap_or(0);
    let grace = Duration::from_secs(state.config.cancel_grace_seconds);
    let watched = watch(state, job, files, &mut child, pid, stop_rx).await;
    // Whatever happened (a full disk failing a database write included), the trainer's whole process group is
    // gone before this returns and `run` releases its devices to the next job.
    stop_group(&mut child, pid, grace, files).await;
    let (stop, outcome, exit) = watched?;
    settle(state, job, files, stop, outcome, exit).await
}

/// Variables the trainer may inherit from the agent: what Python, PyTorch, CUDA and Hugging Face need to find
/// their files and run offline. Everything else (secrets, tokens of the operator's shell) is dropped.
const TRAINER_ENV_ALLOWED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "CUDA_HOME",
    "CUDA_PATH",
    "NVIDIA_DRIVER_CAPABILITIES",
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_CACHE",
    "XDG_CACHE_HOME",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TOKENIZERS_PARALLELISM",
    "PYTORCH_CUDA_ALLOC_CONF",
    "NCCL_DEBUG",
    "NCCL_SOCKET_IFNAME",
    "NCCL_P2P_DISABLE",
    "NCCL_IB_DISABLE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "VIRTUAL_ENV",
];

/// The allowed variables of the agent's environment, plus any `BRIGHTRUN_TRAINER_*` the operator set on purpose.
/// The generation worker and the merge run with the same environment (and `python -I`) as the trainer.
pub(crate) fn trainer_environment() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    std::env::vars_os()
        .filter(|(name, _)| {
            name.to_str().is_some_and(|name| {
                TRAINER_ENV_ALLOWED.contains(&name) || name.starts_with("BRIGHTRUN_TRAINER_")
            })
        })
        .collect()
}

/// What the trainer's run came to: why the agent stopped it, what it said, how it exited.
type Watched = (Option<Stop>, Outcome, Option<ExitStatus>);

/// Follows the running trainer to its exit: its events, metrics, stop requests and deadline.
async fn watch(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    child: &mut tokio::process::Child,
    pid: u32,
    mut stop_rx: watch::Receiver<Option<StopRequest>>,
) -> Result<Watched, AgentError> {
    let ticks = proc::start_ticks(pid);
    let id = job.id.clone();
    state
        .db
        .write(move |conn| db::jobs::set_process(conn, &id, pid, ticks))
        .await?;

    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| AgentError::Other("the trainer's stdout is missing".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let grace = Duration::from_secs(state.config.cancel_grace_seconds);
    let remaining = (job.max_duration_hours * 3600.0 - job.seconds_run(chrono::Utc::now())).max(0.0);
    let deadline = Instant::now() + Duration::from_secs_f64(remaining);
    let mut flush = tokio::time::interval(Duration::from_millis(state.config.metrics_flush_ms.max(10)));
    flush.set_missed_tick_behavior(MissedTickBehavior::Skip);

    let mut pending: Vec<MetricsPoint> = Vec::new();
    let mut outcome = Outcome::default();
    let mut stop: Option<Stop> = None;
    let mut kill_at: Option<Instant> = None;
    let mut exit: Option<std::io::Result<ExitStatus>> = None;
    let mut stdout_open = true;

    while stdout_open || exit.is_none() {
        tokio::select! {
            line = lines.next_line(), if stdout_open => match line {
                Ok(Some(line)) => {
                    handle_line(state, &job.id, files, &line, &mut pending, &mut outcome).await?;
                    if pending.len() >= METRICS_BATCH {
                        write_metrics(state, &job.id, &mut pending).await?;
                    }
                }
                Ok(None) => stdout_open = false,
                Err(err) => {
                    files.note(&format!("cannot read the trainer's stdout: {err}"));
                    stdout_open = false;
                }
            },
            status = child.wait(), if exit.is_none() => {
                exit = Some(status);
                // Workers the trainer left behind would hold the pipe open (and the GPU): end the group.
                proc::signal_group(pid, Signal::Kill);
            }
            _ = flush.tick() => write_metrics(state, &job.id, &mut pending).await?,
            changed = stop_rx.changed(), if stop.is_none() => {
                let request = if changed.is_ok() { stop_rx.borrow().clone() } else { Some(StopRequest::Shutdown) };
                if let Some(request) = request {
                    let (why, reason) = match request {
                        StopRequest::Cancel => (Stop::Cancel, "cancel requested"),
                        StopRequest::Shutdown => (Stop::Shutdown, "the agent is shutting down"),
                    };
                    files.note(&format!("{reason}: sending SIGTERM to the trainer"));
                    proc::signal_group(pid, Signal::Term);
                    stop = Some(why);
                    kill_at = Some(Instant::now() + grace);
                }
            }
            _ = sleep_until(deadline), if stop.is_none() => {
                files.note(&format!("max duration of {} h reached: sending SIGTERM", job.max_duration_hours));
                proc::signal_group(pid, Signal::Term);
                stop = Some(Stop::MaxDuration);
                kill_at = Some(Instant::now() + grace);
            }
            _ = sleep_until(kill_at.unwrap_or(deadline)), if kill_at.is_some() && exit.is_none() => {
                files.note("the trainer did not stop within the grace period: sending SIGKILL");
                proc::signal_group(pid, Signal::Kill);
                kill_at = None;
            }
        }
    }
    write_metrics(state, &job.id, &mut pending).await?;
    let exit = exit.and_then(Result::ok);
    files.note(&format!(
        "the trainer exited ({})",
        exit.map(describe_exit).unwrap_or_else(|| "status unknown".into())
    ));
    Ok((stop, outcome, exit))
}

/// How long the group's last processes may take to disappear after SIGKILL (a process in uninterruptible
/// disk sleep dies only when its I/O returns).
const GROUP_EXIT_WAIT: Duration = Duration::from_secs(30);

/// Stops the trainer's process group if anything of it still runs: SIGTERM, SIGKILL after `grace`, then waits
/// for the trainer and every process of its group to be gone.
async fn stop_group(child: &mut tokio::process::Child, pid: u32, grace: Duration, files: &JobFiles) {
    if matches!(child.try_wait(), Ok(None)) {
        files.note("stopping the trainer: sending SIGTERM");
        proc::signal_group(pid, Signal::Term);
        if tokio::time::timeout(grace, child.wait()).await.is_err() {
            files.note("the trainer did not stop within the grace period: sending SIGKILL");
            proc::signal_group(pid, Signal::Kill);
            let _ = child.wait().await;
        }
    }
    let until = Instant::now() + GROUP_EXIT_WAIT;
    while proc::group_exists(pid) {
        // Workers the trainer left behind hold its GPU memory: they go too.
        proc::signal_group(pid, Signal::Kill);
        if Instant::now() >= until {
            tracing::error!("process group {pid} is still alive {GROUP_EXIT_WAIT:?} after SIGKILL");
            files.note("some of the trainer's processes did not exit after SIGKILL");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn handle_line(
    state: &Arc<AppState>,
    job_id: &str,
    files: &JobFiles,
    line: &str,
    pending: &mut Vec<MetricsPoint>,
    outcome: &mut Outcome,
) -> Result<(), AgentError> {
    let (event, raw) = match events::parse(line) {
        Line::Event(event, raw) => (event, raw),
        Line::Other(text) => {
            if !text.trim().is_empty() {
                files.note(&format!("trainer stdout: {text}"));
            }
            return Ok(());
        }
    };
    if let Some(point) = event.metrics_point() {
        pending.push(point);
        return Ok(());
    }
    // Every other event is rare and changes what a poller sees: write the metrics before it, then the event.
    write_metrics(state, job_id, pending).await?;
    let id = job_id.to_string();
    match *event {
        TrainerEvent::Stage { stage } => {
            state
                .db
                .write(move |conn| db::jobs::set_stage(conn, &id, &stage))
                .await?
        }
        TrainerEvent::Plan {
            total_steps,
            total_epochs,
        } => {
            state
                .db
                .write(move |conn| db::jobs::set_plan(conn, &id, total_steps, total_epochs, &raw))
                .await?
        }
        TrainerEvent::Checkpoint { step, path } => {
            files.note(&format!("checkpoint saved at step {step}"));
            state
                .db
                .write(move |conn| checkpoints::add(conn, &id, step, &path))
                .await?
        }
        TrainerEvent::Artifact { name, size } => {
            files.note(&format!("artifact {name} ({} bytes)", size.unwrap_or(0)));
        }
        TrainerEvent::Completed { summary } => {
            outcome.completed = true;
            state
                .db
                .write(move |conn| db::jobs::set_summary(conn, &id, &summary))
                .await?
        }
        TrainerEvent::Cancelled {} => outcome.cancelled = true,
        TrainerEvent::Error { .. } => {
            outcome.error = event.job_error();
            if let Some(error) = &outcome.error {
                files.note(&format!("trainer error {}: {}", error.kind, error.message));
            }
        }
        TrainerEvent::Metrics { .. } => {}
    }
    Ok(())
}

pub(crate) async fn write_metrics(
    state: &Arc<AppState>,
    job_id: &str,
    pending: &mut Vec<MetricsPoint>,
) -> Result<(), AgentError> {
    if pending.is_empty() {
        return Ok(());
    }
    let batch = std::mem::take(pending);
    let id = job_id.to_string();
    state
        .db
        .write(move |conn| db::metrics::append(conn, &id, &batch))
        .await
}

/// Its own process group: one signal reaches the trainer and its workers, and a signal to the agent's group
/// (Ctrl-C in a terminal) does not kill training. A CPU trainer takes every core; at a lower priority it still
/// gets them when idle, and the API (polls, cancels) stays responsive while it trains.
#[cfg(unix)]
fn own_process_group(command: &mut Command, lower_priority: bool) {
    command.process_group(0);
    if lower_priority {
        // SAFETY: setpriority is async-signal-safe and touches only the child between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::setpriority(libc::PRIO_PROCESS, 0, CPU_TRAINER_NICE);
                Ok(())
            });
        }
    }
}

/// Windows: a new process group (Ctrl-C in the agent's console does not reach the trainer), no console window
/// of its own, and below-normal priority for a CPU trainer (the Windows form of `nice 10`).
#[cfg(windows)]
fn own_process_group(command: &mut Command, lower_priority: bool) {
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    const BELOW_NORMAL_PRIORITY_CLASS: u32 = 0x0000_4000;
    let mut flags = CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW;
    if lower_priority {
        flags |= BELOW_NORMAL_PRIORITY_CLASS;
    }
    command.creation_flags(flags);
}

fn describe_exit(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let (None, Some(signal)) = (status.code(), status.signal()) {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "unknown status".into(),
    }
}

/// Decides the job's final state from why it stopped and what the trainer said.
async fn settle(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
    stop: Option<Stop>,
    outcome: Outcome,
    exit: Option<ExitStatus>,
) -> Result<(), AgentError> {
    let success = exit.is_some_and(|s| s.success());
    if stop == Some(Stop::Shutdown) && !(success && outcome.completed) {
        // Resumes on the next start; a shutdown is not a crash, so it does not count against max_restarts.
        return requeue_after_shutdown(state, job, files).await;
    }
    let (status, error) = if success && outcome.completed {
        if files.adapter().join("adapter_model.safetensors").is_file() {
            (JobStatus::Completed, None)
        } else {
            (
                JobStatus::Failed,
                Some(JobError {
                    kind: "missing_artifacts".into(),
                    message: "the trainer reported completion but the adapter is missing".into(),
                    hint: Some("see the job's logs".into()),
                }),
            )
        }
    } else {
        match stop {
            Some(Stop::Cancel) => (JobStatus::Cancelled, None),
            Some(Stop::MaxDuration) => (
                JobStatus::Failed,
                Some(JobError {
                    kind: "max_duration".into(),
                    message: format!("the job ran longer than its {} h maximum", job.max_duration_hours),
                    hint: Some(
                        "raise max_duration_hours, or lower num_epochs / max_steps; the last checkpoint is kept"
                            .into(),
                    ),
                }),
            ),
            _ => match (outcome.error, outcome.cancelled) {
                (Some(error), _) => (JobStatus::Failed, Some(error)),
                (None, true) => (JobStatus::Cancelled, None),
                (None, false) => (
                    JobStatus::Failed,
                    Some(JobError {
                        kind: "internal".into(),
                        message: format!(
                            "the trainer ended without reporting a result ({})",
                            exit.map(describe_exit).unwrap_or_else(|| "status unknown".into())
                        ),
                        hint: Some("see the job's logs (GET /v1/jobs/{id}/logs)".into()),
                    }),
                ),
            },
        }
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

async fn requeue_after_shutdown(
    state: &Arc<AppState>,
    job: &JobRecord,
    files: &JobFiles,
) -> Result<(), AgentError> {
    let id = job.id.clone();
    let resumed = state
        .db
        .write(move |conn| {
            let Some(job) = db::jobs::get(conn, &id)? else {
                return Ok(None);
            };
            let latest = checkpoints::latest(conn, &id)?.filter(|c| std::path::Path::new(&c.path).is_dir());
            db::jobs::requeue(conn, &job, latest.as_ref().map(|c| (c.path.as_str(), c.step)))?;
            // requeue counts a restart; a clean shutdown is not one.
            conn.execute("UPDATE jobs SET restarts = restarts - 1 WHERE id = ?1", [&id])?;
            Ok(Some(latest.map(|c| c.step)))
        })
        .await?;
    if let Some(step) = resumed {
        files.note(&match step {
            Some(step) => {
                format!("back in the queue; resumes from the checkpoint at step {step} on the next start")
            }
            None => "back in the queue; starts again on the next start (no checkpoint yet)".into(),
        });
    }
    Ok(())
}
