//! Restart recovery: after a crash or `kill -9` of the agent no job may stay `initializing` or `running` without
//! a process watching it.
//!
//! The rule, for each such job, before the scheduler starts:
//! 1. If its trainer still runs (same pid and process start time), stop its process group: SIGTERM, which makes
//!    the trainer save a checkpoint, then SIGKILL after the grace period. Its stdout cannot be re-attached.
//! 2. If the trainer had finished (adapter and training_summary.json present), the job is `completed`.
//! 3. If the job was already requeued `max_restarts` times, or its dataset is gone, it `failed` with kind
//!    `agent_restarted`.
//! 4. Otherwise it goes back to the queue, resuming from its last recorded checkpoint, or from scratch when
//!    there is none; metrics past that checkpoint are dropped (the trainer reports them again).

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use super::files::JobFiles;
use crate::api::{JobError, JobStatus};
use crate::db::{self, checkpoints, Db};
use crate::error::AgentError;
use crate::proc;
use crate::state::Paths;

/// Applies the rule above to every job left active by the previous run of the agent.
pub fn recover(db: &Db, paths: &Paths, grace: Duration, max_restarts: u32) -> Result<(), AgentError> {
    let orphans =
        db.write_now(|conn| db::jobs::with_status(conn, &[JobStatus::Initializing, JobStatus::Running]))?;
    for job in orphans {
        let files = JobFiles::new(paths, &job.id);
        files.note("the agent restarted while this job was active");
        if let Some(pid) = job.pid.and_then(|p| u32::try_from(p).ok()) {
            if proc::is_alive(pid, job.pid_start_ticks) {
                files.note(&format!("stopping the trainer left running (pid {pid})"));
                stop_group(pid, grace);
            }
        }
        let finished =
            files.summary().is_file() && files.adapter().join("adapter_model.safetensors").is_file();
        db.write_now(|conn| {
            if finished {
                files.note(
                    "the trainer had finished: job completed (metrics after the last batch may be missing)",
                );
                return db::jobs::finish(conn, &job, JobStatus::Completed, None);
            }
            let dataset_missing = !paths.dataset(&job.dataset_sha256).is_file();
            if job.restarts >= max_restarts || dataset_missing {
                let message = if dataset_missing {
                    "the agent restarted during this job and its dataset is gone".to_string()
                } else {
                    format!("the agent restarted during this job {} times", job.restarts + 1)
                };
                files.note(&format!("job failed: {message}"));
                let error = JobError {
                    kind: "agent_restarted".into(),
                    message,
                    hint: Some(
                        "check the agent's stability (logs, memory), then submit the job again".into(),
                    ),
                };
                return db::jobs::finish(conn, &job, JobStatus::Failed, Some(&error));
            }
            let latest = checkpoints::latest(conn, &job.id)?.filter(|c| Path::new(&c.path).is_dir());
            match &latest {
                Some(c) => files.note(&format!(
                    "requeued; resumes from the checkpoint at step {}",
                    c.step
                )),
                None => files.note("requeued; starts again from scratch (no checkpoint)"),
            }
            db::jobs::requeue(conn, &job, latest.as_ref().map(|c| (c.path.as_str(), c.step)))
        })?;
    }
    Ok(())
}

/// SIGTERM to the group, then SIGKILL if any of it is left after `grace`. The trainer is no longer our child,
/// so its end is seen by polling.
fn stop_group(pgid: u32, grace: Duration) {
    proc::signal_group(pgid, Signal::SIGTERM);
    let until = Instant::now() + grace;
    while proc::group_exists(pgid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    if proc::group_exists(pgid) {
        proc::signal_group(pgid, Signal::SIGKILL);
        let until = Instant::now() + Duration::from_secs(5);
        while proc::group_exists(pgid) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
