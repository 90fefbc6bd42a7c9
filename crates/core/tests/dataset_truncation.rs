//! What truncation does at each maximum length: examples shortened, and examples whose system prompt alone fills
//! the length (they keep no target token), counted exactly from each example's tokens.

mod dataset_support;

use brightrun_core::dataset::Truncation;
use dataset_support::validate_text;
use serde_json::json;

/// One openai_messages line: a system prompt of `system` characters, then one user/assistant exchange of
/// `exchange` characters each (the estimate counts ⌈chars/4⌉ + 4 per message).
fn line(system: usize, exchange: usize) -> String {
    json!({"messages": [
        {"role": "system", "content": "s".repeat(system)},
        {"role": "user", "content": "u".repeat(exchange)},
        {"role": "assistant", "content": "a".repeat(exchange)},
    ]})
    .to_string()
}

#[test]
fn shortened_and_targetless_examples_are_counted_per_length() {
    let text = [
        // 5 + 5 + 5 = 15 tokens: never shortened.
        line(4, 1),
        // system 104 + 2 × 204 = 512 tokens: fits 512 exactly.
        line(400, 800),
        // system 204 + 2 × 304 = 812: shortened at 512, its system (204) + header (4) leaves room for target.
        line(800, 1200),
        // system 1004 + 2 × 54 = 1112: shortened at 512 and 1024; at 512 the system prompt plus the assistant
        // header (1008) fills the length, so no target token survives; at 1024 it still fits (1008 < 1024).
        line(4000, 200),
    ]
    .join("\n");
    let r = validate_text("t.jsonl", &text);
    assert!(r.valid, "{:?}", r.errors);
    let at = |l: u32| r.stats.truncation_at(l).cloned().unwrap();
    assert_eq!(
        at(512),
        Truncation {
            max_seq_len: 512,
            shortened: 2,
            without_target: 1
        }
    );
    assert_eq!(
        at(1024),
        Truncation {
            max_seq_len: 1024,
            shortened: 1,
            without_target: 0
        }
    );
    assert_eq!(at(2048).shortened, 0);
    assert_eq!(at(4096).without_target, 0);
}
