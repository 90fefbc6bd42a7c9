//! Exact tokens for the configurator: the dataset counted with the base model's own tokenizer (a local model
//! folder's, or the `tokenizer.json` the cluster serves at `GET /v1/models/{name}/tokenizer`), in the
//! background, once per dataset and tokenizer hash. The core's count and cache are the ones the launch and
//! `brightrun train --dry-run` use, so the estimate shown here is the one a launch records.

use std::path::{Path, PathBuf};

use brightrun_core::cluster::local::local_models_dir;
use brightrun_core::jobs::tokens::{cached_exact_tokens, exact_tokens, tokenizer_at_hand, tokenizer_for};
use brightrun_core::store::clusters::ClusterKind;
use brightrun_core::store::Dataset;
use brightrun_core::store::StoreError;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::core_state::CoreState;
use crate::error::AppError;

/// The dataset's token count for one base model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TokenCountView {
    /// Tokens in the whole dataset.
    pub tokens_total: f64,
    /// `exact` (counted with the model's tokenizer) or `estimate` (characters / 4: no tokenizer at hand).
    pub method: String,
}

/// Counts the dataset's tokens with the base model's tokenizer, off the async threads; the first count of a
/// large dataset takes seconds, later ones read the cache. Falls back to the dataset's estimate (method
/// `estimate`) when neither a local folder nor the cluster has the tokenizer.
#[tauri::command]
#[specta::specta]
pub async fn count_dataset_tokens(
    core: State<'_, CoreState>,
    dataset_id: String,
    cluster_id: String,
    base_model: String,
) -> Result<TokenCountView, AppError> {
    count(&core, dataset_id, cluster_id, base_model).await
}

/// [`count_dataset_tokens`] without a window: `not_found` for a deleted dataset, `cluster_missing` for a
/// removed cluster.
pub async fn count(
    core: &CoreState,
    dataset_id: String,
    cluster_id: String,
    base_model: String,
) -> Result<TokenCountView, AppError> {
    let cluster = cluster_id.clone();
    let (dataset, kind) = core
        .read(move |s| -> Result<_, StoreError> {
            Ok((s.datasets().get(&dataset_id)?, s.clusters().find(&cluster)?.kind))
        })
        .await?;
    let data_dir = core.data_dir().to_path_buf();
    let folder = local_folder_of(&data_dir, kind, &base_model);
    let tokenizer = match tokenizer_at_hand(&data_dir, &base_model, folder.as_deref()) {
        Some(found) => Some(found),
        None => {
            // A cluster that does not answer leaves the estimate as it is: nothing to show as an error.
            match core.client(&cluster_id).await {
                Ok(client) => tokenizer_for(&data_dir, &client, &base_model, folder.as_deref()).await,
                Err(_) => None,
            }
        }
    };
    Ok(count_with(&data_dir, &dataset, tokenizer).await)
}

/// Counts (or reads the cached count) with `tokenizer`; the dataset's estimate without one or when counting
/// fails.
pub async fn count_with(data_dir: &Path, dataset: &Dataset, tokenizer: Option<PathBuf>) -> TokenCountView {
    match exact_tokens(data_dir, dataset, tokenizer).await {
        Some(total) => TokenCountView {
            tokens_total: total as f64,
            method: "exact".into(),
        },
        None => TokenCountView {
            tokens_total: dataset.tokens_total as f64,
            method: "estimate".into(),
        },
    }
}

/// The model folder on this computer for `base_model`: on the Local cluster a model the local agent offers
/// from its models folder (a linked "local folder" included); an absolute folder path on any cluster kind is
/// left to the launch to refuse.
pub fn local_folder_of(data_dir: &Path, kind: ClusterKind, base_model: &str) -> Option<PathBuf> {
    if kind != ClusterKind::Local || base_model.is_empty() || base_model.contains(['/', '\\']) {
        return None;
    }
    Some(local_models_dir(data_dir).join(base_model)).filter(|f| f.is_dir())
}

/// The exact count when it was made before (no counting, no fetch: a quick look for every estimate), so the
/// configurator's estimate says "exact" once the background count is done.
pub fn cached_count(data_dir: &Path, kind: ClusterKind, dataset: &Dataset, base_model: &str) -> Option<u64> {
    let folder = local_folder_of(data_dir, kind, base_model);
    let tokenizer = tokenizer_at_hand(data_dir, base_model, folder.as_deref())?;
    cached_exact_tokens(data_dir, dataset, &tokenizer)
}

/// [`cached_count`] for the form's cluster, by id (the estimate command's hook): the cluster from the store
/// and the cache file, both on the blocking pool. `None` when either is missing.
pub async fn cached_count_for(
    core: &CoreState,
    cluster_id: &str,
    dataset: &Dataset,
    base_model: &str,
) -> Option<u64> {
    let (cluster_id, dataset, base_model) = (cluster_id.to_owned(), dataset.clone(), base_model.to_owned());
    let data_dir = core.data_dir().to_path_buf();
    core.read(move |s| -> Result<_, StoreError> {
        let Some(cluster) = s.clusters().get(&cluster_id)? else {
            return Ok(None);
        };
        Ok(cached_count(&data_dir, cluster.kind, &dataset, &base_model))
    })
    .await
    .ok()
    .flatten()
}

#[cfg(test)]
#[path = "training_tokens_tests.rs"]
mod tests;
