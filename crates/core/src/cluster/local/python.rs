//! The trainer's Python for the local cluster: which interpreter, and whether it imports the stack. Installing
//! it is [`super::prepare`]'s job.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::LocalError;

/// Environment variable naming the Python that has `brightrun_trainer` installed.
pub const PYTHON_ENV: &str = "BRIGHTRUN_PYTHON";

/// The one command that fixes a missing stack; error messages point to it.
pub const PREPARE_COMMAND: &str = "brightrun cluster prepare-local";

/// Importing torch takes about 10 s on two cores; a minute means something is wrong.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(120);

/// The environment `prepare` creates inside the data folder.
pub fn managed_env_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("python")
}

/// The interpreter of a Python environment (virtualenv layout: `bin/python`, or `Scripts\python.exe` on
/// Windows).
pub fn env_python(env_dir: &Path) -> PathBuf {
    if cfg!(windows) {
        env_dir.join("Scripts").join("python.exe")
    } else {
        env_dir.join("bin").join("python")
    }
}

/// The interpreter for the local agent: `explicit`, else `BRIGHTRUN_PYTHON`, else the one `prepare`
/// installed in `<data>/python`, else `python3` from PATH.
pub fn resolve_python(data_dir: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(python) = explicit {
        return python.to_path_buf();
    }
    if let Some(python) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let managed = env_python(&managed_env_dir(data_dir));
    if managed.is_file() {
        return managed;
    }
    PathBuf::from("python3")
}

/// Checks that `python` runs and imports the trainer's stack; the error names the fix.
pub async fn check_python(python: &Path) -> Result<(), LocalError> {
    let missing = |detail: String| LocalError::PythonStackMissing {
        python: python.display().to_string(),
        detail,
    };
    // -I (isolated): neither the current directory nor PYTHONPATH nor the user's site folder can put another
    // `brightrun_trainer` (or `torch`) in front of the environment's own.
    let run = tokio::process::Command::new(python)
        .args(["-I", "-c", "import brightrun_trainer, torch, peft"])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(IMPORT_TIMEOUT, run).await {
        Err(_) => {
            return Err(missing(format!(
                "importing it took more than {} s",
                IMPORT_TIMEOUT.as_secs()
            )))
        }
        Ok(Err(err)) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(missing("this Python was not found".to_string()))
        }
        Ok(Err(err)) => return Err(missing(format!("it could not be run: {err}"))),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        return Ok(());
    }
    // The last line of a traceback is the useful one: `ModuleNotFoundError: No module named 'torch'`.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("it exited with an error");
    Err(missing(last.to_string()))
}
