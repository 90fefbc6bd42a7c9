//! The command line's shape (clap derive). One enum per command group; new groups (cluster, train,
//! jobs, models) add a variant to `Command` and a file under `commands/`.

use std::path::PathBuf;

use brightrun_core::dataset::DatasetFormat;
use brightrun_core::store::{DatasetSort, DatasetStatus};
use clap::builder::{NonEmptyStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// BrightRun: fine-tune LLMs with LoRA, from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "brightrun",
    version,
    about = "BrightRun: everything the desktop app does, headless and scriptable (see docs/cli.md)",
    propagate_version = true
)]
pub struct Cli {
    /// Data folder (database and imported files) [env: BRIGHTRUN_DATA_DIR]; default: the app's data folder.
    // The environment variable is read by `paths::resolve_data_dir`, which ignores an empty one
    // (clap would reject it as a missing value).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        value_parser = NonEmptyStringValueParser::new().map(PathBuf::from)
    )]
    pub data_dir: Option<PathBuf>,

    /// Print exactly one JSON value on stdout instead of text (errors too).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, convert and manage datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Add, test and remove clusters; start the local one.
    #[command(subcommand)]
    Cluster(crate::commands::cluster::ClusterCommand),
    /// Launch a LoRA training run on a dataset (the local cluster by default).
    Train(crate::commands::train::TrainArgs),
    /// List, show, watch, cancel training jobs and read their logs.
    #[command(subcommand)]
    Jobs(crate::commands::jobs::JobsCommand),
    /// List and show trained models (adapters) with their quality and lineage.
    #[command(subcommand)]
    Models(crate::commands::models::ModelsCommand),
    /// Read and change settings: the monthly budget and the polling interval.
    #[command(subcommand)]
    Settings(crate::commands::settings::SettingsCommand),
    /// What training cost over the last N days, by day, job and GPU type (and as CSV).
    Costs(crate::commands::costs::CostsArgs),
    /// The estimator's time, tokens/s and memory for a model shape, a device and settings (no dataset).
    Estimate(crate::commands::estimate::EstimateArgs),
    /// List notifications and mark them read.
    #[command(subcommand)]
    Notifications(crate::commands::notifications::NotificationsCommand),
}

/// `brightrun dataset …`
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Check a dataset file; exit 0 when valid, 1 when invalid, 2 when it cannot be read.
    Validate(ValidateArgs),
    /// Convert a dataset file to openai_messages JSONL, optionally with a validation split.
    Convert(ConvertArgs),
    /// Copy files into the library and validate them.
    Import(ImportArgs),
    /// List the library (or the trash with --deleted).
    List(ListArgs),
    /// Show one dataset with its validation report.
    Show(IdArgs),
    /// Move a dataset to the trash (it can be restored).
    Rm(IdArgs),
    /// Bring a dataset back from the trash.
    Restore(IdArgs),
    /// Validate a library dataset again (after an interrupted validation, or for exact token counts).
    Revalidate(RevalidateArgs),
}

/// A dataset format as typed on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum FormatArg {
    BrightrunLoraV4,
    BrightrunTurns,
    OpenaiMessages,
    Sharegpt,
    Alpaca,
    PromptCompletion,
}

impl From<FormatArg> for DatasetFormat {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::BrightrunLoraV4 => DatasetFormat::BrightrunLoraV4,
            FormatArg::BrightrunTurns => DatasetFormat::BrightrunTurns,
            FormatArg::OpenaiMessages => DatasetFormat::OpenaiMessages,
            FormatArg::Sharegpt => DatasetFormat::Sharegpt,
            FormatArg::Alpaca => DatasetFormat::Alpaca,
            FormatArg::PromptCompletion => DatasetFormat::PromptCompletion,
        }
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The dataset file (.jsonl, .json, optionally .gz).
    pub file: PathBuf,
    /// Read the file as this format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// A Hugging Face tokenizer.json for exact token counts (else estimated).
    #[arg(long, value_name = "TOKENIZER_JSON")]
    pub tokenizer: Option<PathBuf>,
    /// Warn about examples longer than this many tokens (default 2048).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_seq_len: Option<u32>,
    /// How many errors and warnings the text report prints (the JSON report keeps more).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub show: usize,
}

/// The formats `convert` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TargetFormat {
    OpenaiMessages,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The dataset file to convert.
    pub file: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: TargetFormat,
    /// The training file to write; with --split the validation file is <stem>.val.jsonl beside it.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,
    /// Fraction of conversations (between 0 and 1) to put in the validation file.
    #[arg(long, value_name = "FRACTION")]
    pub split: Option<f64>,
    /// Seed of the split: the same seed gives the same split.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Read the input as this format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// One or more dataset files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Name in the library (only with a single file; default: the file name without extension).
    #[arg(long)]
    pub name: Option<String>,
    /// Description stored with each imported dataset.
    #[arg(long)]
    pub description: Option<String>,
}

/// `--sort` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    Newest,
    Oldest,
    Name,
    NameDesc,
    RecentlyUpdated,
    Largest,
    Smallest,
    MostExamples,
    FewestExamples,
    MostTokens,
    FewestTokens,
    BestQuality,
    WorstQuality,
    RecentlyUsed,
}

impl From<SortArg> for DatasetSort {
    fn from(arg: SortArg) -> Self {
        match arg {
            SortArg::Newest => DatasetSort::Newest,
            SortArg::Oldest => DatasetSort::Oldest,
            SortArg::Name => DatasetSort::Name,
            SortArg::NameDesc => DatasetSort::NameDesc,
            SortArg::RecentlyUpdated => DatasetSort::RecentlyUpdated,
            SortArg::Largest => DatasetSort::Largest,
            SortArg::Smallest => DatasetSort::Smallest,
            SortArg::MostExamples => DatasetSort::MostExamples,
            SortArg::FewestExamples => DatasetSort::FewestExamples,
            SortArg::MostTokens => DatasetSort::MostTokens,
            SortArg::FewestTokens => DatasetSort::FewestTokens,
            SortArg::BestQuality => DatasetSort::BestQuality,
            SortArg::WorstQuality => DatasetSort::WorstQuality,
            SortArg::RecentlyUsed => DatasetSort::RecentlyUsed,
        }
    }
}

/// `--status` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Validating,
    Ready,
    Error,
}

impl From<StatusArg> for DatasetStatus {
    fn from(arg: StatusArg) -> Self {
        match arg {
            StatusArg::Validating => DatasetStatus::Validating,
            StatusArg::Ready => DatasetStatus::Ready,
            StatusArg::Error => DatasetStatus::Error,
        }
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only datasets whose name or description contains this (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
    /// Order of the list.
    #[arg(long, value_enum, default_value = "newest")]
    pub sort: SortArg,
    /// Only this format.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Only this status.
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Only datasets that pass every readiness check.
    #[arg(long)]
    pub ready: bool,
    /// List the trash (soft-deleted datasets) instead of the library.
    #[arg(long)]
    pub deleted: bool,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Items per page (1 to 500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub per_page: u32,
}

#[derive(Debug, Args)]
pub struct RevalidateArgs {
    /// The dataset's id.
    pub id: String,
    /// A Hugging Face tokenizer.json for exact token counts (else estimated).
    #[arg(long, value_name = "TOKENIZER_JSON")]
    pub tokenizer: Option<PathBuf>,
    /// Warn about examples longer than this many tokens (default 2048).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_seq_len: Option<u32>,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The dataset's id (from `brightrun dataset list`).
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_core_format_and_sort_has_a_flag_value() {
        for format in DatasetFormat::ALL {
            let arg = FormatArg::from_str(format.as_str(), false).unwrap();
            assert_eq!(DatasetFormat::from(arg), format);
        }
        for sort in DatasetSort::ALL {
            let arg = SortArg::from_str(sort.as_str(), false).unwrap();
            assert_eq!(DatasetSort::from(arg), sort);
        }
        for status in DatasetStatus::ALL {
            let arg = StatusArg::from_str(status.as_str(), false).unwrap();
            assert_eq!(DatasetStatus::from(arg), status);
        }
    }
}
