//! What the model page, the Playground and Compare receive: the core's export, chat, merge, versions and
//! comparison results in shapes specta can export (bytes and counts as `f64`, free-form JSON as text).

use brightrun_core::jobs::compare::Comparison;
use brightrun_core::models::{ExportedZip, MergedModel, SideBySide};
use brightrun_core::store::model_versions::VersionEntry;
use serde::{Deserialize, Serialize};

use crate::commands::models::{ModelFile, ModelView};

/// Everything the model page shows: the model, its place in its line, and how to use it.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ModelPage {
    /// The model as the list shows it.
    pub model: ModelView,
    /// The user's description (empty when none).
    pub description: String,
    /// In the trash since (RFC 3339), or `None`.
    pub deleted_at: Option<String>,
    /// v1 for a model trained from scratch, the parent's version plus one otherwise.
    pub version: u32,
    /// The model this one was trained again from.
    pub parent_model_id: Option<String>,
    /// The whole line, oldest first (this model included).
    pub versions: Vec<VersionView>,
    /// The job's cluster (its name), for the lineage.
    pub cluster_name: Option<String>,
    /// Ready-to-run snippets built by the core (the same text the model card carries).
    pub snippets: Snippets,
}

/// One model of a line.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct VersionView {
    /// Model id.
    pub model_id: String,
    /// Name.
    pub name: String,
    /// Version number.
    pub version: u32,
    /// When recorded.
    pub created_at: String,
}

impl From<&VersionEntry> for VersionView {
    fn from(v: &VersionEntry) -> Self {
        Self {
            model_id: v.model_id.clone(),
            name: v.name.clone(),
            version: v.version,
            created_at: v.created_at.clone(),
        }
    }
}

/// Code to copy: load the adapter with PEFT, serve it with vLLM.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct Snippets {
    /// Python (transformers + PEFT).
    pub peft: String,
    /// `vllm serve … --enable-lora` and an OpenAI-style request for the adapter.
    pub vllm: String,
}

/// A written ZIP (`brightrun models export --json`'s fields).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ExportedZipView {
    /// Where it is.
    pub path: String,
    /// Its size.
    pub bytes: f64,
    /// SHA-256 of the ZIP file.
    pub sha256: String,
    /// What it holds.
    pub files: Vec<ModelFile>,
}

impl From<&ExportedZip> for ExportedZipView {
    fn from(z: &ExportedZip) -> Self {
        Self {
            path: z.path.display().to_string(),
            bytes: z.bytes as f64,
            sha256: z.sha256.clone(),
            files: z
                .files
                .iter()
                .map(|f| ModelFile {
                    name: f.name.clone(),
                    size: f.bytes as f64,
                    sha256: f.sha256.clone(),
                })
                .collect(),
        }
    }
}

/// A merged model on disk (`brightrun models merge --json`'s fields).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct MergedModelView {
    /// The folder.
    pub path: String,
    /// Bytes of every file.
    pub bytes: f64,
    /// SHA-256 of the weights.
    pub sha256: String,
    /// Its files.
    pub files: Vec<ModelFile>,
}

impl From<&MergedModel> for MergedModelView {
    fn from(m: &MergedModel) -> Self {
        Self {
            path: m.path.display().to_string(),
            bytes: m.bytes as f64,
            sha256: m.sha256.clone(),
            files: m
                .files
                .iter()
                .map(|f| ModelFile {
                    name: f.name.clone(),
                    size: f.size as f64,
                    sha256: f.sha256.clone(),
                })
                .collect(),
        }
    }
}

/// Where a merge is, sent on its channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum MergeStep {
    /// The cluster is merging the adapter into the base model.
    Merging,
    /// The merged files are coming down (bytes of all files).
    Downloading {
        /// Bytes so far.
        done: f64,
        /// Bytes in all.
        total: f64,
    },
}

/// How the Playground asks (the CLI's `models chat` options).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ChatSettings {
    /// Optional system prompt.
    pub system: Option<String>,
    /// Most tokens per answer (1–4096).
    pub max_new_tokens: u32,
    /// Sampling temperature (0: greedy).
    pub temperature: f64,
    /// Nucleus sampling.
    pub top_p: f64,
    /// The same seed gives the same answers.
    pub seed: Option<u32>,
}

/// A piece of an answer as it is generated, sent on the Playground's channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ChatPiece {
    /// `base` or `adapter`.
    pub side: String,
    /// The new text.
    pub text: String,
}

/// One whole answer.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ChatAnswerView {
    /// The text.
    pub text: String,
    /// Tokens generated.
    pub tokens: f64,
    /// `stop` or `length`.
    pub finish_reason: Option<String>,
}

/// Both answers, once complete.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct SideBySideView {
    /// The base model's.
    pub base: ChatAnswerView,
    /// The adapter's.
    pub adapter: ChatAnswerView,
}

impl From<&SideBySide> for SideBySideView {
    fn from(s: &SideBySide) -> Self {
        let answer = |a: &brightrun_core::cluster::client::ChatAnswer| ChatAnswerView {
            text: a.text.clone(),
            tokens: a.tokens as f64,
            finish_reason: a.finish_reason.clone(),
        };
        Self {
            base: answer(&s.base),
            adapter: answer(&s.adapter),
        }
    }
}

/// Compared jobs (`brightrun jobs compare --json`'s fields).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ComparisonView {
    /// The jobs, in the order asked.
    pub jobs: Vec<ComparedJobView>,
    /// Settings whose value is not the same in all jobs.
    pub differences: Vec<DifferenceView>,
}

/// One compared job with its loss curves.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct ComparedJobView {
    /// Local job id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Base model.
    pub base_model: String,
    /// Status.
    pub status: String,
    /// Last training loss.
    pub final_train_loss: Option<f64>,
    /// Last validation loss.
    pub final_val_loss: Option<f64>,
    /// Every setting (pretty JSON text: specta cannot type arbitrary JSON).
    pub hyperparameters: String,
    /// Its loss curves.
    pub series: LossSeriesView,
}

/// Loss curves, one entry per metrics point.
#[derive(Clone, Debug, Default, Serialize, Deserialize, specta::Type)]
pub struct LossSeriesView {
    /// Step of each point.
    pub steps: Vec<f64>,
    /// Tokens seen by then (None where unknown).
    pub tokens_seen: Vec<Option<f64>>,
    /// Training loss (None where not logged).
    pub train_loss: Vec<Option<f64>>,
    /// Validation loss (None where not evaluated).
    pub val_loss: Vec<Option<f64>>,
}

/// A setting that differs.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
pub struct DifferenceView {
    /// The setting (`learning_rate`, `base_model`, …).
    pub field: String,
    /// Its value in each job, in the order of `jobs`, as JSON text (`2e-4`, `"cpu"`, `null`).
    pub values: Vec<String>,
}

impl From<&Comparison> for ComparisonView {
    fn from(c: &Comparison) -> Self {
        Self {
            jobs: c
                .jobs
                .iter()
                .map(|j| {
                    let series = c
                        .series
                        .get(&j.id)
                        .map(|s| LossSeriesView {
                            steps: s.steps.iter().map(|&x| x as f64).collect(),
                            tokens_seen: s.tokens_seen.clone(),
                            train_loss: s.train_loss.clone(),
                            val_loss: s.val_loss.clone(),
                        })
                        .unwrap_or_default();
                    ComparedJobView {
                        id: j.id.clone(),
                        name: j.name.clone(),
                        base_model: j.base_model.clone(),
                        status: j.status.clone(),
                        final_train_loss: j.final_train_loss,
                        final_val_loss: j.final_val_loss,
                        hyperparameters: serde_json::to_string_pretty(&j.hyperparameters).unwrap_or_default(),
                        series,
                    }
                })
                .collect(),
            differences: c
                .differences
                .iter()
                .map(|d| DifferenceView {
                    field: d.field.clone(),
                    values: d.values.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
        }
    }
}
