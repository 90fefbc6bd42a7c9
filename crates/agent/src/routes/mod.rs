//! The Cluster API v1 router.

pub mod artifacts;
pub mod chat;
pub mod datasets;
pub mod jobs;
pub mod merge;
pub mod models;
pub mod progress;
pub mod system;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::auth::require_key;
use crate::error::ApiError;
use crate::state::AppState;

/// Every route; all but `/v1/health` need a key.
pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route("/v1/capabilities", get(system::capabilities))
        .route("/v1/openapi.json", get(system::openapi))
        .route("/v1/models/{name}/tokenizer", get(models::tokenizer))
        .route(
            "/v1/datasets/{sha256}",
            axum::routing::head(datasets::head_dataset)
                .put(datasets::put_dataset)
                // Uploads stream to disk with their own size limit.
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/jobs", post(jobs::create_job).get(jobs::list_jobs))
        .route("/v1/jobs/{id}", get(jobs::get_job))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel_job))
        .route("/v1/jobs/{id}/metrics", get(progress::metrics))
        .route("/v1/jobs/{id}/logs", get(progress::logs))
        .route("/v1/jobs/{id}/checkpoints", get(progress::checkpoints))
        .route("/v1/jobs/{id}/artifacts", get(artifacts::list))
        .route("/v1/jobs/{id}/artifacts/{*name}", get(artifacts::download))
        .route("/v1/jobs/{id}/merge", post(merge::start).get(merge::status))
        .route("/v1/jobs/{id}/merge/files/{name}", get(merge::download))
        // Streaming: exempt from any whole-request timeout (see routes/chat.rs).
        .route(chat::CHAT_COMPLETIONS_PATH, post(chat::chat_completions))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), require_key));
    Router::new()
        .route("/v1/health", get(system::health))
        .merge(protected)
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method (see GET /v1/openapi.json)",
            )
        })
        .layer(middleware::from_fn(request_timeout))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), note_request))
        .with_state(state)
}

/// How long a request may take to produce its response. Uploads (PUT) read their body inside the handler and
/// are bounded by the client's read timeout instead; downloads stream their body after the response starts.
/// Chat completions (which may wait for the model to load and for training to free the GPU) and merged-model
/// downloads are exempt too: see `is_exempt_from_timeout`.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Answers 503 `request_timeout` when a handler takes longer than `REQUEST_TIMEOUT` (a stuck disk or
/// database), so a slow request does not hold a connection and a worker for ever.
async fn request_timeout(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if request.method() == axum::http::Method::PUT || is_exempt_from_timeout(request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            "the agent took too long to answer; try again",
        )
        .into_response(),
    }
}

/// Long-running routes that must not get the whole-request timeout: the streaming chat route and the
/// merged model's files (`/v1/jobs/{id}/merge/files/{name}`), which are large.
fn is_exempt_from_timeout(path: &str) -> bool {
    if path == chat::CHAT_COMPLETIONS_PATH {
        return true;
    }
    let mut parts = path.trim_start_matches('/').split('/');
    matches!(
        (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next()
        ),
        (
            Some("v1"),
            Some("jobs"),
            Some(_),
            Some("merge"),
            Some("files"),
            Some(_),
            None
        )
    )
}

/// Remembers when the last request came, so an idle local agent knows when it may exit.
async fn note_request(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    *crate::state::lock(&state.last_request) = std::time::Instant::now();
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::is_exempt_from_timeout;

    #[test]
    fn streaming_and_merge_downloads_skip_the_request_timeout() {
        assert!(is_exempt_from_timeout("/v1/chat/completions"));
        assert!(is_exempt_from_timeout(
            "/v1/jobs/j1/merge/files/model.safetensors"
        ));
        assert!(!is_exempt_from_timeout("/v1/jobs/j1/merge"));
        assert!(!is_exempt_from_timeout("/v1/jobs"));
        assert!(!is_exempt_from_timeout("/v1/jobs/j1/merge/files/a/b"));
    }
}
