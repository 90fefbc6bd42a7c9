//! `brightrun models …`: the trained adapters downloaded into the data folder, with quality and lineage.

use std::path::Path;

use brightrun_core::store::model_artifacts::ModelArtifact;
use brightrun_core::store::Store;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::follow::job_json;
use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

/// `brightrun models …`
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List trained models, newest first (the trash with --deleted).
    List(ListArgs),
    /// Show one model with its lineage: dataset, configuration and job.
    Show(IdArgs),
    /// Rename a model (its job keeps its name).
    Rename(RenameArgs),
    /// Replace a model's description.
    Describe(DescribeArgs),
    /// Move a model to the trash (its files stay; `restore` brings it back).
    Rm(IdArgs),
    /// Bring a model back from the trash.
    Restore(IdArgs),
    /// Save a model as one ZIP: adapter, summary.json and a model card.
    Export(super::models_use::ExportArgs),
    /// Ask the base model and the trained adapter the same prompt; both answers stream as they come.
    Chat(super::models_use::ChatArgs),
    /// Merge the adapter into its base model on the cluster and download the merged model.
    Merge(super::models_use::MergeArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List the trash instead of the library.
    #[arg(long)]
    pub deleted: bool,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The model's id (or its job's id).
    pub id: String,
    /// The new name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The model's id (or its job's id).
    pub id: String,
    /// The new description (empty to clear it).
    pub description: String,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The model's id (or its job's id).
    pub id: String,
}

/// A model as the CLI prints it (`--json` contract): `adapter_dir` is absolute, with its `version` and
/// `parent_model_id`.
pub fn model_json(data_dir: &Path, store: &Store, model: &ModelArtifact) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(model)?;
    value["adapter_dir"] = json!(data_dir.join(&model.adapter_dir));
    let version = store.model_versions().of(&model.id)?;
    value["version"] = json!(version.version);
    value["parent_model_id"] = json!(version.parent_model_id);
    Ok(value)
}

/// Runs one `models` subcommand.
pub fn run(ctx: &Context, command: ModelsCommand) -> anyhow::Result<Outcome> {
    match command {
        ModelsCommand::Export(args) => return super::models_use::export(ctx, args),
        ModelsCommand::Chat(args) => return super::models_use::chat(ctx, args),
        ModelsCommand::Merge(args) => return super::models_use::merge(ctx, args),
        _ => {}
    }
    let (data_dir, store) = ctx.open_store()?;
    match command {
        ModelsCommand::Export(_) | ModelsCommand::Chat(_) | ModelsCommand::Merge(_) => {}
        ModelsCommand::List(args) => {
            let models = if args.deleted {
                store.model_artifacts().list_deleted()?
            } else {
                store.model_artifacts().list()?
            };
            if ctx.json {
                let values = models
                    .iter()
                    .map(|m| model_json(&data_dir, &store, m))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                print_json(&values)?;
            } else if models.is_empty() {
                println!("No models yet.");
            } else {
                for m in &models {
                    println!(
                        "{}  rating {}/5  {}  {}",
                        m.id,
                        m.quality.rating,
                        m.name,
                        data_dir.join(&m.adapter_dir).display()
                    );
                }
            }
        }
        ModelsCommand::Show(args) => {
            let model = store.model_artifacts().find(&args.id)?;
            let job = store.training_jobs().get(&model.job_id)?;
            let dataset = store.datasets().get(&model.dataset_id).ok();
            if ctx.json {
                let mut value = model_json(&data_dir, &store, &model)?;
                value["versions"] = json!(store.model_versions().history(&model.id)?);
                value["lineage"] = json!({
                    "dataset": dataset.as_ref().map(|d| json!({
                        "id": d.id, "name": d.name, "sha256": d.sha256, "format": d.format,
                        "training_file_sha256": model.dataset_sha256,
                    })),
                    "config": model.config,
                    "job": job_json(&store, &job)?,
                });
                print_json(&value)?;
            } else {
                let q = &model.quality;
                let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or("-".into());
                println!("{}  {}", model.id, model.name);
                println!("  adapter      {}", data_dir.join(&model.adapter_dir).display());
                println!("  base model   {}", model.base_model);
                println!(
                    "  verified     {} ({} files, {} bytes)",
                    model.verified,
                    model.files.len(),
                    model.bytes
                );
                println!(
                    "  rating       {}/5{}",
                    q.rating,
                    if q.overfitting { " (overfitting)" } else { "" }
                );
                println!(
                    "  train loss   {}   val loss {}   perplexity {}",
                    num(q.final_train_loss),
                    num(q.final_val_loss),
                    num(q.perplexity)
                );
                println!(
                    "  improvement  {}",
                    q.improvement_pct
                        .map(|p| format!("{p:.1} %"))
                        .unwrap_or("-".into())
                );
                match &dataset {
                    Some(d) => println!("  dataset      {} ({})", d.name, d.id),
                    None => println!("  dataset      {}", model.dataset_id),
                }
                println!(
                    "  job          {} ({}, {})",
                    job.name,
                    job.id,
                    job.status.as_str()
                );
            }
        }
        ModelsCommand::Rename(args) => {
            let model = store.model_artifacts().rename(&args.id, &args.name)?;
            print_changed(ctx, &data_dir, &store, &model, "Renamed")?;
        }
        ModelsCommand::Describe(args) => {
            let model = store.model_artifacts().describe(&args.id, &args.description)?;
            print_changed(ctx, &data_dir, &store, &model, "Described")?;
        }
        ModelsCommand::Rm(args) => {
            let model = store.model_artifacts().soft_delete(&args.id)?;
            print_changed(ctx, &data_dir, &store, &model, "Moved to the trash")?;
        }
        ModelsCommand::Restore(args) => {
            let model = store.model_artifacts().restore(&args.id)?;
            print_changed(ctx, &data_dir, &store, &model, "Restored")?;
        }
    }
    Ok(Outcome::Success)
}

/// The changed model as JSON, or one line of text.
fn print_changed(
    ctx: &Context,
    data_dir: &Path,
    store: &Store,
    model: &ModelArtifact,
    what: &str,
) -> anyhow::Result<()> {
    if ctx.json {
        print_json(&model_json(data_dir, store, model)?)
    } else {
        println!("{what}: {}  {}", model.id, model.name);
        Ok(())
    }
}
