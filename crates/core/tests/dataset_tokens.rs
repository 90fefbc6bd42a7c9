//! Token counting: the estimate, exact counts with a tokenizer.json, and the statistics built on them.

mod dataset_support;

use brightrun_core::dataset::{
    validate_file, DatasetError, TokenMethod, ValidateOptions, PER_MESSAGE_OVERHEAD,
};
use dataset_support::{validate_text, validate_with, word_tokenizer, write};
use std::sync::atomic::AtomicBool;

#[test]
fn estimate_is_chars_over_four_plus_overhead() {
    // "hello world" = 11 chars → 3; "héllo" = 5 chars (6 bytes) → 2.
    let r = validate_text(
        "x.jsonl",
        "{\"prompt\":\"hello world\",\"completion\":\"héllo\"}\n",
    );
    assert_eq!(r.tokens.method, TokenMethod::Estimate);
    assert_eq!(r.tokens.total, 3 + 2 + 2 * PER_MESSAGE_OVERHEAD);
}

#[test]
fn exact_counts_with_a_tokenizer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tok = word_tokenizer(dir.path(), &["hello", "world"]);
    let text = concat!(
        "{\"prompt\":\"hello world hello\",\"completion\":\"world\"}\n",
        "{\"prompt\":\"unknown words here\",\"completion\":\"hello!\"}\n",
    );
    let path = write(dir.path(), "x.jsonl", text);
    let opts = ValidateOptions {
        tokenizer: Some(tok),
        ..Default::default()
    };
    let r = validate_with(&path, &opts);
    assert_eq!(r.tokens.method, TokenMethod::Exact);
    // Example 1: 3 + 1 tokens; example 2: 3 + 2 ("hello", "!"), each message + overhead.
    let e1 = 4 + 2 * PER_MESSAGE_OVERHEAD;
    let e2 = 5 + 2 * PER_MESSAGE_OVERHEAD;
    assert_eq!(r.tokens.total, e1 + e2);
    assert_eq!((r.tokens.per_example.min, r.tokens.per_example.max), (e1, e2));
    assert!((r.stats.avg_tokens_per_turn - (e1 + e2) as f64 / 4.0).abs() < 1e-9);
}

#[test]
fn unusable_tokenizer_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "x.jsonl", "{\"prompt\":\"a\",\"completion\":\"b\"}\n");
    let cancel = AtomicBool::new(false);
    for tok in [
        write(dir.path(), "bad.json", "{\"not\": \"a tokenizer\"}"),
        dir.path().join("missing.json"),
    ] {
        let opts = ValidateOptions {
            tokenizer: Some(tok),
            ..Default::default()
        };
        let err = validate_file(&path, &opts, &|_, _| {}, &cancel).expect_err("unusable");
        assert!(matches!(err, DatasetError::Tokenizer { .. }), "{err}");
    }
}

#[test]
fn percentiles_and_histogram() {
    // 20 examples of 1..=20 estimated content tokens (4 chars each) plus 2 × overhead.
    let mut text = String::new();
    for i in 1..=20 {
        text.push_str(&format!(
            "{{\"prompt\":\"{}\",\"completion\":\"\"}}\n",
            "abcd".repeat(i)
        ));
    }
    // completion "" is an error; use a one-char completion instead.
    let text = text.replace("\"completion\":\"\"", "\"completion\":\"z\"");
    let r = validate_text("x.jsonl", &text);
    let base = 1 + 2 * PER_MESSAGE_OVERHEAD;
    let s = &r.tokens.per_example;
    assert_eq!(
        (s.min, s.p50, s.p95, s.max),
        (base + 1, base + 10, base + 19, base + 20)
    );
    let total: u64 = r.stats.histogram.iter().map(|b| b.count).sum();
    assert_eq!(total, 20);
    assert!(r.stats.histogram.len() <= 20);
    for w in r.stats.histogram.windows(2) {
        assert_eq!(w[0].end, w[1].start);
    }
}
