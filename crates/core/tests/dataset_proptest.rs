//! Property: nothing from outside makes the engine panic. Random bytes and mutated records of every
//! format go through validation, samples, detection and conversion in every layout; each must
//! return (a report or an error), and the report's counts must be consistent.

mod dataset_support;

use brightrun_core::dataset::{
    convert_to_openai_messages, detect_format, read_examples, validate_file, ConvertOptions, ValidateOptions,
    ValidationReport,
};
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

const SEEDS: &[&str] = &[
    r#"{"_meta":{"file_name":"x","total_pairs":2,"version":"4.0.0"}}"#,
    r#"{"conversation_id":"c1","turn_number":2,"system_prompt":"S","conversation_history":[{"turn":1,"role":"user","content":"Q \"x\""}],"current_user_input":"Q \"x\"","target_response":"A\nB","training_metadata":{"quality_score":3,"human_reviewed":false},"conversation_metadata":{"persona_archetype":"p","emotional_arc_key":"e","training_topic_key":"t"}}"#,
    r#"{"conversation_id":"c1","conversation_history":[],"current_user_input":"Q","target_response":null}"#,
    r#"{"conversation_id":"a","turns":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}"#,
    r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":"a\u00e9"}]}"#,
    r#"{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]}"#,
    r#"{"instruction":"i","input":"x","output":"o","system":"s"}"#,
    r#"{"prompt":"p","completion":"c"}"#,
];

const DOC: &str = r#"{"training_file_metadata":{"total_conversations":1},"consultant_profile":{"name":"E"},
"conversations":[{"conversation_metadata":{"conversation_id":"u1","scaffolding":{"persona_key":"p"}},
"training_pairs":[{"conversation_id":"x","conversation_history":[],"current_user_input":"Q","target_response":null},
{"conversation_id":"x","system_prompt":"S","conversation_history":[{"role":"user","content":"Q"}],"current_user_input":"Q","target_response":"A"}]}]}"#;

/// Runs every entry point on `bytes` saved under `name` and checks the report's invariants.
fn exercise(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let cancel = AtomicBool::new(false);
    let r = validate_file(&path, &ValidateOptions::default(), &|_, _| {}, &cancel)
        .expect("content never makes Err");
    check(&r);
    read_examples(&path, None, 0, 5).expect("samples");
    detect_format(&path).expect("detect");
    let out = dir.join("out.jsonl");
    let opts = ConvertOptions {
        validation_split: Some(0.5),
        seed: 1,
        ..Default::default()
    };
    let s = convert_to_openai_messages(&path, &out, &opts, &|_, _| {}, &cancel).expect("convert");
    assert_eq!(
        s.train_examples + s.validation_examples,
        r.training_examples,
        "{name}"
    );
}

fn check(r: &ValidationReport) {
    assert!(r.errors.len() as u64 <= r.error_count);
    assert!(r.warnings.len() as u64 <= r.warning_count);
    assert!(!r.valid || (r.error_count == 0 && r.training_examples > 0));
    assert!(r.training_pairs >= r.training_examples);
    assert!(r.conversations <= r.training_examples);
    assert!(r.tokens.per_example.min <= r.tokens.per_example.p50);
    assert!(r.tokens.per_example.p50 <= r.tokens.per_example.p95);
    assert!(r.tokens.per_example.p95 <= r.tokens.per_example.max);
    assert_eq!(
        r.stats.histogram.iter().map(|b| b.count).sum::<u64>(),
        r.training_examples
    );
    for e in &r.errors {
        assert!(e.suggestion.is_some(), "{e:?}");
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("compress");
    gz.finish().expect("finish")
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop::collection::vec(prop::sample::select(b"{}[]\":,\\ntrue0-9\xff\xc3".to_vec()), 1..4)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] = *b;
                }
            }
            Mutation::Insert(i, v) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().expect("tempdir");
        exercise(dir.path(), "r.jsonl", &bytes);
        exercise(dir.path(), "r.json", &bytes);
        exercise(dir.path(), "r.bin", &bytes);
    }

    #[test]
    fn mutated_records_never_panic(
        picks in prop::collection::vec(0..SEEDS.len(), 1..6),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let lines: Vec<&str> = picks.iter().map(|i| SEEDS[*i]).collect();
        let jsonl = apply(lines.join("\n").into_bytes(), &mutations);
        exercise(dir.path(), "m.jsonl", &jsonl);
        exercise(dir.path(), "m.jsonl.gz", &gzip(&jsonl));
        let array = apply(format!("[{}]", lines.join(",\n")).into_bytes(), &mutations);
        exercise(dir.path(), "m.json", &array);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_never_panic(mutations in prop::collection::vec(mutation(), 1..5)) {
        let dir = tempfile::tempdir().expect("tempdir");
        exercise(dir.path(), "d.json", &apply(DOC.as_bytes().to_vec(), &mutations));
    }
}

#[test]
fn the_unmutated_seeds_are_valid() {
    // Guards the property tests: they start from records that really validate.
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in SEEDS.iter().skip(3) {
        let path = dataset_support::write(dir.path(), "s.jsonl", seed);
        let r = dataset_support::validate(&path);
        assert!(r.valid, "{seed}: {:?}", r.errors);
    }
    let v4 = dataset_support::write(dir.path(), "v4.jsonl", SEEDS[..3].join("\n"));
    let r = dataset_support::validate(&v4);
    assert!(
        r.valid && r.training_examples == 1 && r.skipped_records == 1,
        "{:?}",
        r.errors
    );
    let doc = dataset_support::write(dir.path(), "doc.json", DOC);
    let r = dataset_support::validate(&doc);
    assert!(
        r.valid && r.training_examples == 1 && r.skipped_records == 1,
        "{:?}",
        r.errors
    );
    assert_eq!(r.stats.scaffolding["personas"]["p"], 1);
}
