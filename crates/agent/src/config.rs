//! The operator's settings (`agent.toml`); every key is optional and has a documented default.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::AgentError;

/// Price of one GPU-hour of a type, in US dollars.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub on_demand: f64,
    pub spot: f64,
}

/// The agent's configuration as read from `agent.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// Jobs that run at the same time (each also needs its GPUs free); default: one per GPU (1 on a CPU machine).
    pub max_concurrent_jobs: Option<u32>,
    /// Largest dataset accepted by upload, in bytes.
    pub max_dataset_bytes: u64,
    /// Uploads that would leave less than this much free disk are refused with 507.
    pub disk_reserve_bytes: u64,
    /// Seconds between SIGTERM and SIGKILL when a trainer is stopped.
    pub cancel_grace_seconds: u64,
    /// A job requeued by restart recovery more often than this fails with `agent_restarted`.
    pub max_restarts: u32,
    /// How often buffered metrics are written to SQLite, in milliseconds.
    pub metrics_flush_ms: u64,
    /// Hub model ids offered for training (local folders under `<data-dir>/models/` are added).
    pub base_models: Vec<String>,
    /// Names every detected NVIDIA GPU by this type instead of the name derived from nvidia-smi.
    pub gpu_type: Option<String>,
    /// Price per GPU-hour by GPU type.
    pub prices: BTreeMap<String, Price>,
    /// Price for a detected GPU type that `prices` does not list.
    pub default_gpu_price: Price,
    /// HTTP connections open at once (also capped by the open-files limit, less a reserve for trainers).
    pub max_connections: u32,
    /// Seconds a client has to send a request's headers, also between requests on a kept-alive connection;
    /// an idle socket is closed after it.
    pub header_read_timeout_seconds: u64,
    /// Seconds open requests may take to finish once shutdown starts (after the trainers have stopped).
    pub shutdown_drain_seconds: u64,
    /// What runs the trainers: `local` (child processes, the default) or `slurm` (batch jobs; see `[slurm]`).
    pub executor: Executor,
    /// Settings of the Slurm executor (docs/slurm.md).
    pub slurm: crate::slurm::config::SlurmConfig,
}

/// What runs the trainers.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Executor {
    /// The trainer runs as the agent's child process on this machine.
    #[default]
    Local,
    /// Each job is a Slurm batch job (`sbatch`); the agent runs on a login node.
    Slurm,
}

impl Default for AgentConfig {
    fn default() -> Self {
        let mut prices = BTreeMap::new();
        // Training on the operator's own CPU costs nothing extra.
        prices.insert(
            "cpu".to_string(),
            Price {
                on_demand: 0.0,
                spot: 0.0,
            },
        );
        Self {
            max_concurrent_jobs: None,
            max_dataset_bytes: 2 * 1024 * 1024 * 1024,
            disk_reserve_bytes: 1024 * 1024 * 1024,
            cancel_grace_seconds: 30,
            max_restarts: 3,
            metrics_flush_ms: 500,
            base_models: vec![
                "Qwen/Qwen2.5-0.5B-Instruct".to_string(),
                "meta-llama/Llama-3.2-1B-Instruct".to_string(),
            ],
            gpu_type: None,
            prices,
            // Roughly a rented data-centre GPU-hour in 2026; operators set their own.
            default_gpu_price: Price {
                on_demand: 2.0,
                spot: 1.0,
            },
            max_connections: 4096,
            header_read_timeout_seconds: 10,
            shutdown_drain_seconds: 10,
            executor: Executor::Local,
            slurm: Default::default(),
        }
    }
}

impl AgentConfig {
    /// Reads `path`; a missing file is an error (the operator named it), an empty one gives the defaults.
    pub fn load(path: &Path) -> Result<Self, AgentError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AgentError::io(format!("cannot read {}", path.display()), e))?;
        let config: Self = toml::from_str(&text).map_err(|e| AgentError::Config {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        config.check().map_err(|message| AgentError::Config {
            path: path.display().to_string(),
            message,
        })?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let prices = self
            .prices
            .values()
            .chain(std::iter::once(&self.default_gpu_price));
        for price in prices {
            let valid = |p: f64| p.is_finite() && p >= 0.0;
            if !valid(price.on_demand) || !valid(price.spot) {
                return Err("prices must be zero or more".to_string());
            }
        }
        if self.max_concurrent_jobs == Some(0) {
            return Err("max_concurrent_jobs must be at least 1".to_string());
        }
        self.slurm.check()
    }

    /// The price of one GPU-hour of `gpu_type`.
    pub fn price(&self, gpu_type: &str, spot: bool) -> f64 {
        let price = self
            .prices
            .get(gpu_type)
            .copied()
            .unwrap_or(self.default_gpu_price);
        if spot {
            price.spot
        } else {
            price.on_demand
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prices_and_keeps_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(
            &path,
            "cancel_grace_seconds = 5\n[prices.h100]\non_demand = 3.0\nspot = 1.5\n",
        )
        .unwrap();
        let config = AgentConfig::load(&path).unwrap();
        assert_eq!(config.cancel_grace_seconds, 5);
        assert_eq!(config.price("h100", true), 1.5);
        assert_eq!(config.price("a10", false), 2.0);
        assert_eq!(config.max_restarts, 3);
    }

    #[test]
    fn refuses_unknown_keys_and_negative_prices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.toml");
        std::fs::write(&path, "max_concurent_jobs = 2\n").unwrap();
        assert!(AgentConfig::load(&path).is_err());
        std::fs::write(&path, "[prices.cpu]\non_demand = -1.0\nspot = 0.0\n").unwrap();
        assert!(AgentConfig::load(&path).is_err());
    }
}
