//! The real BrightHub v4 sample: counts, statistics and conversion, in both of its forms.

mod dataset_support;

use brightrun_core::dataset::{
    convert_to_openai_messages, detect_format, read_examples, ConvertOptions, DatasetFormat, Role,
};
use dataset_support::{v4_sample, validate};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicBool;

fn expected_scaffolding() -> BTreeMap<String, BTreeMap<String, u64>> {
    // The document's own training_file_metadata.scaffolding_distribution.
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v4_sample("json")).expect("sample")).expect("sample json");
    serde_json::from_value(doc["training_file_metadata"]["scaffolding_distribution"].clone())
        .expect("distribution")
}

#[test]
fn jsonl_sample_counts() {
    let r = validate(&v4_sample("jsonl"));
    assert_eq!(r.format, Some(DatasetFormat::BrightrunLoraV4));
    assert!(r.valid, "errors: {:?}", r.errors);
    assert_eq!(r.conversations, 12);
    assert_eq!(r.training_examples, 44);
    assert_eq!(r.training_pairs, 44);
    assert_eq!(r.skipped_records, 0);
    assert_eq!(r.error_count, 0);
    assert_eq!(r.stats.scaffolding, expected_scaffolding());
    let q = r.stats.quality.as_ref().expect("v4 carries quality");
    assert_eq!(
        (q.scored_examples, q.min, q.mean, q.max, q.human_reviewed),
        (44, 3.0, 3.0, 3.0, 0)
    );
    assert_eq!(q.distribution.get("3-4"), Some(&44));
    assert!(r.readiness.iter().all(|c| c.passed), "{:?}", r.readiness);
    assert_eq!(
        r.sha256,
        brightrun_core::dataset::sha256_file(&v4_sample("jsonl")).expect("hash")
    );
    assert_eq!(
        r.bytes,
        std::fs::metadata(v4_sample("jsonl")).expect("meta").len()
    );
}

#[test]
fn json_document_counts() {
    let r = validate(&v4_sample("json"));
    assert_eq!(r.format, Some(DatasetFormat::BrightrunLoraV4));
    assert!(r.valid, "errors: {:?}", r.errors);
    assert_eq!(r.conversations, 12);
    assert_eq!(r.training_examples, 44);
    assert_eq!(r.training_pairs, 44);
    assert_eq!(r.skipped_records, 45);
    assert_eq!(r.stats.scaffolding, expected_scaffolding());
    // Both forms hold the same examples, so the token statistics agree.
    let jsonl = validate(&v4_sample("jsonl"));
    assert_eq!(r.tokens.total, jsonl.tokens.total);
    assert_eq!(r.tokens.per_example, jsonl.tokens.per_example);
    assert_eq!(
        r.stats.examples_over_max_seq_len,
        jsonl.stats.examples_over_max_seq_len
    );
}

#[test]
fn json_document_issues_point_at_the_pair() {
    let r = validate(&v4_sample("json"));
    let w = r
        .warnings
        .iter()
        .find(|w| w.code == "over_max_seq_len")
        .expect("a long example");
    let path = w.path.as_deref().expect("path in a document");
    assert!(
        path.starts_with("$.conversations[") && path.contains("].training_pairs["),
        "{path}"
    );
    let text = std::fs::read_to_string(v4_sample("json")).expect("sample");
    let line = text.lines().nth(w.line as usize - 1).expect("line exists");
    assert_eq!(
        line.trim(),
        "{",
        "the reported line is where the pair object starts"
    );
}

#[test]
fn detection() {
    assert_eq!(
        detect_format(&v4_sample("jsonl")).expect("read"),
        Some(DatasetFormat::BrightrunLoraV4)
    );
    assert_eq!(
        detect_format(&v4_sample("json")).expect("read"),
        Some(DatasetFormat::BrightrunLoraV4)
    );
}

#[test]
fn examples_never_repeat_the_user_turn() {
    for ext in ["jsonl", "json"] {
        let examples = read_examples(&v4_sample(ext), None, 0, 1000).expect("read");
        assert_eq!(examples.len(), 44, "{ext}");
        for e in &examples {
            assert_eq!(e.messages.first().map(|m| m.role), Some(Role::System));
            assert_eq!(e.messages.last().map(|m| m.role), Some(Role::Assistant));
            let roles: Vec<Role> = e.messages.iter().skip(1).map(|m| m.role).collect();
            for pair in roles.windows(2) {
                assert_ne!(pair[0], pair[1], "roles alternate at line {} ({ext})", e.line);
            }
            let user = &e.messages[e.messages.len() - 2];
            assert_eq!(user.role, Role::User);
            let same = e
                .messages
                .iter()
                .filter(|m| m.role == Role::User && m.content == user.content)
                .count();
            assert_eq!(
                same, 1,
                "the current user input appears once (line {}, {ext})",
                e.line
            );
        }
        let ids: HashSet<_> = examples
            .iter()
            .map(|e| e.conversation_id.clone().expect("v4 names conversations"))
            .collect();
        assert_eq!(ids.len(), 12, "{ext}");
    }
}

#[test]
fn read_examples_pages() {
    let all = read_examples(&v4_sample("jsonl"), None, 0, 100).expect("read");
    let page = read_examples(&v4_sample("jsonl"), None, 10, 5).expect("read");
    assert_eq!(page, all[10..15].to_vec());
    assert_eq!(
        page[0].line, 12,
        "line 1 is _meta, so the 11th example is on line 12"
    );
}

#[test]
fn converts_both_forms_to_the_same_44_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outputs = Vec::new();
    for ext in ["jsonl", "json"] {
        let out = dir.path().join(format!("train-{ext}.jsonl"));
        let s = convert_to_openai_messages(
            &v4_sample(ext),
            &out,
            &ConvertOptions::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .expect("convert");
        assert_eq!((s.train_examples, s.validation_examples, s.errors), (44, 0, 0));
        assert_eq!(s.skipped_records, if ext == "json" { 45 } else { 0 });
        assert_eq!(s.validation_path, None);
        let text = std::fs::read_to_string(&out).expect("output");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 44);
        for line in &lines {
            let msgs = line["messages"].as_array().expect("messages");
            let users: Vec<&str> = msgs
                .iter()
                .filter(|m| m["role"] == "user")
                .filter_map(|m| m["content"].as_str())
                .collect();
            let unique: HashSet<&&str> = users.iter().collect();
            assert_eq!(unique.len(), users.len(), "no user turn twice");
            // Only the final assistant message is the target; history turns carry weight 0.
            let last = msgs.last().expect("non-empty");
            assert_eq!(last["role"], "assistant");
            assert!(last.get("weight").is_none());
            for m in &msgs[..msgs.len() - 1] {
                if m["role"] == "assistant" {
                    assert_eq!(m["weight"], 0);
                }
            }
        }
        outputs.push(text);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "the JSONL and the JSON document convert identically"
    );
}
