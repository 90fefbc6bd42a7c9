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

use crate::proc::Signal;

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
    // Slurm jobs run on without the agent: `slurm::supervise::attach_all` follows them again.
    for job in orphans.into_iter().filter(|j| j.slurm_job_id.is_none()) {
        let files = JobFiles::new(paths, &job.id);
        files.note("the agent restarted while this job was active");
        // Without the start time a live pid could be another program's by now: never signal it then.
        if let (Some(pid), Some(ticks)) = (job.pid.and_then(|p| u32::try_from(p).ok()), job.pid_start_ticks) {
            if proc::is_alive(pid, Some(ticks)) {
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
    proc::signal_group(pgid, Signal::Term);
    let until = Instant::now() + grace;
    while proc::group_exists(pgid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
    if proc::group_exists(pgid) {
        proc::signal_group(pgid, Signal::Kill);
        let until = Instant::now() + Duration::from_secs(5);
        while proc::group_exists(pgid) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{GpuRequest, JobRequest};
    use crate::db::jobs::{insert, Inserted, NewJob};
    use brightrun_api::Hyperparameters;

    fn setup() -> (tempfile::TempDir, std::sync::Arc<Db>, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        paths.create_all().unwrap();
        let db = Db::open(&paths.database).unwrap();
        (dir, db, paths)
    }

    /// A job that was `running` when the agent died, with a trainer pid that no longer exists.
    fn orphan(db: &Db, paths: &Paths, restarts: u32) -> String {
        let sha = "a".repeat(64);
        std::fs::write(paths.dataset(&sha), b"{}\n").unwrap();
        let new = NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            idempotency_key: None,
            request_sha256: String::new(),
            price_per_gpu_hour: 1.0,
            request: JobRequest {
                name: "orphan".into(),
                dataset_sha256: sha,
                base_model: "tiny".into(),
                hyperparameters: Hyperparameters::default(),
                gpu: GpuRequest {
                    gpu_type: "cpu".into(),
                    count: 1,
                },
                spot: false,
                max_duration_hours: 24.0,
                validation_dataset_sha256: None,
            },
        };
        db.write_now(|conn| {
            let Inserted::Created(job) = insert(conn, &new)? else {
                panic!("not created")
            };
            assert!(db::jobs::claim(conn, &job.id)?);
            db::jobs::set_stage(conn, &job.id, "training")?;
            // A pid with a start time no process has.
            db::jobs::set_process(conn, &job.id, u32::MAX / 2, Some(1))?;
            conn.execute(
                "UPDATE jobs SET restarts = ?2 WHERE id = ?1",
                rusqlite::params![job.id, restarts],
            )?;
            Ok(job.id.clone())
        })
        .unwrap()
    }

    fn status(db: &Db, id: &str) -> db::jobs::JobRecord {
        db.write_now(|conn| db::jobs::get(conn, id)).unwrap().unwrap()
    }

    #[test]
    fn requeues_from_the_last_checkpoint_and_drops_later_metrics() {
        let (_dir, db, paths) = setup();
        let id = orphan(&db, &paths, 0);
        let checkpoint = JobFiles::new(&paths, &id).output.join("checkpoints/checkpoint-4");
        std::fs::create_dir_all(&checkpoint).unwrap();
        let point = |step| crate::api::MetricsPoint {
            step,
            epoch: None,
            train_loss: Some(1.0),
            val_loss: None,
            learning_rate: None,
            grad_norm: None,
            tokens_per_second: None,
            gpu_utilization: None,
            gpu_memory_gb: None,
            timestamp: "2026-11-22T00:00:00.000Z".into(),
        };
        db.write_now(|conn| {
            db::metrics::append(conn, &id, &[point(3), point(4), point(5), point(6)])?;
            checkpoints::add(conn, &id, 4, &checkpoint.to_string_lossy())
        })
        .unwrap();
        recover(&db, &paths, Duration::from_secs(1), 3).unwrap();
        let job = status(&db, &id);
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.restarts, 1);
        assert_eq!(job.current_step, 4);
        assert_eq!(
            job.resume_checkpoint.as_deref(),
            Some(checkpoint.to_string_lossy().as_ref())
        );
        let steps: Vec<u64> = db
            .write_now(|conn| db::metrics::after(conn, &id, -1, 100))
            .unwrap()
            .into_iter()
            .map(|p| p.step)
            .collect();
        assert_eq!(steps, [3, 4]);
        assert_eq!(job.latest_metrics.map(|m| m.step), Some(4));
    }

    #[test]
    fn without_a_checkpoint_starts_again_and_too_many_restarts_fail() {
        let (_dir, db, paths) = setup();
        let fresh = orphan(&db, &paths, 0);
        let tired = orphan(&db, &paths, 3);
        recover(&db, &paths, Duration::from_secs(1), 3).unwrap();
        let fresh = status(&db, &fresh);
        assert_eq!(fresh.status, JobStatus::Queued);
        assert_eq!(fresh.resume_checkpoint, None);
        let tired = status(&db, &tired);
        assert_eq!(tired.status, JobStatus::Failed);
        assert_eq!(tired.error.map(|e| e.kind).as_deref(), Some("agent_restarted"));
        assert!(tired.finished_at.is_some());
    }

    #[test]
    fn a_trainer_that_finished_while_the_agent_was_down_completes_the_job() {
        let (_dir, db, paths) = setup();
        let id = orphan(&db, &paths, 0);
        let files = JobFiles::new(&paths, &id);
        std::fs::create_dir_all(files.adapter()).unwrap();
        std::fs::write(files.adapter().join("adapter_model.safetensors"), b"x").unwrap();
        std::fs::write(files.summary(), b"{}").unwrap();
        recover(&db, &paths, Duration::from_secs(1), 3).unwrap();
        assert_eq!(status(&db, &id).status, JobStatus::Completed);
    }
}
