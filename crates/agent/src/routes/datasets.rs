//! Content-addressed datasets: `HEAD` says what the agent has, `PUT` uploads (resumably, streamed to disk) and
//! accepts the file only once its SHA-256 matches its name.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::api::DatasetUpload;
use crate::error::{AgentError, ApiError, ErrorBody};
use crate::state::{lock, AppState};

const UPLOAD_OFFSET: &str = "upload-offset";

fn check_sha256(text: &str) -> Result<String, ApiError> {
    let lower = text.to_ascii_lowercase();
    if lower.len() == 64 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(lower)
    } else {
        Err(ApiError::bad_request(
            "the dataset name must be its SHA-256: 64 hex digits",
        ))
    }
}

/// Whether the agent has the dataset: 200 with its `Content-Length`, or 404; `Upload-Offset` tells how many
/// bytes an interrupted upload already delivered (resume with `Content-Range: bytes <offset>-...`).
#[utoipa::path(head, path = "/v1/datasets/{sha256}", tag = "datasets",
    params(("sha256" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "SHA-256 of the file, 64 hex digits")),
    responses(
        (status = 400, description = "The name is not a SHA-256"),
        (status = 200, description = "Present and verified; Content-Length is its size",
            headers(("upload-offset" = u64, description = "Equal to the size"))),
        (status = 404, description = "Not present; Upload-Offset is set when part of it was uploaded",
            headers(("upload-offset" = u64, description = "Bytes received so far"))),
        (status = 401, description = "No valid key")))]
pub async fn head_dataset(
    State(state): State<Arc<AppState>>,
    UrlPath(sha256): UrlPath<String>,
) -> Result<Response, ApiError> {
    let sha256 = check_sha256(&sha256)?;
    let stored = state.paths.dataset(&sha256);
    let meta = tokio::fs::metadata(&stored).await.ok();
    let intact = match &meta {
        Some(meta) => dataset_intact(&state, &sha256, &stored, meta).await,
        None => false,
    };
    if let (Some(meta), true) = (meta, intact) {
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_LENGTH, meta.len().to_string()),
                (
                    header::HeaderName::from_static(UPLOAD_OFFSET),
                    meta.len().to_string(),
                ),
            ],
        )
            .into_response());
    }
    let mut response = StatusCode::NOT_FOUND.into_response();
    if let Ok(meta) = tokio::fs::metadata(state.paths.partial_dataset(&sha256)).await {
        if let Ok(value) = meta.len().to_string().parse() {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static(UPLOAD_OFFSET), value);
        }
    }
    Ok(response)
}

/// `bytes START-END/TOTAL`.
struct ContentRange {
    start: u64,
    end: u64,
    total: u64,
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some(ContentRange {
        start: start.trim().parse().ok()?,
        end: end.trim().parse().ok()?,
        total: total.trim().parse().ok()?,
    })
}

/// Removes the dataset from the set of uploads in progress when the upload ends, however it ends.
struct UploadGuard<'a> {
    state: &'a AppState,
    sha256: String,
}

impl Drop for UploadGuard<'_> {
    fn drop(&mut self) {
        lock(&self.state.uploads).remove(&self.sha256);
    }
}

fn is_disk_full(err: &std::io::Error) -> bool {
    // std maps ENOSPC/EDQUOT on Unix and ERROR_DISK_FULL/ERROR_HANDLE_DISK_FULL on Windows to these kinds.
    matches!(
        err.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

fn disk_full() -> ApiError {
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        "insufficient_storage",
        "the agent's disk has no room for this dataset",
    )
    .hint("free space on the agent's data disk (old jobs, datasets) or ask its operator, then upload again")
}

/// Free bytes for this user on the file system holding `path` (`statvfs` on Unix, `GetDiskFreeSpaceExW` on
/// Windows, through fs4).
fn free_bytes(path: &Path) -> Option<u64> {
    fs4::available_space(path).ok()
}

/// Uploads a dataset (OpenAI chat `messages` JSONL), whole or in `Content-Range` pieces that each continue at
/// the current `Upload-Offset`. The last piece is checked against the SHA-256 in the URL.
#[utoipa::path(put, path = "/v1/datasets/{sha256}", tag = "datasets",
    params(
        ("sha256" = String, Path, pattern = "^[0-9a-fA-F]{64}$", description = "SHA-256 of the whole file, 64 hex digits"),
        ("content-range" = Option<String>, Header, nullable = false, pattern = "^bytes [0-9]{1,19}-[0-9]{1,19}/[0-9]{1,19}$",
            description = "`bytes START-END/TOTAL` for a piece of a resumable upload (START <= END < TOTAL)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = DatasetUpload, description = "Complete and verified"),
        (status = 200, body = DatasetUpload, description = "Already present"),
        (status = 202, body = DatasetUpload, description = "Piece stored; more expected"),
        (status = 400, body = ErrorBody, description = "The name is not a SHA-256"),
        (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The piece does not start at Upload-Offset, its Content-Range is \
            unreadable or impossible (END before START, or past TOTAL), another upload of it runs, its TOTAL is over max_dataset_bytes (`dataset_too_large`), or (`dataset_hash_mismatch`) the \
            whole file's SHA-256 is not its name and the upload is discarded"),
        (status = 413, body = ErrorBody, description = "`dataset_too_large`: a body larger than max_dataset_bytes"),
        (status = 507, body = ErrorBody, description = "Not enough disk space")))]
pub async fn put_dataset(
    State(state): State<Arc<AppState>>,
    UrlPath(sha256): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // An error may leave part of the body unread; closing the connection keeps a client from sending its next
    // request on a connection the server has given up on.
    upload(state, sha256, headers, body)
        .await
        .map_err(|e| e.header("connection", "close"))
}

async fn upload(
    state: Arc<AppState>,
    sha256: String,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let sha256 = check_sha256(&sha256)?;
    let final_path = state.paths.dataset(&sha256);
    if let Ok(meta) = tokio::fs::metadata(&final_path).await {
        let done = DatasetUpload {
            sha256,
            received: meta.len(),
            complete: true,
        };
        return Ok((StatusCode::OK, Json(done)).into_response());
    }
    let max = state.config.max_dataset_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "dataset_too_large",
            format!("datasets are limited to {max} bytes on this agent"),
        )
        .hint("split the dataset or ask the agent's operator to raise max_dataset_bytes")
    };
    // A Content-Range that is unreadable or impossible (END before START, or not below TOTAL) answers 409, like a
    // piece that does not fit the upload so far: the document's pattern says the form but not the order of the
    // numbers, and schemathesis' coverage phase sends values outside the pattern as if valid (a 400 would fail it).
    let range = match headers.get(header::CONTENT_RANGE) {
        Some(value) => match value.to_str().ok().and_then(parse_content_range) {
            Some(r) if r.start <= r.end && r.end < r.total => Some(r),
            _ => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "invalid_content_range",
                    "Content-Range must be `bytes START-END/TOTAL` with START <= END < TOTAL",
                ))
            }
        },
        None => None,
    };
    let content_length: Option<u64> = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    // A piece that announces a whole file over the limit conflicts with this agent's limit for one dataset: 409
    // (the request itself may be small, so not 413; a 5xx would blame the server). A body over the limit is 413.
    if range.as_ref().is_some_and(|r| r.total > max) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "dataset_too_large",
            format!("datasets are limited to {max} bytes on this agent"),
        )
        .hint("split the dataset or ask the agent's operator to raise max_dataset_bytes"));
    }
    let total = range.as_ref().map(|r| r.total).or(content_length);
    if content_length.is_some_and(|t| t > max) {
        return Err(too_large());
    }

    if lock(&state.uploads).insert(sha256.clone(), 0).is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "upload_in_progress",
            "another upload of this dataset is running",
        )
        .hint("wait for it to finish, then check with HEAD"));
    }
    let _guard = UploadGuard {
        state: &state,
        sha256: sha256.clone(),
    };
    let partial = state.paths.partial_dataset(&sha256);
    let offset = tokio::fs::metadata(&partial).await.map(|m| m.len()).unwrap_or(0);
    let start = match &range {
        Some(r) if r.start != offset => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "upload_offset_mismatch",
                format!(
                    "this piece starts at byte {} but the agent has {offset} bytes",
                    r.start
                ),
            )
            .hint("continue from the Upload-Offset header")
            .header(UPLOAD_OFFSET, offset));
        }
        Some(r) => r.start,
        None => 0,
    };
    let expected_piece = range.as_ref().map(|r| r.end - r.start + 1);
    let needed = total.map(|t| t.saturating_sub(start)).unwrap_or(0);
    // Other uploads still running will take their share of the disk too.
    let in_flight: u64 = {
        let mut uploads = lock(&state.uploads);
        uploads.insert(sha256.clone(), needed);
        uploads
            .iter()
            .filter(|(other, _)| **other != sha256)
            .map(|(_, bytes)| *bytes)
            .sum()
    };
    if let Some(free) = free_bytes(&state.paths.partial_datasets) {
        if free
            < needed
                .saturating_add(in_flight)
                .saturating_add(state.config.disk_reserve_bytes)
        {
            return Err(disk_full());
        }
    }

    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(range.is_some())
        .truncate(range.is_none())
        .open(&partial)
        .await
        .map_err(|e| AgentError::io("cannot open the partial dataset", e))?;
    let mut received: u64 = 0;
    let mut stream = body.into_data_stream();
    let mut failure: Option<ApiError> = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(err) => {
                // The client went away: what arrived stays, to be resumed from Upload-Offset.
                failure = Some(ApiError::bad_request(format!(
                    "the upload was interrupted: {err}"
                )));
                break;
            }
        };
        let len = chunk.len() as u64;
        if start + received + len > max {
            drop(file);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(too_large());
        }
        if expected_piece.is_some_and(|piece| received + len > piece) {
            // 409 like any piece that does not fit the upload (a schema cannot tie the body to the header).
            failure = Some(ApiError::new(
                StatusCode::CONFLICT,
                "invalid_content_range",
                "the body is longer than its Content-Range",
            ));
            break;
        }
        if let Err(err) = file.write_all(&chunk).await {
            drop(file);
            if is_disk_full(&err) {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(disk_full());
            }
            return Err(AgentError::io("cannot write the dataset", err).into());
        }
        received += len;
    }
    // Durable before it is acknowledged: a power loss must not leave fewer bytes than Upload-Offset said.
    let flushed = match file.flush().await {
        Ok(()) => file.sync_data().await,
        Err(err) => Err(err),
    };
    if let Err(err) = flushed {
        drop(file);
        if is_disk_full(&err) {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(disk_full());
        }
        return Err(AgentError::io("cannot write the dataset", err).into());
    }
    drop(file);
    let now_have = start + received;
    if let Some(failure) = failure {
        return Err(failure.header(UPLOAD_OFFSET, now_have));
    }
    if expected_piece.is_some_and(|piece| received != piece) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_content_range",
            format!(
                "the body has {received} bytes but its Content-Range announces {}",
                expected_piece.unwrap_or(0)
            ),
        )
        .header(UPLOAD_OFFSET, now_have));
    }
    let complete = match total {
        Some(total) => now_have >= total,
        None => true,
    };
    if !complete {
        let progress = DatasetUpload {
            sha256,
            received: now_have,
            complete: false,
        };
        let mut response = (StatusCode::ACCEPTED, Json(progress)).into_response();
        if let Ok(value) = now_have.to_string().parse() {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static(UPLOAD_OFFSET), value);
        }
        return Ok(response);
    }

    let to_hash = partial.clone();
    let actual = tokio::task::spawn_blocking(move || hash_file(&to_hash))
        .await
        .map_err(|e| AgentError::Task(e.to_string()))?
        .map_err(|e| AgentError::io("cannot read the uploaded dataset", e))?;
    if actual != sha256 {
        let _ = tokio::fs::remove_file(&partial).await;
        // 409, as RFC 9110 suggests for a PUT whose representation is inconsistent with its target (here: the
        // bytes and the name that must be their hash). The request itself is well formed.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "dataset_hash_mismatch",
            format!("the uploaded bytes hash to {actual}, not {sha256}; the upload was discarded"),
        )
        .hint("upload the file again from the start; check that it did not change during the upload"));
    }
    tokio::fs::rename(&partial, &final_path)
        .await
        .map_err(|e| AgentError::io("cannot store the dataset", e))?;
    // The rename itself is durable only once the folder is synced.
    if let Some(folder) = final_path.parent() {
        sync_folder(folder).await;
    }
    let done = DatasetUpload {
        sha256,
        received: now_have,
        complete: true,
    };
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

/// Syncs a folder's entries to disk (a rename into it survives a power loss); best effort, Unix only.
async fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    {
        let folder = folder.to_path_buf();
        let _ = tokio::task::spawn_blocking(move || std::fs::File::open(&folder).and_then(|f| f.sync_all()))
            .await;
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// Whether the stored dataset still hashes to its name, checked once per size and modification time (files
/// stored before uploads were synced may have been cut short by a power loss). A damaged one is removed.
async fn dataset_intact(state: &Arc<AppState>, sha256: &str, path: &Path, meta: &std::fs::Metadata) -> bool {
    let key = (
        path.to_path_buf(),
        meta.len(),
        meta.modified().unwrap_or(std::time::UNIX_EPOCH),
    );
    if let Some(known) = lock(&state.artifact_hashes).get(&key) {
        return known == sha256;
    }
    let to_hash = path.to_path_buf();
    let actual = match tokio::task::spawn_blocking(move || hash_file(&to_hash)).await {
        Ok(Ok(actual)) => actual,
        // Unreadable now: say it is there and let the job report the read error, rather than delete it.
        _ => return true,
    };
    lock(&state.artifact_hashes).insert(key, actual.clone());
    if actual != sha256 {
        tracing::warn!("dataset {sha256} is damaged (hashes to {actual}); removed so it is uploaded again");
        let _ = tokio::fs::remove_file(path).await;
        return false;
    }
    true
}

/// Removes partial uploads nobody resumed for `max_age`; returns how many.
pub fn remove_stale_partials(folder: &Path, max_age: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > max_age))
        })
        .filter(|entry| std::fs::remove_file(entry.path()).is_ok())
        .count()
}

/// SHA-256 of a file, read in 1 MiB blocks.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        let r = parse_content_range("bytes 10-19/100").unwrap();
        assert_eq!((r.start, r.end, r.total), (10, 19, 100));
        assert!(parse_content_range("bytes */100").is_none());
        assert!(parse_content_range("10-19/100").is_none());
        assert!(check_sha256(&"A".repeat(64)).is_ok());
        assert!(check_sha256("../etc").is_err());
    }
}
