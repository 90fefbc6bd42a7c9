//! Issue 10 on the agent: the runtime it reports (probed by importing with its python), the tokenizer route, a
//! validation file named by hash, and QLoRA refused where there is no CUDA.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{dataset, python, tiny_hyperparameters, Agent, TEST_CONFIG};

/// What the agent's python really has, asked the same way the probe asks.
fn python_has_cuda() -> bool {
    std::process::Command::new(python())
        .args([
            "-c",
            "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)",
        ])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn runtime_tokenizer_validation_file_and_qlora() {
    let agent = Agent::start(TEST_CONFIG);
    let caps = agent.json("/v1/capabilities").await;
    let runtime = &caps["runtime"];
    assert_eq!(runtime["cuda"], json!(python_has_cuda()), "{caps}");
    assert!(
        runtime["bitsandbytes"].is_boolean() && runtime["liger"].is_boolean(),
        "{caps}"
    );

    // The local model's tokenizer.json, byte for byte; an unknown model is 404.
    let response = agent.get("/v1/models/tiny/tokenizer").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let served = response.bytes().await.unwrap();
    let on_disk = std::fs::read(support::tiny_model().join("tokenizer.json")).unwrap();
    assert_eq!(served.as_ref(), on_disk.as_slice());
    let response = agent.get("/v1/models/nope/tokenizer").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let sha = agent.upload_dataset().await;
    let submit = |body: Value| {
        let agent = &agent;
        async move {
            let response = agent.post("/v1/jobs").json(&body).send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let body = |extra: Value| {
        let mut b = json!({
            "name": "numbers",
            "dataset_sha256": sha,
            "base_model": "tiny",
            "hyperparameters": tiny_hyperparameters(2, 100),
            "gpu": {"type": "cpu", "count": 1},
        });
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // A validation file that was never uploaded is refused by field (404: it names nothing on the agent).
    let (status, answer) = submit(body(json!({"validation_dataset_sha256": "ab".repeat(32)}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(
        answer["error"]["fields"][0]["field"], "validation_dataset_sha256",
        "{answer}"
    );

    // QLoRA without CUDA is refused with 409 (with CUDA and bitsandbytes it is accepted).
    let mut h = tiny_hyperparameters(2, 100);
    h["qlora"] = json!(true);
    let (status, answer) = submit(body(json!({"hyperparameters": h}))).await;
    if runtime["cuda"] == json!(true) && runtime["bitsandbytes"] == json!(true) {
        assert_ne!(status, StatusCode::CONFLICT, "{answer}");
    } else {
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        let fields: Vec<&str> = answer["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, ["hyperparameters.qlora"], "{answer}");
    }

    // The same file as validation: accepted, echoed, and named in the trainer's job file with the settings.
    let (bytes, _) = dataset();
    assert!(!bytes.is_empty());
    let mut h = tiny_hyperparameters(2, 100);
    h["gradient_checkpointing"] = json!("on");
    h["packing"] = json!("group_by_length");
    let (status, job) = submit(body(
        json!({"validation_dataset_sha256": sha, "hyperparameters": h}),
    ))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_eq!(job["validation_dataset_sha256"], json!(sha));
    let id = job["id"].as_str().unwrap().to_string();
    let job_json = agent.data_dir.join("jobs").join(&id).join("job.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !job_json.is_file() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let written: Value = serde_json::from_slice(&std::fs::read(&job_json).unwrap()).unwrap();
    let dataset_file = agent.data_dir.join("datasets").join(format!("{sha}.jsonl"));
    assert_eq!(written["validation_path"], json!(dataset_file));
    // Inside `hyperparameters`, in the trainer's own words (docs/trainer.md).
    assert_eq!(written["hyperparameters"]["gradient_checkpointing"], json!("on"));
    assert_eq!(written["hyperparameters"]["packing"], json!("group_by_length"));
    assert_eq!(written["qlora"], json!(false));
    agent.wait_until_finished(&id).await;
}
