//! Tool use and reasoning: OpenAI's function-calling layout and LLaMA-Factory's ShareGPT tool layout
//! validate and count, every tool error code comes at its line, conversion keeps calls, results,
//! tools, reasoning and weights, and the samples read them back.

mod dataset_support;

use brightrun_core::dataset::{
    convert_to_openai_messages, read_examples, ConvertOptions, DatasetFormat, Role, ToolStats,
};
use dataset_support::{error_codes, validate, validate_text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/dataset_fixtures/tools")
        .join(name)
}

#[test]
fn openai_function_calling_file_is_valid_and_counted() {
    let r = validate(&fixture("openai_tool_calls.jsonl"));
    assert_eq!(r.format, Some(DatasetFormat::OpenaiMessages));
    assert!(r.valid, "{:#?}", r.errors);
    assert_eq!(r.warning_count, 0, "{:#?}", r.warnings);
    assert_eq!(r.conversations, 5);
    assert_eq!(r.training_examples, 5);
    // Targets: the documented call-only example (1), call + answer (2), the call + answer of the
    // third (its first assistant turn has weight 0) (2), call + answer (2), the reasoning answer (1).
    assert_eq!(r.training_pairs, 8);
    assert_eq!(
        r.tools,
        ToolStats {
            conversations_with_calls: 4,
            calls: 5,
            distinct_tools: 2
        }
    );
}

#[test]
fn sharegpt_function_call_and_observation_file_is_valid_and_counted() {
    let r = validate(&fixture("sharegpt_toolcall.json"));
    assert_eq!(r.format, Some(DatasetFormat::Sharegpt));
    assert!(r.valid, "{:#?}", r.errors);
    assert_eq!(r.conversations, 3);
    assert_eq!(r.training_examples, 3);
    assert_eq!(
        r.tools,
        ToolStats {
            conversations_with_calls: 2,
            calls: 4,
            distinct_tools: 2
        }
    );
    // The report as the CLI prints it carries the contract's field names.
    let json = serde_json::to_value(&r).unwrap();
    for field in ["conversations_with_calls", "calls", "distinct_tools"] {
        assert!(
            json["tools"][field].is_u64(),
            "{field} missing: {}",
            json["tools"]
        );
    }
}

#[test]
fn every_tool_error_is_reported_on_its_line_with_a_fix() {
    for (code, path) in [
        ("unmatched_tool_result", "$.messages[2]"),
        ("unanswered_tool_call", "$.messages[1].tool_calls[0]"),
        (
            "invalid_tool_arguments",
            "$.messages[1].tool_calls[0].function.arguments",
        ),
        ("invalid_tool_call", "$.messages[1].tool_calls[0]"),
        ("unknown_tool", "$.messages[1].tool_calls[0]"),
        ("invalid_tool_schema", "$.tools[1]"),
        ("ends_on_tool_result", "$.messages[2]"),
        ("invalid_weight", "$.messages[1].weight"),
    ] {
        let r = validate(&fixture(&format!("bad_{code}.jsonl")));
        assert!(!r.valid, "{code}");
        let issue = r
            .errors
            .iter()
            .find(|i| i.code == code)
            .unwrap_or_else(|| panic!("no {code} in {:#?}", r.errors));
        assert_eq!(issue.line, 2, "{code}");
        assert_eq!(issue.path.as_deref(), Some(path), "{code}");
        assert!(
            issue.suggestion.as_deref().is_some_and(|s| !s.is_empty()),
            "{code}"
        );
        // The good first line is still an example.
        assert_eq!(r.training_examples, 1, "{code}");
    }
}

#[test]
fn sharegpt_tool_errors() {
    let r = validate_text(
        "t.jsonl",
        concat!(
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"observation","value":"{}"},{"from":"gpt","value":"ok"}]}"#,
            "\n",
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"function_call","value":"{\"name\": \"f\", \"arguments\": \"{oops\"}"},{"from":"observation","value":"{}"},{"from":"gpt","value":"ok"}],"tools":"[{\"name\":\"f\"}]"}"#,
            "\n",
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"function_call","value":"not json"},{"from":"observation","value":"{}"},{"from":"gpt","value":"ok"}]}"#,
            "\n",
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"function_call","value":"{\"name\": \"g\", \"arguments\": {}}"},{"from":"observation","value":"{}"},{"from":"gpt","value":"ok"}],"tools":"[{\"name\":\"f\"}]"}"#,
            "\n",
            r#"{"conversations":[{"from":"human","value":"hi"},{"from":"function_call","value":"{\"name\": \"f\", \"arguments\": []}"},{"from":"observation","value":"{}"},{"from":"gpt","value":"ok"}],"tools":"not a list"}"#,
            "\n",
        ),
    );
    let codes = error_codes(&r);
    assert!(codes.contains(&(1, "unmatched_tool_result".into())), "{codes:?}");
    assert!(codes.contains(&(2, "invalid_tool_arguments".into())), "{codes:?}");
    assert!(codes.contains(&(3, "invalid_tool_call".into())), "{codes:?}");
    assert!(codes.contains(&(4, "unknown_tool".into())), "{codes:?}");
    assert!(codes.contains(&(5, "invalid_tool_schema".into())), "{codes:?}");
    assert!(codes.contains(&(5, "invalid_tool_arguments".into())), "{codes:?}");
    assert_eq!(r.training_examples, 0);
}

#[test]
fn tool_messages_and_calls_are_not_mistaken_for_other_problems() {
    let r = validate_text(
        "t.jsonl",
        concat!(
            // A result without tool_call_id answers the oldest waiting call; legacy function_call/functions.
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r"},{"role":"assistant","content":"a"}]}"#,
            "\n",
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","function_call":{"name":"f","arguments":"{\"x\": 1}"}},{"role":"function","name":"f","content":"r"},{"role":"assistant","content":"a"}],"functions":[{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"integer"}}}}]}"#,
            "\n",
            // `tool_calls: null` on a plain message is what many exporters write.
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","tool_calls":null}]}"#,
            "\n",
            // All weights 0: nothing to learn.
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","weight":0}]}"#,
            "\n",
        ),
    );
    assert_eq!(error_codes(&r), vec![(4, "no_assistant_target".to_string())]);
    assert_eq!(r.warning_count, 0, "{:#?}", r.warnings);
    assert_eq!(r.tools.calls, 2);
}

#[test]
fn conversion_keeps_calls_results_tools_reasoning_and_weights() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["openai_tool_calls.jsonl", "sharegpt_toolcall.json"] {
        let out = dir.path().join(format!("{name}.out.jsonl"));
        let summary = convert_to_openai_messages(
            &fixture(name),
            &out,
            &ConvertOptions::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        assert_eq!(summary.errors, 0);
        // The converted file validates the same: same examples, pairs and tool counts.
        let before = validate(&fixture(name));
        let after = validate(&out);
        assert!(after.valid, "{:#?}", after.errors);
        assert_eq!(after.training_examples, before.training_examples, "{name}");
        assert_eq!(after.training_pairs, before.training_pairs, "{name}");
        assert_eq!(after.tools, before.tools, "{name}");
        // And reads back into the same normalised examples.
        let a = read_examples(&fixture(name), None, 0, 100).unwrap();
        let b = read_examples(&out, None, 0, 100).unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.messages, y.messages, "{name} line {}", x.line);
            assert_eq!(x.tools, y.tools, "{name} line {}", x.line);
        }
    }
    let out = dir.path().join("openai_tool_calls.jsonl.out.jsonl");
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // OpenAI's shape: calls with id/type/function, arguments a JSON string, results with tool_call_id.
    let call = &lines[1]["messages"][2]["tool_calls"][0];
    assert_eq!(call["id"], "call_1");
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_current_weather");
    assert!(call["function"]["arguments"].is_string());
    assert_eq!(lines[1]["messages"][3]["tool_call_id"], "call_1");
    assert_eq!(lines[1]["tools"][0]["function"]["name"], "get_current_weather");
    assert_eq!(lines[2]["messages"][1]["weight"], 0);
    assert_eq!(
        lines[3]["messages"][1]["reasoning_content"]
            .as_str()
            .map(|s| s.starts_with("The user wants")),
        Some(true)
    );
    assert_eq!(
        lines[3]["messages"][3]["reasoning_content"],
        "The tool gave 231.5 USD; report it plainly."
    );
}

#[test]
fn samples_carry_calls_results_and_reasoning() {
    let ex = read_examples(&fixture("sharegpt_toolcall.json"), None, 0, 10).unwrap();
    let third = &ex[2];
    assert_eq!(third.messages[0].role, Role::System);
    let calls = &third.messages[2].tool_calls;
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0].id.as_str(), calls[1].id.as_str()), ("call_1", "call_2"));
    assert_eq!(third.messages[3].role, Role::Tool);
    assert_eq!(third.messages[3].tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(third.messages[4].tool_call_id.as_deref(), Some("call_2"));
    assert_eq!(third.tools.len(), 2);
    let reasoning = read_examples(&fixture("openai_tool_calls.jsonl"), None, 4, 1).unwrap();
    assert_eq!(
        reasoning[0].messages[1].reasoning.as_deref(),
        Some("91 = 7 × 13, so it is not prime.")
    );
}
