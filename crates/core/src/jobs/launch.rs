//! Launching a job: convert the library dataset to `openai_messages`, estimate and check the monthly budget,
//! record the job with its idempotency key, upload the dataset (skipped when the cluster has it, resumed when
//! it has part), and submit.
//!
//! The row and its key are committed BEFORE the cluster is asked, so a launch interrupted at any point is
//! finished by [`resume_submission`] with the same key, and the cluster answers the same job: never two.
//! The validation split is not cut here: the trainer holds out `hyperparameters.validation_split` of the
//! uploaded file with the run's seed (docs/trainer.md), so one file is uploaded per dataset.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use chrono::Utc;
use serde_json::json;

use super::{db, JobsError, SharedStore};
use crate::cluster::client::{Capabilities, GpuRequest, JobRequest};
use crate::cluster::{ClientError, ClusterClient, Progress};
use crate::dataset::{convert_to_openai_messages, sha256_file, ConvertOptions};
use crate::store::notifications::{NewNotification, NotificationKind, Priority};
use crate::store::training_jobs::{NewTrainingJob, TrainingJob};
use crate::store::{Dataset, DatasetStatus};
use crate::training::budget::{check_launch, BudgetCheck, LaunchVerdict};
use crate::training::estimator::{
    self, find_known_model, Capacity, EstimateRequest, GpuPricing, GpuSpec, ModelSpec, TrainingEstimate,
    TrainingSetup, Workload, CPU_DEFAULT_MEMORY_GIB,
};
use crate::training::Hyperparameters;

/// Folder of the data folder where converted training files are kept, named by the library file's SHA-256.
pub const CONVERTED_FOLDER: &str = "converted";

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

/// Everything a launch decides before it records and submits the job: the training file, the GPU, the
/// estimate, the budget check and the exact request the cluster will receive. `brightrun train --dry-run` and
/// the app's preview show it; [`launch`] goes on from it. Planning converts the dataset locally (kept for the
/// launch) and reads the cluster's capabilities; it uploads and records nothing.
#[derive(Clone, Debug)]
pub struct LaunchPlan {
    /// The job row the launch will record.
    pub job: NewTrainingJob,
    /// The body of `POST /v1/jobs`, as [`job_request`] builds it for the submission.
    pub request: JobRequest,
    /// The converted training file to upload.
    pub training_file: TrainingFile,
    /// The budget check (a refused verdict stops [`launch`]).
    pub budget: BudgetCheck,
    /// The estimator's figures, when the model's shape is known.
    pub estimate: Option<TrainingEstimate>,
    /// The estimate as recorded with the job (`basis`: `estimator` or `max_duration`).
    pub estimate_summary: serde_json::Value,
}

/// Plans a launch on the cluster `client` talks to: checks the settings and the dataset, converts it, picks
/// the GPU, estimates, checks the monthly budget, and builds the request (see [`LaunchPlan`]).
pub async fn plan_launch(
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
    let dataset = db::with(store, move |s| s.datasets().get(&dataset_id)).await?;
    check_dataset(&dataset)?;

    let converted = training_file(data_dir, &dataset, progress).await?;
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
    let estimate = estimate(request, &dataset, &gpu_type, &gpu_name, price, capacity);
    // Without the model's shape the worst case is the whole allowed duration on every GPU.
    let worst_case =
        price.per_gpu_hour(capacity) * f64::from(request.gpu_count.max(1)) * request.max_duration_hours;
    let (estimate_high, estimate_json) = match &estimate {
        Some(e) => (
            e.cost.usd.high,
            json!({
                "basis": "estimator",
                "cost_usd": e.cost.usd,
                "seconds": e.time.seconds,
                "gpu_hours": e.cost.gpu_hours,
                "memory_verdict": e.memory.verdict,
            }),
        ),
        None => (
            worst_case,
            json!({
                "basis": "max_duration",
                "cost_usd": {"low": 0.0, "expected": worst_case, "high": worst_case},
                "seconds": {"low": 0.0, "expected": request.max_duration_hours * 3600.0,
                            "high": request.max_duration_hours * 3600.0},
            }),
        ),
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

    let job = NewTrainingJob {
        cluster_id: request.cluster_id.clone(),
        name: request
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("{} · {}", dataset.name, request.base_model)),
        dataset_id: dataset.id.clone(),
        dataset_sha256: converted.sha256.clone(),
        base_model: request.base_model.clone(),
        hyperparameters: request.hyperparameters.clone(),
        gpu_type,
        gpu_count: request.gpu_count.max(1),
        spot: request.spot,
        max_duration_hours: request.max_duration_hours,
        estimate: Some(estimate_json.clone()),
        retry_of: request.retry_of.clone(),
    };
    Ok(LaunchPlan {
        request: job_request(&job),
        job,
        training_file: converted,
        budget,
        estimate,
        estimate_summary: estimate_json,
    })
}

/// The body of `POST /v1/jobs` for a job: the one function both the submission and the plan (preview, dry
/// run) use, so what the user previews is what the cluster receives.
pub fn job_request(job: &NewTrainingJob) -> JobRequest {
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
    }
}

/// The launch's view of a recorded job (a resumed submission sends what the first attempt would have sent).
fn recorded(job: &TrainingJob) -> NewTrainingJob {
    NewTrainingJob {
        cluster_id: job.cluster_id.clone(),
        name: job.name.clone(),
        dataset_id: job.dataset_id.clone(),
        dataset_sha256: job.dataset_sha256.clone(),
        base_model: job.base_model.clone(),
        hyperparameters: job.hyperparameters.clone(),
        gpu_type: job.gpu_type.clone(),
        gpu_count: job.gpu_count,
        spot: job.spot,
        max_duration_hours: job.max_duration_hours,
        estimate: job.estimate.clone(),
        retry_of: job.retry_of.clone(),
    }
}

/// Launches a job on the cluster `client` talks to (see the module doc for the steps and guarantees).
pub async fn launch(
    store: &SharedStore,
    data_dir: &Path,
    client: &ClusterClient,
    request: LaunchRequest,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<Launched, JobsError> {
    let plan = plan_launch(store, data_dir, client, &request, progress).await?;
    if plan.budget.verdict == LaunchVerdict::Refused {
        return Err(JobsError::OverBudget(Box::new(plan.budget)));
    }
    let new = plan.job;
    // Committed (synchronous=FULL) before any request that could create the job.
    let job = db::with(store, move |s| s.training_jobs().insert_submitting(&new)).await?;
    let job = submit(store, client, job, &plan.training_file.path, progress).await?;
    Ok(Launched {
        job,
        budget: plan.budget,
        estimate: plan.estimate,
    })
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
    let converted = training_file(data_dir, &dataset, progress).await?;
    if converted.sha256 != job.dataset_sha256 {
        return Err(JobsError::DatasetNotReady {
            id: dataset.id,
            reason: "its converted file no longer matches the one this job was launched with".into(),
        });
    }
    submit(store, client, job, &converted.path, progress).await
}

/// Uploads and submits a recorded job; records the cluster's answer, or fails the job when the cluster
/// refused it for good. An unreachable cluster leaves it `submitting`, to be resumed.
async fn submit(
    store: &SharedStore,
    client: &ClusterClient,
    job: TrainingJob,
    dataset_file: &Path,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingJob, JobsError> {
    let outcome = async {
        client
            .upload_dataset(&job.dataset_sha256, dataset_file, &mut |p| {
                progress(LaunchProgress::Uploading(p))
            })
            .await?;
        progress(LaunchProgress::Submitting);
        let request = job_request(&recorded(&job));
        client.create_job(&job.idempotency_key, &request).await
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

fn check_dataset(dataset: &Dataset) -> Result<(), JobsError> {
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
        DatasetStatus::Error => Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: format!(
                "its validation found {} error(s); see `brightrun dataset show {}`",
                dataset.error_count, dataset.id
            ),
        }),
    }
}

/// The training file of a library dataset, as uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingFile {
    /// `<data>/converted/<library sha256>.openai.jsonl`.
    pub path: PathBuf,
    /// Its SHA-256 (the cluster's content address).
    pub sha256: String,
}

/// Converts the library file once: the result is kept under `converted/<library sha256>.jsonl` (the
/// conversion is deterministic, and writes through a temporary file, so a kept file is complete).
pub async fn training_file(
    data_dir: &Path,
    dataset: &Dataset,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingFile, JobsError> {
    let source = dataset.path_in(data_dir);
    let out = data_dir
        .join(CONVERTED_FOLDER)
        .join(format!("{}.openai.jsonl", dataset.sha256));
    let format = dataset.format;
    let done = tokio::task::spawn_blocking(move || {
        if !out.is_file() {
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).map_err(|source| JobsError::Io {
                    context: "cannot create",
                    path: parent.display().to_string(),
                    source,
                })?;
            }
            let opts = ConvertOptions {
                format,
                validation_split: None,
                seed: 0,
            };
            convert_to_openai_messages(&source, &out, &opts, &|_, _| {}, &AtomicBool::new(false))?;
        }
        let sha256 = sha256_file(&out)?;
        Ok::<_, JobsError>(TrainingFile { path: out, sha256 })
    })
    .await
    .map_err(|e| JobsError::Task(e.to_string()))??;
    let size = std::fs::metadata(&done.path).map(|m| m.len()).unwrap_or(0);
    progress(LaunchProgress::Converting(Progress {
        done: size,
        total: size,
    }));
    Ok(done)
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

/// The estimator's figures, when the model's shape is known; `None` otherwise (the launch is then bounded
/// by its max duration).
fn estimate(
    request: &LaunchRequest,
    dataset: &Dataset,
    gpu_type: &str,
    gpu_name: &str,
    pricing: GpuPricing,
    capacity: Capacity,
) -> Option<TrainingEstimate> {
    let model = request
        .model_spec
        .clone()
        .or_else(|| find_known_model(&request.base_model).map(|k| k.spec))?;
    let gpu = GpuSpec::by_id(gpu_type)
        .or_else(|| GpuSpec::from_name(gpu_name))
        .unwrap_or_else(|| GpuSpec::cpu(CPU_DEFAULT_MEMORY_GIB));
    estimate_for_dataset(
        dataset,
        model,
        gpu,
        request.gpu_count,
        &request.hyperparameters,
        pricing,
        capacity,
    )
}

/// The estimator's figures for training `dataset` with `hyperparameters`: its exact (or estimated) token
/// count, less the validation split, for the epochs and evaluations the trainer will run. The configurator
/// shows the same figures the launch records.
pub fn estimate_for_dataset(
    dataset: &Dataset,
    model: ModelSpec,
    gpu: GpuSpec,
    gpu_count: u32,
    hyperparameters: &Hyperparameters,
    pricing: GpuPricing,
    capacity: Capacity,
) -> Option<TrainingEstimate> {
    let h = hyperparameters;
    let split = h.validation_split.clamp(0.0, 0.9);
    let tokens = dataset.tokens_total as f64;
    let train_examples = ((dataset.training_examples as f64) * (1.0 - split)).ceil() as u32;
    let validation_tokens = tokens * split;
    let gpu_count = gpu_count.max(1);
    let workload = Workload {
        train_tokens: tokens * (1.0 - split),
        validation_tokens,
        epochs: h.num_epochs,
        evaluations: Workload::evaluations_for(h, train_examples, gpu_count, validation_tokens),
    };
    let req = EstimateRequest {
        model,
        gpu,
        gpu_count,
        setup: TrainingSetup::from_hyperparameters(h, false, false),
        workload,
        pricing,
        capacity,
    };
    estimator::estimate(&req, None).ok()
}
