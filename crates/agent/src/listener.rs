//! The HTTP accept loop, hardened for a port anyone on the network may reach: a cap on open connections, a
//! header-read timeout that also closes keep-alive connections idle between requests, and a bounded drain on
//! shutdown. `axum::serve` runs hyper without a timer, so none of these would be on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Limits of the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct ListenLimits {
    /// Connections open at once; one more is closed as soon as it is accepted (the kernel's backlog never
    /// fills, so a new client gets a fast refusal instead of a hang).
    pub max_connections: usize,
    /// A client must send a request's headers within this long, also on a keep-alive connection waiting
    /// for its next request: an idle socket costs a file descriptor and is closed after it.
    pub header_read_timeout: Duration,
    /// How long open requests may take to finish once shutdown starts.
    pub drain: Duration,
}

impl ListenLimits {
    /// Caps `max_connections` to what the file-descriptor limit leaves after a reserve for the database,
    /// dataset files and the trainers' pipes, so a connection flood cannot stop a trainer from starting.
    pub fn within_fd_limit(mut self, fd_limit: u64) -> Self {
        const RESERVE: u64 = 256;
        let room = fd_limit.saturating_sub(RESERVE).max(16);
        self.max_connections = self.max_connections.min(room as usize);
        self
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish for at most
/// `limits.drain`. `on_shutdown` runs between the two: the moment to stop trainers while HTTP still answers.
pub async fn serve<F, S>(
    listener: TcpListener,
    app: Router,
    limits: ListenLimits,
    shutdown: F,
    on_shutdown: S,
) where
    F: std::future::Future<Output = ()>,
    S: std::future::Future<Output = ()>,
{
    let open = Arc::new(AtomicUsize::new(0));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning; the limit recovers as sockets close.
                    tracing::warn!("cannot accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if open.load(Ordering::Relaxed) >= limits.max_connections {
            if last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                tracing::warn!(
                    "{} connections open, the limit: refusing new ones (last from {peer})",
                    limits.max_connections
                );
                last_warning = Some(Instant::now());
            }
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let guard = OpenConnection::new(Arc::clone(&open));
        let service = TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _guard = guard;
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
        });
    }
    drop(listener);
    on_shutdown.await;
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still open after {}s of shutdown; closing them",
            limits.drain.as_secs()
        );
    }
}

/// Counts a connection as open for as long as it lives.
struct OpenConnection(Arc<AtomicUsize>);

impl OpenConnection {
    fn new(open: Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(open)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Raises the soft limit on open files to the hard limit and returns the limit now in force. A busy agent
/// holds a socket per client plus the trainers' pipes and files; 1,024 (a common default) is too few.
pub fn raise_fd_limit() -> u64 {
    #[cfg(unix)]
    {
        // SAFETY: getrlimit/setrlimit with a valid, owned struct.
        unsafe {
            let mut limit: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return 1024;
            }
            // macOS refuses more than OPEN_MAX for the soft limit even when the hard limit is unlimited.
            let wanted = if cfg!(target_os = "macos") {
                limit.rlim_max.min(10_240)
            } else {
                limit.rlim_max
            };
            if limit.rlim_cur < wanted {
                let raised = libc::rlimit {
                    rlim_cur: wanted,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = wanted;
                }
            }
            limit.rlim_cur as u64
        }
    }
    #[cfg(not(unix))]
    {
        // Windows sockets are not bounded by a C runtime descriptor table.
        16_384
    }
}
