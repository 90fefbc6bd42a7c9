//! `prepare`: installs the local cluster's Python environment (PyTorch, transformers, PEFT and the trainer) into
//! `<data>/python`, from the trainer the app was installed with (see [`super::trainer_source`]), with `uv`.
//!
//! It reports each step and the bytes written (a progress bar in the CLI, events in the app), can be cancelled
//! by dropping its future (the installer is killed and the partial folder removed), checks the free space first,
//! tells "offline" and "disk full" apart from other failures, and builds in a temporary folder that is renamed
//! into place only when the environment imports: an interrupted preparation never leaves a half-installed one.
//! A second run with the same trainer finds the environment ready and returns at once.

mod command;
mod progress;
mod staging;
mod uv;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use progress::{human_bytes, PrepareProgress, PrepareStep, ProgressSink};
pub use uv::{uv_dir, UV_ENV, UV_VERSION};

use super::python::{check_python, env_python, managed_env_dir};
use super::trainer_source::{find_trainer, TrainerSource};
use super::LocalError;
use command::{folder_size, Installer};
use staging::Staged;

/// Overrides the free space preparation asks for (bytes); for machines where the estimate is wrong, and tests.
pub const MIN_FREE_ENV: &str = "BRIGHTRUN_PREPARE_MIN_FREE_BYTES";

/// The Pythons the lock (trainer/requirements.txt, compiled for 3.11 and up) is known to install on.
const PYTHON_REQUEST: &str = ">=3.11,<3.14";

/// About what the environment weighs once installed: on Linux the CPU install with the CUDA libraries torch
/// loads at import (measured: 4.1 GB); elsewhere torch comes without CUDA.
const EXPECTED_ENV_BYTES: u64 = if cfg!(target_os = "linux") {
    4_200_000_000
} else {
    1_500_000_000
};

/// Free space asked for before starting: the environment, plus uv's cache of the downloads when it sits on the
/// same disk, plus a margin.
const DEFAULT_MIN_FREE_BYTES: u64 = EXPECTED_ENV_BYTES + 2_000_000_000;

/// How often the size of the environment being written is reported.
const SIZE_TICK: Duration = Duration::from_millis(750);

/// The file in a prepared environment that says what it was prepared from.
const STAMP_FILE: &str = "brightrun-env.json";

/// What a finished preparation made.
#[derive(Clone, Debug, Serialize)]
pub struct Prepared {
    /// The environment's Python (what the local agent runs the trainer with).
    pub python: PathBuf,
    /// The environment's folder.
    pub env_dir: PathBuf,
    /// The trainer it was prepared from.
    pub trainer: TrainerSource,
    /// True when an environment made from this same trainer was already there (nothing was installed).
    pub already_prepared: bool,
    /// The environment's size on disk.
    pub bytes: u64,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Stamp {
    fingerprint: String,
    trainer: PathBuf,
}

/// Prepares `<data_dir>/python`; see the module's documentation.
pub async fn prepare(data_dir: &Path, sink: &dyn ProgressSink) -> Result<Prepared, LocalError> {
    let report = |p: PrepareProgress| sink.report(&p);
    report(PrepareProgress::started(PrepareStep::Check));
    std::fs::create_dir_all(data_dir).map_err(|source| LocalError::Io {
        context: "cannot create",
        path: data_dir.display().to_string(),
        source,
    })?;
    let _lock = staging::lock(data_dir)?;
    let trainer = find_trainer()?;
    report(PrepareProgress::message(
        PrepareStep::Check,
        format!("Trainer: {}", trainer.dir.display()),
    ));
    let fingerprint = fingerprint(&trainer.dir)?;
    let env_dir = managed_env_dir(data_dir);
    let stamp = Stamp {
        fingerprint,
        trainer: trainer.dir.clone(),
    };
    if read_stamp(&env_dir).as_ref() == Some(&stamp) && check_python(&env_python(&env_dir)).await.is_ok() {
        report(PrepareProgress::message(
            PrepareStep::Finish,
            "Already prepared from this trainer",
        ));
        return Ok(Prepared {
            python: env_python(&env_dir),
            bytes: folder_size(&env_dir),
            env_dir,
            trainer,
            already_prepared: true,
        });
    }
    check_free_space(data_dir)?;

    report(PrepareProgress::started(PrepareStep::InstallUv));
    let uv = {
        let line = |l: &str| sink.report(&PrepareProgress::message(PrepareStep::InstallUv, l));
        uv::ensure_uv(data_dir, &line).await?
    };

    report(PrepareProgress::started(PrepareStep::CreateEnvironment));
    let staged = Staged::begin(&env_dir)?;
    let partial = staged.path().to_path_buf();
    let line = |step: PrepareStep| move |l: &str| sink.report(&PrepareProgress::message(step, l));
    Installer {
        program: &uv,
        // --relocatable: the environment is built in the partial folder and then renamed.
        args: vec![
            "venv".into(),
            "--relocatable".into(),
            "--no-config".into(),
            "--python".into(),
            PYTHON_REQUEST.into(),
            partial.clone().into(),
        ],
        cwd: data_dir,
        env: vec![],
    }
    .run(&line(PrepareStep::CreateEnvironment))
    .await?;
    // The trainer is installed from a copy: building it writes into its folder, and a bundle's is read-only.
    let source = data_dir.join("python.trainer-src");
    let source_guard = Staged::begin(&source)?;
    copy_trainer(&trainer.dir, source_guard.path())?;

    report(PrepareProgress::started(PrepareStep::InstallPackages));
    let python = env_python(&partial);
    let src = source_guard.path();
    let mut args: Vec<OsString> = vec![
        "pip".into(),
        "install".into(),
        "--no-config".into(),
        "--python".into(),
        python.clone().into(),
        "-r".into(),
        src.join("requirements.txt").into(),
    ];
    if src.join("overrides.txt").is_file() {
        args.push("--overrides".into());
        args.push(src.join("overrides.txt").into());
    }
    args.push(src.into());
    let install_line = line(PrepareStep::InstallPackages);
    let install = Installer {
        program: &uv,
        args,
        cwd: data_dir,
        env: vec![],
    }
    .run(&install_line);
    tokio::pin!(install);
    let mut tick = tokio::time::interval(SIZE_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            result = &mut install => { result?; break; }
            _ = tick.tick() => {
                let done = folder_size(&partial);
                sink.report(&PrepareProgress {
                    bytes_done: Some(done),
                    bytes_expected: Some(EXPECTED_ENV_BYTES),
                    ..PrepareProgress::message(PrepareStep::InstallPackages, format!("{} written", human_bytes(done)))
                });
            }
        }
    }
    drop(source_guard);

    report(PrepareProgress::started(PrepareStep::Finish));
    check_python(&python).await?;
    let stamp_text = serde_json::to_string_pretty(&stamp).unwrap_or_default();
    std::fs::write(partial.join(STAMP_FILE), stamp_text).map_err(|source| LocalError::Io {
        context: "cannot write",
        path: partial.join(STAMP_FILE).display().to_string(),
        source,
    })?;
    let bytes = folder_size(&partial);
    let env_dir = staged.commit()?;
    report(PrepareProgress {
        bytes_done: Some(bytes),
        bytes_expected: Some(bytes),
        ..PrepareProgress::message(
            PrepareStep::Finish,
            format!("Ready: {} in {}", human_bytes(bytes), env_dir.display()),
        )
    });
    Ok(Prepared {
        python: env_python(&env_dir),
        env_dir,
        trainer,
        already_prepared: false,
        bytes,
    })
}

fn check_free_space(data_dir: &Path) -> Result<(), LocalError> {
    let needed = std::env::var(MIN_FREE_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MIN_FREE_BYTES);
    let available = fs4::available_space(data_dir).map_err(|source| LocalError::Io {
        context: "cannot read the free space of",
        path: data_dir.display().to_string(),
        source,
    })?;
    if available < needed {
        return Err(LocalError::NotEnoughSpace {
            path: data_dir.display().to_string(),
            needed: human_bytes(needed),
            available: human_bytes(available),
        });
    }
    Ok(())
}

fn read_stamp(env_dir: &Path) -> Option<Stamp> {
    serde_json::from_str(&std::fs::read_to_string(env_dir.join(STAMP_FILE)).ok()?).ok()
}

/// The trainer's files that go into an environment: what it is built from and what it pins.
fn trainer_files(dir: &Path) -> Result<Vec<PathBuf>, LocalError> {
    let mut files: Vec<PathBuf> = ["pyproject.toml", "requirements.txt", "overrides.txt"]
        .iter()
        .map(PathBuf::from)
        .filter(|f| dir.join(f).is_file())
        .collect();
    let mut stack = vec![PathBuf::from("brightrun_trainer")];
    while let Some(rel) = stack.pop() {
        let entries = std::fs::read_dir(dir.join(&rel)).map_err(|source| LocalError::Io {
            context: "cannot read",
            path: dir.join(&rel).display().to_string(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = rel.join(entry.file_name());
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && entry.file_name() != "__pycache__" {
                stack.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A hash of the trainer's files and names: a new app version with another trainer prepares again.
fn fingerprint(dir: &Path) -> Result<String, LocalError> {
    let mut hash = Sha256::new();
    for rel in trainer_files(dir)? {
        let bytes = std::fs::read(dir.join(&rel)).map_err(|source| LocalError::Io {
            context: "cannot read",
            path: dir.join(&rel).display().to_string(),
            source,
        })?;
        hash.update(rel.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hex::encode(hash.finalize()))
}

fn copy_trainer(from: &Path, to: &Path) -> Result<(), LocalError> {
    for rel in trainer_files(from)? {
        let target = to.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|source| LocalError::Io {
                context: "cannot create",
                path: parent.display().to_string(),
                source,
            })?;
        }
        std::fs::copy(from.join(&rel), &target).map_err(|source| LocalError::Io {
            context: "cannot copy the trainer to",
            path: target.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_the_trainer_and_ignores_caches() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("brightrun_trainer/__pycache__")).unwrap();
        std::fs::write(dir.join("pyproject.toml"), "x").unwrap();
        std::fs::write(dir.join("requirements.txt"), "torch==1").unwrap();
        std::fs::write(dir.join("brightrun_trainer/__init__.py"), "").unwrap();
        let first = fingerprint(dir).unwrap();
        std::fs::write(dir.join("brightrun_trainer/__pycache__/x.pyc"), "junk").unwrap();
        assert_eq!(fingerprint(dir).unwrap(), first);
        std::fs::write(dir.join("requirements.txt"), "torch==2").unwrap();
        assert_ne!(fingerprint(dir).unwrap(), first);

        let copy = tmp.path().join("copy");
        copy_trainer(dir, &copy).unwrap();
        assert_eq!(fingerprint(&copy).unwrap(), fingerprint(dir).unwrap());
        assert!(!copy.join("brightrun_trainer/__pycache__").exists());
    }
}
