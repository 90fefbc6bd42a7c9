//! The dashboard's figures on a real SQLite file: the counts, the month's spend against the budget, and the
//! activity feed (newest first, job and dataset notifications left out, alerts kept).

mod store_support;

use brightrun_core::cluster::client::Artifact;
use brightrun_core::dataset::DatasetFormat;
use brightrun_core::jobs::model_quality;
use brightrun_core::overview::{overview, ActivitySubject};
use brightrun_core::store::model_artifacts::NewModelArtifact;
use brightrun_core::store::notifications::{NewNotification, NotificationKind, Priority};
use brightrun_core::store::training_jobs::{NewTrainingJob, TrainingJob};
use brightrun_core::store::Store;
use brightrun_core::training::Hyperparameters;
use chrono::{TimeZone, Utc};
use store_support::*;

fn job(
    store: &Store,
    dataset_id: &str,
    name: &str,
    status: &str,
    created: &str,
    finished: Option<&str>,
) -> TrainingJob {
    let job = store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "local".into(),
            name: name.into(),
            dataset_id: dataset_id.into(),
            dataset_sha256: "a".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters::default(),
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
    store
        .connection()
        .execute(
            "UPDATE training_jobs SET status = ?2, created_at = ?3, finished_at = ?4 WHERE id = ?1",
            rusqlite::params![job.id, status, created, finished],
        )
        .unwrap();
    job
}

#[test]
fn the_dashboard_counts_spend_and_lists_the_latest_events() {
    let (_dir, store) = temp_store();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let ready = insert_validated(
        &store,
        "ready set",
        1,
        DatasetFormat::OpenaiMessages,
        true,
        10,
        true,
    );
    set_created_at(&store, &ready.id, "2026-11-01T00:00:00.000Z");
    let weak = insert_validated(&store, "weak set", 2, DatasetFormat::Alpaca, true, 1, false);
    set_created_at(&store, &weak.id, "2026-11-02T00:00:00.000Z");
    let gone = insert_validated(&store, "binned", 3, DatasetFormat::Alpaca, true, 5, true);
    store.datasets().soft_delete(&gone.id).unwrap();

    let done = job(
        &store,
        &ready.id,
        "run 1",
        "completed",
        "2026-11-03T00:00:00.000Z",
        Some("2026-11-04T00:00:00.000Z"),
    );
    job(
        &store,
        &ready.id,
        "run 2",
        "running",
        "2026-11-05T00:00:00.000Z",
        None,
    );
    job(
        &store,
        &ready.id,
        "run 3",
        "queued",
        "2026-11-06T00:00:00.000Z",
        None,
    );
    let model = store
        .model_artifacts()
        .upsert(&NewModelArtifact {
            job_id: done.id.clone(),
            name: "run 1".into(),
            adapter_dir: format!("models/{}", done.id),
            base_model: "tiny".into(),
            dataset_id: ready.id.clone(),
            dataset_sha256: "a".repeat(64),
            config: serde_json::json!({}),
            quality: model_quality(&[]),
            files: vec![Artifact {
                name: "adapter_model.safetensors".into(),
                size: 10,
                sha256: "b".repeat(64),
            }],
            verified: true,
        })
        .unwrap();
    store
        .connection()
        .execute(
            "UPDATE model_artifacts SET created_at = '2026-11-04T00:00:01.000Z' WHERE id = ?1",
            [&model.id],
        )
        .unwrap();
    // This month's spend, and last month's that does not count.
    store.cost_records().record(&done.id, 3.0, now).unwrap();
    store
        .cost_records()
        .record(
            &done.id,
            7.0,
            Utc.with_ymd_and_hms(2026, 10, 30, 0, 0, 0).unwrap(),
        )
        .unwrap();
    store.settings().set_monthly_budget_usd(Some(3.5)).unwrap();
    let notify = |kind, title: &str| {
        let n = store
            .notifications()
            .record(&NewNotification {
                kind,
                priority: Priority::High,
                title: title.into(),
                body: "details".into(),
                job_id: None,
                once_key: None,
            })
            .unwrap()
            .unwrap();
        store
            .connection()
            .execute(
                "UPDATE notifications SET created_at = '2026-11-07T00:00:00.000Z' WHERE id = ?1",
                [&n.id],
            )
            .unwrap();
    };
    notify(NotificationKind::BudgetAlert, "80% of the monthly budget spent");
    notify(NotificationKind::JobCompleted, "run 1 completed");

    let o = overview(&store, now, 50).unwrap();
    assert_eq!(
        (o.datasets, o.datasets_ready),
        (2, 1),
        "the trash is not the library"
    );
    assert_eq!(o.active_jobs, 2, "running and queued");
    assert_eq!(o.completed_models, 1);
    assert_eq!(o.month_spent_usd, 3.0);
    assert_eq!(o.monthly_budget_usd, Some(3.5));

    let feed: Vec<(ActivitySubject, &str)> =
        o.activity.iter().map(|a| (a.subject, a.title.as_str())).collect();
    assert_eq!(
        feed,
        vec![
            (ActivitySubject::Notification, "80% of the monthly budget spent"),
            (ActivitySubject::Job, "run 3 launched"),
            (ActivitySubject::Job, "run 2 launched"),
            (ActivitySubject::Model, "run 1 saved"),
            (ActivitySubject::Job, "run 1 completed"),
            (ActivitySubject::Job, "run 1 launched"),
            (ActivitySubject::Dataset, "weak set imported"),
            (ActivitySubject::Dataset, "ready set imported"),
        ],
        "newest first; the job notification is not repeated; the binned dataset is not shown"
    );
    assert_eq!(o.activity[3].job_id.as_deref(), Some(done.id.as_str()));
    assert_eq!(o.activity[7].detail, "10 training examples, ready to train");
    assert_eq!(o.activity[6].detail, "valid, not ready to train");

    let short = overview(&store, now, 3).unwrap();
    assert_eq!(short.activity.len(), 3);
    assert_eq!(short.activity[0], o.activity[0]);
}

#[test]
fn an_empty_library_has_zeros_and_no_activity() {
    let (_dir, store) = temp_store();
    let o = overview(&store, Utc::now(), 50).unwrap();
    assert_eq!((o.datasets, o.active_jobs, o.completed_models), (0, 0, 0));
    assert_eq!((o.month_spent_usd, o.monthly_budget_usd), (0.0, None));
    assert!(o.activity.is_empty());
}
