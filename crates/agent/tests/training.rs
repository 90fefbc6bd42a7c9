//! Real training runs on the tiny model through the API: to completion (metrics, checkpoints, artifacts, Range
//! downloads, the adapter loaded with peft, responses matching the OpenAPI document), and a cancel mid-run.

mod support;

use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::{
    python, response_schema, schema_problems, tiny_hyperparameters, tiny_model, Agent, TEST_CONFIG,
};

#[tokio::test]
async fn trains_to_completion_and_serves_a_working_adapter() {
    let agent = Agent::start(TEST_CONFIG);
    let sha = agent.upload_dataset().await;
    let id = agent.submit(&sha, tiny_hyperparameters(20, 5)).await;
    let job = agent.wait_until_finished(&id).await;
    assert_eq!(job["status"], "completed", "{job:#}");
    assert_eq!(job["progress"], 100.0);
    assert_eq!(job["total_steps"], 20);
    assert_eq!(job["current_step"], 20);
    assert!(job["error"].is_null());
    assert!(job["started_at"].is_string() && job["finished_at"].is_string());
    assert!(job["cost_usd"].as_f64().is_some_and(|c| c >= 0.0));
    assert_eq!(job["hyperparameters"]["lora_rank"], 8);

    // Metrics: one point per step, in order, and the loss falls.
    let metrics = agent.json(&format!("/v1/jobs/{id}/metrics")).await;
    let points = metrics["points"].as_array().unwrap();
    let steps: Vec<u64> = points.iter().map(|p| p["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, (1..=20).collect::<Vec<_>>());
    let losses: Vec<f64> = points.iter().filter_map(|p| p["train_loss"].as_f64()).collect();
    let head: f64 = losses[..3].iter().sum::<f64>() / 3.0;
    let tail: f64 = losses[losses.len() - 3..].iter().sum::<f64>() / 3.0;
    assert!(tail < head, "loss did not fall: {losses:?}");
    let later = agent.json(&format!("/v1/jobs/{id}/metrics?after_step=15")).await;
    assert_eq!(later["points"].as_array().unwrap().len(), 5);
    assert_eq!(job["latest_metrics"]["step"], 20);

    let checkpoints = agent.json(&format!("/v1/jobs/{id}/checkpoints")).await;
    let names: Vec<&str> = checkpoints["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"checkpoint-5") && names.contains(&"checkpoint-20"),
        "{names:?}"
    );

    // Logs page through with offsets.
    let logs = agent.json(&format!("/v1/jobs/{id}/logs")).await;
    let next = logs["next_offset"].as_u64().unwrap();
    assert!(logs["text"].as_str().unwrap().contains("starting the trainer"));
    let rest = agent.json(&format!("/v1/jobs/{id}/logs?offset={next}")).await;
    assert_eq!(rest["text"], "");
    assert_eq!(rest["next_offset"], next);

    // Artifacts: listed with sizes and hashes that match what downloads deliver.
    let artifacts = agent.json(&format!("/v1/jobs/{id}/artifacts")).await;
    let list = artifacts["artifacts"].as_array().unwrap();
    let listed: Vec<&str> = list.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for expected in [
        "adapter_model.safetensors",
        "adapter_config.json",
        "training_summary.json",
    ] {
        assert!(listed.contains(&expected), "{expected} not in {listed:?}");
    }
    let adapter_dir = tempfile::tempdir().unwrap();
    for artifact in list {
        let name = artifact["name"].as_str().unwrap();
        let response = agent
            .get(&format!("/v1/jobs/{id}/artifacts/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.bytes().await.unwrap();
        assert_eq!(bytes.len() as u64, artifact["size"].as_u64().unwrap());
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            artifact["sha256"].as_str().unwrap(),
            "{name}"
        );
        let path = adapter_dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &bytes).unwrap();
    }

    // A symlink planted in the adapter folder that points out of it is neither listed nor served.
    let adapter = agent.data_dir.join(format!("jobs/{id}/output/adapter"));
    std::os::unix::fs::symlink(agent.data_dir.join("agent.sqlite"), adapter.join("escape.json")).unwrap();
    let relisted = agent.json(&format!("/v1/jobs/{id}/artifacts")).await;
    assert!(!relisted.to_string().contains("escape.json"), "{relisted}");
    let response = agent
        .get(&format!("/v1/jobs/{id}/artifacts/escape.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A Range download gives exactly that slice.
    let whole = std::fs::read(adapter_dir.path().join("adapter_model.safetensors")).unwrap();
    let response = agent
        .get(&format!("/v1/jobs/{id}/artifacts/adapter_model.safetensors"))
        .header("range", "bytes=10-99")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 10-99/{}", whole.len()).as_str()
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), &whole[10..100]);

    // The downloaded adapter loads with peft and changes the base model's logits.
    let check = r#"
import sys, torch
from transformers import AutoModelForCausalLM
from peft import PeftModel
base_dir, adapter_dir = sys.argv[1], sys.argv[2]
ids = torch.tensor([[1, 5, 9, 13, 17, 21, 25, 29]])
base = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True).eval()
with torch.no_grad():
    before = base(ids).logits
tuned = PeftModel.from_pretrained(base, adapter_dir).eval()
with torch.no_grad():
    after = tuned(ids).logits
diff = (after - before).abs().max().item()
print(f"max logit change {diff}")
sys.exit(0 if diff > 1e-4 else 3)
"#;
    let output = Command::new(python())
        .args(["-c", check])
        .arg(tiny_model())
        .arg(adapter_dir.path())
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "peft check failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    // Real responses carry exactly the fields the OpenAPI document describes.
    let doc = agent.json("/v1/openapi.json").await;
    let checks: Vec<(&str, String, Value)> = vec![
        ("/v1/jobs/{id}", format!("/v1/jobs/{id}"), job.clone()),
        (
            "/v1/jobs/{id}/metrics",
            format!("/v1/jobs/{id}/metrics"),
            metrics.clone(),
        ),
        (
            "/v1/jobs/{id}/artifacts",
            format!("/v1/jobs/{id}/artifacts"),
            artifacts.clone(),
        ),
        (
            "/v1/jobs/{id}/checkpoints",
            format!("/v1/jobs/{id}/checkpoints"),
            checkpoints.clone(),
        ),
        ("/v1/jobs/{id}/logs", format!("/v1/jobs/{id}/logs"), logs.clone()),
        (
            "/v1/capabilities",
            "/v1/capabilities".into(),
            agent.json("/v1/capabilities").await,
        ),
        ("/v1/jobs", "/v1/jobs".into(), agent.json("/v1/jobs").await),
    ];
    for (template, path, body) in checks {
        let schema = response_schema(&doc, "get", template, "200");
        let problems = schema_problems(&doc, &schema, &body, &path);
        assert!(
            problems.is_empty(),
            "{path} does not match its schema: {problems:#?}"
        );
    }
    let error: Value = agent
        .get("/v1/jobs/missing")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = response_schema(&doc, "get", "/v1/jobs/{id}", "404");
    assert!(
        schema_problems(&doc, &schema, &error, "404").is_empty(),
        "{error}"
    );
    let broken = json!({"id": 1});
    assert!(!schema_problems(
        &doc,
        &response_schema(&doc, "get", "/v1/jobs/{id}", "200"),
        &broken,
        "x"
    )
    .is_empty());
}

#[tokio::test]
async fn cancelling_a_running_job_stops_the_trainer_with_a_checkpoint() {
    let agent = Agent::start(TEST_CONFIG);
    let sha = agent.upload_dataset().await;
    let id = agent.submit(&sha, tiny_hyperparameters(100_000, 1000)).await;
    let job = agent
        .wait_for(&id, Duration::from_secs(180), |job| {
            job["current_step"].as_u64().unwrap_or(0) >= 3 || job["finished_at"].is_string()
        })
        .await;
    assert_eq!(job["status"], "running", "{job:#}");
    let response = agent
        .post(&format!("/v1/jobs/{id}/cancel"))
        .json(&json!({"reason": "enough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job = agent.wait_until_finished(&id).await;
    assert_eq!(job["status"], "cancelled", "{job:#}");
    assert_eq!(job["cancel_reason"], "enough");
    // The trainer saved where it stopped (save_steps is far away, so this checkpoint came from the SIGTERM).
    let checkpoints = agent.json(&format!("/v1/jobs/{id}/checkpoints")).await;
    assert_eq!(
        checkpoints["checkpoints"].as_array().unwrap().len(),
        1,
        "{checkpoints}"
    );
    let log = agent.json(&format!("/v1/jobs/{id}/logs")).await;
    assert!(log["text"].as_str().unwrap().contains("sending SIGTERM"));
    let again = agent.post(&format!("/v1/jobs/{id}/cancel")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}
