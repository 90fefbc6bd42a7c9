//! Each error and warning kind, at its exact line.

mod dataset_support;

use brightrun_core::dataset::{
    read_examples, validate_file, DatasetError, Role, ValidateOptions, MAX_KEPT_ISSUES,
};
use dataset_support::{error_codes, validate_text, validate_with, warning_codes, write};
use std::sync::atomic::AtomicBool;

#[test]
fn each_error_at_its_line() {
    let lines: Vec<&[u8]> = vec![
        br#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#,
        br#"{"messages":[{"role":"user","content":"q"},"#,
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"caf\xe9\"}]}",
        br#"{"foo":1}"#,
        br#"{"messages":[{"role":"user"},{"role":"assistant","content":"a"}]}"#,
        br#"{"messages":[{"role":"user","content":"  "},{"role":"assistant","content":"a"}]}"#,
        br#"{"messages":[{"role":"narrator","content":"x"},{"role":"assistant","content":"a"}]}"#,
        br#"{"messages":[{"role":"user","content":"only a question"}]}"#,
        br#"{"messages":[]}"#,
        br#"{"messages":[{"content":"who?"},{"role":"assistant","content":"a"}]}"#,
        br#"{"messages":"hello"}"#,
        br#"[1,2]"#,
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "bad.jsonl", lines.join(&b"\n"[..]));
    let r = validate_with(&path, &ValidateOptions::default());
    let expected: Vec<(u64, String)> = [
        (2, "invalid_json"),
        (3, "invalid_utf8"),
        (4, "format_mismatch"),
        (5, "missing_content"),
        (6, "empty_content"),
        (7, "unknown_role"),
        (8, "no_assistant_target"),
        (9, "empty_conversation"),
        (10, "missing_field"),
        (11, "wrong_type"),
        (12, "format_mismatch"),
    ]
    .iter()
    .map(|(l, c)| (*l, c.to_string()))
    .collect();
    assert_eq!(error_codes(&r), expected);
    assert_eq!(r.error_count, 11);
    assert_eq!(r.training_examples, 1);
    assert!(!r.valid);
    for e in &r.errors {
        assert!(e.suggestion.as_deref().is_some_and(|s| !s.is_empty()), "{e:?}");
        assert!(!e.message.is_empty());
    }
    let path_of = |line: u64| {
        r.errors
            .iter()
            .find(|e| e.line == line)
            .and_then(|e| e.path.clone())
    };
    assert_eq!(path_of(5).as_deref(), Some("$.messages[0].content"));
    assert_eq!(path_of(7).as_deref(), Some("$.messages[0].role"));
    assert_eq!(path_of(10).as_deref(), Some("$.messages[0].role"));
    assert!(r.errors[0].message.contains("column"), "{}", r.errors[0].message);
}

#[test]
fn empty_files() {
    for content in ["", "\n\n  \r\n", "\u{feff}"] {
        let r = validate_text("empty.jsonl", content);
        assert_eq!(
            error_codes(&r),
            vec![(0, "empty_file".to_string())],
            "{content:?}"
        );
        assert!(!r.valid);
        assert_eq!(r.format, None);
        assert!(
            !r.readiness
                .iter()
                .find(|c| c.id == "format_recognised")
                .expect("check")
                .passed
        );
    }
    let r = validate_text("empty.json", "[]");
    assert_eq!(error_codes(&r), vec![(0, "empty_file".to_string())]);
}

#[test]
fn v4_errors() {
    let text = concat!(
        r#"{"_meta":{"version":"4.0.0"}}"#,
        "\n",
        r#"{"conversation_id":"c","system_prompt":"S","conversation_history":[],"target_response":"A"}"#,
        "\n",
        r#"{"conversation_id":"c","system_prompt":"S","conversation_history":[{"role":"user","content":"Q"}],"current_user_input":"Q"}"#,
        "\n",
        r#"{"conversation_id":"c","system_prompt":"S","conversation_history":[{"role":"user","content":"Q"}],"current_user_input":"Q","target_response":null}"#,
        "\n",
        r#"{"conversation_id":"c","system_prompt":"S","conversation_history":[{"role":"user","content":"Q"}],"current_user_input":"Q","target_response":""}"#,
        "\n",
        r#"{"conversation_id":"c","system_prompt":"S","conversation_history":[{"role":"user","content":"Q"}],"current_user_input":"Q","target_response":"A"}"#,
        "\n",
    );
    let r = validate_text("v4.jsonl", text);
    assert_eq!(
        error_codes(&r),
        vec![
            (2, "missing_field".into()),
            (3, "missing_field".into()),
            (5, "empty_content".into())
        ]
    );
    assert_eq!(r.errors[0].path.as_deref(), Some("$.current_user_input"));
    assert_eq!(r.errors[1].path.as_deref(), Some("$.target_response"));
    assert_eq!(
        r.skipped_records, 1,
        "the null target is a user turn, not an error"
    );
    assert_eq!(r.training_examples, 1);
    let q = r.stats.quality.expect("v4 reports quality");
    assert_eq!(q.scored_examples, 0);
    assert!(
        !r.readiness
            .iter()
            .find(|c| c.id == "quality_score")
            .expect("check")
            .passed
    );
}

#[test]
fn only_user_turns_is_not_valid() {
    let text = r#"{"conversation_id":"c","conversation_history":[],"current_user_input":"Q","target_response":null}"#;
    let r = validate_text("v4.jsonl", text);
    assert_eq!(error_codes(&r), vec![(0, "no_training_examples".to_string())]);
    assert_eq!(r.skipped_records, 1);
}

#[test]
fn each_warning_at_its_line() {
    let text = concat!(
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":" q "},{"role":"assistant","content":"a"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"},{"role":"assistant","content":"b"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":"q"},{"role":"user","content":"again"},{"role":"assistant","content":"c"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"d"},{"role":"user","content":"dangling"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":"a long question that has many characters in it"},{"role":"assistant","content":"e"}]}"#,
        "\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "w.jsonl", text);
    let opts = ValidateOptions {
        max_seq_len: Some(16),
        ..Default::default()
    };
    let r = validate_with(&path, &opts);
    assert!(r.valid, "warnings never make a file invalid: {:?}", r.errors);
    assert_eq!(
        warning_codes(&r),
        vec![
            (2, "duplicate_example".into()),
            (3, "system_not_first".into()),
            (4, "odd_role_order".into()),
            (5, "odd_role_order".into()),
            (6, "over_max_seq_len".into()),
        ]
    );
    assert!(
        r.warnings[0].message.contains("line 1"),
        "{}",
        r.warnings[0].message
    );
    assert_eq!(r.stats.examples_over_max_seq_len, 1);
    // The dangling user turn is dropped, so the example ends on its target.
    let ex = read_examples(&path, None, 4, 1).expect("read");
    assert_eq!(ex[0].line, 5);
    assert_eq!(ex[0].messages.last().map(|m| m.role), Some(Role::Assistant));
    assert_eq!(ex[0].messages.len(), 2);
}

#[test]
fn errors_are_all_counted_but_only_the_first_kept() {
    let mut text = String::new();
    for _ in 0..(MAX_KEPT_ISSUES + 500) {
        text.push_str("{not json}\n");
    }
    let r = validate_text("many.jsonl", &text);
    assert_eq!(r.error_count, (MAX_KEPT_ISSUES + 500) as u64);
    assert_eq!(r.errors.len(), MAX_KEPT_ISSUES);
    assert_eq!(r.errors.last().map(|e| e.line), Some(MAX_KEPT_ISSUES as u64));
}

#[test]
fn broken_json_document_reports_where_it_breaks() {
    let text = "[\n{\"prompt\":\"a\",\"completion\":\"b\"},\n{\"prompt\":\"c\",\"completion\":\"d\"}\n}\n";
    let r = validate_text("broken.json", text);
    assert_eq!(r.training_examples, 2);
    assert_eq!(error_codes(&r), vec![(4, "invalid_json".to_string())]);
}

#[test]
fn io_problems_are_errors_not_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cancel = AtomicBool::new(false);
    let missing = dir.path().join("nope.jsonl");
    let err = validate_file(&missing, &ValidateOptions::default(), &|_, _| {}, &cancel).expect_err("missing");
    assert!(matches!(err, DatasetError::NotFound { .. }), "{err}");
    let err =
        validate_file(dir.path(), &ValidateOptions::default(), &|_, _| {}, &cancel).expect_err("a folder");
    assert!(matches!(err, DatasetError::Read { .. }), "{err}");
}

#[test]
fn damaged_gzip_is_reported_not_an_error() {
    use std::io::Write;
    let plain = std::fs::read(dataset_support::v4_sample("jsonl")).expect("sample");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("compress");
    let gz = gz.finish().expect("finish");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() / 2]);
    let r = validate_with(&path, &ValidateOptions::default());
    assert_eq!(error_codes(&r), vec![(0, "invalid_gzip".to_string())]);
    assert!(
        r.training_examples > 0 && r.training_examples < 44,
        "records before the damage count: {}",
        r.training_examples
    );
    assert_eq!(
        r.sha256,
        brightrun_core::dataset::sha256_file(&path).expect("hash")
    );
}
