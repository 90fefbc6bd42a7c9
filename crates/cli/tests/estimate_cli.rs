//! `brightrun estimate --json`: the core's estimator for a model shape, a device and settings, as the benchmark
//! (python -m brightrun_trainer.bench) reads it. No dataset, cluster or Python needed.

use std::process::Command;

use serde_json::Value;

/// A ~1B Llama shape, as a Hugging Face config.json gives it.
const CONFIG: &str = r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
    "intermediate_size": 8192, "num_attention_heads": 32, "num_key_value_heads": 8, "num_hidden_layers": 16,
    "vocab_size": 128256, "tie_word_embeddings": true, "max_position_embeddings": 4096}"#;

fn estimate(dir: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let config = dir.join("config.json");
    std::fs::write(&config, CONFIG).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_brightrun"))
        .env_remove("BRIGHTRUN_DATA_DIR")
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["estimate", "--json", "--model-config"])
        .arg(&config)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (output.status.code().unwrap_or(-1), value)
}

#[test]
fn the_estimate_follows_the_device_and_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let on_h100 = |sets: &[&str]| {
        let mut args = vec!["--gpu", "h100-sxm", "--tokens", "1000000"];
        for set in sets {
            args.extend(["--set", set]);
        }
        let (code, answer) = estimate(dir.path(), &args);
        assert_eq!(code, 0, "{answer}");
        answer
    };
    let off = on_h100(&["batch_size=8", "gradient_checkpointing=off"]);
    let on = on_h100(&["batch_size=8", "gradient_checkpointing=on"]);
    for answer in [&off, &on] {
        let rate = &answer["tokens_per_second"];
        let (low, expected, high) = (
            rate["low"].as_f64().unwrap(),
            rate["expected"].as_f64().unwrap(),
            rate["high"].as_f64().unwrap(),
        );
        assert!(0.0 < low && low < expected && expected < high, "{rate}");
        assert!(answer["peak_memory_bytes"].as_f64().unwrap() > 1e9, "{answer}");
        assert_eq!(answer["gpu"]["id"], "h100-sxm");
        assert_eq!(answer["model"]["num_layers"], 16, "{answer}");
    }
    assert_eq!(off["setup"]["gradient_checkpointing"], false);
    assert_eq!(on["setup"]["gradient_checkpointing"], true);
    // Recomputing activations costs a third more compute and keeps far less memory.
    let rate = |a: &Value| a["tokens_per_second"]["expected"].as_f64().unwrap();
    let memory = |a: &Value| a["peak_memory_bytes"].as_f64().unwrap();
    assert!(rate(&on) < rate(&off) * 0.85, "{} vs {}", rate(&on), rate(&off));
    assert!(memory(&on) < memory(&off), "{} vs {}", memory(&on), memory(&off));

    // The CPU is far slower than an H100; its memory is the RAM given.
    let (code, cpu) = estimate(dir.path(), &["--gpu", "cpu", "--memory-gib", "24"]);
    assert_eq!(code, 0, "{cpu}");
    assert_eq!(cpu["gpu"]["kind"], "cpu", "{cpu}");
    assert!(
        rate(&cpu) * 100.0 < rate(&off),
        "{} vs {}",
        rate(&cpu),
        rate(&off)
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [
        &["--gpu", "tpu-v9"][..],
        &["--set", "batch_size=3"][..],
        &["--tokens", "0"][..],
    ] {
        let (code, answer) = estimate(dir.path(), extra);
        assert_eq!(code, 2, "{extra:?}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_argument", "{extra:?}: {answer}");
    }
}
