//! `brightrun cluster …`: add, list, test and remove clusters, and start or show the local one. API keys go
//! from stdin or a hidden prompt straight into the OS keyring; nothing here ever prints one.

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::PathBuf;

use anyhow::Context as _;
use brightrun_core::cluster::local::{self, LocalOptions};
use brightrun_core::cluster::{
    add_cluster, client, remove_cluster, test_cluster, ClientError, ClusterError, Keyring, KeyringError,
    LocalError, Sensitive, TestReport,
};
use brightrun_core::store::{Cluster, ClusterStatus};
use clap::{Args, Subcommand};
use serde_json::json;

use super::Context;
use crate::error::{Outcome, UsageError};
use crate::output::print_json;

/// `brightrun cluster …`
#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Add a remote cluster; its API key is read from stdin (--api-key-stdin) or a hidden prompt and kept
    /// in the OS keyring.
    Add(AddArgs),
    /// List the clusters and what their last test found.
    List,
    /// Check a cluster: health, then capabilities with its key (GPUs, prices, models). Exit 1 when it fails.
    Test(NameArgs),
    /// Remove a cluster and its key in the OS keyring.
    Rm(NameArgs),
    /// Start the local cluster (an agent on this computer) if it is not running, and show it.
    Local(LocalArgs),
    /// Install the trainer's Python stack for the local cluster into <data>/python, from the trainer installed
    /// with BrightRun (never from the current directory). Shows progress; Ctrl-C cancels.
    PrepareLocal,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name to refer to it by (unique).
    #[arg(long)]
    pub name: String,
    /// Base URL of its Cluster API, e.g. http://10.0.0.5:8750.
    #[arg(long)]
    pub url: String,
    /// Read the API key from the first line of stdin instead of prompting for it.
    #[arg(long)]
    pub api_key_stdin: bool,
    /// Accept a plain http:// URL to another computer: the API key then crosses the network unencrypted.
    /// Without it such a URL is refused (code insecure_url); http://127.0.0.1 and http://localhost need no flag.
    #[arg(long)]
    pub allow_insecure: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// The cluster's name (or id).
    pub name: String,
}

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Python with brightrun_trainer installed (default: $BRIGHTRUN_PYTHON, <data>/python, python3).
    #[arg(long, value_name = "PYTHON")]
    pub python: Option<PathBuf>,
    /// Start even if the trainer's Python stack does not import (jobs fail until it is installed).
    #[arg(long)]
    pub skip_python_check: bool,
    /// Stop the local agent instead (running jobs checkpoint and resume on its next start).
    #[arg(long, conflicts_with_all = ["python", "skip_python_check"])]
    pub stop: bool,
}

/// Runs one `cluster` subcommand.
pub fn run(ctx: &Context, command: ClusterCommand) -> anyhow::Result<Outcome> {
    // One small runtime per command: the CLI is otherwise synchronous.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match command {
            ClusterCommand::Add(args) => add(ctx, args).await,
            ClusterCommand::List => list(ctx),
            ClusterCommand::Test(args) => test(ctx, args).await,
            ClusterCommand::Rm(args) => rm(ctx, args).await,
            ClusterCommand::Local(args) => local_cluster(ctx, args).await,
            ClusterCommand::PrepareLocal => super::prepare_local::run(ctx).await,
        }
    })
}

/// The stable `--json` error code of a cluster failure, if `cause` is one.
pub fn code_of(cause: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let keyring = |e: &KeyringError| match e {
        KeyringError::Unavailable { .. } => "keyring_unavailable",
        KeyringError::Locked { .. } => "keyring_locked",
        KeyringError::NotFound { .. } => "key_not_found",
        KeyringError::Unusable { .. } => "keyring_error",
    };
    let client = |e: &ClientError| match e {
        ClientError::InvalidUrl { .. } => "invalid_argument",
        ClientError::InsecureUrl { .. } => "insecure_url",
        ClientError::Unreachable { .. } => "unreachable",
        ClientError::Unauthorized { .. } => "unauthorized",
        ClientError::Io { .. } => "io_error",
        _ => "cluster_error",
    };
    let local = |e: &LocalError| match e {
        LocalError::AgentNotFound { .. } => "agent_not_found",
        LocalError::PythonStackMissing { .. } => "python_stack_missing",
        LocalError::TrainerNotFound { .. } => "trainer_not_found",
        LocalError::PrepareOffline { .. } => "offline",
        LocalError::NotEnoughSpace { .. } | LocalError::DiskFull { .. } => "disk_full",
        LocalError::PrepareBusy { .. } => "busy",
        _ => "local_cluster_error",
    };
    if let Some(e) = cause.downcast_ref::<ClusterError>() {
        return match e {
            ClusterError::Keyring(e) => Some(keyring(e)),
            ClusterError::Client(e) => Some(client(e)),
            ClusterError::Local(e) => Some(local(e)),
            ClusterError::Store(_) => None,
        };
    }
    cause
        .downcast_ref::<KeyringError>()
        .map(keyring)
        .or_else(|| cause.downcast_ref::<ClientError>().map(client))
        .or_else(|| cause.downcast_ref::<LocalError>().map(local))
}

/// `ClusterError::Store` is reported with the store's own code; the rest keep their cluster codes.
fn flatten(err: ClusterError) -> anyhow::Error {
    match err {
        ClusterError::Store(e) => e.into(),
        other => other.into(),
    }
}

async fn add(ctx: &Context, args: AddArgs) -> anyhow::Result<Outcome> {
    // Before the key is read: a refused URL should not make the user type (or pipe) a secret for nothing.
    let url = client::parse_base_url(&args.url).map_err(ClusterError::from)?;
    client::check_transport(&url, args.allow_insecure).map_err(ClusterError::from)?;
    let (_dir, store) = ctx.open_store()?;
    let key = if args.api_key_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the API key from stdin")?;
        line
    } else {
        rpassword::prompt_password(format!("API key for {}: ", args.name))
            .context("cannot read the API key from the terminal (use --api-key-stdin to pipe it)")?
    };
    let key = Sensitive::new(key.trim().to_string());
    if key.expose().is_empty() {
        return Err(UsageError("the API key is empty".to_string()).into());
    }
    let keyring = Keyring::from_env();
    let cluster = add_cluster(&store, &keyring, &args.name, &args.url, key, args.allow_insecure)
        .await
        .map_err(flatten)?;
    if ctx.json {
        print_json(&cluster)?;
    } else {
        println!(
            "Added cluster {} at {} (its key is in the OS keyring). Check it with: brightrun cluster test {:?}",
            cluster.name, cluster.url, cluster.name
        );
    }
    Ok(Outcome::Success)
}

fn list(ctx: &Context) -> anyhow::Result<Outcome> {
    let (_dir, store) = ctx.open_store()?;
    let clusters = store.clusters().list()?;
    if ctx.json {
        print_json(&clusters)?;
        return Ok(Outcome::Success);
    }
    if clusters.is_empty() {
        println!("No clusters. Add one with `brightrun cluster add --name N --url U`, or start this computer's with `brightrun cluster local`.");
        return Ok(Outcome::Success);
    }
    let name_width = clusters
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let url_width = clusters.iter().map(|c| c.url.len()).max().unwrap_or(3).max(3);
    println!(
        "{:name_width$}  {:6}  {:url_width$}  {:12}  LAST TESTED",
        "NAME", "KIND", "URL", "STATUS"
    );
    for c in &clusters {
        println!(
            "{:name_width$}  {:6}  {:url_width$}  {:12}  {}",
            c.name,
            c.kind.as_str(),
            c.url,
            c.last_status.map_or("untested", ClusterStatus::as_str),
            c.last_tested_at.as_deref().unwrap_or("-"),
        );
    }
    Ok(Outcome::Success)
}

async fn test(ctx: &Context, args: NameArgs) -> anyhow::Result<Outcome> {
    let (_dir, store) = ctx.open_store()?;
    let http = client::http_client()?;
    let report = test_cluster(&store, &Keyring::from_env(), &http, &args.name)
        .await
        .map_err(flatten)?;
    if ctx.json {
        print_json(&report)?;
    } else {
        print!("{}", render_test(&report));
    }
    Ok(if report.status == ClusterStatus::Ok {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}

async fn rm(ctx: &Context, args: NameArgs) -> anyhow::Result<Outcome> {
    let (_dir, store) = ctx.open_store()?;
    let cluster = remove_cluster(&store, &Keyring::from_env(), &args.name)
        .await
        .map_err(flatten)?;
    if ctx.json {
        print_json(&json!({ "removed": cluster }))?;
    } else {
        println!("Removed cluster {} and its key.", cluster.name);
    }
    Ok(Outcome::Success)
}

async fn local_cluster(ctx: &Context, args: LocalArgs) -> anyhow::Result<Outcome> {
    let (dir, store) = ctx.open_store()?;
    if args.stop {
        let stopped = local::stop(&dir);
        if ctx.json {
            print_json(&json!({ "stopped": stopped }))?;
        } else if stopped {
            println!("Stopping the local agent; running jobs resume on its next start.");
        } else {
            println!("The local agent is not running.");
        }
        return Ok(Outcome::Success);
    }
    let options = LocalOptions {
        data_dir: dir,
        agent_bin: None,
        python: args.python,
        check_python: !args.skip_python_check,
    };
    let http = client::http_client()?;
    let running = local::ensure_running(&store, &Keyring::from_env(), &http, &options)
        .await
        .map_err(flatten)?;
    if ctx.json {
        print_json(&running)?;
    } else {
        let how = if running.started {
            "Started"
        } else {
            "Already running:"
        };
        println!(
            "{how} {} at {} (pid {})",
            running.cluster.name, running.cluster.url, running.pid
        );
        println!("  log: {}", running.log.display());
        if let Some(python) = &running.python {
            println!("  python: {}", python.display());
        }
    }
    Ok(Outcome::Success)
}

/// The text of `cluster test`: the verdict, then what the cluster offers.
fn render_test(report: &TestReport) -> String {
    let mut out = String::new();
    let c: &Cluster = &report.cluster;
    match (&report.status, &report.error) {
        (ClusterStatus::Ok, _) => {
            let _ = writeln!(out, "OK  {} at {}", c.name, c.url);
        }
        (status, error) => {
            let _ = writeln!(out, "{}  {} at {}", status.as_str().to_uppercase(), c.name, c.url);
            if let Some(error) = error {
                let _ = writeln!(out, "  {error}");
            }
        }
    }
    if let Some(health) = &report.health {
        let _ = writeln!(out, "  Agent version: {}", health.version);
    }
    if let Some(caps) = &report.capabilities {
        let _ = writeln!(out, "  GPUs:");
        for gpu in &caps.gpus {
            let price = caps.prices.iter().find(|p| p.gpu_type == gpu.gpu_type);
            let price = price.map_or(String::new(), |p| {
                format!(", ${:.2}/h on-demand, ${:.2}/h spot", p.on_demand, p.spot)
            });
            let _ = writeln!(
                out,
                "    {} ({}): {} of {} free, {:.0} GB each{price}",
                gpu.gpu_type, gpu.name, gpu.free, gpu.count, gpu.memory_gb
            );
        }
        let _ = writeln!(out, "  Base models:");
        for model in &caps.base_models {
            let _ = writeln!(out, "    {} ({})", model.id, model.source);
        }
        let _ = writeln!(
            out,
            "  Limits: datasets up to {} bytes, {} job(s) at a time",
            caps.limits.max_dataset_bytes, caps.limits.max_concurrent_jobs
        );
    }
    out
}
