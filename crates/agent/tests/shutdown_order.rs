//! The agent's shutdown order on SIGTERM (docs/agent.md): it stops scheduling, tells its trainers to checkpoint
//! and stop while HTTP still answers on open connections (so a client sees the job go back to the queue), and
//! only then drains open requests, for a bounded time: a request that never ends does not keep it alive.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{tiny_hyperparameters, Agent};

/// Drain bound of this test's agent, in seconds.
const DRAIN: u64 = 3;

/// One HTTP/1.1 keep-alive connection, spoken by hand so the test knows it is the same socket throughout
/// (the agent stops accepting new ones at the signal; open ones keep answering until the drain).
struct Connection {
    reader: BufReader<TcpStream>,
    key: String,
}

impl Connection {
    fn open(agent: &Agent) -> Self {
        let address = agent.url.trim_start_matches("http://");
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Connection {
            reader: BufReader::new(stream),
            key: agent.key.clone(),
        }
    }

    /// `GET path` on this connection: the status and the JSON body; `None` once the agent closed it.
    fn get(&mut self, path: &str) -> Option<(u16, Value)> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer {}\r\n\r\n",
            self.key
        );
        self.reader.get_mut().write_all(request.as_bytes()).ok()?;
        let mut status_line = String::new();
        if self.reader.read_line(&mut status_line).ok()? == 0 {
            return None;
        }
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {status_line:?}"));
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            self.reader.read_line(&mut header).expect("header");
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("content-length");
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        Some((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
    }
}

#[tokio::test]
async fn sigterm_stops_scheduling_checkpoints_trainers_then_drains_with_a_bound() {
    let mut agent = Agent::start(&format!(
        "cancel_grace_seconds = 60\nmetrics_flush_ms = 200\nshutdown_drain_seconds = {DRAIN}\n"
    ));
    let sha = agent.upload_dataset().await;
    // A long run (no checkpoint of its own: save_steps is far away) and a second job queued behind it (the
    // CPU is one device).
    let mut long = tiny_hyperparameters(100_000, 100_000);
    long["num_epochs"] = json!(10);
    long["batch_size"] = json!(1);
    let running = agent.submit(&sha, long.clone()).await;
    let waiting = agent.submit(&sha, long).await;
    agent
        .wait_for(&running, Duration::from_secs(180), |job| {
            job["status"] == "running" && job["current_step"].as_u64().unwrap_or(0) >= 1
        })
        .await;
    assert_eq!(
        agent.json(&format!("/v1/jobs/{waiting}")).await["status"],
        "queued"
    );

    let mut watch = Connection::open(&agent);
    assert_eq!(watch.get("/v1/health").map(|(status, _)| status), Some(200));
    // A request that never ends: an upload whose body stops after a few bytes of the announced million.
    let mut hanging = TcpStream::connect(agent.url.trim_start_matches("http://")).unwrap();
    write!(
        hanging,
        "PUT /v1/datasets/{} HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\nsome bytes",
        "ab".repeat(32),
        agent.key
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    agent.sigterm();
    let signalled = Instant::now();

    // 1. Trainers first, with HTTP up: while the running job's trainer checkpoints and stops (seconds), the open
    //    connection keeps answering, and the job is still seen running. Drained first, the agent would close
    //    this idle connection at once.
    let mut answered_while_running = 0;
    let trainers_stopped = loop {
        let Some((status, job)) = watch.get(&format!("/v1/jobs/{running}")) else {
            // The drain began: idle connections are closed.
            break Instant::now();
        };
        assert_eq!(status, 200, "{job}");
        if job["status"] == "running" {
            answered_while_running += 1;
        } else {
            assert_eq!(job["status"], "queued", "{job}");
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(90),
            "the trainer did not stop: {job}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        answered_while_running >= 1,
        "no answer on the open connection while the trainer was stopping"
    );

    // 2. Then the drain, bounded: the hanging upload does not keep the agent alive past DRAIN seconds.
    let exited = agent
        .wait_exit(Duration::from_secs(DRAIN + 30))
        .expect("the agent did not exit after its drain bound");
    let draining = exited.duration_since(trainers_stopped);
    assert!(
        draining < Duration::from_secs(DRAIN + 4),
        "the agent took {draining:?} after its trainers stopped (drain bound {DRAIN} s)"
    );
    drop(hanging);

    // 3. Read back on the next start: the running job checkpointed where it stopped and went back to the queue;
    //    the queued one never started (scheduling stopped at the signal, though the device was free again).
    let agent = agent.restart();
    let checkpoints = agent.json(&format!("/v1/jobs/{running}/checkpoints")).await;
    assert!(
        !checkpoints["checkpoints"].as_array().unwrap().is_empty(),
        "the trainer saved where it stopped: {checkpoints}"
    );
    let log = agent.json(&format!("/v1/jobs/{running}/logs")).await;
    assert!(
        log["text"]
            .as_str()
            .unwrap_or("")
            .contains("the agent is shutting down: sending SIGTERM"),
        "{log}"
    );
    let log = agent.json(&format!("/v1/jobs/{waiting}/logs")).await;
    assert_eq!(
        log["text"], "",
        "the queued job started during the shutdown: {log}"
    );
}
