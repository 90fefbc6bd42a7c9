//! A job's result files: the adapter folder and training_summary.json, listed with their SHA-256 and served
//! with Range support.

use std::path::{Component, Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower_http::services::ServeFile;

use crate::api::{ArtifactList, ArtifactView};
use crate::db;
use crate::error::{AgentError, ApiError, ErrorBody};
use crate::jobs::files::JobFiles;
use crate::state::{lock, AppState};

/// `(name, path)` of every artifact file that exists now: adapter files (nested names use `/`), then the summary.
fn artifact_files(files: &JobFiles) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let adapter = files.adapter();
    let mut stack = vec![adapter.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            // file_type() does not follow symlinks: a link is never listed, so it is never served.
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    if let Ok(relative) = path.strip_prefix(&adapter) {
                        let name = relative
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/");
                        found.push((name, path));
                    }
                }
                _ => {}
            }
        }
    }
    found.sort();
    let summary = files.summary();
    if std::fs::symlink_metadata(&summary).is_ok_and(|m| m.is_file()) {
        found.push(("training_summary.json".to_string(), summary));
    }
    found
}

pub(crate) fn sha256_cached(state: &AppState, path: &FsPath) -> std::io::Result<(u64, String)> {
    let meta = std::fs::metadata(path)?;
    let key = (path.to_path_buf(), meta.len(), meta.modified()?);
    if let Some(hash) = lock(&state.artifact_hashes).get(&key) {
        return Ok((meta.len(), hash.clone()));
    }
    let hash = super::datasets::hash_file(path)?;
    lock(&state.artifact_hashes).insert(key, hash.clone());
    Ok((meta.len(), hash))
}

async fn require_job(state: &Arc<AppState>, id: &str) -> Result<JobFiles, ApiError> {
    let job_id = id.to_string();
    let exists = state
        .db
        .read(move |conn| Ok(db::jobs::get(conn, &job_id)?.is_some()))
        .await?;
    if !exists {
        return Err(ApiError::not_found("job"));
    }
    Ok(JobFiles::new(&state.paths, id))
}

/// The job's downloadable files with size and SHA-256 (empty until the trainer has saved them).
#[utoipa::path(get, path = "/v1/jobs/{id}/artifacts", tag = "artifacts", params(("id" = String, Path)),
    responses((status = 200, body = ArtifactList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<ArtifactList>, ApiError> {
    let files = require_job(&state, &id).await?;
    let shared = Arc::clone(&state);
    let artifacts = tokio::task::spawn_blocking(move || {
        artifact_files(&files)
            .into_iter()
            .map(|(name, path)| {
                let (size, sha256) = sha256_cached(&shared, &path)?;
                Ok(ArtifactView { name, size, sha256 })
            })
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await
    .map_err(|e| AgentError::Task(e.to_string()))?
    .map_err(|e| AgentError::io("cannot read the job's artifacts", e))?;
    Ok(Json(ArtifactList { artifacts }))
}

/// A name is a relative path of plain components: no `..`, no root, no backslash.
pub(crate) fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['\\', '\0'])
        && FsPath::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Downloads one artifact; `Range` requests get 206 with the part asked for.
#[utoipa::path(get, path = "/v1/jobs/{id}/artifacts/{name}", tag = "artifacts",
    params(("id" = String, Path), ("name" = String, Path, description = "An artifact name from the list"),
        ("range" = Option<String>, Header, description = "`bytes=START-END`")),
    responses(
        (status = 200, description = "The whole file", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such job or artifact (a name that leaves the job's folder names none)"),
        (status = 416, description = "Range not satisfiable")))]
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    // A name that would leave the job's folder names no artifact: 404 like any other unknown name (a schema
    // for "a file name under this folder" cannot be written, so a well-formed request must not get a 400).
    if !is_safe_name(&name) {
        return Err(ApiError::not_found("artifact").hint(
            "artifact names come from GET /v1/jobs/{id}/artifacts; `..` and absolute paths name none",
        ));
    }
    let files = require_job(&state, &id).await?;
    let output = files.output.clone();
    let path = tokio::task::spawn_blocking(move || {
        let path = artifact_files(&files)
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p)?;
        // Belt and braces: whatever the name, the real file must lie inside the job's output folder.
        let real = path.canonicalize().ok()?;
        let root = output.canonicalize().ok()?;
        real.starts_with(&root).then_some(real)
    })
    .await
    .map_err(|e| AgentError::Task(e.to_string()))?
    .ok_or_else(|| ApiError::not_found("artifact"))?;
    let response = ServeFile::new(path)
        .try_call(request)
        .await
        .map_err(|e| AgentError::io("cannot read the artifact", e))?;
    Ok(response.map(axum::body::Body::new).into_response())
}

#[cfg(test)]
mod tests {
    use super::is_safe_name;

    #[test]
    fn names_stay_inside() {
        assert!(is_safe_name("adapter_model.safetensors"));
        assert!(is_safe_name("sub/file.json"));
        assert!(!is_safe_name("../job.log"));
        assert!(!is_safe_name("a/../../b"));
        assert!(!is_safe_name("/etc/passwd"));
        assert!(!is_safe_name("a\\b"));
        assert!(!is_safe_name(""));
    }
}
