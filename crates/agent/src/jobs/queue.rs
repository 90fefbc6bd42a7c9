//! The scheduler: starts queued jobs, oldest first, while the concurrency limit and free devices allow.

use std::sync::Arc;
use std::time::Duration;

use crate::api::JobStatus;
use crate::config::Executor;
use crate::db;
use crate::error::AgentError;
use crate::state::{lock, AppState};

/// Runs until the process ends; wakes on every queued or finished job, and every few seconds regardless.
pub async fn run_scheduler(state: Arc<AppState>) {
    loop {
        if let Err(err) = schedule_once(&state).await {
            tracing::error!("scheduler: {err}");
        }
        tokio::select! {
            _ = state.scheduler.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// Starts every queued job that can start now.
pub async fn schedule_once(state: &Arc<AppState>) -> Result<(), AgentError> {
    let queued = state
        .db
        .read(|conn| db::jobs::with_status(conn, &[JobStatus::Queued]))
        .await?;
    for job in queued {
        // A Slurm job waiting in Slurm's queue is `queued` here too; its supervisor already follows it.
        if job.slurm_job_id.is_some() || lock(&state.running).contains_key(&job.id) {
            continue;
        }
        if lock(&state.running).len() as u32 >= state.max_concurrent_jobs {
            break;
        }
        if state.config.executor == Executor::Slurm {
            // Slurm places the job: no local devices to assign. It stays `queued` until Slurm runs it.
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(None);
            lock(&state.running).insert(job.id.clone(), stop_tx);
            tokio::spawn(crate::slurm::supervise::run(Arc::clone(state), job, stop_rx));
            continue;
        }
        let Some(devices) = lock(&state.allocator).assign(&job.id, &job.gpu.gpu_type, job.gpu.count) else {
            // Oldest first, but a job waiting for a busy GPU type does not hold back one that fits elsewhere.
            continue;
        };
        let id = job.id.clone();
        let claimed = state
            .db
            .write(move |conn| {
                if db::jobs::claim(conn, &id)? {
                    db::jobs::get(conn, &id)
                } else {
                    Ok(None)
                }
            })
            .await;
        match claimed {
            Ok(Some(job)) => {
                // Registered before the task starts, so the next turn of this loop counts it and a cancel that
                // arrives before the trainer starts is not lost.
                let (stop_tx, stop_rx) = tokio::sync::watch::channel(None);
                lock(&state.running).insert(job.id.clone(), stop_tx);
                tokio::spawn(super::runner::run(Arc::clone(state), job, devices, stop_rx));
            }
            Ok(None) => lock(&state.allocator).release(&job.id),
            Err(err) => {
                lock(&state.allocator).release(&job.id);
                return Err(err);
            }
        }
    }
    Ok(())
}
