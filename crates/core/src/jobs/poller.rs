//! The background poller (Atuin-style): a `tokio::time::interval` with `MissedTickBehavior::Skip`, a
//! `select!` on a command channel (poll now, stop) and on the interval (changed from Settings without a
//! restart), exponential backoff with jitter per cluster that resets on success, one shared HTTP client, and a
//! graceful stop.
//!
//! Each pass follows every job that is submitted and not finished (plus completed ones whose adapter is not
//! downloaded yet): see `sync` for what one poll records. A completed job's adapter is downloaded in a task
//! of its own, so a large download never delays the other jobs' polls.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};

use super::events::JobEvent;
use super::sync::{sync_job, Resync, Synced};
use super::{db, download_model, resume_submission, Backoff, ClientSource, JobsError, Notifier, SharedStore};
use crate::cluster::{ClientError, ClusterClient};
use crate::store::notifications::Notification;
use crate::store::training_jobs::{JobStatus, TrainingJob};

/// A launch younger than this may still be uploading in another process; older ones were interrupted and
/// are resubmitted (safe either way: the stored idempotency key never makes a second job).
const SUBMIT_GRACE: chrono::Duration = chrono::Duration::minutes(2);

/// Events kept for a slow subscriber before it starts missing some (it then reads the store again).
const EVENT_BUFFER: usize = 1024;

/// How the poller paces itself.
#[derive(Clone, Debug)]
pub struct PollerConfig {
    /// The data folder (adapters are downloaded into its `models/`).
    pub data_dir: PathBuf,
    /// Time between two passes (the `polling_interval_secs` setting).
    pub interval: Duration,
    /// First wait after a cluster stopped answering; doubles on each failure.
    pub backoff_base: Duration,
    /// Longest wait between two tries of an unreachable cluster.
    pub backoff_max: Duration,
}

impl PollerConfig {
    /// A pass every `interval`; an unreachable cluster is retried after about `interval`, doubling up to
    /// five minutes.
    pub fn new(data_dir: PathBuf, interval: Duration) -> Self {
        Self {
            data_dir,
            interval,
            backoff_base: interval,
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// Jobs polled with an answer.
    pub polled: usize,
    /// Jobs skipped or failed because their cluster did not answer (or is backing off).
    pub unreachable: usize,
    /// Jobs still followed after the pass (not finished, or adapter not downloaded).
    pub remaining: usize,
}

/// What a finished download task hands back: its job, and the model id with its notification.
type DownloadOutcome = (String, Result<(String, Option<Notification>), JobsError>);

enum Command {
    PollNow,
    Stop,
}

/// Consecutive 404s after which a followed job counts as lost by its cluster.
pub const LOST_AFTER: u32 = 3;

fn is_unauthorized(err: &JobsError) -> bool {
    matches!(err, JobsError::Cluster(ClientError::Unauthorized { .. }))
}

fn api_status(err: &JobsError) -> Option<u16> {
    match err {
        JobsError::Cluster(ClientError::Api(failure)) => Some(failure.status),
        _ => None,
    }
}

struct ClusterState {
    backoff: Backoff,
    retry_at: Option<Instant>,
}

/// Follows the active jobs of a store. Use [`Poller::spawn`] for the background loop, or
/// [`Poller::poll_once`] to run single passes.
pub struct Poller {
    store: SharedStore,
    clients: Arc<dyn ClientSource>,
    notifier: Arc<dyn Notifier>,
    events: broadcast::Sender<JobEvent>,
    config: PollerConfig,
    clusters: HashMap<String, ClusterState>,
    downloads: JoinSet<DownloadOutcome>,
    downloading: HashSet<String>,
    resyncs: HashMap<String, Resync>,
    /// Consecutive 404s of each followed job (see `LOST_AFTER`).
    missing: HashMap<String, u32>,
}

/// The handle of a spawned poller: poll now, change the interval, subscribe to events, stop.
pub struct PollerHandle {
    commands: mpsc::Sender<Command>,
    /// The time between passes the loop follows; a new value takes effect at once (the Settings page).
    interval: watch::Sender<Duration>,
    events: broadcast::Sender<JobEvent>,
    task: JoinHandle<()>,
}

impl Poller {
    /// A poller over `store`, getting cluster clients from `clients` and delivering notifications through
    /// `notifier`.
    pub fn new(
        store: SharedStore,
        clients: Arc<dyn ClientSource>,
        notifier: Arc<dyn Notifier>,
        config: PollerConfig,
    ) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Self {
            store,
            clients,
            notifier,
            events,
            config,
            clusters: HashMap::new(),
            downloads: JoinSet::new(),
            downloading: HashSet::new(),
            resyncs: HashMap::new(),
            missing: HashMap::new(),
        }
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    /// One pass over the followed jobs, then waits for the adapter downloads it started.
    pub async fn poll_once(&mut self) -> Result<PassSummary, JobsError> {
        let mut summary = self.pass().await?;
        while let Some(done) = self.downloads.join_next().await {
            self.finish_download(done).await;
        }
        summary.remaining = db::with(&self.store, |s| s.training_jobs().to_poll())
            .await?
            .len();
        Ok(summary)
    }

    /// Runs the loop in a task until [`PollerHandle::stop`].
    pub fn spawn(self) -> PollerHandle {
        let (commands, receiver) = mpsc::channel(16);
        let (interval, every) = watch::channel(self.config.interval);
        let events = self.events.clone();
        let task = tokio::spawn(self.run(receiver, every));
        PollerHandle {
            commands,
            interval,
            events,
            task,
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>, mut every: watch::Receiver<Duration>) {
        let mut interval = tokio::time::interval(self.config.interval);
        // After a long pass (or a suspended laptop) skip the missed ticks instead of polling in a burst.
        interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = interval.tick() => self.pass_logged().await,
                Ok(()) = every.changed() => {
                    // A new interval counts from now: going from an hour to 5 s polls in 5 s, not in an hour.
                    let period = *every.borrow_and_update();
                    self.config.interval = period;
                    interval = tokio::time::interval_at(Instant::now() + period, period);
                    interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
                }
                command = commands.recv() => match command {
                    Some(Command::PollNow) => self.pass_logged().await,
                    Some(Command::Stop) | None => break,
                },
                Some(done) = self.downloads.join_next(), if !self.downloads.is_empty() => {
                    self.finish_download(done).await;
                }
            }
        }
        // Graceful stop: an unfinished download keeps its `.part` file and resumes on the next start.
        self.downloads.abort_all();
        while self.downloads.join_next().await.is_some() {}
    }

    async fn pass_logged(&mut self) {
        if let Err(err) = self.pass().await {
            tracing::warn!("poll pass failed: {err}");
        }
    }

    async fn pass(&mut self) -> Result<PassSummary, JobsError> {
        self.resume_interrupted_launches().await?;
        let jobs = db::with(&self.store, |s| s.training_jobs().to_poll()).await?;
        let mut by_cluster: HashMap<String, Vec<TrainingJob>> = HashMap::new();
        for job in jobs {
            by_cluster.entry(job.cluster_id.clone()).or_default().push(job);
        }
        let mut summary = PassSummary::default();
        let now = Instant::now();
        for (cluster_id, jobs) in by_cluster {
            let state = self.cluster_state(&cluster_id);
            if state.retry_at.is_some_and(|at| at > now) {
                summary.unreachable += jobs.len();
                continue;
            }
            let clients = Arc::clone(&self.clients);
            let id = cluster_id.clone();
            let client = tokio::task::spawn_blocking(move || clients.client(&id))
                .await
                .map_err(|e| JobsError::Task(e.to_string()))?;
            let client = match client {
                Ok(client) => client,
                Err(err) => {
                    tracing::warn!(cluster = %cluster_id, "no client for the cluster: {err}");
                    self.back_off(&cluster_id, &jobs, &err).await;
                    summary.unreachable += jobs.len();
                    continue;
                }
            };
            let mut reachable = true;
            for job in &jobs {
                if !reachable {
                    summary.unreachable += 1;
                    continue;
                }
                if job.status == JobStatus::Completed {
                    self.start_download(&client, job);
                    summary.polled += 1;
                    continue;
                }
                let resync = self.resyncs.get(&job.id).copied();
                match sync_job(&self.store, &client, job, resync).await {
                    Ok(synced) => {
                        self.missing.remove(&job.id);
                        match synced.resync {
                            Some(r) => self.resyncs.insert(job.id.clone(), r),
                            None => self.resyncs.remove(&job.id),
                        };
                        self.cluster_state(&cluster_id).backoff.reset();
                        self.cluster_state(&cluster_id).retry_at = None;
                        if synced.after.status == JobStatus::Completed
                            && synced.after.artifacts_status.as_deref() != Some("ready")
                        {
                            self.start_download(&client, &synced.after);
                        }
                        self.publish(synced);
                        summary.polled += 1;
                    }
                    Err(err) if err.is_unreachable() => {
                        self.clients.forget(&cluster_id);
                        self.back_off(&cluster_id, &jobs, &err).await;
                        reachable = false;
                        summary.unreachable += 1;
                    }
                    Err(err) if is_unauthorized(&err) => {
                        // A rotated or revoked key: say so on the cluster (the UI offers to enter a new key)
                        // and stop asking with the old one until the backoff has passed.
                        self.clients.forget(&cluster_id);
                        self.key_rejected(&cluster_id, &err).await;
                        self.delay_cluster(&cluster_id);
                        reachable = false;
                        summary.unreachable += 1;
                    }
                    Err(err) => {
                        // One job's error (the cluster lost it, an unreadable answer) must not stop the others,
                        // but the cluster is asked again only after its backoff.
                        tracing::warn!(job = %job.id, "poll failed: {err}");
                        self.delay_cluster(&cluster_id);
                        if api_status(&err) == Some(404) {
                            self.note_missing(job).await;
                        }
                    }
                }
            }
        }
        Ok(summary)
    }

    /// Finishes launches a crashed process left in `submitting` (upload, then submit with the stored key).
    async fn resume_interrupted_launches(&mut self) -> Result<(), JobsError> {
        let cutoff = crate::store::time::format(chrono::Utc::now() - SUBMIT_GRACE);
        let stale = db::with(&self.store, move |s| s.training_jobs().stale_submissions(&cutoff)).await?;
        let now = Instant::now();
        for job in stale {
            if self
                .cluster_state(&job.cluster_id)
                .retry_at
                .is_some_and(|at| at > now)
            {
                continue;
            }
            let clients = Arc::clone(&self.clients);
            let cluster_id = job.cluster_id.clone();
            let client = tokio::task::spawn_blocking(move || clients.client(&cluster_id))
                .await
                .map_err(|e| JobsError::Task(e.to_string()))?;
            let outcome = match client {
                Ok(client) => {
                    resume_submission(&self.store, &self.config.data_dir, &client, &job.id, &mut |_| {}).await
                }
                Err(err) => Err(err),
            };
            match outcome {
                Ok(resumed) => tracing::info!(job = %resumed.id, "finished an interrupted launch"),
                Err(err) if err.is_unreachable() => {
                    self.back_off(&job.cluster_id, std::slice::from_ref(&job), &err)
                        .await;
                }
                Err(JobsError::DatasetNotReady { reason, .. }) => {
                    // Its dataset is gone or changed: the launch can never finish.
                    let id = job.id.clone();
                    db::with(&self.store, move |s| {
                        s.training_jobs().fail_launch(
                            &id,
                            &format!("the launch was interrupted and cannot be finished: {reason}"),
                            None,
                        )
                    })
                    .await?;
                }
                Err(err) => tracing::warn!(job = %job.id, "cannot finish an interrupted launch: {err}"),
            }
        }
        Ok(())
    }

    /// Puts off the cluster's next poll by its backoff (it resets on the next success).
    fn delay_cluster(&mut self, cluster_id: &str) {
        let state = self.cluster_state(cluster_id);
        let delay = state.backoff.next_delay();
        state.retry_at = Some(Instant::now() + delay);
    }

    /// Records on the cluster that it refused its key (status `unauthorized`, shown by the app and
    /// `cluster list`, until a test or a new key succeeds).
    async fn key_rejected(&self, cluster_id: &str, err: &JobsError) {
        let (id, message) = (cluster_id.to_string(), format!("key rejected: {err}"));
        let recorded = db::with(&self.store, move |s| {
            s.clusters().record_test(
                &id,
                &crate::store::ClusterTest {
                    status: crate::store::ClusterStatus::Unauthorized,
                    error: Some(&message),
                    capabilities: None,
                },
            )
        })
        .await;
        if let Err(e) = recorded {
            tracing::warn!("cannot record a rejected key: {e}");
        }
    }

    /// Counts a 404 for a followed job; after `LOST_AFTER` in a row the job is failed with `cluster_lost`
    /// and a notification, instead of showing "running" for ever.
    async fn note_missing(&mut self, job: &TrainingJob) {
        let count = self.missing.entry(job.id.clone()).or_insert(0);
        *count += 1;
        if *count < LOST_AFTER {
            return;
        }
        self.missing.remove(&job.id);
        let (id, name, from) = (job.id.clone(), job.name.clone(), job.status);
        let failed = db::with(&self.store, move |s| {
            s.immediate(|s| {
                let message = "the cluster no longer knows this job (it answered 404 several times)";
                if !s.training_jobs().fail_lost(&id, message)? {
                    return Ok(None);
                }
                s.notifications()
                    .record(&crate::store::notifications::NewNotification {
                        kind: crate::store::notifications::NotificationKind::JobFailed,
                        priority: crate::store::notifications::Priority::High,
                        title: format!("{name} was lost by its cluster"),
                        body: message.to_string(),
                        job_id: Some(id.clone()),
                        once_key: Some(format!("cluster_lost:{id}")),
                    })
            })
        })
        .await;
        match failed {
            Ok(notification) => {
                let _ = self.events.send(JobEvent::StatusChanged {
                    job_id: job.id.clone(),
                    from,
                    to: JobStatus::Failed,
                });
                if let Some(notification) = notification {
                    self.notifier.deliver(&notification);
                    let _ = self.events.send(JobEvent::Notification(notification));
                }
            }
            Err(e) => tracing::warn!(job = %job.id, "cannot fail a lost job: {e}"),
        }
    }

    fn cluster_state(&mut self, cluster_id: &str) -> &mut ClusterState {
        let (base, max) = (self.config.backoff_base, self.config.backoff_max);
        self.clusters
            .entry(cluster_id.to_string())
            .or_insert_with(|| ClusterState {
                backoff: Backoff::new(base, max),
                retry_at: None,
            })
    }

    /// Records that a cluster did not answer: its jobs get `unreachable_since`, and it is not tried again
    /// before its backoff has passed.
    async fn back_off(&mut self, cluster_id: &str, jobs: &[TrainingJob], err: &JobsError) {
        let state = self.cluster_state(cluster_id);
        let delay = state.backoff.next_delay();
        state.retry_at = Some(Instant::now() + delay);
        let since = crate::store::time::now();
        let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
        let at = since.clone();
        let marked = db::with(&self.store, move |s| {
            s.immediate(|s| {
                for id in &ids {
                    s.training_jobs().mark_unreachable(id, &at)?;
                }
                Ok(())
            })
        })
        .await;
        if let Err(e) = marked {
            tracing::warn!("cannot record an unreachable cluster: {e}");
        }
        for job in jobs {
            let _ = self.events.send(JobEvent::Unreachable {
                job_id: job.id.clone(),
                cluster_id: cluster_id.to_string(),
                since: job.unreachable_since.clone().unwrap_or_else(|| since.clone()),
                message: err.to_string(),
                retry_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            });
        }
    }

    fn publish(&self, synced: Synced) {
        let Synced {
            before,
            after,
            points,
            log,
            notifications,
            ..
        } = synced;
        // A send error only means nobody listens right now.
        if !points.is_empty() {
            let _ = self.events.send(JobEvent::Metrics {
                job_id: after.id.clone(),
                points,
            });
        }
        if !log.is_empty() {
            let _ = self.events.send(JobEvent::Log {
                job_id: after.id.clone(),
                text: log,
            });
        }
        let moved = before.progress != after.progress
            || before.current_step != after.current_step
            || before.stage != after.stage
            || before.cost_usd != after.cost_usd
            || before.status != after.status;
        if moved {
            let _ = self.events.send(JobEvent::Progress {
                job_id: after.id.clone(),
                status: after.status,
                stage: after.stage.clone(),
                progress: after.progress,
                current_step: after.current_step,
                total_steps: after.total_steps,
                cost_usd: after.cost_usd,
            });
        }
        // After the points: a reader sees a run's last points before it sees it end.
        if before.status != after.status {
            let _ = self.events.send(JobEvent::StatusChanged {
                job_id: after.id.clone(),
                from: before.status,
                to: after.status,
            });
        }
        for notification in notifications {
            self.notifier.deliver(&notification);
            let _ = self.events.send(JobEvent::Notification(notification));
        }
    }

    fn start_download(&mut self, client: &ClusterClient, job: &TrainingJob) {
        if !self.downloading.insert(job.id.clone()) {
            return;
        }
        let store = Arc::clone(&self.store);
        let data_dir = self.config.data_dir.clone();
        let client = client.clone();
        let events = self.events.clone();
        let job_id = job.id.clone();
        self.downloads.spawn(async move {
            let mut on_event = |event: JobEvent| {
                let _ = events.send(event);
            };
            let result = download_model(&store, &data_dir, &client, &job_id, &mut on_event)
                .await
                .map(|(model, notification)| (model.id, notification));
            (job_id, result)
        });
    }

    async fn finish_download(&mut self, done: Result<DownloadOutcome, tokio::task::JoinError>) {
        let Ok((job_id, result)) = done else {
            return; // aborted on stop; the download resumes on the next start
        };
        self.downloading.remove(&job_id);
        match result {
            Ok((model_id, notification)) => {
                let _ = self.events.send(JobEvent::ModelReady {
                    job_id: job_id.clone(),
                    model_id,
                });
                if let Some(notification) = notification {
                    self.notifier.deliver(&notification);
                    let _ = self.events.send(JobEvent::Notification(notification));
                }
            }
            Err(err) => {
                // Unreachable: stays `downloading` and is retried on the next pass. Anything else (a corrupt
                // file twice, a disk error) is kept as `failed` with its reason.
                let message = err.to_string();
                if !err.is_unreachable() {
                    let (id, text) = (job_id.clone(), message.clone());
                    let recorded = db::with(&self.store, move |s| {
                        s.training_jobs().set_artifacts_status(&id, "failed", Some(&text))
                    })
                    .await;
                    if let Err(e) = recorded {
                        tracing::warn!("cannot record a failed download: {e}");
                    }
                }
                let _ = self.events.send(JobEvent::DownloadFailed { job_id, message });
            }
        }
    }
}

impl PollerHandle {
    /// Asks for a pass now (e.g. the user opened a job's page); ignored if the poller has stopped.
    pub async fn poll_now(&self) {
        let _ = self.commands.send(Command::PollNow).await;
    }

    /// Changes the time between passes at once (the next pass comes `every` from now); the user changed the
    /// `polling_interval_secs` setting. Ignored by a stopped poller.
    pub fn set_interval(&self, every: Duration) {
        self.interval.send_replace(every);
    }

    /// The time between passes the loop follows now.
    pub fn interval(&self) -> Duration {
        *self.interval.borrow()
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    /// Stops the loop after the pass in progress and waits for it.
    pub async fn stop(self) {
        let _ = self.commands.send(Command::Stop).await;
        let _ = self.task.await;
    }
}

#[cfg(test)]
#[path = "poller_tests.rs"]
mod tests;
