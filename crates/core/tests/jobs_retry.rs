//! The one retry rule (jobs::retry) on a real SQLite file: only failed or cancelled jobs, `retry_of` = the
//! job retried, "(Retry #n)" counted over the whole tree from the original, the out-of-memory fix keeps the
//! effective batch, and the user's edits keep the seed, modules and split.

mod store_support;

use brightrun_core::jobs::{out_of_memory_fix, override_settings, retry_of, OUT_OF_MEMORY};
use brightrun_core::store::training_jobs::{NewTrainingJob, TrainingJob};
use brightrun_core::store::Store;
use brightrun_core::training::Hyperparameters;
use store_support::{insert, temp_store};

fn record(store: &Store, dataset_id: &str, name: &str, retry_of: Option<&str>) -> TrainingJob {
    let job = store
        .training_jobs()
        .insert_submitting(&NewTrainingJob {
            cluster_id: "cluster-1".into(),
            name: name.into(),
            dataset_id: dataset_id.into(),
            dataset_sha256: "a".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Hyperparameters {
                batch_size: 8,
                gradient_accumulation: 2,
                ..Hyperparameters::default()
            },
            gpu_type: "h100".into(),
            gpu_count: 2,
            spot: true,
            max_duration_hours: 3.0,
            estimate: None,
            retry_of: retry_of.map(str::to_string),
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .unwrap();
    store
        .training_jobs()
        .fail_launch(&job.id, "out of memory", None)
        .unwrap();
    let mut job = store.training_jobs().get(&job.id).unwrap();
    job.error_kind = Some(OUT_OF_MEMORY.into());
    job
}

#[test]
fn retries_number_over_the_tree_point_at_their_parent_and_keep_the_effective_batch() {
    let (_dir, store) = temp_store();
    let dataset = insert(&store, "sample", None, 1);
    let original = record(&store, &dataset.id, "run", None);

    let count = store.training_jobs().retry_count(&original.id).unwrap();
    let first = retry_of(&original, count).unwrap();
    assert_eq!(first.name.as_deref(), Some("run (Retry #1)"));
    assert_eq!(first.retry_of.as_deref(), Some(original.id.as_str()));
    assert_eq!(
        first.hyperparameters.batch_size, 4,
        "half the batch after out-of-memory"
    );
    assert_eq!(
        first.hyperparameters.gradient_accumulation, 4,
        "twice the accumulation"
    );
    assert_eq!(
        (first.gpu_count, first.spot, first.max_duration_hours),
        (2, true, 3.0)
    );
    let first = record(
        &store,
        &dataset.id,
        first.name.as_deref().unwrap(),
        Some(&original.id),
    );

    // A retry of the retry: its parent is the retry, its number counts from the original.
    let count = store.training_jobs().retry_count(&first.id).unwrap();
    let second = retry_of(&first, count).unwrap();
    assert_eq!(second.name.as_deref(), Some("run (Retry #2)"));
    assert_eq!(second.retry_of.as_deref(), Some(first.id.as_str()));
    record(&store, &dataset.id, "run (Retry #2)", Some(&first.id));

    // Retrying the original again does not reuse a number.
    let count = store.training_jobs().retry_count(&original.id).unwrap();
    assert_eq!(
        retry_of(&original, count).unwrap().name.as_deref(),
        Some("run (Retry #3)")
    );
}

#[test]
fn only_ended_jobs_are_retried_and_edits_keep_what_defines_the_run() {
    let (_dir, store) = temp_store();
    let dataset = insert(&store, "sample", None, 1);
    let mut job = record(&store, &dataset.id, "run", None);
    job.status = brightrun_core::store::training_jobs::JobStatus::Running;
    assert!(retry_of(&job, 0).is_err(), "a running job is not retried");

    let failed = record(&store, &dataset.id, "other", None);
    let mut request = retry_of(&failed, 0).unwrap();
    let edited = Hyperparameters {
        learning_rate: 5e-4,
        seed: 7,
        ..Hyperparameters::default()
    };
    override_settings(&mut request, edited).unwrap();
    assert_eq!(request.hyperparameters.learning_rate, 5e-4);
    assert_eq!(
        request.hyperparameters.seed, failed.hyperparameters.seed,
        "the seed stays"
    );
    let bad = Hyperparameters {
        learning_rate: 1.0,
        ..Hyperparameters::default()
    };
    assert!(override_settings(&mut request, bad).is_err());

    let mut small = failed.clone();
    small.hyperparameters.batch_size = 1;
    assert!(
        out_of_memory_fix(&small).is_none(),
        "a batch of 1 cannot be halved"
    );
}
