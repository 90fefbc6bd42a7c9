//! The import flow shared by the app and the CLI: copy the file into the data folder under its
//! SHA-256, add a `validating` row, validate with the dataset engine, record the report.
//!
//! The same bytes twice give one library entry: a second import returns the existing entry (restoring
//! it when it was soft-deleted, and validating it again when its last validation never finished) and
//! leaves its name and description as they were.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError};

use serde::{Deserialize, Serialize};

use super::datasets::{Inserted, HEARTBEAT_INTERVAL};
use super::files::{remove_stored, store_file};
use super::{Dataset, DatasetStatus, NewDataset, StoreAccess, StoreError};
use crate::dataset::{validate_file, DatasetError, ValidateOptions, ValidationReport};

/// Why an import (or a re-validation) did not finish. Invalid *content* is not an error: the dataset
/// is then recorded with status `error` and its report.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file to import does not exist.
    #[error("dataset file not found: {}", path.display())]
    SourceNotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// The file to import could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file being read.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The data folder could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The database refused an operation.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The validation options cannot be used (an unloadable tokenizer, a value out of range); nothing
    /// was recorded, and a re-validated entry keeps its previous outcome.
    #[error("{0}")]
    InvalidOptions(#[source] DatasetError),
    /// The caller set the cancel flag; a new entry is removed, a re-validated one keeps its previous outcome.
    #[error("import cancelled")]
    Cancelled,
}

impl ImportError {
    pub(crate) fn read(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            ImportError::SourceNotFound {
                path: path.to_path_buf(),
            }
        } else {
            ImportError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    pub(crate) fn write(path: &Path, source: std::io::Error) -> Self {
        ImportError::Write {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What the user said about the file being imported.
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    /// Name in the library; `None` uses the file name without its extension.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new library entry.
    Added,
    /// These bytes were already in the library; that entry is returned.
    AlreadyInLibrary,
    /// These bytes were in the trash; that entry is restored and returned.
    Restored,
}

/// The library entry an import produced, and how.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The entry, after validation.
    pub dataset: Dataset,
    /// Whether it is new, reused or restored.
    pub outcome: ImportOutcome,
}

/// Imports `source` into the library of `data_dir` and validates it (see the module doc for dedup).
///
/// `progress(done, total)` reports validation progress; setting `cancel` stops the import.
pub fn import_dataset(
    store: &impl StoreAccess,
    data_dir: &Path,
    source: &Path,
    request: &ImportRequest,
    opts: &ValidateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Imported, ImportError> {
    if source.is_dir() {
        return Err(ImportError::Read {
            path: source.to_path_buf(),
            source: std::io::Error::other("this is a folder, not a dataset file"),
        });
    }
    let stored = store_file(data_dir, source, cancel)?;
    let original_file_name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.display().to_string());
    let new = NewDataset {
        name: request
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| default_name(&original_file_name)),
        description: request.description.clone(),
        sha256: stored.sha256.clone(),
        file_path: stored.relative_path.clone(),
        original_file_name,
        bytes: stored.bytes,
    };
    match store.with_store(|s| s.datasets().insert_validating(&new))? {
        Inserted::New(dataset) => {
            match validate_and_record(store, data_dir, &dataset, opts, progress, cancel) {
                Ok(dataset) => Ok(Imported {
                    dataset,
                    outcome: ImportOutcome::Added,
                }),
                Err(e @ (ImportError::Cancelled | ImportError::InvalidOptions(_))) => {
                    // An import stopped by the caller leaves nothing behind: the row and the file were
                    // only made for it.
                    store.with_store(|s| s.datasets().remove(&dataset.id))?;
                    remove_stored(data_dir, &dataset.file_path);
                    Err(e)
                }
                Err(e) => Err(e),
            }
        }
        Inserted::Existing(existing) => {
            let (mut dataset, outcome) = if existing.deleted_at.is_some() {
                let restored = store.with_store(|s| s.datasets().restore(&existing.id))?;
                (restored, ImportOutcome::Restored)
            } else {
                (existing, ImportOutcome::AlreadyInLibrary)
            };
            if needs_validation(&dataset) {
                dataset = revalidate_dataset(store, data_dir, &dataset.id, opts, progress, cancel)?;
            }
            Ok(Imported { dataset, outcome })
        }
    }
}

/// Validates a library entry again (after an interrupted validation, or with a tokenizer for exact
/// token counts) and records the new report.
pub fn revalidate_dataset(
    store: &impl StoreAccess,
    data_dir: &Path,
    id: &str,
    opts: &ValidateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Dataset, ImportError> {
    let previous = store.with_store(|s| -> Result<Dataset, StoreError> {
        let previous = s.datasets().get(id)?;
        s.datasets().start_validation(id)?;
        Ok(previous)
    })?;
    match validate_and_record(store, data_dir, &previous, opts, progress, cancel) {
        Err(e @ (ImportError::Cancelled | ImportError::InvalidOptions(_))) => {
            // Stopped by the caller: the last real outcome still holds.
            store.with_store(|s| s.datasets().abandon_validation(&previous))?;
            Err(e)
        }
        other => other,
    }
}

/// An entry whose last validation produced no report (interrupted, or it could not run).
fn needs_validation(dataset: &Dataset) -> bool {
    dataset.status == DatasetStatus::Error && dataset.error_message.is_some()
}

/// Runs the dataset engine on a `validating` entry and records the outcome. A failure to validate the
/// stored file (unreadable, missing) is recorded on the entry, not returned; cancelling and unusable
/// options are the caller's doing, so they are returned and nothing is recorded.
fn validate_and_record(
    store: &impl StoreAccess,
    data_dir: &Path,
    dataset: &Dataset,
    opts: &ValidateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Dataset, ImportError> {
    let path = dataset.path_in(data_dir);
    let Some(outcome) = validate_with_heartbeat(store, &dataset.id, &path, opts, progress, cancel) else {
        let message = "validation could not run: the validator stopped unexpectedly (internal error)";
        return Ok(store.with_store(|s| s.datasets().record_failure(&dataset.id, message))?);
    };
    match outcome {
        Ok(mut report) => {
            // The report names the file the user knows, not the hash-named copy.
            report.file = dataset.original_file_name.clone();
            Ok(store.with_store(|s| s.datasets().record_report(&dataset.id, &report))?)
        }
        Err(DatasetError::Cancelled) => Err(ImportError::Cancelled),
        Err(e @ (DatasetError::Tokenizer { .. } | DatasetError::InvalidOption(_))) => {
            Err(ImportError::InvalidOptions(e))
        }
        Err(e) => {
            let message = format!("validation could not run: {e}");
            Ok(store.with_store(|s| s.datasets().record_failure(&dataset.id, &message))?)
        }
    }
}

/// Validates on a helper thread while this one refreshes the entry's heartbeat, so that another
/// process opening the store can tell a running validation from one whose process died. `None` when
/// the validator panicked (a bug), which must not take the app down with it.
fn validate_with_heartbeat(
    store: &impl StoreAccess,
    id: &str,
    path: &Path,
    opts: &ValidateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Option<Result<ValidationReport, DatasetError>> {
    std::thread::scope(|scope| {
        // Nothing is ever sent: the sender is dropped when the validation ends (even by a panic).
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let worker = scope.spawn(move || {
            let _done = done_tx;
            validate_file(path, opts, progress, cancel)
        });
        while let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(HEARTBEAT_INTERVAL) {
            if let Err(e) = store.with_store(|s| s.datasets().heartbeat(id)) {
                tracing::warn!(dataset = id, error = %e, "could not refresh the validation heartbeat");
            }
        }
        worker.join().ok()
    })
}

/// The library name a file gets when the user gives none: its name without dataset extensions.
fn default_name(file_name: &str) -> String {
    let lower = file_name.to_ascii_lowercase();
    let stem = [".jsonl.gz", ".json.gz", ".jsonl", ".json", ".gz"]
        .iter()
        .find(|ext| lower.ends_with(*ext) && lower.len() > ext.len())
        .map(|ext| &file_name[..file_name.len() - ext.len()])
        .unwrap_or(file_name);
    let stem = stem.trim();
    if stem.is_empty() {
        "dataset".to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn default_names_drop_dataset_extensions() {
        assert_eq!(
            default_name("EQ-12-conversations-demo.jsonl"),
            "EQ-12-conversations-demo"
        );
        assert_eq!(default_name("chat.JSONL.gz"), "chat");
        assert_eq!(default_name("notes.txt"), "notes.txt");
        assert_eq!(default_name(".json"), ".json");
    }
}
