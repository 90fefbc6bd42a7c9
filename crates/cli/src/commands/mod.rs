//! Command groups, one file each. `run` dispatches; each group gets a `Context` with the global flags.

pub mod cluster;
pub mod costs;
mod dataset;
pub mod estimate;
mod follow;
pub mod jobs;
mod jobs_compare;
pub mod models;
pub mod models_use;
pub mod notifications;
pub mod prepare_local;
pub mod settings;
pub mod train;

use std::path::PathBuf;

use anyhow::Context as _;
use brightrun_core::paths;
use brightrun_core::store::Store;

use crate::args::{Cli, Command};
use crate::error::Outcome;

/// The global flags every command sees.
pub struct Context {
    /// `--data-dir` / `BRIGHTRUN_DATA_DIR`, when given.
    data_dir: Option<PathBuf>,
    /// `--json`.
    pub json: bool,
}

impl Context {
    /// The data folder to use.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        Ok(paths::resolve_data_dir(self.data_dir.as_deref())?)
    }

    /// Opens (creating and migrating) the data folder's database.
    pub fn open_store(&self) -> anyhow::Result<(PathBuf, Store)> {
        let dir = self.data_dir()?;
        let store = Store::open(&dir).with_context(|| format!("data folder {}", dir.display()))?;
        Ok((dir, store))
    }
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let ctx = Context {
        data_dir: cli.data_dir,
        json: cli.json,
    };
    match cli.command {
        Command::Dataset(command) => dataset::run(&ctx, command),
        Command::Cluster(command) => cluster::run(&ctx, command),
        Command::Train(args) => train::run(&ctx, args),
        Command::Jobs(command) => jobs::run(&ctx, command),
        Command::Models(command) => models::run(&ctx, command),
        Command::Settings(command) => settings::run(&ctx, command),
        Command::Costs(args) => costs::run(&ctx, args),
        Command::Estimate(args) => estimate::run(&ctx, args),
        Command::Notifications(command) => notifications::run(&ctx, command),
    }
}
