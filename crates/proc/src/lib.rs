//! Facts about processes, and stop signals to a process or its group: the agent's trainers (each in its own
//! process group, so one signal reaches the trainer and every worker it started) and the core's local agent
//! daemon. One liveness check for both: a zombie or a reused pid is not "alive".
//!
//! Linux reads /proc (tested here). macOS and Windows go through `sysinfo`, Unix signals through `nix`, and
//! Windows stops a process tree with `taskkill`: those arms are small and untested here (docs/platforms.md).

/// How to stop a trainer: ask it to checkpoint and exit, or end it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM on Unix (the trainer checkpoints); on Windows a `taskkill /T` without `/F`.
    Term,
    /// SIGKILL on Unix; `taskkill /T /F` on Windows.
    Kill,
}

#[cfg(target_os = "linux")]
mod linux {
    /// Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses).
    pub(super) fn stat_fields(pid: u32) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &text[text.rfind(')')? + 1..];
        Some(rest.split_whitespace().map(str::to_string).collect())
    }
}

/// When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); with the pid this names
/// one process even after the pid is reused.
#[cfg(target_os = "linux")]
pub fn start_ticks(pid: u32) -> Option<u64> {
    linux::stat_fields(pid)?.get(19)?.parse().ok()
}

/// When the process started, in seconds since the epoch (what sysinfo reports off Linux); with the pid this
/// names one process even after the pid is reused.
#[cfg(not(target_os = "linux"))]
pub fn start_ticks(pid: u32) -> Option<u64> {
    portable::with_process(pid, |process| process.start_time())
}

/// User plus system CPU time of the process, in clock ticks (fields 14 and 15). Linux only: the benchmarks use it.
#[cfg(target_os = "linux")]
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = linux::stat_fields(pid)?;
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// Whether the process `pid` that started at `ticks` still runs (not a zombie).
#[cfg(target_os = "linux")]
pub fn is_alive(pid: u32, ticks: Option<u64>) -> bool {
    let Some(fields) = linux::stat_fields(pid) else {
        return false;
    };
    let state = fields.first().map(String::as_str).unwrap_or("X");
    let same = match ticks {
        Some(t) => fields.get(19).and_then(|f| f.parse::<u64>().ok()) == Some(t),
        None => true,
    };
    same && state != "Z" && state != "X"
}

/// Whether the process `pid` that started at `ticks` still runs (not a zombie).
#[cfg(not(target_os = "linux"))]
pub fn is_alive(pid: u32, ticks: Option<u64>) -> bool {
    portable::with_process(pid, |process| {
        let same = ticks.is_none_or(|t| process.start_time() == t);
        same && process.status() != sysinfo::ProcessStatus::Zombie
    })
    .unwrap_or(false)
}

/// Whether any live (not zombie) process of the group `pgid` is left. Scans /proc rather than probing with a
/// signal: an orphaned trainer's zombie may linger when the container's init does not reap it.
#[cfg(target_os = "linux")]
pub fn group_exists(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(linux::stat_fields)
        .any(|fields| {
            let state = fields.first().map(String::as_str).unwrap_or("X");
            fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) && state != "Z" && state != "X"
        })
}

/// Whether any process of the group `pgid` is left: a signal-0 probe of the group (macOS, BSDs).
#[cfg(all(unix, not(target_os = "linux")))]
pub fn group_exists(pgid: u32) -> bool {
    let Ok(raw) = i32::try_from(pgid) else {
        return false;
    };
    raw > 1 && nix::sys::signal::killpg(nix::unistd::Pid::from_raw(raw), None).is_ok()
}

/// Whether the group's first process (the trainer, whose pid names the group) still runs. Windows has no
/// process groups to scan; `taskkill /T` ends the trainer's children with it.
#[cfg(windows)]
pub fn group_exists(pgid: u32) -> bool {
    is_alive(pgid, None)
}

/// Asks the process `pid` to stop: SIGTERM on Unix (it shuts down in order); on Windows, which has no SIGTERM
/// for a process without a console, it is ended. A process that is already gone is not an error.
#[cfg(unix)]
pub fn terminate(pid: u32) {
    let Ok(raw) = i32::try_from(pid) else {
        return;
    };
    if raw > 1 {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), nix::sys::signal::Signal::SIGTERM);
    }
}

/// Asks the process `pid` to stop (see the Unix arm): ended at once.
#[cfg(windows)]
pub fn terminate(pid: u32) {
    portable::with_process(pid, |process| process.kill());
}

/// Sends `signal` to the process group `pgid`; a group that is already gone is not an error.
#[cfg(unix)]
pub fn signal_group(pgid: u32, signal: Signal) {
    use nix::sys::signal::{killpg, Signal as Unix};
    let Ok(raw) = i32::try_from(pgid) else {
        return;
    };
    let signal = match signal {
        Signal::Term => Unix::SIGTERM,
        Signal::Kill => Unix::SIGKILL,
    };
    // pgid 0 or 1 would signal our own group or init: never.
    if raw > 1 {
        let _ = killpg(nix::unistd::Pid::from_raw(raw), signal);
    }
}

/// Stops the process tree rooted at `pgid` with `taskkill` (part of every Windows): without `/F` it asks,
/// with `/F` it ends the processes. A tree that is already gone is not an error.
#[cfg(windows)]
pub fn signal_group(pgid: u32, signal: Signal) {
    use std::os::windows::process::CommandExt;
    /// No console window flashes up from a background agent.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    if pgid <= 4 {
        return; // the System Idle Process and System
    }
    let pid = pgid.to_string();
    let mut args = vec!["/PID", pid.as_str(), "/T"];
    if signal == Signal::Kill {
        args.push("/F");
    }
    let _ = std::process::Command::new("taskkill")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .creation_flags(CREATE_NO_WINDOW)
        .status();
}

#[cfg(not(target_os = "linux"))]
mod portable {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

    /// Looks up one process and reads what `read` needs from it.
    pub(super) fn with_process<T>(pid: u32, read: impl FnOnce(&sysinfo::Process) -> T) -> Option<T> {
        let pid = Pid::from_u32(pid);
        let mut system = System::new().ok()?;
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            true,
            ProcessRefreshKind::nothing(),
        );
        system.process(pid).map(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_itself() {
        let me = std::process::id();
        let ticks = start_ticks(me);
        assert!(ticks.is_some());
        assert!(is_alive(me, ticks));
        assert!(!is_alive(me, ticks.map(|t| t + 1)));
        #[cfg(target_os = "linux")]
        assert!(cpu_ticks(me).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_terminated_child_is_not_alive_even_before_it_is_reaped() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        let ticks = start_ticks(pid);
        assert!(is_alive(pid, ticks));
        terminate(pid);
        // Not reaped yet: a zombie, which is not a running process (a signal-0 probe would say it is).
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while is_alive(pid, ticks) && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!is_alive(pid, ticks));
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(!is_alive(pid, ticks));
    }
}
