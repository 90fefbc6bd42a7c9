//! Shared by `train --wait`, `jobs watch` and `jobs logs --follow`: the core's poller run in the foreground
//! until the followed jobs have ended (and a completed job's adapter is downloaded), with each event handed to
//! the caller for printing. Stopping the CLI (Ctrl-C, kill -9) never stops a training run: the jobs live on
//! their cluster, and a later `jobs watch` picks up where the store left off.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use brightrun_core::cluster::local::{self, LocalOptions};
use brightrun_core::cluster::{client, Keyring};
use brightrun_core::jobs::{JobEvent, KeyringClients, Poller, PollerConfig, RecordOnlyNotifier, SharedStore};
use brightrun_core::store::training_jobs::{JobStatus, TrainingJob};
use brightrun_core::store::{ClusterKind, Store, StoreAccess, StoreError};
use serde_json::{json, Value};

/// Environment variable overriding the foreground polling interval, in milliseconds (tests, scripts).
pub const POLL_INTERVAL_MS_ENV: &str = "BRIGHTRUN_POLL_INTERVAL_MS";

/// A foreground watcher wants quick feedback: it polls at most every 5 s, or faster if the setting says so.
const MAX_FOREGROUND_INTERVAL: Duration = Duration::from_secs(5);

/// The store shared with the poller.
pub fn shared(store: Store) -> SharedStore {
    Arc::new(Mutex::new(store))
}

/// True once nothing more will happen to `job`: finished, and a completed one's download is over.
pub fn has_ended(job: &TrainingJob) -> bool {
    job.status.is_finished()
        && (job.status != JobStatus::Completed
            || matches!(job.artifacts_status.as_deref(), Some("ready" | "failed")))
}

/// Polls until every job of `job_ids` has ended; `on_event` sees each event. Returns the jobs as they ended.
pub async fn follow(
    store: &SharedStore,
    data_dir: &std::path::Path,
    job_ids: &[String],
    on_event: &mut dyn FnMut(&JobEvent),
) -> anyhow::Result<Vec<TrainingJob>> {
    let interval = interval(store)?;
    let local_cluster = local_cluster_of(store, job_ids)?;
    if let Some(cluster_id) = &local_cluster {
        restart_local(store, data_dir, cluster_id).await;
    }
    let clients = KeyringClients::new(client::http_client()?, Keyring::from_env(), Arc::clone(store));
    let mut config = PollerConfig::new(data_dir.to_path_buf(), interval);
    config.backoff_max = Duration::from_secs(60);
    let poller = Poller::new(
        Arc::clone(store),
        Arc::new(clients),
        Arc::new(RecordOnlyNotifier),
        config,
    );
    let mut events = poller.subscribe();
    let handle = poller.spawn();
    let load = |ids: &[String]| -> anyhow::Result<Vec<TrainingJob>> {
        Ok(store.with_store(|s| {
            ids.iter()
                .map(|id| s.training_jobs().get(id))
                .collect::<Result<Vec<_>, _>>()
        })?)
    };
    loop {
        let jobs = load(job_ids)?;
        if jobs.iter().all(has_ended) {
            handle.stop().await;
            return Ok(jobs);
        }
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.job_id().is_none_or(|id| job_ids.iter().any(|j| j == id)) => {
                    if let (JobEvent::Unreachable { cluster_id, .. }, Some(local)) = (&event, &local_cluster) {
                        // The local daemon died (a reboot, a kill): start it again; its jobs resume from
                        // their checkpoints. The poller's backoff paces these attempts.
                        if cluster_id == local {
                            restart_local(store, data_dir, local).await;
                        }
                    }
                    on_event(&event)
                }
                Ok(_) => {}
                // A slow printer missed some events; the store has everything, so carry on.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    anyhow::bail!("the poller stopped unexpectedly")
                }
            },
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

/// The local cluster's id when one of `job_ids` still runs on it.
fn local_cluster_of(store: &SharedStore, job_ids: &[String]) -> anyhow::Result<Option<String>> {
    Ok(store.with_store(|s| -> Result<Option<String>, StoreError> {
        for id in job_ids {
            let job = s.training_jobs().get(id)?;
            if has_ended(&job) {
                continue;
            }
            if let Some(cluster) = s.clusters().get(&job.cluster_id)? {
                if cluster.kind == ClusterKind::Local {
                    return Ok(Some(cluster.id));
                }
            }
        }
        Ok(None)
    })?)
}

/// Makes sure the local daemon runs (a no-op when it does); a failure is reported and polling goes on.
async fn restart_local(store: &SharedStore, data_dir: &std::path::Path, cluster_id: &str) {
    let options = LocalOptions {
        data_dir: data_dir.to_path_buf(),
        agent_bin: None,
        python: None,
        check_python: false,
    };
    // Its own HTTP client: this runs at most once per backoff step, outside the poller.
    let started = match client::http_client() {
        Ok(http) => local::ensure_running(store.as_ref(), &Keyring::from_env(), &http, &options)
            .await
            .map(|_| ())
            .map_err(anyhow::Error::from),
        Err(err) => Err(err.into()),
    };
    if let Err(err) = started {
        eprintln!("warning: the local cluster ({cluster_id}) is not running and could not be started: {err}");
    }
}

fn interval(store: &SharedStore) -> anyhow::Result<Duration> {
    if let Some(ms) = std::env::var(POLL_INTERVAL_MS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
    {
        return Ok(Duration::from_millis(ms));
    }
    let secs = store.with_store(|s| s.settings().polling_interval_secs())?;
    Ok(Duration::from_secs(secs).min(MAX_FOREGROUND_INTERVAL))
}

/// A job as the CLI prints it (`--json` contract): the stored fields, plus `cluster` (its name) and `error`.
pub fn job_json(store: &Store, job: &TrainingJob) -> anyhow::Result<Value> {
    let cluster = store
        .clusters()
        .get(&job.cluster_id)?
        .map(|c| c.name)
        .unwrap_or_else(|| job.cluster_id.clone());
    let mut value = serde_json::to_value(job)?;
    value["cluster"] = json!(cluster);
    value["error"] = match (&job.error_kind, &job.error_message) {
        (None, None) => Value::Null,
        (kind, message) => json!({ "kind": kind, "message": message, "hint": job.error_hint }),
    };
    Ok(value)
}

/// One line of text for an event (what `--wait` and `watch` print without `--json`).
pub fn event_line(event: &JobEvent) -> Option<String> {
    match event {
        JobEvent::StatusChanged { job_id, from, to } => {
            Some(format!("{} {} → {}", short(job_id), from.as_str(), to.as_str()))
        }
        JobEvent::Metrics { job_id, points } => {
            let lines: Vec<String> = points
                .iter()
                .map(|p| {
                    let mut line = format!("{} step {}", short(job_id), p.step);
                    if let Some(epoch) = p.epoch {
                        line.push_str(&format!(" epoch {epoch:.2}"));
                    }
                    if let Some(loss) = p.train_loss {
                        line.push_str(&format!(" train_loss {loss:.4}"));
                    }
                    if let Some(loss) = p.val_loss {
                        line.push_str(&format!(" val_loss {loss:.4}"));
                    }
                    if let Some(lr) = p.learning_rate {
                        line.push_str(&format!(" lr {lr:.2e}"));
                    }
                    line
                })
                .collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        }
        JobEvent::Unreachable {
            job_id,
            message,
            retry_in_ms,
            ..
        } => Some(format!(
            "{} cluster unreachable ({message}); retrying in {:.1} s",
            short(job_id),
            *retry_in_ms as f64 / 1000.0
        )),
        JobEvent::ModelReady { job_id, model_id } => {
            Some(format!("{} model ready: {model_id}", short(job_id)))
        }
        JobEvent::DownloadFailed { job_id, message } => {
            Some(format!("{} download failed: {message}", short(job_id)))
        }
        JobEvent::Notification(n) => Some(format!("[{}] {}: {}", n.priority.as_str(), n.title, n.body)),
        JobEvent::Progress { .. } | JobEvent::Log { .. } | JobEvent::Download { .. } => None,
    }
}

/// How an id is shown in a line. Whole: ids are uuid v7, whose first characters are a timestamp, so a
/// short prefix would not tell two jobs of the same minute apart.
fn short(id: &str) -> &str {
    id
}
