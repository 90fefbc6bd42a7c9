//! Every format, its detection, the layouts (JSONL, JSON array, single object, gzip) and the
//! tolerated noise (BOM, CRLF, blank lines).

mod dataset_support;

use brightrun_core::dataset::{read_examples, DatasetFormat, Message, Role, ValidateOptions};
use dataset_support::{error_codes, validate, validate_text, validate_with, write};
use std::io::Write;

fn msg(role: Role, content: &str) -> Message {
    Message::text(role, content)
}

#[test]
fn format_ids_round_trip() {
    for f in DatasetFormat::ALL {
        assert_eq!(f.as_str().parse::<DatasetFormat>(), Ok(f));
        assert_eq!(f.to_string(), f.as_str());
        assert_eq!(
            serde_json::to_string(&f).expect("ser"),
            format!("\"{}\"", f.as_str())
        );
    }
    let err = "chatml".parse::<DatasetFormat>().expect_err("unknown");
    let text = err.to_string();
    for f in DatasetFormat::ALL {
        assert!(text.contains(f.as_str()), "{text}");
    }
}

#[test]
fn openai_messages() {
    let text = concat!(
        r#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"},{"role":"assistant","content":"Goodbye"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"x"}}]},{"role":"assistant","content":"Nice"}]}"#,
        "\n"
    );
    let r = validate_text("chat.jsonl", text);
    assert_eq!(r.format, Some(DatasetFormat::OpenaiMessages));
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(
        (r.conversations, r.training_examples, r.training_pairs),
        (2, 2, 3)
    );
    assert!(r.stats.quality.is_none());
    assert_eq!(
        r.readiness.len(),
        3,
        "no quality check where the format carries none"
    );
    assert!(
        (r.stats.avg_turns_per_conversation - 3.0).abs() < 1e-9,
        "(4 + 2) / 2 non-system turns"
    );
}

#[test]
fn brightrun_turns_counts_conversations_by_id() {
    let text = concat!(
        r#"{"conversation_id":"a","turns":[{"role":"user","content":"Q1"},{"role":"assistant","content":"A1"}]}"#,
        "\n",
        r#"{"conversation_id":"b","turns":[{"role":"user","content":"Q2"},{"role":"assistant","content":"A2"}]}"#,
        "\n",
        r#"{"conversation_id":"a","turns":[{"role":"user","content":"Q3"},{"role":"assistant","content":"A3"}]}"#,
        "\n"
    );
    let r = validate_text("turns.jsonl", text);
    assert_eq!(r.format, Some(DatasetFormat::BrightrunTurns));
    assert_eq!(
        (r.conversations, r.training_examples, r.training_pairs),
        (2, 3, 3)
    );
}

#[test]
fn sharegpt_maps_speakers() {
    let text = r#"{"conversations":[{"from":"system","value":"S"},{"from":"human","value":"Q"},{"from":"gpt","value":"A"}]}"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "sg.jsonl", text);
    let r = validate(&path);
    assert_eq!(r.format, Some(DatasetFormat::Sharegpt));
    assert!(r.valid, "{:?}", r.errors);
    let ex = read_examples(&path, None, 0, 10).expect("read");
    assert_eq!(
        ex[0].messages,
        vec![
            msg(Role::System, "S"),
            msg(Role::User, "Q"),
            msg(Role::Assistant, "A")
        ]
    );
    assert_eq!(ex[0].line, 1);
}

#[test]
fn alpaca_joins_instruction_and_input() {
    let text = concat!(
        r#"{"instruction":"Translate","input":"chat","output":"cat"}"#,
        "\n",
        r#"{"instruction":"Say hi","input":"","output":"hi"}"#,
        "\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "a.jsonl", text);
    let r = validate(&path);
    assert_eq!(r.format, Some(DatasetFormat::Alpaca));
    assert_eq!(
        (r.conversations, r.training_examples, r.training_pairs),
        (2, 2, 2)
    );
    let ex = read_examples(&path, None, 0, 10).expect("read");
    assert_eq!(
        ex[0].messages,
        vec![msg(Role::User, "Translate\n\nchat"), msg(Role::Assistant, "cat")]
    );
    assert_eq!(
        ex[1].messages,
        vec![msg(Role::User, "Say hi"), msg(Role::Assistant, "hi")]
    );
}

#[test]
fn prompt_completion() {
    let r = validate_text("pc.jsonl", "{\"prompt\":\"2+2=\",\"completion\":\"4\"}\n");
    assert_eq!(r.format, Some(DatasetFormat::PromptCompletion));
    assert!(r.valid);
    assert_eq!((r.training_examples, r.training_pairs), (1, 1));
}

#[test]
fn json_array_and_single_object() {
    let array = r#"[
  {"prompt": "a", "completion": "b"},
  {"prompt": "c"}
]"#;
    let r = validate_text("pc.json", array);
    assert_eq!(r.format, Some(DatasetFormat::PromptCompletion));
    assert_eq!(r.training_examples, 1);
    assert_eq!(error_codes(&r), vec![(3, "missing_field".to_string())]);
    assert_eq!(r.errors[0].path.as_deref(), Some("$[1].completion"));

    let single = "{\n \"messages\": [{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]\n}\n";
    let r = validate_text("one.json", single);
    assert_eq!(r.format, Some(DatasetFormat::OpenaiMessages));
    assert_eq!(r.training_examples, 1);

    // A ShareGPT document is an object with `conversations` too, but not a v4 document.
    let sg = r#"{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}"#;
    let r = validate_text("sg.json", sg);
    assert_eq!(r.format, Some(DatasetFormat::Sharegpt));
    assert!(r.valid, "{:?}", r.errors);
}

#[test]
fn bom_crlf_and_blank_lines() {
    let text = "\u{feff}{\"prompt\":\"a\",\"completion\":\"b\"}\r\n\r\n   \r\n{\"prompt\":\"c\",\"completion\":\"d\"}\r\n{\"prompt\":\"e\"}\r\n";
    let r = validate_text("x.jsonl", text);
    assert_eq!(r.training_examples, 2);
    assert_eq!(error_codes(&r), vec![(5, "missing_field".to_string())]);
}

#[test]
fn gzip_reads_like_plain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = std::fs::read(dataset_support::v4_sample("jsonl")).expect("sample");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("compress");
    let path = write(dir.path(), "v4.jsonl.gz", gz.finish().expect("finish"));
    let r = validate(&path);
    assert_eq!(r.format, Some(DatasetFormat::BrightrunLoraV4));
    assert_eq!((r.conversations, r.training_examples), (12, 44));
    assert_eq!(
        r.bytes,
        std::fs::metadata(&path).expect("meta").len(),
        "bytes on disk, compressed"
    );
}

#[test]
fn unknown_extension_is_sniffed() {
    let r = validate_text("data.txt", "[{\"prompt\":\"a\",\"completion\":\"b\"}]");
    assert_eq!(r.training_examples, 1);
    let r = validate_text(
        "data",
        "{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"c\",\"completion\":\"d\"}\n",
    );
    assert_eq!(r.training_examples, 2);
}

#[test]
fn mixed_formats_flag_the_other_format() {
    let text = concat!(
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#,
        "\n",
        r#"{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"b"}]}"#,
        "\n",
        r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"c"}]}"#,
        "\n",
        r#"{"prompt":"p","completion":"c"}"#,
        "\n"
    );
    let r = validate_text("mixed.jsonl", text);
    assert_eq!(r.format, Some(DatasetFormat::OpenaiMessages));
    assert_eq!(r.training_examples, 2);
    assert_eq!(
        error_codes(&r),
        vec![(2, "format_mismatch".into()), (4, "format_mismatch".into())]
    );
    assert!(
        r.errors[0].message.contains("sharegpt"),
        "{}",
        r.errors[0].message
    );
    assert!(!r.valid);
}

#[test]
fn forced_format_checks_every_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "{\"prompt\":\"p\",\"completion\":\"c\"}\n{\"instruction\":\"i\",\"output\":\"o\"}\n";
    let path = write(dir.path(), "x.jsonl", text);
    let opts = ValidateOptions {
        format: Some(DatasetFormat::Alpaca),
        ..Default::default()
    };
    let r = validate_with(&path, &opts);
    assert_eq!(r.format, Some(DatasetFormat::Alpaca));
    assert_eq!(error_codes(&r), vec![(1, "format_mismatch".into())]);
    assert_eq!(r.training_examples, 1);
}
