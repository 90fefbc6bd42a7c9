//! Harness of the jobs tests: a real `brightrun-agent` (BRIGHTRUN_AGENT_BIN or target/debug) with the real
//! trainer (BRIGHTRUN_PYTHON or <repo>/.venv/bin/python) on the tiny model, a real SQLite store in a temporary
//! data folder with the v4 sample imported, and a poller over them.
#![allow(dead_code, unused_imports)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use brightrun_core::cluster::client::MetricsPoint;
use brightrun_core::cluster::{ClusterClient, Sensitive};
use brightrun_core::jobs::{
    FixedClients, JobEvent, LaunchRequest, Poller, PollerConfig, RecordOnlyNotifier, SharedStore,
};
use brightrun_core::store::{import_dataset, ClusterKind, ImportRequest, NewCluster, Store};
use brightrun_core::training::estimator::ModelSpec;
use brightrun_core::training::Hyperparameters;
use sha2::{Digest, Sha256};

pub use brightrun_test_support::{agent_bin, python, repo_root};

/// The tiny model, built once per trainer version into the cargo target's temp folder.
pub fn tiny_model() -> PathBuf {
    brightrun_test_support::tiny_model(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The tiny model's shape, for the estimate.
pub fn tiny_spec() -> ModelSpec {
    let config = std::fs::read_to_string(tiny_model().join("config.json")).expect("tiny config.json");
    ModelSpec::from_hf_config(&config).expect("tiny model shape")
}

/// Quick agent settings: short cancel grace, frequent metric writes; `extra` adds TOML (e.g. prices).
pub fn agent_config(extra: &str) -> String {
    format!("cancel_grace_seconds = 5\nmetrics_flush_ms = 200\n{extra}")
}

/// A running agent process.
pub struct Agent {
    pub data_dir: PathBuf,
    pub url: String,
    pub key: String,
    config: String,
    child: Option<Child>,
}

impl Agent {
    /// Starts an agent on `data_dir` (the tiny model offered as the local model `tiny`) on `listen`.
    pub fn start(data_dir: &Path, config: &str, listen: &str, key: Option<String>) -> Self {
        let models = data_dir.join("models");
        std::fs::create_dir_all(&models).expect("models folder");
        let tiny = models.join("tiny");
        if !tiny.exists() {
            std::os::unix::fs::symlink(tiny_model(), &tiny).expect("link the tiny model");
        }
        let key = key.unwrap_or_else(|| create_key(data_dir));
        let config_path = data_dir.join("agent.toml");
        std::fs::write(&config_path, config).expect("write agent.toml");
        let mut child = Command::new(agent_bin())
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(data_dir)
            .arg("--config")
            .arg(&config_path)
            .arg("--python")
            .arg(python())
            .env("HF_HUB_OFFLINE", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start brightrun-agent");
        let url = brightrun_test_support::agent_url(&mut child);
        Self {
            data_dir: data_dir.to_path_buf(),
            url,
            key,
            config: config.to_string(),
            child: Some(child),
        }
    }

    /// A client of this agent over `http`.
    pub fn client(&self, http: &reqwest::Client) -> ClusterClient {
        ClusterClient::new(http.clone(), &self.url, Sensitive::new(self.key.clone())).expect("client")
    }

    /// `kill -9`: no shutdown code runs, the trainer is orphaned and stops with it (parent-death signal).
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A new agent process on the same data folder, key and port (so clients keep their URL).
    pub fn restart(mut self) -> Self {
        self.kill9();
        let listen = self.url.trim_start_matches("http://").to_string();
        // The port was just freed; binding again may race with the kernel for a moment.
        for _ in 0..50 {
            if std::net::TcpListener::bind(&listen).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Agent::start(
            &self.data_dir.clone(),
            &self.config.clone(),
            &listen,
            Some(self.key.clone()),
        )
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: the agent stops its trainers before it exits, so no test leaves python running.
            // SAFETY: kill(2) on a pid we spawned and have not reaped.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            for _ in 0..300 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `brightrun-agent keys create`; the key is the last line printed.
pub fn create_key(data_dir: &Path) -> String {
    brightrun_test_support::create_agent_key(&agent_bin(), data_dir, "jobs-tests")
}

/// A test world: a data folder with a store (the v4 sample imported), a cluster row, and an agent.
pub struct World {
    pub dir: tempfile::TempDir,
    pub data_dir: PathBuf,
    pub store: SharedStore,
    pub dataset_id: String,
    pub cluster_id: String,
    pub http: reqwest::Client,
    pub agent: Option<Agent>,
}

impl World {
    /// A new world whose agent uses `agent_extra` TOML on top of the quick settings.
    pub fn new(agent_extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("app");
        let store = Store::open(&data_dir).expect("open store");
        let sample = repo_root().join("../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
        assert!(
            sample.is_file(),
            "the v4 sample is missing at {}",
            sample.display()
        );
        let imported = import_dataset(
            &store,
            &data_dir,
            &sample,
            &ImportRequest::default(),
            &Default::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .expect("import the v4 sample");
        let agent_dir = dir.path().join("agent");
        let agent = Agent::start(&agent_dir, &agent_config(agent_extra), "127.0.0.1:0", None);
        let cluster = store
            .clusters()
            .insert(&NewCluster {
                name: "test agent".into(),
                url: agent.url.clone(),
                kind: ClusterKind::Remote,
            })
            .expect("cluster row");
        Self {
            data_dir,
            store: Arc::new(Mutex::new(store)),
            dataset_id: imported.dataset.id,
            cluster_id: cluster.id,
            http: reqwest::Client::new(),
            agent: Some(agent),
            dir,
        }
    }

    pub fn agent(&self) -> &Agent {
        self.agent.as_ref().expect("agent running")
    }

    pub fn client(&self) -> ClusterClient {
        self.agent().client(&self.http)
    }

    /// A poller over this world's store with a fixed client of its agent, polling every `interval`.
    pub fn poller(&self, interval: Duration) -> Poller {
        let clients = FixedClients::new().with(self.cluster_id.clone(), self.client());
        let mut config = PollerConfig::new(self.data_dir.clone(), interval);
        config.backoff_base = Duration::from_millis(200);
        config.backoff_max = Duration::from_secs(2);
        Poller::new(
            Arc::clone(&self.store),
            Arc::new(clients),
            Arc::new(RecordOnlyNotifier),
            config,
        )
    }

    /// A launch of the v4 sample on the tiny model for `max_steps` steps.
    pub fn request(&self, max_steps: u32) -> LaunchRequest {
        LaunchRequest {
            dataset_id: self.dataset_id.clone(),
            cluster_id: self.cluster_id.clone(),
            name: Some("tiny run".into()),
            base_model: "tiny".into(),
            model_spec: Some(tiny_spec()),
            hyperparameters: tiny_hyperparameters(max_steps),
            gpu_type: None,
            gpu_count: 1,
            spot: false,
            max_duration_hours: 1.0,
            budget_override: false,
            retry_of: None,
            skip_invalid: false,
        }
    }
}

/// Short, valid settings for the tiny model: a point every step, validation and a checkpoint every 4 steps.
pub fn tiny_hyperparameters(max_steps: u32) -> Hyperparameters {
    Hyperparameters {
        learning_rate: 1e-3,
        batch_size: 4,
        gradient_accumulation: 1,
        num_epochs: 1,
        max_steps: Some(max_steps),
        lora_rank: 8,
        lora_alpha: 16,
        lora_dropout: 0.0,
        max_seq_len: 1024,
        validation_split: 0.1,
        eval_steps: Some(4),
        logging_steps: 1,
        save_steps: Some(4),
        seed: 7,
        ..Hyperparameters::default()
    }
}

/// The agent's full metrics list of a job (every point it ever stored).
pub async fn agent_points(client: &ClusterClient, remote_id: &str) -> Vec<MetricsPoint> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = client.metrics(remote_id, after).await.expect("agent metrics");
        let Some(last) = page.last().map(|p| p.step) else {
            return all;
        };
        after = Some(last);
        all.extend(page);
    }
}

/// Asserts that the stored points are exactly the agent's: the same steps, each once, with the same values.
pub fn assert_same_points(stored: &[MetricsPoint], agent: &[MetricsPoint]) {
    let stored_steps: Vec<u64> = stored.iter().map(|p| p.step).collect();
    let agent_steps: Vec<u64> = agent.iter().map(|p| p.step).collect();
    assert_eq!(stored_steps, agent_steps, "stored steps differ from the agent's");
    let mut dedup = stored_steps.clone();
    dedup.dedup();
    assert_eq!(dedup, stored_steps, "a step is stored twice");
    assert_eq!(stored, agent, "stored values differ from the agent's");
}

/// Drains the events received so far.
pub fn drain(rx: &mut tokio::sync::broadcast::Receiver<JobEvent>) -> Vec<JobEvent> {
    let mut out = Vec::new();
    while let Ok(event) = rx.try_recv() {
        out.push(event);
    }
    out
}
