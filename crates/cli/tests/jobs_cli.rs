//! `brightrun train / jobs / models` end to end: the real binary on a temporary data folder, the real local
//! cluster (a `brightrun-agent` daemon the CLI starts), the real trainer on the tiny model, the real OS keyring.
//! Run under scripts/with-session.sh after `cargo build -p brightrun-agent`, with BRIGHTRUN_PYTHON (or
//! <repo>/.venv) set up by scripts/setup-python.sh.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use brightrun_core::cluster::{client, ClusterClient, Keyring};
use brightrun_core::store::Store;
use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let python = std::env::var_os("BRIGHTRUN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    assert!(
        python.exists(),
        "the trainer's Python is missing at {}: run `bash scripts/setup-python.sh` or set BRIGHTRUN_PYTHON",
        python.display()
    );
    python
}

fn agent_bin() -> PathBuf {
    let path = std::env::var_os("BRIGHTRUN_AGENT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"))
                .join("debug/brightrun-agent")
        });
    assert!(
        path.is_file(),
        "these tests start a real agent and {} does not exist: run `cargo build -p brightrun-agent` first",
        path.display()
    );
    path
}

fn sample() -> PathBuf {
    let path = repo_root().join("../shared/datasets/brightrun-v4/EQ-12-conversations-demo.jsonl");
    assert!(path.is_file(), "the v4 sample is missing at {}", path.display());
    path
}

struct Env {
    data: tempfile::TempDir,
    service: String,
}

impl Env {
    fn new() -> Self {
        let service = format!(
            "app.brightrun.test.jobs-cli.{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        if let Err(err) = Keyring::new(&service).check() {
            panic!(
                "this test needs a real OS keyring and none answers: {err}\nRun it under scripts/with-session.sh:\n  \
                 bash scripts/with-session.sh cargo test -p brightrun-cli --test jobs_cli"
            );
        }
        Env {
            data: tempfile::tempdir().unwrap(),
            service,
        }
    }

    fn std_cmd(&self) -> StdCommand {
        let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("brightrun"));
        cmd.env("BRIGHTRUN_DATA_DIR", self.data.path())
            .env("BRIGHTRUN_KEYRING_SERVICE", &self.service)
            .env("BRIGHTRUN_AGENT_BIN", agent_bin())
            .env("BRIGHTRUN_PYTHON", python())
            .env("BRIGHTRUN_POLL_INTERVAL_MS", "300")
            .env("HF_HUB_OFFLINE", "1");
        cmd
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let output = Command::from_std(self.std_cmd()).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: {e}\nstdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        (output.status.code().unwrap_or(-1), value)
    }

    /// The agent's full metrics list of a job, read with the local cluster's key from the keyring.
    async fn agent_steps(&self, remote_id: &str) -> Vec<u64> {
        let store = Store::open(self.data.path()).unwrap();
        let cluster = store.clusters().local().unwrap().expect("local cluster row");
        let key = Keyring::new(&self.service).api_key(&cluster.id).unwrap();
        let client = ClusterClient::new(client::http_client().unwrap(), &cluster.url, key).unwrap();
        let mut steps = Vec::new();
        let mut after = None;
        loop {
            let page = client.metrics(remote_id, after).await.unwrap();
            let Some(last) = page.last().map(|p| p.step) else {
                return steps;
            };
            after = Some(last);
            steps.extend(page.iter().map(|p| p.step));
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // The local agent is a daemon that outlives the CLI on purpose; the test stops the one it caused.
        let _ = self.std_cmd().args(["cluster", "local", "--stop"]).output();
    }
}

fn steps_of(metrics: &Value) -> Vec<u64> {
    metrics
        .as_array()
        .expect("metrics array")
        .iter()
        .map(|p| p["step"].as_u64().expect("step"))
        .collect()
}

const TINY: [&str; 8] = [
    "--set",
    "max_steps=8",
    "--set",
    "learning_rate=1e-3",
    "--set",
    "logging_steps=1",
    "--set",
    "eval_steps=4",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn train_wait_then_jobs_and_models_print_their_contracts_and_a_killed_watch_loses_nothing() {
    let env = Env::new();
    let sample = sample();
    let sample = sample.to_str().unwrap();

    // train --wait --json: exit 0, the job completed with its metrics, and the verified model.
    let mut args = vec![
        "train",
        sample,
        "--cluster",
        "local",
        "--name",
        "cli run",
        "--wait",
        "--json",
    ];
    args.extend(TINY);
    let (code, out) = env.json(&args);
    assert_eq!(code, 0, "{out:#}");
    let job = &out["job"];
    assert_eq!(job["status"], "completed", "{out:#}");
    let job_id = job["id"].as_str().unwrap().to_string();
    assert_eq!(steps_of(&job["metrics"]), (1..=8).collect::<Vec<_>>());
    let model = &out["model"];
    assert_eq!(model["job_id"], job_id.as_str());
    assert_eq!(model["verified"], true);
    let adapter_dir = PathBuf::from(model["adapter_dir"].as_str().unwrap());
    assert!(adapter_dir.join("adapter_model.safetensors").is_file());
    assert!(adapter_dir.starts_with(env.data.path()));

    // jobs list --json: an array of jobs with the contract's fields.
    let (code, list) = env.json(&["jobs", "list", "--json"]);
    assert_eq!(code, 0);
    let first = &list.as_array().unwrap()[0];
    for field in ["id", "status", "name", "cluster", "progress", "cost_usd"] {
        assert!(first.get(field).is_some(), "jobs list lacks {field}: {first:#}");
    }
    assert_eq!(first["cluster"], "Local (this computer)");
    assert_eq!(first["name"], "cli run");
    let (_, completed) = env.json(&["jobs", "list", "--status", "completed", "--json"]);
    assert_eq!(completed.as_array().unwrap().len(), 1);
    let (_, failed) = env.json(&["jobs", "list", "--status", "failed", "--json"]);
    assert!(failed.as_array().unwrap().is_empty());

    // jobs show --json: status, metrics with their fields, and the error (null here).
    let (code, show) = env.json(&["jobs", "show", &job_id, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(show["status"], "completed");
    assert!(show.get("error").is_some_and(Value::is_null));
    let point = &show["metrics"][0];
    for field in ["step", "epoch", "train_loss", "val_loss", "learning_rate"] {
        assert!(
            point.get(field).is_some(),
            "metrics point lacks {field}: {point:#}"
        );
    }

    // jobs logs: the log text the poller stored.
    let logs = env.std_cmd().args(["jobs", "logs", &job_id]).output().unwrap();
    assert_eq!(logs.status.code(), Some(0));
    assert!(!logs.stdout.is_empty(), "no log text stored");

    // models list --json: the model with its quality block; models show adds the lineage.
    let (code, models) = env.json(&["models", "list", "--json"]);
    assert_eq!(code, 0);
    let m = &models.as_array().unwrap()[0];
    for field in ["id", "job_id", "name", "adapter_dir"] {
        assert!(m.get(field).is_some(), "models list lacks {field}: {m:#}");
    }
    for field in [
        "final_train_loss",
        "final_val_loss",
        "perplexity",
        "improvement_pct",
        "overfitting",
        "rating",
    ] {
        assert!(m["quality"].get(field).is_some(), "quality lacks {field}: {m:#}");
    }
    let (code, shown) = env.json(&["models", "show", m["id"].as_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    assert_eq!(shown["lineage"]["job"]["id"], job_id.as_str());
    assert!(shown["lineage"]["dataset"]["id"].is_string());
    assert_eq!(shown["lineage"]["config"]["hyperparameters"]["max_steps"], 8);

    // A second job, launched without waiting; `jobs watch` is killed -9 mid-run and started again.
    let mut args = vec![
        "train",
        sample,
        "--cluster",
        "local",
        "--name",
        "watched",
        "--json",
    ];
    args.extend(TINY);
    let (code, launched) = env.json(&args);
    assert_eq!(code, 0, "{launched:#}");
    let second = launched["job"]["id"].as_str().unwrap().to_string();
    let mut watch = env
        .std_cmd()
        .args(["jobs", "watch", &second, "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut points = 0;
    for line in BufReader::new(watch.stdout.take().unwrap()).lines() {
        let event: Value = serde_json::from_str(&line.unwrap()).expect("one JSON event per line");
        if event["type"] == "metrics" {
            points += event["points"].as_array().map_or(0, Vec::len);
        }
        if points >= 2 || event["type"] == "ended" {
            break;
        }
    }
    watch.kill().unwrap(); // SIGKILL: no cleanup runs
    watch.wait().unwrap();

    let (code, _) = {
        let output = env.std_cmd().args(["jobs", "watch", &second]).output().unwrap();
        (output.status.code().unwrap_or(-1), ())
    };
    assert_eq!(code, 0, "the job completes after the watcher was killed");
    let (_, show) = env.json(&["jobs", "show", &second, "--json"]);
    assert_eq!(show["status"], "completed", "{show:#}");
    let stored = steps_of(&show["metrics"]);
    let on_agent = env.agent_steps(show["remote_job_id"].as_str().unwrap()).await;
    assert_eq!(stored, on_agent, "stored points must be exactly the agent's");
    assert_eq!(stored, (1..=8).collect::<Vec<_>>());

    // Cancel with a reason, then retry: the retry is a new job named after the first, linked to it.
    let (code, third) = env.json(&[
        "train",
        sample,
        "--cluster",
        "local",
        "--name",
        "to cancel",
        "--set",
        "max_steps=400",
        "--json",
    ]);
    assert_eq!(code, 0, "{third:#}");
    let third = third["job"]["id"].as_str().unwrap().to_string();
    let (code, _) = env.json(&["jobs", "cancel", &third, "--reason", "testing retry", "--json"]);
    assert_eq!(code, 0);
    let watched = env.std_cmd().args(["jobs", "watch", &third]).output().unwrap();
    assert_eq!(
        watched.status.code(),
        Some(1),
        "a cancelled job ends the watch with 1"
    );
    let (_, shown) = env.json(&["jobs", "show", &third, "--json"]);
    assert_eq!(shown["status"], "cancelled");
    assert_eq!(shown["cancel_reason"], "testing retry");
    let (code, retried) = env.json(&["jobs", "retry", &third, "--json"]);
    assert_eq!(code, 0, "{retried:#}");
    assert_eq!(retried["job"]["name"], "to cancel (Retry #1)");
    assert_eq!(retried["job"]["retry_of"], third.as_str());
    let retry_id = retried["job"]["id"].as_str().unwrap().to_string();
    let (code, _) = env.json(&["jobs", "cancel", &retry_id, "--json"]);
    assert_eq!(code, 0);
    // Only a failed or cancelled job can be retried.
    let (code, error) = env.json(&["jobs", "retry", &second, "--json"]);
    assert_eq!(code, 2);
    assert_eq!(error["error"]["code"], "not_offered");

    // Usage errors exit 2.
    let (code, error) = env.json(&["train", "no-such-dataset", "--json"]);
    assert_eq!(code, 2);
    assert_eq!(error["error"]["code"], "invalid_argument");
}

/// Loads `adapter` on `base` with PEFT (the way docs/trainer.md says a user does) and runs it on a tool-use
/// prompt rendered by the adapter's own tokenizer; prints the adapter's model card.
fn peft_load(base: &std::path::Path, adapter: &std::path::Path) -> String {
    let script = r#"
import json, os, sys, torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer
base, adapter = sys.argv[1], sys.argv[2]
if base == "-":  # the base the trainer recorded in the adapter
    base = json.load(open(os.path.join(adapter, "adapter_config.json")))["base_model_name_or_path"]
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter)
tok = AutoTokenizer.from_pretrained(adapter)
ids = tok("<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n", return_tensors="pt")
with torch.no_grad():
    logits = model(**ids).logits
assert torch.isfinite(logits).all()
print(json.dumps({"lora_modules": sum(1 for n, _ in model.named_modules() if n.endswith("lora_A")),
                  "card": open(os.path.join(adapter, "README.md"), encoding="utf-8").read()}))
"#;
    let out = StdCommand::new(python())
        .args(["-c", script])
        .arg(base)
        .arg(adapter)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PEFT could not load {}: {}",
        adapter.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn train_on_tool_calls_and_reasoning_gives_an_adapter_that_loads_with_peft() {
    let env = Env::new();
    let fixtures = repo_root().join("crates/core/tests/dataset_fixtures/tools");
    // OpenAI's function-calling layout on the default tiny model, whose template has no tool support (the
    // `<tool_call>` fallback rendering); LLaMA-Factory's ShareGPT layout on a tiny model whose template has.
    // The local agent offers the model folders under its `models/`: build it there and name it.
    let tool_model = env.data.path().join("local-agent/models/tiny-tools");
    let built = StdCommand::new(python())
        .args(["-m", "brightrun_trainer.tiny_model", "--tool-template", "--out"])
        .arg(&tool_model)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let default_model = PathBuf::from("-");
    for (file, model, fallback) in [
        ("openai_tool_calls.jsonl", None, true),
        ("sharegpt_toolcall.json", Some(("tiny-tools", &tool_model)), false),
    ] {
        let path = fixtures.join(file);
        let mut args = vec![
            "train",
            path.to_str().unwrap(),
            "--cluster",
            "local",
            "--wait",
            "--json",
        ];
        if let Some((name, _)) = model {
            args.extend(["--base-model", name]);
        }
        args.extend([
            "--set",
            "max_steps=4",
            "--set",
            "learning_rate=1e-3",
            "--set",
            "batch_size=2",
            "--set",
            "logging_steps=1",
        ]);
        let (code, out) = env.json(&args);
        assert_eq!(code, 0, "{file}: {out:#}");
        assert_eq!(out["job"]["status"], "completed", "{file}: {out:#}");
        assert_eq!(steps_of(&out["job"]["metrics"]), vec![1, 2, 3, 4], "{file}");
        let adapter = PathBuf::from(out["model"]["adapter_dir"].as_str().unwrap());
        let base = model.map_or_else(|| default_model.clone(), |(_, dir)| dir.clone());
        let loaded: Value = serde_json::from_str(&peft_load(&base, &adapter)).unwrap();
        assert!(loaded["lora_modules"].as_u64().unwrap() > 0, "{file}: {loaded}");
        let card = loaded["card"].as_str().unwrap();
        assert_eq!(
            card.contains("BrightRun fallback rendering"),
            fallback,
            "{file}: {card}"
        );
    }
}
