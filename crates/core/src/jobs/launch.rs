//! Launching a job: convert the library dataset to `openai_messages`, estimate and check the monthly budget,
//! record the job with its idempotency key, upload the dataset (skipped when the cluster has it, resumed when
//! it has part), and submit.
//!
//! The row and its key are committed BEFORE the cluster is asked, so a launch interrupted at any point is
//! finished by [`resume_submission`] with the same key, and the cluster answers the same job: never two.
//! The validation split is cut here, by conversation with the run's seed, and frozen (`split.rs`): the
//! training and validation files are both uploaded and the job names both.

use std::path::Path;

use chrono::Utc;
use serde_json::json;

use super::estimate::{estimate_run, observations, CalibrationScope, RunEstimate, RunInputs};
use super::split::{training_files, TrainingFile, TrainingFiles};
use super::tokens::{exact_tokens, tokenizer_for};
use super::{db, JobsError, SharedStore};
use crate::cluster::client::{Capabilities, GpuRequest, JobRequest, Runtime};
use crate::cluster::{ClientError, ClusterClient, Progress};
use crate::dataset::TokenMethod;
use crate::store::notifications::{NewNotification, NotificationKind, Priority};
use crate::store::training_jobs::{NewTrainingJob, TrainingJob};
use crate::store::{Dataset, DatasetStatus};
use crate::training::budget::{check_launch, BudgetCheck, LaunchVerdict};
use crate::training::estimator::{
    find_known_model, Capacity, GpuPricing, GpuSpec, ModelSpec, TrainingEstimate, CPU_DEFAULT_MEMORY_GIB,
};
use crate::training::{Checkpointing, Hyperparameters};

/// What the user asks to launch.
#[derive(Clone, Debug)]
pub struct LaunchRequest {
    /// The library dataset.
    pub dataset_id: String,
    /// The cluster (its id in the clusters table).
    pub cluster_id: String,
    /// Name shown in lists; default "<dataset name> · <base model>".
    pub name: Option<String>,
    /// A base model the cluster offers.
    pub base_model: String,
    /// The model's shape for the estimate, when the caller knows it (a local folder's config.json); else a
    /// known hub model's, else the launch is bounded by the max duration.
    pub model_spec: Option<ModelSpec>,
    /// The run's settings.
    pub hyperparameters: Hyperparameters,
    /// GPU type; default the cluster's first (`cpu` on a machine without GPUs).
    pub gpu_type: Option<String>,
    /// GPUs.
    pub gpu_count: u32,
    /// Spot capacity.
    pub spot: bool,
    /// The cluster stops the job past this many hours (1–72).
    pub max_duration_hours: f64,
    /// Launch even if the estimate exceeds what remains of the monthly budget (the user's explicit choice).
    pub budget_override: bool,
    /// The job this one retries.
    pub retry_of: Option<String>,
    /// Train on a dataset with some invalid records by leaving them out (the user's explicit choice).
    pub skip_invalid: bool,
}

/// Steps of a launch, for a progress display.
#[derive(Clone, Debug, PartialEq)]
pub enum LaunchProgress {
    /// Converting the dataset (bytes read, total).
    Converting(Progress),
    /// Uploading it (bytes held by the cluster, total).
    Uploading(Progress),
    /// Asking the cluster to start the job.
    Submitting,
}

/// A launched job with the figures behind the decision.
#[derive(Clone, Debug)]
pub struct Launched {
    /// The job as recorded, with its cluster id.
    pub job: TrainingJob,
    /// The budget check.
    pub budget: BudgetCheck,
    /// The estimator's figures, when the model's shape was known.
    pub estimate: Option<TrainingEstimate>,
}

/// What a launch would do, computed without recording or uploading anything: the files, the exact request the
/// cluster will receive, the estimate and the budget check. [`launch`] carries it out; `--dry-run` shows it.
#[derive(Clone, Debug)]
pub struct LaunchPlan {
    /// The library dataset.
    pub dataset: Dataset,
    /// The converted (and split) files to upload.
    pub files: TrainingFiles,
    /// The request the cluster will receive (gradient checkpointing already decided).
    pub request: JobRequest,
    /// The estimate with the decisions behind it, when the model's shape is known.
    pub estimate: Option<RunEstimate>,
    /// The estimate as recorded with the job (`basis` `estimator` or `max_duration`).
    pub estimate_summary: serde_json::Value,
    /// The budget check.
    pub budget: BudgetCheck,
}

/// Plans a launch: checks the settings, the dataset and what the cluster offers (a QLoRA run on a cluster
/// without CUDA is refused here, before anything is converted or uploaded), converts and splits the dataset,
/// estimates with the user's earlier runs, checks the monthly budget and builds the request.
pub async fn plan(
    store: &SharedStore,
    data_dir: &Path,
    client: &ClusterClient,
    request: &LaunchRequest,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<LaunchPlan, JobsError> {
    let errors = request.hyperparameters.validate();
    if !errors.is_empty() {
        return Err(JobsError::InvalidHyperparameters(errors));
    }
    let dataset_id = request.dataset_id.clone();
    let detail = db::with(store, move |s| s.datasets().get_detail(&dataset_id)).await?;
    let dataset = detail.dataset;
    check_dataset(&dataset, request.skip_invalid)?;

    let capabilities = client.capabilities().await?;
    let (gpu_type, gpu_name) = choose_gpu(&capabilities, request.gpu_type.as_deref())?;
    if !capabilities
        .base_models
        .iter()
        .any(|m| m.id == request.base_model)
    {
        let offered: Vec<&str> = capabilities.base_models.iter().map(|m| m.id.as_str()).collect();
        return Err(JobsError::NotOffered {
            message: format!(
                "the cluster does not offer base model {:?}; it offers: {}",
                request.base_model,
                offered.join(", ")
            ),
        });
    }
    check_runtime(&capabilities.runtime, &request.hyperparameters, &gpu_type)?;

    let h = &request.hyperparameters;
    let files = training_files(data_dir, &dataset, h.validation_split, h.seed, progress).await?;
    let price = capabilities
        .prices
        .iter()
        .find(|p| p.gpu_type == gpu_type)
        .map(|p| GpuPricing {
            spot_per_gpu_hour: p.spot,
            on_demand_per_gpu_hour: p.on_demand,
        })
        .unwrap_or(GpuPricing {
            spot_per_gpu_hour: 0.0,
            on_demand_per_gpu_hour: 0.0,
        });
    let capacity = if request.spot {
        Capacity::Spot
    } else {
        Capacity::OnDemand
    };
    let past = db::with(store, |s| s.training_jobs().with_throughput()).await?;
    let observations = observations(&past);
    let model = request
        .model_spec
        .clone()
        .or_else(|| find_known_model(&request.base_model).map(|k| k.spec));
    // Exact tokens when the cluster serves the model's tokenizer: counted once per dataset and tokenizer.
    let exact_tokens = match &model {
        Some(_) => {
            let tokenizer = tokenizer_for(data_dir, client, &request.base_model, None).await;
            exact_tokens(data_dir, &dataset, tokenizer).await
        }
        None => None,
    };
    let estimate = model.and_then(|model| {
        let gpu = GpuSpec::by_id(&gpu_type)
            .or_else(|| GpuSpec::from_name(&gpu_name))
            .unwrap_or_else(|| GpuSpec::cpu(CPU_DEFAULT_MEMORY_GIB));
        estimate_run(&RunInputs {
            dataset: &dataset,
            report: detail.report.as_ref(),
            split: files.split.as_ref(),
            exact_tokens,
            model,
            gpu,
            gpu_count: request.gpu_count,
            hyperparameters: h,
            pricing: price,
            capacity,
            runtime: &capabilities.runtime,
            calibration: Some(CalibrationScope {
                cluster_id: &request.cluster_id,
                gpu_type: &gpu_type,
                base_model: &request.base_model,
                observations: &observations,
            }),
        })
    });
    // Without the model's shape the worst case is the whole allowed duration on every GPU.
    let worst_case =
        price.per_gpu_hour(capacity) * f64::from(request.gpu_count.max(1)) * request.max_duration_hours;
    let (estimate_high, estimate_summary) = match &estimate {
        Some(e) => (e.estimate.cost.usd.high, e.summary()),
        None => {
            let most = request.max_duration_hours * 3600.0;
            (
                worst_case,
                json!({
                    "basis": "max_duration",
                    "low_seconds": 0.0,
                    "expected_seconds": most,
                    "high_seconds": most,
                    "cost_usd": {"low": 0.0, "expected": worst_case, "high": worst_case},
                    "seconds": {"low": 0.0, "expected": most, "high": most},
                    "calibrated_runs": 0,
                    "tokens_method": detail.report.as_ref().map_or(TokenMethod::Estimate, |r| r.tokens.method),
                    "memory_verdict": null,
                    "memory": {"verdict": "unknown"},
                }),
            )
        }
    };

    let budget_override = request.budget_override;
    let budget = db::with(store, move |s| {
        let spent = s.cost_records().spent_in_month_of(Utc::now())?;
        Ok(check_launch(
            s.settings().monthly_budget_usd()?,
            spent,
            estimate_high,
            budget_override,
        ))
    })
    .await?;

    // The trainer runs exactly the flags the estimate assumed: `auto` is decided here.
    let mut hyperparameters = h.clone();
    hyperparameters.gradient_checkpointing = match (&estimate, h.gradient_checkpointing) {
        (Some(e), _) => on_off(e.gradient_checkpointing),
        // No shape to decide with: the trainer's long-standing default (on for a GPU, off on the CPU).
        (None, Checkpointing::Auto) => on_off(!gpu_type.eq_ignore_ascii_case("cpu")),
        (None, set) => set,
    };
    let name = request
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{} · {}", dataset.name, request.base_model));
    let job_request = JobRequest {
        name,
        dataset_sha256: files.train.sha256.clone(),
        base_model: request.base_model.clone(),
        hyperparameters,
        gpu: GpuRequest {
            gpu_type,
            count: request.gpu_count.max(1),
        },
        spot: request.spot,
        max_duration_hours: request.max_duration_hours,
        validation_dataset_sha256: files.validation.as_ref().map(|v| v.sha256.clone()),
    };
    Ok(LaunchPlan {
        dataset,
        files,
        request: job_request,
        estimate,
        estimate_summary,
        budget,
    })
}

/// Launches a job on the cluster `client` talks to (see the module doc for the steps and guarantees).
pub async fn launch(
    store: &SharedStore,
    data_dir: &Path,
    client: &ClusterClient,
    request: LaunchRequest,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<Launched, JobsError> {
    let plan = plan(store, data_dir, client, &request, progress).await?;
    if plan.budget.verdict == LaunchVerdict::Refused {
        return Err(JobsError::OverBudget(Box::new(plan.budget)));
    }
    let r = &plan.request;
    let new = NewTrainingJob {
        cluster_id: request.cluster_id.clone(),
        name: r.name.clone(),
        dataset_id: plan.dataset.id.clone(),
        dataset_sha256: r.dataset_sha256.clone(),
        base_model: r.base_model.clone(),
        hyperparameters: r.hyperparameters.clone(),
        gpu_type: r.gpu.gpu_type.clone(),
        gpu_count: r.gpu.count,
        spot: r.spot,
        max_duration_hours: r.max_duration_hours,
        estimate: Some(plan.estimate_summary.clone()),
        retry_of: request.retry_of.clone(),
        validation_sha256: r.validation_dataset_sha256.clone(),
        split: plan.files.split.clone(),
        skipped_invalid: plan.files.skipped_invalid,
    };
    // Committed (synchronous=FULL) before any request that could create the job.
    let job = db::with(store, move |s| s.training_jobs().insert_submitting(&new)).await?;
    let job = submit(store, client, job, &plan.files, progress).await?;
    Ok(Launched {
        job,
        budget: plan.budget,
        estimate: plan.estimate.map(|e| e.estimate),
    })
}

fn on_off(on: bool) -> Checkpointing {
    if on {
        Checkpointing::On
    } else {
        Checkpointing::Off
    }
}

/// Refuses settings the cluster's trainer environment cannot run, before anything is uploaded.
fn check_runtime(runtime: &Runtime, h: &Hyperparameters, gpu_type: &str) -> Result<(), JobsError> {
    if !h.qlora {
        return Ok(());
    }
    let reason = if gpu_type.eq_ignore_ascii_case("cpu") {
        Some("QLoRA needs a CUDA GPU, and this job would run on the CPU")
    } else if !runtime.cuda {
        Some("QLoRA needs a CUDA GPU, and the cluster reports none")
    } else if !runtime.bitsandbytes {
        Some("QLoRA needs bitsandbytes, which the cluster's trainer environment does not have")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(JobsError::NotSupported {
            message: format!("{reason}; train without --set qlora=true, or on a cluster with CUDA"),
        }),
        None => Ok(()),
    }
}

/// Finishes the launch of a job left in `submitting` (the process stopped before the cluster's answer was
/// recorded): uploads what is missing and submits with the job's stored idempotency key.
pub async fn resume_submission(
    store: &SharedStore,
    data_dir: &Path,
    client: &ClusterClient,
    job_id: &str,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingJob, JobsError> {
    let id = job_id.to_string();
    let job = db::with(store, move |s| s.training_jobs().get(&id)).await?;
    if job.remote_job_id.is_some() {
        return Ok(job);
    }
    let dataset_id = job.dataset_id.clone();
    let dataset = db::with(store, move |s| s.datasets().get(&dataset_id)).await?;
    let split = job.split.as_ref().map_or(0.0, |s| s.fraction);
    let seed = job.split.as_ref().map_or(job.hyperparameters.seed, |s| s.seed);
    let files = training_files(data_dir, &dataset, split, seed, progress).await?;
    let validation_sha256 = files.validation.as_ref().map(|v| v.sha256.clone());
    if files.train.sha256 != job.dataset_sha256 || validation_sha256 != job.validation_sha256 {
        return Err(JobsError::DatasetNotReady {
            id: dataset.id,
            reason: "its converted files no longer match the ones this job was launched with".into(),
        });
    }
    submit(store, client, job, &files, progress).await
}

/// Uploads and submits a recorded job; records the cluster's answer, or fails the job when the cluster
/// refused it for good. An unreachable cluster leaves it `submitting`, to be resumed.
async fn submit(
    store: &SharedStore,
    client: &ClusterClient,
    job: TrainingJob,
    files: &TrainingFiles,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingJob, JobsError> {
    let outcome = async {
        if let Some(validation) = &files.validation {
            client
                .upload_dataset(&validation.sha256, &validation.path, &mut |_| {})
                .await?;
        }
        client
            .upload_dataset(&files.train.sha256, &files.train.path, &mut |p| {
                progress(LaunchProgress::Uploading(p))
            })
            .await?;
        progress(LaunchProgress::Submitting);
        client.create_job(&job.idempotency_key, &job_request(&job)).await
    }
    .await;
    let id = job.id.clone();
    match outcome {
        Ok(remote) => {
            let name = job.name.clone();
            db::with(store, move |s| {
                s.immediate(|s| {
                    let job = s.training_jobs().set_submitted(&id, &remote)?;
                    s.notifications().record(&NewNotification {
                        kind: NotificationKind::JobQueued,
                        priority: Priority::Low,
                        title: format!("{name} is queued"),
                        body: format!("The cluster accepted the job (its id there: {}).", remote.id),
                        job_id: Some(id.clone()),
                        once_key: Some(format!("job_queued:{id}")),
                    })?;
                    Ok(job)
                })
            })
            .await
        }
        Err(ClientError::Api(failure))
            if (400..500).contains(&failure.status) && failure.status != 408 && failure.status != 429 =>
        {
            // A refusal (bad model, dataset too large…): the same request would be refused again.
            let (status, message, hint) = (failure.status, failure.message.clone(), failure.hint.clone());
            let text = message.clone();
            db::with(store, move |s| {
                s.training_jobs().fail_launch(&id, &text, hint.as_deref())
            })
            .await?;
            Err(JobsError::NotOffered {
                message: format!("the cluster refused the job (HTTP {status}): {message}"),
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn check_dataset(dataset: &Dataset, skip_invalid: bool) -> Result<(), JobsError> {
    if dataset.deleted_at.is_some() {
        return Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: "it is in the trash; restore it first".into(),
        });
    }
    match dataset.status {
        DatasetStatus::Ready if dataset.training_examples > 0 => Ok(()),
        DatasetStatus::Ready => Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: "it has no training examples".into(),
        }),
        DatasetStatus::Validating => Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: "it is still being validated".into(),
        }),
        // Some records invalid, the rest trainable: only by the user's explicit choice.
        DatasetStatus::Error if skip_invalid && dataset.error_count > 0 && dataset.training_examples > 0 => {
            Ok(())
        }
        DatasetStatus::Error => Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: format!(
                "its validation found {} error(s); see `brightrun dataset show {}`, or skip the invalid \
                 records explicitly (--skip-invalid)",
                dataset.error_count, dataset.id
            ),
        }),
    }
}

/// The request a recorded job is submitted with: what [`plan`] built, read back from the row.
pub fn job_request(job: &TrainingJob) -> JobRequest {
    JobRequest {
        name: job.name.clone(),
        dataset_sha256: job.dataset_sha256.clone(),
        base_model: job.base_model.clone(),
        hyperparameters: job.hyperparameters.clone(),
        gpu: GpuRequest {
            gpu_type: job.gpu_type.clone(),
            count: job.gpu_count,
        },
        spot: job.spot,
        max_duration_hours: job.max_duration_hours,
        validation_dataset_sha256: job.validation_sha256.clone(),
    }
}

/// The unsplit training file of a library dataset (what a run with `validation_split` 0 uploads).
pub async fn training_file(
    data_dir: &Path,
    dataset: &Dataset,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingFile, JobsError> {
    Ok(training_files(data_dir, dataset, 0.0, 0, progress).await?.train)
}

fn choose_gpu(capabilities: &Capabilities, wanted: Option<&str>) -> Result<(String, String), JobsError> {
    let offered: Vec<&str> = capabilities.gpus.iter().map(|g| g.gpu_type.as_str()).collect();
    let group = match wanted {
        Some(w) => capabilities
            .gpus
            .iter()
            .find(|g| g.gpu_type.eq_ignore_ascii_case(w)),
        None => capabilities.gpus.iter().find(|g| g.count > 0),
    };
    group
        .map(|g| (g.gpu_type.clone(), g.name.clone()))
        .ok_or_else(|| JobsError::NotOffered {
            message: format!(
                "the cluster has no GPU type {:?}; it has: {}",
                wanted.unwrap_or("(any)"),
                offered.join(", ")
            ),
        })
}

/// The estimator's figures for training `dataset` with `hyperparameters`, without its report, split or
/// calibration (see [`estimate_run`] for the full inputs the launch uses).
pub fn estimate_for_dataset(
    dataset: &Dataset,
    model: ModelSpec,
    gpu: GpuSpec,
    gpu_count: u32,
    hyperparameters: &Hyperparameters,
    pricing: GpuPricing,
    capacity: Capacity,
) -> Option<TrainingEstimate> {
    estimate_run(&RunInputs {
        dataset,
        report: None,
        split: None,
        exact_tokens: None,
        model,
        gpu,
        gpu_count,
        hyperparameters,
        pricing,
        capacity,
        runtime: &Runtime::default(),
        calibration: None,
    })
    .map(|e| e.estimate)
}
