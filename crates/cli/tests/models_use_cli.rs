//! `brightrun models export | chat | merge | show` and `jobs compare` end to end: two real runs on the tiny model
//! (the second trained again from the first), on the real local cluster, the real agent's chat and merge routes,
//! and a Python check that the merged model gives the logits of base + adapter.
//! Run under scripts/with-session.sh after `cargo build -p brightrun-agent`.

mod cli_support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{python, Env};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn a_trained_model_exports_chats_merges_versions_and_compares() {
    let env = Env::new("models-use");
    let first = env.train("first run", &[]);
    let model = &first["model"];
    let model_id = model["id"].as_str().unwrap().to_string();
    let job_a = first["job"]["id"].as_str().unwrap().to_string();
    let adapter_dir = PathBuf::from(model["adapter_dir"].as_str().unwrap());
    assert_eq!(model["version"], 1);
    assert!(model["parent_model_id"].is_null());

    // Train again from it, with another learning rate: v2 with its parent.
    let second = env.train(
        "second run",
        &["--parent-model", &model_id, "--set", "learning_rate=5e-4"],
    );
    let job_b = second["job"]["id"].as_str().unwrap().to_string();
    let (code, shown) = env.json(&["models", "show", &job_b, "--json"]);
    assert_eq!(code, 0, "{shown:#}");
    assert_eq!(shown["version"], 2);
    assert_eq!(shown["parent_model_id"], model_id.as_str());
    assert_eq!(shown["versions"].as_array().unwrap().len(), 2);
    let sample = cli_support::sample();
    let (code, refused) = env.json(&[
        "train",
        sample.to_str().unwrap(),
        "--parent-model",
        "no-such-model",
        "--json",
    ]);
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "not_found", "{refused:#}");

    // Export: the ZIP holds the verified adapter files, summary.json and a model card.
    let zip_path = env.data.path().join("out/first.zip");
    let (code, exported) = env.json(&[
        "models",
        "export",
        &model_id,
        "-o",
        zip_path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{exported:#}");
    assert_eq!(exported["path"], zip_path.to_str().unwrap());
    let zip_bytes = std::fs::read(&zip_path).unwrap();
    assert_eq!(exported["bytes"], zip_bytes.len() as u64);
    assert_eq!(exported["sha256"], sha256_hex(&zip_bytes).as_str());
    assert!(!zip_path.with_extension("zip.part").exists());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "README.md",
            "adapter_config.json",
            "adapter_model.safetensors",
            "summary.json"
        ]
    );
    let read = |archive: &mut zip::ZipArchive<_>, name: &str| {
        let mut content = Vec::new();
        archive.by_name(name).unwrap().read_to_end(&mut content).unwrap();
        content
    };
    for file in model["files"].as_array().unwrap() {
        let name = file["name"].as_str().unwrap();
        if name.starts_with("adapter_") {
            assert_eq!(
                sha256_hex(&read(&mut archive, name)),
                file["sha256"].as_str().unwrap(),
                "{name}"
            );
        }
    }
    let listed: Vec<&str> = exported["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 4);
    let summary: serde_json::Value = serde_json::from_slice(&read(&mut archive, "summary.json")).unwrap();
    assert_eq!(summary["base_model"], model["base_model"]);
    assert_eq!(summary["dataset"]["sha256"], model["dataset_sha256"]);
    assert_eq!(summary["hyperparameters"]["max_steps"], 8);
    assert_eq!(summary["lineage"]["job_id"], job_a.as_str());
    assert!(summary["metrics"]["final_train_loss"].is_number());
    let card = String::from_utf8(read(&mut archive, "README.md")).unwrap();
    assert!(card.starts_with("---\n"), "{card}");
    assert!(card.contains("library_name: peft") && card.contains("base_model: ") && card.contains("tags:"));

    // Chat: base and adapter answers, at most 8 tokens each, the same seed gives the same texts.
    let ask = [
        "models",
        "chat",
        &model_id,
        "--prompt",
        "Hello",
        "--max-new-tokens",
        "8",
        "--seed",
        "1",
        "--json",
    ];
    let (code, once) = env.json(&ask);
    assert_eq!(code, 0, "{once:#}");
    for side in ["base", "adapter"] {
        let tokens = once[side]["tokens"].as_u64().unwrap();
        assert!((1..=8).contains(&tokens), "{once:#}");
        assert!(once[side]["text"].is_string());
    }
    let (_, twice) = env.json(&ask);
    assert_eq!(once["base"]["text"], twice["base"]["text"]);
    assert_eq!(once["adapter"]["text"], twice["adapter"]["text"]);
    let streamed = env.std_cmd().args(&ask[..ask.len() - 1]).output().unwrap();
    assert!(
        streamed.status.success(),
        "{}",
        String::from_utf8_lossy(&streamed.stderr)
    );
    let text = String::from_utf8_lossy(&streamed.stdout);
    assert!(
        text.contains("── base (") && text.contains("── adapter ("),
        "{text}"
    );

    // Merge: the merged folder loads with transformers and gives the logits of base + adapter.
    let merged_dir = env.data.path().join("merged");
    let (code, merged) = env.json(&[
        "models",
        "merge",
        &model_id,
        "-o",
        merged_dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{merged:#}");
    let weights = std::fs::read(merged_dir.join("model.safetensors")).unwrap();
    assert_eq!(merged["sha256"], sha256_hex(&weights).as_str());
    assert!(merged["bytes"].as_u64().unwrap() >= weights.len() as u64);
    let base_dir = env
        .data
        .path()
        .join("local-agent/models")
        .join(model["base_model"].as_str().unwrap());
    assert_same_logits(&base_dir, &adapter_dir, &merged_dir);

    // Compare: both runs, the learning rate differs, curves by job.
    let (code, compared) = env.json(&["jobs", "compare", &job_a, &job_b, "--json"]);
    assert_eq!(code, 0, "{compared:#}");
    let jobs = compared["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    for job in jobs {
        for field in [
            "id",
            "name",
            "final_train_loss",
            "final_val_loss",
            "hyperparameters",
        ] {
            assert!(job.get(field).is_some(), "{field}: {job:#}");
        }
        assert!(job["final_train_loss"].is_number());
    }
    let lr = compared["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["field"] == "learning_rate")
        .expect("learning_rate differs");
    assert_eq!(lr["values"].as_array().unwrap().len(), 2);
    assert_eq!(compared["series"][&job_a]["steps"].as_array().unwrap().len(), 8);
    // One job is a usage error (clap), the same job twice is refused by the comparison.
    let one = env.std_cmd().args(["jobs", "compare", &job_a]).output().unwrap();
    assert_eq!(
        one.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let (code, twice) = env.json(&["jobs", "compare", &job_a, &job_a, "--json"]);
    assert_eq!(code, 2, "{twice:#}");
    assert_eq!(twice["error"]["code"], "invalid_argument", "{twice:#}");
}

fn assert_same_logits(base: &Path, adapter: &Path, merged: &Path) {
    let script = r#"
import sys, torch
from transformers import AutoModelForCausalLM
from peft import PeftModel
base, adapter, merged = sys.argv[1:4]
ids = torch.tensor([[1, 5, 9, 13, 17, 21, 25]])
with torch.no_grad():
    expected = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), adapter)(ids).logits
    got = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32)(ids).logits
diff = (expected - got).abs().max().item()
print(diff)
sys.exit(0 if diff < 1e-4 else 1)
"#;
    let out = Command::new(python())
        .args(["-c", script])
        .arg(base)
        .arg(adapter)
        .arg(merged)
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "merged logits differ from base + adapter: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
