//! The job tables on a real SQLite file, without a cluster: the row written before submission, the
//! cluster's view copied in (a finished job never goes back), metrics upserted by step, logs with their
//! offset, cost records by month, notifications that fire once, models with their quality.

mod store_support;

use brightrun_core::cluster::client::{Artifact, Job as RemoteJob, JobError, MetricsPoint};
use brightrun_core::jobs::model_quality;
use brightrun_core::store::model_artifacts::NewModelArtifact;
use brightrun_core::store::notifications::{NewNotification, NotificationKind, Priority};
use brightrun_core::store::training_jobs::{JobStatus, NewTrainingJob, TrainingJob};
use brightrun_core::store::{Store, StoreError};
use brightrun_core::training::Hyperparameters;
use chrono::{TimeZone, Utc};
use store_support::{insert, temp_store};

fn new_job(store: &Store) -> TrainingJob {
    let dataset = insert(store, "sample", None, 1);
    store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "cluster-1".into(),
            name: "first run".into(),
            dataset_id: dataset.id,
            dataset_sha256: "a".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters::default(),
            gpu_type: "cpu".into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 2.0,
            estimate: Some(serde_json::json!({"cost_usd": {"low": 1.0, "expected": 2.0, "high": 3.0}})),
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .unwrap()
}

fn remote(status: &str, step: u64, cost: f64) -> RemoteJob {
    RemoteJob {
        id: "remote-1".into(),
        name: "first run".into(),
        status: status.into(),
        stage: Some("training".into()),
        progress: step as f64 * 10.0,
        current_step: step,
        total_steps: Some(10),
        current_epoch: Some(0.5),
        total_epochs: Some(1.0),
        latest_metrics: None,
        created_at: "2026-11-22T00:00:00Z".into(),
        started_at: Some("2026-11-22T00:00:01Z".into()),
        finished_at: None,
        cost_usd: cost,
        price_per_gpu_hour: 1.0,
        error: None,
        cancel_reason: None,
        dataset_sha256: "a".repeat(64),
        base_model: "tiny".into(),
        summary: None,
        executor: None,
    }
}

fn point(step: u64, train_loss: f64) -> MetricsPoint {
    MetricsPoint {
        step,
        epoch: Some(step as f64 / 10.0),
        train_loss: Some(train_loss),
        val_loss: None,
        learning_rate: Some(1e-4),
        grad_norm: None,
        tokens_per_second: None,
        gpu_utilization: None,
        gpu_memory_gb: None,
        timestamp: format!("2026-11-22T00:00:{step:02}Z"),
    }
}

#[test]
fn a_job_is_recorded_with_its_key_before_submission_and_then_follows_its_cluster() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    assert_eq!(job.status, JobStatus::Submitting);
    assert!(job.remote_job_id.is_none());
    assert_eq!(job.idempotency_key.len(), 36);
    assert_ne!(job.idempotency_key, job.id);
    assert_eq!(
        store.training_jobs().to_poll().unwrap(),
        vec![],
        "not followed before the cluster answered"
    );

    let submitted = store
        .training_jobs()
        .set_submitted(&job.id, &remote("queued", 0, 0.0))
        .unwrap();
    assert_eq!(submitted.remote_job_id.as_deref(), Some("remote-1"));
    assert_eq!(submitted.status, JobStatus::Queued);
    assert_eq!(store.training_jobs().to_poll().unwrap().len(), 1);

    let running = store
        .training_jobs()
        .apply_remote(&job.id, &remote("running", 4, 0.5))
        .unwrap();
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.current_step, 4);
    assert!(running.last_polled_at.is_some());

    let mut failed = remote("failed", 5, 0.6);
    failed.error = Some(JobError {
        kind: "out_of_memory".into(),
        message: "CUDA out of memory".into(),
        hint: Some("halve the batch size".into()),
    });
    failed.finished_at = Some("2026-11-22T00:01:00Z".into());
    let ended = store.training_jobs().apply_remote(&job.id, &failed).unwrap();
    assert_eq!(ended.status, JobStatus::Failed);
    assert_eq!(ended.error_hint.as_deref(), Some("halve the batch size"));
    // A late answer cannot bring a finished job back to running.
    let late = store
        .training_jobs()
        .apply_remote(&job.id, &remote("running", 5, 0.6))
        .unwrap();
    assert_eq!(late.status, JobStatus::Failed);
    assert_eq!(late.error_kind.as_deref(), Some("out_of_memory"));
    assert!(store.training_jobs().to_poll().unwrap().is_empty());

    assert_eq!(store.training_jobs().find(&job.id).unwrap().id, job.id);
    assert!(matches!(
        store.training_jobs().find("nope-nope"),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.training_jobs().list(Some(JobStatus::Failed)).unwrap().len(),
        1
    );
    assert!(store
        .training_jobs()
        .list(Some(JobStatus::Running))
        .unwrap()
        .is_empty());
}

#[test]
fn unreachable_since_keeps_the_first_failure_and_clears_on_an_answer() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    store
        .training_jobs()
        .set_submitted(&job.id, &remote("queued", 0, 0.0))
        .unwrap();
    store
        .training_jobs()
        .mark_unreachable(&job.id, "2026-11-22T01:00:00.000Z")
        .unwrap();
    store
        .training_jobs()
        .mark_unreachable(&job.id, "2026-11-22T01:05:00.000Z")
        .unwrap();
    let down = store.training_jobs().get(&job.id).unwrap();
    assert_eq!(
        down.unreachable_since.as_deref(),
        Some("2026-11-22T01:00:00.000Z")
    );
    let back = store
        .training_jobs()
        .apply_remote(&job.id, &remote("running", 1, 0.0))
        .unwrap();
    assert!(back.unreachable_since.is_none());
}

#[test]
fn metrics_are_upserted_by_step_so_a_refetch_never_duplicates() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    store
        .immediate(|s| {
            s.metrics()
                .upsert(&job.id, &[point(1, 3.0), point(2, 2.5), point(3, 2.0)])
        })
        .unwrap();
    // Steps 2 and 3 again (a restarted client re-reads them), step 3 with a new value, and step 4.
    store
        .immediate(|s| {
            s.metrics()
                .upsert(&job.id, &[point(2, 2.5), point(3, 1.9), point(4, 1.8)])
        })
        .unwrap();
    let points = store.metrics().list(&job.id).unwrap();
    assert_eq!(
        points.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(points[2].train_loss, Some(1.9));
    assert_eq!(store.metrics().max_step(&job.id).unwrap(), Some(4));
    assert_eq!(store.metrics().count(&job.id).unwrap(), 4);
    assert_eq!(store.metrics().max_step("other").unwrap(), None);
}

#[test]
fn a_failed_transaction_writes_nothing() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    let result: Result<(), StoreError> = store.immediate(|s| {
        s.metrics().upsert(&job.id, &[point(1, 3.0)])?;
        s.job_logs().append(&job.id, 0, "hello\n", 6)?;
        Err(StoreError::InvalidInput {
            field: "test".into(),
            message: "abort".into(),
        })
    });
    assert!(result.is_err());
    assert_eq!(store.metrics().count(&job.id).unwrap(), 0);
    assert_eq!(store.training_jobs().get(&job.id).unwrap().log_offset, 0);
    assert_eq!(store.job_logs().text(&job.id, 0).unwrap(), "");
}

#[test]
fn logs_are_kept_by_offset_with_the_next_offset() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    store
        .immediate(|s| s.job_logs().append(&job.id, 0, "one\n", 4))
        .unwrap();
    store
        .immediate(|s| s.job_logs().append(&job.id, 4, "two\n", 8))
        .unwrap();
    // The same chunk fetched twice replaces itself.
    store
        .immediate(|s| s.job_logs().append(&job.id, 4, "two\n", 8))
        .unwrap();
    assert_eq!(store.job_logs().text(&job.id, 0).unwrap(), "one\ntwo\n");
    assert_eq!(store.job_logs().text(&job.id, 4).unwrap(), "two\n");
    assert_eq!(store.training_jobs().get(&job.id).unwrap().log_offset, 8);
}

#[test]
fn the_month_spend_sums_only_this_months_records() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    let last_month = Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap();
    let this_month = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let next_month = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    store.cost_records().record(&job.id, 5.0, last_month).unwrap();
    store.cost_records().record(&job.id, 1.25, this_month).unwrap();
    store.cost_records().record(&job.id, 0.5, this_month).unwrap();
    store.cost_records().record(&job.id, 7.0, next_month).unwrap();
    assert_eq!(store.cost_records().spent_in_month_of(this_month).unwrap(), 1.75);
    assert_eq!(store.cost_records().spent_in_month_of(next_month).unwrap(), 7.0);
    assert_eq!(store.cost_records().for_job(&job.id).unwrap().len(), 4);
    assert!(store
        .cost_records()
        .record(&job.id, f64::NAN, this_month)
        .is_err());
}

#[test]
fn an_alert_with_a_once_key_is_recorded_once() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    let alert = NewNotification {
        kind: NotificationKind::BudgetAlert,
        priority: Priority::High,
        title: "90 % of the monthly budget spent".into(),
        body: "…".into(),
        job_id: Some(job.id.clone()),
        once_key: Some("budget_alert:2026-11:90".into()),
    };
    let first = store.notifications().record(&alert).unwrap().expect("recorded");
    assert!(store.notifications().record(&alert).unwrap().is_none());
    // Without a once-key every notification is its own.
    let plain = NewNotification {
        once_key: None,
        ..alert.clone()
    };
    assert!(store.notifications().record(&plain).unwrap().is_some());
    assert!(store.notifications().record(&plain).unwrap().is_some());
    assert_eq!(store.notifications().for_job(&job.id).unwrap().len(), 3);
    assert!(store.notifications().mark_read(&first.id).unwrap());
    assert_eq!(store.notifications().list(true, 10).unwrap().len(), 2);
    assert_eq!(store.notifications().list(false, 10).unwrap().len(), 3);
}

#[test]
fn a_model_is_recorded_once_per_job_with_its_quality() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    let points = [point(1, 4.0), point(2, 2.0)];
    let new = NewModelArtifact {
        job_id: job.id.clone(),
        name: job.name.clone(),
        adapter_dir: format!("models/{}", job.id),
        base_model: "tiny".into(),
        dataset_id: job.dataset_id.clone(),
        dataset_sha256: job.dataset_sha256.clone(),
        config: serde_json::json!({"hyperparameters": job.hyperparameters}),
        quality: model_quality(&points),
        files: vec![Artifact {
            name: "adapter_model.safetensors".into(),
            size: 10,
            sha256: "b".repeat(64),
        }],
        verified: true,
    };
    let model = store.model_artifacts().upsert(&new).unwrap();
    assert_eq!(model.bytes, 10);
    assert_eq!(model.quality.improvement_pct, Some(50.0));
    assert_eq!(model.quality.rating, 5);
    let again = store.model_artifacts().upsert(&new).unwrap();
    assert_eq!(again.id, model.id, "a repeated download replaces, never adds");
    assert_eq!(store.model_artifacts().list().unwrap().len(), 1);
    assert_eq!(store.model_artifacts().find(&job.id).unwrap().id, model.id);
}

#[test]
fn a_retry_keeps_the_run_names_its_number_and_halves_the_batch_after_out_of_memory() {
    let (_dir, store) = temp_store();
    let job = new_job(&store);
    store
        .training_jobs()
        .set_submitted(&job.id, &remote("queued", 0, 0.0))
        .unwrap();
    let running = store.training_jobs().get(&job.id).unwrap();
    assert!(
        brightrun_core::jobs::retry_of(&running, 0).is_err(),
        "a queued job is not retried"
    );

    let mut failed = remote("failed", 3, 0.1);
    failed.error = Some(JobError {
        kind: "out_of_memory".into(),
        message: "CUDA out of memory".into(),
        hint: Some("halve the batch size".into()),
    });
    let failed = store.training_jobs().apply_remote(&job.id, &failed).unwrap();
    let retry = brightrun_core::jobs::retry_of(&failed, 0).unwrap();
    assert_eq!(retry.name.as_deref(), Some("first run (Retry #1)"));
    assert_eq!(retry.retry_of.as_deref(), Some(job.id.as_str()));
    assert_eq!(
        retry.hyperparameters.batch_size,
        failed.hyperparameters.batch_size / 2
    );
    assert_eq!(
        retry.hyperparameters.gradient_accumulation,
        failed.hyperparameters.gradient_accumulation * 2
    );
    assert_eq!(retry.dataset_id, failed.dataset_id);
    assert_eq!(retry.gpu_type.as_deref(), Some("cpu"));
    assert!(!retry.budget_override);

    let mut cancelled = failed.clone();
    cancelled.status = JobStatus::Cancelled;
    cancelled.error_kind = None;
    let again = brightrun_core::jobs::retry_of(&cancelled, 1).unwrap();
    assert_eq!(again.name.as_deref(), Some("first run (Retry #2)"));
    assert_eq!(
        again.hyperparameters.batch_size, failed.hyperparameters.batch_size,
        "only OOM halves it"
    );
}

#[test]
fn a_completed_job_records_its_steady_throughput_and_its_fixed_costs_once() {
    let (_dir, store) = temp_store();
    let dataset = insert(&store, "sample", None, 1);
    let job = store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "cluster-1".into(),
            name: "measured".into(),
            dataset_id: dataset.id,
            dataset_sha256: "a".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters::default(),
            gpu_type: "cpu".into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 2.0,
            // The estimator counted 12,000 training tokens and 1,000 validation token-equivalents.
            estimate: Some(
                serde_json::json!({"training_tokens": 12000.0, "validation_token_equivalents": 1000.0}),
            ),
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .unwrap();
    // Warm-up (step 1) is slow, step 4 carries an evaluation and step 5's interval began before it: all three
    // are left out; the median of the steady 100, 110, 90 is 100 tokens/s.
    let rates = [
        (1, 20.0, None),
        (2, 100.0, None),
        (3, 110.0, None),
        (4, 30.0, Some(1.5)),
        (5, 40.0, None),
        (6, 90.0, None),
    ];
    let points: Vec<MetricsPoint> = rates
        .iter()
        .map(|&(step, tps, val)| MetricsPoint {
            tokens_per_second: Some(tps),
            val_loss: val,
            ..point(step, 2.0)
        })
        .collect();
    store.metrics().upsert(&job.id, &points).unwrap();
    let mut done = remote("completed", 6, 0.0);
    // 100 s from start to end; the trainer saw 6,000 real tokens: 60 s of training at 100 tokens/s.
    done.finished_at = Some("2026-11-22T00:01:41Z".into());
    done.summary = Some(serde_json::json!({"tokens_seen": 6000}));
    store.training_jobs().apply_remote(&job.id, &done).unwrap();
    brightrun_core::jobs::throughput::record_if_completed(&store, &job.id).unwrap();
    let t = store.training_jobs().get(&job.id).unwrap().throughput.unwrap();
    assert_eq!(t.tokens_per_second, 100.0);
    assert_eq!(t.points, 3);
    assert_eq!(t.run_seconds, 100.0);
    assert_eq!(t.training_seconds, 60.0);
    // In the estimator's tokens: 12,000 / 60 s = 200/s; its 1,000 validation equivalents take 5 s of the
    // remaining 40 s, so the fixed costs are 35 s: 35 + 60 + 5 adds back up to the 100 s run.
    assert_eq!(t.estimator_tokens_per_second, Some(200.0));
    assert_eq!(t.overhead_seconds, 35.0);
    // Recorded once: a second pass keeps it, and the job is now an observation for calibration.
    brightrun_core::jobs::throughput::record_if_completed(&store, &job.id).unwrap();
    let jobs = store.training_jobs().with_throughput().unwrap();
    assert_eq!(jobs.len(), 1);
    let observations = brightrun_core::jobs::estimate::observations(&jobs);
    assert_eq!(observations[0].tokens_per_second, 200.0);
    assert_eq!(observations[0].overhead_seconds, Some(35.0));
}
