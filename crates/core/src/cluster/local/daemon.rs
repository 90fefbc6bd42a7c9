//! The local agent as an operating-system process: started detached in its own session (closing the app or
//! killing the CLI never stops a training run), found again through `<agent-dir>/agent.json`.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde::Deserialize;

use super::LocalError;
use crate::cluster::Sensitive;

/// How long a starting agent may take to announce its address (it recovers jobs and detects GPUs first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the discovery file is looked at while the agent starts.
const START_POLL: Duration = Duration::from_millis(100);

/// How long the local daemon stays up with no active job and no request (DESIGN.md: it "exits when idle").
/// Long enough that reopening the app a few minutes later finds it warm; `BRIGHTRUN_LOCAL_IDLE_EXIT_SECS`
/// overrides it.
const DEFAULT_IDLE_EXIT_SECS: u64 = 900;

fn idle_exit_secs() -> u64 {
    std::env::var("BRIGHTRUN_LOCAL_IDLE_EXIT_SECS")
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .filter(|secs| *secs > 0)
        .unwrap_or(DEFAULT_IDLE_EXIT_SECS)
}

/// What a serving agent writes to `<agent-dir>/agent.json`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Discovery {
    /// The agent's process id.
    pub pid: u32,
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
}

/// The agent's discovery file in `agent_dir`, when there is a readable one.
pub fn read_discovery(agent_dir: &Path) -> Option<Discovery> {
    let text = std::fs::read_to_string(agent_dir.join("agent.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The running local agent of `agent_dir`, verified: its discovery file names a loopback URL and a live
/// process, and the data folder's lock (`agent.lock`, held by a serving agent for its whole life) is taken.
/// A stale file (the agent died, its pid or port reused by another program) gives `None`, so nothing is
/// sent to whatever listens there now.
pub fn running_agent(agent_dir: &Path) -> Option<Discovery> {
    let found = read_discovery(agent_dir)?;
    let url = reqwest::Url::parse(&found.url).ok()?;
    if !crate::cluster::client::is_loopback(&url) || !is_alive(found.pid) || !lock_is_held(agent_dir) {
        return None;
    }
    Some(found)
}

/// Whether another process holds `<agent-dir>/agent.lock` (a probe: a lock we get is released at once).
#[cfg(unix)]
fn lock_is_held(agent_dir: &Path) -> bool {
    use std::os::fd::AsRawFd as _;
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .open(agent_dir.join("agent.lock"))
    else {
        return false;
    };
    // SAFETY: flock on a descriptor we own; closing the file releases a lock we took.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK)
}

/// Elsewhere the live process named by the discovery file is the evidence.
#[cfg(not(unix))]
fn lock_is_held(_agent_dir: &Path) -> bool {
    true
}

/// Whether the process `pid` still runs (not a zombie): `brightrun-proc`'s check, the one the agent uses for
/// its trainers.
pub fn is_alive(pid: u32) -> bool {
    pid > 1 && brightrun_proc::is_alive(pid, None)
}

/// The log file the daemon writes to.
pub fn log_path(agent_dir: &Path) -> PathBuf {
    agent_dir.join("agent.log")
}

/// Creates a new API key in the agent's database with `brightrun-agent keys create` (the key is the last
/// line it prints). The agent checks keys against its database on every request, so a running agent
/// accepts it at once.
pub async fn create_key(agent_bin: &Path, agent_dir: &Path) -> Result<Sensitive<String>, LocalError> {
    let output = tokio::process::Command::new(agent_bin)
        .args(["keys", "create", "--name", "brightrun-local", "--data-dir"])
        .arg(agent_dir)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|source| LocalError::Spawn {
            program: agent_bin.display().to_string(),
            source,
        })?;
    if !output.status.success() {
        // stderr carries the agent's error message; stdout is never shown, it could hold a key.
        return Err(LocalError::KeyCreation {
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.lines().map(str::trim).rfind(|line| !line.is_empty()) {
        Some(key) if !key.contains(' ') => Ok(Sensitive::new(key.to_string())),
        _ => Err(LocalError::KeyCreation {
            detail: "`brightrun-agent keys create` printed no key".to_string(),
        }),
    }
}

/// Starts `brightrun-agent serve` on 127.0.0.1 with a free port, detached, and waits until it announces
/// its address. Returns the discovery of the agent that serves `agent_dir`: the new one, or one that a
/// concurrent start won the race with.
pub async fn start(agent_bin: &Path, agent_dir: &Path, python: &Path) -> Result<Discovery, LocalError> {
    let io = |context: &'static str, path: &Path| {
        let path = path.display().to_string();
        move |source| LocalError::Io {
            context,
            path,
            source,
        }
    };
    // A discovery file left by an agent that died without cleaning up would hand out a dead address.
    let discovery_file = agent_dir.join("agent.json");
    if read_discovery(agent_dir).is_some_and(|d| !is_alive(d.pid)) {
        let _ = std::fs::remove_file(&discovery_file);
    }
    let log = log_path(agent_dir);
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(io("cannot open", &log))?;
    let log_file_err = log_file.try_clone().map_err(io("cannot open", &log))?;

    let mut command = std::process::Command::new(agent_bin);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(agent_dir)
        .arg("--python")
        .arg(python)
        .arg("--idle-exit-seconds")
        .arg(idle_exit_secs().to_string())
        .current_dir(agent_dir)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_file_err);
    detach(&mut command);
    let mut child = command.spawn().map_err(|source| LocalError::Spawn {
        program: agent_bin.display().to_string(),
        source,
    })?;
    let pid = child.id();

    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        if let Some(found) = read_discovery(agent_dir) {
            if found.pid == pid {
                reap_in_background(child);
                return Ok(found);
            }
        }
        if exited(&mut child) {
            // Lost a race with another start: that agent holds the data folder's lock and will announce itself.
            if let Some(found) = wait_for_other(agent_dir).await {
                return Ok(found);
            }
            return Err(LocalError::DidNotStart {
                log: log.display().to_string(),
                tail: log_tail(&log),
            });
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            reap_in_background(child);
            return Err(LocalError::DidNotStart {
                log: log.display().to_string(),
                tail: format!(
                    "it did not announce an address within {} s",
                    START_TIMEOUT.as_secs()
                ),
            });
        }
        tokio::time::sleep(START_POLL).await;
    }
}

/// Asks the agent serving `agent_dir` to stop: SIGTERM on Unix, so it checkpoints running jobs and exits.
/// `false` when none is running.
pub fn stop(agent_dir: &Path) -> bool {
    // Verified first: a stale file's pid may belong to another program by now.
    match running_agent(agent_dir) {
        Some(found) => {
            terminate(found.pid);
            true
        }
        _ => false,
    }
}

/// SIGTERM on Unix; Windows has no SIGTERM for a process without a console, so the agent is ended there, and
/// its restart recovery resumes each running job from its last checkpoint (crates/agent/src/jobs/recovery.rs).
fn terminate(pid: u32) {
    brightrun_proc::terminate(pid);
}

/// Puts the child in its own session and process group: a terminal's Ctrl-C, the CLI's exit or the app's
/// process group being killed never reaches it.
fn detach(command: &mut std::process::Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches nothing of the parent's memory.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        // No console (none flashes up from the app), and its own group so a console's Ctrl-C never reaches it.
        const DETACHED_PROCESS: u32 = 0x0000_0008;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        command.creation_flags(DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP);
    }
}

fn exited(child: &mut Child) -> bool {
    !matches!(child.try_wait(), Ok(None))
}

/// A long-lived app must reap the daemon when it exits (no zombie); a waiting thread does that.
fn reap_in_background(mut child: Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

async fn wait_for_other(agent_dir: &Path) -> Option<Discovery> {
    for _ in 0..50 {
        if let Some(found) = read_discovery(agent_dir).filter(|d| is_alive(d.pid)) {
            return Some(found);
        }
        tokio::time::sleep(START_POLL).await;
    }
    None
}

/// The last lines of the daemon's log, to show why it did not start.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(10)..].join("\n");
    if tail.trim().is_empty() {
        "(the log is empty)".to_string()
    } else {
        tail
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd as _;

    fn announce(dir: &Path, url: &str) {
        let body = serde_json::json!({"pid": std::process::id(), "url": url});
        std::fs::write(dir.join("agent.json"), body.to_string()).unwrap();
    }

    /// A discovery file is trusted only with the folder's lock held and a loopback URL: a live pid alone (it
    /// may have been reused) never sends a key to whatever listens on the remembered port.
    #[test]
    fn only_a_locked_folder_with_a_loopback_url_counts_as_running() {
        let dir = tempfile::tempdir().unwrap();
        announce(dir.path(), "http://127.0.0.1:40123");
        assert!(running_agent(dir.path()).is_none(), "no lock file: stale");
        let lock = std::fs::File::create(dir.path().join("agent.lock")).unwrap();
        assert!(
            running_agent(dir.path()).is_none(),
            "lock file nobody holds: stale"
        );
        // SAFETY: flock on a descriptor this test owns.
        assert_eq!(
            unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
            0
        );
        assert!(
            running_agent(dir.path()).is_some(),
            "held lock, live pid, loopback"
        );
        announce(dir.path(), "http://10.1.2.3:40123");
        assert!(running_agent(dir.path()).is_none(), "not loopback");
        drop(lock);
        announce(dir.path(), "http://127.0.0.1:40123");
        assert!(running_agent(dir.path()).is_none(), "released lock: stale");
    }
}
