//! Load bench: 100 concurrent pollers on one job's status and metrics, against the real agent binary on
//! loopback, printing latency percentiles and the agent's CPU time (from /proc/<pid>/stat).
//!
//!   cargo bench -p brightrun-agent --bench poll_load
//!
//! Two phases: a finished job (20 metrics points stored), and a job the real trainer is running on the tiny
//! model (its metrics are being written while the pollers read). Needs the trainer's python like the tests.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{tiny_hyperparameters, Agent, TEST_CONFIG};

const POLLERS: usize = 100;
/// Each poller alternates GET /v1/jobs/{id} and GET /v1/jobs/{id}/metrics?after_step=N.
const REQUESTS_PER_POLLER: usize = 100;
/// Latency target on loopback.
const P99_TARGET: Duration = Duration::from_millis(20);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run_phase(agent: &Agent, label: &str, job_id: &str) -> Duration {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(POLLERS)
        .build()
        .expect("client");
    let status_url = Arc::new(agent.at(&format!("/v1/jobs/{job_id}")));
    let metrics_url = Arc::new(agent.at(&format!("/v1/jobs/{job_id}/metrics?after_step=15")));
    let key = Arc::new(agent.key.clone());
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let cpu_before = brightrun_agent::proc::cpu_ticks(agent.pid()).unwrap_or(0);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..POLLERS {
        let (client, status_url, metrics_url, key) = (
            client.clone(),
            Arc::clone(&status_url),
            Arc::clone(&metrics_url),
            Arc::clone(&key),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(REQUESTS_PER_POLLER);
            let mut failures = 0usize;
            for i in 0..REQUESTS_PER_POLLER {
                let url = if i % 2 == 0 { &status_url } else { &metrics_url };
                let sent = Instant::now();
                let ok = match client.get(url.as_str()).bearer_auth(key.as_str()).send().await {
                    Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                failures += usize::from(!ok);
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await.expect("poller");
        latencies.extend(l);
        failures += f;
    }
    let wall = started.elapsed();
    let cpu =
        (brightrun_agent::proc::cpu_ticks(agent.pid()).unwrap_or(0) - cpu_before) as f64 / ticks_per_second;
    latencies.sort();
    let p50 = percentile(&latencies, 0.50);
    let p99 = percentile(&latencies, 0.99);
    println!(
        "{label}: {} requests from {POLLERS} pollers in {:.2} s ({:.0} req/s), failures {failures}; \
         latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; agent CPU {:.2} s ({:.0} % of one core)",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        cpu,
        cpu / wall.as_secs_f64() * 100.0,
    );
    p99
}

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs this too; only `cargo bench` (which passes --bench) measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let agent = Agent::start(TEST_CONFIG);
    let sha = agent.upload_dataset().await;

    let finished = agent.submit(&sha, tiny_hyperparameters(20, 10)).await;
    let job = agent.wait_until_finished(&finished).await;
    assert_eq!(job["status"], "completed", "{job:#}");
    run_phase(&agent, "warm-up", &finished).await;
    let idle_p99 = run_phase(&agent, "finished job", &finished).await;

    let running = agent.submit(&sha, tiny_hyperparameters(100_000, 100_000)).await;
    agent
        .wait_for(&running, Duration::from_secs(180), |job| {
            job["current_step"].as_u64().unwrap_or(0) >= 2
        })
        .await;
    let busy_p99 = run_phase(&agent, "job being trained (trainer on the same CPU)", &running).await;
    let _ = agent.post(&format!("/v1/jobs/{running}/cancel")).send().await;
    agent.wait_until_finished(&running).await;

    println!(
        "p99 target {} ms: finished job {}, during training {}",
        P99_TARGET.as_millis(),
        if idle_p99 < P99_TARGET { "met" } else { "MISSED" },
        if busy_p99 < P99_TARGET { "met" } else { "MISSED" },
    );
}
