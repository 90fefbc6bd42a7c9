//! The training, job, model and notification handlers against a real `brightrun-agent` on 127.0.0.1, a real
//! SQLite file and the real OS keyring (run under scripts/with-session.sh). The agent has no Python, so a job
//! it accepts fails when its trainer starts: enough to follow a job from preview to retry without a GPU.

use std::sync::Arc;
use std::time::Duration;

use brightrun_core::cluster::Sensitive;
use brightrun_core::jobs::{Poller, PollerConfig, RecordOnlyNotifier};
use brightrun_core::store::model_artifacts::{ModelQuality, NewModelArtifact};
use brightrun_core::store::notifications::{NewNotification, NotificationKind as CoreKind, Priority};
use brightrun_core::training::Hyperparameters;

use super::*;
use crate::commands::test_support::{agent_bin, open_core, start_agent, ENV_LOCK};
use crate::commands::{clusters, datasets, models, notifications, training};
use crate::dto::jobs::{JobErrorKind, JobStage};
use crate::dto::notifications::NotificationKind;
use crate::dto::training::{LaunchStep, MemoryVerdict, TrainingForm};
use crate::error::ErrorCode;

/// A base model every agent offers by default (the estimator knows its shape).
const BASE_MODEL: &str = "Qwen/Qwen2.5-0.5B-Instruct";

/// Imports a small `openai_messages` dataset (12 conversations) and returns its library id.
async fn import_dataset(core: &CoreState, dir: &std::path::Path) -> String {
    let lines: Vec<String> = (0..12)
        .map(|i| {
            format!(
                r#"{{"messages":[{{"role":"user","content":"What is {i} plus {i}?"}},{{"role":"assistant","content":"{} is the answer."}}]}}"#,
                i + i
            )
        })
        .collect();
    let path = dir.join("sums.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let sink: datasets::ProgressSink = Arc::new(|_| {});
    let notifier: Arc<dyn brightrun_core::jobs::Notifier> =
        Arc::new(brightrun_core::jobs::RecordOnlyNotifier);
    let (tickets, running) =
        datasets::start_imports(core, vec![path.display().to_string()], None, sink, notifier).unwrap();
    running.await.unwrap();
    let page = datasets::list(core, &Default::default()).await.unwrap();
    assert_eq!(tickets.len(), 1);
    let dataset = page.items.first().expect("the dataset is in the library");
    assert_eq!(dataset.status, "ready", "{:?}", dataset.error_message);
    dataset.id.clone()
}

fn form(dataset_id: &str, cluster_id: &str) -> TrainingForm {
    let mut hyperparameters = HyperparametersInput::from_core(&Hyperparameters::default());
    hyperparameters.num_epochs = 1;
    TrainingForm {
        dataset_id: dataset_id.into(),
        cluster_id: cluster_id.into(),
        name: Some("sums".into()),
        base_model: BASE_MODEL.into(),
        hyperparameters,
        // No GPU chosen: the launch picks the cluster's first, and the preview must show that same choice.
        gpu_type: None,
        gpu_count: 1,
        spot: false,
        max_duration_hours: 1.0,
        skip_invalid: false,
    }
}

/// One pass of the core's poller over the store, as the app's background poller runs it.
async fn poll_once(core: &CoreState) {
    let mut poller = Poller::new(
        Arc::clone(&core.store),
        core.clients.clone(),
        Arc::new(RecordOnlyNotifier),
        PollerConfig::new(core.data_dir().to_path_buf(), Duration::from_secs(1)),
    );
    poller.poll_once().await.unwrap();
}

/// Polls until the job is finished on its cluster (the agent fails it as soon as its trainer cannot start).
async fn until_finished(core: &CoreState, job_id: &str) -> JobView {
    for _ in 0..100 {
        poll_once(core).await;
        let job = detail(core, job_id.into()).await.unwrap().job;
        if !CoreJobStatus::from(job.status).is_finished() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        return job;
    }
    panic!("job {job_id} did not finish on the agent");
}

#[tokio::test]
async fn preview_launch_cancel_retry_and_follow_a_job_on_a_real_agent() {
    let agent = start_agent();
    let (dir, core) = open_core();
    let dataset_id = import_dataset(&core, dir.path()).await;
    let cluster = clusters::add(&core, "box", &agent.url, Sensitive::new(agent.key.clone()), false)
        .await
        .unwrap();

    // The configurator's starting point lists the cluster and the dataset; the estimate knows the model.
    let defaults = training::defaults(&core).await.unwrap();
    assert!(defaults.clusters.iter().any(|c| c.id == cluster.id));
    assert!(defaults.datasets.iter().any(|d| d.id == dataset_id));
    let options = training::cluster_options_of(&core, &cluster.id).await.unwrap();
    assert!(options.base_models.iter().any(|m| m.id == BASE_MODEL));
    let estimate = training::estimate(&core, &form(&dataset_id, &cluster.id), options.gpus.first())
        .await
        .unwrap();
    let current = estimate.current.expect("a known model has an estimate");
    assert!(matches!(
        current.memory_verdict,
        MemoryVerdict::Fits | MemoryVerdict::Tight | MemoryVerdict::DoesNotFit
    ));
    assert!(estimate.issues.is_empty(), "{:?}", estimate.issues);

    // The preview is the request the launch sends: the same JSON as the recorded job's request.
    let preview = training::preview(&core, form(&dataset_id, &cluster.id))
        .await
        .unwrap();
    let request = training::launch_request_of(&core, form(&dataset_id, &cluster.id), false)
        .await
        .unwrap();
    let steps = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = steps.clone();
    let first = training::launch(&core, request, move |e| seen.lock().unwrap().push(e.step))
        .await
        .unwrap();
    let recorded = core
        .read({
            let id = first.id.clone();
            move |s| s.training_jobs().get(&id)
        })
        .await
        .unwrap();
    let sent = serde_json::to_string_pretty(&brightrun_core::jobs::job_request(&recorded)).unwrap();
    assert_eq!(preview, sent, "the preview differs from the launched request");
    assert_eq!(
        recorded.gpu_type, options.gpus[0].gpu_type,
        "no GPU chosen: the cluster's first"
    );
    let steps = steps.lock().unwrap().clone();
    assert_eq!(steps.first(), Some(&LaunchStep::Converting), "{steps:?}");
    assert_eq!(steps.last(), Some(&LaunchStep::Submitting), "{steps:?}");
    assert!(first.remote_job_id.is_some());

    // A job that is still going (here: not polled since its launch) cannot be retried.
    assert!(
        !CoreJobStatus::from(first.status).is_finished(),
        "{:?}",
        first.status
    );
    let refused = retry_request(&core, &first.id, None, false).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotSupported, "{}", refused.message);

    // The poller follows it to its end on the agent: failed, because the trainer cannot start.
    let failed = until_finished(&core, &first.id).await;
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error_kind, Some(JobErrorKind::TrainerUnavailable));
    assert!(failed.error_message.is_some());
    let shown = detail(&core, first.id.clone()).await.unwrap();
    assert_eq!(shown.cluster_name, "box");
    assert!(
        shown.suggested_retry.is_none(),
        "only an out-of-memory failure suggests settings"
    );
    assert!(shown.job.stage.is_none_or(|s| s != JobStage::Saving));

    // Cancelling needs a reason; a job that already ended stays as it ended.
    let no_reason = cancel(&core, &first.id, "  ").await.unwrap_err();
    assert_eq!(no_reason.code, ErrorCode::InvalidInput);
    let after_cancel = cancel(&core, &first.id, "wrong dataset").await.unwrap();
    assert_eq!(after_cancel.status, JobStatus::Failed);

    // Retry by the core's rule: same settings, "(Retry #1)", pointing at the retried job; edits apply.
    let mut edited = first.hyperparameters.clone();
    edited.lora_rank = 8;
    edited.lora_alpha = 16;
    let retry = retry_request(&core, &first.id, Some(edited), false)
        .await
        .unwrap();
    assert_eq!(retry.name.as_deref(), Some("sums (Retry #1)"));
    assert_eq!(retry.retry_of.as_deref(), Some(first.id.as_str()));
    assert_eq!(retry.hyperparameters.lora_rank, 8);
    assert_eq!(retry.gpu_type.as_deref(), Some(recorded.gpu_type.as_str()));
    assert!(retry.model_spec.is_some(), "the retry is estimated like a launch");

    // Already over the month's budget: the launch is refused with `over_budget`, and launches when overridden.
    core.read({
        let id = first.id.clone();
        move |s| {
            s.cost_records().record(&id, 5.0, chrono::Utc::now())?;
            s.settings().set_monthly_budget_usd(Some(1.0))
        }
    })
    .await
    .unwrap();
    let over = training::launch(&core, retry.clone(), |_| {}).await.unwrap_err();
    assert_eq!(over.code, ErrorCode::OverBudget, "{}", over.message);
    assert_eq!(
        list(&core, None).await.unwrap().len(),
        1,
        "a refused launch records nothing"
    );
    let mut retry = retry;
    retry.budget_override = true;
    let second = training::launch(&core, retry, |_| {}).await.unwrap();
    assert_eq!(second.retry_of.as_deref(), Some(first.id.as_str()));

    let second_end = until_finished(&core, &second.id).await;
    assert_eq!(second_end.status, JobStatus::Failed);

    // The list, all and by status.
    assert_eq!(list(&core, None).await.unwrap().len(), 2);
    let failed_only = list(&core, Some(JobStatus::Failed)).await.unwrap();
    assert!(failed_only.iter().any(|j| j.id == second.id));
    assert!(failed_only.iter().all(|j| j.status == JobStatus::Failed));

    // The poller recorded the failure as a notification.
    let listed = notifications::list(&core, false).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .any(|n| n.kind == NotificationKind::JobFailed && n.job_id.as_deref() == Some(first.id.as_str())),
        "{:?}",
        listed.items
    );

    // A model recorded for the first job (as the adapter download does) is listed with its lineage.
    let model = core
        .read({
            let (job, dataset) = (first.id.clone(), dataset_id.clone());
            move |s| {
                s.model_artifacts().upsert(&NewModelArtifact {
                    job_id: job.clone(),
                    name: "sums".into(),
                    adapter_dir: format!("models/{job}"),
                    base_model: BASE_MODEL.into(),
                    dataset_id: dataset,
                    dataset_sha256: "0".repeat(64),
                    config: serde_json::json!({"lora_rank": 16}),
                    quality: ModelQuality {
                        final_train_loss: Some(1.5),
                        final_val_loss: Some(1.7),
                        perplexity: Some(5.5),
                        improvement_pct: Some(40.0),
                        overfitting: false,
                        rating: 4,
                    },
                    files: Vec::new(),
                    verified: true,
                })
            }
        })
        .await
        .unwrap();
    let models = models::list(&core).await.unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].dataset_name.as_deref(), Some("sums"));
    let adapter_dir = dir.path().join("models").join(&first.id);
    assert_eq!(models[0].adapter_dir, adapter_dir.display().to_string());
    let one = models::detail(&core, model.id.clone()).await.unwrap();
    assert_eq!(one.rating, 4);
    assert_eq!(
        detail(&core, first.id.clone()).await.unwrap().model_id,
        Some(model.id)
    );
}

#[tokio::test]
async fn missing_things_and_unanswering_clusters_get_their_own_codes() {
    let agent = start_agent();
    let (dir, core) = open_core();
    let dataset_id = import_dataset(&core, dir.path()).await;

    let gone = detail(&core, "no-such-job".into()).await.unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound);
    let no_model = models::detail(&core, "no-such-model".into()).await.unwrap_err();
    assert_eq!(no_model.code, ErrorCode::NotFound);
    let no_retry = retry_request(&core, "no-such-job", None, false)
        .await
        .unwrap_err();
    assert_eq!(no_retry.code, ErrorCode::NotFound);

    // A launch on a cluster that was removed.
    let removed = training::preview(&core, form(&dataset_id, "removed-cluster"))
        .await
        .unwrap_err();
    assert_eq!(removed.code, ErrorCode::ClusterMissing, "{}", removed.message);

    // A cluster that does not answer, and one that refuses its key.
    let down = clusters::add(
        &core,
        "down",
        "http://127.0.0.1:9",
        Sensitive::new("k".into()),
        false,
    )
    .await
    .unwrap();
    let unreachable = training::cluster_options_of(&core, &down.id).await.unwrap_err();
    assert_eq!(
        unreachable.code,
        ErrorCode::ClusterUnreachable,
        "{}",
        unreachable.message
    );
    let wrong = clusters::add(
        &core,
        "wrong key",
        &agent.url,
        Sensitive::new("not-the-key".into()),
        false,
    )
    .await
    .unwrap();
    let rejected = training::preview(&core, form(&dataset_id, &wrong.id))
        .await
        .unwrap_err();
    assert_eq!(rejected.code, ErrorCode::KeyRejected, "{}", rejected.message);
    assert!(!rejected.message.contains("not-the-key"));

    // What the cluster does not offer, and settings out of range.
    let good = clusters::add(&core, "box", &agent.url, Sensitive::new(agent.key.clone()), false)
        .await
        .unwrap();
    let mut unknown_model = form(&dataset_id, &good.id);
    unknown_model.base_model = "nobody/no-such-model".into();
    let not_offered = training::preview(&core, unknown_model).await.unwrap_err();
    assert_eq!(
        not_offered.code,
        ErrorCode::NotSupported,
        "{}",
        not_offered.message
    );
    let mut qlora_on_cpu = form(&dataset_id, &good.id);
    qlora_on_cpu.hyperparameters.qlora = true;
    let no_cuda = training::preview(&core, qlora_on_cpu).await.unwrap_err();
    assert_eq!(no_cuda.code, ErrorCode::NotSupported, "{}", no_cuda.message);
    let mut out_of_range = form(&dataset_id, &good.id);
    out_of_range.hyperparameters.lora_rank = 6;
    let invalid = training::launch_request_of(&core, out_of_range, false)
        .await
        .unwrap_err();
    assert_eq!(invalid.code, ErrorCode::InvalidInput);
    assert!(invalid.message.contains("lora_rank"), "{}", invalid.message);
    assert!(
        list(&core, None).await.unwrap().is_empty(),
        "nothing was launched"
    );
}

#[tokio::test]
async fn notifications_list_count_and_mark_read() {
    let (_dir, core) = open_core();
    for (kind, title) in [
        (CoreKind::BudgetAlert, "80 % of the budget"),
        (CoreKind::DatasetReady, "sums is ready"),
    ] {
        core.read(move |s| {
            s.notifications().record(&NewNotification {
                kind,
                priority: Priority::High,
                title: title.into(),
                body: String::new(),
                job_id: None,
                once_key: None,
            })
        })
        .await
        .unwrap();
    }
    let all = notifications::list(&core, false).await.unwrap();
    assert_eq!(all.unread, 2);
    assert_eq!(all.items.len(), 2);
    let kinds: Vec<NotificationKind> = all.items.iter().map(|n| n.kind).collect();
    assert!(
        kinds.contains(&NotificationKind::BudgetAlert) && kinds.contains(&NotificationKind::DatasetReady)
    );
    let json = serde_json::to_value(&all.items[0]).unwrap();
    assert!(json["kind"].is_string() && json["priority"] == "high", "{json}");

    let one = all.items[0].id.clone();
    assert_eq!(
        notifications::mark_read(&core, vec![one.clone()]).await.unwrap(),
        1
    );
    assert_eq!(
        notifications::mark_read(&core, vec![one]).await.unwrap(),
        0,
        "already read"
    );
    assert_eq!(notifications::list(&core, true).await.unwrap().items.len(), 1);
    assert_eq!(
        notifications::mark_read(&core, Vec::new()).await.unwrap(),
        1,
        "empty: every unread one"
    );
    assert_eq!(notifications::list(&core, false).await.unwrap().unread, 0);
}

#[tokio::test]
async fn the_local_cluster_without_its_python_stack_is_python_stack_missing() {
    use brightrun_core::cluster::local::{running_agent, AGENT_BIN_ENV, LOCAL_AGENT_FOLDER, PYTHON_ENV};
    let (dir, core) = open_core();
    let error = {
        let _guard = ENV_LOCK.lock().await;
        let agent_before = std::env::var_os(AGENT_BIN_ENV);
        std::env::set_var(AGENT_BIN_ENV, agent_bin());
        std::env::set_var(PYTHON_ENV, "/nonexistent/python3");
        let result = training::ensure_local(&core).await;
        std::env::remove_var(PYTHON_ENV);
        match agent_before {
            Some(before) => std::env::set_var(AGENT_BIN_ENV, before),
            None => std::env::remove_var(AGENT_BIN_ENV),
        }
        result.unwrap_err()
    };
    // The UI offers "Prepare" for this code, instead of a job that would fail as its trainer starts.
    assert_eq!(error.code, ErrorCode::PythonStackMissing, "{}", error.message);
    assert!(
        running_agent(&dir.path().join(LOCAL_AGENT_FOLDER)).is_none(),
        "no agent is started without its Python stack"
    );
}

/// Where a job runs crosses on the job: the executor the cluster answered the launch with, as the core stored
/// it (`training_jobs.executor_kind` / `executor_job_id`).
#[tokio::test]
async fn the_job_says_which_slurm_job_runs_it() {
    let (dir, core) = open_core();
    let dataset_id = import_dataset(&core, dir.path()).await;
    let job = core.with_store(|s| {
        let cluster = s
            .clusters()
            .insert(&brightrun_core::store::clusters::NewCluster {
                name: "HPC".into(),
                url: "https://hpc.example".into(),
                kind: brightrun_core::store::clusters::ClusterKind::Remote,
            })
            .unwrap();
        s.training_jobs()
            .insert_submitting(&brightrun_core::store::training_jobs::NewTrainingJob {
                cluster_id: cluster.id,
                name: "on the HPC".into(),
                dataset_id,
                dataset_sha256: "a".repeat(64),
                base_model: BASE_MODEL.into(),
                hyperparameters: Hyperparameters::default(),
                gpu_type: "A100".into(),
                gpu_count: 1,
                spot: false,
                max_duration_hours: 2.0,
                estimate: None,
                retry_of: None,
                validation_sha256: None,
                split: None,
                skipped_invalid: 0,
            })
            .unwrap()
    });
    assert_eq!(detail(&core, job.id.clone()).await.unwrap().job.executor, None);
    let answer: brightrun_core::cluster::client::Job = serde_json::from_value(serde_json::json!({
        "id": "r-1", "name": "on the HPC", "status": "queued", "progress": 0.0, "current_step": 0,
        "created_at": "2026-11-30T12:00:00Z", "cost_usd": 0.0, "price_per_gpu_hour": 1.5,
        "dataset_sha256": "a".repeat(64), "base_model": BASE_MODEL,
        "executor": {"kind": "slurm", "job_id": "1234"}
    }))
    .unwrap();
    core.with_store(|s| s.training_jobs().set_submitted(&job.id, &answer))
        .unwrap();

    let shown = detail(&core, job.id.clone()).await.unwrap().job;
    let json = serde_json::to_value(&shown.executor).unwrap();
    assert_eq!(json, serde_json::json!({"kind": "slurm", "job_id": "1234"}));
    let listed = list(&core, None).await.unwrap();
    assert_eq!(listed[0].executor, shown.executor, "the list carries it too");
}
