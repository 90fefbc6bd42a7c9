//! Cluster shapes for the UI. No field ever holds an API key: keys go from the form to the keyring only.

use brightrun_core::cluster::client::Capabilities;
use brightrun_core::cluster::TestReport;
use brightrun_core::store::Cluster;
use serde::Serialize;

use super::count;

/// A cluster as the Settings page lists it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    pub id: String,
    pub name: String,
    pub url: String,
    /// `local` or `remote`.
    pub kind: String,
    pub created_at: String,
    pub last_tested_at: Option<String>,
    /// `ok`, `unreachable`, `unauthorized` or `failed`.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    /// What the last good test read.
    pub capabilities: Option<CapabilitiesView>,
}

impl From<Cluster> for ClusterView {
    fn from(c: Cluster) -> Self {
        // The cached JSON was written from `Capabilities`; an unreadable one is shown as none.
        let capabilities = c
            .capabilities
            .and_then(|v| serde_json::from_value::<Capabilities>(v).ok())
            .map(CapabilitiesView::from);
        Self {
            id: c.id,
            name: c.name,
            url: c.url,
            kind: c.kind.as_str().to_owned(),
            created_at: c.created_at,
            last_tested_at: c.last_tested_at,
            last_status: c.last_status.map(|s| s.as_str().to_owned()),
            last_error: c.last_error,
            capabilities,
        }
    }
}

/// GPUs, prices, base models and limits of a cluster.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesView {
    pub agent_version: String,
    pub gpus: Vec<GpuView>,
    pub prices: Vec<PriceView>,
    pub base_models: Vec<BaseModelView>,
    pub max_dataset_bytes: f64,
    pub max_concurrent_jobs: u32,
}

/// One GPU type of a cluster.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GpuView {
    pub gpu_type: String,
    pub name: String,
    pub memory_gb: f64,
    pub count: u32,
    pub free: u32,
}

/// Price per GPU-hour in USD.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PriceView {
    pub gpu_type: String,
    pub on_demand: f64,
    pub spot: f64,
}

/// A base model the cluster can train.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BaseModelView {
    pub id: String,
    pub source: String,
}

impl From<Capabilities> for CapabilitiesView {
    fn from(c: Capabilities) -> Self {
        Self {
            agent_version: c.agent_version,
            gpus: c
                .gpus
                .into_iter()
                .map(|g| GpuView {
                    gpu_type: g.gpu_type,
                    name: g.name,
                    memory_gb: g.memory_gb,
                    count: g.count,
                    free: g.free,
                })
                .collect(),
            prices: c
                .prices
                .into_iter()
                .map(|p| PriceView {
                    gpu_type: p.gpu_type,
                    on_demand: p.on_demand,
                    spot: p.spot,
                })
                .collect(),
            base_models: c
                .base_models
                .into_iter()
                .map(|m| BaseModelView {
                    id: m.id,
                    source: m.source,
                })
                .collect(),
            max_dataset_bytes: count(c.limits.max_dataset_bytes),
            max_concurrent_jobs: c.limits.max_concurrent_jobs,
        }
    }
}

/// What a connection test found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClusterTestView {
    pub cluster: ClusterView,
    /// `ok`, `unreachable`, `unauthorized` or `failed`.
    pub status: String,
    /// The agent's version from `/v1/health`, when it answered.
    pub agent_version: Option<String>,
    pub capabilities: Option<CapabilitiesView>,
    /// Why it failed (never contains the key).
    pub error: Option<String>,
}

impl From<TestReport> for ClusterTestView {
    fn from(r: TestReport) -> Self {
        Self {
            cluster: r.cluster.into(),
            status: r.status.as_str().to_owned(),
            agent_version: r.health.map(|h| h.version),
            capabilities: r.capabilities.map(CapabilitiesView::from),
            error: r.error,
        }
    }
}

/// The built-in local cluster's state.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LocalClusterView {
    /// `running`, `stopped` or `python_missing`.
    pub state: String,
    /// The daemon's address while it runs.
    pub url: Option<String>,
    pub pid: Option<u32>,
    /// The Python the daemon uses (or would use).
    pub python: String,
    /// Why the Python stack is unusable, when it is.
    pub detail: Option<String>,
    /// The one command that installs the stack from a terminal.
    pub prepare_command: String,
    /// The daemon's log file.
    pub log: String,
    /// Its row, once it has run.
    pub cluster: Option<ClusterView>,
}

/// Progress of the local cluster's preparation, as an event to the window.
#[derive(Clone, Debug, Serialize, serde::Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct LocalPrepareProgress {
    /// `check`, `install_uv`, `create_environment`, `install_packages` or `finish`.
    pub step: String,
    /// What the step does, for people.
    pub title: String,
    /// The step's number, from 1.
    pub step_number: u32,
    /// How many steps there are.
    pub steps: u32,
    /// The latest line worth showing.
    pub message: String,
    /// Bytes written so far by the step, when it writes.
    pub bytes_done: Option<f64>,
    /// About how many bytes the step writes in all.
    pub bytes_expected: Option<f64>,
}

impl From<&brightrun_core::cluster::local::PrepareProgress> for LocalPrepareProgress {
    fn from(p: &brightrun_core::cluster::local::PrepareProgress) -> Self {
        // The step's JSON name, without going through serde_json: it is a plain snake_case enum.
        use brightrun_core::cluster::local::PrepareStep;
        let step = match p.step {
            PrepareStep::Check => "check",
            PrepareStep::InstallUv => "install_uv",
            PrepareStep::CreateEnvironment => "create_environment",
            PrepareStep::InstallPackages => "install_packages",
            PrepareStep::Finish => "finish",
        };
        LocalPrepareProgress {
            step: step.to_owned(),
            title: p.step.title().to_owned(),
            step_number: p.step_number,
            steps: p.steps,
            message: p.message.clone(),
            bytes_done: p.bytes_done.map(|b| b as f64),
            bytes_expected: p.bytes_expected.map(|b| b as f64),
        }
    }
}
