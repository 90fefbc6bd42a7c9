//! `brightrun cluster …` end to end: the real binary, a real agent on 127.0.0.1:0, the real OS keyring
//! (run under scripts/with-session.sh, after `cargo build -p brightrun-agent`), a temporary data folder.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use brightrun_core::cluster::Keyring;
use brightrun_test_support::{agent_bin, ServedAgent};

/// A data folder and a keyring service name of this test alone.
struct Env {
    data: tempfile::TempDir,
    service: String,
    /// Every stdout and stderr the CLI printed, to search for keys.
    printed: std::cell::RefCell<Vec<u8>>,
}

impl Env {
    fn new() -> Self {
        let service = format!("app.brightrun.test.cli.{}", uuid_like());
        let keyring = Keyring::new(&service);
        if let Err(err) = keyring.check() {
            panic!(
                "this test needs a real OS keyring (Secret Service) and none answers: {err}\n\
                 Run it under scripts/with-session.sh:\n  \
                 bash scripts/with-session.sh cargo test -p brightrun-cli --test cluster_cli"
            );
        }
        Env {
            data: tempfile::tempdir().unwrap(),
            service,
            printed: Default::default(),
        }
    }

    fn keyring(&self) -> Keyring {
        Keyring::new(&self.service)
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("brightrun").unwrap();
        cmd.env("BRIGHTRUN_DATA_DIR", self.data.path())
            .env("BRIGHTRUN_KEYRING_SERVICE", &self.service)
            .env("BRIGHTRUN_AGENT_BIN", agent_bin());
        cmd
    }

    /// Runs `brightrun ARGS` with `stdin`, records what it printed, and returns (exit code, stdout).
    fn run(&self, args: &[&str], stdin: &str) -> (i32, String) {
        let output = self.cmd().args(args).write_stdin(stdin).output().unwrap();
        let mut printed = self.printed.borrow_mut();
        printed.extend_from_slice(&output.stdout);
        printed.extend_from_slice(&output.stderr);
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let (code, stdout) = self.run(args, "");
        let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"));
        (code, value)
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}-{nanos}", std::process::id())
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let t = entry.file_type().unwrap();
            if t.is_dir() {
                stack.push(entry.path());
            } else if t.is_file() {
                found.push(entry.path());
            }
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn add_list_test_and_remove_a_cluster_against_a_real_agent() {
    let env = Env::new();
    let agent = ServedAgent::start(&[]);

    let (code, stdout) = env.run(
        &[
            "cluster",
            "add",
            "--name",
            "gpu-box",
            "--url",
            &agent.url,
            "--api-key-stdin",
        ],
        &format!("{}\n", agent.key),
    );
    assert_eq!(code, 0, "{stdout}");
    let (code, _) = env.run(
        &[
            "cluster",
            "add",
            "--name",
            "GPU-box",
            "--url",
            &agent.url,
            "--api-key-stdin",
        ],
        "another\n",
    );
    assert_eq!(code, 2, "a second cluster with the same name is a usage error");

    let (code, list) = env.json(&["cluster", "list", "--json"]);
    assert_eq!(code, 0);
    let clusters = list.as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["name"], "gpu-box");
    assert_eq!(clusters[0]["kind"], "remote");
    let id = clusters[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        env.keyring().api_key(&id).unwrap().expose(),
        &agent.key,
        "the key is in the keyring"
    );

    let (code, report) = env.json(&["cluster", "test", "gpu-box", "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["status"], "ok");
    assert!(!report["capabilities"]["gpus"].as_array().unwrap().is_empty());
    assert!(!report["capabilities"]["prices"].as_array().unwrap().is_empty());
    assert!(!report["capabilities"]["base_models"]
        .as_array()
        .unwrap()
        .is_empty());
    let (code, text) = env.run(&["cluster", "test", "gpu-box"], "");
    assert_eq!(code, 0);
    assert!(
        text.starts_with("OK  gpu-box") && text.contains("GPUs:") && text.contains("Base models:"),
        "{text}"
    );
    let (_, text) = env.run(&["cluster", "list"], "");
    assert!(text.contains("gpu-box") && text.contains(" ok "), "{text}");

    // Nothing of the key in the data folder (SQLite file, WAL, anything else) or in what the CLI printed.
    let files = files_under(env.data.path());
    assert!(files.iter().any(|f| f.file_name().unwrap() == "brightrun.db"));
    for file in files {
        assert!(
            !contains(&std::fs::read(&file).unwrap(), &agent.key),
            "the key is in {}",
            file.display()
        );
    }
    assert!(
        !contains(&env.printed.borrow(), &agent.key),
        "the CLI printed the key"
    );

    let (code, _) = env.run(&["cluster", "rm", "gpu-box"], "");
    assert_eq!(code, 0);
    let (_, list) = env.json(&["cluster", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 0);
    assert!(
        env.keyring().api_key(&id).is_err(),
        "rm deleted the keyring entry"
    );
    let (code, error) = env.json(&["cluster", "rm", "gpu-box", "--json"]);
    assert_eq!(code, 2);
    assert_eq!(error["error"]["code"], "not_found");
}

#[test]
fn a_failing_test_exits_1_with_the_reason() {
    let env = Env::new();
    let agent = ServedAgent::start(&[]);
    env.run(
        &[
            "cluster",
            "add",
            "--name",
            "wrong-key",
            "--url",
            &agent.url,
            "--api-key-stdin",
        ],
        "brk_not_a_key_of_this_agent\n",
    );
    let (code, report) = env.json(&["cluster", "test", "wrong-key", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "unauthorized");

    let url = agent.url.clone();
    drop(agent);
    env.run(
        &[
            "cluster",
            "add",
            "--name",
            "gone",
            "--url",
            &url,
            "--api-key-stdin",
        ],
        "some-key\n",
    );
    let (code, report) = env.json(&["cluster", "test", "gone", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "unreachable");
    assert!(report["error"].as_str().unwrap().contains("unreachable"));
    assert!(!contains(&env.printed.borrow(), "brk_not_a_key_of_this_agent"));
    assert!(!contains(&env.printed.borrow(), "some-key"));

    let (code, error) = env.json(&[
        "cluster",
        "add",
        "--name",
        "x",
        "--url",
        "ftp://host",
        "--api-key-stdin",
        "--json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(error["error"]["code"], "invalid_argument");
}

/// Plain http to another computer would send the key in clear: refused (before any key is read) unless the
/// user opts in with --allow-insecure. Loopback http needs no flag.
#[test]
fn plain_http_to_another_computer_needs_allow_insecure() {
    let env = Env::new();
    let add = |name: &str, url: &str, extra: &[&str]| {
        let mut args = vec![
            "cluster",
            "add",
            "--name",
            name,
            "--url",
            url,
            "--api-key-stdin",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, stdout) = env.run(&args, "brk_insecure_test_key\n");
        let value: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"));
        (code, value)
    };
    let (code, error) = add("x", "http://gpu-box.invalid:8750", &[]);
    assert_eq!(code, 2, "{error}");
    assert_eq!(error["error"]["code"], "insecure_url");
    let (_, listed) = env.json(&["cluster", "list", "--json"]);
    assert_eq!(listed, serde_json::json!([]), "a refused cluster is not stored");

    let (code, added) = add("x", "http://gpu-box.invalid:8750", &["--allow-insecure"]);
    assert_eq!(code, 0, "{added}");
    assert_eq!(added["url"], "http://gpu-box.invalid:8750");
    for (name, url) in [
        ("lo4", "http://127.0.0.1:8750"),
        ("lo6", "http://[::1]:8750"),
        ("lo", "http://localhost:8750"),
    ] {
        let (code, added) = add(name, url, &[]);
        assert_eq!(code, 0, "{url}: {added}");
    }
    let (code, added) = add("tls", "https://gpu-box.invalid:8750", &[]);
    assert_eq!(code, 0, "{added}");
    for name in ["x", "lo4", "lo6", "lo", "tls"] {
        env.run(&["cluster", "rm", name], "");
    }
    assert!(!contains(&env.printed.borrow(), "brk_insecure_test_key"));
}

#[test]
fn the_local_cluster_starts_once_and_outlives_the_cli() {
    let env = Env::new();
    struct Stop<'a>(&'a Env);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = self.0.cmd().args(["cluster", "local", "--stop"]).output();
        }
    }
    let _stop = Stop(&env);

    let (code, first) = env.json(&["cluster", "local", "--json", "--skip-python-check"]);
    assert_eq!(code, 0, "{first}");
    assert_eq!(first["started"], true);
    let pid = first["pid"].as_u64().unwrap() as i32;
    // The CLI process has exited; the daemon it started has not.
    assert_eq!(
        unsafe { libc::kill(pid, 0) },
        0,
        "the local agent outlives the CLI"
    );

    let (code, second) = env.json(&["cluster", "local", "--json", "--skip-python-check"]);
    assert_eq!(code, 0);
    assert_eq!(second["started"], false, "the running agent is reused");
    assert_eq!(second["pid"], first["pid"]);
    assert_eq!(second["cluster"]["url"], first["cluster"]["url"]);

    let (code, report) = env.json(&["cluster", "test", "Local (this computer)", "--json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["cluster"]["kind"], "local");

    // Its key lives in the keyring and nowhere in the data folder, the agent's log included.
    let id = first["cluster"]["id"].as_str().unwrap();
    let key = env.keyring().api_key(id).unwrap();
    for file in files_under(env.data.path()) {
        assert!(
            !contains(&std::fs::read(&file).unwrap(), key.expose()),
            "the key is in {}",
            file.display()
        );
    }
    assert!(!contains(&env.printed.borrow(), key.expose()));

    let (code, stopped) = env.json(&["cluster", "local", "--stop", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(stopped["stopped"], true);
}

#[test]
fn a_missing_python_stack_is_refused_with_the_fix() {
    let env = Env::new();
    let (code, error) = env.json(&["cluster", "local", "--json", "--python", "/nonexistent/python3"]);
    assert_eq!(code, 2);
    assert_eq!(error["error"]["code"], "python_stack_missing");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("brightrun cluster prepare-local"));
}
