//! The Slurm executor (`--executor slurm`): each job is a batch job on a Slurm cluster; the agent runs on a
//! login node, submits with `sbatch`, follows the trainer's events through the shared filesystem and Slurm's
//! state through `scontrol`, and cancels with `scancel` (docs/slurm.md).

pub mod commands;
pub mod config;
pub mod db;
pub mod script;
pub mod sinfo;
pub mod supervise;
