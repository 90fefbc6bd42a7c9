//! `brightrun-agent serve`: lock the data folder, recover jobs left by a previous run, bind, announce the
//! address, and serve until SIGINT or SIGTERM.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::{AgentConfig, Executor};
use crate::db::Db;
use crate::error::AgentError;
use crate::gpu::{self, Allocator};
use crate::jobs::{queue, recovery};
use crate::listener::{self, ListenLimits};
use crate::state::{lock, AppState, Paths, StopRequest};

/// What `serve` needs.
pub struct ServeOptions {
    pub listen: String,
    pub data_dir: PathBuf,
    pub config: AgentConfig,
    pub python: PathBuf,
    /// Exit after this long with no job queued or running and no request (the local cluster's daemon mode).
    pub idle_exit: Option<Duration>,
}

/// Holds an exclusive lock on `<data-dir>/agent.lock` for the life of the process: two agents on one data
/// folder would run every job twice. std's lock is `flock` on Unix and `LockFileEx` on Windows; the OS
/// releases it when the file closes, also on kill -9.
pub fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, AgentError> {
    let path = data_dir.join("agent.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| AgentError::io(format!("cannot open {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(AgentError::AlreadyRunning(data_dir.display().to_string()))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(AgentError::io(format!("cannot lock {}", path.display()), e))
        }
    }
}

/// Writes `<data-dir>/agent.json` ({pid, url}) atomically, for discovery by the app and the CLI.
fn write_discovery(data_dir: &Path, url: &str) -> Result<(), AgentError> {
    let path = data_dir.join("agent.json");
    let tmp = data_dir.join("agent.json.tmp");
    let body = serde_json::json!({"pid": std::process::id(), "url": url});
    std::fs::write(&tmp, body.to_string())
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| AgentError::io(format!("cannot write {}", path.display()), e))
}

/// Runs the agent until a shutdown signal.
pub async fn serve(options: ServeOptions) -> Result<(), AgentError> {
    let fd_limit = listener::raise_fd_limit();
    let cannot_create = |e| AgentError::io(format!("cannot create {}", options.data_dir.display()), e);
    // Private to the operator: the folder holds key hashes, datasets and adapters.
    brightrun_sqlite::create_private_dir(&options.data_dir).map_err(cannot_create)?;
    // The trainer runs in the job's folder and gets absolute paths; a relative --data-dir would break them.
    let mut paths = Paths::new(&options.data_dir.canonicalize().map_err(cannot_create)?);
    let slurm = options.config.executor == Executor::Slurm;
    if let (true, Some(shared)) = (slurm, &options.config.slurm.shared_dir) {
        // Job folders go where the compute nodes can read and write them.
        paths.jobs = shared.clone();
    }
    paths.create_all().map_err(cannot_create)?;
    let _lock = lock_data_dir(&paths.data_dir)?;
    let db = Db::open(&paths.database)?;
    {
        let (db, paths) = (Arc::clone(&db), paths.clone());
        let grace = Duration::from_secs(options.config.cancel_grace_seconds);
        let max_restarts = options.config.max_restarts;
        tokio::task::spawn_blocking(move || recovery::recover(&db, &paths, grace, max_restarts))
            .await
            .map_err(|e| AgentError::Task(e.to_string()))??;
    }
    let devices = if slurm {
        // The partition's GPUs and CPUs, from sinfo: what jobs may ask for.
        let partition = crate::slurm::sinfo::query(&options.config.slurm).map_err(AgentError::Other)?;
        partition.devices(&options.config.slurm)
    } else {
        gpu::detect(options.config.gpu_type.as_deref())
    };
    let allocator = Allocator::new(devices.clone());
    let max_concurrent_jobs = options.config.max_concurrent_jobs.unwrap_or_else(|| {
        if slurm {
            options.config.slurm.max_submitted_jobs
        } else {
            allocator.device_count().max(1)
        }
    });
    let state = Arc::new(AppState {
        db,
        config: options.config,
        paths,
        python: options.python,
        devices,
        allocator: Mutex::new(allocator),
        max_concurrent_jobs,
        scheduler: Notify::new(),
        running: Mutex::new(HashMap::new()),
        uploads: Mutex::new(HashMap::new()),
        artifact_hashes: Mutex::new(HashMap::new()),
        key_cache: Default::default(),
        last_request: Mutex::new(std::time::Instant::now()),
        generator: Default::default(),
        merges: Mutex::new(HashMap::new()),
        runtime: tokio::sync::OnceCell::new(),
    });
    // Probe the trainer's environment now, in the background: capabilities wait for it if asked sooner.
    tokio::spawn({
        let state = state.clone();
        async move {
            let runtime = state.runtime().await;
            tracing::info!(?runtime, "trainer environment probed");
        }
    });

    let listener = TcpListener::bind(&options.listen)
        .await
        .map_err(|e| AgentError::io(format!("cannot listen on {}", options.listen), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| AgentError::io("cannot read the bound address", e))?;
    let url = format!("http://{address}");
    write_discovery(&state.paths.data_dir, &url)?;
    // Tests and the desktop app start the agent on port 0 and read this line.
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "listening on {url}");
        let _ = stdout.flush();
    }
    tracing::info!("serving the Cluster API on {url}");

    tokio::spawn(clean_partial_uploads(Arc::clone(&state)));
    // Slurm jobs submitted before a restart are followed again, before the scheduler submits anything new.
    crate::slurm::supervise::attach_all(&state).await?;
    let scheduler = tokio::spawn(queue::run_scheduler(Arc::clone(&state)));
    let app = crate::routes::router(Arc::clone(&state));
    let limits = ListenLimits {
        max_connections: state.config.max_connections.max(1) as usize,
        header_read_timeout: Duration::from_secs(state.config.header_read_timeout_seconds.max(1)),
        drain: Duration::from_secs(state.config.shutdown_drain_seconds),
    }
    .within_fd_limit(fd_limit);
    tracing::info!(
        "accepting up to {} connections (open-files limit {fd_limit})",
        limits.max_connections
    );
    // Shutdown order: stop scheduling, have every trainer checkpoint and stop (HTTP still answers, so a
    // client sees the jobs go back to the queue), then drain open requests for a bounded time.
    let on_shutdown = {
        let state = Arc::clone(&state);
        async move {
            scheduler.abort();
            stop_running_jobs(&state).await;
        }
    };
    listener::serve(
        listener,
        app,
        limits,
        shutdown(Arc::clone(&state), options.idle_exit),
        on_shutdown,
    )
    .await;
    let _ = std::fs::remove_file(state.paths.data_dir.join("agent.json"));
    Ok(())
}

/// A partial upload nobody resumed for this long is removed (it holds disk the reserve counts on).
const PARTIAL_UPLOAD_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Removes stale partial uploads at start and every hour.
async fn clean_partial_uploads(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let folder = state.paths.partial_datasets.clone();
        let removed = tokio::task::spawn_blocking(move || {
            crate::routes::datasets::remove_stale_partials(&folder, PARTIAL_UPLOAD_MAX_AGE)
        })
        .await
        .unwrap_or(0);
        if removed > 0 {
            tracing::info!("removed {removed} partial upload(s) untouched for a day");
        }
    }
}

/// Asks every trainer to save a checkpoint and stop; their jobs go back to the queue and resume on the next start.
async fn stop_running_jobs(state: &Arc<AppState>) {
    let senders: Vec<_> = lock(&state.running).values().cloned().collect();
    if senders.is_empty() {
        return;
    }
    tracing::info!(
        "stopping {} running job(s); they resume on the next start",
        senders.len()
    );
    for sender in &senders {
        let _ = sender.send(Some(StopRequest::Shutdown));
    }
    let limit = Duration::from_secs(state.config.cancel_grace_seconds + 10);
    let _ = tokio::time::timeout(limit, async {
        while !lock(&state.running).is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// Resolves on SIGINT or SIGTERM, or once the agent has been idle for `idle_exit`.
async fn shutdown(state: Arc<AppState>, idle_exit: Option<Duration>) {
    tokio::select! {
        _ = shutdown_signal() => {}
        _ = idle(state, idle_exit) => tracing::info!("idle: exiting"),
    }
}

/// Resolves when no job is queued or running and no request came for `limit`; never without a limit.
async fn idle(state: Arc<AppState>, limit: Option<Duration>) {
    let Some(limit) = limit else {
        return std::future::pending().await;
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let quiet = lock(&state.last_request).elapsed() >= limit && lock(&state.running).is_empty();
        if !quiet {
            continue;
        }
        let queued = state
            .db
            .read(|conn| {
                Ok(conn.query_row(
                    "SELECT count(*) FROM jobs WHERE status IN ('queued', 'initializing', 'running')",
                    [],
                    |row| row.get::<_, i64>(0),
                )?)
            })
            .await;
        if matches!(queued, Ok(0)) {
            return;
        }
    }
}

/// Ctrl-C everywhere; SIGTERM on Unix (what `brightrun cluster stop-local`, systemd and Slurm send). Windows
/// has no SIGTERM: a console's Ctrl-C/Ctrl-Break reaches `ctrl_c`, and a stop from outside ends the process.
async fn shutdown_signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_agent_on_the_data_folder_is_refused_until_the_first_exits() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_data_dir(dir.path()).unwrap();
        assert!(matches!(
            lock_data_dir(dir.path()),
            Err(AgentError::AlreadyRunning(_))
        ));
        drop(first);
        lock_data_dir(dir.path()).expect("the lock is free once its holder closes the file");
    }
}
