//! The poller's pace: a changed interval is followed at once, without a restart. Real store (a temporary
//! SQLite file), real HTTP client against a port nothing listens on: each pass reports the job's cluster as
//! unreachable, so the `Unreachable` events count the passes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::cluster::{ClusterClient, Sensitive};
use crate::jobs::{FixedClients, RecordOnlyNotifier};
use crate::store::clusters::{ClusterKind, NewCluster};
use crate::store::training_jobs::NewTrainingJob;
use crate::store::{Inserted, NewDataset, Store, StoreAccess};

/// A store with one queued job on a cluster at 127.0.0.1:1 (refuses every connection).
fn world(dir: &std::path::Path) -> (SharedStore, FixedClients) {
    let store: SharedStore = Arc::new(Mutex::new(Store::open(dir).unwrap()));
    let cluster_id = store.with_store(|s| {
        let cluster = s
            .clusters()
            .insert(&NewCluster {
                name: "gone".into(),
                url: "http://127.0.0.1:1".into(),
                kind: ClusterKind::Remote,
            })
            .unwrap();
        let dataset = match s
            .datasets()
            .insert_validating(&NewDataset {
                name: "demo".into(),
                description: None,
                sha256: "d".repeat(64),
                file_path: "datasets/demo.jsonl".into(),
                original_file_name: "demo.jsonl".into(),
                bytes: 10,
            })
            .unwrap()
        {
            Inserted::New(d) | Inserted::Existing(d) => d,
        };
        let job = s
            .training_jobs()
            .insert_submitting(&NewTrainingJob {
                cluster_id: cluster.id.clone(),
                name: "followed".into(),
                dataset_id: dataset.id,
                dataset_sha256: "d".repeat(64),
                base_model: "tiny".into(),
                hyperparameters: crate::training::Hyperparameters::default(),
                gpu_type: "cpu".into(),
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
        let answer: crate::cluster::client::Job = serde_json::from_value(serde_json::json!({
            "id": "r-1", "name": "followed", "status": "queued", "progress": 0.0, "current_step": 0,
            "created_at": "2026-11-30T12:00:00Z", "cost_usd": 0.0, "price_per_gpu_hour": 0.0,
            "dataset_sha256": "d".repeat(64), "base_model": "tiny"
        }))
        .unwrap();
        s.training_jobs().set_submitted(&job.id, &answer).unwrap();
        cluster.id
    });
    let client = ClusterClient::new(
        reqwest::Client::new(),
        "http://127.0.0.1:1",
        Sensitive::new("key".to_string()),
    )
    .unwrap();
    (store, FixedClients::new().with(cluster_id, client))
}

/// Passes seen within `window` (one `Unreachable` event per pass: the one job on the unreachable cluster).
async fn passes_within(events: &mut broadcast::Receiver<JobEvent>, window: Duration) -> usize {
    let deadline = Instant::now() + window;
    let mut passes = 0;
    while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if matches!(event, JobEvent::Unreachable { .. }) {
            passes += 1;
        }
    }
    passes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_interval_is_followed_from_the_moment_it_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clients) = world(dir.path());
    let mut config = PollerConfig::new(dir.path().to_path_buf(), Duration::from_secs(3600));
    // Back off for a moment only, so every pass asks the cluster again (and says so).
    config.backoff_base = Duration::from_millis(1);
    config.backoff_max = Duration::from_millis(1);
    let poller = Poller::new(store, Arc::new(clients), Arc::new(RecordOnlyNotifier), config);
    let mut events = poller.subscribe();
    let handle = poller.spawn();

    // The first pass comes at once; the next one would come in an hour.
    assert_eq!(passes_within(&mut events, Duration::from_millis(1500)).await, 1);
    assert_eq!(handle.interval(), Duration::from_secs(3600));

    handle.set_interval(Duration::from_millis(100));
    assert_eq!(handle.interval(), Duration::from_millis(100));
    let passes = passes_within(&mut events, Duration::from_millis(1500)).await;
    assert!(
        passes >= 5,
        "about one pass per 100 ms after the change, saw {passes}"
    );

    handle.set_interval(Duration::from_secs(3600));
    // A pass in flight may still finish; after it, none for an hour.
    passes_within(&mut events, Duration::from_millis(300)).await;
    assert_eq!(passes_within(&mut events, Duration::from_millis(800)).await, 0);
    handle.stop().await;
}
