//! The agent under a connection flood, on loopback only: 1,100 idle sockets plus a bounded flood of wrong
//! keys, with the open-files soft limit at 1,024 (a common default). Health still answers within a second,
//! idle sockets are closed after the header-read timeout, and a job still starts and completes.

mod support;

use std::io::Read as _;
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::time::{Duration, Instant};

use support::{tiny_hyperparameters, Agent};

const IDLE_SOCKETS: usize = 1_100;
const CONFIG: &str = "cancel_grace_seconds = 10\nmetrics_flush_ms = 200\nheader_read_timeout_seconds = 3\n";

/// Sets the soft open-files limit of the agent to 1,024, the default on many desktops, so the test shows
/// the agent raising it itself.
fn low_fd_limit(command: &mut std::process::Command) {
    // SAFETY: only async-signal-safe libc calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let mut limit: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
                limit.rlim_cur = limit.rlim_cur.min(1024);
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
            Ok(())
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_answers_and_jobs_start_while_1100_idle_sockets_and_a_wrong_key_flood_are_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut agent = Agent::start_with(&dir.path().join("data"), CONFIG, None, low_fd_limit);
    let sha = agent.upload_dataset().await;
    let address = agent.url.trim_start_matches("http://").to_string();

    // The test itself needs room for its sockets (the hard limit is high enough on every CI machine we use).
    raise_own_fd_limit(IDLE_SOCKETS as u64 + 512);
    let idle: Vec<TcpStream> = (0..IDLE_SOCKETS)
        .map(|i| TcpStream::connect(&address).unwrap_or_else(|e| panic!("connection {i}: {e}")))
        .collect();

    // A bounded flood of wrong keys from 8 workers, 150 requests each, all distinct keys.
    let flood = (0..8)
        .map(|worker| {
            let url = agent.at("/v1/capabilities");
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut refused = 0;
                for i in 0..150 {
                    let response = client
                        .get(&url)
                        .bearer_auth(format!("brk_wrong_{worker}_{i}"))
                        .send()
                        .await;
                    if response.is_ok_and(|r| r.status() == 401) {
                        refused += 1;
                    }
                }
                refused
            })
        })
        .collect::<Vec<_>>();

    let health_client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for _ in 0..5 {
        let started = Instant::now();
        let response = health_client
            .get(agent.at("/v1/health"))
            .send()
            .await
            .expect("health answers while the flood runs");
        let took = started.elapsed();
        assert_eq!(response.status(), 200);
        assert!(took < Duration::from_secs(1), "health took {took:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A job still starts: the trainer needs descriptors of its own (pipes, files) beside the 1,100 sockets.
    let id = agent.submit(&sha, tiny_hyperparameters(4, 100)).await;
    for worker in flood {
        assert_eq!(worker.await.unwrap(), 150, "every wrong key gets 401");
    }
    let job = agent.wait_until_finished(&id).await;
    assert_eq!(job["status"], "completed", "{job:#}");

    // The idle sockets never sent a request: the header-read timeout (3 s here) has closed them.
    for (i, mut socket) in idle.into_iter().enumerate().step_by(97) {
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut byte = [0u8; 1];
        let read = socket.read(&mut byte);
        assert!(
            matches!(read, Ok(0))
                || read
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "idle socket {i} still open: {read:?}"
        );
    }
    agent.kill9();
}

fn raise_own_fd_limit(wanted: u64) {
    // SAFETY: getrlimit/setrlimit with an owned struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        if (limit.rlim_cur as u64) < wanted {
            limit.rlim_cur = (wanted as libc::rlim_t).min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
