//! `brightrun train DATASET`: launch a LoRA run on a cluster (the local one by default), and with `--wait`
//! follow it to its downloaded, verified adapter. See docs/jobs.md for the flags, defaults and exit codes.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use brightrun_core::cluster::local::{self, LocalModelError, LocalOptions, LOCAL_AGENT_FOLDER};
use brightrun_core::cluster::{client, client_for, ClusterClient, Keyring};
use brightrun_core::jobs::{self, JobEvent, JobsError, LaunchProgress, LaunchRequest};
use brightrun_core::store::training_jobs::JobStatus;
use brightrun_core::store::{import_dataset, Cluster, ClusterKind, ImportRequest, StoreAccess, StoreError};
use brightrun_core::training::estimator::ModelSpec;
use brightrun_core::training::presets::Preset;
use brightrun_core::training::Hyperparameters;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::follow::{self, event_line, job_json};
use super::Context;
use crate::error::{Outcome, UsageError};
use crate::output::print_json;

/// Name of the tiny model `train` builds for the local cluster when it offers no local model.
pub const TINY_MODEL_NAME: &str = "tiny-llama";

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A library dataset id, or a dataset file (imported into the library first).
    pub dataset: String,
    /// Starting point for the hyperparameters (default conservative).
    #[arg(long, value_enum, default_value = "conservative")]
    pub preset: PresetArg,
    /// Cluster name or id (default: the local cluster, started if it is not running).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Base model id as the cluster lists it, or on the Local cluster a Hugging Face model folder on this
    /// computer (linked into the local agent, not copied). Default: on the local cluster its first local
    /// model, else a tiny model built once for it; elsewhere the cluster's first model.
    #[arg(long)]
    pub base_model: Option<String>,
    /// Override one hyperparameter, e.g. --set max_steps=20 --set learning_rate=5e-4 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Name shown in lists (default "<dataset> · <base model>").
    #[arg(long)]
    pub name: Option<String>,
    /// GPU type (default the cluster's first; `cpu` on a machine without GPUs).
    #[arg(long)]
    pub gpu_type: Option<String>,
    /// GPUs to use.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub gpu_count: u32,
    /// Spot capacity (cheaper, interruptible) instead of on-demand.
    #[arg(long)]
    pub spot: bool,
    /// The cluster stops the job past this many hours (1–72).
    #[arg(long, default_value_t = 24.0)]
    pub max_duration_hours: f64,
    /// Launch even if the estimate exceeds what remains of the monthly budget.
    #[arg(long)]
    pub max_budget_override: bool,
    /// Follow the job until it ends and its adapter is downloaded (exit 0 completed, 1 failed/cancelled).
    #[arg(long)]
    pub wait: bool,
    /// Train a model again: the new model records this one (id or job id) as its parent and gets the next
    /// version.
    #[arg(long, value_name = "MODEL_ID")]
    pub parent_model: Option<String>,
    /// Train on a dataset with some invalid records by leaving them out (the job records how many).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Show the estimate, the memory verdict and the exact request without recording or uploading anything.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
    /// Python with brightrun_trainer installed, for the local cluster and its tiny model.
    #[arg(long, value_name = "PYTHON")]
    pub python: Option<PathBuf>,
}

/// `--preset` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    Conservative,
    Balanced,
    Aggressive,
}

impl From<PresetArg> for Preset {
    fn from(arg: PresetArg) -> Self {
        match arg {
            PresetArg::Conservative => Preset::Conservative,
            PresetArg::Balanced => Preset::Balanced,
            PresetArg::Aggressive => Preset::Aggressive,
        }
    }
}

/// Runs `brightrun train`.
pub fn run(ctx: &Context, args: TrainArgs) -> anyhow::Result<Outcome> {
    let hyperparameters = hyperparameters(args.preset.into(), &args.set)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(train(ctx, args, hyperparameters))
}

async fn train(ctx: &Context, args: TrainArgs, hyperparameters: Hyperparameters) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let store = follow::shared(store);
    // Checked before the launch, so a mistyped parent never costs a run.
    let parent = match &args.parent_model {
        Some(id) => Some(store.with_store(|s| s.model_artifacts().find(id))?.id),
        None => None,
    };
    let dataset_id = dataset_id(&store, &data_dir, &args.dataset)?;
    refuse_local_folder_for_remote(&store, &args)?;
    let (cluster, client) = connect(&store, &data_dir, args.cluster.as_deref(), args.python.clone()).await?;
    let (base_model, model_spec) = base_model(&data_dir, &cluster, &client, &args).await?;

    let request = LaunchRequest {
        dataset_id,
        cluster_id: cluster.id.clone(),
        name: args.name.clone(),
        base_model,
        model_spec,
        hyperparameters,
        gpu_type: args.gpu_type.clone(),
        gpu_count: args.gpu_count,
        spot: args.spot,
        max_duration_hours: args.max_duration_hours,
        budget_override: args.max_budget_override,
        retry_of: None,
        skip_invalid: args.skip_invalid,
    };
    let mut progress = |p: LaunchProgress| match p {
        LaunchProgress::Converting(_) => eprintln!("Converting the dataset to openai_messages…"),
        LaunchProgress::Uploading(p) if p.done == p.total => {
            eprintln!("Dataset on the cluster ({} bytes).", p.total)
        }
        LaunchProgress::Uploading(_) => {}
        LaunchProgress::Submitting => eprintln!("Submitting to {}…", cluster.name),
    };
    if args.dry_run {
        let plan = jobs::plan(&store, &data_dir, &client, &request, &mut progress).await?;
        return dry_run(ctx, &plan);
    }
    let launched = jobs::launch(&store, &data_dir, &client, request, &mut progress).await?;
    let job = launched.job;
    if let Some(parent) = &parent {
        store.with_store(|s| s.model_versions().set_job_parent(&job.id, parent))?;
    }
    eprintln!("Job {} is {} on {}.", job.id, job.status.as_str(), cluster.name);

    if !args.wait {
        let value = store.with_store(|s| job_json(s, &job))?;
        if ctx.json {
            print_json(&json!({ "job": value, "budget": launched.budget }))?;
        } else {
            println!("{}", job.id);
            eprintln!("Follow it with `brightrun jobs watch {}`.", job.id);
        }
        return Ok(Outcome::Success);
    }

    let json = ctx.json;
    let mut print = |event: &JobEvent| {
        match event {
            // Metrics lines are the run's output; everything else is progress, on stderr.
            JobEvent::Metrics { .. } if !json => {
                if let Some(line) = event_line(event) {
                    println!("{line}");
                }
            }
            _ => {
                if let Some(line) = event_line(event) {
                    eprintln!("{line}");
                }
            }
        }
    };
    let ended = follow::follow(&store, &data_dir, std::slice::from_ref(&job.id), &mut print).await?;
    let job = ended
        .into_iter()
        .next()
        .context("the job disappeared from the store")?;
    let model = store.with_store(|s| s.model_artifacts().by_job(&job.id))?;
    if json {
        let mut value = store.with_store(|s| job_json(s, &job))?;
        value["metrics"] = serde_json::to_value(store.with_store(|s| s.metrics().list(&job.id))?)?;
        let model = match &model {
            Some(m) => store.with_store(|s| super::models::model_json(&data_dir, s, m))?,
            None => Value::Null,
        };
        print_json(&json!({ "job": value, "model": model }))?;
    } else {
        match (&job.status, &model) {
            (JobStatus::Completed, Some(m)) => println!(
                "Completed. Model {} in {} (rated {}/5).",
                m.id,
                data_dir.join(&m.adapter_dir).display(),
                m.quality.rating
            ),
            (status, _) => {
                println!("Job ended {}.", status.as_str());
                if let Some(message) = &job.error_message {
                    println!("  {message}");
                }
                if let Some(hint) = &job.error_hint {
                    println!("  hint: {hint}");
                }
                if let Some(error) = &job.artifacts_error {
                    println!("  download: {error}");
                }
            }
        }
    }
    Ok(if job.status == JobStatus::Completed && model.is_some() {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

/// `--dry-run`: what the launch would record and send, from the launch's own plan. The shape is
/// `{"estimate": {...}, "memory": {"verdict", ...}, "request": {...}}` (docs/cli.md).
fn dry_run(ctx: &Context, plan: &jobs::LaunchPlan) -> anyhow::Result<Outcome> {
    let estimate = &plan.estimate_summary;
    let value = json!({
        "estimate": estimate,
        "memory": estimate["memory"],
        "request": plan.request,
        "split": plan.files.split,
        "skipped_invalid": plan.files.skipped_invalid,
        "budget": plan.budget,
    });
    if ctx.json {
        print_json(&value)?;
    } else {
        let seconds = |key: &str| estimate[key].as_f64().unwrap_or(0.0) / 60.0;
        println!(
            "Time: {:.0}–{:.0} min (expected {:.0}), calibrated on {} run(s), tokens {}.",
            seconds("low_seconds"),
            seconds("high_seconds"),
            seconds("expected_seconds"),
            estimate["calibrated_runs"],
            estimate["tokens_method"].as_str().unwrap_or("estimate"),
        );
        println!(
            "Memory: {}.",
            estimate["memory"]["verdict"].as_str().unwrap_or("unknown")
        );
        println!("{}", serde_json::to_string_pretty(&plan.request)?);
    }
    Ok(Outcome::Success)
}

/// The cluster named `name` (default, or `local`: the local cluster, started if it is not running) and its
/// client with the key from the keyring.
pub(crate) async fn connect(
    store: &jobs::SharedStore,
    data_dir: &Path,
    name: Option<&str>,
    python: Option<PathBuf>,
) -> anyhow::Result<(Cluster, ClusterClient)> {
    let keyring = Keyring::from_env();
    let http = client::http_client()?;
    let wants_local = name.is_none_or(|c| c.eq_ignore_ascii_case("local"));
    if wants_local {
        let options = LocalOptions {
            data_dir: data_dir.to_path_buf(),
            agent_bin: None,
            python,
            check_python: true,
        };
        let running = local::ensure_running(store.as_ref(), &keyring, &http, &options).await?;
        return Ok(client_for(store.as_ref(), &keyring, &http, &running.cluster.id).await?);
    }
    let name = name.unwrap_or_default();
    let cluster = store.with_store(|s| s.clusters().find(name))?;
    if cluster.kind == ClusterKind::Local {
        // The local cluster by its name or id: still make sure its daemon runs.
        return Box::pin(connect(store, data_dir, None, python)).await;
    }
    Ok(client_for(store.as_ref(), &keyring, &http, &cluster.id).await?)
}

/// A `--base-model` folder on this computer with a cluster elsewhere: refused before any connection, with why.
fn refuse_local_folder_for_remote(store: &jobs::SharedStore, args: &TrainArgs) -> anyhow::Result<()> {
    let (Some(model), Some(name)) = (args.base_model.as_deref(), args.cluster.as_deref()) else {
        return Ok(());
    };
    if !local::is_local_folder(model) || name.eq_ignore_ascii_case("local") {
        return Ok(());
    }
    let cluster = store.with_store(|s| s.clusters().find(name))?;
    if cluster.kind == ClusterKind::Local {
        return Ok(());
    }
    Err(LocalModelError::RemoteCluster {
        path: model.to_string(),
        cluster: cluster.name,
    }
    .into())
}

/// The shape of a model folder under the local agent's models, for the estimate.
pub(crate) fn local_model_spec(data_dir: &Path, cluster: &Cluster, model: &str) -> Option<ModelSpec> {
    if cluster.kind != ClusterKind::Local {
        return None;
    }
    let dir = data_dir.join(LOCAL_AGENT_FOLDER).join("models").join(model);
    let config = std::fs::read_to_string(dir.join("config.json")).ok()?;
    ModelSpec::from_hf_config(&config).ok()
}

/// The stable `--json` error code of a job failure (launch, cancel, follow), if `cause` is one.
pub fn code_of(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    if let Some(e) = cause.downcast_ref::<LocalModelError>() {
        return Some(match e {
            LocalModelError::NotAModel { .. } | LocalModelError::RemoteCluster { .. } => "invalid_argument",
            LocalModelError::Link { .. } => "io_error",
        });
    }
    let e = cause.downcast_ref::<JobsError>()?;
    Some(match e {
        JobsError::OverBudget(_) => "over_budget",
        JobsError::DatasetNotReady { .. } => "dataset_not_ready",
        JobsError::InvalidHyperparameters(_) => "invalid_argument",
        JobsError::NotOffered { .. } => "not_offered",
        JobsError::NotSupported { .. } => "not_supported",
        JobsError::NotSubmitted(_) => "not_submitted",
        // Transparent wrappers: their own codes, as `cluster` commands print them.
        JobsError::Cluster(inner) => return super::cluster::code_of(inner).or(Some("cluster_error")),
        JobsError::Keyring(inner) => return super::cluster::code_of(inner).or(Some("keyring_error")),
        JobsError::Store(StoreError::NotFound { .. }) => "not_found",
        JobsError::Store(_) => "database_error",
        JobsError::Dataset(_) => "dataset_error",
        JobsError::Io { .. } => "io_error",
        JobsError::UnsafeArtifactName(_) => "cluster_error",
        JobsError::Task(_) => "error",
    })
}

/// The conservative defaults, the preset, then each `--set key=value` (a value is read as JSON when it
/// parses, else as text; unknown keys and out-of-range values are refused).
pub(crate) fn hyperparameters(preset: Preset, sets: &[String]) -> anyhow::Result<Hyperparameters> {
    let mut h = Hyperparameters::default();
    preset.apply_to(&mut h);
    let mut value = serde_json::to_value(&h)?;
    for set in sets {
        let (key, raw) = set
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--set {set:?}: expected KEY=VALUE")))?;
        let key = key.trim();
        let parsed =
            serde_json::from_str::<Value>(raw.trim()).unwrap_or_else(|_| Value::String(raw.to_string()));
        value[key] = parsed;
    }
    let h: Hyperparameters = serde_json::from_value(value).map_err(|e| UsageError(format!("--set: {e}")))?;
    let errors = h.validate();
    if !errors.is_empty() {
        let text: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        return Err(UsageError(format!("invalid hyperparameters: {}", text.join("; "))).into());
    }
    Ok(h)
}

/// A library id as given, or the id of the file imported into the library.
fn dataset_id(store: &jobs::SharedStore, data_dir: &Path, given: &str) -> anyhow::Result<String> {
    let path = Path::new(given);
    if path.is_file() {
        eprintln!("Importing {} into the library…", path.display());
        let imported = import_dataset(
            store.as_ref(),
            data_dir,
            path,
            &ImportRequest::default(),
            &Default::default(),
            &|_, _| {},
            &AtomicBool::new(false),
        )?;
        return Ok(imported.dataset.id);
    }
    match store.with_store(|s| s.datasets().get(given)) {
        Ok(dataset) => Ok(dataset.id),
        Err(_) => Err(UsageError(format!(
            "{given:?} is neither a file nor a dataset id in the library (see `brightrun dataset list`)"
        ))
        .into()),
    }
}

/// The base model to train and, when its config is readable here, its shape for the estimate.
async fn base_model(
    data_dir: &Path,
    cluster: &Cluster,
    client: &ClusterClient,
    args: &TrainArgs,
) -> anyhow::Result<(String, Option<ModelSpec>)> {
    let local_models = data_dir.join(LOCAL_AGENT_FOLDER).join("models");
    let spec_of = |id: &str| local_model_spec(data_dir, cluster, id);
    if let Some(model) = &args.base_model {
        if local::is_local_folder(model) {
            // Checked before connecting too; the Local cluster by another name still lands here.
            if cluster.kind != ClusterKind::Local {
                return Err(LocalModelError::RemoteCluster {
                    path: model.clone(),
                    cluster: cluster.name.clone(),
                }
                .into());
            }
            let name = local::link_local_model(data_dir, Path::new(model))?;
            eprintln!("Base model {model} is offered by the local cluster as {name:?} (linked, not copied).");
            return Ok((name.clone(), spec_of(&name)));
        }
        return Ok((model.clone(), spec_of(model)));
    }
    let capabilities = client.capabilities().await?;
    if cluster.kind != ClusterKind::Local {
        let first = capabilities
            .base_models
            .first()
            .ok_or_else(|| UsageError(format!("cluster {} offers no base model", cluster.name)))?;
        return Ok((first.id.clone(), None));
    }
    // Local: a model on this machine, never a hub download the user did not ask for.
    if let Some(model) = capabilities.base_models.iter().find(|m| m.source == "local") {
        return Ok((model.id.clone(), spec_of(&model.id)));
    }
    let out = local_models.join(TINY_MODEL_NAME);
    let python = local::resolve_python(data_dir, args.python.as_deref());
    eprintln!(
        "The local cluster has no local base model: building the tiny test model into {}…",
        out.display()
    );
    let status = tokio::process::Command::new(&python)
        // -I and a working folder of ours: nothing from the user's current directory is imported.
        .args(["-I", "-m", "brightrun_trainer.tiny_model", "--out"])
        .arg(&out)
        .current_dir(data_dir)
        .env("HF_HUB_OFFLINE", "1")
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .with_context(|| format!("cannot run {}", python.display()))?;
    if !status.success() {
        anyhow::bail!(
            "building the tiny model with {} failed ({status}); pass --base-model or --python",
            python.display()
        );
    }
    Ok((TINY_MODEL_NAME.to_string(), spec_of(TINY_MODEL_NAME)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_override_the_preset_and_bad_ones_are_refused() {
        let h = hyperparameters(
            Preset::Balanced,
            &["max_steps=12".into(), "learning_rate=5e-4".into()],
        )
        .unwrap();
        assert_eq!(h.max_steps, Some(12));
        assert_eq!(h.learning_rate, 5e-4);
        assert_eq!(h.batch_size, 8);
        assert!(hyperparameters(Preset::Balanced, &["no_such_key=1".into()]).is_err());
        assert!(hyperparameters(Preset::Balanced, &["max_steps".into()]).is_err());
        assert!(hyperparameters(Preset::Balanced, &["lora_rank=5".into()]).is_err());
    }
}
