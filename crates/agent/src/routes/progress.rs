//! Incremental views of a job's progress: metrics after a step, the log after an offset, checkpoints.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path as FsPath;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use crate::api::{CheckpointList, CheckpointView, LogPage, MetricsPage};
use crate::db::{self, checkpoints};
use crate::error::{AgentError, ApiError, ErrorBody};
use crate::jobs::files::JobFiles;
use crate::state::AppState;

/// Most metrics points in one answer; a client asks again with the last step it got.
const METRICS_PAGE: u32 = 10_000;
/// Most log bytes in one answer.
const LOG_PAGE: u64 = 256 * 1024;

async fn require_job(state: &Arc<AppState>, id: &str) -> Result<(), ApiError> {
    let id = id.to_string();
    let exists = state
        .db
        .read(move |conn| Ok(db::jobs::get(conn, &id)?.is_some()))
        .await?;
    if exists {
        Ok(())
    } else {
        Err(ApiError::not_found("job"))
    }
}

/// `?after_step=N`.
#[derive(Deserialize)]
pub struct MetricsQuery {
    /// Only points with a larger step; default: all.
    pub after_step: Option<i64>,
}

/// Metrics points after a step, in step order (at most 10,000 per answer).
#[utoipa::path(get, path = "/v1/jobs/{id}/metrics", tag = "progress",
    // Spelled out: utoipa's axum inference does not see through `Result<Query<_>, _>` (see routes/jobs.rs).
    params(("id" = String, Path),
        ("after_step" = Option<i64>, Query, nullable = false, minimum = 0, description = "Only points with a larger step; default: all.")),
    responses((status = 200, body = MetricsPage), (status = 400, body = ErrorBody, description = "`after_step` is not a step"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn metrics(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<MetricsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MetricsPage>, ApiError> {
    let bad = || ApiError::bad_request("after_step must be a step number (0 or more)");
    let Query(query) = query.map_err(|_| bad())?;
    // Negative steps do not exist; refusing them keeps the server to its documented minimum.
    let after = match query.after_step {
        Some(step) if step < 0 => return Err(bad()),
        Some(step) => step,
        None => -1,
    };
    let points = state
        .db
        .read(move |conn| {
            if db::jobs::get(conn, &id)?.is_none() {
                return Ok(None);
            }
            db::metrics::after(conn, &id, after, METRICS_PAGE).map(Some)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(MetricsPage { points }))
}

/// `?offset=N`.
#[derive(Deserialize)]
pub struct LogQuery {
    /// Byte offset to read from; pass the previous answer's `next_offset`.
    pub offset: Option<u64>,
}

/// The job's log (the trainer's stderr and the agent's notes) from a byte offset, at most 256 KiB at a time.
#[utoipa::path(get, path = "/v1/jobs/{id}/logs", tag = "progress",
    params(("id" = String, Path),
        ("offset" = Option<u64>, Query, nullable = false, description = "Byte offset to read from; pass the previous answer's `next_offset`.")),
    responses((status = 200, body = LogPage), (status = 400, body = ErrorBody, description = "`offset` is not a byte offset"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn logs(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<LogPage>, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::bad_request("offset must be a whole number"))?;
    require_job(&state, &id).await?;
    let files = JobFiles::new(&state.paths, &id);
    let offset = query.offset.unwrap_or(0);
    let page = tokio::task::spawn_blocking(move || read_log(&files.log, offset))
        .await
        .map_err(|e| AgentError::Task(e.to_string()))?
        .map_err(|e| AgentError::io("cannot read the job's log", e))?;
    Ok(Json(page))
}

/// Reads from `offset`, ending on a whole UTF-8 character so a multi-byte character is never split between pages.
fn read_log(path: &FsPath, offset: u64) -> std::io::Result<LogPage> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(LogPage {
                text: String::new(),
                next_offset: offset,
            })
        }
        Err(err) => return Err(err),
    };
    let len = file.metadata()?.len();
    let start = offset.min(len);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(LOG_PAGE).read_to_end(&mut bytes)?;
    let keep = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        // Incomplete character at the end: leave it for the next page.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    };
    bytes.truncate(keep);
    Ok(LogPage {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        next_offset: start + keep as u64,
    })
}

/// The checkpoints the trainer has saved, oldest first.
#[utoipa::path(get, path = "/v1/jobs/{id}/checkpoints", tag = "progress",
    params(("id" = String, Path)),
    responses((status = 200, body = CheckpointList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn checkpoints(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<CheckpointList>, ApiError> {
    let list = state
        .db
        .read(move |conn| {
            if db::jobs::get(conn, &id)?.is_none() {
                return Ok(None);
            }
            checkpoints::list(conn, &id).map(Some)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(CheckpointList {
        checkpoints: list
            .into_iter()
            .map(|c| CheckpointView {
                step: c.step,
                name: FsPath::new(&c.path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| format!("checkpoint-{}", c.step)),
                created_at: c.created_at,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_pages_never_split_a_character() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.log");
        std::fs::write(&path, "ab\u{00e9}").unwrap();
        // Offset 3 lands inside "é" (2 bytes at 2..4): the page holds the broken tail lossily, never panics.
        let page = read_log(&path, 3).unwrap();
        assert_eq!(page.next_offset, 4);
        let page = read_log(&path, 0).unwrap();
        assert_eq!(page.text, "ab\u{00e9}");
        assert_eq!(page.next_offset, 4);
        let page = read_log(&path, 99).unwrap();
        assert_eq!((page.text.as_str(), page.next_offset), ("", 4));
        let missing = read_log(&dir.path().join("none"), 0).unwrap();
        assert_eq!(missing.next_offset, 0);
    }
}
