//! `brightrun train / jobs / models` end to end: the real binary on a temporary data folder, the real local
//! cluster (a `brightrun-agent` daemon the CLI starts), the real trainer on the tiny model, the real OS keyring.
//! Run under scripts/with-session.sh after `cargo build -p brightrun-agent`, with BRIGHTRUN_PYTHON (or
//! <repo>/.venv) set up by scripts/setup-python.sh.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command as StdCommand, Stdio};

use brightrun_core::cluster::{client, ClusterClient, Keyring};
use brightrun_core::store::Store;
use serde_json::Value;

mod cli_support;

use cli_support::{python, repo_root, sample, Env, TINY};

/// The agent's full metrics list of a job, read with the local cluster's key from the keyring.
async fn agent_steps(env: &Env, remote_id: &str) -> Vec<u64> {
    let store = Store::open(env.data.path()).unwrap();
    let cluster = store.clusters().local().unwrap().expect("local cluster row");
    let key = Keyring::new(&env.service).api_key(&cluster.id).unwrap();
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

fn steps_of(metrics: &Value) -> Vec<u64> {
    metrics
        .as_array()
        .expect("metrics array")
        .iter()
        .map(|p| p["step"].as_u64().expect("step"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn train_wait_then_jobs_and_models_print_their_contracts_and_a_killed_watch_loses_nothing() {
    let env = Env::new("jobs-cli");
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
    let on_agent = agent_steps(&env, show["remote_job_id"].as_str().unwrap()).await;
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
    let env = Env::new("jobs-cli");
    let fixtures = repo_root().join("crates/core/tests/dataset_fixtures/tools");
    // OpenAI's function-calling layout on the default tiny model, whose template has no tool support (the
    // `<tool_call>` fallback rendering); LLaMA-Factory's ShareGPT layout on a tiny model whose template has.
    // Both built among the local agent's models, so each is offered by name.
    let models = env.data.path().join("local-agent/models");
    let (default_model, tool_model) = (models.join("tiny-llama"), models.join("tiny-tools"));
    for (out, extra) in [(&default_model, None), (&tool_model, Some("--tool-template"))] {
        let built = StdCommand::new(python())
            .args(["-m", "brightrun_trainer.tiny_model"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .env("HF_HUB_OFFLINE", "1")
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{}",
            String::from_utf8_lossy(&built.stderr)
        );
    }
    for (file, model, fallback) in [
        ("openai_tool_calls.jsonl", "tiny-llama", true),
        ("sharegpt_toolcall.json", "tiny-tools", false),
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
        args.extend(["--base-model", model]);
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
        let base = models.join(model);
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

/// The validation file `dataset convert` writes for `--split fraction --seed seed`: its line count.
fn converted_validation_examples(env: &Env, sample: &str, fraction: &str, seed: &str) -> u64 {
    let out = env.data.path().join("convert-check.jsonl");
    let output = env
        .std_cmd()
        .args([
            "dataset",
            "convert",
            sample,
            "--to",
            "openai_messages",
            "--split",
            fraction,
            "--seed",
            seed,
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let validation = std::fs::read_to_string(env.data.path().join("convert-check.val.jsonl")).unwrap();
    validation.lines().filter(|l| !l.trim().is_empty()).count() as u64
}

/// Issue 10's contract: the frozen split on the job, the dry run's estimate (calibrated after one run), the
/// job's times and throughput, and QLoRA refused before any upload on a cluster without CUDA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_split_is_frozen_by_conversation_and_estimates_calibrate_on_completed_runs() {
    let env = Env::new("jobs-cli");
    let sample = sample();
    let sample = sample.to_str().unwrap();
    let mut run: Vec<&str> = vec![
        "train",
        sample,
        "--cluster",
        "local",
        "--set",
        "validation_split=0.25",
        "--set",
        "seed=7",
    ];
    run.extend(TINY);

    // Dry run before any job: the estimate's contract, nothing recorded.
    let mut args = run.clone();
    args.extend(["--dry-run", "--json"]);
    let (code, dry) = env.json(&args);
    assert_eq!(code, 0, "{dry:#}");
    let estimate = &dry["estimate"];
    for field in ["low_seconds", "expected_seconds", "high_seconds"] {
        assert!(
            estimate[field].as_f64().is_some_and(|s| s > 0.0),
            "{field}: {dry:#}"
        );
    }
    assert!(estimate["low_seconds"].as_f64() <= estimate["expected_seconds"].as_f64());
    assert!(estimate["expected_seconds"].as_f64() <= estimate["high_seconds"].as_f64());
    assert_eq!(estimate["calibrated_runs"], 0, "{dry:#}");
    // The local agent serves the tiny model's tokenizer: the dataset is counted exactly (once, then cached).
    assert_eq!(estimate["tokens_method"], "exact", "{dry:#}");
    assert!(
        ["fits", "tight", "does_not_fit"].contains(&dry["memory"]["verdict"].as_str().unwrap()),
        "{dry:#}"
    );
    assert!(dry["request"]["validation_dataset_sha256"].is_string(), "{dry:#}");
    assert_ne!(
        dry["request"]["hyperparameters"]["gradient_checkpointing"], "auto",
        "{dry:#}"
    );
    let (_, listed) = env.json(&["jobs", "list", "--json"]);
    assert!(
        listed.as_array().unwrap().is_empty(),
        "a dry run records nothing: {listed:#}"
    );

    // QLoRA where the cluster has no CUDA: refused before any upload.
    let caps_cuda = std::process::Command::new(python())
        .args([
            "-c",
            "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !caps_cuda {
        let mut args = run.clone();
        args.extend(["--set", "qlora=true", "--json"]);
        let (code, refused) = env.json(&args);
        assert_eq!(code, 2, "{refused:#}");
        assert_eq!(refused["error"]["code"], "not_supported", "{refused:#}");
        let uploaded: Vec<_> = std::fs::read_dir(env.data.path().join("local-agent/datasets"))
            .map(|d| d.filter_map(Result::ok).filter(|e| e.path().is_file()).collect())
            .unwrap_or_default();
        assert!(uploaded.is_empty(), "nothing is uploaded: {uploaded:?}");
    }

    // The run: its split by conversation, as `dataset convert --split` cuts it.
    let mut args = run.clone();
    args.extend(["--wait", "--json"]);
    let (code, out) = env.json(&args);
    assert_eq!(code, 0, "{out:#}");
    let split = &out["job"]["split"];
    assert_eq!(split["seed"], 7, "{out:#}");
    assert_eq!(split["fraction"], 0.25);
    let (train_c, val_c) = (
        split["train_conversations"].as_u64().unwrap(),
        split["validation_conversations"].as_u64().unwrap(),
    );
    assert!(train_c >= 1 && val_c >= 1, "{split}");
    let (_, datasets) = env.json(&["dataset", "list", "--json"]);
    let conversations = datasets
        .as_array()
        .or_else(|| datasets["items"].as_array())
        .unwrap()[0]["conversations"]
        .as_u64()
        .unwrap();
    assert_eq!(train_c + val_c, conversations, "{split}");
    assert_eq!(
        split["validation_examples"].as_u64().unwrap(),
        converted_validation_examples(&env, sample, "0.25", "7"),
        "{split}"
    );
    let job_id = out["job"]["id"].as_str().unwrap().to_string();

    // jobs show: the same split, RFC 3339 times and the measured throughput.
    let (code, show) = env.json(&["jobs", "show", &job_id, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(&show["split"], split);
    for field in ["started_at", "finished_at"] {
        let text = show[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {show:#}"));
        let b = text.as_bytes();
        let rfc3339 = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && (text.ends_with('Z') || text[19..].contains(['+', '-']));
        assert!(rfc3339, "{field} is not RFC 3339: {text}");
    }
    assert!(
        show["throughput"]["tokens_per_second"]
            .as_f64()
            .is_some_and(|t| t > 0.0),
        "{show:#}"
    );

    // After one completed run with these settings the estimate is calibrated on it.
    let mut args = run.clone();
    args.extend(["--dry-run", "--json"]);
    let (code, dry) = env.json(&args);
    assert_eq!(code, 0, "{dry:#}");
    assert!(
        dry["estimate"]["calibrated_runs"].as_u64().unwrap() >= 1,
        "{dry:#}"
    );

    // Launched again with the same seed: the same conversations on each side.
    let mut args = run.clone();
    args.push("--json");
    let (code, again) = env.json(&args);
    assert_eq!(code, 0, "{again:#}");
    assert_eq!(&again["job"]["split"], split);
    let again_id = again["job"]["id"].as_str().unwrap().to_string();
    let (code, _) = env.json(&["jobs", "cancel", &again_id, "--json"]);
    assert_eq!(code, 0);
}

/// `--skip-invalid`: a dataset with an invalid record is refused until the user chooses to leave it out; the
/// plan then says how many records are skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_are_skipped_only_by_explicit_choice() {
    let env = Env::new("jobs-cli");
    let good = std::fs::read_to_string(sample()).unwrap();
    let file = env.data.path().join("with-invalid.jsonl");
    std::fs::write(&file, format!("{good}{{\"not\": \"a record\"}}\n")).unwrap();
    let file = file.to_str().unwrap();
    let base = ["train", file, "--cluster", "local", "--dry-run", "--json"];
    let (code, refused) = env.json(&base);
    assert_eq!(code, 2, "{refused:#}");
    assert_eq!(refused["error"]["code"], "dataset_not_ready", "{refused:#}");
    let mut args = base.to_vec();
    args.push("--skip-invalid");
    let (code, planned) = env.json(&args);
    assert_eq!(code, 0, "{planned:#}");
    assert_eq!(planned["skipped_invalid"], 1, "{planned:#}");
}

/// A job row with spend this month, so the monthly budget is already used up whatever the local price.
fn seed_spend(data: &std::path::Path, usd: f64) {
    use brightrun_core::store::training_jobs::NewTrainingJob;
    use brightrun_core::store::{Inserted, NewDataset};
    let store = Store::open(data).unwrap();
    let sha256 = "f".repeat(64);
    let (Inserted::New(dataset) | Inserted::Existing(dataset)) = store
        .datasets()
        .insert_validating(&NewDataset {
            name: "earlier".into(),
            description: None,
            sha256: sha256.clone(),
            file_path: format!("datasets/{sha256}.jsonl"),
            original_file_name: "earlier.jsonl".into(),
            bytes: 1,
        })
        .unwrap();
    let job = store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "elsewhere".into(),
            name: "earlier run".into(),
            dataset_id: dataset.id,
            dataset_sha256: sha256,
            base_model: "tiny".into(),
            hyperparameters: Default::default(),
            gpu_type: "h100".into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 1.0,
            estimate: None,
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .unwrap();
    store
        .cost_records()
        .record(&job.id, usd, chrono::Utc::now())
        .unwrap();
}

#[test]
fn dry_run_budget_guard_and_a_local_model_folder() {
    let env = Env::new("jobs-cli");
    let sample = sample();
    let sample = sample.to_str().unwrap();
    let model_dir = env.data.path().join("../my-tiny-model");
    let built = StdCommand::new(python())
        .args(["-m", "brightrun_trainer.tiny_model", "--out"])
        .arg(&model_dir)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    let model_path = model_dir.to_str().unwrap();

    // --dry-run: the plan and the exact request; nothing recorded.
    let (code, plan) = env.json(&[
        "train",
        sample,
        "--cluster",
        "local",
        "--base-model",
        model_path,
        "--name",
        "planned",
        "--set",
        "max_steps=4",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{plan:#}");
    for key in ["estimate", "memory", "request", "budget"] {
        assert!(plan.get(key).is_some(), "dry run lacks {key}: {plan:#}");
    }
    assert!(plan["memory"]["verdict"].is_string(), "{plan:#}");
    let request = &plan["request"];
    assert_eq!(request["name"], "planned");
    assert_eq!(request["hyperparameters"]["max_steps"], 4);
    assert_eq!(request["gpu"]["count"], 1);
    let (_, jobs) = env.json(&["jobs", "list", "--json"]);
    assert!(
        jobs.as_array().unwrap().is_empty(),
        "a dry run records no job: {jobs:#}"
    );

    // A budget already spent: refused with over_budget and nothing recorded; the override launches.
    seed_spend(env.data.path(), 5.0);
    let (code, _) = env.json(&["settings", "set", "monthly_budget_usd", "1", "--json"]);
    assert_eq!(code, 0);
    let base = [
        "train",
        sample,
        "--cluster",
        "local",
        "--base-model",
        model_path,
        "--name",
        "planned",
        "--set",
        "max_steps=4",
    ];
    let mut args = base.to_vec();
    args.push("--json");
    let (code, refused) = env.json(&args);
    assert_eq!(code, 2, "{refused:#}");
    assert_eq!(refused["error"]["code"], "over_budget");
    let (_, jobs) = env.json(&["jobs", "list", "--json"]);
    assert_eq!(jobs.as_array().unwrap().len(), 1, "only the seeded job: {jobs:#}");

    let mut args = base.to_vec();
    args.extend(["--max-budget-override", "--wait", "--json"]);
    let (code, out) = env.json(&args);
    assert_eq!(code, 0, "{out:#}");
    let job = &out["job"];
    assert_eq!(job["status"], "completed", "{out:#}");
    assert_eq!(out["model"]["verified"], true);
    // What the launch sent is what the dry run showed (the dataset and settings are the same).
    assert_eq!(job["name"], request["name"]);
    assert_eq!(job["base_model"], request["base_model"]);
    assert_eq!(job["hyperparameters"], request["hyperparameters"]);
    assert_eq!(job["dataset_sha256"], request["dataset_sha256"]);
    assert_eq!(job["gpu_type"], request["gpu"]["type"]);
    // The folder was linked into the local agent, not copied.
    let linked = env
        .data
        .path()
        .join("local-agent/models")
        .join(request["base_model"].as_str().unwrap());
    assert!(linked.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(linked.canonicalize().unwrap(), model_dir.canonicalize().unwrap());

    // A local folder for a cluster elsewhere is refused before any connection, saying why.
    let store = Store::open(env.data.path()).unwrap();
    store
        .clusters()
        .insert(&brightrun_core::store::NewCluster {
            name: "far".into(),
            url: "http://192.0.2.1:9".into(),
            kind: brightrun_core::store::ClusterKind::Remote,
        })
        .unwrap();
    let (code, refused) = env.json(&[
        "train",
        sample,
        "--cluster",
        "far",
        "--base-model",
        model_path,
        "--json",
    ]);
    assert_eq!(code, 2, "{refused:#}");
    assert_eq!(refused["error"]["code"], "invalid_argument");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read it"),
        "{refused:#}"
    );
}
