//! `brightrun settings / costs / notifications / models rename|rm|restore`: the real binary on a temporary data
//! folder whose jobs, cost records, notifications and models are written through the core's store (no cluster:
//! these commands only read and edit the local database).

use std::path::Path;

use assert_cmd::Command;
use brightrun_core::store::model_artifacts::{ModelQuality, NewModelArtifact};
use brightrun_core::store::notifications::{NewNotification, NotificationKind, Priority};
use brightrun_core::store::training_jobs::{NewTrainingJob, TrainingJob};
use brightrun_core::store::{NewDataset, Store};
use brightrun_core::training::Hyperparameters;
use chrono::{Duration, Utc};
use serde_json::Value;

fn run(data: &Path, args: &[&str]) -> (i32, Value) {
    let output = Command::cargo_bin("brightrun")
        .unwrap()
        .env("BRIGHTRUN_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), value)
}

fn job(store: &Store, name: &str, gpu: &str, seed: u32) -> TrainingJob {
    let sha256 = format!("{seed:064x}");
    let dataset = match store
        .datasets()
        .insert_validating(&NewDataset {
            name: format!("data {seed}"),
            description: None,
            sha256: sha256.clone(),
            file_path: format!("datasets/{sha256}.jsonl"),
            original_file_name: "d.jsonl".into(),
            bytes: 10,
        })
        .unwrap()
    {
        brightrun_core::store::Inserted::New(d) | brightrun_core::store::Inserted::Existing(d) => d,
    };
    store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "cluster-1".into(),
            name: name.into(),
            dataset_id: dataset.id,
            dataset_sha256: sha256,
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters::default(),
            gpu_type: gpu.into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 2.0,
            estimate: None,
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .unwrap()
}

#[test]
fn settings_set_and_get_by_the_users_names_and_refuse_what_they_cannot_store() {
    let data = tempfile::tempdir().unwrap();
    let (code, out) = run(data.path(), &["settings", "get", "monthly_budget_usd", "--json"]);
    assert_eq!(
        (code, &out),
        (
            0,
            &serde_json::json!({"key": "monthly_budget_usd", "value": null})
        )
    );
    let (code, _) = run(
        data.path(),
        &["settings", "set", "monthly_budget_usd", "100", "--json"],
    );
    assert_eq!(code, 0);
    let (code, out) = run(data.path(), &["settings", "get", "monthly_budget_usd", "--json"]);
    assert_eq!(
        (code, out),
        (0, serde_json::json!({"key": "monthly_budget_usd", "value": 100}))
    );
    // The launch guard reads the same value.
    let store = Store::open(data.path()).unwrap();
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), Some(100.0));

    let (code, _) = run(
        data.path(),
        &["settings", "set", "poll_interval_s", "30", "--json"],
    );
    assert_eq!(code, 0);
    let (_, out) = run(data.path(), &["settings", "get", "poll_interval_s", "--json"]);
    assert_eq!(out["value"], 30);
    assert_eq!(store.settings().polling_interval_secs().unwrap(), 30);

    for bad in [
        vec!["settings", "set", "colour", "red", "--json"],
        vec!["settings", "get", "colour", "--json"],
        vec!["settings", "set", "monthly_budget_usd", "lots", "--json"],
        vec!["settings", "set", "monthly_budget_usd", "-5", "--json"],
        vec!["settings", "set", "poll_interval_s", "1", "--json"],
        vec!["settings", "set", "poll_interval_s", "2.5", "--json"],
    ] {
        let (code, out) = run(data.path(), &bad);
        assert_eq!(code, 2, "{bad:?}: {out}");
        assert_eq!(out["error"]["code"], "invalid_argument", "{bad:?}");
    }
    // A refused value changed nothing; `none` removes the budget.
    let (_, out) = run(data.path(), &["settings", "get", "monthly_budget_usd", "--json"]);
    assert_eq!(out["value"], 100);
    run(
        data.path(),
        &["settings", "set", "monthly_budget_usd", "none", "--json"],
    );
    assert_eq!(store.settings().monthly_budget_usd().unwrap(), None);
}

#[test]
fn costs_add_up_by_day_job_and_gpu_and_the_csv_holds_the_same_rows() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let a = job(&store, "alpha, the first", "h100", 1);
    let b = job(&store, "beta", "a100", 2);
    let now = Utc::now();
    let costs = store.cost_records();
    costs.record(&a.id, 1.5, now).unwrap();
    costs.record(&a.id, 0.5, now - Duration::days(1)).unwrap();
    costs.record(&b.id, 4.0, now - Duration::days(2)).unwrap();
    // Outside a 7-day period.
    costs.record(&b.id, 100.0, now - Duration::days(20)).unwrap();

    let csv = data.path().join("costs.csv");
    let (code, out) = run(
        data.path(),
        &["costs", "--days", "7", "--json", "--csv", csv.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["days"], 7);
    assert_eq!(out["total_usd"], 6.0);
    let by_day = out["by_day"].as_array().unwrap();
    assert_eq!(by_day.len(), 7, "every day of the period: {out:#}");
    assert_eq!(by_day[6]["date"], now.format("%Y-%m-%d").to_string());
    assert_eq!(by_day[6]["usd"], 1.5);
    assert_eq!(by_day[4]["usd"], 4.0);
    assert_eq!(by_day[0]["usd"], 0.0);
    assert_eq!(
        out["by_job"],
        serde_json::json!([
            {"job_id": b.id, "name": "beta", "usd": 4.0},
            {"job_id": a.id, "name": "alpha, the first", "usd": 2.0},
        ])
    );
    assert_eq!(
        out["by_gpu"],
        serde_json::json!([{"gpu": "a100", "usd": 4.0}, {"gpu": "h100", "usd": 2.0}])
    );

    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        ["date", "job_id", "name", "gpu", "capacity", "kind", "usd"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "one row per day, job and kind");
    let total: f64 = rows.iter().map(|r| r[6].parse::<f64>().unwrap()).sum();
    assert_eq!(total, 6.0);
    assert!(
        rows.iter().any(|r| &r[2] == "alpha, the first"),
        "a comma survives quoting"
    );

    let (_, all) = run(data.path(), &["costs", "--days", "30", "--json"]);
    assert_eq!(all["total_usd"], 106.0);
    let (code, out) = run(data.path(), &["costs", "--days", "0", "--json"]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn notifications_list_and_are_marked_read_one_or_all() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let a = job(&store, "alpha", "cpu", 1);
    for (title, job_id) in [("first", Some(a.id.clone())), ("second", None), ("third", None)] {
        store
            .notifications()
            .record(&NewNotification {
                kind: NotificationKind::JobCompleted,
                priority: Priority::Medium,
                title: title.into(),
                body: format!("{title} body"),
                job_id,
                once_key: None,
            })
            .unwrap();
    }
    let (code, list) = run(data.path(), &["notifications", "list", "--json"]);
    assert_eq!(code, 0);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let first = list.iter().find(|n| n["title"] == "first").unwrap();
    let mut keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "body",
            "created_at",
            "id",
            "job_id",
            "kind",
            "priority",
            "read",
            "title"
        ]
    );
    assert_eq!(first["kind"], "job_completed");
    assert_eq!(first["priority"], "medium");
    assert_eq!(first["job_id"], a.id.as_str());
    assert_eq!(first["read"], false);

    let (code, _) = run(
        data.path(),
        &["notifications", "read", first["id"].as_str().unwrap(), "--json"],
    );
    assert_eq!(code, 0);
    let (_, unread) = run(data.path(), &["notifications", "list", "--unread", "--json"]);
    assert_eq!(unread.as_array().unwrap().len(), 2);
    let (code, out) = run(data.path(), &["notifications", "read", "no-such-id", "--json"]);
    assert_eq!((code, out["error"]["code"].as_str()), (2, Some("not_found")));
    let (code, out) = run(data.path(), &["notifications", "read-all", "--json"]);
    assert_eq!((code, out["marked_read"].as_u64()), (0, Some(2)));
    let (_, unread) = run(data.path(), &["notifications", "list", "--unread", "--json"]);
    assert!(unread.as_array().unwrap().is_empty());
}

#[test]
fn models_are_renamed_trashed_and_restored() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let a = job(&store, "alpha", "cpu", 1);
    let model = store
        .model_artifacts()
        .upsert(&NewModelArtifact {
            job_id: a.id.clone(),
            name: "alpha".into(),
            adapter_dir: format!("models/{}", a.id),
            base_model: "tiny".into(),
            dataset_id: a.dataset_id.clone(),
            dataset_sha256: a.dataset_sha256.clone(),
            config: serde_json::json!({}),
            quality: ModelQuality {
                final_train_loss: Some(1.0),
                final_val_loss: None,
                perplexity: None,
                improvement_pct: None,
                overfitting: false,
                rating: 3,
            },
            files: vec![],
            verified: true,
        })
        .unwrap();

    let (code, renamed) = run(
        data.path(),
        &["models", "rename", &model.id, "support bot v2", "--json"],
    );
    assert_eq!(code, 0, "{renamed}");
    assert_eq!(renamed["name"], "support bot v2");
    let (code, out) = run(data.path(), &["models", "rename", &model.id, "  ", "--json"]);
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (2, Some("invalid_argument"))
    );

    let (code, _) = run(data.path(), &["models", "rm", &model.id, "--json"]);
    assert_eq!(code, 0);
    let (_, list) = run(data.path(), &["models", "list", "--json"]);
    assert!(list.as_array().unwrap().is_empty());
    let (_, trash) = run(data.path(), &["models", "list", "--deleted", "--json"]);
    assert_eq!(trash[0]["id"], model.id.as_str());
    assert!(trash[0]["deleted_at"].is_string());

    let (code, restored) = run(data.path(), &["models", "restore", &model.id, "--json"]);
    assert_eq!(code, 0);
    assert!(restored["deleted_at"].is_null());
    let (_, list) = run(data.path(), &["models", "list", "--json"]);
    assert_eq!(
        list[0]["name"], "support bot v2",
        "the new name survives the trash"
    );
    let (code, out) = run(data.path(), &["models", "rm", "no-such-model", "--json"]);
    assert_eq!((code, out["error"]["code"].as_str()), (2, Some("not_found")));
}
