//! The Slurm executor against a real one-node Slurm (`scripts/slurm-local.sh`), the real agent and the real
//! trainer on the tiny model: a two-process (torchrun, CPU) job trains to completion with its metrics and
//! adapter; a job cancelled with `scancel` from outside fails with a clear message; an agent killed with -9
//! follows its running Slurm job again after a restart; a requeued job resumes from its checkpoint; a cancel
//! from BrightRun ends the Slurm job.
//!
//! Skipped, loudly, only where Slurm's `sbatch` is not installed (scripts/setup.sh installs it). Needs root to
//! start the local Slurm (as in CI).

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use support::{tiny_hyperparameters, Agent, TEST_CONFIG};

/// Starts the local Slurm; false (with a loud message) when Slurm is not installed.
fn local_slurm() -> bool {
    brightrun_test_support::start_local_slurm("the Slurm executor test")
}

fn slurm(args: &[&str]) -> String {
    let output = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("run a Slurm tool");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn slurm_state(slurm_id: &str) -> String {
    let out = slurm(&["scontrol", "show", "job", "-o", slurm_id]);
    out.split_whitespace()
        .find_map(|f| f.strip_prefix("JobState="))
        .unwrap_or_default()
        .to_string()
}

const SLURM_CONFIG: &str = "[slurm]\npoll_seconds = 0.5\nsignal_seconds = 30\n";

fn start_agent(data_dir: &std::path::Path, key: Option<String>) -> Agent {
    Agent::start_with(
        data_dir,
        &format!("{TEST_CONFIG}{SLURM_CONFIG}"),
        key,
        |command| {
            command.args(["--executor", "slurm", "--slurm-partition", "debug"]);
        },
    )
}

async fn submit(agent: &Agent, sha: &str, hyperparameters: Value, processes: u32, name: &str) -> String {
    let body = json!({
        "name": name,
        "dataset_sha256": sha,
        "base_model": "tiny",
        "hyperparameters": hyperparameters,
        "gpu": {"type": "cpu", "count": processes},
        "spot": false,
        "max_duration_hours": 1,
    });
    let response = agent.post("/v1/jobs").json(&body).send().await.expect("submit");
    let status = response.status();
    let job: Value = response.json().await.expect("job json");
    assert_eq!(status, 201, "submit: {job}");
    job["id"].as_str().expect("job id").to_string()
}

async fn log_of(agent: &Agent, id: &str) -> String {
    agent.json(&format!("/v1/jobs/{id}/logs")).await["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn slurm_id(job: &Value) -> String {
    assert_eq!(job["executor"]["kind"], "slurm", "{job:#}");
    job["executor"]["job_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no Slurm job id: {job:#}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_on_slurm_end_as_slurm_says_and_survive_an_agent_restart() {
    if !local_slurm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let agent = start_agent(&data_dir, None);

    // Capabilities come from sinfo: the node's two CPUs (the local Slurm's fake GPUs are not offered).
    let capabilities = agent.json("/v1/capabilities").await;
    let gpus = capabilities["gpus"].as_array().unwrap();
    assert_eq!(gpus.len(), 1, "{capabilities:#}");
    assert_eq!(gpus[0]["type"], "cpu");
    assert!(gpus[0]["count"].as_u64().unwrap() >= 2, "{capabilities:#}");

    // 1. Two trainer processes through torchrun on one node, to completion.
    let sha = agent.upload_dataset().await;
    let first = submit(&agent, &sha, tiny_hyperparameters(8, 4), 2, "two processes").await;
    let job = agent.wait_until_finished(&first).await;
    let log = log_of(&agent, &first).await;
    assert_eq!(job["status"], "completed", "{job:#}\n{log}");
    let first_slurm = slurm_id(&job);
    assert_eq!(slurm_state(&first_slurm), "COMPLETED");
    assert!(
        log.contains(&format!("submitted to Slurm as job {first_slurm}")),
        "{log}"
    );
    // torchrun's banner, printed once it starts more than one process.
    assert!(log.contains("for each process"), "torchrun ran: {log}");
    let script = std::fs::read_to_string(data_dir.join("jobs").join(&first).join("slurm.sh")).unwrap();
    for line in [
        "#SBATCH --partition=debug",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --requeue",
        "#SBATCH --signal=B:TERM@30",
    ] {
        assert!(script.contains(line), "{line} missing:\n{script}");
    }
    let metrics = agent.json(&format!("/v1/jobs/{first}/metrics")).await;
    let steps: Vec<u64> = metrics["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["step"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, (1..=8).collect::<Vec<_>>());
    let artifacts = agent.json(&format!("/v1/jobs/{first}/artifacts")).await;
    let names: Vec<&str> = artifacts["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"adapter_model.safetensors"), "{names:?}");

    // 2. Two long jobs, one process each. The first is cancelled from outside with scancel.
    let outside = submit(&agent, &sha, tiny_hyperparameters(2000, 50), 1, "scancelled").await;
    let survivor = submit(&agent, &sha, tiny_hyperparameters(2000, 2), 1, "survivor").await;
    let job = agent
        .wait_for(&outside, Duration::from_secs(120), |job| {
            job["current_step"].as_u64().unwrap_or(0) >= 1 || job["finished_at"].is_string()
        })
        .await;
    let outside_slurm = slurm_id(&job);
    slurm(&["scancel", &outside_slurm]);
    let job = agent.wait_until_finished(&outside).await;
    assert_eq!(job["status"], "failed", "{job:#}");
    assert_eq!(job["error"]["kind"], "slurm_cancelled", "{job:#}");
    assert!(
        job["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cancelled outside BrightRun"),
        "{job:#}"
    );

    // 3. kill -9 of the agent while the survivor trains: the new agent follows the same Slurm job.
    let job = agent
        .wait_for(&survivor, Duration::from_secs(120), |job| {
            job["current_step"].as_u64().unwrap_or(0) >= 3 || job["finished_at"].is_string()
        })
        .await;
    assert_eq!(job["status"], "running", "{job:#}");
    let survivor_slurm = slurm_id(&job);
    let key = agent.key.clone();
    let mut agent = agent;
    agent.kill9();
    assert_eq!(
        slurm_state(&survivor_slurm),
        "RUNNING",
        "Slurm jobs outlive the agent"
    );
    let step_before = job["current_step"].as_u64().unwrap();
    let agent = start_agent(&data_dir, Some(key));
    let job = agent
        .wait_for(&survivor, Duration::from_secs(60), |job| {
            job["current_step"].as_u64().unwrap_or(0) > step_before + 1 || job["finished_at"].is_string()
        })
        .await;
    assert_eq!(job["status"], "running", "{job:#}");
    assert_eq!(job["restarts"], 0, "re-attached, not restarted: {job:#}");
    assert_eq!(slurm_id(&job), survivor_slurm);
    assert!(log_of(&agent, &survivor).await.contains("following Slurm job"));

    // 4. Slurm requeues it (as after a preemption): it resumes from its last checkpoint.
    slurm(&["scontrol", "requeue", &survivor_slurm]);
    // A requeued job waits about two minutes (BeginTime) once its first attempt has ended; let it start now.
    let until = std::time::Instant::now() + Duration::from_secs(60);
    while slurm_state(&survivor_slurm) != "PENDING" {
        assert!(
            std::time::Instant::now() < until,
            "the requeued job never went back to PENDING"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    slurm(&[
        "scontrol",
        "update",
        &format!("JobId={survivor_slurm}"),
        "StartTime=now",
    ]);
    let job = agent
        .wait_for(&survivor, Duration::from_secs(120), |job| {
            job["restarts"].as_u64().unwrap_or(0) >= 1
                && job["status"] == "running"
                && job["resumed_from"].is_string()
                || job["finished_at"].is_string()
        })
        .await;
    let log = log_of(&agent, &survivor).await;
    assert_eq!(job["status"], "running", "{job:#}\n{log}");
    assert!(
        job["resumed_from"].as_str().unwrap().starts_with("checkpoint-"),
        "{job:#}"
    );
    assert!(
        log.contains("Slurm requeued the job; it resumes from the checkpoint"),
        "{log}"
    );
    let resumed_step: u64 = job["resumed_from"].as_str().unwrap()["checkpoint-".len()..]
        .parse()
        .unwrap();
    let job = agent
        .wait_for(&survivor, Duration::from_secs(120), |job| {
            log_contains_resume(job) || job["finished_at"].is_string()
        })
        .await;
    let log = log_of(&agent, &survivor).await;
    assert!(log.contains("resuming from"), "the trainer resumed: {log}");
    assert!(job["current_step"].as_u64().unwrap() > resumed_step, "{job:#}");

    // Another kill -9 after the requeue: the new agent re-reads both attempts' lines and counts the requeue once.
    let key = agent.key.clone();
    let mut agent = agent;
    agent.kill9();
    let step_before = job["current_step"].as_u64().unwrap();
    let agent = start_agent(&data_dir, Some(key));
    let job = agent
        .wait_for(&survivor, Duration::from_secs(60), |job| {
            job["current_step"].as_u64().unwrap_or(0) > step_before || job["finished_at"].is_string()
        })
        .await;
    assert_eq!(job["status"], "running", "{job:#}");
    assert_eq!(job["restarts"], 1, "{job:#}");
    assert_eq!(
        job["resumed_from"],
        format!("checkpoint-{resumed_step}"),
        "{job:#}"
    );

    // 5. Cancel from BrightRun: scancel, the trainer saves a checkpoint, the job is cancelled.
    let response = agent
        .post(&format!("/v1/jobs/{survivor}/cancel"))
        .json(&json!({"reason": "enough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let job = agent.wait_until_finished(&survivor).await;
    assert_eq!(job["status"], "cancelled", "{job:#}");
    assert_eq!(job["cancel_reason"], "enough");
    assert_eq!(slurm_state(&survivor_slurm), "CANCELLED");
    drop(agent);

    // 6. The operator's time limit: Slurm's --signal stops the trainer ahead of it (Slurm may send it up to a
    //    minute early), the trainer exits after its checkpoint, and the job fails with `time_limit`.
    let limited_dir = dir.path().join("limited");
    let agent = Agent::start_with(
        &limited_dir,
        &format!("{TEST_CONFIG}[slurm]\npoll_seconds = 0.5\nsignal_seconds = 30\ntime_limit = \"1\"\n"),
        None,
        |command| {
            command.args(["--executor", "slurm", "--slurm-partition", "debug"]);
        },
    );
    let sha = agent.upload_dataset().await;
    let limited = submit(&agent, &sha, tiny_hyperparameters(2000, 50), 1, "time limit").await;
    let job = agent.wait_until_finished(&limited).await;
    let log = log_of(&agent, &limited).await;
    assert_eq!(job["status"], "failed", "{job:#}\n{log}");
    assert_eq!(job["error"]["kind"], "time_limit", "{job:#}\n{log}");
    let script = std::fs::read_to_string(limited_dir.join("jobs").join(&limited).join("slurm.sh")).unwrap();
    assert!(script.contains("#SBATCH --time=0-00:01:00"), "{script}");
}

/// True once the job trains again past its resume point (new metrics after the requeue).
fn log_contains_resume(job: &Value) -> bool {
    let resumed: u64 = job["resumed_from"]
        .as_str()
        .and_then(|c| c.strip_prefix("checkpoint-"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX);
    job["current_step"].as_u64().unwrap_or(0) > resumed
}
