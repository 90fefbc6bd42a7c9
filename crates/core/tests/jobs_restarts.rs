//! Restarts in the middle of a job, against a real agent and trainer: the agent killed (-9) and restarted,
//! and the app's poller dropped and started again on a reopened database. Either way the stored metrics end
//! up exactly the agent's: no point lost, none stored twice.

mod jobs_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use brightrun_core::jobs::{self, JobEvent};
use brightrun_core::store::training_jobs::{JobStatus, TrainingJob};
use brightrun_core::store::{Store, StoreAccess};
use jobs_support::{agent_points, assert_same_points, drain, World};

fn job(world: &World, id: &str) -> TrainingJob {
    world
        .store
        .with_store(|s| s.training_jobs().get(id))
        .expect("job")
}

async fn poll_until(
    poller: &mut jobs::Poller,
    world: &World,
    id: &str,
    done: impl Fn(&TrainingJob) -> bool,
) -> TrainingJob {
    for _ in 0..2400 {
        poller.poll_once().await.expect("poll pass");
        let job = job(world, id);
        if done(&job) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} never reached the expected state");
}

fn ended(job: &TrainingJob) -> bool {
    job.status.is_finished()
        && (job.status != JobStatus::Completed
            || matches!(job.artifacts_status.as_deref(), Some("ready" | "failed")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_killed_mid_job_is_backed_off_then_followed_again_without_lost_or_duplicated_points() {
    let mut world = World::new("");
    let mut request = world.request(12);
    // Longer steps, a checkpoint every 2: the job is surely mid-run when it is killed, and resumes.
    request.hyperparameters.gradient_accumulation = 4;
    request.hyperparameters.save_steps = Some(2);
    let launched = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        request,
        &mut |_| {},
    )
    .await
    .expect("launch");
    let id = launched.job.id;
    let mut poller = world.poller(Duration::from_millis(200));
    let mut events = poller.subscribe();
    let before = poll_until(&mut poller, &world, &id, |j| {
        j.current_step >= 3 || j.status.is_finished()
    })
    .await;
    assert_eq!(
        before.status,
        JobStatus::Running,
        "the job ended before the kill: {before:#?}"
    );
    let points_before = world.store.with_store(|s| s.metrics().count(&id)).unwrap();
    assert!(points_before > 0);

    world.agent.as_mut().unwrap().kill9();
    let summary = poller.poll_once().await.unwrap();
    assert_eq!(summary.unreachable, 1);
    let down = job(&world, &id);
    let since = down
        .unreachable_since
        .clone()
        .expect("unreachable_since recorded");
    assert_eq!(
        down.status,
        JobStatus::Running,
        "an unreachable job keeps its last known status"
    );
    assert!(drain(&mut events)
        .iter()
        .any(|e| matches!(e, JobEvent::Unreachable { job_id, .. } if *job_id == id)));
    // Within the backoff the cluster is not tried again, and the first failure's time is kept.
    let summary = poller.poll_once().await.unwrap();
    assert_eq!((summary.polled, summary.unreachable), (0, 1));
    assert_eq!(
        job(&world, &id).unreachable_since.as_deref(),
        Some(since.as_str())
    );

    let agent = world.agent.take().unwrap().restart();
    world.agent = Some(agent);
    let done = poll_until(&mut poller, &world, &id, ended).await;
    assert!(
        done.unreachable_since.is_none(),
        "cleared once the cluster answered"
    );
    assert!(
        done.status == JobStatus::Completed
            || (done.status == JobStatus::Failed && done.error_kind.as_deref() == Some("agent_restarted")),
        "{done:#?}"
    );
    let stored = world.store.with_store(|s| s.metrics().list(&id)).unwrap();
    let agent = agent_points(&world.client(), done.remote_job_id.as_deref().unwrap()).await;
    // The steps the resumed run repeated were re-read after the agent replaced them: the stored points are
    // the agent's, values included.
    assert_same_points(&stored, &agent);
    assert!(stored.len() as u64 > points_before);
    if done.status == JobStatus::Completed {
        assert_eq!(stored.last().map(|p| p.step), Some(12));
        assert!(world
            .store
            .with_store(|s| s.model_artifacts().by_job(&id))
            .unwrap()
            .is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_restarted_on_a_reopened_database_picks_up_with_no_lost_or_duplicated_points() {
    let mut world = World::new("");
    let launched = jobs::launch(
        &world.store,
        &world.data_dir,
        &world.client(),
        world.request(8),
        &mut |_| {},
    )
    .await
    .expect("launch");
    let id = launched.job.id;

    // The background loop, as the app runs it, until a few points are in.
    let handle = world.poller(Duration::from_millis(200)).spawn();
    let mut events = handle.subscribe();
    let mut seen = 0;
    while seen < 3 {
        match events.recv().await {
            Ok(JobEvent::Metrics { points, .. }) => seen += points.len(),
            Ok(JobEvent::StatusChanged { to, .. }) if to.is_finished() => break,
            Ok(_) => {}
            Err(e) => panic!("event stream ended: {e}"),
        }
    }
    handle.stop().await;
    let partial = world.store.with_store(|s| s.metrics().count(&id)).unwrap();
    assert!(partial >= 3 || job(&world, &id).status.is_finished());

    // The process goes away: its connection is closed, and a new one opens the same file.
    world.store = Arc::new(Mutex::new(Store::open(&world.data_dir).expect("reopen")));
    let mut poller = world.poller(Duration::from_millis(200));
    let done = poll_until(&mut poller, &world, &id, ended).await;
    assert_eq!(done.status, JobStatus::Completed, "{done:#?}");
    let stored = world.store.with_store(|s| s.metrics().list(&id)).unwrap();
    let agent = agent_points(&world.client(), done.remote_job_id.as_deref().unwrap()).await;
    assert_same_points(&stored, &agent);
    assert_eq!(stored.last().map(|p| p.step), Some(8));
    assert!(world
        .store
        .with_store(|s| s.model_artifacts().by_job(&id))
        .unwrap()
        .is_some());
}
