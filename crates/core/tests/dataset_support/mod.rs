//! Helpers shared by the dataset tests.
#![allow(dead_code)]

use brightrun_core::dataset::{validate_file, ValidateOptions, ValidationReport};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The real BrightHub v4 sample (CC-BY-4.0), copied from shared/datasets/brightrun-v4.
pub fn v4_sample(ext: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/dataset_fixtures/brightrun-v4")
        .join(format!("EQ-12-conversations-demo.{ext}"))
}

/// Writes `content` to `name` in `dir`.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write test file");
    path
}

/// Validates with default options.
pub fn validate(path: &Path) -> ValidationReport {
    validate_with(path, &ValidateOptions::default())
}

/// Validates with the given options.
pub fn validate_with(path: &Path, opts: &ValidateOptions) -> ValidationReport {
    validate_file(path, opts, &|_, _| {}, &AtomicBool::new(false)).expect("validation runs")
}

/// Validates JSONL text written to a temporary file.
pub fn validate_text(name: &str, content: &str) -> ValidationReport {
    let dir = tempfile::tempdir().expect("tempdir");
    validate(&write(dir.path(), name, content))
}

/// (line, code) of every kept error.
pub fn error_codes(r: &ValidationReport) -> Vec<(u64, String)> {
    r.errors.iter().map(|i| (i.line, i.code.clone())).collect()
}

/// (line, code) of every kept warning.
pub fn warning_codes(r: &ValidationReport) -> Vec<(u64, String)> {
    r.warnings.iter().map(|i| (i.line, i.code.clone())).collect()
}

/// A tiny word-level tokenizer.json (whitespace split) written deterministically: every word in
/// `vocab` is one token and anything else is `[UNK]`, so exact counts are easy to predict.
pub fn word_tokenizer(dir: &Path, vocab: &[&str]) -> PathBuf {
    let mut map = serde_json::Map::new();
    map.insert("[UNK]".into(), 0.into());
    for (i, w) in vocab.iter().enumerate() {
        map.insert((*w).into(), (i + 1).into());
    }
    let json = serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": null,
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": map, "unk_token": "[UNK]"}
    });
    write(dir, "tokenizer.json", serde_json::to_vec(&json).expect("json"))
}
