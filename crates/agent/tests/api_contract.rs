//! The API's rules without a full training run: keys, auth, datasets (resumable, hash, limits), job validation,
//! idempotency, artifact names.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{dataset, tiny_hyperparameters, Agent, TEST_CONFIG};

fn job_body(sha: &str, hyperparameters: Value) -> Value {
    json!({
        "name": "contract",
        "dataset_sha256": sha,
        "base_model": "tiny",
        "hyperparameters": hyperparameters,
        "gpu": {"type": "cpu", "count": 1},
        "max_duration_hours": 2,
    })
}

#[tokio::test]
async fn keys_health_and_auth() {
    let agent = Agent::start(TEST_CONFIG);
    let health: Value = agent
        .client
        .get(agent.at("/v1/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");

    for auth in [None, Some("Bearer brk_wrong"), Some("Basic abc")] {
        let mut request = agent.client.get(agent.at("/v1/capabilities"));
        if let Some(value) = auth {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    }
    // Errors are JSON everywhere, even for routes and methods that do not exist.
    let response = agent.client.post(agent.at("/v1/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let response = agent.get("/v2/nothing").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let caps = agent.json("/v1/capabilities").await;
    assert!(caps["gpus"].as_array().is_some_and(|g| !g.is_empty()), "{caps}");
    assert!(caps["base_models"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == "tiny" && m["source"] == "local"));
    assert!(caps["prices"][0]["on_demand"].is_number());

    // The key is not in the database, and revoking it locks the client out.
    let db = std::fs::read(agent.data_dir.join("agent.sqlite")).unwrap();
    assert!(!db.windows(agent.key.len()).any(|w| w == agent.key.as_bytes()));
    let list = std::process::Command::new(support::BIN)
        .args(["keys", "list", "--data-dir"])
        .arg(&agent.data_dir)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(!listing.contains(&agent.key));
    let id = listing
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    let revoke = std::process::Command::new(support::BIN)
        .args(["keys", "revoke", &id, "--data-dir"])
        .arg(&agent.data_dir)
        .output()
        .unwrap();
    assert!(revoke.status.success());
    // The agent trusts its in-memory key list for at most a second.
    let mut status = StatusCode::OK;
    for _ in 0..50 {
        status = agent.get("/v1/capabilities").send().await.unwrap().status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked key still works");
}

#[tokio::test]
async fn datasets_upload_resumably_and_are_verified() {
    let agent = Agent::start(&format!("{TEST_CONFIG}max_dataset_bytes = 1000000\n"));
    let (bytes, sha) = dataset();
    let path = format!("/v1/datasets/{sha}");
    let head = agent
        .client
        .head(agent.at(&path))
        .bearer_auth(&agent.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);

    // First piece, then a piece at the wrong offset, then the rest.
    let split = bytes.len() / 3;
    let total = bytes.len();
    let first = agent
        .put(&path)
        .header("content-range", format!("bytes 0-{}/{total}", split - 1))
        .body(bytes[..split].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let head = agent
        .client
        .head(agent.at(&path))
        .bearer_auth(&agent.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    assert_eq!(head.headers()["upload-offset"], split.to_string().as_str());
    let wrong = agent
        .put(&path)
        .header("content-range", format!("bytes 0-{}/{total}", split - 1))
        .body(bytes[..split].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::CONFLICT);
    assert_eq!(wrong.headers()["upload-offset"], split.to_string().as_str());
    let rest = agent
        .put(&path)
        .header("content-range", format!("bytes {split}-{}/{total}", total - 1))
        .body(bytes[split..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::CREATED);
    let done: Value = rest.json().await.unwrap();
    assert_eq!(done["complete"], true);
    let head = agent
        .client
        .head(agent.at(&path))
        .bearer_auth(&agent.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], total.to_string().as_str());

    // A file whose bytes do not hash to its name is refused (409: the body conflicts with its name) and not kept.
    let wrong_sha = "0".repeat(64);
    let response = agent
        .put(&format!("/v1/datasets/{wrong_sha}"))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "dataset_hash_mismatch");
    let head = agent
        .client
        .head(agent.at(&format!("/v1/datasets/{wrong_sha}")))
        .bearer_auth(&agent.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    assert!(head.headers().get("upload-offset").is_none());

    // Over the configured size limit.
    let big = vec![b'x'; 1_000_001];
    let response = agent
        .put(&format!("/v1/datasets/{}", "1".repeat(64)))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A malformed name.
    let response = agent
        .put("/v1/datasets/not-a-hash")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_full_disk_is_answered_with_507() {
    // The reserve is larger than any disk, so every upload finds the disk "full" before writing a byte.
    let agent = Agent::start(&format!(
        "{TEST_CONFIG}disk_reserve_bytes = 1000000000000000000\n"
    ));
    let (bytes, sha) = dataset();
    let response = agent
        .put(&format!("/v1/datasets/{sha}"))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "insufficient_storage");
    assert!(body["error"]["hint"].is_string());
    let head = agent
        .client
        .head(agent.at(&format!("/v1/datasets/{sha}")))
        .bearer_auth(&agent.key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn jobs_are_validated_field_by_field_and_idempotent() {
    let agent = Agent::start(TEST_CONFIG);
    let sha = agent.upload_dataset().await;

    let mut bad = tiny_hyperparameters(4, 2);
    bad["lora_rank"] = json!(6);
    bad["learning_rate"] = json!(0.5);
    bad["batch_size"] = json!(3);
    bad["max_seq_len"] = json!(1000);
    let mut body = job_body(&sha, bad);
    body["gpu"] = json!({"type": "cpu", "count": 4});
    body["max_duration_hours"] = json!(100);
    let response = agent.post("/v1/jobs").json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_job");
    let fields: Vec<&str> = error["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for expected in [
        "hyperparameters.lora_rank",
        "hyperparameters.learning_rate",
        "hyperparameters.batch_size",
        "hyperparameters.max_seq_len",
        "gpu.count",
        "max_duration_hours",
    ] {
        assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
    }

    // An unknown dataset, an unknown GPU type, a model the agent does not offer: 404 (schema-valid names of
    // nothing here), field by field; more GPUs than the agent has: 409; a malformed body: 422.
    let mut unknown = job_body(&"a".repeat(64), tiny_hyperparameters(4, 2));
    unknown["gpu"] = json!({"type": "b200", "count": 1});
    unknown["base_model"] = json!("../../etc");
    let response = agent.post("/v1/jobs").json(&unknown).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "invalid_job");
    let fields: Vec<&str> = error["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["dataset_sha256", "base_model", "gpu.type"]);
    let mut too_many = job_body(&sha, tiny_hyperparameters(4, 2));
    too_many["gpu"] = json!({"type": "cpu", "count": 8});
    let response = agent.post("/v1/jobs").json(&too_many).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["fields"][0]["field"], "gpu.count", "{error}");
    let response = agent
        .post("/v1/jobs")
        .header("content-type", "application/json")
        .body(r#"{"name": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The same Idempotency-Key gives the same job, 201 then 200; the same key on another body is refused.
    let good = job_body(&sha, tiny_hyperparameters(4, 2));
    let first = agent
        .post("/v1/jobs")
        .header("idempotency-key", "k-1")
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = agent
        .post("/v1/jobs")
        .header("idempotency-key", "k-1")
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let mut other = good.clone();
    other["name"] = json!("another");
    let reused = agent
        .post("/v1/jobs")
        .header("idempotency-key", "k-1")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let jobs = agent.json("/v1/jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "{jobs}");
    let id = first["id"].as_str().unwrap();

    // Artifact names that leave the job's folder name nothing (404, like unknown names); nothing is served.
    for name in [
        "..%2Fjob.log",
        "..%2F..%2F..%2Fagent.sqlite",
        "%2Fetc%2Fpasswd",
        "a%2F..%2F..%2Fjob.json",
    ] {
        let response = agent
            .get(&format!("/v1/jobs/{id}/artifacts/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
    }
    let response = agent
        .get(&format!("/v1/jobs/{id}/artifacts/job.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = agent.get("/v1/jobs/nope").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = agent.get("/v1/jobs?status=sleeping").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Cancel ends it whatever stage it reached; a second cancel changes nothing.
    let response = agent
        .post(&format!("/v1/jobs/{id}/cancel"))
        .json(&json!({"reason": "contract test"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let job = agent.wait_until_finished(id).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    assert_eq!(job["cancel_reason"], "contract test");
    let cancelled = agent.json("/v1/jobs?status=cancelled").await;
    assert_eq!(cancelled["jobs"].as_array().unwrap().len(), 1);
}

#[test]
fn an_idle_agent_exits_when_asked_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(support::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--idle-exit-seconds",
            "1",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the agent did not exit when idle");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.starts_with("listening on http://127.0.0.1:"), "{out}");
    assert!(!dir.path().join("agent.json").exists(), "agent.json left behind");
}
