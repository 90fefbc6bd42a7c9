//! Jobs bench (a report, not a test; figures in docs/jobs.md):
//!   1. metrics ingestion into the real SQLite store (synchronous=FULL): row by row (one commit each) against
//!      batched (one IMMEDIATE transaction per poll's worth of points), in the same run;
//!   2. the poller following 100 active jobs on a real agent: 1 running the real trainer on the tiny model and
//!      99 queued behind it (the agent runs one job at a time here), measuring this process's CPU per pass.
//!
//!   cargo bench -p brightrun-core --bench jobs_poller
//!
//! Needs what the jobs tests need: target/debug/brightrun-agent (or BRIGHTRUN_AGENT_BIN) and the trainer's
//! python (BRIGHTRUN_PYTHON or <repo>/.venv/bin/python).

#[path = "../tests/jobs_support/mod.rs"]
mod jobs_support;

#[path = "../tests/store_support/mod.rs"]
mod store_support;

use std::time::{Duration, Instant};

use brightrun_core::cluster::client::MetricsPoint;
use brightrun_core::jobs::{self, FixedClients};
use brightrun_core::store::StoreAccess;
use jobs_support::World;

const ROW_BY_ROW: u64 = 300;
const BATCHED: u64 = 20_000;
const BATCH: u64 = 500;
const JOBS: usize = 100;
const PASSES: u32 = 20;

/// CPU seconds (user + system) this process has used.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn point(step: u64) -> MetricsPoint {
    MetricsPoint {
        step,
        epoch: Some(step as f64 / 100.0),
        train_loss: Some(2.0 - step as f64 * 1e-5),
        val_loss: step.is_multiple_of(50).then_some(2.1),
        learning_rate: Some(2e-4),
        grad_norm: Some(0.7),
        tokens_per_second: Some(1500.0),
        gpu_utilization: Some(97.0),
        gpu_memory_gb: Some(21.5),
        timestamp: "2026-11-22T00:00:00.000Z".into(),
    }
}

fn ingestion() {
    let (_dir, store) = store_support::temp_store();
    let dataset = store_support::insert(&store, "bench", None, 1);
    let job = store
        .training_jobs()
        .insert_submitting(&brightrun_core::store::training_jobs::NewTrainingJob {
            cluster_id: "bench".into(),
            name: "bench".into(),
            dataset_id: dataset.id,
            dataset_sha256: "0".repeat(64),
            base_model: "tiny".into(),
            hyperparameters: Default::default(),
            gpu_type: "cpu".into(),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 1.0,
            estimate: None,
            retry_of: None,
            validation_sha256: None,
            split: None,
            skipped_invalid: 0,
        })
        .expect("job");

    let start = Instant::now();
    for step in 1..=ROW_BY_ROW {
        store.metrics().upsert(&job.id, &[point(step)]).expect("row");
    }
    let single = ROW_BY_ROW as f64 / start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut step = ROW_BY_ROW;
    while step < ROW_BY_ROW + BATCHED {
        let points: Vec<MetricsPoint> = (step + 1..=step + BATCH).map(point).collect();
        store
            .immediate(|s| s.metrics().upsert(&job.id, &points))
            .expect("batch");
        step += BATCH;
    }
    let batched = BATCHED as f64 / start.elapsed().as_secs_f64();
    assert_eq!(store.metrics().count(&job.id).unwrap(), ROW_BY_ROW + BATCHED);
    println!("metrics ingestion (SQLite file, synchronous=FULL, WAL):");
    println!("  row by row ({ROW_BY_ROW} rows, one commit each): {single:>10.0} rows/s");
    println!(
        "  batched ({BATCHED} rows, {BATCH} per transaction):   {batched:>10.0} rows/s ({:.0}×)",
        batched / single
    );
}

async fn poller() {
    // One job at a time: the first trains for real, the other 99 wait in the agent's queue.
    let world = World::new("max_concurrent_jobs = 1\n");
    let client = world.client();
    let mut ids = Vec::new();
    for i in 0..JOBS {
        let mut request = world.request(if i == 0 { 400 } else { 10 });
        request.name = Some(format!("bench {i}"));
        let launched = jobs::launch(&world.store, &world.data_dir, &client, request, &mut |_| {})
            .await
            .expect("launch");
        ids.push(launched.job.id);
    }
    let mut poller = world.poller(Duration::from_secs(5));
    // Warm up until the first job is training and writing points, so the passes measure a live run.
    for _ in 0..600 {
        poller.poll_once().await.expect("pass");
        if world.store.with_store(|s| s.metrics().count(&ids[0])).unwrap() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cpu = cpu_seconds();
    let start = Instant::now();
    let mut polled = 0;
    for _ in 0..PASSES {
        polled += poller.poll_once().await.expect("pass").polled;
    }
    let wall = start.elapsed().as_secs_f64() / f64::from(PASSES);
    let cpu_per_pass = (cpu_seconds() - cpu) / f64::from(PASSES);
    let points = world.store.with_store(|s| s.metrics().count(&ids[0])).unwrap();
    println!(
        "poller, {JOBS} active jobs on a real agent (1 training, {} queued), {PASSES} passes back to back:",
        JOBS - 1
    );
    println!(
        "  jobs polled per pass:      {:.0}",
        polled as f64 / f64::from(PASSES)
    );
    println!("  wall time per pass:        {:.1} ms", wall * 1000.0);
    println!("  CPU per pass (this process): {:.1} ms", cpu_per_pass * 1000.0);
    println!(
        "  CPU at the 5 s interval:   {:.2} % of one core",
        cpu_per_pass / 5.0 * 100.0
    );
    println!("  points stored for the training job so far: {points}");
    let clients = FixedClients::new().with(world.cluster_id.clone(), client);
    for id in &ids {
        let _ = jobs::cancel_job(&world.store, &clients, id, Some("bench over")).await;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and a
    // minutes-long report with a training run has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        println!("jobs_poller: a report; run it with `cargo bench -p brightrun-core --bench jobs_poller`");
        return;
    }
    ingestion();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(poller());
}
