//! A disk that fills while a job trains: the agent's next database write fails, and the trainer it supervised
//! must be stopped, and its whole process group gone, before the next job is given the device. The data
//! folder is a 48 MiB tmpfs mounted for the test (Linux, as root or with CAP_SYS_ADMIN).

#![cfg(target_os = "linux")]

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{tiny_hyperparameters, Agent};

const CONFIG: &str =
    "cancel_grace_seconds = 3\nmetrics_flush_ms = 100\nmax_concurrent_jobs = 1\ndisk_reserve_bytes = 1048576\n";

/// A tmpfs of a fixed size, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(at)
            .output()
            .expect("run mount");
        assert!(
            output.status.success(),
            "this test mounts a small tmpfs to fill it and needs root (or CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros into `path` until the file system refuses; returns the bytes written.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 256 * 1024];
    let mut written = 0u64;
    while file.write_all(&chunk).is_ok() {
        written += chunk.len() as u64;
    }
    // The last partial blocks too.
    while file.write_all(&chunk[..512]).is_ok() {
        written += 512;
    }
    let _ = file.sync_all();
    written
}

fn trainer_pid(data_dir: &Path, job_id: &str) -> u32 {
    let conn = rusqlite::Connection::open(data_dir.join("agent.sqlite")).unwrap();
    let pid: Option<u32> = conn
        .query_row("SELECT pid FROM jobs WHERE id = ?1", [job_id], |row| row.get(0))
        .unwrap();
    pid.expect("a running job has a pid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_mid_job_stops_the_trainer_before_the_next_job_gets_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let disk = SmallDisk::mount(&data_dir, "48m");
    // The agent's log goes beside the small disk, so the test sees when the runner gave up on the job.
    let log_path = dir.path().join("agent.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut agent = Agent::start_with(&data_dir, CONFIG, None, |command| {
        command.stderr(log);
    });
    let sha = agent.upload_dataset().await;

    let first = agent.submit(&sha, tiny_hyperparameters(100_000, 100_000)).await;
    agent
        .wait_for(&first, Duration::from_secs(120), |job| {
            job["status"] == "running" && job["current_step"].as_u64().unwrap_or(0) > 0
        })
        .await;
    let pid = trainer_pid(&data_dir, &first);
    assert!(brightrun_agent::proc::group_exists(pid), "the first trainer runs");
    let second = agent.submit(&sha, tiny_hyperparameters(2, 100)).await;

    // Fill the disk: the agent's next metrics write fails. Free it a moment later so the agent can go on.
    let filler = data_dir.join("filler");
    let written = tokio::task::spawn_blocking({
        let filler = filler.clone();
        move || fill(&filler)
    })
    .await
    .unwrap();
    assert!(written > 0);
    // The trainer's next report is a database write that now fails, and the runner gives up on the job. Free
    // the disk the moment it says so: from then on the scheduler can hand the device to the second job.
    let full_since = Instant::now();
    loop {
        let said = std::fs::read_to_string(&log_path).unwrap_or_default();
        if said.contains("database or disk is full") && said.contains("runner") {
            break;
        }
        assert!(
            full_since.elapsed() < Duration::from_secs(60),
            "the agent never hit the full disk; its log:\n{said}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    std::fs::remove_file(&filler).unwrap();

    // The moment the second job leaves the queue, the first trainer's group must already be gone.
    let started = Instant::now();
    loop {
        let job = agent.json(&format!("/v1/jobs/{second}")).await;
        if job["status"] != "queued" {
            assert!(
                !brightrun_agent::proc::group_exists(pid),
                "job {second} got the device while the first trainer (group {pid}) still ran"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the second job never started: {job:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first_job = agent.json(&format!("/v1/jobs/{first}")).await;
    assert_eq!(first_job["status"], "failed", "{first_job:#}");
    assert!(!brightrun_agent::proc::group_exists(pid));
    agent.kill9();
    drop(disk);
}
