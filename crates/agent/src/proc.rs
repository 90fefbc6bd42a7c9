//! Facts about processes from /proc, and signals to process groups. Trainers run in their own process group so
//! one signal reaches the trainer and every worker it started.

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// Fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); with the pid this names
/// one process even after the pid is reused.
pub fn start_ticks(pid: u32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

/// User plus system CPU time of the process, in clock ticks (fields 14 and 15).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// Whether the process `pid` that started at `ticks` still runs (not a zombie).
pub fn is_alive(pid: u32, ticks: Option<u64>) -> bool {
    let Some(fields) = stat_fields(pid) else {
        return false;
    };
    let state = fields.first().map(String::as_str).unwrap_or("X");
    let same = match ticks {
        Some(t) => fields.get(19).and_then(|f| f.parse::<u64>().ok()) == Some(t),
        None => true,
    };
    same && state != "Z" && state != "X"
}

/// Sends `signal` to the process group `pgid`; a group that is already gone is not an error.
pub fn signal_group(pgid: u32, signal: Signal) {
    let Ok(raw) = i32::try_from(pgid) else {
        return;
    };
    // pgid 0 or 1 would signal our own group or init: never.
    if raw > 1 {
        let _ = killpg(Pid::from_raw(raw), signal);
    }
}

/// Whether any live (not zombie) process of the group `pgid` is left. Scans /proc rather than probing with a
/// signal: an orphaned trainer's zombie may linger when the container's init does not reap it.
pub fn group_exists(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat_fields)
        .any(|fields| {
            let state = fields.first().map(String::as_str).unwrap_or("X");
            fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid) && state != "Z" && state != "X"
        })
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
        assert!(cpu_ticks(me).is_some());
    }
}
