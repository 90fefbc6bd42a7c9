//! `brightrun-agent`: serve the Cluster API, or manage its API keys.

use std::path::PathBuf;
use std::process::ExitCode;

use brightrun_agent::config::{AgentConfig, Executor};
use brightrun_agent::db::{keys, Db};
use brightrun_agent::error::AgentError;
use brightrun_agent::serve::{serve, ServeOptions};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "brightrun-agent",
    version,
    about = "BrightRun's Cluster API server for a GPU machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Cluster API and run training jobs.
    Serve {
        /// Address to listen on; port 0 picks a free port (the chosen address is printed).
        #[arg(long, default_value = "127.0.0.1:8750")]
        listen: String,
        /// Folder for the database, datasets, jobs and local models.
        #[arg(long)]
        data_dir: PathBuf,
        /// agent.toml with prices, limits and base models (see docs/agent.md).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Python with brightrun_trainer installed; default: $BRIGHTRUN_PYTHON, else python3 (python on Windows).
        #[arg(long)]
        python: Option<PathBuf>,
        /// Exit after this many seconds with no job queued or running and no request (for a local daemon).
        #[arg(long)]
        idle_exit_seconds: Option<u64>,
        /// What runs the trainers: `local` child processes or `slurm` batch jobs (default: the configuration's
        /// `executor`, else local).
        #[arg(long, value_enum)]
        executor: Option<Executor>,
        /// Slurm partition to submit to (overrides the configuration's `slurm.partition`).
        #[arg(long)]
        slurm_partition: Option<String>,
    },
    /// Create, list or revoke API keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print the OpenAPI document (docs/openapi.json is this output).
    Openapi,
}

#[derive(Subcommand)]
enum KeysAction {
    /// Create a key; it is printed once, as the last line, and only its hash is stored.
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "default")]
        name: String,
    },
    /// List keys (never the keys themselves).
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Revoke a key by its id.
    Revoke {
        #[arg(long)]
        data_dir: PathBuf,
        id: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("brightrun-agent: {err}");
            ExitCode::FAILURE
        }
    }
}

fn open_db(data_dir: &std::path::Path) -> Result<std::sync::Arc<Db>, AgentError> {
    Db::open(&data_dir.join("agent.sqlite"))
}

fn run(cli: Cli) -> Result<(), AgentError> {
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            config,
            python,
            idle_exit_seconds,
            executor,
            slurm_partition,
        } => {
            let mut config = match config {
                Some(path) => AgentConfig::load(&path)?,
                None => AgentConfig::default(),
            };
            if let Some(executor) = executor {
                config.executor = executor;
            }
            if slurm_partition.is_some() {
                config.slurm.partition = slurm_partition;
            }
            let python = python
                .or_else(|| std::env::var_os("BRIGHTRUN_PYTHON").map(PathBuf::from))
                // The python.org installer for Windows puts `python.exe` on PATH, never `python3.exe`.
                .unwrap_or_else(|| PathBuf::from(if cfg!(windows) { "python" } else { "python3" }));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| AgentError::io("cannot start the async runtime", e))?;
            runtime.block_on(serve(ServeOptions {
                listen,
                data_dir,
                config,
                python,
                idle_exit: idle_exit_seconds.map(std::time::Duration::from_secs),
            }))
        }
        Command::Keys { action } => match action {
            KeysAction::Create { data_dir, name } => {
                let db = open_db(&data_dir)?;
                let (record, key) = db.write_now(|conn| keys::create(conn, &name))?;
                println!(
                    "created key {} ({}); it is shown only now:",
                    record.id, record.name
                );
                println!("{key}");
                Ok(())
            }
            KeysAction::List { data_dir } => {
                let db = open_db(&data_dir)?;
                for key in db.write_now(|conn| keys::list(conn))? {
                    let state = match &key.revoked_at {
                        Some(at) => format!("revoked {at}"),
                        None => "active".to_string(),
                    };
                    println!("{}\t{}\t{}\t{}", key.id, key.name, key.created_at, state);
                }
                Ok(())
            }
            KeysAction::Revoke { data_dir, id } => {
                let db = open_db(&data_dir)?;
                if db.write_now(|conn| keys::revoke(conn, &id))? {
                    println!("revoked {id}");
                    Ok(())
                } else {
                    Err(AgentError::Other(format!("no active key with id {id}")))
                }
            }
        },
        Command::Openapi => {
            print!("{}", brightrun_agent::openapi::document_json());
            Ok(())
        }
    }
}
