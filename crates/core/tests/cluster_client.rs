//! The Cluster API client against a REAL `brightrun-agent` on 127.0.0.1:0 (build it first with
//! `cargo build -p brightrun-agent`): health, capabilities, typed errors, resumable upload, jobs, artifacts.

mod cluster_support;

use std::sync::{Arc, Mutex};

use brightrun_core::cluster::client::{GpuRequest, JobRequest};
use brightrun_core::cluster::{ClientError, ClusterClient, Progress, Sensitive};
use brightrun_core::training::Hyperparameters;
use cluster_support::{start_agent, ServedAgent};
use sha2::{Digest, Sha256};

fn client(agent: &ServedAgent, key: &str) -> ClusterClient {
    let http = brightrun_core::cluster::client::http_client().unwrap();
    ClusterClient::new(http, &agent.url, Sensitive::new(key.to_string())).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A small dataset in the agent's input format (OpenAI chat `messages` JSONL).
fn dataset_bytes(conversations: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..conversations {
        out.push_str(&format!(
            "{{\"messages\":[{{\"role\":\"user\",\"content\":\"question {i}\"}},\
             {{\"role\":\"assistant\",\"content\":\"answer {i}\"}}]}}\n"
        ));
    }
    out.into_bytes()
}

fn recorder() -> (Arc<Mutex<Vec<Progress>>>, impl FnMut(Progress) + Send) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |p| sink.lock().unwrap().push(p))
}

#[tokio::test]
async fn health_and_capabilities_of_a_real_agent() {
    let agent = start_agent();
    let client = client(&agent, &agent.key);
    let health = client.health().await.unwrap();
    assert_eq!(health.status, "ok");
    assert!(!health.version.is_empty());

    let capabilities = client.capabilities().await.unwrap();
    assert_eq!(capabilities.agent_version, health.version);
    assert!(
        !capabilities.gpus.is_empty(),
        "a machine without a GPU offers `cpu`"
    );
    for gpu in &capabilities.gpus {
        assert!(
            capabilities.prices.iter().any(|p| p.gpu_type == gpu.gpu_type),
            "every GPU type has a price: {}",
            gpu.gpu_type
        );
    }
    assert!(!capabilities.base_models.is_empty());
    assert!(capabilities.limits.max_dataset_bytes > 0);
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized_and_never_shown() {
    let agent = start_agent();
    let wrong = "brk_wrong_key_that_must_not_leak_42";
    let err = client(&agent, wrong).capabilities().await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains(wrong) && !format!("{err:?}").contains(wrong));
    assert!(
        !format!("{:?}", client(&agent, wrong)).contains(wrong),
        "the client's Debug hides the key"
    );
    // Health needs no key: a wrong key still sees the agent is up.
    assert!(client(&agent, wrong).health().await.is_ok());
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let http = brightrun_core::cluster::client::http_client().unwrap();
    let client = ClusterClient::new(
        http,
        &format!("http://127.0.0.1:{port}"),
        Sensitive::new("k".into()),
    )
    .unwrap();
    let err = client.health().await.unwrap_err();
    assert!(err.is_unreachable(), "{err:?}");
}

#[test]
fn urls_with_credentials_or_other_schemes_are_refused() {
    use brightrun_core::cluster::client::parse_base_url;
    assert!(parse_base_url("http://user:secret@host:1").is_err());
    assert!(parse_base_url("ftp://host").is_err());
    assert!(parse_base_url("not a url").is_err());
    assert_eq!(
        parse_base_url("http://host:8750/").unwrap().as_str(),
        "http://host:8750/"
    );
    assert_eq!(parse_base_url("https://host/prefix/").unwrap().path(), "/prefix");
}

#[tokio::test]
async fn an_interrupted_upload_resumes_from_the_agents_offset() {
    let agent = start_agent();
    let client = client(&agent, &agent.key).with_upload_chunk_bytes(1000);
    let bytes = dataset_bytes(200);
    let hash = sha256(&bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.jsonl");
    std::fs::write(&path, &bytes).unwrap();

    use brightrun_core::cluster::client::DatasetPresence;
    assert_eq!(
        client.dataset_presence(&hash).await.unwrap(),
        DatasetPresence::Absent
    );

    // An earlier attempt delivered the first 1500 bytes and was cut off.
    let first = reqwest::Client::new()
        .put(format!("{}/v1/datasets/{hash}", agent.url))
        .bearer_auth(&agent.key)
        .header("Content-Range", format!("bytes 0-1499/{}", bytes.len()))
        .body(bytes[..1500].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 202);
    assert_eq!(
        client.dataset_presence(&hash).await.unwrap(),
        DatasetPresence::Partial { received: 1500 }
    );

    let (seen, mut progress) = recorder();
    client.upload_dataset(&hash, &path, &mut progress).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let total = bytes.len() as u64;
    assert_eq!(
        seen.first(),
        Some(&Progress { done: 1500, total }),
        "resumed, not restarted"
    );
    assert_eq!(seen.last(), Some(&Progress { done: total, total }));
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    assert_eq!(
        client.dataset_presence(&hash).await.unwrap(),
        DatasetPresence::Present
    );
    let stored = std::fs::read(
        agent
            .data_dir
            .path()
            .join("datasets")
            .join(format!("{hash}.jsonl")),
    )
    .unwrap();
    assert_eq!(stored, bytes, "the agent holds exactly the file");

    // A second upload finds it and sends nothing.
    let (seen, mut progress) = recorder();
    client.upload_dataset(&hash, &path, &mut progress).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![Progress { done: total, total }]
    );
}

#[tokio::test]
async fn an_upload_under_the_wrong_hash_is_refused_with_the_agents_error() {
    let agent = start_agent();
    let client = client(&agent, &agent.key);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.jsonl");
    std::fs::write(&path, dataset_bytes(3)).unwrap();
    let wrong = sha256(b"something else");
    let err = client
        .upload_dataset(&wrong, &path, &mut |_| {})
        .await
        .unwrap_err();
    match &err {
        ClientError::Api(failure) => {
            assert_eq!(failure.status, 409);
            assert_eq!(failure.code, "dataset_hash_mismatch");
            assert!(failure.hint.is_some(), "the agent's hint is kept");
        }
        other => panic!("expected the agent's error, got {other:?}"),
    }
}

#[tokio::test]
async fn jobs_are_created_once_per_idempotency_key_and_can_be_read() {
    let agent = start_agent();
    let client = client(&agent, &agent.key);
    let bytes = dataset_bytes(20);
    let hash = sha256(&bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    client.upload_dataset(&hash, &path, &mut |_| {}).await.unwrap();
    let capabilities = client.capabilities().await.unwrap();

    let request = JobRequest {
        name: "first run".into(),
        dataset_sha256: hash,
        base_model: capabilities.base_models[0].id.clone(),
        hyperparameters: Hyperparameters::default(),
        gpu: GpuRequest {
            gpu_type: capabilities.gpus[0].gpu_type.clone(),
            count: 1,
        },
        spot: false,
        max_duration_hours: 1.0,
        validation_dataset_sha256: None,
    };
    let key = uuid::Uuid::new_v4().to_string();
    let job = client.create_job(&key, &request).await.unwrap();
    let again = client.create_job(&key, &request).await.unwrap();
    assert_eq!(job.id, again.id, "the same Idempotency-Key gives the same job");
    assert_eq!(job.name, "first run");

    let other = client
        .create_job(
            &key,
            &JobRequest {
                name: "changed".into(),
                ..request.clone()
            },
        )
        .await;
    assert_eq!(
        other.as_ref().err().and_then(ClientError::status),
        Some(422),
        "{other:?}"
    );

    let read = client.job(&job.id).await.unwrap();
    assert_eq!(read.id, job.id);
    assert!([
        "queued",
        "initializing",
        "running",
        "completed",
        "failed",
        "cancelled"
    ]
    .contains(&read.status.as_str()));
    let listed = client.jobs().await.unwrap();
    assert_eq!(listed.iter().filter(|j| j.id == job.id).count(), 1);
    // No trainer ran (these tests give the agent none), so there are no points, before or after step 0.
    assert!(client.metrics(&job.id, None).await.unwrap().is_empty());
    assert!(client.metrics(&job.id, Some(0)).await.unwrap().is_empty());
    let log = client.logs(&job.id, 0).await.unwrap();
    let more = client.logs(&job.id, log.next_offset).await.unwrap();
    assert!(more.next_offset >= log.next_offset);
    assert!(client.checkpoints(&job.id).await.unwrap().is_empty());
    match client.cancel(&job.id, Some("testing")).await {
        Ok(cancelled) => assert_eq!(cancelled.id, job.id),
        Err(err) if err.status() == Some(409) => {} // it already failed (no trainer here)
        Err(other) => panic!("{other:?}"),
    }

    let missing = client.job("no-such-job").await.unwrap_err();
    assert_eq!(
        (missing.status(), missing.code()),
        (Some(404), Some("not_found")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn an_artifact_download_resumes_and_is_verified() {
    let agent = start_agent();
    let client = client(&agent, &agent.key);
    let bytes = dataset_bytes(5);
    let hash = sha256(&bytes);
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().join("train.jsonl");
    std::fs::write(&dataset, &bytes).unwrap();
    client.upload_dataset(&hash, &dataset, &mut |_| {}).await.unwrap();
    let capabilities = client.capabilities().await.unwrap();
    let job = client
        .create_job(
            "artifact-test",
            &JobRequest {
                name: "artifacts".into(),
                dataset_sha256: hash,
                base_model: capabilities.base_models[0].id.clone(),
                hyperparameters: Hyperparameters::default(),
                gpu: GpuRequest {
                    gpu_type: capabilities.gpus[0].gpu_type.clone(),
                    count: 1,
                },
                spot: false,
                max_duration_hours: 1.0,
                validation_dataset_sha256: None,
            },
        )
        .await
        .unwrap();
    // The adapter a trainer would have saved, put where the agent serves artifacts from.
    let adapter = agent
        .data_dir
        .path()
        .join("jobs")
        .join(&job.id)
        .join("output")
        .join("adapter");
    std::fs::create_dir_all(&adapter).unwrap();
    let weights: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(adapter.join("adapter_model.safetensors"), &weights).unwrap();

    let artifacts = client.artifacts(&job.id).await.unwrap();
    let artifact = artifacts
        .iter()
        .find(|a| a.name == "adapter_model.safetensors")
        .expect("the adapter file is listed")
        .clone();
    assert_eq!(artifact.size, weights.len() as u64);
    assert_eq!(artifact.sha256, sha256(&weights));

    // An earlier download stopped after 100,000 bytes.
    let dest = dir.path().join("out").join("adapter_model.safetensors");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let part = dir.path().join("out").join("adapter_model.safetensors.part");
    std::fs::write(&part, &weights[..100_000]).unwrap();
    let (seen, mut progress) = recorder();
    client
        .download_artifact(&job.id, &artifact, &dest, &mut progress)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), weights);
    assert!(!part.exists());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.first().map(|p| p.done),
        Some(100_000),
        "resumed with a Range request"
    );
    assert_eq!(seen.last().map(|p| p.done), Some(weights.len() as u64));

    // A corrupt partial file is caught by the hash, removed, and reported.
    std::fs::remove_file(&dest).unwrap();
    std::fs::write(&part, vec![0u8; 100_000]).unwrap();
    let err = client
        .download_artifact(&job.id, &artifact, &dest, &mut |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::ChecksumMismatch { .. }), "{err:?}");
    assert!(!part.exists() && !dest.exists());
    // The next attempt starts clean and succeeds.
    client
        .download_artifact(&job.id, &artifact, &dest, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), weights);
}
