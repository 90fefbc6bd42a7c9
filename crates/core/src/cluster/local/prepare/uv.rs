//! `uv`, the installer preparation runs: `BRIGHTRUN_UV` when set, else the copy kept in `<data>/tools/uv`,
//! installed there the first time from PyPI with the machine's own `python3 -m pip --target` (no root, nothing
//! outside the data folder; the version is pinned so every machine prepares the same way).

use std::path::{Path, PathBuf};

use super::command::Installer;
use super::staging::Staged;
use crate::cluster::local::LocalError;

/// Environment variable naming a `uv` program to use instead of the data folder's own.
pub const UV_ENV: &str = "BRIGHTRUN_UV";

/// The uv release preparation installs (the one the project's scripts are tested with).
pub const UV_VERSION: &str = "0.13.9";

/// Where the data folder's uv lives.
pub fn uv_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("tools").join("uv")
}

fn uv_program(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("uv.exe")
    } else {
        dir.join("bin").join("uv")
    }
}

/// The machine's Python, used once to fetch uv (uv then makes the trainer's environment with it).
fn base_python() -> &'static Path {
    Path::new(if cfg!(windows) { "python" } else { "python3" })
}

/// The uv to run, installed into the data folder first when needed.
pub async fn ensure_uv(
    data_dir: &Path,
    on_line: &(dyn Fn(&str) + Send + Sync),
) -> Result<PathBuf, LocalError> {
    if let Some(path) = std::env::var_os(UV_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        return Err(LocalError::PrepareFailed {
            detail: format!("{UV_ENV}={} is not a file", path.display()),
        });
    }
    let dir = uv_dir(data_dir);
    let uv = uv_program(&dir);
    if uv.is_file() {
        return Ok(uv);
    }
    std::fs::create_dir_all(data_dir.join("tools")).map_err(|source| LocalError::Io {
        context: "cannot create",
        path: data_dir.join("tools").display().to_string(),
        source,
    })?;
    let staged = Staged::begin(&dir)?;
    let result = Installer {
        program: base_python(),
        // -I: the user's PYTHONPATH, user site and current directory play no part.
        args: vec![
            "-I".into(),
            "-m".into(),
            "pip".into(),
            "install".into(),
            "--disable-pip-version-check".into(),
            "--no-input".into(),
            "--no-warn-script-location".into(),
            "--target".into(),
            staged.path().into(),
            format!("uv=={UV_VERSION}").into(),
        ],
        cwd: data_dir,
        env: vec![],
    }
    .run(on_line)
    .await;
    match result {
        Err(LocalError::Spawn { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(LocalError::PrepareFailed {
                detail: format!(
                    "{} was not found; install Python 3.11 or newer (or set {UV_ENV} to a uv program)",
                    base_python().display()
                ),
            })
        }
        Err(LocalError::PrepareFailed { detail }) if detail.contains("No module named pip") => {
            return Err(LocalError::PrepareFailed {
                detail: format!(
                    "{} has no pip to fetch uv with; install pip (Debian and Ubuntu: python3-pip), or set {UV_ENV} \
                     to a uv program",
                    base_python().display()
                ),
            })
        }
        other => other?,
    }
    let dir = staged.commit()?;
    let uv = uv_program(&dir);
    if !uv.is_file() {
        return Err(LocalError::PrepareFailed {
            detail: format!("pip installed uv but {} is missing", uv.display()),
        });
    }
    Ok(uv)
}
