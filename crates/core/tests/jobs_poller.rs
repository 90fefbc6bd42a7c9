//! The poller against a real agent and the real trainer on the tiny model: a job from launch to a verified,
//! recorded model (with the budget guard, cost records and alerts), cancel, and the idempotent launch.

mod jobs_support;

use std::time::Duration;

use brightrun_core::cluster::client::{GpuRequest, JobRequest};
use brightrun_core::jobs::{self, JobEvent, JobsError, LaunchProgress};
use brightrun_core::store::notifications::NotificationKind;
use brightrun_core::store::training_jobs::{JobStatus, NewTrainingJob};
use brightrun_core::store::StoreAccess;
use jobs_support::{agent_points, assert_same_points, drain, World};
use sha2::{Digest, Sha256};

/// Runs single passes until `done` holds for the job (each pass waits for the downloads it started).
async fn poll_until(
    poller: &mut jobs::Poller,
    world: &World,
    job_id: &str,
    done: impl Fn(&brightrun_core::store::training_jobs::TrainingJob) -> bool,
) -> brightrun_core::store::training_jobs::TrainingJob {
    // Bounded by the number of passes, not by the clock: a hung job fails the test instead of hanging it.
    for _ in 0..2400 {
        poller.poll_once().await.expect("poll pass");
        let job = world
            .store
            .with_store(|s| s.training_jobs().get(job_id))
            .expect("job");
        if done(&job) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {job_id} never reached the expected state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_to_a_verified_model_with_its_metrics_costs_and_notifications() {
    // CPU time priced high so that a seconds-long run crosses every cost and budget line.
    let world = World::new("[prices.cpu]\non_demand = 200.0\nspot = 100.0\n");
    world
        .store
        .with_store(|s| s.settings().set_monthly_budget_usd(Some(0.05)))
        .unwrap();

    // The estimate's high end exceeds the budget: refused without the override, and nothing is recorded.
    let refused = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        world.request(10),
        &mut |_| {},
    )
    .await;
    assert!(matches!(refused, Err(JobsError::OverBudget(_))), "{refused:?}");
    assert!(world
        .store
        .with_store(|s| s.training_jobs().list(None))
        .unwrap()
        .is_empty());

    let mut request = world.request(10);
    request.budget_override = true;
    let mut steps = Vec::new();
    let launched = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        request,
        &mut |p| steps.push(p),
    )
    .await
    .expect("launch");
    assert!(
        steps.iter().any(|p| matches!(p, LaunchProgress::Uploading(_))),
        "{steps:?}"
    );
    assert!(steps.contains(&LaunchProgress::Submitting));
    let job = launched.job;
    assert_eq!(job.status, JobStatus::Queued);
    assert!(job.remote_job_id.is_some());
    assert!(
        job.estimate.as_ref().unwrap()["cost_usd"]["high"]
            .as_f64()
            .unwrap()
            > 0.0
    );

    // The estimator expects this run to take longer than it does; an estimate of one cent makes the real
    // cost pass 80, 100 and 120 % of it.
    world
        .store
        .with_store(|s| {
            s.connection().execute(
                "UPDATE training_jobs SET estimate_json = json_set(estimate_json, '$.cost_usd.expected', 0.01) \
                 WHERE id = ?1",
                [&job.id],
            )
        })
        .unwrap();

    let mut poller = world.poller(Duration::from_millis(200));
    let mut events = poller.subscribe();
    let done = poll_until(&mut poller, &world, &job.id, |j| {
        j.status.is_finished() && (j.status != JobStatus::Completed || j.artifacts_status.is_some_and_ready())
    })
    .await;
    assert_eq!(done.status, JobStatus::Completed, "{done:#?}");
    assert!(done.started_at.is_some() && done.finished_at.is_some());
    assert!(done.unreachable_since.is_none());

    // Metrics: exactly the agent's points, each once.
    let remote_id = done.remote_job_id.clone().unwrap();
    let stored = world.store.with_store(|s| s.metrics().list(&job.id)).unwrap();
    let agent = agent_points(&world.client(), &remote_id).await;
    assert_eq!(stored.last().map(|p| p.step), Some(10));
    assert_same_points(&stored, &agent);
    assert!(stored.iter().any(|p| p.val_loss.is_some()), "no validation point");

    // Logs and checkpoints were followed.
    let log = world.store.with_store(|s| s.job_logs().text(&job.id, 0)).unwrap();
    assert!(!log.is_empty());
    let checkpoints = world.store.with_store(|s| s.checkpoints().list(&job.id)).unwrap();
    assert!(!checkpoints.is_empty(), "no checkpoint recorded");

    // The model: every file present with the announced hash, recorded with lineage and quality.
    let model = world
        .store
        .with_store(|s| s.model_artifacts().by_job(&job.id))
        .unwrap()
        .expect("model recorded");
    assert!(model.verified);
    assert_eq!(model.adapter_dir, format!("models/{}", job.id));
    assert_eq!(model.dataset_id, world.dataset_id);
    assert_eq!(model.base_model, "tiny");
    assert_eq!(model.config["hyperparameters"]["max_steps"], 10);
    let names: Vec<&str> = model.files.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"adapter_model.safetensors"), "{names:?}");
    assert!(names.contains(&"adapter_config.json"), "{names:?}");
    for file in &model.files {
        let bytes = std::fs::read(world.data_dir.join(&model.adapter_dir).join(&file.name)).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), file.sha256, "{}", file.name);
    }
    let q = &model.quality;
    let last_train = stored.iter().rev().find_map(|p| p.train_loss).unwrap();
    let last_val = stored.iter().rev().find_map(|p| p.val_loss).unwrap();
    assert_eq!(q.final_train_loss, Some(last_train));
    assert_eq!(q.final_val_loss, Some(last_val));
    assert!((q.perplexity.unwrap() - last_val.exp()).abs() < 1e-9);
    assert!((1..=5).contains(&q.rating));

    // Money: the records add up to the job's cost; each alert fired once.
    let records = world
        .store
        .with_store(|s| s.cost_records().for_job(&job.id))
        .unwrap();
    let sum: f64 = records.iter().map(|r| r.amount_usd).sum();
    assert!(done.cost_usd > 0.05, "cost {}", done.cost_usd);
    assert!((sum - done.cost_usd).abs() < 1e-9, "{sum} vs {}", done.cost_usd);
    let notes = world
        .store
        .with_store(|s| s.notifications().for_job(&job.id))
        .unwrap();
    let count = |kind: NotificationKind| notes.iter().filter(|n| n.kind == kind).count();
    for kind in [
        NotificationKind::JobQueued,
        NotificationKind::JobStarted,
        NotificationKind::JobCompleted,
        NotificationKind::ArtifactReady,
    ] {
        assert_eq!(count(kind), 1, "{kind:?}: {notes:#?}");
    }
    assert_eq!(
        count(NotificationKind::BudgetAlert),
        3,
        "80, 90 and 100 %: {notes:#?}"
    );
    assert_eq!(
        count(NotificationKind::CostAlert),
        3,
        "80, 100 and 120 %: {notes:#?}"
    );

    // Events reached subscribers: transitions, metrics and the model.
    let events = drain(&mut events);
    assert!(events.iter().any(|e| matches!(
        e,
        JobEvent::StatusChanged {
            to: JobStatus::Completed,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(e, JobEvent::Metrics { .. })));
    assert!(events
        .iter()
        .any(|e| matches!(e, JobEvent::ModelReady { model_id, .. } if *model_id == model.id)));

    // Polling again changes nothing: no new points, records or notifications.
    poller.poll_once().await.unwrap();
    assert_eq!(
        world.store.with_store(|s| s.metrics().count(&job.id)).unwrap(),
        stored.len() as u64
    );
    assert_eq!(
        world
            .store
            .with_store(|s| s.notifications().for_job(&job.id))
            .unwrap()
            .len(),
        notes.len()
    );
}

trait ReadyExt {
    fn is_some_and_ready(&self) -> bool;
}

impl ReadyExt for Option<String> {
    fn is_some_and_ready(&self) -> bool {
        matches!(self.as_deref(), Some("ready") | Some("failed"))
    }
}

/// A job its cluster no longer knows (the agent was reset, the job deleted there) answers 404: after
/// `LOST_AFTER` of them in a row, each after the cluster's backoff, it is failed with `cluster_lost` and a
/// notification, instead of showing "running" for ever. A wrong key marks the cluster `unauthorized`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_cluster_lost_fails_and_a_rejected_key_marks_the_cluster() {
    let world = World::new("");
    let launched = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        world.request(400),
        &mut |_| {},
    )
    .await
    .expect("launch");
    let job_id = launched.job.id;
    let remote_id = launched.job.remote_job_id.clone().unwrap();
    // The cluster forgets it: the local row now follows an id the agent never had.
    world
        .store
        .with_store(|s| {
            s.connection().execute(
                "UPDATE training_jobs SET remote_job_id = 'gone-on-the-cluster' WHERE id = ?1",
                [&job_id],
            )
        })
        .unwrap();
    let mut poller = world.poller(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let lost = poll_until(&mut poller, &world, &job_id, |j| j.status.is_finished()).await;
    assert_eq!(lost.status, JobStatus::Failed, "{lost:#?}");
    assert_eq!(lost.error_kind.as_deref(), Some("cluster_lost"), "{lost:#?}");
    // Three 404s, with backoffs of at least 100 ms and 200 ms between them (jittered in their upper half).
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "no backoff between the 404s"
    );
    let notes = world
        .store
        .with_store(|s| s.notifications().for_job(&job_id))
        .unwrap();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.kind == NotificationKind::JobFailed)
            .count(),
        1,
        "{notes:#?}"
    );

    // The real job still runs on the agent; follow it again with a wrong key.
    world
        .store
        .with_store(|s| {
            s.connection().execute(
                "UPDATE training_jobs SET remote_job_id = ?2, status = 'running', finished_at = NULL WHERE id = ?1",
                [&job_id, &remote_id],
            )
        })
        .unwrap();
    let wrong = brightrun_core::cluster::ClusterClient::new(
        world.http.clone(),
        world.client().base_url(),
        brightrun_core::cluster::Sensitive::new("brk_rotated_away".to_string()),
    )
    .unwrap();
    let clients = jobs::FixedClients::new().with(world.cluster_id.clone(), wrong);
    let mut config = jobs::PollerConfig::new(world.data_dir.clone(), Duration::from_millis(200));
    config.backoff_base = Duration::from_millis(200);
    let mut poller = jobs::Poller::new(
        std::sync::Arc::clone(&world.store),
        std::sync::Arc::new(clients),
        std::sync::Arc::new(jobs::RecordOnlyNotifier),
        config,
    );
    poller.poll_once().await.unwrap();
    let cluster = world
        .store
        .with_store(|s| s.clusters().find(&world.cluster_id))
        .unwrap();
    assert_eq!(
        cluster.last_status,
        Some(brightrun_core::store::ClusterStatus::Unauthorized),
        "{cluster:#?}"
    );
    let clients = jobs::FixedClients::new().with(world.cluster_id.clone(), world.client());
    jobs::cancel_job(&world.store, &clients, &job_id, None)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_job_keeps_its_reason_and_notifies_once() {
    let world = World::new("");
    let launched = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        world.request(400),
        &mut |_| {},
    )
    .await
    .expect("launch");
    let job_id = launched.job.id;
    let mut poller = world.poller(Duration::from_millis(200));
    poll_until(&mut poller, &world, &job_id, |j| {
        j.current_step >= 1 || j.status.is_finished()
    })
    .await;

    let clients = jobs::FixedClients::new().with(world.cluster_id.clone(), world.client());
    let answered = jobs::cancel_job(&world.store, &clients, &job_id, Some("wrong dataset"))
        .await
        .unwrap();
    assert_eq!(answered.cancel_reason.as_deref(), Some("wrong dataset"));
    let done = poll_until(&mut poller, &world, &job_id, |j| j.status.is_finished()).await;
    assert_eq!(done.status, JobStatus::Cancelled, "{done:#?}");
    assert!(
        done.artifacts_status.is_none(),
        "a cancelled job has no model to download"
    );
    let notes = world
        .store
        .with_store(|s| s.notifications().for_job(&job_id))
        .unwrap();
    let cancelled: Vec<_> = notes
        .iter()
        .filter(|n| n.kind == NotificationKind::JobCancelled)
        .collect();
    assert_eq!(cancelled.len(), 1, "{notes:#?}");
    assert!(cancelled[0].body.contains("wrong dataset"));
    assert!(world
        .store
        .with_store(|s| s.model_artifacts().by_job(&job_id))
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_interrupted_after_its_key_was_stored_still_makes_one_job() {
    let world = World::new("");
    let client = world.client();
    let dataset = world
        .store
        .with_store(|s| s.datasets().get(&world.dataset_id))
        .unwrap();
    let file = jobs::training_file(&world.data_dir, &dataset, &mut |_| {})
        .await
        .unwrap();
    let request = world.request(400);
    // The first launch stored its row and key, uploaded, and its request reached the cluster; then the
    // process died before the answer was recorded.
    let row = world
        .store
        .with_store(|s| {
            s.training_jobs().insert_submitting(&NewTrainingJob {
                name: "interrupted".into(),
                ..new_row(&world, &dataset.id, &file.sha256, &request.hyperparameters)
            })
        })
        .unwrap();
    client
        .upload_dataset(&file.sha256, &file.path, &mut |_| {})
        .await
        .unwrap();
    let first = client
        .create_job(&row.idempotency_key, &job_request(&row))
        .await
        .unwrap();
    let stale = world
        .store
        .with_store(|s| s.training_jobs().get(&row.id))
        .unwrap();
    assert_eq!(stale.status, JobStatus::Submitting);
    assert!(stale.remote_job_id.is_none());

    // The retried launch resubmits with the stored key: the cluster answers the same job.
    let resumed = jobs::resume_submission(&world.store, &world.data_dir, &client, &row.id, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(resumed.remote_job_id.as_deref(), Some(first.id.as_str()));
    assert!(
        !matches!(resumed.status, JobStatus::Submitting | JobStatus::Failed),
        "{resumed:#?}"
    );
    let on_cluster = client.jobs().await.unwrap();
    assert_eq!(on_cluster.len(), 1, "{on_cluster:#?}");

    // The same crash, found later by the poller: a launch left `submitting` for more than its grace period
    // is finished with its stored key, and the cluster still has exactly one job for it.
    let stale = world
        .store
        .with_store(|s| {
            let job = s.training_jobs().insert_submitting(&NewTrainingJob {
                name: "interrupted twice".into(),
                ..new_row(&world, &dataset.id, &file.sha256, &request.hyperparameters)
            })?;
            s.connection().execute(
                "UPDATE training_jobs SET created_at = '2026-01-01T00:00:00.000Z' WHERE id = ?1",
                [&job.id],
            )?;
            Ok::<_, brightrun_core::store::StoreError>(job)
        })
        .unwrap();
    let reached = client
        .create_job(&stale.idempotency_key, &job_request(&stale))
        .await
        .unwrap();
    let mut poller = world.poller(Duration::from_millis(200));
    poller.poll_once().await.unwrap();
    let finished = world
        .store
        .with_store(|s| s.training_jobs().get(&stale.id))
        .unwrap();
    assert_eq!(finished.remote_job_id.as_deref(), Some(reached.id.as_str()));
    assert_eq!(client.jobs().await.unwrap().len(), 2);
    let clients = jobs::FixedClients::new().with(world.cluster_id.clone(), client.clone());
    jobs::cancel_job(&world.store, &clients, &stale.id, Some("test over"))
        .await
        .unwrap();
    // Stop the run: the test only needed it to exist once.
    let clients = jobs::FixedClients::new().with(world.cluster_id.clone(), client.clone());
    jobs::cancel_job(&world.store, &clients, &row.id, Some("test over"))
        .await
        .unwrap();
}

fn new_row(
    world: &World,
    dataset_id: &str,
    sha256: &str,
    hyperparameters: &brightrun_core::training::Hyperparameters,
) -> NewTrainingJob {
    NewTrainingJob {
        cluster_id: world.cluster_id.clone(),
        name: "interrupted".into(),
        dataset_id: dataset_id.to_string(),
        dataset_sha256: sha256.to_string(),
        base_model: "tiny".into(),
        hyperparameters: hyperparameters.clone(),
        gpu_type: "cpu".into(),
        gpu_count: 1,
        spot: false,
        max_duration_hours: 1.0,
        estimate: None,
        retry_of: None,
        validation_sha256: None,
        split: None,
        skipped_invalid: 0,
    }
}

/// The request the interrupted launch had sent.
fn job_request(row: &brightrun_core::store::training_jobs::TrainingJob) -> JobRequest {
    JobRequest {
        name: row.name.clone(),
        dataset_sha256: row.dataset_sha256.clone(),
        base_model: row.base_model.clone(),
        hyperparameters: row.hyperparameters.clone(),
        gpu: GpuRequest {
            gpu_type: "cpu".into(),
            count: 1,
        },
        spot: false,
        max_duration_hours: 1.0,
        validation_dataset_sha256: None,
    }
}
