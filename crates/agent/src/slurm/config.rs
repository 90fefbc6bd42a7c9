//! The `[slurm]` table of `agent.toml`: how the agent submits jobs when `executor = "slurm"`. Every key has a
//! default that works with the one-node Slurm of `scripts/slurm-local.sh`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Settings of the Slurm executor.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SlurmConfig {
    /// `--partition`; `--slurm-partition` overrides it. Default: the cluster's default partition.
    pub partition: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// `--qos`.
    pub qos: Option<String>,
    /// `--time` as Slurm writes it (`2:00:00`, `1-00:00:00`); default: the job's `max_duration_hours`.
    /// A job's own `max_duration_hours` still caps it.
    pub time_limit: Option<String>,
    /// More `#SBATCH` lines, written as given after the agent's own (`--constraint=a100`, `--mem=64G`, ...).
    pub extra_sbatch: Vec<String>,
    /// Folder on the filesystem the login node and the compute nodes share: job folders (job.json, the
    /// trainer's output, logs) and a copy of each job's dataset go there. Default: `<data-dir>/jobs` (right for
    /// one node, or when the data folder itself is shared).
    pub shared_dir: Option<PathBuf>,
    /// The Python on the compute nodes that has `brightrun_trainer`; default: the agent's `--python`.
    pub python: Option<PathBuf>,
    /// Seconds before the time limit at which Slurm sends SIGTERM, so the trainer saves a checkpoint (`--signal`).
    pub signal_seconds: u32,
    /// Port of torchrun's rendezvous on the job's first node (multi-node jobs).
    pub rendezvous_port: u16,
    /// `--cpus-per-task` for a GPU job (one task per node); default: Slurm's.
    pub cpus_per_gpu: Option<u32>,
    /// How often the agent asks Slurm about each job (`scontrol show job`), in seconds. The trainer's events are
    /// read from the shared folder independently, twice a second.
    pub poll_seconds: f64,
    /// Jobs the agent keeps submitted (pending or running) at once; the rest wait in the agent's queue.
    pub max_submitted_jobs: u32,
    /// Memory per GPU by gres type, in GB (Slurm does not know it): `{ a100 = 80 }`. Default: read from the
    /// type's name (`a100-80gb` → 80), else 0.
    pub gpu_memory_gb: BTreeMap<String, f64>,
    /// Gres GPU types not offered to jobs. Default `["fake"]`: the devices `scripts/slurm-local.sh` makes on a
    /// machine without GPUs schedule like GPUs but cannot compute.
    pub ignore_gpu_types: Vec<String>,
}

impl Default for SlurmConfig {
    fn default() -> Self {
        Self {
            partition: None,
            account: None,
            qos: None,
            time_limit: None,
            extra_sbatch: Vec::new(),
            shared_dir: None,
            python: None,
            // Saving a LoRA checkpoint takes seconds; two minutes leaves room for a slow shared filesystem.
            signal_seconds: 120,
            rendezvous_port: 29500,
            cpus_per_gpu: None,
            poll_seconds: 5.0,
            max_submitted_jobs: 32,
            gpu_memory_gb: BTreeMap::new(),
            ignore_gpu_types: vec!["fake".into()],
        }
    }
}

impl SlurmConfig {
    pub fn check(&self) -> Result<(), String> {
        if !(self.poll_seconds.is_finite() && self.poll_seconds >= 0.2) {
            return Err("slurm.poll_seconds must be at least 0.2".into());
        }
        if self.max_submitted_jobs == 0 {
            return Err("slurm.max_submitted_jobs must be at least 1".into());
        }
        if let Some(line) = self.extra_sbatch.iter().find(|l| l.contains('\n')) {
            return Err(format!(
                "slurm.extra_sbatch: one option per entry, no newlines: {line:?}"
            ));
        }
        Ok(())
    }
}
