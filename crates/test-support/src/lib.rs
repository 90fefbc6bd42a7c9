//! What the workspace's tests share to reach real parts: the repository, the trainer's Python, the built
//! `brightrun-agent`, the tiny Llama the trainer builds, and the v4 sample dataset. Each helper fails (never
//! skips) with the command to run when its part is missing, so a test cannot pass by not testing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The trainer's python: `$BRIGHTRUN_PYTHON`, else `<repo>/.venv/bin/python`.
pub fn python() -> PathBuf {
    let candidate = std::env::var_os("BRIGHTRUN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    assert!(
        candidate.exists(),
        "the trainer's Python environment is missing at {}: run `bash scripts/setup-python.sh` (or set \
         BRIGHTRUN_PYTHON to a python with brightrun_trainer installed)",
        candidate.display()
    );
    candidate
}

/// The built agent: `$BRIGHTRUN_AGENT_BIN`, else `debug/brightrun-agent` under `$CARGO_TARGET_DIR` (or the
/// workspace's `target`).
pub fn agent_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("BRIGHTRUN_AGENT_BIN") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "BRIGHTRUN_AGENT_BIN={} is not a file; build it with `cargo build -p brightrun-agent`",
            path.display()
        );
        return path;
    }
    let path = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
        .join("debug")
        .join("brightrun-agent");
    assert!(
        path.is_file(),
        "these tests talk to a real agent, and {} does not exist: run `cargo build -p brightrun-agent` first \
         (or set BRIGHTRUN_AGENT_BIN)",
        path.display()
    );
    path
}

/// The v4 sample (`../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl`).
pub fn sample() -> PathBuf {
    let path = repo_root().join("../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
    assert!(path.is_file(), "the v4 sample is missing at {}", path.display());
    path
}

/// The tiny model (`python -m brightrun_trainer.tiny_model`), built once per version of its source into
/// `cache` (a test's `env!("CARGO_TARGET_TMPDIR")`); test binaries running at once share one build.
pub fn tiny_model(cache: &Path) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    let _guard = BUILDING.lock().unwrap_or_else(|p| p.into_inner());
    BUILT
        .get_or_init(|| {
            let source = std::fs::read(repo_root().join("trainer/brightrun_trainer/tiny_model.py"))
                .expect("trainer/brightrun_trainer/tiny_model.py");
            let version = &hex::encode(Sha256::digest(&source))[..16];
            let out = cache.join(format!("tiny-model-{version}"));
            if out.join("config.json").is_file() {
                return out;
            }
            // Per process, so test binaries run in parallel never build into the same folder.
            let tmp = out.with_extension(format!("building-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            let status = Command::new(python())
                .args(["-m", "brightrun_trainer.tiny_model", "--out"])
                .arg(&tmp)
                .env("HF_HUB_OFFLINE", "1")
                .stdout(Stdio::null())
                .status()
                .expect("run brightrun_trainer.tiny_model");
            assert!(status.success(), "building the tiny model failed");
            if std::fs::rename(&tmp, &out).is_err() {
                // Another process put its identical build there first.
                assert!(
                    out.join("config.json").is_file(),
                    "cannot move the tiny model into place"
                );
                let _ = std::fs::remove_dir_all(&tmp);
            }
            out
        })
        .clone()
}
