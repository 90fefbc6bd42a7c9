//! Memory bounds of `brightrun dataset validate`, seen from outside: one enormous line is an error on that
//! line, the lines around it are still validated, and the process never holds the line in memory.

use std::io::Write as _;
use std::process::{Command, Stdio};

const CHAT_OK: &str = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello! How can I help?\"}]}\n";

/// Runs the command to its end and returns (exit code, stdout, peak RSS in KiB) of that child alone.
#[cfg(target_os = "linux")]
// wait4 reaps the child below (std's `wait` cannot return its rusage).
#[allow(clippy::zombie_processes)]
fn run_measured(cmd: &mut Command) -> (i32, String, i64) {
    use std::io::Read as _;
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut status = 0;
    // SAFETY: plain wait4 on our own child; rusage is a zeroed out-parameter.
    let (pid, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage);
        (pid, usage)
    };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(libc::WIFEXITED(status), "the CLI was killed (status {status})");
    (libc::WEXITSTATUS(status), stdout, usage.ru_maxrss)
}

/// The contract: a second line of 64 MiB of JSON string is `record_too_large` on line 2, the other
/// lines are validated, exit 1, and the peak RSS stays under 512 MiB.
#[cfg(target_os = "linux")]
#[test]
fn a_64_mib_line_is_an_error_on_that_line_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(CHAT_OK.as_bytes()).unwrap();
        file.write_all(b"{\"messages\": [{\"role\": \"user\", \"content\": \"")
            .unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..64 {
            file.write_all(&chunk).unwrap();
        }
        file.write_all(b"\"}, {\"role\": \"assistant\", \"content\": \"ok\"}]}\n")
            .unwrap();
        file.write_all(CHAT_OK.as_bytes()).unwrap();
        file.write_all(b"{oops\n").unwrap();
        file.write_all(CHAT_OK.as_bytes()).unwrap();
    }
    let (code, stdout, peak_kib) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_brightrun"))
            .env_remove("BRIGHTRUN_DATA_DIR")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["dataset", "validate", "--json"])
            .arg(&path),
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(code, 1, "{report}");
    let errors = report["errors"].as_array().unwrap();
    let on = |line: u64| errors.iter().find(|e| e["line"] == line);
    let too_large = on(2).unwrap_or_else(|| panic!("no error on line 2: {report}"));
    assert_eq!(too_large["code"], "record_too_large", "{too_large}");
    assert!(too_large["suggestion"].is_string());
    // Reading went on after the long line: line 4's syntax error is found, lines 1, 3 and 5 are examples.
    assert_eq!(
        on(4).map(|e| e["code"].clone()),
        Some("invalid_json".into()),
        "{report}"
    );
    assert_eq!(errors.len(), 2, "{report}");
    assert_eq!(report["training_examples"], 3, "{report}");
    assert!(peak_kib < 512 * 1024, "peak RSS {} MiB", peak_kib / 1024);
}

/// A JSON document's record is held to the same cap: reported on the line where it starts, the others read.
#[test]
fn an_oversized_record_in_a_json_document_is_reported_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let ok = CHAT_OK.trim_end();
    let mut text = format!("[{ok},\n{{\"messages\": [{{\"role\": \"user\", \"content\": \"");
    text.push_str(&"a".repeat(20 << 20));
    text.push_str(&format!(
        "\"}}, {{\"role\": \"assistant\", \"content\": \"x\"}}]}},\n{ok}]"
    ));
    std::fs::write(&path, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_brightrun"))
        .env_remove("BRIGHTRUN_DATA_DIR")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["dataset", "validate", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert_eq!(report["errors"][0]["code"], "record_too_large", "{report}");
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    assert_eq!(report["training_examples"], 2, "{report}");
}

/// A record far over the cap inside a `.json` array is walked over, not held: `record_too_large` on the line
/// where it starts, the records after it still read, and the peak RSS far below the record's size.
#[cfg(target_os = "linux")]
#[test]
fn a_256_mib_record_in_a_json_array_is_not_held_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    let ok = CHAT_OK.trim_end();
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        write!(
            file,
            "[{ok},\n{{\"messages\": [{{\"role\": \"user\", \"content\": \""
        )
        .unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..256 {
            file.write_all(&chunk).unwrap();
        }
        write!(
            file,
            "\"}}, {{\"role\": \"assistant\", \"content\": \"x\"}}]}},\n{ok},\n{ok}]"
        )
        .unwrap();
    }
    let (code, stdout, peak_kib) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_brightrun"))
            .env_remove("BRIGHTRUN_DATA_DIR")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["dataset", "validate", "--json"])
            .arg(&path),
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["errors"][0]["code"], "record_too_large", "{report}");
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["training_examples"], 3, "{report}");
    // Held whole, the record alone would be 256 MiB (and its buffer up to twice that while it grows).
    assert!(peak_kib < 160 * 1024, "peak RSS {} MiB", peak_kib / 1024);
}

/// A gzip file that expands past the decompressed-size cap stops there with `decompressed_too_large` (line 0),
/// keeping the records read before it; memory stays bounded while it expands. The cap is lowered to 4 MiB with
/// BRIGHTRUN_MAX_DECOMPRESSED_BYTES so the test need not expand 32 GiB.
#[cfg(target_os = "linux")]
#[test]
fn a_gzip_expanding_past_the_cap_is_stopped_with_a_clear_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.jsonl.gz");
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        // 64 MiB of valid records: far past the 4 MiB cap, a few hundred KiB on disk.
        for _ in 0..(64 << 20) / CHAT_OK.len() {
            gz.write_all(CHAT_OK.as_bytes()).unwrap();
        }
        gz.finish().unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() < 8 << 20);
    let (code, stdout, peak_kib) = run_measured(
        Command::new(env!("CARGO_BIN_EXE_brightrun"))
            .env_remove("BRIGHTRUN_DATA_DIR")
            .env("BRIGHTRUN_MAX_DECOMPRESSED_BYTES", (4u64 << 20).to_string())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["dataset", "validate", "--json"])
            .arg(&path),
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(code, 1, "{report}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["code"], "decompressed_too_large", "{report}");
    assert_eq!(errors[0]["line"], 0, "{report}");
    assert!(errors[0]["suggestion"].is_string());
    // The records within the first 4 MiB count; none past it was read.
    let examples = report["training_examples"].as_u64().unwrap();
    let within = (4u64 << 20) / CHAT_OK.len() as u64;
    assert!(
        examples > within / 2 && examples <= within,
        "{examples} of at most {within}"
    );
    assert!(peak_kib < 256 * 1024, "peak RSS {} MiB", peak_kib / 1024);

    // Under the default cap the same file is read to its end.
    let output = Command::new(env!("CARGO_BIN_EXE_brightrun"))
        .env_remove("BRIGHTRUN_DATA_DIR")
        .env_remove("BRIGHTRUN_MAX_DECOMPRESSED_BYTES")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["dataset", "validate", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report}");
}
