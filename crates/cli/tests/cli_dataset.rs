//! The real `brightrun` binary on temporary folders: exit codes, the `--json` contract, conversion
//! files, and the library round trip (import, list, show, rm, restore).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/brightrun-v4")
        .join(name)
}

fn jsonl_sample() -> PathBuf {
    sample("EQ-12-conversations-demo.jsonl")
}

fn json_sample() -> PathBuf {
    sample("EQ-12-conversations-demo.json")
}

/// `brightrun` with a private data folder, so no test touches a real library.
fn brightrun(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("brightrun").unwrap();
    cmd.env_remove("BRIGHTRUN_DATA_DIR").arg("--data-dir").arg(data);
    cmd
}

/// Runs and parses stdout as exactly one JSON value.
fn json_of(cmd: &mut Command, expected_code: i32) -> Value {
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not one JSON value ({e}): {stdout}"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const CHAT_OK: &str = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello! How can I help?\"}]}\n";

#[test]
fn validate_a_valid_file_exits_0_with_every_json_field() {
    let dir = tempfile::tempdir().unwrap();
    let report = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate"])
            .arg(jsonl_sample())
            .arg("--json"),
        0,
    );
    for field in [
        "file",
        "format",
        "valid",
        "conversations",
        "training_examples",
        "training_pairs",
        "skipped_records",
        "error_count",
        "errors",
        "warning_count",
        "warnings",
        "tokens",
        "bytes",
    ] {
        assert!(report.get(field).is_some(), "missing {field}");
    }
    assert_eq!(report["format"], "brightrun_lora_v4");
    assert_eq!(report["valid"], true);
    assert_eq!(report["conversations"], 12);
    assert_eq!(report["training_examples"], 44);
    assert_eq!(report["training_pairs"], 44);
    assert_eq!(report["error_count"], 0);
    assert_eq!(report["bytes"], std::fs::metadata(jsonl_sample()).unwrap().len());
    let tokens = &report["tokens"];
    assert!(tokens["total"].as_u64().unwrap() > 0);
    assert_eq!(tokens["method"], "estimate");
    for stat in ["min", "p50", "p95", "max"] {
        assert!(tokens["per_example"][stat].is_u64(), "tokens.per_example.{stat}");
    }
    let warning = &report["warnings"][0];
    for field in ["line", "code", "message"] {
        assert!(warning.get(field).is_some(), "warnings[].{field}");
    }
    // A longer maximum sequence length removes the length warnings.
    let relaxed = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--max-seq-len", "8192", "--json"])
            .arg(jsonl_sample()),
        0,
    );
    assert_eq!(relaxed["warning_count"], 0);
}

#[test]
fn validate_the_json_document_form_counts_skipped_user_turns() {
    let dir = tempfile::tempdir().unwrap();
    let report = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--format", "brightrun_lora_v4", "--json"])
            .arg(json_sample()),
        0,
    );
    assert_eq!(report["training_examples"], 44);
    assert_eq!(report["skipped_records"], 45);
}

#[test]
fn validate_an_invalid_file_exits_1_with_line_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "bad.jsonl", &format!("{CHAT_OK}{{oops\n{CHAT_OK}"));
    let report = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--json"])
            .arg(&file),
        1,
    );
    assert_eq!(report["valid"], false);
    assert!(report["error_count"].as_u64().unwrap() >= 1);
    let error = &report["errors"][0];
    assert_eq!(error["line"], 2);
    for field in ["code", "message", "suggestion"] {
        assert!(error[field].is_string(), "errors[].{field}: {error}");
    }

    brightrun(dir.path())
        .args(["dataset", "validate"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("INVALID").and(predicate::str::contains("line 2")));
}

#[test]
fn validate_text_report_has_summary_tokens_and_readiness() {
    let dir = tempfile::tempdir().unwrap();
    brightrun(dir.path())
        .args(["dataset", "validate"])
        .arg(jsonl_sample())
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("VALID")
                .and(predicate::str::contains("Training examples:  44"))
                .and(predicate::str::contains("Tokens (estimated"))
                .and(predicate::str::contains("Readiness"))
                .and(predicate::str::contains("[x]")),
        );
}

#[test]
fn io_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let err = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--json"])
            .arg(&missing),
        2,
    );
    assert_eq!(err["error"]["code"], "not_found");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("missing.jsonl"));

    brightrun(dir.path())
        .args(["dataset", "validate"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error:"));

    let tokenizer = write(dir.path(), "tokenizer.json", "not a tokenizer");
    let err = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--json", "--tokenizer"])
            .arg(&tokenizer)
            .arg(jsonl_sample()),
        2,
    );
    assert_eq!(err["error"]["code"], "invalid_argument");

    for args in [
        vec!["dataset", "validate"],
        vec!["dataset", "validate", "x.jsonl", "--format", "csv"],
        vec!["dataset", "frobnicate"],
        vec!["dataset", "list", "--sort", "sideways"],
        vec!["dataset", "list", "--per-page", "0"],
    ] {
        brightrun(dir.path()).args(&args).assert().code(2);
    }
}

#[test]
fn convert_writes_openai_messages_and_a_reproducible_split() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/train.jsonl");
    let convert = |out: &Path| {
        json_of(
            brightrun(dir.path())
                .args([
                    "dataset",
                    "convert",
                    "--to",
                    "openai_messages",
                    "--split",
                    "0.25",
                    "--seed",
                    "7",
                ])
                .arg(json_sample())
                .arg("-o")
                .arg(out)
                .arg("--json"),
            0,
        )
    };
    let summary = convert(&out);
    let val = dir.path().join("out/train.val.jsonl");
    assert_eq!(summary["validation_path"], val.to_string_lossy().as_ref());
    let train_lines = std::fs::read_to_string(&out).unwrap();
    let val_lines = std::fs::read_to_string(&val).unwrap();
    assert_eq!(
        train_lines.lines().count() as u64,
        summary["train_examples"].as_u64().unwrap()
    );
    assert_eq!(
        val_lines.lines().count() as u64,
        summary["validation_examples"].as_u64().unwrap()
    );
    assert_eq!(train_lines.lines().count() + val_lines.lines().count(), 44);
    assert!(!val_lines.is_empty());
    for line in train_lines.lines().chain(val_lines.lines()) {
        let record: Value = serde_json::from_str(line).unwrap();
        let messages = record["messages"].as_array().unwrap();
        assert_eq!(messages.last().unwrap()["role"], "assistant");
    }

    // The converted file validates as openai_messages, and the same seed gives the same split.
    let report = json_of(
        brightrun(dir.path())
            .args(["dataset", "validate", "--json"])
            .arg(&out),
        0,
    );
    assert_eq!(report["format"], "openai_messages");
    let again = dir.path().join("again/train.jsonl");
    convert(&again);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), train_lines);

    brightrun(dir.path())
        .args(["dataset", "convert", "--to", "openai_messages", "-o"])
        .arg(dir.path().join("plain.jsonl"))
        .arg(jsonl_sample())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Wrote 44 training examples"));
}

#[test]
fn convert_errors_exit_2_and_invalid_input_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.jsonl");
    let err = json_of(
        brightrun(dir.path())
            .args(["dataset", "convert", "--to", "openai_messages", "--json", "-o"])
            .arg(&out)
            .arg(dir.path().join("missing.json")),
        2,
    );
    assert_eq!(err["error"]["code"], "not_found");
    let err = json_of(
        brightrun(dir.path())
            .args([
                "dataset",
                "convert",
                "--to",
                "openai_messages",
                "--split",
                "1.5",
                "--json",
                "-o",
            ])
            .arg(&out)
            .arg(jsonl_sample()),
        2,
    );
    assert_eq!(err["error"]["code"], "invalid_argument");
    brightrun(dir.path())
        .args(["dataset", "convert", "--to", "sharegpt", "-o"])
        .arg(&out)
        .arg(jsonl_sample())
        .assert()
        .code(2);

    let bad = write(dir.path(), "bad.jsonl", &format!("{CHAT_OK}{{oops\n{CHAT_OK}"));
    let summary = json_of(
        brightrun(dir.path())
            .args(["dataset", "convert", "--to", "openai_messages", "--json", "-o"])
            .arg(&out)
            .arg(&bad),
        1,
    );
    assert_eq!(summary["errors"], 1);
    assert_eq!(summary["train_examples"], 2);
}

#[test]
fn the_library_round_trip_import_list_show_rm_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let imported = json_of(
        brightrun(&data)
            .args(["dataset", "import", "--json", "--description", "demo"])
            .arg(jsonl_sample())
            .arg(json_sample()),
        0,
    );
    let items = imported.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["status"], "ready");
        assert_eq!(item["format"], "brightrun_lora_v4");
        assert_eq!(item["training_examples"], 44);
        assert_eq!(item["description"], "demo");
        assert_eq!(item["outcome"], "added");
        assert!(data.join(item["file_path"].as_str().unwrap()).is_file());
    }
    let id = items[0]["id"].as_str().unwrap().to_string();
    assert!(data.join("brightrun.db").is_file());

    // The same bytes again: the same entry.
    let again = json_of(
        brightrun(&data)
            .args(["dataset", "import", "--json"])
            .arg(jsonl_sample()),
        0,
    );
    assert_eq!(again[0]["id"], id.as_str());
    assert_eq!(again[0]["outcome"], "already_in_library");

    let list = json_of(brightrun(&data).args(["dataset", "list", "--json"]), 0);
    assert_eq!(list["total"], 2);
    assert_eq!(list["page"], 1);
    assert_eq!(list["per_page"], 50);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"][0].get("report").is_none(), "lists stay light");

    let show = json_of(brightrun(&data).args(["dataset", "show", "--json", &id]), 0);
    assert_eq!(show["id"], id.as_str());
    assert_eq!(show["report"]["training_examples"], 44);
    assert_eq!(show["report"]["file"], "EQ-12-conversations-demo.jsonl");

    let removed = json_of(brightrun(&data).args(["dataset", "rm", "--json", &id]), 0);
    assert!(removed["deleted_at"].is_string());
    let list = json_of(brightrun(&data).args(["dataset", "list", "--json"]), 0);
    assert_eq!(list["total"], 1);
    let trash = json_of(
        brightrun(&data).args(["dataset", "list", "--deleted", "--json"]),
        0,
    );
    assert_eq!(trash["total"], 1);
    assert_eq!(trash["items"][0]["id"], id.as_str());

    let restored = json_of(brightrun(&data).args(["dataset", "restore", "--json", &id]), 0);
    assert!(restored["deleted_at"].is_null());
    let list = json_of(brightrun(&data).args(["dataset", "list", "--json"]), 0);
    assert_eq!(list["total"], 2);

    let missing = json_of(
        brightrun(&data).args(["dataset", "show", "--json", "no-such-id"]),
        2,
    );
    assert_eq!(missing["error"]["code"], "not_found");
    brightrun(&data)
        .args(["dataset", "rm", "no-such-id"])
        .assert()
        .code(2);
}

#[test]
fn list_searches_sorts_filters_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let small = write(dir.path(), "small.jsonl", CHAT_OK);
    let bad = write(dir.path(), "bad.jsonl", "{oops\n");
    brightrun(&data)
        .args(["dataset", "import", "--name", "Alpha chats"])
        .arg(&small)
        .assert()
        .code(0);
    brightrun(&data)
        .args(["dataset", "import", "--name", "beta v4"])
        .arg(jsonl_sample())
        .assert()
        .code(0);
    // An invalid file is imported with status error, and the exit code says so.
    brightrun(&data)
        .args(["dataset", "import", "--name", "Gamma broken"])
        .arg(&bad)
        .assert()
        .code(1);

    let names = |args: &[&str]| -> Vec<String> {
        let mut cmd = brightrun(&data);
        cmd.args(["dataset", "list", "--json"]).args(args);
        json_of(&mut cmd, 0)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&["--sort", "name"]),
        ["Alpha chats", "beta v4", "Gamma broken"]
    );
    assert_eq!(
        names(&["--sort", "name-desc"]),
        ["Gamma broken", "beta v4", "Alpha chats"]
    );
    assert_eq!(names(&["--sort", "most-examples"])[0], "beta v4");
    assert_eq!(names(&["--sort", "fewest-examples"])[0], "Gamma broken");
    assert_eq!(names(&["--sort", "oldest"]).len(), 3);
    assert_eq!(names(&["--search", "CHATS"]), ["Alpha chats"]);
    assert_eq!(names(&["--format", "brightrun_lora_v4"]), ["beta v4"]);
    assert_eq!(names(&["--status", "error"]), ["Gamma broken"]);
    assert_eq!(
        names(&["--status", "ready", "--sort", "name"]),
        ["Alpha chats", "beta v4"]
    );
    assert_eq!(
        names(&["--ready"]),
        ["beta v4"],
        "one chat is too few training pairs to be ready"
    );

    let page = json_of(
        brightrun(&data).args([
            "dataset",
            "list",
            "--json",
            "--sort",
            "name",
            "--page",
            "2",
            "--per-page",
            "2",
        ]),
        0,
    );
    assert_eq!(page["total"], 3);
    assert_eq!(
        (page["page"].as_u64(), page["per_page"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(page["items"][0]["name"], "Gamma broken");

    brightrun(&data)
        .args(["dataset", "list", "--sort", "name"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("Alpha chats").and(predicate::str::contains("Page 1 of 1 (3 datasets)")),
        );
}

#[test]
fn the_data_folder_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("from-env");
    Command::cargo_bin("brightrun")
        .unwrap()
        .env("BRIGHTRUN_DATA_DIR", &data)
        .args(["dataset", "import", "--json"])
        .arg(jsonl_sample())
        .assert()
        .code(0);
    assert!(data.join("brightrun.db").is_file());
    let list = json_of(
        Command::cargo_bin("brightrun")
            .unwrap()
            .env("BRIGHTRUN_DATA_DIR", &data)
            .args(["dataset", "list", "--json"]),
        0,
    );
    assert_eq!(list["total"], 1);
}

#[test]
fn import_refuses_one_name_for_many_files_and_missing_files_before_importing_any() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let err = json_of(
        brightrun(&data)
            .args(["dataset", "import", "--json", "--name", "x"])
            .arg(jsonl_sample())
            .arg(json_sample()),
        2,
    );
    assert_eq!(err["error"]["code"], "invalid_argument");
    let err = json_of(
        brightrun(&data)
            .args(["dataset", "import", "--json"])
            .arg(jsonl_sample())
            .arg(dir.path().join("nope.jsonl")),
        2,
    );
    assert_eq!(err["error"]["code"], "not_found");
    assert!(!data.join("brightrun.db").exists(), "nothing was imported");
}

#[test]
fn revalidate_updates_the_report_and_refuses_bad_options_without_harm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let imported = json_of(
        brightrun(&data)
            .args(["dataset", "import", "--json"])
            .arg(jsonl_sample()),
        0,
    );
    let id = imported[0]["id"].as_str().unwrap().to_string();
    assert!(imported[0]["warning_count"].as_u64().unwrap() > 0);

    let relaxed = json_of(
        brightrun(&data).args(["dataset", "revalidate", "--json", "--max-seq-len", "8192", &id]),
        0,
    );
    assert_eq!(relaxed["warning_count"], 0);
    assert_eq!(relaxed["report"]["warning_count"], 0);

    let tokenizer = write(dir.path(), "tokenizer.json", "not a tokenizer");
    let err = json_of(
        brightrun(&data)
            .args(["dataset", "revalidate", "--json", "--tokenizer"])
            .arg(&tokenizer)
            .arg(&id),
        2,
    );
    assert_eq!(err["error"]["code"], "invalid_argument");
    let show = json_of(brightrun(&data).args(["dataset", "show", "--json", &id]), 0);
    assert_eq!(show["status"], "ready");

    let missing = json_of(
        brightrun(&data).args(["dataset", "revalidate", "--json", "nope"]),
        2,
    );
    assert_eq!(missing["error"]["code"], "not_found");
}

#[test]
fn an_empty_environment_variable_means_the_default_folder() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // With HOME (and XDG_DATA_HOME) pointing into the temp folder, the default folder is in there too.
    let list = json_of(
        Command::cargo_bin("brightrun")
            .unwrap()
            .env("BRIGHTRUN_DATA_DIR", "")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .args(["dataset", "list", "--json"]),
        0,
    );
    assert_eq!(list["total"], 0);
    if cfg!(target_os = "linux") {
        let folder = home.join("data").join(brightrun_core::paths::APP_FOLDER);
        assert!(folder.join("brightrun.db").is_file(), "{}", folder.display());
    }
    brightrun(dir.path())
        .args(["--data-dir", "", "dataset", "list"])
        .assert()
        .code(2);
}

/// `brightrun … --json | grep -q …` closes the pipe before the value is written: the command still did its
/// work, so it exits 0 without a panic (it used to die in `println!` with "failed printing to stdout").
#[test]
fn json_into_a_closed_pipe_is_not_a_failure() {
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_brightrun"))
        .env_remove("BRIGHTRUN_DATA_DIR")
        .arg("--data-dir")
        .arg(data.path())
        .args(["dataset", "validate", "--json"])
        .arg(jsonl_sample())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the value is printed.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}, stderr: {stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
