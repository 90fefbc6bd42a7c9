//! A base model's tokenizer, so a client can count a dataset's tokens exactly before launching.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The `tokenizer.json` of a base model this agent offers: a local model's own, or a hub model's from the
/// Hugging Face cache. A hub id's `/` is sent percent-encoded (`meta-llama%2FLlama-3.1-8B`).
#[utoipa::path(get, path = "/v1/models/{name}/tokenizer", tag = "system",
    params(("name" = String, Path, description = "A base model id from /v1/capabilities, percent-encoded")),
    responses(
        (status = 200, description = "The model's tokenizer.json", content_type = "application/json"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not offered, or its tokenizer is not on this machine")))]
pub async fn tokenizer(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if !crate::models::offered(&state).iter().any(|m| m.id == name) {
        return Err(ApiError::not_found("base model"));
    }
    let path = tokenizer_path(&state.paths.models, &name).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the tokenizer of {name} is not on this machine yet (the first job downloads it)"),
        )
    })?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found("tokenizer"))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// Where the tokenizer of `name` is: `<models>/<name>/tokenizer.json`, else the newest snapshot of the hub
/// cache (`$HF_HUB_CACHE`, `$HF_HOME/hub` or `~/.cache/huggingface/hub`).
fn tokenizer_path(models: &FsPath, name: &str) -> Option<PathBuf> {
    if crate::jobs::files::is_local_model_name(name) {
        let local = models.join(name).join("tokenizer.json");
        if local.is_file() {
            return Some(local);
        }
    }
    if name
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return None;
    }
    let cache = std::env::var_os("HF_HUB_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HF_HOME").map(|h| PathBuf::from(h).join("hub")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/huggingface/hub")))?;
    let snapshots = cache
        .join(format!("models--{}", name.replace('/', "--")))
        .join("snapshots");
    std::fs::read_dir(snapshots)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("tokenizer.json"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
}
