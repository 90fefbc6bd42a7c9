//! Fuzzes the dataset engine with arbitrary file contents in every layout (JSONL, JSON document,
//! gzip, sniffed). The engine must never panic: bad content becomes issues in the report.
#![no_main]

use brightrun_core::dataset::{
    convert_to_openai_messages, read_examples, validate_file, ConvertOptions, ValidateOptions,
};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::AtomicBool;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let cancel = AtomicBool::new(false);
    // The first byte picks the layout, so one corpus covers all of them.
    let (name, body) = match data.split_first() {
        Some((b, rest)) => (["f.jsonl", "f.json", "f.jsonl.gz", "f"][usize::from(*b) % 4], rest),
        None => ("f.jsonl", data),
    };
    let path = dir.path().join(name);
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let report = validate_file(&path, &ValidateOptions::default(), &|_, _| {}, &cancel)
        .expect("content must never be an Err");
    assert!(report.errors.len() as u64 <= report.error_count);
    assert!(!report.valid || report.error_count == 0);
    let _ = read_examples(&path, None, 0, 8).expect("samples must not fail on content");
    let out = dir.path().join("out.jsonl");
    let opts = ConvertOptions { validation_split: Some(0.5), seed: 0, ..Default::default() };
    let summary = convert_to_openai_messages(&path, &out, &opts, &|_, _| {}, &cancel)
        .expect("conversion must not fail on content");
    assert_eq!(summary.train_examples + summary.validation_examples, report.training_examples);
});
