//! What the workspace's tests share to reach real parts: the repository, the trainer's Python, the built
//! `brightrun-agent` (a key, its announced address), the tiny Llama the trainer builds, the v4 sample dataset
//! and the local Slurm. Each helper fails (never skips) with the command to run when its part is missing, so a
//! test cannot pass by not testing; the one exception is Slurm where `sbatch` is not installed, skipped loudly.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// `brightrun-agent keys create --name NAME --data-dir DATA_DIR` with the agent at `bin`; returns the key (the
/// last line it prints).
pub fn create_agent_key(bin: &Path, data_dir: &Path, name: &str) -> String {
    let output = Command::new(bin)
        .args(["keys", "create", "--name", name, "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("run brightrun-agent keys create");
    assert!(
        output.status.success(),
        "keys create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .expect("a key line")
        .trim()
        .to_string()
}

/// The address an agent started with `serve --listen 127.0.0.1:0` and a piped stdout announces (its
/// `listening on URL` line). Takes the child's stdout; panics when the agent exits without announcing one.
pub fn agent_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("start the agent with a piped stdout");
    BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(|u| u.trim().to_string()))
        .expect("the agent exited without announcing its address (listening on URL)")
}

/// Starts the local one-node Slurm (`scripts/slurm-local.sh start`, needs root) for a test of `what`; false,
/// with a loud message, only where Slurm's `sbatch` is not installed.
pub fn start_local_slurm(what: &str) -> bool {
    let installed = Command::new("sh")
        .args(["-c", "command -v sbatch"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!(
            "\n!!!!!!!!!!\nSKIPPED: Slurm's sbatch is not installed, so {what} cannot run.\n\
             Install it with scripts/setup.sh (apt: slurmctld slurmd slurm-client munge).\n!!!!!!!!!!\n"
        );
        return false;
    }
    let output = Command::new("bash")
        .arg(repo_root().join("scripts/slurm-local.sh"))
        .arg("start")
        .output()
        .expect("run scripts/slurm-local.sh");
    assert!(
        output.status.success(),
        "scripts/slurm-local.sh start failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

/// A real `brightrun-agent serve --listen 127.0.0.1:0` with a fresh temporary data folder and one API key;
/// killed on drop.
pub struct ServedAgent {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// A valid API key.
    pub key: String,
    /// Its data folder.
    pub data_dir: tempfile::TempDir,
}

impl ServedAgent {
    /// Starts [`agent_bin`] with `extra_args` after the listen address and data folder (`--python
    /// /nonexistent/python` for tests that need the API but no trainer: a job it accepts fails as it starts),
    /// and waits for its address.
    pub fn start(extra_args: &[&str]) -> Self {
        let bin = agent_bin();
        let data_dir = tempfile::tempdir().expect("a temporary folder");
        let key = create_agent_key(&bin, data_dir.path(), "tests");
        let mut child = Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start brightrun-agent");
        let url = agent_url(&mut child);
        Self {
            child,
            url,
            key,
            data_dir,
        }
    }
}

impl Drop for ServedAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
