//! Training → Configure: the options a cluster offers, presets with their estimates, validation of the
//! form against the core's ranges, the exact job request (the launch's own plan), and the launch itself
//! (convert, upload with progress, submit with an idempotency key, record). Each command is a thin wrapper
//! over a plain function of [`CoreState`] that tests call without a window.

use brightrun_core::jobs::{self, LaunchRequest};
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::datasets::{DatasetQuery, MAX_PER_PAGE};
use brightrun_core::store::StoreError;
use brightrun_core::training::estimator::{find_known_model, ModelSpec};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::core_state::CoreState;
use crate::dto::estimate::{estimate_view, EstimateContext};
use crate::dto::jobs::JobView;
pub use crate::dto::training::{
    check_form, BaseModelChoice, BudgetView, ClusterChoice, ClusterOptions, DatasetChoice, EstimateSummary,
    FieldIssue, GpuChoice, HyperparametersInput, LaunchProgressEvent, LaunchStep, MemoryVerdict, PresetView,
    RangesView, TrainingDefaults, TrainingEstimateView, TrainingForm, TruncationView,
};
use crate::error::{AppError, ErrorCode};

/// Presets, ranges, clusters and ready datasets.
#[tauri::command]
#[specta::specta]
pub async fn training_defaults(core: State<'_, CoreState>) -> Result<TrainingDefaults, AppError> {
    defaults(&core).await
}

/// Makes sure the local cluster exists and runs (the configurator's default cluster).
#[tauri::command]
#[specta::specta]
pub async fn ensure_local_cluster(core: State<'_, CoreState>) -> Result<ClusterChoice, AppError> {
    ensure_local(&core).await
}

/// What a cluster offers (GPU types, prices, base models), asked live.
#[tauri::command]
#[specta::specta]
pub async fn cluster_options(
    core: State<'_, CoreState>,
    cluster_id: String,
) -> Result<ClusterOptions, AppError> {
    let capabilities = core.client(&cluster_id).await?.capabilities().await?;
    Ok(ClusterOptions::from(&capabilities))
}

/// The estimate of the form and of each preset on the chosen GPU, the badge and the field issues.
#[tauri::command]
#[specta::specta]
pub async fn estimate_training(
    core: State<'_, CoreState>,
    form: TrainingForm,
    gpu: Option<GpuChoice>,
) -> Result<TrainingEstimateView, AppError> {
    estimate(&core, &form, gpu.as_ref()).await
}

/// The exact job JSON the cluster will receive, as pretty JSON text. Nothing is recorded or uploaded.
#[tauri::command]
#[specta::specta]
pub async fn preview_job(core: State<'_, CoreState>, form: TrainingForm) -> Result<String, AppError> {
    preview(&core, form).await
}

/// Launches the job: convert, upload (progress as `LaunchProgressEvent`), submit, record; then asks the
/// poller for a pass. A budget refusal is the error `over_budget` unless `budget_override` is set.
#[tauri::command]
#[specta::specta]
pub async fn launch_training(
    app: AppHandle,
    core: State<'_, CoreState>,
    form: TrainingForm,
    budget_override: bool,
) -> Result<JobView, AppError> {
    let request = launch_request_of(&core, form, budget_override).await?;
    launch_with_events(&app, &core, request).await
}

/// The local cluster, started when it is not running (its Python stack checked first: `python_stack_missing`).
pub async fn ensure_local(core: &CoreState) -> Result<ClusterChoice, AppError> {
    let options = core.local_options();
    let local = brightrun_core::cluster::local::ensure_running(
        &core.cluster_store(),
        &core.keyring,
        &core.http,
        &options,
    )
    .await?;
    Ok(ClusterChoice::from(local.cluster))
}

/// What the cluster offers, asked live (the local one is started first).
pub async fn cluster_options_of(core: &CoreState, cluster_id: &str) -> Result<ClusterOptions, AppError> {
    let capabilities = core.client(cluster_id).await?.capabilities().await?;
    Ok(ClusterOptions::from(&capabilities))
}

/// The configurator's starting point from the store.
pub async fn defaults(core: &CoreState) -> Result<TrainingDefaults, AppError> {
    let (clusters, datasets) = core
        .read(|s| -> Result<_, StoreError> {
            let query = DatasetQuery {
                per_page: MAX_PER_PAGE,
                ..Default::default()
            };
            Ok((s.clusters().list()?, s.datasets().list(&query)?.items))
        })
        .await?;
    Ok(TrainingDefaults::new(clusters, datasets))
}

/// The estimator's figures for `form`, with the dataset's report, the month's spend and the user's earlier runs.
pub async fn estimate(
    core: &CoreState,
    form: &TrainingForm,
    gpu: Option<&GpuChoice>,
) -> Result<TrainingEstimateView, AppError> {
    let dataset_id = form.dataset_id.clone();
    let (detail, budget, spent, past) = core
        .read(move |s| -> Result<_, StoreError> {
            Ok((
                s.datasets().get_detail(&dataset_id)?,
                s.settings().monthly_budget_usd()?,
                s.cost_records().spent_in_month_of(chrono::Utc::now())?,
                s.training_jobs().with_throughput()?,
            ))
        })
        .await?;
    let model = model_spec(core, &form.cluster_id, &form.base_model).await;
    let exact_tokens =
        super::training_tokens::cached_count_for(core, &form.cluster_id, &detail.dataset, &form.base_model)
            .await;
    let context = EstimateContext {
        report: detail.report.as_ref(),
        observations: &jobs::estimate::observations(&past),
        exact_tokens,
    };
    Ok(estimate_view(
        form,
        &detail.dataset,
        model,
        gpu,
        budget,
        spent,
        &context,
    ))
}

/// The request the launch of `form` will send, built by the launch's own plan (the converted and split files'
/// hashes, the cluster's first GPU when none is chosen, `auto` checkpointing decided).
pub async fn preview(core: &CoreState, form: TrainingForm) -> Result<String, AppError> {
    let request = launch_request_of(core, form, false).await?;
    let client = core.client(&request.cluster_id).await?;
    let planned = jobs::plan(&core.store, core.data_dir(), &client, &request, &mut |_| {}).await?;
    serde_json::to_string_pretty(&planned.request)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot show the request: {e}")))
}

/// The core's launch request for `form`; refuses a form with an out-of-range field.
pub async fn launch_request_of(
    core: &CoreState,
    form: TrainingForm,
    budget_override: bool,
) -> Result<LaunchRequest, AppError> {
    if let Some(first) = check_form(&form).first() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("{}: {}", first.field, first.message),
        ));
    }
    let model_spec = model_spec(core, &form.cluster_id, &form.base_model).await;
    Ok(LaunchRequest {
        dataset_id: form.dataset_id,
        cluster_id: form.cluster_id,
        name: form.name,
        base_model: form.base_model,
        model_spec,
        hyperparameters: form.hyperparameters.to_core(),
        gpu_type: form.gpu_type,
        gpu_count: form.gpu_count,
        spot: form.spot,
        max_duration_hours: form.max_duration_hours,
        budget_override,
        retry_of: None,
        skip_invalid: form.skip_invalid,
    })
}

/// Runs the core's launch, reporting each step, then asks the poller for a pass; the recorded job.
pub async fn launch(
    core: &CoreState,
    request: LaunchRequest,
    on_progress: impl Fn(LaunchProgressEvent) + Send,
) -> Result<JobView, AppError> {
    let client = core.client(&request.cluster_id).await?;
    let mut progress = move |p: jobs::LaunchProgress| on_progress(LaunchProgressEvent::from(&p));
    let launched = jobs::launch(&core.store, core.data_dir(), &client, request, &mut progress).await?;
    tracing::info!(job = %launched.job.id, "launched");
    core.poll_now().await;
    Ok(JobView::from(&launched.job))
}

/// [`launch`] with its progress as `LaunchProgressEvent`s to the window and the tray refreshed (launch, retry).
pub async fn launch_with_events(
    app: &AppHandle,
    core: &CoreState,
    request: LaunchRequest,
) -> Result<JobView, AppError> {
    let emitter = app.clone();
    let job = launch(core, request, move |event| {
        // No window to tell (closing): the launch still finishes and the job is in the list.
        let _ = event.emit(&emitter);
    })
    .await?;
    crate::tray::refresh(app);
    Ok(job)
}

/// The base model's shape: a known hub model's, or the `config.json` of a folder on this machine (a local
/// cluster's `<data>/local-agent/models/<id>`, or an absolute folder path). `None` when neither is known.
/// Reads the store and a file, so it runs on the blocking pool.
pub async fn model_spec(core: &CoreState, cluster_id: &str, base_model: &str) -> Option<ModelSpec> {
    if let Some(known) = find_known_model(base_model) {
        return Some(known.spec);
    }
    let (core, cluster_id, base_model) = (core.clone(), cluster_id.to_owned(), base_model.to_owned());
    tokio::task::spawn_blocking(move || folder_model_spec(&core, &cluster_id, &base_model))
        .await
        .ok()
        .flatten()
}

fn folder_model_spec(core: &CoreState, cluster_id: &str, base_model: &str) -> Option<ModelSpec> {
    let path = std::path::Path::new(base_model);
    let folder = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let local = core
            .with_store(|s| s.clusters().get(cluster_id))
            .ok()
            .flatten()
            .is_some_and(|c| c.kind == ClusterKind::Local);
        if !local || base_model.contains(['/', '\\']) {
            return None;
        }
        core.data_dir()
            .join(brightrun_core::cluster::local::LOCAL_AGENT_FOLDER)
            .join("models")
            .join(base_model)
    };
    let config = std::fs::read_to_string(folder.join("config.json")).ok()?;
    ModelSpec::from_hf_config(&config).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::estimate::badge_name;
    use brightrun_core::training::presets::Preset;
    use brightrun_core::training::{Checkpointing, Hyperparameters};

    fn form() -> TrainingForm {
        TrainingForm {
            dataset_id: "d".into(),
            cluster_id: "c".into(),
            name: None,
            base_model: "meta-llama/Llama-3.2-1B".into(),
            hyperparameters: HyperparametersInput::from_core(&Hyperparameters::default()),
            gpu_type: Some("cpu".into()),
            gpu_count: 1,
            spot: false,
            max_duration_hours: 24.0,
            skip_invalid: false,
        }
    }

    #[test]
    fn out_of_range_fields_are_named() {
        let mut f = form();
        f.hyperparameters.lora_rank = 6;
        f.max_duration_hours = 100.0;
        let fields: Vec<String> = check_form(&f).into_iter().map(|i| i.field).collect();
        assert!(fields.contains(&"lora_rank".to_string()), "{fields:?}");
        assert!(fields.contains(&"max_duration_hours".to_string()), "{fields:?}");
        assert!(check_form(&form()).is_empty());
    }

    #[test]
    fn presets_round_trip_through_the_input_shape() {
        for preset in Preset::ALL {
            let mut h = Hyperparameters::default();
            preset.apply_to(&mut h);
            let back = HyperparametersInput::from_core(&h).to_core();
            assert_eq!(badge_name(&back), preset.as_str());
        }
        let mut custom = HyperparametersInput::from_core(&Hyperparameters::default());
        custom.lora_rank = 12;
        assert_eq!(badge_name(&custom.to_core()), "custom");
    }

    #[test]
    fn qlora_checkpointing_and_the_split_reach_the_core() {
        let mut input = HyperparametersInput::from_core(&Hyperparameters::default());
        assert_eq!(input.gradient_checkpointing, "auto");
        input.qlora = true;
        input.gradient_checkpointing = "off".into();
        input.validation_split = 0.25;
        input.packing = "group_by_length".into();
        let h = input.to_core();
        assert_eq!(
            h.packing,
            brightrun_core::training::hyperparameters::Packing::GroupByLength
        );
        assert!(h.qlora);
        assert_eq!(h.gradient_checkpointing, Checkpointing::Off);
        assert_eq!(h.validation_split, 0.25);
        assert_eq!(HyperparametersInput::from_core(&h), input);
    }
}
