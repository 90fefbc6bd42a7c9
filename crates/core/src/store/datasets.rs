//! The `datasets` table: the dataset library (migration `20261122030000_datasets`).
//!
//! One row per distinct file content (`sha256` is unique). Status moves `validating → ready | error`;
//! `ready` (the flag) means every readiness check passed. Deleting is soft (`deleted_at`) and reversible.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{time, Store, StoreError};
use crate::dataset::{DatasetFormat, ValidationReport};

/// How often a running validation refreshes its heartbeat.
pub const HEARTBEAT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// A `validating` row whose heartbeat is older than this was left by a process that stopped; twelve
/// missed heartbeats, so a busy machine is never mistaken for a dead one.
pub const HEARTBEAT_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The message of a validation that a stopped process left unfinished.
pub const INTERRUPTED_MESSAGE: &str = "validation was interrupted before it finished (BrightRun stopped); \
     import the file again or re-validate the dataset";

/// Where a dataset is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetStatus {
    /// The file is stored and its validation is running.
    Validating,
    /// Validated and valid: it can be trained on.
    Ready,
    /// Validated and invalid (see the report's errors), or validation could not run (see `error_message`).
    Error,
}

impl DatasetStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [DatasetStatus; 3] = [
        DatasetStatus::Validating,
        DatasetStatus::Ready,
        DatasetStatus::Error,
    ];

    /// The stable identifier stored in the database and printed by the CLI.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatasetStatus::Validating => "validating",
            DatasetStatus::Ready => "ready",
            DatasetStatus::Error => "error",
        }
    }
}

impl fmt::Display for DatasetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no dataset status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dataset status `{0}`; valid statuses: validating, ready, error")]
pub struct UnknownStatus(pub String);

impl FromStr for DatasetStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatasetStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// The order of a dataset list: by name, import, last change, size, examples, tokens, quality or last use.
///
/// Every order ends on a unique column so pages never overlap; datasets without a value for the key (no
/// quality scores, never trained on) come last in both directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetSort {
    /// Most recently imported first.
    #[default]
    Newest,
    /// Oldest import first.
    Oldest,
    /// Name A–Z, ignoring ASCII case.
    Name,
    /// Name Z–A, ignoring ASCII case.
    NameDesc,
    /// Most recently changed (renamed, re-validated, restored) first.
    RecentlyUpdated,
    /// Biggest file first.
    Largest,
    /// Smallest file first.
    Smallest,
    /// Most training examples first.
    MostExamples,
    /// Fewest training examples first.
    FewestExamples,
    /// Most tokens first.
    MostTokens,
    /// Fewest tokens first.
    FewestTokens,
    /// Highest mean quality score first (formats without scores last).
    BestQuality,
    /// Lowest mean quality score first (formats without scores last).
    WorstQuality,
    /// Most recently trained on first (never used last).
    RecentlyUsed,
}

impl DatasetSort {
    /// Every sort.
    pub const ALL: [DatasetSort; 14] = [
        DatasetSort::Newest,
        DatasetSort::Oldest,
        DatasetSort::Name,
        DatasetSort::NameDesc,
        DatasetSort::RecentlyUpdated,
        DatasetSort::Largest,
        DatasetSort::Smallest,
        DatasetSort::MostExamples,
        DatasetSort::FewestExamples,
        DatasetSort::MostTokens,
        DatasetSort::FewestTokens,
        DatasetSort::BestQuality,
        DatasetSort::WorstQuality,
        DatasetSort::RecentlyUsed,
    ];

    /// The stable identifier, e.g. `"most-examples"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatasetSort::Newest => "newest",
            DatasetSort::Oldest => "oldest",
            DatasetSort::Name => "name",
            DatasetSort::NameDesc => "name-desc",
            DatasetSort::RecentlyUpdated => "recently-updated",
            DatasetSort::Largest => "largest",
            DatasetSort::Smallest => "smallest",
            DatasetSort::MostExamples => "most-examples",
            DatasetSort::FewestExamples => "fewest-examples",
            DatasetSort::MostTokens => "most-tokens",
            DatasetSort::FewestTokens => "fewest-tokens",
            DatasetSort::BestQuality => "best-quality",
            DatasetSort::WorstQuality => "worst-quality",
            DatasetSort::RecentlyUsed => "recently-used",
        }
    }

    /// The ORDER BY clause over the list's columns (`last_used_at` is the query's own column).
    fn order_by(&self) -> &'static str {
        match self {
            DatasetSort::Newest => "created_at DESC, id DESC",
            DatasetSort::Oldest => "created_at ASC, id ASC",
            DatasetSort::Name => "name COLLATE NOCASE ASC, id ASC",
            DatasetSort::NameDesc => "name COLLATE NOCASE DESC, id DESC",
            DatasetSort::RecentlyUpdated => "updated_at DESC, id DESC",
            DatasetSort::Largest => "bytes DESC, created_at DESC, id DESC",
            DatasetSort::Smallest => "bytes ASC, created_at DESC, id DESC",
            DatasetSort::MostExamples => "training_examples DESC, created_at DESC, id DESC",
            DatasetSort::FewestExamples => "training_examples ASC, created_at DESC, id DESC",
            DatasetSort::MostTokens => "tokens_total DESC, created_at DESC, id DESC",
            DatasetSort::FewestTokens => "tokens_total ASC, created_at DESC, id DESC",
            DatasetSort::BestQuality => "quality_mean IS NULL, quality_mean DESC, created_at DESC, id DESC",
            DatasetSort::WorstQuality => "quality_mean IS NULL, quality_mean ASC, created_at DESC, id DESC",
            DatasetSort::RecentlyUsed => "last_used_at IS NULL, last_used_at DESC, created_at DESC, id DESC",
        }
    }
}

impl fmt::Display for DatasetSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no sort.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sort `{0}`; valid sorts: {names}", names = sort_names())]
pub struct UnknownSort(pub String);

fn sort_names() -> String {
    DatasetSort::ALL.map(|s| s.as_str()).join(", ")
}

impl FromStr for DatasetSort {
    type Err = UnknownSort;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatasetSort::ALL
            .into_iter()
            .find(|sort| sort.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSort(s.to_string()))
    }
}

/// One dataset of the library, without its (large) validation report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Stable id (uuid v7, so ids sort by creation).
    pub id: String,
    /// Name shown to the user; defaults to the file name without its extension.
    pub name: String,
    /// Free text from the user.
    pub description: Option<String>,
    /// Where the dataset is in its life.
    pub status: DatasetStatus,
    /// Why validation could not run, when that is why the status is `error`.
    pub error_message: Option<String>,
    /// SHA-256 of the file (lowercase hex): its identity here and on clusters.
    pub sha256: String,
    /// The stored file, relative to the data folder (e.g. `datasets/<sha256>.jsonl`).
    pub file_path: String,
    /// The name of the file the user imported.
    pub original_file_name: String,
    /// Size of the file.
    pub bytes: u64,
    /// The format, once validation recognised it.
    pub format: Option<DatasetFormat>,
    /// Distinct conversations (from the report).
    pub conversations: u64,
    /// Examples the trainer will see (from the report).
    pub training_examples: u64,
    /// Assistant turns that carry loss (from the report).
    pub training_pairs: u64,
    /// Tokens over all training examples (from the report).
    pub tokens_total: u64,
    /// Errors found by validation.
    pub error_count: u64,
    /// Warnings found by validation.
    pub warning_count: u64,
    /// Every readiness check passed (valid, enough pairs, quality where the format has it).
    pub ready: bool,
    /// When it was imported (RFC 3339 UTC).
    pub created_at: String,
    /// Last change to the row.
    pub updated_at: String,
    /// When the last validation finished.
    pub validated_at: Option<String>,
    /// When it was soft-deleted; `None` while in the library.
    pub deleted_at: Option<String>,
    /// Mean quality score of its examples (v4 scores, 1–5); `None` when the format carries none.
    pub quality_mean: Option<f64>,
    /// When the newest training job on it was created; `None` when it was never trained on.
    pub last_used_at: Option<String>,
}

impl Dataset {
    /// The stored file's absolute path inside `data_dir`.
    pub fn path_in(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(&self.file_path)
    }
}

/// A dataset together with its full validation report (`None` while validating or when validation
/// could not run).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DatasetDetail {
    /// The library entry.
    #[serde(flatten)]
    pub dataset: Dataset,
    /// The report of the last validation.
    pub report: Option<ValidationReport>,
}

/// What a new row is made of: the stored file, before validation.
#[derive(Clone, Debug)]
pub struct NewDataset {
    /// Name shown to the user (trimmed; must not be empty).
    pub name: String,
    /// Free text (trimmed; empty means none).
    pub description: Option<String>,
    /// SHA-256 of the stored file.
    pub sha256: String,
    /// The stored file, relative to the data folder.
    pub file_path: String,
    /// The name of the file the user imported.
    pub original_file_name: String,
    /// Size of the file.
    pub bytes: u64,
}

/// Which datasets to list, in which order, which page.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetQuery {
    /// Case-insensitive substring of the name or the description.
    pub search: Option<String>,
    /// Order of the items.
    pub sort: DatasetSort,
    /// Only this format.
    pub format: Option<DatasetFormat>,
    /// Only this status.
    pub status: Option<DatasetStatus>,
    /// Only datasets whose readiness flag is this.
    pub ready: Option<bool>,
    /// List the soft-deleted datasets (the trash) instead of the library.
    pub deleted: bool,
    /// 1-based page number.
    pub page: u32,
    /// Items per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
}

/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 500;

/// Items per page until the user picks another number (the original spec's 25).
pub const DEFAULT_PER_PAGE: u32 = 25;

impl Default for DatasetQuery {
    fn default() -> Self {
        DatasetQuery {
            search: None,
            sort: DatasetSort::Newest,
            format: None,
            status: None,
            ready: None,
            deleted: false,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// One page of a dataset list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DatasetPage {
    /// The datasets on this page.
    pub items: Vec<Dataset>,
    /// How many datasets match the query over all pages.
    pub total: u64,
    /// The page number (1-based).
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

/// Whether inserting created a row or found the one that already holds these bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Inserted {
    /// A new row, status `validating`.
    New(Dataset),
    /// The row that already has this `sha256` (possibly soft-deleted), unchanged.
    Existing(Dataset),
}

/// The `datasets` table of a store.
pub struct Datasets<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The dataset library.
    pub fn datasets(&self) -> Datasets<'_> {
        Datasets {
            conn: self.connection(),
        }
    }
}

const COLUMNS: &str = "id, name, description, status, error_message, sha256, file_path, original_file_name, \
     bytes, format, conversations, training_examples, training_pairs, tokens_total, error_count, \
     warning_count, ready, created_at, updated_at, validated_at, deleted_at, quality_mean, \
     (SELECT max(j.created_at) FROM training_jobs j WHERE j.dataset_id = datasets.id) AS last_used_at";

fn dataset_from_row(row: &Row<'_>) -> rusqlite::Result<Dataset> {
    let status: String = row.get("status")?;
    let format: Option<String> = row.get("format")?;
    Ok(Dataset {
        id: row.get("id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        // The CHECK constraint allows only known statuses; an unknown one would be a hand edit.
        status: status.parse().unwrap_or(DatasetStatus::Error),
        error_message: row.get("error_message")?,
        sha256: row.get("sha256")?,
        file_path: row.get("file_path")?,
        original_file_name: row.get("original_file_name")?,
        bytes: count(row, "bytes")?,
        // A format this version does not know (written by a newer one) reads as unrecognised.
        format: format.and_then(|f| f.parse().ok()),
        conversations: count(row, "conversations")?,
        training_examples: count(row, "training_examples")?,
        training_pairs: count(row, "training_pairs")?,
        tokens_total: count(row, "tokens_total")?,
        error_count: count(row, "error_count")?,
        warning_count: count(row, "warning_count")?,
        ready: row.get("ready")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        validated_at: row.get("validated_at")?,
        deleted_at: row.get("deleted_at")?,
        quality_mean: row.get("quality_mean")?,
        last_used_at: row.get("last_used_at")?,
    })
}

/// SQLite integers are signed; counters never come near `i64::MAX`, and a negative one (a hand edit)
/// reads as 0.
fn count(row: &Row<'_>, column: &str) -> rusqlite::Result<u64> {
    let value: i64 = row.get(column)?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// The other direction of [`count`]: saturates instead of failing on a value SQLite cannot hold.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn clean_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::InvalidInput {
            field: "name".into(),
            message: "a dataset needs a name".into(),
        });
    }
    Ok(name.to_string())
}

fn clean_description(description: Option<&str>) -> Option<String> {
    description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
}

/// Escapes LIKE wildcards so a search for `50%` finds "50%" literally.
fn like_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Datasets<'_> {
    /// Adds a row in status `validating` for a stored file, unless a row already holds these bytes
    /// (then that row is returned unchanged, even when another process inserted it a moment ago).
    pub fn insert_validating(&self, new: &NewDataset) -> Result<Inserted, StoreError> {
        let name = clean_name(&new.name)?;
        let now = time::now();
        let id = uuid::Uuid::now_v7().to_string();
        let changed = self.conn.execute(
            "INSERT INTO datasets (id, name, description, status, sha256, file_path, original_file_name,
                 bytes, created_at, updated_at, validation_heartbeat_at)
             VALUES (?1, ?2, ?3, 'validating', ?4, ?5, ?6, ?7, ?8, ?8, ?8)
             ON CONFLICT (sha256) DO NOTHING",
            params![
                id,
                name,
                clean_description(new.description.as_deref()),
                new.sha256,
                new.file_path,
                new.original_file_name,
                int(new.bytes),
                now
            ],
        )?;
        if changed == 1 {
            return Ok(Inserted::New(self.get(&id)?));
        }
        match self.find_by_sha256(&new.sha256)? {
            Some(existing) => Ok(Inserted::Existing(existing)),
            // The conflicting row vanished between the two statements (a purge); nothing sensible to retry.
            None => Err(StoreError::NotFound {
                what: "dataset with sha256",
                id: new.sha256.clone(),
            }),
        }
    }

    /// The dataset with this id, deleted or not.
    pub fn get(&self, id: &str) -> Result<Dataset, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM datasets WHERE id = ?1"),
                [id],
                dataset_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "dataset",
                id: id.to_string(),
            })
    }

    /// The dataset with this id and its validation report.
    pub fn get_detail(&self, id: &str) -> Result<DatasetDetail, StoreError> {
        let dataset = self.get(id)?;
        let json: Option<String> =
            self.conn
                .query_row("SELECT report_json FROM datasets WHERE id = ?1", [id], |row| {
                    row.get(0)
                })?;
        let report = match json {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                what: format!("validation report of dataset {id}"),
                message: e.to_string(),
            })?),
        };
        Ok(DatasetDetail { dataset, report })
    }

    /// The dataset whose file has this SHA-256, deleted or not.
    pub fn find_by_sha256(&self, sha256: &str) -> Result<Option<Dataset>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM datasets WHERE sha256 = ?1"),
                [sha256],
                dataset_from_row,
            )
            .optional()?)
    }

    /// One page of datasets matching `query`, and how many match in all.
    pub fn list(&self, query: &DatasetQuery) -> Result<DatasetPage, StoreError> {
        if query.page == 0 || query.per_page == 0 || query.per_page > MAX_PER_PAGE {
            return Err(StoreError::InvalidInput {
                field: "page".into(),
                message: format!(
                    "page must be 1 or more and per_page 1 to {MAX_PER_PAGE} (got page {}, per_page {})",
                    query.page, query.per_page
                ),
            });
        }
        let mut filters = vec![if query.deleted {
            "deleted_at IS NOT NULL".to_string()
        } else {
            "deleted_at IS NULL".to_string()
        }];
        let mut values: Vec<Value> = Vec::new();
        if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            values.push(Value::Text(like_pattern(search)));
            let n = values.len();
            filters.push(format!(
                "(name LIKE ?{n} ESCAPE '\\' OR coalesce(description, '') LIKE ?{n} ESCAPE '\\')"
            ));
        }
        if let Some(format) = query.format {
            values.push(Value::Text(format.as_str().to_string()));
            filters.push(format!("format = ?{}", values.len()));
        }
        if let Some(status) = query.status {
            values.push(Value::Text(status.as_str().to_string()));
            filters.push(format!("status = ?{}", values.len()));
        }
        if let Some(ready) = query.ready {
            values.push(Value::Integer(i64::from(ready)));
            filters.push(format!("ready = ?{}", values.len()));
        }
        let filter = filters.join(" AND ");
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM datasets WHERE {filter}"),
            params_from_iter(values.iter()),
            |row| row.get(0),
        )?;
        let total = u64::try_from(total).unwrap_or(0);
        let offset = u64::from(query.page - 1) * u64::from(query.per_page);
        let sql = format!(
            "SELECT {COLUMNS} FROM datasets WHERE {filter} ORDER BY {} LIMIT {} OFFSET {offset}",
            query.sort.order_by(),
            query.per_page
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let items = stmt
            .query_map(params_from_iter(values.iter()), dataset_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DatasetPage {
            items,
            total,
            page: query.page,
            per_page: query.per_page,
        })
    }

    /// Changes the name and, when given, the description (an empty description clears it).
    pub fn update_details(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Dataset, StoreError> {
        let current = self.get(id)?;
        let name = match name {
            Some(name) => clean_name(name)?,
            None => current.name,
        };
        let description = match description {
            Some(d) => clean_description(Some(d)),
            None => current.description,
        };
        self.conn.execute(
            "UPDATE datasets SET name = ?2, description = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, name, description, time::now()],
        )?;
        self.get(id)
    }

    /// Puts a dataset (back) into `validating` and starts its heartbeat; clears the old outcome.
    pub fn start_validation(&self, id: &str) -> Result<(), StoreError> {
        let now = time::now();
        let changed = self.conn.execute(
            "UPDATE datasets SET status = 'validating', error_message = NULL, updated_at = ?2,
                 validation_heartbeat_at = ?2
             WHERE id = ?1",
            params![id, now],
        )?;
        self.expect_one(changed, id)
    }

    /// Tells other processes that this dataset's validation is still running.
    pub fn heartbeat(&self, id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE datasets SET validation_heartbeat_at = ?2 WHERE id = ?1 AND status = 'validating'",
            params![id, time::now()],
        )?;
        Ok(())
    }

    /// Records a finished validation: the report, the counters copied out of it, and the status
    /// (`ready` when the report is valid, `error` otherwise).
    pub fn record_report(&self, id: &str, report: &ValidationReport) -> Result<Dataset, StoreError> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::Corrupt {
            what: format!("validation report of dataset {id}"),
            message: e.to_string(),
        })?;
        let status = if report.valid {
            DatasetStatus::Ready
        } else {
            DatasetStatus::Error
        };
        let ready = report.valid && report.readiness.iter().all(|check| check.passed);
        let now = time::now();
        let changed = self.conn.execute(
            "UPDATE datasets SET status = ?2, error_message = NULL, format = ?3, conversations = ?4,
                 training_examples = ?5, training_pairs = ?6, tokens_total = ?7, error_count = ?8,
                 warning_count = ?9, ready = ?10, report_json = ?11, validated_at = ?12, updated_at = ?12,
                 validation_heartbeat_at = NULL, quality_mean = ?13
             WHERE id = ?1",
            params![
                id,
                status.as_str(),
                report.format.map(|f| f.as_str()),
                int(report.conversations),
                int(report.training_examples),
                int(report.training_pairs),
                int(report.tokens.total),
                int(report.error_count),
                int(report.warning_count),
                ready,
                json,
                now,
                report.stats.quality.as_ref().map(|q| q.mean)
            ],
        )?;
        self.expect_one(changed, id)?;
        self.get(id)
    }

    /// Ends a validation that the caller stopped (cancelled, unusable options): the entry gets back the
    /// status and message it had before, with its report untouched.
    pub fn abandon_validation(&self, previous: &Dataset) -> Result<Dataset, StoreError> {
        let changed = self.conn.execute(
            "UPDATE datasets SET status = ?2, error_message = ?3, updated_at = ?4, validation_heartbeat_at = NULL
             WHERE id = ?1",
            params![previous.id, previous.status.as_str(), previous.error_message, time::now()],
        )?;
        self.expect_one(changed, &previous.id)?;
        self.get(&previous.id)
    }

    /// Records that validation could not run: status `error`, the reason, and no report.
    pub fn record_failure(&self, id: &str, message: &str) -> Result<Dataset, StoreError> {
        let changed = self.conn.execute(
            "UPDATE datasets SET status = 'error', error_message = ?2, report_json = NULL, ready = 0,
                 quality_mean = NULL, updated_at = ?3, validation_heartbeat_at = NULL
             WHERE id = ?1",
            params![id, message, time::now()],
        )?;
        self.expect_one(changed, id)?;
        self.get(id)
    }

    /// Moves a dataset to the trash; its file stays so it can be restored. Deleting twice is harmless.
    pub fn soft_delete(&self, id: &str) -> Result<Dataset, StoreError> {
        let now = time::now();
        self.conn.execute(
            "UPDATE datasets SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, now],
        )?;
        self.get(id)
    }

    /// Brings a soft-deleted dataset back into the library. Restoring one that is not deleted is harmless.
    pub fn restore(&self, id: &str) -> Result<Dataset, StoreError> {
        self.conn.execute(
            "UPDATE datasets SET deleted_at = NULL, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NOT NULL",
            params![id, time::now()],
        )?;
        self.get(id)
    }

    /// Removes the row for good (the file is the caller's business). Used when an import is cancelled.
    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        let changed = self.conn.execute("DELETE FROM datasets WHERE id = ?1", [id])?;
        self.expect_one(changed, id)
    }

    /// Marks as failed every `validating` row whose heartbeat is older than [`HEARTBEAT_STALE_AFTER`]
    /// at `now`: the process validating it stopped. Returns how many rows it changed.
    pub fn recover_interrupted(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let stale = Duration::from_std(HEARTBEAT_STALE_AFTER).unwrap_or_else(|_| Duration::seconds(60));
        let cutoff = time::format(now - stale);
        Ok(self.conn.execute(
            "UPDATE datasets SET status = 'error', error_message = ?1, ready = 0, updated_at = ?2,
                 validation_heartbeat_at = NULL
             WHERE status = 'validating'
               AND (validation_heartbeat_at IS NULL OR validation_heartbeat_at < ?3)",
            params![INTERRUPTED_MESSAGE, time::format(now), cutoff],
        )?)
    }

    fn expect_one(&self, changed: usize, id: &str) -> Result<(), StoreError> {
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "dataset",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}
