//! The files a job trains on: the library dataset converted to `openai_messages`, split by conversation with
//! the run's seed when it holds some out for validation.
//!
//! The conversion is deterministic and kept under `converted/` by library hash, seed and fraction, so the
//! split is frozen: a retry, a relaunch or a resumed launch with the same seed sees the same conversations on
//! each side. No conversation is on both sides (a v4 record repeats its whole history, so splitting lines
//! would leak the validation conversations into training).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{JobsError, LaunchProgress};
use crate::cluster::Progress;
use crate::dataset::{convert_to_openai_messages, sha256_file, ConvertOptions, ConvertSummary};
use crate::store::training_jobs::DataSplit;
use crate::store::Dataset;

/// Folder of the data folder where converted training files are kept, named by the library file's SHA-256.
pub const CONVERTED_FOLDER: &str = "converted";

/// One uploaded file of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingFile {
    /// Where it is kept under `<data>/converted/`.
    pub path: PathBuf,
    /// Its SHA-256 (the cluster's content address).
    pub sha256: String,
}

/// The files of one run and how they were cut.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingFiles {
    /// The training file.
    pub train: TrainingFile,
    /// The validation file, when the run holds conversations out.
    pub validation: Option<TrainingFile>,
    /// The split (None when the user chose no validation).
    pub split: Option<DataSplit>,
    /// Invalid records left out of both files.
    pub skipped_invalid: u64,
}

/// Converts (once) and splits the library dataset for a run with `validation_split` and `seed`. A fraction
/// above 0 that leaves either side empty is refused: the user must choose to train without validation.
pub async fn training_files(
    data_dir: &Path,
    dataset: &Dataset,
    validation_split: f64,
    seed: u64,
    progress: &mut (dyn FnMut(LaunchProgress) + Send),
) -> Result<TrainingFiles, JobsError> {
    let source = dataset.path_in(data_dir);
    let folder = data_dir.join(CONVERTED_FOLDER);
    let split = (validation_split > 0.0).then_some(validation_split);
    let name = match split {
        None => format!("{}.openai.jsonl", dataset.sha256),
        Some(f) => format!("{}.seed{seed}.val{f}.openai.jsonl", dataset.sha256),
    };
    let out = folder.join(name);
    let format = dataset.format;
    let summary = tokio::task::spawn_blocking(move || convert_once(&source, &out, format, split, seed))
        .await
        .map_err(|e| JobsError::Task(e.to_string()))??;
    let size = std::fs::metadata(&summary.train_path)
        .map(|m| m.len())
        .unwrap_or(0);
    progress(LaunchProgress::Converting(Progress {
        done: size,
        total: size,
    }));
    let train = TrainingFile {
        sha256: hash(&summary.train_path).await?,
        path: summary.train_path.clone(),
    };
    let Some(fraction) = split else {
        return Ok(TrainingFiles {
            train,
            validation: None,
            split: None,
            skipped_invalid: summary.errors,
        });
    };
    if summary.validation_examples == 0 || summary.train_examples == 0 {
        let conversations = summary.train_conversations + summary.validation_conversations;
        return Err(JobsError::DatasetNotReady {
            id: dataset.id.clone(),
            reason: format!(
                "it has {conversations} conversation(s), too few to hold {:.0} % out for validation with \
                 conversations on both sides; set validation_split=0 to train without validation",
                fraction * 100.0
            ),
        });
    }
    let validation_path = summary
        .validation_path
        .clone()
        .ok_or_else(|| JobsError::Task("the split wrote no validation file".into()))?;
    let validation = TrainingFile {
        sha256: hash(&validation_path).await?,
        path: validation_path,
    };
    Ok(TrainingFiles {
        train,
        validation: Some(validation),
        split: Some(DataSplit {
            seed,
            fraction,
            train_examples: summary.train_examples,
            validation_examples: summary.validation_examples,
            train_conversations: summary.train_conversations,
            validation_conversations: summary.validation_conversations,
        }),
        skipped_invalid: summary.errors,
    })
}

/// The conversion's summary, kept beside its files as `<train>.summary.json`: present means the files are
/// complete (each is renamed into place, and the summary is written last).
fn convert_once(
    source: &Path,
    out: &Path,
    format: Option<crate::dataset::DatasetFormat>,
    split: Option<f64>,
    seed: u64,
) -> Result<ConvertSummary, JobsError> {
    let summary_path = out.with_extension("summary.json");
    if let Ok(text) = std::fs::read_to_string(&summary_path) {
        if let Ok(summary) = serde_json::from_str::<ConvertSummary>(&text) {
            let complete =
                summary.train_path.is_file() && summary.validation_path.as_ref().is_none_or(|p| p.is_file());
            if complete {
                return Ok(summary);
            }
        }
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|source| JobsError::Io {
            context: "cannot create",
            path: parent.display().to_string(),
            source,
        })?;
    }
    let opts = ConvertOptions {
        format,
        validation_split: split,
        seed,
    };
    let summary = convert_to_openai_messages(source, out, &opts, &|_, _| {}, &AtomicBool::new(false))?;
    let tmp = summary_path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &summary_path))
        .map_err(|source| JobsError::Io {
            context: "cannot write",
            path: summary_path.display().to_string(),
            source,
        })?;
    Ok(summary)
}

async fn hash(path: &Path) -> Result<String, JobsError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || sha256_file(&path))
        .await
        .map_err(|e| JobsError::Task(e.to_string()))?
        .map_err(JobsError::from)
}
