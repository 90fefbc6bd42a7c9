//! Finding the `brightrun-agent` program: `BRIGHTRUN_AGENT_BIN`, else next to the running program (the app
//! and the CLI ship beside it), else `PATH`.

use std::path::{Path, PathBuf};

use super::LocalError;

/// Environment variable naming the agent binary to use.
pub const AGENT_BIN_ENV: &str = "BRIGHTRUN_AGENT_BIN";

const AGENT_FILE: &str = if cfg!(windows) {
    "brightrun-agent.exe"
} else {
    "brightrun-agent"
};

/// The agent binary to start, or where it was looked for.
pub fn find_agent_binary() -> Result<PathBuf, LocalError> {
    let mut searched = Vec::new();
    if let Some(path) = std::env::var_os(AGENT_BIN_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if is_executable(&path) {
            return Ok(path);
        }
        searched.push(format!("{AGENT_BIN_ENV}={}", path.display()));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        let beside = dir.join(AGENT_FILE);
        if is_executable(&beside) {
            return Ok(beside);
        }
        searched.push(beside.display().to_string());
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(AGENT_FILE);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    searched.push("PATH".to_string());
    Err(LocalError::AgentNotFound {
        searched: searched.join(", "),
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}
