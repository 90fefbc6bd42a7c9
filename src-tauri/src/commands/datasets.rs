//! Dataset commands: import (in the background, with progress events and cancel), the library list and its
//! stats, a dataset's detail and samples, edit, delete and restore. Each command is a thin wrapper over a
//! plain function of [`CoreState`] that tests call without a window.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use brightrun_core::dataset::{read_examples, DatasetFormat, ValidateOptions};
use brightrun_core::jobs::Notifier;
use brightrun_core::store::dataset_notices::record_dataset_ready;
use brightrun_core::store::datasets::DEFAULT_PER_PAGE;
use brightrun_core::store::{
    import_dataset, DatasetQuery, ImportError, ImportOutcome, ImportRequest, StoreAccess, StoreError,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::core_errors::join_error;
use crate::core_state::CoreState;
use crate::dto::count;
use crate::dto::datasets::{
    DatasetDetailView, DatasetListPage, DatasetListQuery, DatasetSummary, ImportTicket, LibraryStats,
    ReportView, SampleView,
};
use crate::error::{AppError, ErrorCode};
use crate::notify::AppNotifier;

/// Files a dropped or picked folder contributes: the dataset files directly inside it.
const DATASET_EXTENSIONS: [&str; 3] = [".jsonl", ".json", ".jsonl.gz"];

/// At most one progress event per import this often: validation reports every few KiB, the UI needs ~10/s.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Most samples one call returns.
const MAX_SAMPLES: u32 = 100;

/// Progress of one file of an import batch. `stage`: `queued`, `validating`, `done`, `failed`, `cancelled`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct DatasetImportProgress {
    pub import_id: String,
    /// The file's name (not its folder).
    pub file: String,
    pub bytes_done: f64,
    pub bytes_total: f64,
    pub stage: String,
    /// The library entry, once `done`.
    pub dataset_id: Option<String>,
    /// Why it failed, or what `done` found (`added`, `already in the library`, `restored from the trash`).
    pub message: Option<String>,
}

/// Where progress events go: the window in the app, a list in tests.
pub type ProgressSink = Arc<dyn Fn(DatasetImportProgress) + Send + Sync>;

/// Imports files and folders in the background; returns at once with one ticket per file. `format` forces
/// one of the core's formats (`brightrun_lora_v4`, `openai_messages`…, as `brightrun dataset import
/// --format`); `None` detects it. Each finished validation is recorded as a `dataset_ready` notification.
#[tauri::command]
#[specta::specta]
pub async fn import_datasets(
    app: AppHandle,
    core: State<'_, CoreState>,
    paths: Vec<String>,
    format: Option<String>,
) -> Result<Vec<ImportTicket>, AppError> {
    let format = parse_format(format.as_deref())?;
    let notifier: Arc<dyn Notifier> = Arc::new(AppNotifier::new(app.clone()));
    let sink: ProgressSink = Arc::new(move |event: DatasetImportProgress| {
        // No window to tell (closing): the import still finishes and is in the list next time.
        let _ = event.emit(&app);
    });
    let (tickets, _running) = start_imports(&core, paths, format, sink, notifier)?;
    Ok(tickets)
}

/// The format the user forced, by the core's id; unknown ids are refused with the core's list.
pub fn parse_format(format: Option<&str>) -> Result<Option<DatasetFormat>, AppError> {
    format
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "auto")
        .map(|f| {
            f.parse::<DatasetFormat>()
                .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))
        })
        .transpose()
}

/// Stops an import in flight; `false` when it already finished.
#[tauri::command]
#[specta::specta]
pub fn cancel_import(core: State<'_, CoreState>, import_id: String) -> bool {
    cancel(&core, &import_id)
}

/// Opens the system's file dialog to pick dataset files; an empty list when the user closes it.
#[tauri::command]
#[specta::specta]
pub async fn pick_dataset_files() -> Result<Vec<String>, AppError> {
    // The dialog runs its own loop until the user answers: never on an async worker.
    let picked = tokio::task::spawn_blocking(|| {
        rfd::FileDialog::new()
            .set_title("Import datasets")
            .add_filter("Datasets (.jsonl, .json, .jsonl.gz)", &["jsonl", "json", "gz"])
            .pick_files()
    })
    .await
    .map_err(join_error)?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.display().to_string())
        .collect())
}

/// One page of the library (or of the trash).
#[tauri::command]
#[specta::specta]
pub async fn list_datasets(
    core: State<'_, CoreState>,
    query: DatasetListQuery,
) -> Result<DatasetListPage, AppError> {
    list(&core, &query).await
}

/// Totals for the stats bar.
#[tauri::command]
#[specta::specta]
pub async fn dataset_library_stats(core: State<'_, CoreState>) -> Result<LibraryStats, AppError> {
    library_stats(&core).await
}

/// A dataset with its validation report.
#[tauri::command]
#[specta::specta]
pub async fn get_dataset(core: State<'_, CoreState>, id: String) -> Result<DatasetDetailView, AppError> {
    detail(&core, &id).await
}

/// Normalised training examples of a dataset, `limit` (at most 100) from `offset`.
#[tauri::command]
#[specta::specta]
pub async fn dataset_samples(
    core: State<'_, CoreState>,
    id: String,
    offset: u32,
    limit: u32,
) -> Result<Vec<SampleView>, AppError> {
    samples(&core, &id, offset, limit).await
}

/// Renames a dataset and, when given, replaces its description (empty clears it).
#[tauri::command]
#[specta::specta]
pub async fn update_dataset(
    core: State<'_, CoreState>,
    id: String,
    name: Option<String>,
    description: Option<String>,
) -> Result<DatasetSummary, AppError> {
    update(&core, &id, name.as_deref(), description.as_deref()).await
}

/// Moves a dataset to the trash (reversible).
#[tauri::command]
#[specta::specta]
pub async fn delete_dataset(core: State<'_, CoreState>, id: String) -> Result<DatasetSummary, AppError> {
    delete(&core, &id).await
}

/// Takes a dataset out of the trash.
#[tauri::command]
#[specta::specta]
pub async fn restore_dataset(core: State<'_, CoreState>, id: String) -> Result<DatasetSummary, AppError> {
    restore(&core, &id).await
}

/// The files to import: each path as given, a folder replaced by the dataset files directly inside it.
pub fn expand_paths(paths: &[String]) -> Result<Vec<PathBuf>, AppError> {
    let mut files = Vec::new();
    for raw in paths {
        let path = PathBuf::from(raw);
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).map_err(|e| {
                AppError::new(
                    ErrorCode::InvalidInput,
                    format!("cannot read the folder {raw}: {e}"),
                )
            })?;
            let mut inside: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|p| p.is_file() && is_dataset_file(p))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            // A missing file is still queued: its import fails with the core's message, in the list of results.
            files.push(path);
        }
    }
    files.dedup();
    if files.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            "Nothing to import: no .jsonl, .json or .jsonl.gz files were given or found in the folders.",
        ));
    }
    Ok(files)
}

fn is_dataset_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    DATASET_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

/// Queues the files and validates them one after another on a blocking thread (the window stays free), with
/// `format` forced or detected. Each finished validation is recorded and handed to `notifier`. Returns the
/// tickets and the batch's task, which tests await.
pub fn start_imports(
    core: &CoreState,
    paths: Vec<String>,
    format: Option<DatasetFormat>,
    sink: ProgressSink,
    notifier: Arc<dyn Notifier>,
) -> Result<(Vec<ImportTicket>, tokio::task::JoinHandle<()>), AppError> {
    let files = expand_paths(&paths)?;
    let batch: Vec<(ImportTicket, PathBuf, Arc<AtomicBool>)> = files
        .into_iter()
        .map(|path| {
            let ticket = ImportTicket {
                import_id: uuid::Uuid::new_v4().to_string(),
                file: file_name(&path),
            };
            let flag = core.register_import(&ticket.import_id);
            (ticket, path, flag)
        })
        .collect();
    for (ticket, path, _) in &batch {
        sink(event(ticket, "queued", 0, file_size(path)));
    }
    let tickets = batch.iter().map(|(t, _, _)| t.clone()).collect();
    let core = core.clone();
    let running = tokio::task::spawn_blocking(move || {
        let opts = ValidateOptions {
            format,
            ..ValidateOptions::default()
        };
        for (ticket, path, flag) in batch {
            import_one(&core, &ticket, &path, &flag, &opts, &sink, notifier.as_ref());
            core.finish_import(&ticket.import_id);
        }
    });
    Ok((tickets, running))
}

/// Sets an import's cancel flag; `false` when no such import is in flight.
pub fn cancel(core: &CoreState, import_id: &str) -> bool {
    match core.import_flag(import_id) {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

fn import_one(
    core: &CoreState,
    ticket: &ImportTicket,
    path: &Path,
    flag: &AtomicBool,
    opts: &ValidateOptions,
    sink: &ProgressSink,
    notifier: &dyn Notifier,
) {
    let total = file_size(path);
    if flag.load(Ordering::Relaxed) {
        sink(event(ticket, "cancelled", 0, total));
        return;
    }
    sink(event(ticket, "validating", 0, total));
    let last_sent = Mutex::new(Instant::now());
    let progress = |done: u64, all: u64| {
        let mut last = last_sent.lock().unwrap_or_else(|p| p.into_inner());
        if done >= all || last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            sink(event(ticket, "validating", done, all));
        }
    };
    let outcome = import_dataset(
        &*core.store,
        core.data_dir(),
        path,
        &ImportRequest::default(),
        opts,
        &progress,
        flag,
    );
    let finished = match outcome {
        Ok(imported) => {
            announce_ready(core, &imported.dataset, notifier);
            let note = match imported.outcome {
                ImportOutcome::Added => "added",
                ImportOutcome::AlreadyInLibrary => "already in the library",
                ImportOutcome::Restored => "restored from the trash",
            };
            DatasetImportProgress {
                dataset_id: Some(imported.dataset.id),
                message: Some(note.to_owned()),
                ..event(ticket, "done", total, total)
            }
        }
        Err(ImportError::Cancelled) => event(ticket, "cancelled", 0, total),
        Err(error) => DatasetImportProgress {
            message: Some(error.to_string()),
            ..event(ticket, "failed", 0, total)
        },
    };
    sink(finished);
}

/// Records the `dataset_ready` notification of a finished validation (once per validation: the same bytes
/// imported again say nothing) and hands it to the notifier, like the poller does with job notifications.
fn announce_ready(core: &CoreState, dataset: &brightrun_core::store::Dataset, notifier: &dyn Notifier) {
    match core.store.with_store(|s| record_dataset_ready(s, dataset)) {
        Ok(Some(notification)) => notifier.deliver(&notification),
        Ok(None) => {}
        // The dataset is imported; only the notice is lost, which is no reason to report the import failed.
        Err(err) => {
            tracing::warn!(dataset = %dataset.id, "cannot record the dataset_ready notification: {err}")
        }
    }
}

fn event(ticket: &ImportTicket, stage: &str, done: u64, total: u64) -> DatasetImportProgress {
    DatasetImportProgress {
        import_id: ticket.import_id.clone(),
        file: ticket.file.clone(),
        bytes_done: count(done),
        bytes_total: count(total),
        stage: stage.to_owned(),
        dataset_id: None,
        message: None,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The list query in the core's terms; unknown ids are the caller's mistake.
pub async fn list(core: &CoreState, query: &DatasetListQuery) -> Result<DatasetListPage, AppError> {
    let invalid = |e: &dyn std::fmt::Display| AppError::new(ErrorCode::InvalidInput, e.to_string());
    let core_query = DatasetQuery {
        search: query.search.clone(),
        sort: query.sort.map(Into::into).unwrap_or_default(),
        format: query
            .format
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid(&e))?,
        status: query
            .status
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid(&e))?,
        ready: query.ready,
        deleted: query.trash,
        page: query.page.max(1),
        per_page: if query.per_page == 0 {
            DEFAULT_PER_PAGE
        } else {
            query.per_page
        },
    };
    Ok(core.read(move |s| s.datasets().list(&core_query)).await?.into())
}

/// Totals over the library, page by page (a library holds hundreds of datasets, not millions).
pub async fn library_stats(core: &CoreState) -> Result<LibraryStats, AppError> {
    core.read(|s| -> Result<_, StoreError> {
        let mut stats = LibraryStats::default();
        let mut query = DatasetQuery {
            per_page: 500,
            ..DatasetQuery::default()
        };
        loop {
            let page = s.datasets().list(&query)?;
            for d in &page.items {
                stats.datasets += 1.0;
                stats.ready += if d.ready { 1.0 } else { 0.0 };
                stats.conversations += count(d.conversations);
                stats.training_examples += count(d.training_examples);
            }
            if page.items.is_empty() || u64::from(query.page) * u64::from(query.per_page) >= page.total {
                return Ok(stats);
            }
            query.page += 1;
        }
    })
    .await
}

/// A dataset and its report.
pub async fn detail(core: &CoreState, id: &str) -> Result<DatasetDetailView, AppError> {
    let id = id.to_owned();
    let detail = core.read(move |s| s.datasets().get_detail(&id)).await?;
    Ok(DatasetDetailView {
        dataset: detail.dataset.into(),
        report: detail.report.map(ReportView::from),
    })
}

/// Reads examples of the stored file on a blocking thread.
pub async fn samples(
    core: &CoreState,
    id: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<SampleView>, AppError> {
    let owned = id.to_owned();
    let dataset = core.read(move |s| s.datasets().get(&owned)).await?;
    let path = dataset.path_in(core.data_dir());
    let limit = limit.min(MAX_SAMPLES) as usize;
    let examples =
        tokio::task::spawn_blocking(move || read_examples(&path, dataset.format, offset as usize, limit))
            .await
            .map_err(join_error)??;
    Ok(examples.into_iter().map(SampleView::from).collect())
}

/// Name and description.
pub async fn update(
    core: &CoreState,
    id: &str,
    name: Option<&str>,
    description: Option<&str>,
) -> Result<DatasetSummary, AppError> {
    let (id, name, description) = (
        id.to_owned(),
        name.map(str::to_owned),
        description.map(str::to_owned),
    );
    Ok(core
        .read(move |s| {
            s.datasets()
                .update_details(&id, name.as_deref(), description.as_deref())
        })
        .await?
        .into())
}

/// Soft delete: the entry goes to the trash.
pub async fn delete(core: &CoreState, id: &str) -> Result<DatasetSummary, AppError> {
    let id = id.to_owned();
    Ok(core.read(move |s| s.datasets().soft_delete(&id)).await?.into())
}

/// Out of the trash.
pub async fn restore(core: &CoreState, id: &str) -> Result<DatasetSummary, AppError> {
    let id = id.to_owned();
    Ok(core.read(move |s| s.datasets().restore(&id)).await?.into())
}

#[cfg(test)]
#[path = "datasets_tests.rs"]
mod tests;
