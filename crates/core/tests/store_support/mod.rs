//! Helpers shared by the store tests: a temporary data folder, and reports built by hand so table
//! tests do not depend on the validator's numbers.

#![allow(dead_code)] // each test file uses a different subset

use std::path::PathBuf;

use brightrun_core::dataset::{
    DatasetFormat, DatasetStats, ReadinessCheck, TokenMethod, TokenStats, TokenSummary, ValidationReport,
};
use brightrun_core::store::{Dataset, Inserted, NewDataset, Store};

/// The real v4 sample, in the repository's sibling `shared/` folder.
pub fn v4_sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/brightrun-v4")
}

/// A fresh store in a temporary data folder (kept alive by the returned guard).
pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    (dir, store)
}

/// A report with the given numbers; `ready` decides whether every readiness check passes.
pub fn report(format: DatasetFormat, valid: bool, examples: u64, ready: bool) -> ValidationReport {
    ValidationReport {
        file: "x.jsonl".into(),
        format: Some(format),
        valid,
        conversations: examples / 2,
        training_examples: examples,
        training_pairs: examples * 2,
        skipped_records: 0,
        error_count: u64::from(!valid),
        errors: vec![],
        warning_count: 0,
        warnings: vec![],
        tokens: TokenStats {
            total: examples * 100,
            method: TokenMethod::Estimate,
            per_example: TokenSummary {
                min: 100,
                p50: 100,
                p95: 100,
                max: 100,
            },
        },
        bytes: 1234,
        sha256: "0".repeat(64),
        stats: DatasetStats::default(),
        readiness: vec![ReadinessCheck {
            id: "enough_training_pairs".into(),
            label: "Enough training pairs".into(),
            passed: ready,
            detail: format!("{} pairs", examples * 2),
        }],
        tools: Default::default(),
    }
}

/// Inserts a dataset row as the import flow would (hash taken from `seed`), status `validating`.
pub fn insert(store: &Store, name: &str, description: Option<&str>, seed: u32) -> Dataset {
    let sha256 = format!("{seed:064x}");
    let new = NewDataset {
        name: name.into(),
        description: description.map(str::to_string),
        sha256: sha256.clone(),
        file_path: format!("datasets/{sha256}.jsonl"),
        original_file_name: format!("{name}.jsonl"),
        bytes: 1000 + u64::from(seed),
    };
    match store.datasets().insert_validating(&new).expect("insert") {
        Inserted::New(dataset) => dataset,
        Inserted::Existing(dataset) => panic!("seed {seed} was already used by {}", dataset.id),
    }
}

/// Inserts a dataset and records a report for it.
pub fn insert_validated(
    store: &Store,
    name: &str,
    seed: u32,
    format: DatasetFormat,
    valid: bool,
    examples: u64,
    ready: bool,
) -> Dataset {
    let dataset = insert(store, name, None, seed);
    store
        .datasets()
        .record_report(&dataset.id, &report(format, valid, examples, ready))
        .expect("record report")
}

/// Sets `created_at` by hand, so order tests do not depend on the clock's resolution.
pub fn set_created_at(store: &Store, id: &str, created_at: &str) {
    store
        .connection()
        .execute(
            "UPDATE datasets SET created_at = ?2 WHERE id = ?1",
            [id, created_at],
        )
        .expect("set created_at");
}
