//! Test harness: the real `brightrun-agent` binary on 127.0.0.1:0 with a temporary data folder, the real trainer
//! (the project's Python environment) and the tiny model it builds.

#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const BIN: &str = env!("CARGO_BIN_EXE_brightrun-agent");

pub use brightrun_test_support::python;
use brightrun_test_support::repo_root;

/// The tiny model, built once per trainer version into the cargo target's temp folder.
pub fn tiny_model() -> PathBuf {
    brightrun_test_support::tiny_model(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The real v4 sample as openai_messages JSONL (the committed conversion), with its SHA-256.
pub fn dataset() -> (Vec<u8>, String) {
    static DATA: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    DATA.get_or_init(|| {
        // The v4 sample (CC-BY-4.0, see tests/fixtures/LICENSE) as `brightrun dataset convert --to
        // openai_messages` writes it: committed converted, so the agent's tests link nothing of the core.
        let out = repo_root().join("crates/agent/tests/fixtures/EQ-12-conversations-demo.openai.jsonl");
        let lines = std::fs::read_to_string(&out)
            .expect("the converted sample")
            .lines()
            .count();
        assert_eq!(lines, 44, "the sample has 44 pairs with a target");
        let bytes = std::fs::read(&out).expect("read the converted dataset");
        let sha = hex::encode(Sha256::digest(&bytes));
        (bytes, sha)
    })
    .clone()
}

/// A running agent.
pub struct Agent {
    pub data_dir: PathBuf,
    pub url: String,
    pub key: String,
    pub client: reqwest::Client,
    child: Option<Child>,
    config: String,
    _dir: Option<tempfile::TempDir>,
}

/// Settings that keep tests quick: a short cancel grace period and frequent metric writes.
pub const TEST_CONFIG: &str = "cancel_grace_seconds = 10\nmetrics_flush_ms = 200\n";

impl Agent {
    /// Starts an agent on a new data folder with the tiny model offered as the local model `tiny`.
    pub fn start(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(data_dir.join("models")).expect("models folder");
        let mut agent = Self::start_in(&data_dir, config, None);
        agent._dir = Some(dir);
        agent
    }

    /// Starts an agent on `data_dir`; with `key` None a new key is created.
    pub fn start_in(data_dir: &Path, config: &str, key: Option<String>) -> Self {
        Self::start_with(data_dir, config, key, |_| {})
    }

    /// Like `start_in`, with a last say on the command (limits, environment) before it starts.
    pub fn start_with(
        data_dir: &Path,
        config: &str,
        key: Option<String>,
        adjust: impl FnOnce(&mut Command),
    ) -> Self {
        let models = data_dir.join("models");
        std::fs::create_dir_all(&models).expect("models folder");
        let tiny = models.join("tiny");
        if !tiny.exists() {
            std::os::unix::fs::symlink(tiny_model(), &tiny).expect("link the tiny model");
        }
        let key = key.unwrap_or_else(|| create_key(data_dir, "tests"));
        let config_path = data_dir.join("agent.toml");
        std::fs::write(&config_path, config).expect("write agent.toml");
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .arg("--config")
            .arg(&config_path)
            .arg("--python")
            .arg(python())
            .env("HF_HUB_OFFLINE", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        adjust(&mut command);
        let mut child = command.spawn().expect("start brightrun-agent");
        let url = brightrun_test_support::agent_url(&mut child);
        Self {
            data_dir: data_dir.to_path_buf(),
            url,
            key,
            client: reqwest::Client::new(),
            child: Some(child),
            config: config.to_string(),
            _dir: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.at(path)).bearer_auth(&self.key)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.at(path)).bearer_auth(&self.key)
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(self.at(path)).bearer_auth(&self.key)
    }

    pub async fn json(&self, path: &str) -> Value {
        let response = self.get(path).send().await.expect("request");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("json body")
    }

    /// Uploads the converted sample in one piece.
    pub async fn upload_dataset(&self) -> String {
        let (bytes, sha) = dataset();
        let response = self
            .put(&format!("/v1/datasets/{sha}"))
            .body(bytes)
            .send()
            .await
            .expect("upload");
        assert!(response.status().is_success(), "upload: {}", response.status());
        sha
    }

    /// Submits a job on the tiny model; returns its id.
    pub async fn submit(&self, sha: &str, hyperparameters: Value) -> String {
        let gpu_type = self.json("/v1/capabilities").await["gpus"][0]["type"].clone();
        let body = json!({
            "name": "tiny test run",
            "dataset_sha256": sha,
            "base_model": "tiny",
            "hyperparameters": hyperparameters,
            "gpu": {"type": gpu_type, "count": 1},
            "spot": false,
            "max_duration_hours": 1,
        });
        let response = self.post("/v1/jobs").json(&body).send().await.expect("submit");
        let status = response.status();
        let job: Value = response.json().await.expect("job json");
        assert_eq!(status, 201, "submit: {job}");
        job["id"].as_str().expect("job id").to_string()
    }

    /// Polls the job until `done` says so; fails with the job and its log after `limit`.
    pub async fn wait_for(&self, id: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let job = self.json(&format!("/v1/jobs/{id}")).await;
            if done(&job) {
                return job;
            }
            if start.elapsed() > limit {
                let log = self.json(&format!("/v1/jobs/{id}/logs")).await;
                panic!(
                    "gave up waiting on job {id}: {job:#}\nlog:\n{}",
                    log["text"].as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for the job to end; returns it.
    pub async fn wait_until_finished(&self, id: &str) -> Value {
        self.wait_for(id, Duration::from_secs(240), |job| {
            matches!(job["status"].as_str(), Some("completed" | "failed" | "cancelled"))
        })
        .await
    }

    /// SIGTERM, what a service manager sends to stop the agent.
    pub fn sigterm(&self) {
        if let Some(child) = &self.child {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            )
            .expect("send SIGTERM");
        }
    }

    /// Waits for the agent process to exit by itself; when it did, or `None` past `limit` (then it is killed).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<Instant> {
        let mut child = self.child.take()?;
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                return Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts a new agent process on the same data folder and key.
    pub fn restart(mut self) -> Self {
        self.kill9();
        let dir = self._dir.take();
        let mut next = Self::start_in(&self.data_dir, &self.config, Some(self.key.clone()));
        next._dir = dir;
        next
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: the agent stops its trainers before it exits, so no test leaves python running.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `brightrun-agent keys create`; returns the key (the last line printed).
pub fn create_key(data_dir: &Path, name: &str) -> String {
    brightrun_test_support::create_agent_key(std::path::Path::new(BIN), data_dir, name)
}

/// Hyperparameters for a short, valid run on the tiny model.
pub fn tiny_hyperparameters(max_steps: u32, save_steps: u32) -> Value {
    json!({
        "learning_rate": 0.001,
        "batch_size": 4,
        "num_epochs": 1,
        "max_steps": max_steps,
        "lora_rank": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "max_seq_len": 2048,
        "validation_split": 0.1,
        "logging_steps": 1,
        "save_steps": save_steps,
        "seed": 7,
    })
}

/// Checks `value` against the OpenAPI `schema` (resolving `$ref`s in `doc`): every documented required field is
/// present, no undocumented field appears, and nested objects and arrays follow theirs. Returns the problems.
pub fn schema_problems(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let resolved = &doc["components"]["schemas"][name];
        if resolved.is_null() {
            return vec![format!("{at}: unknown schema {reference}")];
        }
        return schema_problems(doc, resolved, value, at);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
            if options
                .iter()
                .any(|o| schema_problems(doc, o, value, at).is_empty())
            {
                return vec![];
            }
            return vec![format!("{at}: matches none of {combinator}")];
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return parts
            .iter()
            .flat_map(|p| schema_problems(doc, p, value, at))
            .collect();
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let matches_type = types.is_empty()
        || types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            _ => true,
        });
    if !matches_type {
        return vec![format!("{at}: {value} is not of type {types:?}")];
    }
    let mut problems = Vec::new();
    if let (Some(object), Some(properties)) = (
        value.as_object(),
        schema.get("properties").and_then(Value::as_object),
    ) {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                problems.push(format!("{at}.{name}: required but missing"));
            }
        }
        for (key, field) in object {
            match properties.get(key) {
                Some(property) => {
                    problems.extend(schema_problems(doc, property, field, &format!("{at}.{key}")))
                }
                None => problems.push(format!("{at}.{key}: not in the documented schema")),
            }
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            problems.extend(schema_problems(doc, schema_items, item, &format!("{at}[{i}]")));
        }
    }
    problems
}

/// The schema of the 200 (or `status`) JSON response of `method path` in the OpenAPI document.
pub fn response_schema(doc: &Value, method: &str, path: &str, status: &str) -> Value {
    let schema = &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "no documented {status} JSON response for {method} {path}"
    );
    schema.clone()
}
