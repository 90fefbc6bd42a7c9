//! `brightrun jobs …`: list, show, watch, cancel and read the logs of training jobs. `list` and `show` read
//! the local store (as fresh as the last poll); `watch` and `logs --follow` run the poller in the foreground.

use std::io::Write as _;

use anyhow::Context as _;
use brightrun_core::cluster::{client, Keyring};
use brightrun_core::jobs::{self, JobEvent, KeyringClients};
use brightrun_core::store::training_jobs::JobStatus;
use brightrun_core::store::StoreAccess;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::follow::{self, event_line, has_ended, job_json};
use super::Context;
use crate::error::Outcome;
use crate::output::print_json;

/// `brightrun jobs …`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List(ListArgs),
    /// Show one job with its metrics, checkpoints and error.
    Show(IdArgs),
    /// Follow a job (or every active one) until it ends, printing each change. Ctrl-C stops watching,
    /// never the job.
    Watch(WatchArgs),
    /// Cancel a job.
    Cancel(CancelArgs),
    /// Print a job's log.
    Logs(LogsArgs),
    /// Launch a failed or cancelled job again as "<name> (Retry #n)" (half the batch size after an
    /// out-of-memory failure).
    Retry(RetryArgs),
    /// Compare 2 to 6 jobs: final losses, the settings that differ, and their loss curves.
    Compare(super::jobs_compare::CompareArgs),
}

/// `--status` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Submitting,
    Queued,
    Initializing,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl From<StatusArg> for JobStatus {
    fn from(arg: StatusArg) -> Self {
        match arg {
            StatusArg::Submitting => JobStatus::Submitting,
            StatusArg::Queued => JobStatus::Queued,
            StatusArg::Initializing => JobStatus::Initializing,
            StatusArg::Running => JobStatus::Running,
            StatusArg::Completed => JobStatus::Completed,
            StatusArg::Failed => JobStatus::Failed,
            StatusArg::Cancelled => JobStatus::Cancelled,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs with this status.
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The job's id (or a unique prefix of it).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The job's id; without it, every job that is not finished.
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The job's id.
    pub id: String,
    /// Why (kept with the job).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The job's id.
    pub id: String,
    /// Keep printing new log text until the job ends.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// The failed or cancelled job's id.
    pub id: String,
    /// Launch even if the estimate exceeds what remains of the monthly budget.
    #[arg(long)]
    pub max_budget_override: bool,
}

/// Runs one `jobs` subcommand.
pub fn run(ctx: &Context, command: JobsCommand) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match command {
        JobsCommand::List(args) => list(ctx, args),
        JobsCommand::Show(args) => show(ctx, args),
        JobsCommand::Watch(args) => runtime.block_on(watch(ctx, args)),
        JobsCommand::Cancel(args) => runtime.block_on(cancel(ctx, args)),
        JobsCommand::Logs(args) => runtime.block_on(logs(ctx, args)),
        JobsCommand::Retry(args) => runtime.block_on(retry(ctx, args)),
        JobsCommand::Compare(args) => super::jobs_compare::compare(ctx, args),
    }
}

fn list(ctx: &Context, args: ListArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let jobs = store.training_jobs().list(args.status.map(JobStatus::from))?;
    if ctx.json {
        let values = jobs
            .iter()
            .map(|j| job_json(&store, j))
            .collect::<anyhow::Result<Vec<_>>>()?;
        print_json(&values)?;
        return Ok(Outcome::Success);
    }
    if jobs.is_empty() {
        println!("No jobs.");
    }
    for job in &jobs {
        println!(
            "{}  {:<12} {:>5.1}%  ${:<8.2} {}",
            job.id,
            job.status.as_str(),
            job.progress,
            job.cost_usd,
            job.name
        );
    }
    Ok(Outcome::Success)
}

fn show(ctx: &Context, args: IdArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let job = store.training_jobs().find(&args.id)?;
    let metrics = store.metrics().list(&job.id)?;
    let checkpoints = store.checkpoints().list(&job.id)?;
    let model = store.model_artifacts().by_job(&job.id)?;
    if ctx.json {
        let mut value = job_json(&store, &job)?;
        value["metrics"] = serde_json::to_value(&metrics)?;
        value["checkpoints"] = serde_json::to_value(&checkpoints)?;
        value["model"] = match &model {
            Some(m) => super::models::model_json(&data_dir, &store, m)?,
            None => serde_json::Value::Null,
        };
        print_json(&value)?;
        return Ok(Outcome::Success);
    }
    println!("{}  {}", job.id, job.name);
    println!(
        "  status     {}{}",
        job.status.as_str(),
        job.stage
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    );
    println!(
        "  progress   {:.1}%  step {}/{}",
        job.progress,
        job.current_step,
        job.total_steps.map(|t| t.to_string()).unwrap_or("?".into())
    );
    println!(
        "  model      {} on {} × {}",
        job.base_model, job.gpu_count, job.gpu_type
    );
    println!("  cost       ${:.2}", job.cost_usd);
    if let Some(since) = &job.unreachable_since {
        println!("  cluster unreachable since {since}");
    }
    if let Some(message) = &job.error_message {
        println!(
            "  error      {} ({})",
            message,
            job.error_kind.as_deref().unwrap_or("error")
        );
        if let Some(hint) = &job.error_hint {
            println!("  hint       {hint}");
        }
    }
    println!(
        "  metrics    {} points, {} checkpoints",
        metrics.len(),
        checkpoints.len()
    );
    for p in metrics.iter().rev().take(5).rev() {
        println!(
            "    step {:>5}  train_loss {}  val_loss {}",
            p.step,
            p.train_loss.map(|l| format!("{l:.4}")).unwrap_or("-".into()),
            p.val_loss.map(|l| format!("{l:.4}")).unwrap_or("-".into())
        );
    }
    if let Some(m) = &model {
        println!(
            "  adapter    {} ({})",
            data_dir.join(&m.adapter_dir).display(),
            m.id
        );
    }
    Ok(Outcome::Success)
}

async fn watch(ctx: &Context, args: WatchArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let ids: Vec<String> = match &args.id {
        Some(id) => vec![store.training_jobs().find(id)?.id],
        None => store
            .training_jobs()
            .to_poll()?
            .into_iter()
            .map(|j| j.id)
            .collect(),
    };
    let store = follow::shared(store);
    if ids.is_empty() {
        if !ctx.json {
            println!("No active jobs.");
        }
        return Ok(Outcome::Success);
    }
    let json = ctx.json;
    let mut print = |event: &JobEvent| {
        // With --json, one event object per line (NDJSON): a stream, not one value.
        if json {
            if let Ok(line) = serde_json::to_string(event) {
                println!("{line}");
            }
        } else if let Some(line) = event_line(event) {
            println!("{line}");
        }
        let _ = std::io::stdout().flush();
    };
    let ended = follow::follow(&store, &data_dir, &ids, &mut print).await?;
    for job in &ended {
        if json {
            let value = store.with_store(|s| job_json(s, job))?;
            println!("{}", json!({ "type": "ended", "job": value }));
        } else {
            println!("{} ended {}", job.id, job.status.as_str());
        }
    }
    let all_completed = ended
        .iter()
        .all(|j| j.status == JobStatus::Completed && has_ended(j));
    Ok(if all_completed {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

async fn cancel(ctx: &Context, args: CancelArgs) -> anyhow::Result<Outcome> {
    let (_, store) = ctx.open_store()?;
    let store = follow::shared(store);
    let clients = KeyringClients::new(client::http_client()?, Keyring::from_env(), store.clone());
    let job = jobs::cancel_job(&store, &clients, &args.id, args.reason.as_deref()).await?;
    if ctx.json {
        let value = store.with_store(|s| job_json(s, &job))?;
        print_json(&value)?;
    } else {
        println!("{} is {}.", job.id, job.status.as_str());
    }
    Ok(Outcome::Success)
}

async fn logs(ctx: &Context, args: LogsArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let job = store.training_jobs().find(&args.id)?;
    let text = store.job_logs().text(&job.id, 0)?;
    print!("{text}");
    let _ = std::io::stdout().flush();
    if !args.follow {
        return Ok(Outcome::Success);
    }
    let store = follow::shared(store);
    let mut print = |event: &JobEvent| {
        if let JobEvent::Log { text, .. } = event {
            print!("{text}");
            let _ = std::io::stdout().flush();
        }
    };
    follow::follow(&store, &data_dir, std::slice::from_ref(&job.id), &mut print).await?;
    Ok(Outcome::Success)
}

async fn retry(ctx: &Context, args: RetryArgs) -> anyhow::Result<Outcome> {
    let (data_dir, store) = ctx.open_store()?;
    let store = follow::shared(store);
    let mut request = jobs::retry_request(&store, &args.id).await?;
    request.budget_override = args.max_budget_override;
    let cluster_id = request.cluster_id.clone();
    let (cluster, client) = super::train::connect(&store, &data_dir, Some(&cluster_id), None).await?;
    request.model_spec = super::train::local_model_spec(&data_dir, &cluster, &request.base_model);
    let launched = jobs::launch(&store, &data_dir, &client, request, &mut |_| {}).await?;
    if ctx.json {
        let value = store.with_store(|s| job_json(s, &launched.job))?;
        print_json(&json!({ "job": value, "budget": launched.budget }))?;
    } else {
        println!("{}", launched.job.id);
        eprintln!(
            "{} is {} on {}; follow it with `brightrun jobs watch {}`.",
            launched.job.name,
            launched.job.status.as_str(),
            cluster.name,
            launched.job.id
        );
    }
    Ok(Outcome::Success)
}
