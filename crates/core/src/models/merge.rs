//! A merged model: the cluster folds the adapter into its base model (`merge_and_unload`) and its files come
//! down like the adapter's — resumable, each checked against its SHA-256 — into a folder that
//! `AutoModelForCausalLM.from_pretrained` loads, ready for any inference server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::cluster::client::{ClientError, Progress};
use crate::cluster::ClusterClient;
use crate::store::model_artifacts::ModelArtifact;

/// How often the merge's progress is asked for.
const POLL: Duration = Duration::from_millis(500);

/// The downloaded merged model (`--json` contract: `path`, `bytes`, `sha256`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MergedModel {
    /// The folder.
    pub path: PathBuf,
    /// Bytes of every file in it.
    pub bytes: u64,
    /// SHA-256 of the weights (`model.safetensors`, or the shard index of a sharded model).
    pub sha256: String,
    /// Its files with sizes and SHA-256.
    pub files: Vec<crate::cluster::client::Artifact>,
}

/// Steps of a merge, for a progress display.
#[derive(Clone, Debug, PartialEq)]
pub enum MergeProgress {
    /// The cluster is merging.
    Merging,
    /// Downloading (bytes of all files).
    Downloading(Progress),
}

/// Why a merge did not give a model.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Talking to the cluster, or a download.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The merge failed on the cluster.
    #[error("the cluster could not merge the adapter: {0}")]
    Failed(String),
    /// The model does not record its job on the cluster.
    #[error("model {0} does not record its job's id on the cluster")]
    NoRemoteJob(String),
    /// The cluster said ready but listed no weights.
    #[error("the cluster's merged model has no safetensors file")]
    NoWeights,
}

/// Merges `model` on `client`'s cluster and downloads it into `dest`.
pub async fn merge_model(
    client: &ClusterClient,
    model: &ModelArtifact,
    dest: &Path,
    on_progress: &mut (dyn FnMut(MergeProgress) + Send),
) -> Result<MergedModel, MergeError> {
    let remote =
        super::chat::adapter_model_id(model).ok_or_else(|| MergeError::NoRemoteJob(model.id.clone()))?;
    let mut status = client.start_merge(&remote).await?;
    while status.status != "ready" {
        match status.status.as_str() {
            "failed" => return Err(MergeError::Failed(status.error.unwrap_or_default())),
            // Restarted agent forgot a merge that never finished: ask again.
            "not_started" => status = client.start_merge(&remote).await?,
            _ => {
                on_progress(MergeProgress::Merging);
                tokio::time::sleep(POLL).await;
                status = client.merge_status(&remote).await?;
            }
        }
    }
    let files = status.files;
    let weights = files
        .iter()
        .find(|f| f.name == "model.safetensors")
        .or_else(|| files.iter().find(|f| f.name == "model.safetensors.index.json"))
        .or_else(|| files.iter().find(|f| f.name.ends_with(".safetensors")))
        .ok_or(MergeError::NoWeights)?
        .sha256
        .clone();
    let total: u64 = files.iter().map(|f| f.size).sum();
    let mut before = 0u64;
    for file in &files {
        let target = dest.join(&file.name);
        let done = before;
        client
            .download_merged(&remote, file, &target, &mut |p| {
                on_progress(MergeProgress::Downloading(Progress {
                    done: done + p.done,
                    total,
                }))
            })
            .await?;
        before += file.size;
    }
    Ok(MergedModel {
        path: std::path::absolute(dest).unwrap_or_else(|_| dest.to_path_buf()),
        bytes: total,
        sha256: weights,
        files,
    })
}
