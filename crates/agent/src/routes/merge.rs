//! Merging a job's adapter into its base model (`python -m brightrun_trainer.merge`, PEFT's
//! `merge_and_unload`), and serving the merged safetensors with Range support like the artifacts.
//! `POST /v1/jobs/{id}/merge` starts it (or answers it is done), `GET` says where it stands, and
//! `GET /v1/jobs/{id}/merge/files/{name}` downloads a file. The merge runs in float32 on the CPU, so it never
//! competes with training for a GPU; the folder is written aside and renamed when complete.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tower_http::services::ServeFile;
use utoipa::ToSchema;

use crate::api::ArtifactView;
use crate::error::{AgentError, ApiError, ErrorBody};
use crate::jobs::files::{self, JobFiles};
use crate::state::{lock, AppState};

/// A merge in progress or failed (a finished one is its folder on disk).
#[derive(Clone, Debug)]
pub enum MergeRun {
    Merging,
    Failed(String),
}

/// Where a job's merged model stands.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MergeView {
    /// `not_started`, `merging`, `ready` or `failed`.
    pub status: String,
    /// The merged model's files (config, safetensors, tokenizer) with size and SHA-256, once ready.
    pub files: Vec<ArtifactView>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn merged_dir(files: &JobFiles) -> PathBuf {
    files.output.join("merged")
}

async fn job_with_adapter(state: &Arc<AppState>, id: &str) -> Result<(String, JobFiles), ApiError> {
    let job_id = id.to_string();
    let job = state
        .db
        .read(move |conn| crate::db::jobs::get(conn, &job_id))
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let files = JobFiles::new(&state.paths, &job.id);
    if !files.adapter().join("adapter_config.json").is_file() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "adapter_not_ready",
            format!(
                "job {} has no adapter yet (it is {})",
                job.id,
                job.status.as_str()
            ),
        ));
    }
    Ok((files::resolve_base_model(&state.paths, &job.base_model), files))
}

async fn view(state: &Arc<AppState>, id: &str, files: &JobFiles) -> Result<MergeView, ApiError> {
    match lock(&state.merges).get(id).cloned() {
        Some(MergeRun::Merging) => {
            return Ok(MergeView {
                status: "merging".into(),
                files: Vec::new(),
                error: None,
            })
        }
        Some(MergeRun::Failed(error)) => {
            return Ok(MergeView {
                status: "failed".into(),
                files: Vec::new(),
                error: Some(error),
            })
        }
        None => {}
    }
    let dir = merged_dir(files);
    let shared = Arc::clone(state);
    let listed = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<ArtifactView>> {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let (size, sha256) = super::artifacts::sha256_cached(&shared, &entry.path())?;
                found.push(ArtifactView { name, size, sha256 });
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    })
    .await
    .map_err(|e| AgentError::Task(e.to_string()))?
    .map_err(|e| AgentError::io("cannot read the merged model", e))?;
    let ready = listed.iter().any(|f| f.name.ends_with(".safetensors"));
    Ok(MergeView {
        status: if ready { "ready" } else { "not_started" }.into(),
        files: if ready { listed } else { Vec::new() },
        error: None,
    })
}

/// Starts merging the job's adapter into its base model (a merge already done or under way is answered as is).
#[utoipa::path(post, path = "/v1/jobs/{id}/merge", operation_id = "start_merge", tag = "artifacts", params(("id" = String, Path)),
    responses((status = 200, body = MergeView, description = "Already merged"),
        (status = 202, body = MergeView, description = "Merging"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The job has no adapter")))]
pub async fn start(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (base, files) = job_with_adapter(&state, &id).await?;
    let current = view(&state, &id, &files).await?;
    if current.status == "ready" {
        return Ok(Json(current).into_response());
    }
    {
        let mut merges = lock(&state.merges);
        if !matches!(merges.get(&id), Some(MergeRun::Merging)) {
            merges.insert(id.clone(), MergeRun::Merging);
            let state = Arc::clone(&state);
            let id = id.clone();
            tokio::spawn(async move {
                let outcome = run_merge(&state, &base, &files).await;
                let mut merges = lock(&state.merges);
                match outcome {
                    Ok(()) => merges.remove(&id),
                    Err(error) => {
                        files.note(&format!("merge failed: {error}"));
                        merges.insert(id, MergeRun::Failed(error))
                    }
                };
            });
        }
    }
    let files = JobFiles::new(&state.paths, &id);
    Ok((StatusCode::ACCEPTED, Json(view(&state, &id, &files).await?)).into_response())
}

async fn run_merge(state: &AppState, base: &str, files: &JobFiles) -> Result<(), String> {
    files.note("merging the adapter into the base model");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&files.log)
        .map_err(|e| format!("cannot open the job log: {e}"))?;
    let output = tokio::process::Command::new(&state.python)
        // Started like the trainer: -I and an allow-listed environment (see jobs/runner.rs).
        .args(["-I", "-m", "brightrun_trainer.merge", "--base", base, "--adapter"])
        .arg(files.adapter())
        .arg("--out")
        .arg(merged_dir(files))
        .env_clear()
        .envs(crate::jobs::runner::trainer_environment())
        .env("CUDA_VISIBLE_DEVICES", "")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .output()
        .await
        .map_err(|e| format!("cannot start the merge with {}: {e}", state.python.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let last = String::from_utf8_lossy(&output.stdout);
    let message = last
        .lines()
        .last()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("the merge exited with {}; see the job's log", output.status));
    Err(message)
}

/// Where the job's merge stands, with the merged files once ready.
#[utoipa::path(get, path = "/v1/jobs/{id}/merge", operation_id = "merge_status", tag = "artifacts", params(("id" = String, Path)),
    responses((status = 200, body = MergeView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<MergeView>, ApiError> {
    let (_, files) = job_with_adapter(&state, &id).await?;
    Ok(Json(view(&state, &id, &files).await?))
}

/// Downloads one file of the merged model; `Range` requests get 206.
#[utoipa::path(get, path = "/v1/jobs/{id}/merge/files/{name}", operation_id = "download_merged_file", tag = "artifacts",
    params(("id" = String, Path), ("name" = String, Path, description = "A file name from the merge's list"),
        ("range" = Option<String>, Header, description = "`bytes=START-END`")),
    responses(
        (status = 200, description = "The whole file", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    // Like artifacts: a name that is not a plain file name names no merged file (404, not 400).
    if !super::artifacts::is_safe_name(&name) || name.contains('/') {
        return Err(
            ApiError::not_found("merged file").hint("merged file names come from GET /v1/jobs/{id}/merge")
        );
    }
    let (_, files) = job_with_adapter(&state, &id).await?;
    if lock(&state.merges).get(&id).is_some() {
        return Err(ApiError::not_found("merged model"));
    }
    let path = merged_dir(&files).join(&name);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Err(ApiError::not_found("merged file"));
    }
    let response = ServeFile::new(path)
        .try_call(request)
        .await
        .map_err(|e| AgentError::io("cannot read the merged model", e))?;
    Ok(response.map(axum::body::Body::new).into_response())
}
