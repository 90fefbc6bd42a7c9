//! What the trainer is started with: `python -I` (the job folder never shadows an installed module) and an
//! allow-listed environment (the agent's secrets stay with the agent). A stand-in "python" records both.

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use support::{tiny_hyperparameters, Agent, TEST_CONFIG};

#[tokio::test]
async fn the_trainer_gets_python_isolated_mode_and_only_allowed_variables() {
    support::tiny_model();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake-python");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"$@\" > args.txt\nenv > env.txt\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    // This test binary holds this one test, so changing its environment affects nothing else.
    std::env::set_var("BRIGHTRUN_PYTHON", &fake);
    let data_dir = dir.path().join("data");
    let agent = Agent::start_with(&data_dir, TEST_CONFIG, None, |command| {
        command
            .env("AWS_SECRET_ACCESS_KEY", "agent-secret-value")
            .env("BRIGHTRUN_TRAINER_EXTRA", "kept")
            .env("HF_HOME", dir.path().join("hf"));
    });
    let sha = agent.upload_dataset().await;
    let id = agent.submit(&sha, tiny_hyperparameters(2, 100)).await;
    let job = agent
        .wait_for(&id, Duration::from_secs(60), |job| job["status"] == "failed")
        .await;
    assert_eq!(job["status"], "failed");
    let job_dir = data_dir.join("jobs").join(&id);
    let args = std::fs::read_to_string(job_dir.join("args.txt")).unwrap();
    assert!(args.starts_with("-I -m brightrun_trainer --job"), "{args}");
    let env = std::fs::read_to_string(job_dir.join("env.txt")).unwrap();
    assert!(
        !env.contains("agent-secret-value"),
        "a secret reached the trainer:\n{env}"
    );
    for wanted in [
        "PATH=",
        "HF_HOME=",
        "BRIGHTRUN_TRAINER_EXTRA=kept",
        "HF_HUB_OFFLINE=1",
        "CUDA_VISIBLE_DEVICES=",
    ] {
        assert!(
            env.lines().any(|l| l.starts_with(wanted)),
            "{wanted} missing:\n{env}"
        );
    }
}
