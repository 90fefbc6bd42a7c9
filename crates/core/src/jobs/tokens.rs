//! Exact token counts for the estimate: the dataset counted with the base model's own `tokenizer.json` (a local
//! model folder's, or the one the cluster serves at `GET /v1/models/{name}/tokenizer`), once per dataset and
//! tokenizer, cached under `<data>/token-counts/<dataset sha256>-<tokenizer sha256>.json`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::JobsError;
use crate::cluster::ClusterClient;
use crate::dataset::{sha256_file, validate_file, TokenMethod, ValidateOptions};
use crate::store::Dataset;

/// Folder of the data folder where the counts are kept.
pub const TOKEN_COUNTS_FOLDER: &str = "token-counts";
/// Folder of the data folder where tokenizers fetched from clusters are kept.
pub const TOKENIZERS_FOLDER: &str = "tokenizers";

/// One cached count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CachedCount {
    dataset_sha256: String,
    tokenizer_sha256: String,
    tokens_total: u64,
}

/// The base model's tokenizer, when one is at hand: `local_folder/tokenizer.json`, else the cluster's copy
/// (fetched once into `<data>/tokenizers/`). `None` when neither has one.
pub async fn tokenizer_for(
    data_dir: &Path,
    client: &ClusterClient,
    base_model: &str,
    local_folder: Option<&Path>,
) -> Option<PathBuf> {
    if let Some(path) = tokenizer_at_hand(data_dir, base_model, local_folder) {
        return Some(path);
    }
    let kept = kept_tokenizer_path(data_dir, base_model);
    let bytes = client.tokenizer(base_model).await.ok().flatten()?;
    std::fs::create_dir_all(kept.parent()?).ok()?;
    let tmp = kept.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).ok()?;
    std::fs::rename(&tmp, &kept).ok()?;
    Some(kept)
}

/// The tokenizer [`tokenizer_for`] would use, when it needs no fetch: the local folder's, or a copy fetched
/// before. For a quick look (the configurator's estimate reads the cached count with it).
pub fn tokenizer_at_hand(data_dir: &Path, base_model: &str, local_folder: Option<&Path>) -> Option<PathBuf> {
    local_folder
        .map(|f| f.join("tokenizer.json"))
        .filter(|p| p.is_file())
        .or_else(|| Some(kept_tokenizer_path(data_dir, base_model)).filter(|p| p.is_file()))
}

/// Where a tokenizer fetched from a cluster is kept: `<data>/tokenizers/<model id, made safe>.json`.
fn kept_tokenizer_path(data_dir: &Path, base_model: &str) -> PathBuf {
    let safe: String = base_model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    data_dir.join(TOKENIZERS_FOLDER).join(format!("{safe}.json"))
}

fn cache_path(data_dir: &Path, dataset: &Dataset, tokenizer_sha256: &str) -> PathBuf {
    data_dir
        .join(TOKEN_COUNTS_FOLDER)
        .join(format!("{}-{tokenizer_sha256}.json", dataset.sha256))
}

/// The dataset's exact token count for `tokenizer`, if it was counted before.
pub fn cached_exact_tokens(data_dir: &Path, dataset: &Dataset, tokenizer: &Path) -> Option<u64> {
    let sha = sha256_file(tokenizer).ok()?;
    let text = std::fs::read_to_string(cache_path(data_dir, dataset, &sha)).ok()?;
    let cached: CachedCount = serde_json::from_str(&text).ok()?;
    (cached.dataset_sha256 == dataset.sha256 && cached.tokenizer_sha256 == sha).then_some(cached.tokens_total)
}

/// Counts the dataset's tokens with `tokenizer` (the validator's accounting: content plus the template's
/// per-message overhead) and caches the count. Blocking: run it off the async threads.
pub fn count_exact_tokens(data_dir: &Path, dataset: &Dataset, tokenizer: &Path) -> Result<u64, JobsError> {
    let sha = sha256_file(tokenizer)?;
    let opts = ValidateOptions {
        format: dataset.format,
        tokenizer: Some(tokenizer.to_path_buf()),
        max_seq_len: None,
    };
    let report = validate_file(
        &dataset.path_in(data_dir),
        &opts,
        &|_, _| {},
        &AtomicBool::new(false),
    )?;
    if report.tokens.method != TokenMethod::Exact {
        return Err(JobsError::Task("the tokenizer did not count exactly".into()));
    }
    let path = cache_path(data_dir, dataset, &sha);
    let cached = CachedCount {
        dataset_sha256: dataset.sha256.clone(),
        tokenizer_sha256: sha,
        tokens_total: report.tokens.total,
    };
    let io = |source| JobsError::Io {
        context: "cannot write",
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&cached).unwrap_or_default()).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(report.tokens.total)
}

/// The cached exact count, or counts it now (once; later calls read the cache). `None` without a tokenizer or
/// when counting fails (the estimate then uses the dataset's estimated count).
pub async fn exact_tokens(data_dir: &Path, dataset: &Dataset, tokenizer: Option<PathBuf>) -> Option<u64> {
    let tokenizer = tokenizer?;
    let (data_dir, dataset) = (data_dir.to_path_buf(), dataset.clone());
    tokio::task::spawn_blocking(move || {
        cached_exact_tokens(&data_dir, &dataset, &tokenizer)
            .or_else(|| count_exact_tokens(&data_dir, &dataset, &tokenizer).ok())
    })
    .await
    .ok()
    .flatten()
}
