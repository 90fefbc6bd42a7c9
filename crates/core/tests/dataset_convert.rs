//! Conversion to openai_messages JSONL, the seeded split (no conversation on both sides),
//! progress and cancellation.

mod dataset_support;

use brightrun_core::dataset::{
    convert_to_openai_messages, validate_file, ConvertOptions, DatasetError, DatasetFormat, ValidateOptions,
};
use dataset_support::{v4_sample, validate, write};
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

fn convert(input: &Path, out: &Path, opts: &ConvertOptions) -> brightrun_core::dataset::ConvertSummary {
    convert_to_openai_messages(input, out, opts, &|_, _| {}, &AtomicBool::new(false)).expect("convert")
}

/// The conversation tag each converted line carries in its first user message.
fn tags(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read output")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["messages"][0]["content"]
                .as_str()
                .expect("content")
                .split(':')
                .next()
                .expect("tag")
                .to_string()
        })
        .collect()
}

/// A turns file where conversation `c{i}` has `sizes[i]` records, interleaved.
fn turns_file(dir: &Path, sizes: &[usize]) -> std::path::PathBuf {
    let mut text = String::new();
    let longest = sizes.iter().copied().max().unwrap_or(0);
    for round in 0..longest {
        for (i, n) in sizes.iter().enumerate() {
            if round < *n {
                text.push_str(&format!(
                    "{{\"conversation_id\":\"c{i}\",\"turns\":[{{\"role\":\"user\",\"content\":\"c{i}: q{round}\"}},{{\"role\":\"assistant\",\"content\":\"a{round}\"}}]}}\n"
                ));
            }
        }
    }
    write(dir, "in.jsonl", text)
}

#[test]
fn converted_file_validates_as_openai_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("train.jsonl");
    let s = convert(&v4_sample("json"), &out, &ConvertOptions::default());
    assert_eq!(s.train_examples, 44);
    let r = validate(&out);
    assert_eq!(r.format, Some(DatasetFormat::OpenaiMessages));
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.training_examples, 44);
    assert!(!dir.path().join("train.jsonl.partial").exists());
}

#[test]
fn invalid_records_are_counted_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "in.jsonl",
        "{\"prompt\":\"a\",\"completion\":\"b\"}\n{oops\n{\"prompt\":\"c\"}\n",
    );
    let out = dir.path().join("out.jsonl");
    let s = convert(&input, &out, &ConvertOptions::default());
    assert_eq!((s.train_examples, s.errors), (1, 2));
    let text = std::fs::read_to_string(&out).expect("out");
    assert_eq!(
        text,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}\n"
    );
}

#[test]
fn split_is_seeded_and_by_conversation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = turns_file(dir.path(), &[3, 1, 4, 1, 5, 9, 2, 6]);
    let out = dir.path().join("train.jsonl");
    let opts = ConvertOptions {
        validation_split: Some(0.25),
        seed: 7,
        ..Default::default()
    };
    let s = convert(&input, &out, &opts);
    let val_path = dir.path().join("train.val.jsonl");
    assert_eq!(s.validation_path.as_deref(), Some(val_path.as_path()));
    assert_eq!(s.train_examples + s.validation_examples, 31);
    let val: HashSet<String> = tags(&val_path).into_iter().collect();
    assert_eq!(val.len(), 2, "round(8 × 0.25) conversations");
    let first = (
        std::fs::read(&out).expect("train"),
        std::fs::read(&val_path).expect("val"),
    );
    convert(&input, &out, &opts);
    let again = (
        std::fs::read(&out).expect("train"),
        std::fs::read(&val_path).expect("val"),
    );
    assert_eq!(first, again, "same seed, same split");
}

#[test]
fn bad_split_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = turns_file(dir.path(), &[1, 1]);
    for split in [0.0, 1.0, -0.5, f64::NAN] {
        let opts = ConvertOptions {
            validation_split: Some(split),
            ..Default::default()
        };
        let err = convert_to_openai_messages(
            &input,
            &dir.path().join("o.jsonl"),
            &opts,
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .expect_err("refused");
        assert!(matches!(err, DatasetError::InvalidOption(_)), "{err}");
    }
}

#[test]
fn progress_reaches_the_total_and_cancel_stops() {
    let path = v4_sample("json");
    let seen = Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    validate_file(
        &path,
        &ValidateOptions::default(),
        &|done, total| seen.lock().expect("lock").push((done, total)),
        &cancel,
    )
    .expect("validate");
    let seen = seen.into_inner().expect("lock");
    let size = std::fs::metadata(&path).expect("meta").len();
    assert_eq!(seen.last(), Some(&(size, size)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");

    cancel.store(true, Ordering::Relaxed);
    let err = validate_file(&path, &ValidateOptions::default(), &|_, _| {}, &cancel).expect_err("cancelled");
    assert!(matches!(err, DatasetError::Cancelled));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("t.jsonl");
    let err = convert_to_openai_messages(&path, &out, &ConvertOptions::default(), &|_, _| {}, &cancel)
        .expect_err("cancelled");
    assert!(matches!(err, DatasetError::Cancelled));
    assert!(
        !out.exists() && !dir.path().join("t.jsonl.partial").exists(),
        "nothing half-written is left"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No conversation ever lands on both sides, nothing is lost, and both sides are non-empty
    /// whenever there are two conversations.
    #[test]
    fn split_never_leaks(sizes in prop::collection::vec(1usize..5, 1..12), split in 0.05f64..0.95, seed in any::<u64>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = turns_file(dir.path(), &sizes);
        let out = dir.path().join("train.jsonl");
        let s = convert(&input, &out, &ConvertOptions { validation_split: Some(split), seed, ..Default::default() });
        let train: HashSet<String> = tags(&out).into_iter().collect();
        let val: HashSet<String> = tags(&dir.path().join("train.val.jsonl")).into_iter().collect();
        prop_assert!(train.is_disjoint(&val));
        prop_assert_eq!(train.len() + val.len(), sizes.len());
        prop_assert_eq!(s.train_examples + s.validation_examples, sizes.iter().sum::<usize>() as u64);
        if sizes.len() >= 2 {
            prop_assert!(!train.is_empty() && !val.is_empty());
        }
    }
}

/// Found by the fuzz run: an Alpaca file with a record that reads as another format (a v4 `target_response`
/// key). Validation refuses it as `format_mismatch`; the split's conversion read it as Alpaca and wrote it.
/// Both now read the file the same way, with a split or without.
#[test]
fn a_record_validation_refuses_is_not_converted_with_or_without_a_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "mixed.jsonl",
        [
            r#"{"instruction":"i","input":"x","output":"o","system":"s"}"#,
            r#"{"instruction":"i","input":"x","output":"oQ","target_response":null}"#,
            r#"{"instruction":"j","input":"y","output":"p","system":"s"}"#,
            r#"{"instruction":"k","input":"z","output":"q","system":"s"}"#,
        ]
        .join("\n"),
    );
    let report = validate(&input);
    assert_eq!(report.training_examples, 3, "{:?}", report.errors);
    assert!(report
        .errors
        .iter()
        .any(|e| e.code == "format_mismatch" && e.line == 2));
    for split in [None, Some(0.5)] {
        let out = dir.path().join(format!("out-{split:?}.jsonl"));
        let opts = ConvertOptions {
            validation_split: split,
            seed: 1,
            ..Default::default()
        };
        let s = convert(&input, &out, &opts);
        assert_eq!(
            s.train_examples + s.validation_examples,
            report.training_examples,
            "split {split:?}"
        );
    }
}
