//! Issue 15's contract from outside: an agent with `--executor slurm --slurm-partition debug` on the local Slurm
//! (`scripts/slurm-local.sh`), added as a cluster; `brightrun train FILE --cluster NAME --set max_steps=8 --wait
//! --json` completes with a verified model, `brightrun jobs show ID --json` has `executor: {"kind": "slurm",
//! "job_id": ...}`, and `scontrol show job` says COMPLETED.
//!
//! Skipped, loudly, only where Slurm's `sbatch` is not installed. Needs root (the local Slurm) and a keyring
//! (run under scripts/with-session.sh), like the other CLI tests that train.

mod cli_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use cli_support::{agent_bin, python, repo_root, sample, Env};

struct AgentProcess(Child);

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn have_slurm() -> bool {
    let installed = Command::new("sh")
        .args(["-c", "command -v sbatch"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!(
            "\n!!!!!!!!!!\nSKIPPED: Slurm's sbatch is not installed, so the Slurm contract test cannot run.\n\
             Install it with scripts/setup.sh (apt: slurmctld slurmd slurm-client munge).\n!!!!!!!!!!\n"
        );
        return false;
    }
    let output = Command::new("bash")
        .arg(repo_root().join("scripts/slurm-local.sh"))
        .arg("start")
        .output()
        .expect("run scripts/slurm-local.sh");
    assert!(
        output.status.success(),
        "scripts/slurm-local.sh start failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

#[test]
fn train_on_a_slurm_agent_records_the_slurm_job() {
    if !have_slurm() {
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
    let keys = Command::new(agent_bin())
        .args(["keys", "create", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(keys.status.success());
    let key = String::from_utf8_lossy(&keys.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
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
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _agent = AgentProcess(child);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the agent's address")
        .to_string();

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
