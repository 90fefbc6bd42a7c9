//! The trainer's Python stack for the local cluster: which interpreter, whether it imports the stack, and
//! `prepare` (what `brightrun cluster prepare-local` runs) to install it into `<data>/python`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::LocalError;

/// Environment variable naming the Python that has `brightrun_trainer` installed.
pub const PYTHON_ENV: &str = "BRIGHTRUN_PYTHON";

/// Environment variable naming the trainer's source folder (with `pyproject.toml` and `requirements.txt`).
pub const TRAINER_DIR_ENV: &str = "BRIGHTRUN_TRAINER_DIR";

/// The one command that fixes a missing stack; error messages point to it.
pub const PREPARE_COMMAND: &str = "brightrun cluster prepare-local";

/// Importing torch takes about 10 s on two cores; a minute means something is wrong.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(120);

/// The environment `prepare` creates inside the data folder.
pub fn managed_env_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("python")
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
    let managed = managed_env_dir(data_dir).join("bin").join("python");
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
    let run = tokio::process::Command::new(python)
        .args(["-c", "import brightrun_trainer, torch, peft"])
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

/// Installs the trainer's stack into `<data>/python` and returns its interpreter. Runs the project's
/// `scripts/setup-python.sh` when it can find it (a source checkout); otherwise creates the environment with
/// `uv` (or `python3 -m venv` and pip) from the trainer's folder. Progress goes to this process's stderr.
pub async fn prepare(data_dir: &Path) -> Result<PathBuf, LocalError> {
    let venv = managed_env_dir(data_dir);
    let roots = search_roots();
    if let Some(script) = roots
        .iter()
        .map(|root| root.join("scripts").join("setup-python.sh"))
        .find(|p| p.is_file())
    {
        let output = tokio::process::Command::new("bash")
            .arg(&script)
            .arg(&venv)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .await
            .map_err(|source| LocalError::Spawn {
                program: script.display().to_string(),
                source,
            })?;
        if !output.status.success() {
            return Err(LocalError::PrepareFailed {
                detail: format!("{} exited with {}", script.display(), output.status),
            });
        }
        // The script's last stdout line is the environment's python.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let python = stdout
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| venv.join("bin").join("python"));
        return Ok(python);
    }

    let trainer = std::env::var_os(TRAINER_DIR_ENV)
        .map(PathBuf::from)
        .into_iter()
        .chain(roots.iter().map(|root| root.join("trainer")))
        .find(|dir| dir.join("pyproject.toml").is_file())
        .ok_or_else(|| LocalError::PrepareFailed {
            detail: format!(
                "neither scripts/setup-python.sh nor the trainer's folder was found (looked in {}); set \
                 {TRAINER_DIR_ENV} to the trainer folder of a BrightRun source checkout",
                roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    let python = venv.join("bin").join("python");
    let requirements = trainer.join("requirements.txt");
    let mut install: Vec<std::ffi::OsString> = Vec::new();
    if requirements.is_file() {
        install.push("-r".into());
        install.push(requirements.into_os_string());
    }
    install.push("-e".into());
    install.push(trainer.clone().into_os_string());

    if run_ok("uv", &["--version".into()]).await {
        run(
            "uv",
            &["venv".into(), "--quiet".into(), venv.clone().into_os_string()],
        )
        .await?;
        let mut args: Vec<std::ffi::OsString> = vec![
            "pip".into(),
            "install".into(),
            "--python".into(),
            python.clone().into_os_string(),
        ];
        args.extend(install);
        run("uv", &args).await?;
    } else {
        run(
            "python3",
            &["-m".into(), "venv".into(), venv.clone().into_os_string()],
        )
        .await?;
        let mut args: Vec<std::ffi::OsString> = vec!["-m".into(), "pip".into(), "install".into()];
        args.extend(install);
        run(python.as_os_str(), &args).await?;
    }
    Ok(python)
}

/// Folders that may hold `scripts/` and `trainer/`: the working folder, the program's folder, and the
/// checkout two levels above it (`target/debug/brightrun`).
fn search_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(cwd);
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        roots.push(dir.clone());
        if let Some(up) = dir.parent().and_then(Path::parent) {
            roots.push(up.to_path_buf());
        }
    }
    roots
}

async fn run_ok(program: &str, args: &[std::ffi::OsString]) -> bool {
    tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

async fn run(program: impl AsRef<std::ffi::OsStr>, args: &[std::ffi::OsString]) -> Result<(), LocalError> {
    let program = program.as_ref();
    let status = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .await
        .map_err(|source| LocalError::Spawn {
            program: program.to_string_lossy().to_string(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(LocalError::PrepareFailed {
            detail: format!("{} exited with {status}", program.to_string_lossy()),
        })
    }
}
