//! Model shapes for the UI: trained adapters with their quality metrics and lineage.

use std::path::Path;

use brightrun_core::store::model_artifacts::ModelArtifact;
use serde::{Deserialize, Serialize};

/// A trained adapter as the UI shows it.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ModelView {
    /// Id.
    pub id: String,
    /// Name (the job's).
    pub name: String,
    /// The job that trained it.
    pub job_id: String,
    /// Base model.
    pub base_model: String,
    /// Dataset id.
    pub dataset_id: String,
    /// Dataset name, when the dataset is still in the library.
    pub dataset_name: Option<String>,
    /// Training file hash.
    pub dataset_sha256: String,
    /// Absolute adapter folder.
    pub adapter_dir: String,
    /// Hyperparameters, GPUs and cluster of the run (pretty JSON text).
    pub config: String,
    /// Final training loss.
    pub final_train_loss: Option<f64>,
    /// Final validation loss.
    pub final_val_loss: Option<f64>,
    /// Perplexity.
    pub perplexity: Option<f64>,
    /// Improvement over the first loss (%).
    pub improvement_pct: Option<f64>,
    /// Validation loss well above training loss.
    pub overfitting: bool,
    /// 1–5.
    pub rating: u8,
    /// Files (name, size, sha256).
    pub files: Vec<ModelFile>,
    /// Bytes in all.
    pub bytes: f64,
    /// Every file's SHA-256 matched the cluster's.
    pub verified: bool,
    /// When recorded.
    pub created_at: String,
    /// Its place in its line of versions: 1 for a first training, the parent's + 1 for "Train again" (what
    /// `brightrun models list` shows as v1, v2…).
    pub version: u32,
}

/// One adapter file.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ModelFile {
    /// Name.
    pub name: String,
    /// Bytes.
    pub size: f64,
    /// SHA-256.
    pub sha256: String,
}

impl ModelView {
    /// The view of `m`, whose adapter lies under `data_dir`; `dataset_name` when the dataset is still in the
    /// library; `version` from the core's model versions.
    pub fn new(data_dir: &Path, m: &ModelArtifact, dataset_name: Option<String>, version: u32) -> Self {
        ModelView {
            id: m.id.clone(),
            name: m.name.clone(),
            job_id: m.job_id.clone(),
            base_model: m.base_model.clone(),
            dataset_id: m.dataset_id.clone(),
            dataset_name,
            dataset_sha256: m.dataset_sha256.clone(),
            adapter_dir: data_dir.join(&m.adapter_dir).display().to_string(),
            config: serde_json::to_string_pretty(&m.config).unwrap_or_default(),
            final_train_loss: m.quality.final_train_loss,
            final_val_loss: m.quality.final_val_loss,
            perplexity: m.quality.perplexity,
            improvement_pct: m.quality.improvement_pct,
            overfitting: m.quality.overfitting,
            rating: m.quality.rating,
            files: m
                .files
                .iter()
                .map(|f| ModelFile {
                    name: f.name.clone(),
                    size: f.size as f64,
                    sha256: f.sha256.clone(),
                })
                .collect(),
            bytes: m.bytes as f64,
            verified: m.verified,
            created_at: m.created_at.clone(),
            version,
        }
    }
}
