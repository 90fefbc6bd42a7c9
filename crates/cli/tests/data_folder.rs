//! The data folder seen from outside: many CLI processes opening one new folder at once, and the modes of
//! what the first run creates. The real binary on temporary folders.

use std::process::{Command, Stdio};

/// The built CLI (cargo builds it for integration tests).
fn brightrun() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brightrun"))
}

/// Twenty processes migrating one new, empty data folder at the same moment all succeed: the check for
/// applied migrations and their apply share one write transaction, so no process runs a migration twice.
#[test]
fn twenty_processes_open_one_new_data_folder_at_once() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..20)
            .map(|_| {
                brightrun()
                    .args(["jobs", "list", "--json"])
                    .env("BRIGHTRUN_DATA_DIR", dir.path())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: exit {:?}\nstdout: {}\nstderr: {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            let jobs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(jobs, serde_json::json!([]), "round {round}");
        }
    }
}

/// Other users of the machine cannot read the library: the folder is 0700 and the database 0600, even when
/// the folder existed with looser modes before.
#[cfg(unix)]
#[test]
fn the_first_run_makes_the_data_folder_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    for dir in [parent.path().join("new"), parent.path().join("existing")] {
        if dir.ends_with("existing") {
            std::fs::create_dir(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let output = brightrun()
            .args(["jobs", "list", "--json"])
            .env("BRIGHTRUN_DATA_DIR", &dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        assert_eq!(mode(&dir.join("brightrun.db")), 0o600);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                assert_eq!(mode(&path) & 0o077, 0, "{} is readable by others", path.display());
            }
        }
    }
}
