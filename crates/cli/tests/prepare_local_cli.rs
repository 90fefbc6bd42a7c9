//! `brightrun cluster prepare-local`'s refusals, with the real binary on a temporary data folder: it never runs
//! what the current directory holds, and it says plainly when the disk is too small or PyPI unreachable, leaving
//! nothing behind. (A whole preparation, from an installed bundle, is tests/install/run.sh.)

use std::path::Path;

use assert_cmd::Command;

/// A folder that looks like a BrightRun checkout whose setup script leaves a mark when it runs.
fn decoy_checkout(dir: &Path, mark: &Path) {
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::create_dir_all(dir.join("trainer/brightrun_trainer")).unwrap();
    std::fs::write(
        dir.join("scripts/setup-python.sh"),
        format!("#!/bin/sh\ntouch '{}'\n", mark.display()),
    )
    .unwrap();
    std::fs::write(dir.join("trainer/pyproject.toml"), "[project]\nname = 'decoy'\n").unwrap();
    std::fs::write(dir.join("trainer/brightrun_trainer/__init__.py"), "").unwrap();
}

fn prepare(data: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("brightrun").unwrap();
    cmd.current_dir(cwd)
        .env("BRIGHTRUN_DATA_DIR", data)
        .env_remove("BRIGHTRUN_TRAINER_DIR")
        .env_remove("BRIGHTRUN_UV")
        .args(["--json", "cluster", "prepare-local"]);
    cmd
}

fn error_of(output: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    value["error"].clone()
}

#[test]
fn too_little_disk_space_is_said_before_anything_is_written_and_the_current_directory_is_never_used() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let mark = cwd.path().join("ran");
    decoy_checkout(cwd.path(), &mark);

    let output = prepare(data.path(), cwd.path())
        .env("BRIGHTRUN_PREPARE_MIN_FREE_BYTES", "1000000000000000")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = error_of(&output);
    assert_eq!(error["code"], "disk_full", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("not enough disk space"),
        "{error}"
    );
    // The trainer it found is the checkout this debug build came from, not the decoy in the working folder.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let decoy = cwd.path().join("trainer").display().to_string();
    assert!(stderr.contains("Trainer: "), "{stderr}");
    assert!(!stderr.contains(&decoy), "{stderr}");
    assert!(!mark.exists(), "the working folder's setup script ran");
    let left: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("python.prepare.lock")],
        "{left:?}"
    );
}

#[test]
fn a_trainer_folder_set_explicitly_but_wrong_is_an_error_not_a_fallback() {
    let data = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let output = prepare(data.path(), cwd.path())
        .env("BRIGHTRUN_TRAINER_DIR", cwd.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = error_of(&output);
    assert_eq!(error["code"], "trainer_not_found", "{error}");
    assert!(!data.path().join("python").exists());
}
