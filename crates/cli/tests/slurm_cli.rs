//! Issue 15's contract from outside: an agent with `--executor slurm --slurm-partition debug` on the local Slurm
//! (`scripts/slurm-local.sh`), added as a cluster; `brightrun train FILE --cluster NAME --set max_steps=8 --wait
//! --json` completes with a verified model, `brightrun jobs show ID --json` has `executor: {"kind": "slurm",
//! "job_id": ...}`, and `scontrol show job` says COMPLETED.
//!
//! Skipped, loudly, only where Slurm's `sbatch` is not installed. Needs root (the local Slurm) and a keyring
//! (run under scripts/with-session.sh), like the other CLI tests that train.

mod cli_support;

use std::io::Write;
use std::process::{Child, Command, Stdio};

use cli_support::{agent_bin, python, sample, Env};

struct AgentProcess(Child);

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

#[test]
fn train_on_a_slurm_agent_records_the_slurm_job() {
    if !brightrun_test_support::start_local_slurm("the Slurm contract test") {
        return;
    }
    let env = Env::new("slurm-cli");
    let agent_dir = tempfile::tempdir().unwrap();
    let data_dir = agent_dir.path().join("data");
    let models = data_dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let status = Command::new(python())
        .args(["-m", "brightrun_trainer.tiny_model", "--out"])
        .arg(models.join("tiny"))
        .env("HF_HUB_OFFLINE", "1")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "building the tiny model failed");
    // No hub models: the cluster's first model is the local tiny one (the contract's command names none).
    let config = agent_dir.path().join("agent.toml");
    std::fs::write(&config, "base_models = []\n[slurm]\npoll_seconds = 0.5\n").unwrap();
    let key = brightrun_test_support::create_agent_key(&agent_bin(), &data_dir, "slurm-cli");
    let mut child = Command::new(agent_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .arg("--python")
        .arg(python())
        .arg("--config")
        .arg(&config)
        .args(["--executor", "slurm", "--slurm-partition", "debug"])
        .env("HF_HUB_OFFLINE", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let url = brightrun_test_support::agent_url(&mut child);
    let _agent = AgentProcess(child);

    let mut add = env
        .std_cmd()
        .args([
            "cluster",
            "add",
            "--name",
            "slurm",
            "--url",
            &url,
            "--api-key-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{key}").unwrap();
    assert!(add.wait().unwrap().success(), "cluster add");

    let sample = sample();
    let (code, out) = env.json(&[
        "train",
        sample.to_str().unwrap(),
        "--cluster",
        "slurm",
        "--set",
        "max_steps=8",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "{out:#}");
    assert_eq!(out["job"]["status"], "completed", "{out:#}");
    assert_eq!(out["model"]["verified"], true, "{out:#}");
    let id = out["job"]["id"].as_str().unwrap().to_string();

    let (code, show) = env.json(&["jobs", "show", &id, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(show["executor"]["kind"], "slurm", "{show:#}");
    let slurm_id = show["executor"]["job_id"]
        .as_str()
        .expect("the Slurm job id")
        .to_string();
    let scontrol = Command::new("scontrol")
        .args(["show", "job", &slurm_id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&scontrol.stdout);
    assert!(text.contains("JobState=COMPLETED"), "{text}");
    assert!(
        text.contains(&format!(
            "JobName=brightrun-{}",
            show["remote_job_id"].as_str().unwrap()
        )),
        "{text}"
    );
}
