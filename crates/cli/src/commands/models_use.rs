//! `brightrun models export | chat | merge`: using a trained model. Each is a few lines over `brightrun_core::models`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use brightrun_core::cluster::ClusterClient;
use brightrun_core::models::{self, ChatOptions, MergeProgress, Side};
use brightrun_core::store::model_artifacts::ModelArtifact;
use clap::Args;

use super::{follow, Context};
use crate::error::Outcome;
use crate::output::print_json;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model's id (or its job's id).
    pub id: String,
    /// The ZIP file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE.zip")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The model's id (or its job's id).
    pub id: String,
    /// What to ask.
    #[arg(long)]
    pub prompt: String,
    /// A system prompt before it.
    #[arg(long)]
    pub system: Option<String>,
    /// Most tokens per answer.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_new_tokens: u32,
    /// Sampling temperature (0: greedy).
    #[arg(long, default_value_t = 0.7)]
    pub temperature: f64,
    /// Nucleus sampling.
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f64,
    /// The same seed gives the same answers.
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The model's id (or its job's id).
    pub id: String,
    /// Folder for the merged model (default: `<data>/models/<job id>-merged`).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// `brightrun models export`.
pub fn export(ctx: &Context, args: ExportArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let zip = models::export_model(&store, &data_dir, &args.id, &args.output)?;
    if ctx.json {
        print_json(&zip)?;
    } else {
        println!(
            "Exported to {} ({} bytes, SHA-256 {}).",
            zip.path.display(),
            zip.bytes,
            zip.sha256
        );
    }
    Ok(Outcome::Success)
}

/// `brightrun models chat`: the base model's answer, then the adapter's, streamed as they are generated.
pub fn chat(ctx: &Context, args: ChatArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let (model, client) = connect(ctx, &args.id).await?;
        let options = ChatOptions {
            system: args.system.clone(),
            max_new_tokens: args.max_new_tokens,
            temperature: args.temperature,
            top_p: args.top_p,
            seed: args.seed,
        };
        let json = ctx.json;
        let mut current: Option<Side> = None;
        let mut print = |side: Side, text: &str| {
            if json {
                return;
            }
            let mut out = std::io::stdout().lock();
            if current != Some(side) {
                let label = match side {
                    Side::Base => format!("base ({})", model.base_model),
                    Side::Adapter => format!("adapter ({})", model.name),
                };
                let _ = writeln!(
                    out,
                    "{}── {label} ──",
                    if current.is_some() { "\n\n" } else { "" }
                );
                current = Some(side);
            }
            let _ = write!(out, "{text}");
            let _ = out.flush();
        };
        let answers = models::side_by_side(&client, &model, &args.prompt, &options, &mut print).await?;
        if json {
            print_json(&answers)?;
        } else {
            println!();
        }
        Ok(Outcome::Success)
    })
}

/// `brightrun models merge`.
pub fn merge(ctx: &Context, args: MergeArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let (model, client) = connect(ctx, &args.id).await?;
        let data_dir = ctx.data_dir()?;
        let dest = args.output.clone().unwrap_or_else(|| {
            brightrun_core::jobs::models_dir(&data_dir).join(format!("{}-merged", model.job_id))
        });
        let json = ctx.json;
        let mut said_merging = false;
        let bar = indicatif::ProgressBar::hidden();
        let mut progress = |p: MergeProgress| match p {
            MergeProgress::Merging if !said_merging && !json => {
                said_merging = true;
                eprintln!("Merging the adapter into {} on the cluster…", model.base_model);
            }
            MergeProgress::Merging => {}
            MergeProgress::Downloading(p) => {
                if bar.is_hidden() && !json && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                crate::progress::callback(&bar)(p.done, p.total);
            }
        };
        let merged = models::merge_model(&client, &model, &dest, &mut progress).await?;
        bar.finish_and_clear();
        if json {
            print_json(&merged)?;
        } else {
            println!(
                "Merged model in {} ({} bytes, weights SHA-256 {}).",
                merged.path.display(),
                merged.bytes,
                merged.sha256
            );
        }
        Ok(Outcome::Success)
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The model and a client of the cluster that trained it (the local agent is started if needed).
async fn connect(ctx: &Context, id: &str) -> anyhow::Result<(ModelArtifact, ClusterClient)> {
    let (data_dir, store) = ctx.open_store()?;
    let model = store.model_artifacts().find(id)?;
    let job = store.training_jobs().get(&model.job_id)?;
    let store = follow::shared(store);
    let (_, client) = super::train::connect(&store, &data_dir, Some(&job.cluster_id), None).await?;
    Ok((model, client))
}

/// The stable `--json` error code of an export, merge or compare failure, if `cause` is one.
pub fn code_of(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use brightrun_core::jobs::compare::CompareError;
    use brightrun_core::models::{ExportError, MergeError};
    use brightrun_core::store::StoreError;
    let store = |e: &StoreError| match e {
        StoreError::NotFound { .. } => "not_found",
        _ => "database_error",
    };
    if let Some(e) = cause.downcast_ref::<ExportError>() {
        return Some(match e {
            ExportError::Store(e) => store(e),
            ExportError::MissingFile(_) | ExportError::Changed { .. } => "model_changed",
            ExportError::Io { .. } | ExportError::Zip(_) => "io_error",
        });
    }
    if let Some(e) = cause.downcast_ref::<CompareError>() {
        return Some(match e {
            CompareError::Store(e) => store(e),
            CompareError::Count(_) => "invalid_argument",
        });
    }
    if let Some(e) = cause.downcast_ref::<MergeError>() {
        return Some(match e {
            MergeError::Client(inner) => super::cluster::code_of(inner).unwrap_or("cluster_error"),
            MergeError::Failed(_) => "merge_failed",
            MergeError::NoRemoteJob(_) | MergeError::NoWeights => "merge_failed",
        });
    }
    None
}
