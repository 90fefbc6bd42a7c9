//! `kill -9` of the agent in the middle of a job: after a restart the job resumes from its last checkpoint and
//! ends (completed, or failed with a clear reason), never left `running` without a trainer.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{tiny_hyperparameters, Agent, TEST_CONFIG};

#[tokio::test]
async fn a_killed_agent_resumes_its_job_after_a_restart() {
    let agent = Agent::start(TEST_CONFIG);
    let sha = agent.upload_dataset().await;
    // Six steps remain when step 2 is seen: the job is surely mid-run when the agent is killed.
    let hyperparameters = tiny_hyperparameters(8, 2);
    let id = agent.submit(&sha, hyperparameters).await;
    let job = agent
        .wait_for(&id, Duration::from_secs(180), |job| {
            job["current_step"].as_u64().unwrap_or(0) >= 2 || job["finished_at"].is_string()
        })
        .await;
    assert_eq!(job["status"], "running", "{job:#}");
    let checkpoints = agent.json(&format!("/v1/jobs/{id}/checkpoints")).await;
    let saved: Vec<u64> = checkpoints["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step"].as_u64().unwrap())
        .collect();

    let started = std::time::Instant::now();
    let mut agent = agent;
    agent.kill9();
    let agent = agent.restart();
    eprintln!("restarted in {:?}", started.elapsed());

    // Right after the restart the job is never `running` on the old trainer: it was requeued (or already
    // picked up again by the new agent's scheduler, with a new trainer).
    let job = agent.json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(job["restarts"], 1, "{job:#}");
    if !saved.is_empty() {
        assert!(
            job["resumed_from"]
                .as_str()
                .is_some_and(|c| c.starts_with("checkpoint-")),
            "{job:#}"
        );
    }

    let job = agent.wait_until_finished(&id).await;
    eprintln!("finished after {:?}", started.elapsed());
    let log = agent.json(&format!("/v1/jobs/{id}/logs")).await;
    let log = log["text"].as_str().unwrap_or_default().to_string();
    assert!(
        log.contains("the agent restarted while this job was active"),
        "{log}"
    );
    match job["status"].as_str() {
        Some("completed") => {
            assert_eq!(job["current_step"], 8, "{job:#}");
            let metrics = agent.json(&format!("/v1/jobs/{id}/metrics")).await;
            let steps: Vec<u64> = metrics["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["step"].as_u64().unwrap())
                .collect();
            assert!(
                steps.windows(2).all(|w| w[0] < w[1]),
                "steps not increasing: {steps:?}"
            );
            assert_eq!(steps.last(), Some(&8));
            assert!(log.contains("resuming from"), "{log}");
        }
        Some("failed") => {
            let error: &Value = &job["error"];
            assert_eq!(error["kind"], "agent_restarted", "{job:#}");
            assert!(error["message"].is_string());
        }
        other => panic!("the job ended {other:?}: {job:#}"),
    }
}
