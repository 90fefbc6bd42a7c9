//! `brightrun-agent serve`: lock the data folder, recover jobs left by a previous run, bind, announce the
//! address, and serve until SIGINT or SIGTERM.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::AgentConfig;
use crate::db::Db;
use crate::error::AgentError;
use crate::gpu::{self, Allocator};
use crate::jobs::{queue, recovery};
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

/// Holds an exclusive `flock` on `<data-dir>/agent.lock` for the life of the process: two agents on one data
/// folder would run every job twice.
pub fn lock_data_dir(data_dir: &Path) -> Result<std::fs::File, AgentError> {
    let path = data_dir.join("agent.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| AgentError::io(format!("cannot open {}", path.display()), e))?;
    // SAFETY: flock on a file descriptor we own; released when the file closes (also on kill -9).
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(AgentError::AlreadyRunning(data_dir.display().to_string()));
    }
    Ok(file)
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
    let cannot_create = |e| AgentError::io(format!("cannot create {}", options.data_dir.display()), e);
    std::fs::create_dir_all(&options.data_dir).map_err(cannot_create)?;
    // The trainer runs in the job's folder and gets absolute paths; a relative --data-dir would break them.
    let paths = Paths::new(&options.data_dir.canonicalize().map_err(cannot_create)?);
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
    let devices = gpu::detect(options.config.gpu_type.as_deref());
    let allocator = Allocator::new(devices.clone());
    let max_concurrent_jobs = options
        .config
        .max_concurrent_jobs
        .unwrap_or_else(|| allocator.device_count().max(1));
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
        uploads: Mutex::new(HashSet::new()),
        artifact_hashes: Mutex::new(HashMap::new()),
        key_cache: Mutex::new(None),
        last_request: Mutex::new(std::time::Instant::now()),
        generator: Default::default(),
        merges: Mutex::new(HashMap::new()),
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

    let scheduler = tokio::spawn(queue::run_scheduler(Arc::clone(&state)));
    let app = crate::routes::router(Arc::clone(&state));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown(Arc::clone(&state), options.idle_exit))
        .await;
    scheduler.abort();
    stop_running_jobs(&state).await;
    let _ = std::fs::remove_file(state.paths.data_dir.join("agent.json"));
    served.map_err(|e| AgentError::io("the server stopped", e))
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

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
